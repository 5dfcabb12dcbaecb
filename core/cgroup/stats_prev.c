/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The CPU readings of the previous `box stats --no-stream`, so that the next one gives
 * CPU % since then without sampling: one line per running sandbox,
 *
 *   box-stats-cpu 1
 *   NAME STARTED CPU_USEC AT_NS
 *
 * (AT_NS on the monotonic clock; STARTED tells a later run of the same name apart).
 * The file lives in the user's runtime dir, which is private (paths_check_runtime_dir);
 * a file there that is not the user's own regular 0600 file is not believed.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util/fs.h"
#include "../util/log.h"
#include "../util/util.h"
#include "../util/xalloc.h"
#include "stats.h"

#define PREV_MAGIC "box-stats-cpu 1\n"
#define PREV_MAX   (1 << 20)

/* The file's text, when it is the user's own private regular file; NULL otherwise. */
static char *prev_read(const char *path)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	char *buf = NULL;
	size_t len;

	if (fd < 0) {
		if (errno != ENOENT)
			log_debug("stats: previous readings '%s': %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != getuid() ||
	    (st.st_mode & 077)) {
		log_debug("stats: '%s' is not a private file of this user; not used", path);
		return NULL;
	}
	if (fs_read_fd_all(fd, PREV_MAX, &buf, &len) < 0)
		return NULL;
	if (!str_startswith(buf, PREV_MAGIC)) {
		free(buf);
		return NULL;
	}
	return buf;
}

struct prev_line {
	char name[256];
	int64_t started;
	uint64_t usec, at_ns;
};

/* The lines after the magic, one at a time; false at the end. Malformed lines are skipped. */
static bool prev_next(char **pos, struct prev_line *l)
{
	while (*pos && **pos) {
		char *line = *pos, *nl = strchr(line, '\n');
		*pos = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		if (sscanf(line, "%255s %" SCNd64 " %" SCNu64 " %" SCNu64, l->name, &l->started,
			   &l->usec, &l->at_ns) == 4 &&
		    sandbox_name_valid(l->name))
			return true;
	}
	return false;
}

bool stats_prev_load(struct stats_ctx *ctx, const char *path)
{
	_cleanup_free_ char *buf = prev_read(path);
	uint64_t now = now_ns();
	struct prev_line l;
	bool any = false;

	if (!buf)
		return false;
	for (char *pos = buf + strlen(PREV_MAGIC); prev_next(&pos, &l);) {
		/* A reading from the future is from before a reboot: no use. */
		if (l.at_ns >= now || l.started <= 0)
			continue;
		stats_ctx_seed_cpu(ctx, l.name, (time_t)l.started, l.usec, l.at_ns);
		any = true;
	}
	/* A file without a single reading still says a previous run took place. */
	return any || strchr(buf, '\n') != NULL;
}

static bool in_snapshot(const struct stats_snapshot *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (streq(s->rows[i].name, name))
			return true;
	return false;
}

void stats_prev_save(const struct stats_ctx *ctx, char *const *names, const char *path)
{
	const struct stats_snapshot *s = stats_get(ctx);
	_cleanup_free_ char *old = names && names[0] ? prev_read(path) : NULL;
	struct box_err *err = NULL;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct prev_line l;
	time_t started;
	uint64_t usec, at;

	if (!f)
		return;
	fputs(PREV_MAGIC, f);
	for (size_t i = 0; i < s->n; i++)
		if (stats_ctx_cpu_reading(ctx, s->rows[i].name, &started, &usec, &at))
			fprintf(f, "%s %" PRId64 " %" PRIu64 " %" PRIu64 "\n", s->rows[i].name,
				(int64_t)started, usec, at);
	/* Sandboxes that a refresh of some names left out keep their older reading. */
	for (char *pos = old ? old + strlen(PREV_MAGIC) : NULL; prev_next(&pos, &l);)
		if (!in_snapshot(s, l.name))
			fprintf(f, "%s %" PRId64 " %" PRIu64 " %" PRIu64 "\n", l.name, l.started,
				l.usec, l.at_ns);
	if (fclose(f) == 0 && fs_write_file_replace(path, text, len, 0600, &err) < 0) {
		log_debug("stats: %s", err ? err->msg : "previous readings not saved");
		box_err_free(err);
	}
	free(text);
}
