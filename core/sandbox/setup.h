/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A project's setup as a cached layer. The result of [setup] (packages, then run
 * lines, as root inside) is an overlay upper directory kept in the shared layer
 * store as layers/setup-<key>, where key is project_setup_key() (image digest and
 * canonical setup): two projects with the same base and setup share it, and a
 * sandbox stacks its writable layer on [setup layer] + image layers, so a restart
 * never runs setup again. A build writes into a temporary directory that becomes
 * the layer by one rename only when every step succeeded; a lock serialises two
 * builds of one key, and a failed or interrupted build leaves nothing that could
 * be mistaken for a layer.
 */
#ifndef BOX_SETUP_H
#define BOX_SETUP_H

#include <stdbool.h>
#include <stddef.h>

#include "../util/err.h"
#include "../userland/pkgmgr.h"
#include "sandbox.h"

/* $DATA/layers/setup-<key>; caller frees. */
char *setup_layer_dir(const char *key);
bool setup_layer_exists(const char *key);
/* $DATA/setup/<key>.out: everything the last build of key printed; caller frees. */
char *setup_output_path(const char *key);

struct setup_build_opts {
	const char *key;
	char *const *layers;	/* the image's layers, bottom first */
	char *const *image_env; /* the image's Env, under each step's own */
	/* The steps, once the image's package manager is known (project_setup_steps). */
	int (*steps)(enum pkgmgr m, void *arg, struct pkg_step **ret, size_t *ret_n,
		     struct box_err **err);
	void *steps_arg;
	const char *project_dir; /* mounted at its own path, cwd of every step */
	const char *canonical;	 /* project_setup_canonical(), kept beside the layer */
	bool fuse;		 /* fuse-overlayfs, else the kernel overlay */
	/* The network the sandbox will have (its network, host_loopback and mtu; no
	 * ports): setup runs in that mode. slirp (or NULL): a network namespace of its
	 * own with the net helper on its tap, as a started sandbox; none: loopback only;
	 * host: the host's. */
	const struct sandbox_config *net;
	/* Called before each step (i from 1), and for the step that failed with its exit
	 * status; both in a process of the build (they may only print). */
	void (*progress)(size_t i, size_t n, const char *label);
	void (*failed)(size_t i, size_t n, const char *label, int status);
};

/*
 * Build the layer unless it exists (checked again under the lock). Returns 0 when
 * the layer is there, a positive exit status when a step failed (the step's own),
 * or -errno with err set.
 */
int setup_layer_build(const struct setup_build_opts *o, struct box_err **err);

/*
 * Empty a sandbox's writable layer (upper/ and work/ in its data dir), as root of a
 * user namespace where the subordinate ids of its files are ours. The sandbox must
 * be stopped; its home and the project directory are not in there (they are bound).
 */
int setup_reset_writable(const char *datadir, struct box_err **err);

#endif
