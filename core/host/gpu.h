/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NVIDIA's driver on the host, for a sandbox to use: its device nodes, libraries
 * and programs, read from a CDI spec (/etc/cdi/ *.yaml|json, /var/run/cdi/ *.json)
 * when one exists, otherwise found the way toolbox and distrobox find them
 * (libnvidia* and libcuda* in the library dirs ldconfig's cache covers, /dev/nvidia*,
 * the nvidia-* programs). The mode is auto (bind what is found), nvidia (the same,
 * and a start fails when nothing is found) or none; a sandbox's own setting (box
 * create --gpu, a project's [box] gpu) wins over the global config's, and the
 * BOX_GPU environment variable over both. BOX_GPU_ROOT prefixes every host path
 * looked at (tests give a fake driver layout).
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

/* auto|nvidia|none: whether s is one of them. */
bool gpu_mode_valid(const char *s);
/* The global config's mode, NULL when it sets none: core/ does not read the
 * config, so main() wires this in (as sandbox_set_net_hooks); called when needed. */
void gpu_set_config_hook(const char *(*config_mode)(void));
/*
 * The mode in effect for a sandbox whose own setting is mode (NULL: unset), and in
 * *ret_from where it came from ("BOX_GPU", "sandbox", "config", "default").
 */
const char *gpu_mode_effective(const char *mode, const char **ret_from);
/*
 * The files for mode (gpu_mode_effective's), and where they came from ("CDI spec
 * PATH", "driver files"); 0 when none or mode is none.
 */
size_t gpu_nvidia_files(const char *mode, struct gpu_file **ret, char **ret_source);
void gpu_files_free(struct gpu_file *f, size_t n);
/* The host's /dev/dri (Intel, AMD and other DRM devices), under BOX_GPU_ROOT. */
char *gpu_dri_dir(void);
/* CDI text (YAML or JSON): device nodes and mounts, host paths under root. */
size_t gpu_cdi_parse(const char *text, const char *root, struct gpu_file **ret);

#endif
