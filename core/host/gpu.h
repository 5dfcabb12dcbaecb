/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NVIDIA's driver on the host, for a sandbox to use: its device nodes, libraries
 * and programs, read from a CDI spec (/etc/cdi/ *.yaml|json, /var/run/cdi/ *.json)
 * when one exists, otherwise found the way toolbox and distrobox find them
 * (libnvidia* and libcuda* in the library dirs ldconfig's cache covers, /dev/nvidia*,
 * the nvidia-* programs). BOX_GPU=none turns it off; BOX_GPU_ROOT prefixes every
 * host path looked at (tests give a fake driver layout).
 */
#ifndef BOX_GPU_H
#define BOX_GPU_H

#include <stdbool.h>
#include <stddef.h>

struct gpu_file {
	char *host;   /* on the host */
	char *inside; /* where it goes inside */
	bool lib;     /* a library: ldconfig must run inside */
};

/* The files, and where they came from ("CDI spec PATH", "driver files"); 0 when none. */
size_t gpu_nvidia_files(struct gpu_file **ret, char **ret_source);
void gpu_files_free(struct gpu_file *f, size_t n);
/* CDI text (YAML or JSON): device nodes and mounts, host paths under root. */
size_t gpu_cdi_parse(const char *text, const char *root, struct gpu_file **ret);

#endif
