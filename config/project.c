/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Projects: finding the nearest .box.ini upwards from a directory, naming the
 * project's sandbox, and the canonical form and sha256 key of its [setup] section
 * that the setup-layer cache is keyed by. Pure string work plus stat(); no sandbox
 * is touched here.
 */
#include <ctype.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/util/fs.h"
#include "../core/util/paths.h"
#include "../core/util/util.h"
#include "../core/util/xalloc.h"
#include "devcontainer.h"
#include "project.h"
#include "schema.h"

#define NAME_MAX_BASE 40 /* room for "-" and an 8-digit hash within the 63 allowed */

void sha256_hex(const void *data, size_t len, char ret[SHA256_HEX_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	/* EVP_Digest only fails on allocation failure, which we treat like xmalloc */
	if (!EVP_Digest(data, len, md, &n, EVP_sha256(), NULL) || n != 32)
		abort();
	for (unsigned i = 0; i < 32; i++)
		snprintf(ret + 2 * i, 3, "%02x", md[i]);
}

static void strip_trailing_slashes(char *s)
{
	size_t l = strlen(s);
	while (l > 1 && s[l - 1] == '/')
		s[--l] = '\0';
}

/* True when dir is a proper ancestor of path ("/" of everything, "/home" of "/home/u"). */
static bool is_ancestor(const char *dir, const char *path)
{
	size_t l = strlen(dir);
	if (streq(dir, "/"))
		return !streq(path, "/");
	return strncmp(dir, path, l) == 0 && path[l] == '/';
}

static bool is_regular(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int project_find(const char *cwd, char **ret_path)
{
	_cleanup_free_ char *dir = cwd ? xstrdup(cwd) : getcwd(NULL, 0);
	_cleanup_free_ char *home = paths_home();

	if (!dir)
		return -errno;
	if (dir[0] != '/')
		return -EINVAL;
	strip_trailing_slashes(dir);
	strip_trailing_slashes(home);
	for (;;) {
		/* $HOME's parent and everything above it belong to someone else */
		if (is_ancestor(dir, home))
			return -ENOENT;
		_cleanup_free_ char *f =
		    xasprintf("%s/%s", streq(dir, "/") ? "" : dir, PROJECT_FILE);
		if (is_regular(f)) {
			*ret_path = TAKE_PTR(f);
			return 0;
		}
		/* A repository with a devcontainer.json and no .box.ini: that one. */
		char *dc = devcontainer_find_in(dir);
		if (dc) {
			*ret_path = dc;
			return 0;
		}
		if (streq(dir, "/"))
			return -ENOENT;
		char *slash = strrchr(dir, '/');
		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
}

char *project_dir(const char *project_file)
{
	char *dc = devcontainer_project_dir(project_file);
	if (dc)
		return dc;
	const char *slash = strrchr(project_file, '/');
	if (!slash)
		return xstrdup(".");
	if (slash == project_file)
		return xstrdup("/");
	return xstrndup(project_file, (size_t)(slash - project_file));
}

/* project_find from dir (NULL: the current directory) with an error that says what to do. */
static int find_from(const char *dir, char **ret, struct box_err **err)
{
	int r = project_find(dir, ret);
	if (r == -ENOENT)
		return box_err_set(err, ENOENT,
				   "find .box.ini in '%s' or above (run 'box init' to create one)",
				   dir ? dir : ".");
	if (r < 0)
		return box_err_set(err, -r, "find .box.ini from '%s'", dir ? dir : ".");
	return 0;
}

/*
 * realpath of the directory, the file name kept: a .box.ini that is a symlink still
 * belongs to the project directory it sits in.
 */
static char *canonical_file(const char *path)
{
	const char *slash = strrchr(path, '/');
	_cleanup_free_ char *dir = !slash	   ? xstrdup(".")
				   : slash == path ? xstrdup("/")
						   : xstrndup(path, (size_t)(slash - path));
	const char *base = slash ? slash + 1 : path;
	_cleanup_free_ char *real = realpath(dir, NULL);

	if (!real || !*base)
		return NULL;
	return xasprintf("%s/%s", streq(real, "/") ? "" : real, base);
}

int project_resolve(const char *arg, char **ret_path, struct box_err **err)
{
	_cleanup_free_ char *real = NULL;
	struct stat st;

	if (!arg)
		return find_from(NULL, ret_path, err);
	if (stat(arg, &st) < 0)
		return box_err_set(err, errno, "open '%s'", arg);
	if (S_ISDIR(st.st_mode)) {
		real = realpath(arg, NULL);
		if (!real)
			return box_err_set(err, errno, "resolve '%s'", arg);
		return find_from(real, ret_path, err);
	}
	real = canonical_file(arg);
	if (!real)
		return box_err_set(err, errno ? errno : EINVAL, "resolve '%s'", arg);
	*ret_path = TAKE_PTR(real);
	return 0;
}

/* Resolve "." and ".." and repeated slashes in an absolute path, without the filesystem. */
static char *normalise_path(const char *path)
{
	_cleanup_free_ char *copy = xstrdup(path);
	char *out = xmalloc(strlen(path) + 2), *save = NULL;
	size_t n = 0;

	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (streq(c, "."))
			continue;
		if (streq(c, "..")) {
			while (n > 0 && out[n - 1] != '/')
				n--;
			if (n > 0)
				n--;
			continue;
		}
		out[n++] = '/';
		memcpy(out + n, c, strlen(c));
		n += strlen(c);
	}
	if (n == 0)
		out[n++] = '/';
	out[n] = '\0';
	return out;
}

char *project_mount_source(const char *project_dir, const char *host)
{
	_cleanup_free_ char *joined = NULL;

	if (host[0] == '/') {
		joined = xstrdup(host);
	} else if (str_startswith(host, "~/") || streq(host, "~")) {
		_cleanup_free_ char *home = paths_home();
		joined = xasprintf("%s/%s", home, host + 1);
	} else {
		joined = xasprintf("%s/%s", project_dir, host);
	}
	return normalise_path(joined);
}

bool project_contains(const char *project_dir, const char *path)
{
	return streq(project_dir, path) || is_ancestor(project_dir, path);
}

int project_load(const char *path, struct box_config **ret, struct cfg_errors *errors)
{
	struct box_config *c = NULL;
	int r = cfg_load_global(&c, errors);

	if (r < 0)
		return r;
	r = cfg_parse_file(path, CFG_PROJECT, c, errors);
	if (r < 0) {
		cfg_free(c);
		return r;
	}
	*ret = c;
	return 0;
}

int project_parse(const char *file, const char *buf, size_t len, struct box_config *c,
		  struct cfg_errors *errors, struct cfg_errors *warnings)
{
	if (!devcontainer_is_file(file))
		return cfg_parse_buffer(buf, len, file, CFG_PROJECT, c, errors);
	_cleanup_free_ char *dir = project_dir(file);
	return devcontainer_parse_buffer(buf, len, file, dir, c, errors, warnings);
}

struct project *project_free(struct project *p)
{
	if (!p)
		return NULL;
	free(p->file);
	free(p->dir);
	free(p->content);
	cfg_free(p->config);
	cfg_errors_done(&p->warnings);
	free(p->sandbox);
	free(p);
	return NULL;
}

static void project_freep(struct project **p)
{
	project_free(*p);
}

int project_open(const char *arg, bool (*taken)(const char *name, void *arg), void *taken_arg,
		 struct project **ret, struct cfg_errors *errors, struct box_err **err)
{
	_cleanup_(project_freep) struct project *p = xzalloc(sizeof(*p));
	int r = project_resolve(arg, &p->file, err);

	if (r < 0)
		return r;
	r = fs_read_file(p->file, CFG_MAX_FILE, &p->content, &p->len, err);
	if (r < 0)
		return r;
	p->dir = project_dir(p->file);
	r = trust_check(p->file, p->content, p->len, &p->trust, err);
	if (r < 0)
		return r;
	r = cfg_load_global(&p->config, errors);
	if (r < 0)
		return box_err_set(err, -r, "load the global configuration");
	r = project_parse(p->file, p->content, p->len, p->config, errors, &p->warnings);
	if (r < 0)
		return box_err_set(err, -r, "parse '%s'", p->file);
	/* A chosen name must not reach another project's sandbox, or one made by hand:
	 * entering, restarting or re-configuring it would act on what is not ours. */
	if (p->config->name && taken && taken(p->config->name, taken_arg))
		return box_err_set(err, EEXIST,
				   "[box] name = %s: a sandbox of that name exists and is not "
				   "this project's; choose another name in '%s' (or remove that "
				   "sandbox with 'box rm %s')",
				   p->config->name, p->file, p->config->name);
	p->sandbox = project_sandbox_name(p->config, p->dir, taken, taken_arg);
	*ret = TAKE_PTR(p);
	return 0;
}

int project_check_mounts(const struct box_config *c, const char *project_dir,
			 struct cfg_errors *errors)
{
	int r = 0;

	for (size_t i = 0; i < c->n_mounts; i++) {
		_cleanup_free_ char *src = project_mount_source(project_dir, c->mounts[i].host);
		struct stat st;
		if (stat(src, &st) == 0)
			continue;
		int e = errno;
		r = -ENOENT;
		if (!errors)
			continue;
		errors->msgs = xrealloc(errors->msgs, (errors->n + 1) * sizeof(char *));
		errors->msgs[errors->n++] =
		    xasprintf("%s:%u: mount source '%s' for '%s' cannot be used: %s; create it "
			      "or fix the path",
			      c->path, c->mounts[i].line, src, c->mounts[i].inside, strerror(e));
	}
	return r;
}

/* Lowercase, [a-z0-9_.-] only, no runs of '-', starting with a letter or digit. */
static char *sanitise(const char *s)
{
	char *out = xmalloc(NAME_MAX_BASE + 1);
	size_t n = 0;

	for (; *s && n < NAME_MAX_BASE; s++) {
		char ch = (char)tolower((unsigned char)*s);
		if (!isalnum((unsigned char)ch) && ch != '_' && ch != '.' && ch != '-')
			ch = '-';
		if (n == 0 && !isalnum((unsigned char)ch))
			continue;
		if (ch == '-' && n > 0 && out[n - 1] == '-')
			continue;
		out[n++] = ch;
	}
	while (n > 0 && (out[n - 1] == '-' || out[n - 1] == '.'))
		n--;
	out[n] = '\0';
	return out;
}

char *project_sandbox_name(const struct box_config *c, const char *project_dir,
			   bool (*taken)(const char *name, void *arg), void *arg)
{
	char hash[SHA256_HEX_LEN + 1];

	if (c && c->name)
		return xstrdup(c->name);
	const char *base = strrchr(project_dir, '/');
	char *name = sanitise(base ? base + 1 : project_dir);
	if (*name && !(taken && taken(name, arg)))
		return name;
	sha256_hex(project_dir, strlen(project_dir), hash);
	char *unique = xasprintf("%s-%.8s", *name ? name : "project", hash);
	free(name);
	return unique;
}

/* Collapse whitespace outside quotes, as a shell would split it; strip the ends. */
static char *normalise_command(const char *s)
{
	char *out = xmalloc(strlen(s) + 1);
	size_t n = 0;
	char quote = 0;

	while (isspace((unsigned char)*s))
		s++;
	for (; *s; s++) {
		if (!quote && isspace((unsigned char)*s)) {
			if (n > 0 && out[n - 1] != ' ')
				out[n++] = ' ';
			continue;
		}
		if (*s == '\\' && quote != '\'' && s[1]) {
			out[n++] = *s++;
		} else if (!quote && (*s == '\'' || *s == '"')) {
			quote = *s;
		} else if (quote && *s == quote) {
			quote = 0;
		}
		out[n++] = *s;
	}
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
	return out;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void append(char **buf, const char *a, const char *b)
{
	char *n = xasprintf("%s%s %s\n", *buf, a, b);
	free(*buf);
	*buf = n;
}

char *project_setup_canonical(const char *image, const struct box_config *c)
{
	_cleanup_strv_free_ char **pk = strv_copy(c->packages);
	size_t n = strv_length(pk);
	char *buf = xstrdup("box-setup 1\n");

	append(&buf, "image", image ? image : c->image ? c->image : "");
	qsort(pk, n, sizeof(char *), cmp_str);
	for (size_t i = 0; i < n; i++)
		if (i == 0 || !streq(pk[i], pk[i - 1]))
			append(&buf, "package", pk[i]);
	for (char **r = c->run; r && *r; r++) {
		_cleanup_free_ char *norm = normalise_command(*r);
		append(&buf, "run", norm);
	}
	_cleanup_free_ char *inputs = project_setup_inputs(c);
	char *all = xasprintf("%s%s", buf, inputs);
	free(buf);
	return all;
}

int project_setup_steps(const struct box_config *c, enum pkgmgr m, struct pkg_step **ret,
			size_t *ret_n, struct box_err **err)
{
	struct pkg_step *steps = NULL;
	size_t n = 0;

	if (c->packages && m == PKGMGR_NONE)
		return box_err_set(err, ENOPKG,
				   "install packages from '%s': the image has no known package "
				   "manager (apt-get, dnf, microdnf, apk, pacman, zypper); install "
				   "them with [setup] run lines instead",
				   c->path);
	pkgmgr_install_steps(m, c->packages, &steps, &n);
	for (size_t i = 0; c->run && c->run[i]; i++) {
		char **argv = NULL;
		strv_push(&argv, xstrdup("/bin/sh"));
		strv_push(&argv, xstrdup("-c"));
		strv_push(&argv, xstrdup(c->run[i]));
		steps = xrealloc(steps, (n + 1) * sizeof(*steps));
		steps[n++] = (struct pkg_step){
			.label = xasprintf("line %u: %s", c->run_lines[i], c->run[i]),
			.argv = argv,
			.line = c->run_lines[i],
		};
	}
	*ret = steps;
	*ret_n = n;
	return 0;
}

void project_setup_key(const char *image, const struct box_config *c, char ret[SHA256_HEX_LEN + 1])
{
	_cleanup_free_ char *text = project_setup_canonical(image, c);
	sha256_hex(text, strlen(text), ret);
}
