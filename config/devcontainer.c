/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * devcontainer.json: discovery, the JSONC pass (comments and trailing commas out,
 * offsets kept), and the mapping of each key onto struct box_config through the
 * same schema setters a .box.ini goes through, so a devcontainer's values are
 * checked as strictly and reported at their line. What box cannot do is a
 * warning at the key's line; what it cannot make sense of is an error.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/util/util.h"
#include "../core/util/xalloc.h"
#include "devcontainer.h"
#include "schema.h"

#define DC_MAX_KEYS 512

struct dc_key {
	char *key;
	unsigned line;
};

struct dc {
	struct cfg_parse p; /* the schema setters' state: name, line, config, errors */
	const char *dir;    /* ${localWorkspaceFolder} */
	struct cfg_errors *warnings;
	struct dc_key keys[DC_MAX_KEYS];
	size_t n_keys;
};

/* ---- files ----------------------------------------------------------------------------- */

static bool regular(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

char *devcontainer_find_in(const char *dir)
{
	const char *base = streq(dir, "/") ? "" : dir;
	char *p = xasprintf("%s/.devcontainer/%s", base, DEVCONTAINER_FILE);

	if (regular(p))
		return p;
	free(p);
	p = xasprintf("%s/.%s", base, DEVCONTAINER_FILE);
	if (regular(p))
		return p;
	free(p);
	return NULL;
}

bool devcontainer_is_file(const char *path)
{
	const char *b = strrchr(path, '/');
	b = b ? b + 1 : path;
	return streq(b, DEVCONTAINER_FILE) || streq(b, "." DEVCONTAINER_FILE);
}

/* Whether the last component of dir[0..n) is .devcontainer. */
static bool ends_in_dc(const char *dir, size_t n)
{
	static const char dc[] = "/.devcontainer";
	return n >= sizeof(dc) - 1 && !memcmp(dir + n - (sizeof(dc) - 1), dc, sizeof(dc) - 1);
}

char *devcontainer_project_dir(const char *path)
{
	const char *b = strrchr(path, '/');

	if (!b || !devcontainer_is_file(path))
		return NULL;
	size_t n = (size_t)(b - path);
	/* .devcontainer.json sits in the repository itself; the others in
	 * .devcontainer/ or .devcontainer/NAME/. */
	if (b[1] != '.' && ends_in_dc(path, n)) {
		n -= strlen("/.devcontainer");
	} else if (b[1] != '.') {
		const char *up = memrchr(path, '/', n);
		if (up && ends_in_dc(path, (size_t)(up - path)))
			n = (size_t)(up - path) - strlen("/.devcontainer");
	}
	return n ? xstrndup(path, n) : xstrdup("/");
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **devcontainer_list_named(const char *dir)
{
	_cleanup_free_ char *d = xasprintf("%s/.devcontainer", dir);
	DIR *dp = opendir(d);
	struct dirent *e;
	char **v = NULL;

	if (!dp)
		return NULL;
	while ((e = readdir(dp))) {
		if (e->d_name[0] == '.')
			continue;
		char *f = xasprintf("%s/%s/%s", d, e->d_name, DEVCONTAINER_FILE);
		if (regular(f))
			strv_push(&v, f);
		else
			free(f);
	}
	closedir(dp);
	if (v)
		qsort(v, strv_length(v), sizeof(char *), cmp_str);
	return v;
}

/* ---- JSONC ----------------------------------------------------------------------------- */

/* From a ',' at i: whether only whitespace stands between it and a closing bracket. */
static bool trailing_comma(const char *s, size_t len, size_t i)
{
	for (i++; i < len; i++) {
		if (s[i] == '}' || s[i] == ']')
			return true;
		if (!isspace((unsigned char)s[i]))
			return false;
	}
	return false;
}

/* Blank a comment from i (at its '/'); returns the index after it. */
static size_t blank_comment(char *s, size_t len, size_t i)
{
	bool block = s[i + 1] == '*';
	size_t j = i + 2;

	while (j < len && !(block ? s[j] == '*' && j + 1 < len && s[j + 1] == '/' : s[j] == '\n'))
		j++;
	if (block)
		j = j + 2 > len ? len : j + 2;
	for (size_t k = i; k < j; k++)
		if (s[k] != '\n')
			s[k] = ' ';
	return j;
}

char *dc_strip_jsonc(const char *buf, size_t len)
{
	char *s = xmalloc(len + 1);
	bool str = false;
	size_t i = 0;

	memcpy(s, buf, len);
	s[len] = '\0';
	/* Commas first: after comments are blanked a comma may turn out trailing. */
	while (i < len) {
		if (str) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"')
				str = false;
			i++;
		} else if (s[i] == '"') {
			str = true;
			i++;
		} else if (s[i] == '/' && i + 1 < len && (s[i + 1] == '/' || s[i + 1] == '*')) {
			i = blank_comment(s, len, i);
		} else {
			i++;
		}
	}
	str = false;
	for (i = 0; i < len; i++) {
		if (str && s[i] == '\\')
			i++;
		else if (s[i] == '"')
			str = !str;
		else if (!str && s[i] == ',' && trailing_comma(s, len, i))
			s[i] = ' ';
	}
	return s;
}

static unsigned line_at(const char *s, size_t off)
{
	unsigned line = 1;
	for (size_t i = 0; i < off && s[i]; i++)
		line += s[i] == '\n';
	return line;
}

/* The top-level keys and their lines (the JSON parser keeps no positions). */
static void scan_keys(struct dc *d, const char *s, size_t len)
{
	int depth = 0;
	unsigned line = 1;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n')
			line++;
		else if (s[i] == '{' || s[i] == '[')
			depth++;
		else if (s[i] == '}' || s[i] == ']')
			depth--;
		if (s[i] != '"')
			continue;
		size_t start = ++i;
		while (i < len && s[i] != '"' && s[i] != '\n')
			i += s[i] == '\\' ? 2 : 1;
		size_t end = i < len ? i : len, j = end + 1;
		while (j < len && isspace((unsigned char)s[j]))
			j++;
		if (depth == 1 && j < len && s[j] == ':' && d->n_keys < DC_MAX_KEYS)
			d->keys[d->n_keys++] =
			    (struct dc_key){ xstrndup(s + start, end - start), line };
	}
}

