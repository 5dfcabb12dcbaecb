/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Layer extraction: archives built in memory with libarchive's writer, extracted
 * into a temp dir, checked file by file. Malicious layers (.. paths, symlink and
 * hard link escapes, limits) must fail and leave the directory next to the root
 * untouched; every case runs with openat2 and with the component-walk fallback.
 */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "../../core/util/fs.h"
#include "../../core/image/layer.h"
#include "../../core/util/xalloc.h"
#include "tap.h"

#define CAP (8 << 20)

struct tarb {
	struct archive *a;
	char *buf;
	size_t used;
};

static void tb_start(struct tarb *t, bool gzip)
{
	t->buf = xmalloc(CAP);
	t->used = 0;
	t->a = archive_write_new();
	archive_write_set_format_pax_restricted(t->a);
	if (gzip)
		archive_write_add_filter_gzip(t->a);
	archive_write_set_bytes_in_last_block(t->a, 1);
	archive_write_open_memory(t->a, t->buf, CAP, &t->used);
}

static void tb_done(struct tarb *t)
{
	archive_write_close(t->a);
	archive_write_free(t->a);
}

static struct archive_entry *tb_entry(const char *path, mode_t type, mode_t perm)
{
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, perm);
	archive_entry_set_uid(e, getuid());
	archive_entry_set_gid(e, getgid());
	archive_entry_set_mtime(e, 1000000000, 0);
	return e;
}

static void tb_add(struct tarb *t, struct archive_entry *e, const char *data)
{
	if (data)
		archive_entry_set_size(e, (la_int64_t)strlen(data));
	archive_write_header(t->a, e);
	if (data)
		archive_write_data(t->a, data, strlen(data));
	archive_entry_free(e);
}

static void tb_file(struct tarb *t, const char *path, const char *data, mode_t perm)
{
	tb_add(t, tb_entry(path, AE_IFREG, perm), data);
}

static void tb_dir(struct tarb *t, const char *path, mode_t perm)
{
	tb_add(t, tb_entry(path, AE_IFDIR, perm), NULL);
}

static void tb_symlink(struct tarb *t, const char *path, const char *target)
{
	struct archive_entry *e = tb_entry(path, AE_IFLNK, 0777);
	archive_entry_set_symlink(e, target);
	tb_add(t, e, NULL);
}

static void tb_hardlink(struct tarb *t, const char *path, const char *target)
{
	struct archive_entry *e = tb_entry(path, AE_IFREG, 0644);
	archive_entry_set_hardlink(e, target);
	archive_entry_set_size(e, 0);
	tb_add(t, e, NULL);
}

struct memsrc {
	const char *p;
	size_t len, off;
};

/* Small uneven chunks, so headers and data straddle reads. */
static ssize_t mem_read(void *arg, void *buf, size_t len)
{
	struct memsrc *m = arg;
	size_t n = MIN(MIN(len, (size_t)7001), m->len - m->off);
	memcpy(buf, m->p + m->off, n);
	m->off += n;
	return (ssize_t)n;
}

static char base[64];
static char root[128], outside[128];
static bool fallback;

/* root/rel in one of a few rotating static buffers (no allocations to leak). */
static const char *rp(const char *rel)
{
	static char bufs[4][512];
	static int i;
	i = (i + 1) % 4;
	snprintf(bufs[i], sizeof(bufs[i]), "%s/%s", root, rel);
	return bufs[i];
}

static void fresh_dirs(void)
{
	if (base[0])
		rm_rf(base, NULL);
	strcpy(base, "/tmp/box-test-layer-XXXXXX");
	if (!mkdtemp(base))
		abort();
	snprintf(root, sizeof(root), "%s/root", base);
	snprintf(outside, sizeof(outside), "%s/outside", base);
	mkdir(root, 0755);
	mkdir(outside, 0755);
	char p[256];
	snprintf(p, sizeof(p), "%s/target", outside);
	fs_write_file_atomic(p, "precious\n", 9, 0644, NULL);
}

static int extract(struct tarb *t, const struct layer_opts *o, struct layer_stats *st,
		   struct box_err **err)
{
	struct layer_opts opts = o ? *o : (struct layer_opts){ 0 };
	struct memsrc m = { .p = t->buf, .len = t->used };
	opts.no_chown = getuid() != 0;
	opts.no_openat2 = fallback;
	int dfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r = layer_extract_stream(mem_read, &m, dfd, &opts, st, err);
	close(dfd);
	return r;
}

