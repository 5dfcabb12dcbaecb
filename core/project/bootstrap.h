/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared by box import, box bootstrap and box enter debian: store a tarball (or a
 * Debian built with mmdebstrap) as an image and report it; the image's reference is
 * returned in *ret_ref (the caller frees it and says it where its output goes). Both
 * report their failures and return an exit status.
 */
#ifndef BOX_PROJECT_BOOTSTRAP_H
#define BOX_PROJECT_BOOTSTRAP_H

/* Import the tarball at path ("-" for stdin) as image name. */
int bootstrap_import_tarball(const char *path, const char *name, const char *created_by,
			     char **ret_ref);

/* Build Debian SUITE with mmdebstrap and store it as image name (box bootstrap). */
int bootstrap_debian(const char *suite, const char *name, char **ret_ref);

#endif