static unsigned key_line(const struct dc *d, const char *key)
{
	for (size_t i = 0; i < d->n_keys; i++)
		if (streq(d->keys[i].key, key))
			return d->keys[i].line;
	return 1;
}

/* ---- messages -------------------------------------------------------------------------- */

static void warn(struct dc *d, unsigned line, const char *fmt, ...) _printf_(3, 4);
static void warn(struct dc *d, unsigned line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	_cleanup_free_ char *m = xvasprintf(fmt, ap);
	va_end(ap);
	struct cfg_errors *w = d->warnings;
	if (!w || w->n >= CFG_MAX_ERRORS)
		return;
	w->msgs = xrealloc(w->msgs, (w->n + 1) * sizeof(char *));
	w->msgs[w->n++] = xasprintf("%s:%u: warning: %s", d->p.name, line, m);
}

static void unsupported(struct dc *d, const char *key)
{
	warn(d, d->p.line, "%s is not supported by box", key);
}

/* ---- values ---------------------------------------------------------------------------- */

/* ${localWorkspaceFolder}, ${containerWorkspaceFolder} (the same path here), their
 * Basename forms and ${localEnv:NAME[:DEFAULT]}; anything else stays as written. */
static char *subst(const struct dc *d, const char *s)
{
	const char *base = strrchr(d->dir, '/') ? strrchr(d->dir, '/') + 1 : d->dir;
	char *out = xstrdup("");

	while (*s) {
		const char *end = str_startswith(s, "${") ? strchr(s, '}') : NULL;
		_cleanup_free_ char *name = end ? xstrndup(s + 2, (size_t)(end - s - 2)) : NULL;
		const char *val = NULL;
		_cleanup_free_ char *env = NULL;
		if (name && (streq(name, "localWorkspaceFolder") ||
			     streq(name, "containerWorkspaceFolder")))
			val = d->dir;
		else if (name && (streq(name, "localWorkspaceFolderBasename") ||
				  streq(name, "containerWorkspaceFolderBasename")))
			val = base;
		else if (name && str_startswith(name, "localEnv:")) {
			char *colon = strchr(name + 9, ':');
			if (colon)
				*colon = '\0';
			env = xstrdup(getenv(name + 9) ? getenv(name + 9) : colon ? colon + 1 : "");
			val = env;
		}
		char *t = val ? xasprintf("%s%s", out, val) : xasprintf("%s%c", out, *s);
		free(out);
		out = t;
		s = val ? end + 1 : s + 1;
	}
	return out;
}