static char *slurp(const char *rel)
{
	char *p = xasprintf("%s/%s", root, rel), *data = NULL;
	size_t len;
	if (fs_read_file(p, 1 << 20, &data, &len, NULL) < 0)
		data = NULL;
	free(p);
	return data;
}

static bool lexists(const char *dir, const char *rel)
{
	struct stat st;
	char *p = xasprintf("%s/%s", dir, rel);
	bool r = lstat(p, &st) == 0;
	free(p);
	return r;
}

static mode_t lmode(const char *rel)
{
	struct stat st;
	char *p = xasprintf("%s/%s", root, rel);
	mode_t m = lstat(p, &st) == 0 ? st.st_mode : 0;
	free(p);
	return m;
}

static void test_path_clean(void)
{
	static const char *const cases[][2] = {
		{ "a/b", "a/b" },       { "./a/b/", "a/b" },  { "/a//b/./c", "a/b/c" },
		{ "./", "." },          { "/", "." },         { ".", "." },
		{ "a/.b/..c", "a/.b/..c" }, { "...", "..." }, { "a/./././b", "a/b" },
	};
	static const char *const refused[] = { "..", "../x", "a/../b", "a/..", "/../etc" };

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *out = NULL;
		ok(layer_path_clean(cases[i][0], &out, NULL) == 0, "clean '%s'", cases[i][0]);
		is_str(out, cases[i][1], "  gives '%s'", cases[i][1]);
		free(out);
	}
	for (size_t i = 0; i < ARRAY_SIZE(refused); i++) {
		char *out = NULL;
		struct box_err *err = NULL;
		ok(layer_path_clean(refused[i], &out, &err) == -EINVAL && !out &&
			   strstr(err->msg, ".."),
		   "refuse '%s'", refused[i]);
		box_err_free(err);
	}
	char *longp = xmalloc(LAYER_MAX_PATH + 2), *out = NULL;
	memset(longp, 'a', LAYER_MAX_PATH + 1);
	longp[LAYER_MAX_PATH + 1] = '\0';
	ok(layer_path_clean(longp, &out, NULL) == -ENAMETOOLONG, "refuse a path over 4096 bytes");
	free(longp);
	const char *target = NULL;
	ok(layer_is_whiteout(".wh.foo", &target) && streq(target, "foo"), "whiteout .wh.foo");
	ok(layer_is_whiteout(".wh..wh..opq", &target) && !target, "opaque marker");
	ok(!layer_is_whiteout("foo.wh.", &target), "not a whiteout");
}

