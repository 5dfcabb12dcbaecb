/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The image store under $XDG_DATA_HOME/box: content-addressed blobs, extracted
 * layers shared by every image and sandbox (layers/<diffid-hex>/), and image
 * records (images/). Pulls are verified before anything is renamed into place.
 */
#ifndef BOX_STORE_H
#define BOX_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct box_config;

struct image_info {
	char *ref;             /* canonical reference: docker.io/library/debian:bookworm */
	char *digest;          /* manifest digest sha256:... */
	char *config_digest;
	char **layers;         /* absolute paths of extracted layer dirs, bottom first, NULL-terminated */
	size_t n_layers;
	char **env;            /* config Env (KEY=VALUE), NULL-terminated */
	char **cmd;            /* config Cmd (may be NULL) */
	char *workdir;
	uint64_t size;         /* sum of layer sizes (uncompressed, on disk) */
	int64_t created;       /* unix time the image was stored */
};

struct image_info *image_info_free(struct image_info *i);

/* Directory of the store ($XDG_DATA_HOME/box); caller frees. */
char *store_dir(void);
/* An already-stored image by the reference the user typed (after alias/normalisation). */
int store_lookup(const struct box_config *cfg, const char *ref, struct image_info **ret,
		 struct box_err **err);
/* Pull (or find) an image; progress goes to stderr as pull shows it when show_progress. */
int store_pull(const struct box_config *cfg, const char *ref, bool show_progress,
	       struct image_info **ret, struct box_err **err);

#endif