static const struct cfg_key *row(const char *section, const char *key)
{
	for (size_t i = 0; i < cfg_schema_len; i++)
		if (streq(cfg_schema[i].section, section) && cfg_schema[i].key &&
		    (streq(cfg_schema[i].key, key) || streq(cfg_schema[i].key, "*")))
			return &cfg_schema[i];
	return NULL;
}

/* Store value as `[section] key = value` of a .box.ini would be (checked the same way). */
static void set(struct dc *d, const char *section, const char *key, const char *value)
{
	const struct cfg_key *k = row(section, key);
	_cleanup_free_ char *v = subst(d, value);

	if (k && cfg_set(&d->p, k, key, v) == 0 && !k->repeat && k - cfg_schema < 64)
		d->p.c->set_mask |= 1ULL << (k - cfg_schema);
}

static bool want(struct dc *d, json_object *v, enum json_type t, const char *key, const char *what)
{
	if (json_object_is_type(v, t))
		return true;
	cfg_error(&d->p, "\"%s\" must be %s", key, what);
	return false;
}

static char *shell_quote(const char *s)
{
	char *out = xstrdup("'");
	for (; *s; s++) {
		char *t = *s == '\'' ? xasprintf("%s'\\''", out) : xasprintf("%s%c", out, *s);
		free(out);
		out = t;
	}
	char *t = xasprintf("%s'", out);
	free(out);
	return t;
}

/* A command as a shell line: a string as it is, an array as quoted words. */
static char *command_line(struct dc *d, const char *key, json_object *v)
{
	if (json_object_is_type(v, json_type_string))
		return subst(d, json_object_get_string(v));
	if (!json_object_is_type(v, json_type_array) || !json_object_array_length(v)) {
		cfg_error(&d->p,
			  "\"%s\" must be a command: a string, an array of strings or an "
			  "object of them",
			  key);
		return NULL;
	}
	char *out = NULL;
	for (size_t i = 0; i < json_object_array_length(v); i++) {
		json_object *e = json_object_array_get_idx(v, i);
		_cleanup_free_ char *w = subst(d, json_object_get_string(e));
		_cleanup_free_ char *q = shell_quote(w);
		char *t = out ? xasprintf("%s %s", out, q) : xstrdup(q);
		free(out);
		out = t;
	}
	return out;
}

/* Each command of a lifecycle key (an object holds several, run in order here). */
static char **commands(struct dc *d, const char *key, json_object *v)
{
	char **out = NULL;

	if (json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, k, e)
		{
			(void)k;
			char *c = command_line(d, key, e);
			if (c)
				strv_push(&out, c);
		}
		return out;
	}
	char *c = command_line(d, key, v);
	if (c)
		strv_push(&out, c);
	return out;
}

/* ---- keys ------------------------------------------------------------------------------ */

static void k_image(struct dc *d, const char *key, json_object *v)
{
	if (want(d, v, json_type_string, key, "a string (an image reference)"))
		set(d, "box", "image", json_object_get_string(v));
}

static void k_string(struct dc *d, const char *key, json_object *v)
{
	(void)want(d, v, json_type_string, key, "a string");
}

static void k_ignore(struct dc *d, const char *key, json_object *v)
{
}

static void k_env(struct dc *d, const char *key, json_object *v)
{
	if (!want(d, v, json_type_object, key, "an object of strings"))
		return;
	json_object_object_foreach(v, name, val)
	{
		if (json_object_is_type(val, json_type_string))
			set(d, "env", name, json_object_get_string(val));
		else
			cfg_error(&d->p, "\"%s\": the value of %s must be a string", key, name);
	}
}

/* A forwarded port: N on the host's 127.0.0.1 to N inside; "H:C" from appPort. */
static void port(struct dc *d, const char *key, json_object *e)
{
	const char *s = json_object_get_string(e);
	const char *colon = s ? strchr(s, ':') : NULL;
	long n;

	if (json_object_is_type(e, json_type_int) ||
	    (json_object_is_type(e, json_type_string) && parse_int_range(s, 1, 65535, &n) == 0)) {
		set(d, "ports", s, s);
	} else if (colon && streq(key, "appPort")) {
		_cleanup_free_ char *host = xstrndup(s, (size_t)(colon - s));
		set(d, "ports", host, colon + 1);
	} else if (json_object_is_type(e, json_type_string)) {
		warn(d, d->p.line, "%s entry '%s' is not supported by box (only port numbers)", key,
		     s);
	} else {
		cfg_error(&d->p, "\"%s\" entries must be port numbers", key);
	}
}