static void test_normal(void)
{
	struct tarb t;
	struct layer_stats st = { 0 };
	struct box_err *err = NULL;
	struct stat s1, s2;

	fresh_dirs();
	tb_start(&t, false);
	tb_dir(&t, "./", 0755);
	tb_dir(&t, "etc/", 0750);
	struct archive_entry *e = tb_entry("etc/hosts", AE_IFREG, 0644);
	archive_entry_xattr_add_entry(e, "user.test", "hello", 5);
	archive_entry_xattr_add_entry(e, "user.overlay.redirect", "/x", 2);
	tb_add(&t, e, "127.0.0.1 localhost\n");
	tb_file(&t, "/usr/bin/su", "#!su\n", 04755);
	tb_file(&t, "./usr/bin/sg", "#!sg\n", 02755);
	tb_symlink(&t, "bin", "usr/bin");
	tb_hardlink(&t, "etc/hosts.hard", "etc/hosts");
	tb_add(&t, tb_entry("run/fifo", AE_IFIFO, 0620), NULL);
	e = tb_entry("dev/null", AE_IFCHR, 0666);
	archive_entry_set_rdev(e, makedev(1, 3));
	tb_add(&t, e, NULL);
	tb_file(&t, "deep/a/b/c/file", "deep\n", 0600);
	tb_dir(&t, "ro", 0555);
	tb_file(&t, "ro/f", "ro\n", 0444);
	tb_file(&t, "bin/via-link", "relative symlink inside the layer\n", 0644);
	tb_file(&t, "replace", "first\n", 0644);
	tb_file(&t, "replace", "second\n", 0644);
	tb_done(&t);

	int r = extract(&t, NULL, &st, &err);
	is_int(r, 0, "normal layer extracts%s", fallback ? " (fallback)" : "");
	if (err)
		printf("#   %s\n", err->msg);
	char *d = slurp("etc/hosts");
	is_str(d, "127.0.0.1 localhost\n", "  file content");
	free(d);
	is_int(lmode("etc/hosts") & 07777, 0644, "  file mode");
	is_int(lmode("etc") & 07777, 0750, "  directory mode");
	is_int(lmode("usr/bin/su") & 07777, 04755, "  setuid kept (leading / dropped)");
	is_int(lmode("usr/bin/sg") & 07777, 02755, "  setgid kept (leading ./ dropped)");
	is_int(lmode("ro") & 07777, 0555, "  read-only directory mode applied at the end");
	ok(S_ISLNK(lmode("bin")), "  symlink");
	char link[64] = { 0 };
	ok(readlink(rp("bin"), link, sizeof(link) - 1) > 0 &&
		   streq(link, "usr/bin"),
	   "  symlink target");
	ok(lexists(root, "usr/bin/via-link"), "  file through a relative symlink lands inside");
	ok(stat(rp("etc/hosts"), &s1) == 0 &&
		   stat(rp("etc/hosts.hard"), &s2) == 0 &&
		   s1.st_ino == s2.st_ino && s1.st_nlink == 2,
	   "  hard link shares the inode");
	is_int(s1.st_mtime, 1000000000, "  file mtime");
	ok(stat(rp("etc"), &s2) == 0 && s2.st_mtime == 1000000000,
	   "  directory mtime");
	ok(S_ISFIFO(lmode("run/fifo")) && (lmode("run/fifo") & 07777) == 0620, "  fifo");
	ok(!lexists(root, "dev/null"), "  device node skipped");
	ok(lexists(root, "deep/a/b/c/file") && (lmode("deep/a") & 07777) == 0755,
	   "  missing parents created 0755");
	d = slurp("replace");
	is_str(d, "second\n", "  a later entry replaces an earlier one");
	free(d);
	char xv[16] = { 0 };
	ssize_t xn = getxattr(rp("etc/hosts"), "user.test", xv, sizeof(xv));
	ok(xn == 5 && memcmp(xv, "hello", 5) == 0, "  user xattr kept");
	ok(getxattr(rp("etc/hosts"), "user.overlay.redirect", xv, sizeof(xv)) < 0,
	   "  overlay xattr from the archive dropped");
	is_int(st.files, 8, "  stats: files");
	is_int(st.bytes, 20 + 5 + 5 + 5 + 3 + 34 + 6 + 7, "  stats: bytes");
	is_int(st.skipped, 1, "  stats: skipped devices");
	box_err_free(err);
	free(t.buf);
}

static void test_whiteouts(void)
{
	struct tarb t;
	struct layer_stats st = { 0 };
	struct box_err *err = NULL;
	char v[4] = { 0 };

	fresh_dirs();
	tb_start(&t, false);
	tb_file(&t, ".wh.gone", "", 0644);
	tb_dir(&t, "opq", 0755);
	tb_file(&t, "opq/.wh..wh..opq", "", 0644);
	tb_file(&t, "opq/new", "n\n", 0644);
	tb_file(&t, "keep", "mine\n", 0644);
	tb_file(&t, ".wh.keep", "", 0644);
	tb_file(&t, "sub/.wh.x", "", 0644);
	tb_done(&t);

	int r = extract(&t, NULL, &st, &err);
	is_int(r, 0, "whiteout layer extracts");
	struct stat s;
	ok(lstat(rp("gone"), &s) == 0 && S_ISCHR(s.st_mode) && s.st_rdev == 0,
	   "  .wh.gone is a 0/0 character device 'gone'");
	ok(!lexists(root, ".wh.gone"), "  no .wh.gone file kept");
	ok(getxattr(rp("opq"), "user.overlay.opaque", v, sizeof(v)) == 1 &&
		   v[0] == 'y',
	   "  opaque directory has user.overlay.opaque=y");
	ok(!lexists(root, "opq/.wh..wh..opq") && lexists(root, "opq/new"),
	   "  opaque marker file not kept, siblings are");
	ok(S_ISREG(lmode("keep")), "  a whiteout does not hide the layer's own file");
	ok(S_ISCHR(lmode("sub/x")), "  whiteout in a directory without an entry");
	is_int(st.whiteouts, 4, "  stats: whiteouts");
	box_err_free(err);
	free(t.buf);
}

static void hex_of(const char *buf, size_t len, char hex[LAYER_DIGEST_LEN])
{
	unsigned char d[32];

	EVP_Digest(buf, len, d, NULL, EVP_sha256(), NULL);
	memcpy(hex, "sha256:", 7);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 7 + 2 * i, 3, "%02x", d[i]);
}

