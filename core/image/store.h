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

#include "../util/err.h"

struct image_settings;

struct image_info {
	char *ref;    /* canonical reference: docker.io/library/debian:bookworm */
	char *digest; /* manifest digest sha256:... */
	char *config_digest;
	char **layers; /* absolute paths of extracted layer dirs, bottom first, NULL-terminated */
	size_t n_layers;
	char **env; /* config Env (KEY=VALUE), NULL-terminated */
	char **cmd; /* config Cmd (may be NULL) */
	char *workdir;
	uint64_t size;	 /* sum of layer sizes (uncompressed, on disk) */
	int64_t created; /* unix time the image was stored */
	/* added with the store implementation */
	char **entrypoint; /* config Entrypoint (may be NULL) */
	char *user;	   /* config User (may be NULL) */
	char **diff_ids;   /* sha256:... per layer, bottom first, NULL-terminated */
};

/* One stored image as `box images` lists it (from images/<escaped ref>.json). */
struct image_record {
	char *ref;	  /* canonical reference */
	char *repository; /* registry/repository */
	char *tag;	  /* tag or NULL */
	char *digest;	  /* manifest digest */
	char *config_digest;
	char **diff_ids;       /* NULL-terminated */
	uint64_t *layer_sizes; /* bytes on disk per layer (as extracted) */
	size_t n_layers;
	uint64_t size; /* sum of layer_sizes */
	int64_t created;
};

struct image_info *image_info_free(struct image_info *i);

/* Directory of the store ($XDG_DATA_HOME/box); caller frees. */
char *store_dir(void);
/* Create the store's skeleton (blobs/sha256, layers, images) under dir. */
int store_make_dirs(const char *dir, struct box_err **err);
/* An already-stored image by the reference the user typed (after alias/normalisation). */
int store_lookup(const struct image_settings *is, const char *ref, struct image_info **ret,
		 struct box_err **err);
/* Pull (or find) an image; progress goes to stderr as pull shows it when show_progress. */
int store_pull(const struct image_settings *is, const char *ref, bool show_progress,
	       struct image_info **ret, struct box_err **err);

/* Every stored image, sorted by reference. */
int store_list(struct image_record **ret, size_t *ret_n, struct box_err **err);
void image_record_list_free(struct image_record *list, size_t n);
/* Bytes of the layers of list[i] that another image in list also uses. */
uint64_t store_shared_bytes(const struct image_record *list, size_t n, size_t i);
/*
 * Remove an image record; refuses (-EBUSY) while a sandbox uses the image, unless
 * force (the sandbox keeps its layers; prune frees them once it is gone). The
 * image's own layers and blobs that nothing else references go too: *ret_freed is
 * their size as `box images` counts it (the files' bytes). Other unreferenced data
 * stays for prune.
 */
int store_remove(const struct image_settings *is, const char *ref, bool force, uint64_t *ret_freed,
		 struct box_err **err);
/* Remove layers, blobs and leftovers of killed pulls that no image or sandbox references,
 * and what push remembers of the layers that are gone (layer_compress.h). */
int store_prune(uint64_t *ret_freed, struct box_err **err);

/* Internals shared by store.c and pull.c. */
/* Exclusive lock of the whole store (pull, rmi, prune); returns the fd. */
int store_lock(struct box_err **err);
/* Alias (image_alias), then the reference parser, then the canonical form. */
int store_resolve_ref(const struct image_settings *is, const char *input, char **ret_canonical,
		      struct box_err **err);
/* images/<escaped canonical ref>.json; caller frees. */
char *store_record_path(const char *canonical_ref);
int store_record_write(const struct image_record *rec, struct box_err **err);
int store_record_read(const char *path, struct image_record **ret, struct box_err **err);
struct image_record *image_record_free(struct image_record *rec);

#endif