static void k_ports(struct dc *d, const char *key, json_object *v)
{
	if (!json_object_is_type(v, json_type_array)) {
		port(d, key, v);
		return;
	}
	for (size_t i = 0; i < json_object_array_length(v); i++)
		port(d, key, json_object_array_get_idx(v, i));
}

/* "source=A,target=B,type=bind[,readonly]" or {"source":..,"target":..,"type":..}. */
static void mount(struct dc *d, const char *key, const char *src, const char *dst, const char *type,
		  bool ro)
{
	if (type && !streq(type, "bind")) {
		warn(d, d->p.line, "%s of type '%s' is not supported by box (bind only)", key,
		     type);
		return;
	}
	if (!src || !dst) {
		cfg_error(&d->p, "\"%s\": a mount needs a source and a target", key);
		return;
	}
	_cleanup_free_ char *target = subst(d, dst);
	_cleanup_free_ char *value = xasprintf("%s%s", src, ro ? ":ro" : "");
	if (streq(key, "workspaceMount")) {
		_cleanup_free_ char *s = subst(d, src);
		if (streq(s, d->dir) && streq(target, d->dir))
			return;
	}
	set(d, "mounts", target, value);
}

static void mount_string(struct dc *d, const char *key, const char *s)
{
	_cleanup_free_ char *copy = xstrdup(s);
	const char *src = NULL, *dst = NULL, *type = "volume";
	bool ro = false;
	char *save = NULL;

	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(t, '=');
		if (eq)
			*eq++ = '\0';
		if (streq(t, "source") || streq(t, "src"))
			src = eq;
		else if (streq(t, "target") || streq(t, "destination") || streq(t, "dst"))
			dst = eq;
		else if (streq(t, "type"))
			type = eq;
		else if (streq(t, "readonly") || streq(t, "ro"))
			ro = !eq || streq(eq, "true") || streq(eq, "1");
	}
	mount(d, key, src, dst, type, ro);
}

static void mount_value(struct dc *d, const char *key, json_object *e)
{
	json_object *s = NULL, *t = NULL, *ty = NULL;

	if (json_object_is_type(e, json_type_string)) {
		mount_string(d, key, json_object_get_string(e));
		return;
	}
	if (!json_object_is_type(e, json_type_object)) {
		cfg_error(&d->p, "\"%s\" entries must be strings or objects", key);
		return;
	}
	json_object_object_get_ex(e, "source", &s);
	json_object_object_get_ex(e, "target", &t);
	json_object_object_get_ex(e, "type", &ty);
	mount(d, key, s ? json_object_get_string(s) : NULL, t ? json_object_get_string(t) : NULL,
	      ty ? json_object_get_string(ty) : "volume", false);
}

static void k_mounts(struct dc *d, const char *key, json_object *v)
{
	if (!json_object_is_type(v, json_type_array)) {
		mount_value(d, key, v);
		return;
	}
	for (size_t i = 0; i < json_object_array_length(v); i++)
		mount_value(d, key, json_object_array_get_idx(v, i));
}

static void k_workspace_folder(struct dc *d, const char *key, json_object *v)
{
	if (!want(d, v, json_type_string, key, "a string"))
		return;
	_cleanup_free_ char *f = subst(d, json_object_get_string(v));
	if (!streq(f, d->dir))
		warn(d, d->p.line,
		     "%s other than the repository's own path is not supported by box (the "
		     "repository is at '%s' inside)",
		     key, d->dir);
}

/* "--cpus=2", "--cpus 2", "-e K=V", "-p 8080:80": an option and its value. */
static const char *run_arg(json_object *a, size_t *i, const char *arg, const char *const *names)
{
	for (const char *const *n = names; *n; n++) {
		size_t l = strlen(*n);
		if (strncmp(arg, *n, l) != 0)
			continue;
		if (arg[l] == '=')
			return arg + l + 1;
		if (arg[l] == '\0' && *i + 1 < json_object_array_length(a))
			return json_object_get_string(json_object_array_get_idx(a, ++*i));
	}
	return NULL;
}

