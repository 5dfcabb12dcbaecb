/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unpacking one image layer (a tar stream, compressed with gzip or zstd or not at
 * all, as its media type says) into a directory, with libarchive. The input is untrusted: every
 * path is cleaned (leading "/" and "./" dropped, ".." refused), every parent is
 * resolved inside the layer root (openat2 RESOLVE_IN_ROOT, or a component walk
 * with O_NOFOLLOW where openat2 is missing or BOX_LAYER_NO_OPENAT2=1), hard links
 * must point inside the layer, and sizes, entry counts and path lengths are
 * limited. A refused layer fails with a one-line reason and nothing is written
 * outside the root.
 *
 * Owners are applied as the archive says (fchownat), so the caller runs the
 * extraction as root of the sandbox's user namespace (spawn_userns). Modes incl.
 * setuid/setgid, mtimes, xattrs (those the kernel refuses are skipped), symlinks,
 * hard links and FIFOs are kept; char/block devices are skipped. OCI whiteouts
 * are stored in the form both fuse-overlayfs and kernel overlayfs read (see
 * layer.c: a 0/0 character device for ".wh.NAME", the xattr user.overlay.opaque
 * for ".wh..wh..opq").
 *
 * Parents are resolved with RESOLVE_BENEATH rather than RESOLVE_IN_ROOT on purpose:
 * IN_ROOT would quietly re-root "link -> /etc" and write link/passwd to etc/passwd
 * of the layer; BENEATH refuses it, so a layer that tries to leave its root is
 * rejected as malicious instead of being extracted differently from what it says.
 * The caller extracts into a fresh directory and renames it into place only on
 * success; after a failure the directory holds a partial tree to remove.
 */
#ifndef BOX_LAYER_H
#define BOX_LAYER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../util/err.h"

struct archive;

#define LAYER_MAX_PATH	     4096
#define LAYER_MAX_ENTRY_SIZE (64ULL << 30) /* one file */
#define LAYER_MAX_ENTRIES    4000000ULL
#define LAYER_MAX_SIZE	     (32ULL << 30) /* the tar stream, default */
#define LAYER_DIGEST_LEN     72		   /* "sha256:" + 64 hex + NUL */

/* The compression a layer's media type names; DETECT: gzip, zstd or none. */
enum layer_comp { LAYER_COMP_DETECT = 0, LAYER_COMP_NONE, LAYER_COMP_GZIP, LAYER_COMP_ZSTD };

struct layer_opts {
	enum layer_comp compression;
	uint64_t max_size;	 /* bytes of the uncompressed tar stream; 0: LAYER_MAX_SIZE */
	uint64_t max_entry_size; /* 0: LAYER_MAX_ENTRY_SIZE */
	uint64_t max_entries;	 /* 0: LAYER_MAX_ENTRIES */
	bool no_chown;		 /* keep files owned by the caller (tests without a userns) */
	bool no_openat2; /* force the component-walk fallback (also BOX_LAYER_NO_OPENAT2=1) */
};

struct layer_stats {
	uint64_t entries;      /* archive entries processed (incl. whiteouts, skipped devices) */
	uint64_t files;	       /* regular files written */
	uint64_t bytes;	       /* bytes of regular file content written */
	uint64_t whiteouts;    /* whiteouts and opaque markers */
	uint64_t skipped;      /* device nodes and sockets left out */
	uint64_t stream_bytes; /* bytes read from the input (compressed) */
	uint64_t uncompressed_bytes;	/* bytes of the tar stream */
	char digest[LAYER_DIGEST_LEN];	/* sha256 of the input as read: the blob digest */
	char diff_id[LAYER_DIGEST_LEN]; /* sha256 of the uncompressed tar: the diff_id */
};

/*
 * Read callback for layer_extract_stream: fill buf with up to len bytes of the
 * (compressed) blob; return the count, 0 at end of stream, or -errno to abort.
 * Called from the extracting thread only.
 */
typedef ssize_t (*layer_read_fn)(void *arg, void *buf, size_t len);

/*
 * Extract an archive the caller already opened for reading (any filters/format).
 * No digests are computed (stats digest/diff_id are left empty). dirfd_root is the
 * layer directory (an empty directory the caller created); it gets mode 0755 unless
 * the archive has an entry for it ("./").
 */
int layer_extract(struct archive *a, int dirfd_root, const struct layer_opts *o,
		  struct layer_stats *ret, struct box_err **err);

/*
 * Extract the blob delivered by fn (pull side: fn reads the HTTP body from a pipe).
 * The whole input is consumed to its end, also past the tar end marker, so the
 * digests cover every byte: ret->digest is the blob digest, ret->diff_id the sha256
 * of the decompressed stream. The caller compares them with the manifest/config and
 * throws the directory away on mismatch; nothing here trusts them.
 */
int layer_extract_stream(layer_read_fn fn, void *arg, int dirfd_root, const struct layer_opts *o,
			 struct layer_stats *ret, struct box_err **err);
/* The same reading from fd (a file or a pipe) until EOF. fd is not closed. */
int layer_extract_fd(int fd, int dirfd_root, const struct layer_opts *o, struct layer_stats *ret,
		     struct box_err **err);

/*
 * Clean an archive path: drop leading "/" and "./", collapse "//" and "/./",
 * drop a trailing "/"; refuse "..", empty results (except the root itself, "."),
 * NUL bytes and paths longer than LAYER_MAX_PATH. ret is "." for the root.
 */
int layer_path_clean(const char *path, char **ret, struct box_err **err);

/* True when the name (last component) is an OCI whiteout; *target gets the hidden name
 * (not allocated; points into name), NULL for the opaque marker ".wh..wh..opq". */
bool layer_is_whiteout(const char *name, const char **target);

#endif
