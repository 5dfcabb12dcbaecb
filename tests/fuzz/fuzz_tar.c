/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target: a layer blob (any compression, any tar) extracted into a fresh temp
 * directory, which is removed afterwards. Whatever the input, nothing may appear
 * next to the extraction root (checked with a sibling sentinel directory).
 */
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../core/util/fs.h"
#include "../../core/image/layer.h"
#include "../../core/util/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct src {
	const uint8_t *p;
	size_t len, off;
};

static ssize_t src_read(void *arg, void *buf, size_t len)
{
	struct src *s = arg;
	size_t n = len < s->len - s->off ? len : s->len - s->off;
	memcpy(buf, s->p + s->off, n);
	s->off += n;
	return (ssize_t)n;
}

static size_t count_entries(const char *dir)
{
	size_t n = 0;
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d)))
		n++;
	if (d)
		closedir(d);
	return n;
}

static int make_writable(const char *path, const struct stat *st, int type, struct FTW *f)
{
	if (type == FTW_D)
		chmod(path, 0700);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char base[] = "/tmp/box-fuzz-tar-XXXXXX", root[64];
	struct layer_opts o = { .max_entry_size = 1 << 20, .max_entries = 1000, .no_chown = true };
	struct src s = { .p = data, .len = size };
	struct box_err *err = NULL;

	if (size > (1 << 20))
		return 0;
	log_set_level(LOG_ERR);
	if (!mkdtemp(base))
		abort();
	snprintf(root, sizeof(root), "%s/root", base);
	if (mkdir(root, 0700) < 0)
		abort();
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	layer_extract_stream(src_read, &s, fd, &o, NULL, &err);
	close(fd);
	box_err_free(err);
	/* Only "root" (plus . and ..) may exist beside the extraction root. */
	if (count_entries(base) != 3)
		abort();
	/* Extraction may leave read-only directories; make them removable first. */
	nftw(root, make_writable, 16, FTW_PHYS);
	rm_rf(base, NULL);
	return 0;
}