static void run_arg_env(struct dc *d, const char *v)
{
	const char *eq = strchr(v, '=');
	_cleanup_free_ char *k = eq ? xstrndup(v, (size_t)(eq - v)) : xstrdup(v);
	set(d, "env", k, eq ? eq + 1 : getenv(v) ? getenv(v) : "");
}

/* -p [IP:]HOST:CONTAINER[/PROTO] as a [ports] entry. */
static void run_arg_publish(struct dc *d, const char *v)
{
	const char *last = strrchr(v, ':');
	if (!last) {
		set(d, "ports", v, v);
		return;
	}
	_cleanup_free_ char *host = xstrndup(v, (size_t)(last - v));
	set(d, "ports", host, last + 1);
}

static void k_run_args(struct dc *d, const char *key, json_object *v)
{
	static const char *const cpus[] = { "--cpus", NULL },
				 *const mem[] = { "--memory", "-m", NULL },
				 *const env[] = { "--env", "-e", NULL },
				 *const pub[] = { "--publish", "-p", NULL };
	if (!want(d, v, json_type_array, key, "an array of strings"))
		return;
	for (size_t i = 0; i < json_object_array_length(v); i++) {
		const char *a = json_object_get_string(json_object_array_get_idx(v, i)), *val;
		if (!a)
			continue;
		if ((val = run_arg(v, &i, a, cpus)))
			set(d, "limits", "cpus", val);
		else if ((val = run_arg(v, &i, a, mem)))
			set(d, "limits", "memory", val);
		else if ((val = run_arg(v, &i, a, env)))
			run_arg_env(d, val);
		else if ((val = run_arg(v, &i, a, pub)))
			run_arg_publish(d, val);
		else
			warn(d, d->p.line, "runArgs '%s' is not supported by box", a);
	}
}

static void k_setup(struct dc *d, const char *key, json_object *v)
{
	_cleanup_strv_free_ char **c = commands(d, key, v);
	for (char **s = c; s && *s; s++)
		set(d, "setup", "run", *s);
}

static void k_start(struct dc *d, const char *key, json_object *v)
{
	_cleanup_strv_free_ char **c = commands(d, key, v);
	for (char **s = c; s && *s; s++)
		set(d, "start", "run", *s);
}

static void k_host_init(struct dc *d, const char *key, json_object *v)
{
	char **c = commands(d, key, v);
	for (char **s = c; s && *s; s++)
		strv_push(&d->p.c->host_init, xstrdup(*s));
	strv_free(c);
}

static void k_attach(struct dc *d, const char *key, json_object *v)
{
	char **c = commands(d, key, v);
	for (char **s = c; s && *s; s++)
		strv_push(&d->p.c->attach, xstrdup(*s));
	strv_free(c);
}

/* Features that are a distribution's packages (Debian's names). */
static const struct {
	const char *id;
	const char *packages;
} feature_packages[] = {
	{ "git", "git" },
	{ "git-lfs", "git-lfs" },
	{ "python", "python3 python3-pip python3-venv" },
	{ "node", "nodejs npm" },
	{ "go", "golang" },
	{ "rust", "rustc cargo" },
	{ "java", "default-jdk" },
	{ "ruby", "ruby" },
	{ "php", "php-cli" },
	{ "sshd", "openssh-server" },
	{ "github-cli", "gh" },
};

/* "ghcr.io/devcontainers/features/python:1" -> "python". */
static char *feature_id(const char *ref)
{
	const char *b = strrchr(ref, '/') ? strrchr(ref, '/') + 1 : ref;
	return xstrndup(b, strcspn(b, ":@"));
}

static void k_features(struct dc *d, const char *key, json_object *v)
{
	if (!want(d, v, json_type_object, key, "an object"))
		return;
	json_object_object_foreach(v, ref, opts)
	{
		_cleanup_free_ char *id = feature_id(ref);
		const char *pkgs = NULL;
		for (size_t i = 0; i < ARRAY_SIZE(feature_packages); i++)
			if (streq(feature_packages[i].id, id))
				pkgs = feature_packages[i].packages;
		if (!pkgs) {
			warn(d, d->p.line,
			     "feature '%s' is not supported by box (only features "
			     "that are packages)",
			     ref);
			continue;
		}
		set(d, "setup", "packages", pkgs);
		if (json_object_is_type(opts, json_type_object) && json_object_object_length(opts))
			warn(d, d->p.line,
			     "the options of feature '%s' are not supported by box (the "
			     "distribution's %s is installed)",
			     ref, pkgs);
	}
}