/* The same tar bytes through a compression filter, as one raw stream. */
static void compress(const struct tarb *plain, int filter, struct tarb *out)
{
	out->buf = xmalloc(CAP);
	out->used = 0;
	out->a = archive_write_new();
	archive_write_set_format_raw(out->a);
	archive_write_add_filter(out->a, filter);
	archive_write_open_memory(out->a, out->buf, CAP, &out->used);
	struct archive_entry *e = tb_entry("x", AE_IFREG, 0644);
	archive_entry_set_size(e, (la_int64_t)plain->used);
	archive_write_header(out->a, e);
	archive_write_data(out->a, plain->buf, plain->used);
	archive_entry_free(e);
	tb_done(out);
}

/* Only the decompressor the media type names runs; xz is no layer compression. */
static void test_decompressors(struct tarb *plain)
{
	struct tarb comp;
	struct box_err *err = NULL;
	struct layer_opts zstd = { .compression = LAYER_COMP_ZSTD };
	struct layer_opts small = { .max_size = plain->used - 1 };

	fresh_dirs();
	compress(plain, ARCHIVE_FILTER_XZ, &comp);
	ok(extract(&comp, NULL, NULL, &err) < 0 && err && !lexists(root, "a"),
	   "an xz blob is not decompressed");
	if (err)
		printf("#   %s\n", err->msg);
	box_err_free(err);
	err = NULL;
	free(comp.buf);
	fresh_dirs();
	compress(plain, ARCHIVE_FILTER_GZIP, &comp);
	ok(extract(&comp, &zstd, NULL, &err) < 0 && err &&
	       strstr(err->msg, "the media type says zstd, but the blob is not"),
	   "a gzip blob is refused where the media type says zstd");
	box_err_free(err);
	err = NULL;
	free(comp.buf);
	fresh_dirs();
	ok(extract(plain, &small, NULL, &err) < 0 && err && strstr(err->msg, "unpacks to more than"),
	   "a layer larger than max_size is refused");
	box_err_free(err);
}

static void test_digests(void)
{
	static const struct {
		int filter;
		const char *name;
	} filters[] = { { ARCHIVE_FILTER_GZIP, "gzip" }, { ARCHIVE_FILTER_ZSTD, "zstd" } };
	struct tarb plain, comp;
	struct layer_stats st = { 0 };
	char want_tar[LAYER_DIGEST_LEN], want_blob[LAYER_DIGEST_LEN];

	tb_start(&plain, false);
	tb_file(&plain, "a", "alpha\n", 0644);
	tb_done(&plain);
	hex_of(plain.buf, plain.used, want_tar);
	for (size_t i = 0; i < ARRAY_SIZE(filters); i++) {
		fresh_dirs();
		compress(&plain, filters[i].filter, &comp);
		hex_of(comp.buf, comp.used, want_blob);
		ok(extract(&comp, NULL, &st, NULL) == 0 && lexists(root, "a"), "%s layer extracts",
		   filters[i].name);
		is_str(st.diff_id, want_tar, "  diff_id is the sha256 of the uncompressed tar");
		is_str(st.digest, want_blob, "  digest is the sha256 of the blob");
		is_int(st.stream_bytes, comp.used, "  every blob byte was read");
		is_int(st.uncompressed_bytes, plain.used, "  every tar byte was read");
		free(comp.buf);
	}
	fresh_dirs();
	ok(extract(&plain, NULL, &st, NULL) == 0, "uncompressed layer extracts");
	is_str(st.diff_id, want_tar, "  diff_id of an uncompressed layer is its sha256");
	is_str(st.digest, want_tar, "  and so is its digest");
	test_decompressors(&plain);
	free(plain.buf);
}

static void refuse(const char *what, struct tarb *t, const struct layer_opts *o, const char *msg)
{
	struct box_err *err = NULL;
	int r = extract(t, o, NULL, &err);

	ok(r < 0 && err && strstr(err->msg, msg), "refuse %s%s", what,
	   fallback ? " (fallback)" : "");
	if (err)
		printf("#   %s\n", err->msg);
	if (r >= 0)
		printf("#   extraction succeeded\n");
	char *d = NULL;
	size_t len;
	char p[256];
	snprintf(p, sizeof(p), "%s/target", outside);
	fs_read_file(p, 100, &d, &len, NULL);
	ok(d && streq(d, "precious\n") && !lexists(outside, "passwd") && !lexists(outside, "x") &&
		   !lexists(base, "escape"),
	   "  nothing written outside the root");
	free(d);
	box_err_free(err);
	free(t->buf);
}

