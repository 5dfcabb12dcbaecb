/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Identity: /etc/subuid and /etc/subgid ranges, the keep-id map layout of
 * DESIGN.md (inside 0..U-1 -> subordinate ids, U -> the user's own id, U+1.. ->
 * the rest), and writing maps for a child with newuidmap/newgidmap.
 */
#ifndef BOX_IDMAP_H
#define BOX_IDMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../util/err.h"

#define IDMAP_MAX	 64 /* lines per map; the kernel allows 340 */
#define SUBID_MAX_RANGES 32

struct id_range {
	uint32_t start;
	uint32_t count;
};

struct idmap_entry {
	uint32_t inside;
	uint32_t outside;
	uint32_t count;
};

struct idmap {
	struct idmap_entry e[IDMAP_MAX];
	size_t n;
};

/* The identity a sandbox is built for. */
struct box_ids {
	uid_t uid; /* the user's own ids, the same inside and out */
	gid_t gid;
	char *user; /* login name */
	struct idmap uidmap;
	struct idmap gidmap;
	bool single;	  /* no subordinate range: only the user's own id is mapped */
	bool root_single; /* single map that maps 0 -> uid (for --root without a range) */
	bool identity;	  /* real root: every id maps to itself */
	char *newuidmap;  /* the helpers' paths, found once by ids_load() (else NULL) */
	char *newgidmap;
};

/*
 * Parse subuid/subgid text: every line "name-or-uid:start:count" that names user or
 * id. Malformed lines are skipped (reported at debug). Returns the number of ranges.
 */
int subid_parse_buffer(const char *buf, size_t len, const char *user, uint32_t id,
		       struct id_range *ret, size_t max, struct box_err **err);
/* Build the keep-id map for own id `id` from ranges. -ERANGE when ranges are too small. */
int idmap_keep_id(uint32_t id, const struct id_range *ranges, size_t n, struct idmap *ret,
		  struct box_err **err);
/* Map an inside id to the outside one; returns false when unmapped. */
bool idmap_to_outside(const struct idmap *m, uint32_t inside, uint32_t *ret);
/*
 * Whether root of a user namespace with these maps may search a host directory of
 * owner uid:gid and mode: through the owner, group or other bits that its own outside
 * ids meet, or through CAP_DAC_OVERRIDE, which the kernel grants only on files whose
 * owner and group are both mapped.
 */
bool idmap_root_can_search(const struct idmap *uidmap, const struct idmap *gidmap, uint32_t uid,
			   uint32_t gid, uint32_t mode);
/* "inside outside count" triples, space separated, as newuidmap's argv wants. */
char **idmap_to_argv(const char *prog, pid_t pid, const struct idmap *m);

/* Load ids of the calling user from /etc/subuid and /etc/subgid (BOX_SUBUID/BOX_SUBGID
 * override the paths for tests). Falls back to a single mapping with ret->single. */
int ids_load(struct box_ids *ret, struct box_err **err);
void ids_done(struct box_ids *ids);
/* Write uid/gid maps of pid (a child in a fresh user namespace). */
int ids_write_maps(const struct box_ids *ids, pid_t pid, struct box_err **err);

#endif
