/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for reading a CDI spec (YAML and JSON): device nodes, mounts with
 * their container paths, a hook's program left out, host paths under a root.
 */
#include <string.h>

#include "../../core/host/gpu.h"
#include "tap.h"

static void test_json(void)
{
	static const char *spec =
	    "{\"cdiVersion\":\"0.5.0\",\"kind\":\"nvidia.com/gpu\",\"devices\":[{\"name\":\"0\","
	    "\"containerEdits\":{\"deviceNodes\":[{\"path\":\"/dev/nvidia0\"}]}}],"
	    "\"containerEdits\":{\"hooks\":[{\"hookName\":\"createContainer\",\"path\":"
	    "\"/usr/bin/nvidia-ctk\"}],\"mounts\":[{\"hostPath\":\"/usr/lib/libcuda.so.1\","
	    "\"containerPath\":\"/usr/lib/x86_64-linux-gnu/libcuda.so.1\",\"options\":[\"ro\"]}]}}";
	struct gpu_file *f;
	size_t n = gpu_cdi_parse(spec, "/root", &f);

	is_int((int)n, 2, "JSON: a device and a mount");
	is_str(f[0].host, "/root/dev/nvidia0", "device under the root");
	is_str(f[0].inside, "/dev/nvidia0", "device inside");
	ok(!f[0].lib, "a device is not a library");
	is_str(f[1].host, "/root/usr/lib/libcuda.so.1", "mount's host path");
	is_str(f[1].inside, "/usr/lib/x86_64-linux-gnu/libcuda.so.1", "mount's container path");
	ok(f[1].lib, "a library");
	gpu_files_free(f, n);
}

static void test_yaml(void)
{
	static const char *spec = "containerEdits:\n"
				  "  deviceNodes:\n"
				  "  - path: /dev/nvidiactl\n"
				  "  mounts:\n"
				  "  - containerPath: /usr/bin/nvidia-smi\n"
				  "    hostPath: '/usr/bin/nvidia-smi'\n";
	struct gpu_file *f;
	size_t n = gpu_cdi_parse(spec, "", &f);

	is_int((int)n, 2, "YAML: a device and a mount (containerPath first)");
	is_str(f[1].host, "/usr/bin/nvidia-smi", "quoted host path");
	ok(!f[1].lib, "a program");
	gpu_files_free(f, n);
	is_int((int)gpu_cdi_parse("kind: x\n", "", &f), 0, "nothing to bind");
	gpu_files_free(f, 0);
}

int main(void)
{
	test_json();
	test_yaml();
	return tap_done();
}