static void k_build(struct dc *d, const char *key, json_object *v)
{
	json_object *f = NULL;
	if (json_object_is_type(v, json_type_object))
		json_object_object_get_ex(v, "dockerfile", &f);
	warn(d, d->p.line,
	     "%s%s is not supported by box: box runs an image and builds none; set \"image\" "
	     "(a future 'box build' may build one)",
	     key, f ? ".dockerfile" : "");
}

static const struct {
	const char *key;
	void (*fn)(struct dc *d, const char *key, json_object *v);
} dc_keys[] = {
	{ "$schema", k_ignore },
	/* Settings of editors, not of the container. */
	{ "customizations", k_ignore },
	{ "name", k_string },
	{ "image", k_image },
	{ "containerEnv", k_env },
	{ "remoteEnv", k_env },
	{ "forwardPorts", k_ports },
	{ "appPort", k_ports },
	{ "mounts", k_mounts },
	{ "workspaceMount", k_mounts },
	{ "workspaceFolder", k_workspace_folder },
	/* The user's own identity inside stays: files in the repository keep their owner. */
	{ "remoteUser", k_string },
	{ "containerUser", k_string },
	{ "runArgs", k_run_args },
	{ "initializeCommand", k_host_init },
	{ "onCreateCommand", k_setup },
	{ "updateContentCommand", k_setup },
	{ "postCreateCommand", k_setup },
	{ "postStartCommand", k_start },
	{ "postAttachCommand", k_attach },
	{ "features", k_features },
	{ "build", k_build },
	{ "dockerFile", k_build },
};

static void map_key(struct dc *d, const char *key, json_object *v)
{
	d->p.line = key_line(d, key);
	for (size_t i = 0; i < ARRAY_SIZE(dc_keys); i++)
		if (streq(dc_keys[i].key, key)) {
			dc_keys[i].fn(d, key, v);
			return;
		}
	unsupported(d, key);
}

/* ---- the file -------------------------------------------------------------------------- */

static json_object *parse_json(struct dc *d, const char *text, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	json_object *root = json_tokener_parse_ex(tok, text, (int)len);
	enum json_tokener_error e = json_tokener_get_error(tok);

	if (!root || e != json_tokener_success) {
		d->p.line = line_at(text, json_tokener_get_parse_end(tok));
		cfg_error(&d->p, "not valid JSON: %s",
			  root ? "text after the object" : json_tokener_error_desc(e));
		json_object_put(root);
		root = NULL;
	} else if (!json_object_is_type(root, json_type_object)) {
		d->p.line = 1;
		cfg_error(&d->p, "a devcontainer.json is one JSON object ({ ... })");
		json_object_put(root);
		root = NULL;
	}
	json_tokener_free(tok);
	return root;
}

int devcontainer_parse_buffer(const char *buf, size_t len, const char *name,
			      const char *project_dir, struct box_config *c,
			      struct cfg_errors *errors, struct cfg_errors *warnings)
{
	struct dc *d = xzalloc(sizeof(*d));
	int r;

	d->p = (struct cfg_parse){ .name = name, .kind = CFG_PROJECT, .c = c, .errors = errors };
	d->dir = project_dir;
	d->warnings = warnings;
	if (len > CFG_MAX_FILE) {
		cfg_error(&d->p, "file is larger than %d bytes", CFG_MAX_FILE);
	} else {
		_cleanup_free_ char *text = dc_strip_jsonc(buf, len);
		scan_keys(d, text, len);
		json_object *root = parse_json(d, text, len);
		if (root) {
			json_object_object_foreach(root, key, v)
			{
				map_key(d, key, v);
			}
			if (!c->image && !d->p.n_errors) {
				d->p.line = 1;
				cfg_error(&d->p, "no \"image\": box runs an image; name one, e.g. "
						 "\"image\": \"debian:bookworm\"");
			}
		}
		json_object_put(root);
	}
	free(c->path);
	c->path = xstrdup(name);
	r = d->p.n_errors ? -EINVAL : 0;
	for (size_t i = 0; i < d->n_keys; i++)
		free(d->keys[i].key);
	free(d);
	return r;
}