static void test_malicious(void)
{
	struct tarb t;
	char *abs_out;

	fresh_dirs();
	abs_out = xstrdup(outside);

	tb_start(&t, false);
	tb_file(&t, "../escape", "x\n", 0644);
	tb_done(&t);
	refuse("'../escape'", &t, NULL, "'..'");

	fresh_dirs();
	tb_start(&t, false);
	tb_symlink(&t, "link", abs_out);
	tb_file(&t, "link/passwd", "evil\n", 0644);
	tb_done(&t);
	refuse("absolute symlink escape 'link/passwd'", &t, NULL, "leaves the layer");

	fresh_dirs();
	tb_start(&t, false);
	tb_symlink(&t, "etc", "/etc");
	tb_file(&t, "etc/passwd", "evil\n", 0644);
	tb_done(&t);
	refuse("'etc -> /etc' then 'etc/passwd'", &t, NULL, "leaves the layer");

	fresh_dirs();
	tb_start(&t, false);
	tb_dir(&t, "a", 0755);
	tb_symlink(&t, "a/b", "../../outside");
	tb_file(&t, "a/b/x", "evil\n", 0644);
	tb_done(&t);
	refuse("relative symlink escape", &t, NULL, "leaves the layer");

	fresh_dirs();
	tb_start(&t, false);
	tb_symlink(&t, "a", "b");
	tb_symlink(&t, "b", "a");
	tb_file(&t, "a/x", "loop\n", 0644);
	tb_done(&t);
	refuse("symlink loop", &t, NULL, "entry 'a/x'");

	fresh_dirs();
	tb_start(&t, false);
	tb_hardlink(&t, "h", "../outside/target");
	tb_done(&t);
	refuse("hard link to '../outside/target'", &t, NULL, "'..'");

	fresh_dirs();
	tb_start(&t, false);
	tb_symlink(&t, "link", abs_out);
	tb_hardlink(&t, "h", "link/target");
	tb_done(&t);
	refuse("hard link through an escaping symlink", &t, NULL, "leaves the layer");

	fresh_dirs();
	tb_start(&t, false);
	char abs_target[256];
	snprintf(abs_target, sizeof(abs_target), "%s/target", abs_out);
	tb_hardlink(&t, "h", abs_target);
	tb_done(&t);
	refuse("hard link to an absolute path outside", &t, NULL, "not in the layer");

	fresh_dirs();
	tb_start(&t, false);
	tb_symlink(&t, "x", abs_target);
	tb_file(&t, "x", "overwritten?\n", 0644);
	tb_file(&t, "../escape", "", 0644);
	tb_done(&t);
	refuse("a file replacing a symlink does not write through it", &t, NULL, "'..'");
	ok(S_ISREG(lmode("x")), "  the symlink was replaced by the file");

	fresh_dirs();
	tb_start(&t, false);
	tb_file(&t, "big", "0123456789a", 0644);
	tb_done(&t);
	refuse("a file over the size limit", &t, &(struct layer_opts){ .max_entry_size = 10 },
	       "larger than the limit");

	fresh_dirs();
	tb_start(&t, false);
	for (int i = 0; i < 5; i++) {
		char name[8];
		snprintf(name, sizeof(name), "f%d", i);
		tb_file(&t, name, "", 0644);
	}
	tb_done(&t);
	refuse("more entries than the limit", &t, &(struct layer_opts){ .max_entries = 3 },
	       "more than 3 entries");

	fresh_dirs();
	tb_start(&t, false);
	char *longp = xmalloc(5000);
	memset(longp, 'a', 4999);
	longp[4999] = '\0';
	for (int i = 200; i < 4999; i += 200)
		longp[i] = '/';
	tb_file(&t, longp, "", 0644);
	tb_done(&t);
	refuse("a path over 4096 bytes", &t, NULL, "longer than 4096");
	free(longp);

	fresh_dirs();
	t.buf = xstrdup("this is not a tar archive at all, not even close........");
	t.used = strlen(t.buf);
	refuse("garbage input", &t, NULL, "read layer");
	free(abs_out);
}

int main(void)
{
	test_path_clean();
	for (int pass = 0; pass < 2; pass++) {
		fallback = pass == 1;
		test_normal();
		test_whiteouts();
		test_malicious();
	}
	fallback = false;
	test_digests();
	rm_rf(base, NULL);
	return tap_done();
}
