/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The configuration schema: one table of sections and keys with their types,
 * defaults, allowed values, help text and the file kinds that accept them, plus the
 * typed setters that validate a value and store it in struct box_config. Parsing,
 * defaults, `box config schema` and `box config show` are all driven by this table.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/image/ref.h"
#include "../core/util/paths.h"
#include "../core/util/util.h"
#include "../core/util/xalloc.h"
#include "schema.h"

static const char *const network_values[] = { "slirp", "host", "none", NULL };
static const char *const storage_values[] = { "fuse-overlayfs", "overlay", NULL };
static const char *const ports_values[] = { "auto", "off", NULL };
static const char *const home_values[] = { "host", "isolated", NULL };
const char *const cfg_gpu_names[] = { "auto", "nvidia", "none", NULL };

#define BOX_FIELD(f) offsetof(struct box_config, f)
#define REG_FIELD(f) offsetof(struct cfg_registry, f)

/* clang-format off */
const struct cfg_key cfg_schema[] = {
	{ "box", NULL, CT_SECTION, .kinds = CFG_IN_BOTH,
	  .help = "The sandbox: image, name, network, home and storage. In config.ini these are "
		  "the defaults for every sandbox." },
	{ "box", "name", CT_NAME, .syntax = "NAME", .kinds = CFG_IN_PROJECT,
	  .help = "Sandbox name (letters, digits, '_', '.', '-'); default: the project "
		  "directory's name.", .offset = BOX_FIELD(name) },
	{ "box", "image", CT_IMAGE, .syntax = "IMAGE", .kinds = CFG_IN_BOTH,
	  .help = "Image reference or alias (ubuntu, debian, fedora, arch, alpine).",
	  .offset = BOX_FIELD(image) },
	{ "box", "hostname", CT_HOSTNAME, .syntax = "HOSTNAME", .kinds = CFG_IN_PROJECT,
	  .help = "Hostname inside the sandbox; default: the sandbox name.",
	  .offset = BOX_FIELD(hostname) },
	{ "box", "network", CT_ENUM, "slirp", network_values, .kinds = CFG_IN_BOTH,
	  .help = "slirp: own network namespace with user-mode networking; host: share the "
		  "host's network; none: loopback only.", .offset = BOX_FIELD(network) },
	{ "box", "home", CT_HOME, "host", home_values, .syntax = "host|isolated|PATH",
	  .kinds = CFG_IN_BOTH,
	  .help = "host: your home directory; isolated: a private one per sandbox; PATH "
		  "(starting with '/', '~/' or './'): that directory as home; './' and '../' "
		  "are relative to the file's directory." },
	{ "box", "storage", CT_ENUM, "fuse-overlayfs", storage_values, .kinds = CFG_IN_BOTH,
	  .help = "Root filesystem driver: fuse-overlayfs, or the kernel's overlay where "
		  "unprivileged overlay mounts work.", .offset = BOX_FIELD(storage) },
	{ "box", "ports", CT_FLAG, "auto", ports_values, .kinds = CFG_IN_BOTH,
	  .help = "auto: ports listening inside appear on 127.0.0.1 outside; off: only the "
		  "static forwards.", .offset = BOX_FIELD(ports_auto) },
	{ "box", "host_loopback", CT_BOOL, "yes", .syntax = "yes|no", .kinds = CFG_IN_BOTH,
	  .help = "Let the sandbox reach the host's 127.0.0.1 through 10.0.2.2.",
	  .offset = BOX_FIELD(host_loopback) },
	{ "box", "host_exec", CT_BOOL, "yes", .syntax = "yes|no", .kinds = CFG_IN_BOTH,
	  .help = "Let commands inside run commands on the host with box-host-exec. In "
		  "config.ini: for every sandbox that does not say (a project's host_exec, "
		  "'box create --host-exec' or '--no-host-exec').",
	  .offset = BOX_FIELD(host_exec) },
	{ "box", "mtu", CT_U32, "65520", .syntax = "1280..65520", .kinds = CFG_IN_BOTH,
	  .help = "MTU of the sandbox's network interface (at least 1280, what IPv6 needs).",
	  .offset = BOX_FIELD(mtu), .min = 1280, .max = 65520 },
	{ "box", "gpu", CT_ENUM, "auto", cfg_gpu_names, .kinds = CFG_IN_BOTH,
	  .help = "auto: NVIDIA's driver (devices, libraries, nvidia-smi) bound read-only when "
		  "the host has it; nvidia: the same, and a start without it fails; none: "
		  "never. The BOX_GPU environment variable overrides it.",
	  .offset = BOX_FIELD(gpu) },

	{ "setup", NULL, CT_SECTION, .kinds = CFG_IN_PROJECT,
	  .help = "What to install and run once, as root inside, when the sandbox is created. "
		  "The result is cached and shared by projects with the same image and setup." },
	{ "setup", "packages", CT_PACKAGES, .syntax = "PKG [PKG...]", .kinds = CFG_IN_PROJECT,
	  .repeat = true,
	  .help = "Packages to install with the image's package manager (separated by spaces "
		  "or commas; may repeat)." },
	{ "setup", "run", CT_RUN, .syntax = "COMMAND", .kinds = CFG_IN_PROJECT, .repeat = true,
	  .help = "A shell command run after the packages (may repeat; runs in order)." },
	{ "setup", "inputs", CT_INPUTS, .syntax = "GLOB [GLOB...]", .kinds = CFG_IN_PROJECT,
	  .repeat = true,
	  .help = "Project files setup reads (e.g. requirements.txt, 'deps/*.txt'): their content "
		  "is part of the setup's cache key, as is every project file a run line names. "
		  "Relative to the project directory; may repeat." },

	{ "start", NULL, CT_SECTION, .kinds = CFG_IN_PROJECT,
	  .help = "Commands run on every start of the sandbox, as the user in the project "
		  "directory, after the setup. A failure is reported and the start goes on." },
	{ "start", "run", CT_RUN, .syntax = "COMMAND", .kinds = CFG_IN_PROJECT, .repeat = true,
	  .help = "A shell command (may repeat; runs in order)." },

	{ "services", NULL, CT_SECTION, .kinds = CFG_IN_PROJECT,
	  .help = "Long-running processes kept running inside the sandbox: started after "
		  "[start], restarted with backoff when they exit with a failure, stopped "
		  "with the sandbox. 'box logs NAME SERVICE' shows their output." },
	{ "services", "*", CT_SERVICE, .syntax = "NAME = COMMAND", .kinds = CFG_IN_PROJECT,
	  .repeat = true,
	  .help = "NAME uses letters, digits, '_', '.' and '-'; COMMAND runs with /bin/sh -c "
		  "in the project directory, as the user." },

	{ "export", NULL, CT_SECTION, .kinds = CFG_IN_PROJECT,
	  .help = "Programs and applications of the sandbox put on the host each time it is "
		  "entered, as 'box export --bin' and '--app' do; one removed from the list is "
		  "removed from the host. One that the sandbox lacks is a warning." },
	{ "export", "bins", CT_EXPORT, .syntax = "PROGRAM [PROGRAM...]", .kinds = CFG_IN_PROJECT,
	  .repeat = true,
	  .help = "Names on the sandbox's PATH or absolute paths inside (separated by spaces "
		  "or commas; may repeat); each becomes a wrapper in ~/.local/bin." },
	{ "export", "apps", CT_EXPORT, .syntax = "APP [APP...]", .kinds = CFG_IN_PROJECT,
	  .repeat = true,
	  .help = "Desktop file names in the sandbox's /usr/share/applications, without "
		  ".desktop (may repeat); each gets a launcher on the host." },

	{ "env", NULL, CT_SECTION, .kinds = CFG_IN_BOTH,
	  .help = "Environment variables set for every command in the sandbox." },
	{ "env", "*", CT_ENV, .syntax = "KEY = value", .kinds = CFG_IN_BOTH, .repeat = true,
	  .help = "KEY must be a valid variable name; the value may be empty." },

	{ "ports", NULL, CT_SECTION, .kinds = CFG_IN_PROJECT,
	  .help = "Static port forwards from the host into the sandbox." },
	{ "ports", "*", CT_PORT, .syntax = "[ADDR:]HOSTPORT = PORT[/tcp|/udp]",
	  .kinds = CFG_IN_PROJECT, .repeat = true,
	  .help = "e.g. '8080 = 80' or '127.0.0.1:5353 = 53/udp'; ports 1..65535, the host "
		  "address defaults to 127.0.0.1." },

	{ "mounts", NULL, CT_SECTION, .kinds = CFG_IN_PROJECT,
	  .help = "Host directories bound into the sandbox." },
	{ "mounts", "*", CT_MOUNT, .syntax = "/sandbox/path = host/path[:ro]",
	  .kinds = CFG_IN_PROJECT, .repeat = true,
	  .help = "The sandbox path is absolute; a relative host path is relative to the "
		  "project directory; ':ro' makes it read-only." },

	{ "limits", NULL, CT_SECTION, .kinds = CFG_IN_BOTH,
	  .help = "Resource limits applied through the sandbox's cgroup." },
	{ "limits", "cpus", CT_DECIMAL, .syntax = "N", .kinds = CFG_IN_BOTH,
	  .help = "CPU quota in CPUs (e.g. 1.5).", .offset = BOX_FIELD(cpus) },
	{ "limits", "memory", CT_SIZE, .syntax = "SIZE", .kinds = CFG_IN_BOTH,
	  .help = "Memory limit, with K, M or G (e.g. 2G).", .offset = BOX_FIELD(memory) },
	{ "limits", "pids", CT_COUNT, .syntax = "N", .kinds = CFG_IN_BOTH,
	  .help = "Maximum number of processes.", .offset = BOX_FIELD(pids) },

	{ "registry", NULL, CT_SECTION, .syntax = "registry \"NAME\"", .kinds = CFG_IN_GLOBAL,
	  .help = "Settings for one registry host, e.g. [registry \"docker.io\"]." },
	{ "registry", "mirror", CT_URL, .syntax = "http(s)://HOST[:PORT]", .kinds = CFG_IN_GLOBAL,
	  .help = "Pull from this mirror instead of the registry itself.",
	  .offset = REG_FIELD(mirror) },
	{ "registry", "insecure", CT_BOOL, "no", .syntax = "yes|no", .kinds = CFG_IN_GLOBAL,
	  .help = "Allow plain http and skip TLS verification.", .offset = REG_FIELD(insecure) },

	{ "image", NULL, CT_SECTION, .kinds = CFG_IN_GLOBAL,
	  .help = "Limits on what pulling an image may write." },
	{ "image", "max_layer_size", CT_SIZE, "32G", .syntax = "SIZE", .kinds = CFG_IN_GLOBAL,
	  .help = "The most one layer may unpack to (a compressed layer can expand a thousand "
		  "times); never more than the free space in the store less 512M.",
	  .offset = BOX_FIELD(max_layer_size) },

	{ "aliases", NULL, CT_SECTION, .kinds = CFG_IN_GLOBAL,
	  .help = "Short names for images; they override the built-in ubuntu, debian, fedora, "
		  "arch and alpine." },
	{ "aliases", "*", CT_ALIAS, .syntax = "SHORT = IMAGE", .kinds = CFG_IN_GLOBAL,
	  .repeat = true, .help = "e.g. 'dev = docker.io/library/debian:bookworm'." },
};
/* clang-format on */
const size_t cfg_schema_len = ARRAY_SIZE(cfg_schema);

const char *cfg_nearest(const char *word, const char *const *candidates, size_t n)
{
	const char *best = NULL;
	size_t best_d = (size_t)-1, len = strlen(word);

	for (size_t i = 0; i < n; i++) {
		size_t d = str_distance(word, candidates[i]);
		if (d < best_d) {
			best_d = d;
			best = candidates[i];
		}
	}
	/* A typo, not a different word: at most 2 edits, or a third of the word. */
	if (best && best_d > 0 && (best_d <= 2 || best_d <= len / 3) && best_d < len)
		return best;
	return NULL;
}

static bool valid_chars(const char *s, const char *extra)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(extra, *s))
			return false;
	return true;
}

static bool str_is_lower(const char *s)
{
	for (; *s; s++)
		if (isupper((unsigned char)*s))
			return false;
	return true;
}

static const char *where(const struct cfg_key *k)
{
	return k->section;
}

static char **field_str(void *base, const struct cfg_key *k)
{
	return (char **)((char *)base + k->offset);
}

static int set_string(struct cfg_parse *p, const struct cfg_key *k, void *base, const char *v)
{
	char **f = field_str(base, k);
	free(*f);
	*f = xstrdup(v);
	return 0;
}

static int bad_value(struct cfg_parse *p, const struct cfg_key *k, const char *v, const char *why)
{
	cfg_error(p, "bad value '%s' for '%s' in [%s]: %s", v, k->key, where(k), why);
	return -EINVAL;
}

static int set_name(struct cfg_parse *p, const struct cfg_key *k, void *base, const char *v)
{
	if (strlen(v) > 63 || !isalnum((unsigned char)v[0]) || !valid_chars(v, "_.-"))
		return bad_value(p, k, v,
				 "use up to 63 letters, digits, '_', '.', '-', starting with a "
				 "letter or digit");
	return set_string(p, k, base, v);
}

/* What is wrong with an image reference (ref_parse's detail), or NULL when it is fine. */
static char *image_problem(const char *v)
{
	_cleanup_err_ struct box_err *err = NULL;
	_cleanup_ref_ struct image_ref *ref = NULL;

	if (ref_parse(v, &ref, &err) == 0)
		return NULL;
	const char *detail = err && err->msg ? strstr(err->msg, "': ") : NULL;
	return xstrdup(detail ? detail + 3 : "not an image reference");
}

bool cfg_valid_image(const char *v)
{
	_cleanup_free_ char *why = image_problem(v);
	return !why;
}

static int set_image(struct cfg_parse *p, const struct cfg_key *k, void *base, const char *v)
{
	_cleanup_free_ char *why = image_problem(v);
	if (why)
		return bad_value(p, k, v, why);
	return set_string(p, k, base, v);
}

static int set_hostname(struct cfg_parse *p, const struct cfg_key *k, void *base, const char *v)
{
	if (strlen(v) > 64 || !isalnum((unsigned char)v[0]) || !valid_chars(v, "-."))
		return bad_value(p, k, v, "use up to 64 letters, digits, '-' and '.'");
	return set_string(p, k, base, v);
}

static int enum_index(const struct cfg_key *k, const char *v)
{
	for (int i = 0; k->allowed[i]; i++)
		if (streq(k->allowed[i], v))
			return i;
	return -1;
}

static int bad_enum(struct cfg_parse *p, const struct cfg_key *k, const char *v, const char *extra)
{
	_cleanup_free_ char *list = NULL;
	size_t n = 0;

	for (; k->allowed[n]; n++) {
		char *l = xasprintf("%s%s%s", list ? list : "", list ? ", " : "", k->allowed[n]);
		free(list);
		list = l;
	}
	const char *near = cfg_nearest(v, k->allowed, n);
	cfg_error(p, "bad value '%s' for '%s' in [%s]: expected one of %s%s%s%s%s", v, k->key,
		  where(k), list, extra, near ? "; did you mean '" : "", near ? near : "",
		  near ? "'?" : "");
	return -EINVAL;
}

static int set_enum(struct cfg_parse *p, const struct cfg_key *k, void *base, const char *v)
{
	int i = enum_index(k, v);
	if (i < 0)
		return bad_enum(p, k, v, "");
	if (k->type == CT_FLAG) /* a two-word switch: the first word means on */
		*(bool *)((char *)base + k->offset) = i == 0;
	else
		*(int *)((char *)base + k->offset) = i;
	return 0;
}

/* The directory of file, absolute (against the working directory when file is not). */
static char *file_dir(const char *file)
{
	char cwd[PATH_MAX];
	const char *slash = file ? strrchr(file, '/') : NULL;
	_cleanup_free_ char *dir = slash ? xstrndup(file, (size_t)(slash - file)) : xstrdup("");

	if (file && file[0] == '/')
		return slash == file ? xstrdup("/") : TAKE_PTR(dir);
	if (!getcwd(cwd, sizeof(cwd)))
		strcpy(cwd, "/");
	return *dir ? xasprintf("%s/%s", streq(cwd, "/") ? "" : cwd, dir) : xstrdup(cwd);
}

/*
 * A path as the file means it, made absolute where it is read: '~/x' in the user's home,
 * './x' and '../x' beside the file (leading '..' steps taken lexically), so that what is
 * stored and shown is the directory that will be used, wherever box runs from.
 */
static char *resolve_path(const char *file, const char *v)
{
	if (v[0] == '/')
		return xstrdup(v);
	if (str_startswith(v, "~/")) {
		_cleanup_free_ char *home = paths_home();
		return xasprintf("%s/%s", streq(home, "/") ? "" : home, v + 2);
	}
	_cleanup_free_ char *dir = file_dir(file);
	for (;;) {
		if (str_startswith(v, "./")) {
			v += 2;
		} else if (str_startswith(v, "../") || streq(v, "..")) {
			char *slash = strrchr(dir, '/');
			if (slash)
				slash[slash == dir ? 1 : 0] = '\0';
			v += v[2] ? 3 : 2;
		} else {
			break;
		}
	}
	return xasprintf("%s%s%s", dir, streq(dir, "/") || !*v ? "" : "/", v);
}

static int set_home(struct cfg_parse *p, const struct cfg_key *k, void *base, const char *v)
{
	struct box_config *c = base;
	int i = enum_index(k, v);

	if (i < 0 && v[0] != '/' && !str_startswith(v, "~/") && !str_startswith(v, "./") &&
	    !str_startswith(v, "../"))
		return bad_enum(p, k, v, ", or a path starting with '/', '~/' or './'");
	free(c->home_path);
	c->home_path = NULL;
	if (i >= 0) {
		c->home = i == 0 ? CFG_HOME_HOST : CFG_HOME_ISOLATED;
	} else {
		c->home = CFG_HOME_PATH;
		c->home_path = resolve_path(p ? p->name : NULL, v);
	}
	return 0;
}

static int set_bool(struct cfg_parse *p, const struct cfg_key *k, void *base, const char *v)
{
	bool b;
	if (parse_bool(v, &b) < 0)
		return bad_value(p, k, v, "expected yes or no (also true/false, on/off, 1/0)");
	*(bool *)((char *)base + k->offset) = b;
	return 0;
}

static int set_u32(struct cfg_parse *p, const struct cfg_key *k, void *base, const char *v)
{
	long n;
	if (parse_int_range(v, k->min, k->max, &n) < 0 || !isdigit((unsigned char)v[0])) {
		_cleanup_free_ char *why =
		    xasprintf("expected a whole number from %ld to %ld", k->min, k->max);
		return bad_value(p, k, v, why);
	}
	*(uint32_t *)((char *)base + k->offset) = (uint32_t)n;
	return 0;
}

static int set_decimal(struct cfg_parse *p, const struct cfg_key *k, void *base, const char *v)
{
	char *end;
	double d;

	errno = 0;
	d = (isdigit((unsigned char)v[0]) || v[0] == '.') ? strtod(v, &end) : NAN;
	if (isnan(d) || errno || *end || !isfinite(d) || d <= 0 || d > 65536)
		return bad_value(p, k, v, "expected a number greater than 0, like 2 or 0.5");
	memcpy((char *)base + k->offset, &d, sizeof(d));
	return 0;
}

static int set_size(struct cfg_parse *p, const struct cfg_key *k, void *base, const char *v)
{
	uint64_t n;
	if (parse_size(v, &n) < 0 || n == 0)
		return bad_value(p, k, v, "expected a size greater than 0, like 512M or 2G");
	*(uint64_t *)((char *)base + k->offset) = n;
	return 0;
}

static int set_count(struct cfg_parse *p, const struct cfg_key *k, void *base, const char *v)
{
	uint64_t n;
	if (parse_u64(v, &n) < 0 || n == 0)
		return bad_value(p, k, v, "expected a whole number greater than 0");
	*(uint64_t *)((char *)base + k->offset) = n;
	return 0;
}

static int set_url(struct cfg_parse *p, const struct cfg_key *k, void *base, const char *v)
{
	const char *host = str_startswith(v, "http://")	   ? v + 7
			   : str_startswith(v, "https://") ? v + 8
							   : NULL;
	if (!host || !isalnum((unsigned char)host[0]) || !valid_chars(host, ".-:[]/_~%"))
		return bad_value(p, k, v, "expected a URL like 'https://mirror.example:5000'");
	return set_string(p, k, base, v);
}

static bool valid_package(const char *s)
{
	return strlen(s) <= 256 && isalnum((unsigned char)s[0]) && valid_chars(s, "+._:@=~/-");
}

static int set_packages(struct cfg_parse *p, const struct cfg_key *k, struct box_config *c,
			const char *v)
{
	_cleanup_free_ char *copy = xstrdup(v);
	char *save = NULL;
	int r = 0;

	for (char *t = strtok_r(copy, " \t,", &save); t; t = strtok_r(NULL, " \t,", &save)) {
		if (!valid_package(t)) {
			cfg_error(p,
				  "bad package name '%s' in [setup]: names start with a letter "
				  "or digit and use letters, digits and '+._:@=~/-'",
				  t);
			r = -EINVAL;
		} else if (strv_length(c->packages) >= CFG_MAX_ENTRIES) {
			cfg_error(p, "too many packages in [setup] (at most %d)", CFG_MAX_ENTRIES);
			return -E2BIG;
		} else {
			strv_push(&c->packages, xstrdup(t));
		}
	}
	return r;
}

static bool has_dotdot(const char *path)
{
	for (const char *s = path; (s = strstr(s, "..")); s += 2)
		if ((s == path || s[-1] == '/') && (s[2] == '\0' || s[2] == '/'))
			return true;
	return false;
}

static int set_inputs(struct cfg_parse *p, struct box_config *c, const char *v)
{
	_cleanup_free_ char *copy = xstrdup(v);
	char *save = NULL;
	int r = 0;

	for (char *t = strtok_r(copy, " \t,", &save); t; t = strtok_r(NULL, " \t,", &save)) {
		if (t[0] == '/' || has_dotdot(t)) {
			cfg_error(p,
				  "bad input '%s' in [setup]: name files inside the project, "
				  "relative to its directory, without '..'",
				  t);
			r = -EINVAL;
		} else if (strv_length(c->inputs) >= CFG_MAX_ENTRIES) {
			cfg_error(p, "too many inputs in [setup] (at most %d)", CFG_MAX_ENTRIES);
			return -E2BIG;
		} else {
			strv_push(&c->inputs, xstrdup(t));
		}
	}
	return r;
}

/* A program (a name, or an absolute path without '..') or an application's desktop
 * file name: what box export takes, in words that need no quoting. */
static bool valid_export(const char *t, bool bin)
{
	if (bin && t[0] == '/')
		return !has_dotdot(t) && valid_chars(t + 1, "+._-/@") && !strstr(t, "//");
	return isalnum((unsigned char)t[0]) && valid_chars(t, "+._-@");
}

/* The name a program's wrapper gets on the host: its last path component. */
static const char *export_wrapper(const char *t)
{
	const char *slash = strrchr(t, '/');
	return slash ? slash + 1 : t;
}

/* An entry already in list, or (bins) one whose wrapper would have the same name:
 * both would be one wrapper on the host, so the file says which it means. */
static int export_clash(struct cfg_parse *p, const char *key, char *const *list, const char *t)
{
	bool bin = streq(key, "bins");

	for (char *const *e = list; e && *e; e++) {
		if (streq(*e, t)) {
			cfg_error(p, "'%s' is listed twice in [export] %s; remove one", t, key);
			return -EINVAL;
		}
		if (bin && streq(export_wrapper(*e), export_wrapper(t))) {
			cfg_error(p,
				  "'%s' and '%s' in [export] bins would both be the wrapper '%s'; "
				  "keep one (export the other with 'box export --bin PATH --as "
				  "NAME')",
				  *e, t, export_wrapper(t));
			return -EINVAL;
		}
	}
	return 0;
}

static int set_export(struct cfg_parse *p, const struct cfg_key *k, struct box_config *c,
		      const char *v)
{
	bool bin = streq(k->key, "bins");
	char ***list = bin ? &c->export_bins : &c->export_apps;
	_cleanup_free_ char *copy = xstrdup(v);
	char *save = NULL;
	int r = 0;

	for (char *t = strtok_r(copy, " \t,", &save); t; t = strtok_r(NULL, " \t,", &save)) {
		if (!valid_export(t, bin)) {
			cfg_error(p,
				  bin ? "bad program '%s' in [export] bins: give a name on the "
					"sandbox's PATH or an absolute path (letters, digits, "
					"'+._-@')"
				      : "bad application '%s' in [export] apps: give its desktop "
					"file name without .desktop (letters, digits, '+._-@')",
				  t);
			r = -EINVAL;
		} else if (strv_length(*list) >= CFG_MAX_ENTRIES) {
			cfg_error(p, "too many %s in [export] (at most %d)", k->key,
				  CFG_MAX_ENTRIES);
			return -E2BIG;
		} else if (export_clash(p, k->key, *list, t) < 0) {
			r = -EINVAL;
		} else {
			strv_push(list, xstrdup(t));
		}
	}
	return r;
}

static int set_run(struct cfg_parse *p, const struct cfg_key *k, struct box_config *c,
		   const char *v)
{
	bool start = streq(k->section, "start");
	char ***list = start ? &c->start : &c->run;
	unsigned **lines = start ? &c->start_lines : &c->run_lines;
	size_t n = strv_length(*list);

	if (n >= CFG_MAX_ENTRIES) {
		cfg_error(p, "too many run lines in [%s] (at most %d)", k->section,
			  CFG_MAX_ENTRIES);
		return -E2BIG;
	}
	strv_push(list, xstrdup(v));
	*lines = xrealloc(*lines, (n + 1) * sizeof(unsigned));
	(*lines)[n] = p ? p->line : 0;
	return 0;
}

/* Add or replace KEY in a list; a later file (project over global) replaces. */
static int kv_put(struct cfg_parse *p, struct cfg_kv **list, size_t *n, const char *section,
		  const char *key, const char *value)
{
	for (size_t i = 0; i < *n; i++)
		if (streq((*list)[i].key, key)) {
			free((*list)[i].value);
			(*list)[i].value = xstrdup(value);
			(*list)[i].line = p ? p->line : 0;
			return 0;
		}
	if (*n >= CFG_MAX_ENTRIES) {
		cfg_error(p, "too many entries in [%s] (at most %d)", section, CFG_MAX_ENTRIES);
		return -E2BIG;
	}
	*list = xrealloc(*list, (*n + 1) * sizeof(**list));
	(*list)[*n] = (struct cfg_kv){ xstrdup(key), xstrdup(value), p ? p->line : 0 };
	(*n)++;
	return 0;
}

static int set_env(struct cfg_parse *p, struct box_config *c, const char *key, const char *v)
{
	if (!(isalpha((unsigned char)key[0]) || key[0] == '_') || !valid_chars(key, "_") ||
	    strlen(key) > 255) {
		cfg_error(p,
			  "bad variable name '%s' in [env]: use letters, digits and '_', not "
			  "starting with a digit",
			  key);
		return -EINVAL;
	}
	return kv_put(p, &c->env, &c->n_env, "env", key, v);
}

static int set_service(struct cfg_parse *p, struct box_config *c, const char *key, const char *v)
{
	if (!isalnum((unsigned char)key[0]) || !valid_chars(key, "_.-") || strlen(key) > 64) {
		cfg_error(p,
			  "bad service name '%s' in [services]: use letters, digits, '_', '.' "
			  "and '-', starting with a letter or digit (at most 64)",
			  key);
		return -EINVAL;
	}
	if (!*v) {
		cfg_error(p, "service '%s' has no command: write '%s = COMMAND'", key, key);
		return -EINVAL;
	}
	return kv_put(p, &c->services, &c->n_services, "services", key, v);
}

static bool valid_port(const char *s)
{
	long n;
	return isdigit((unsigned char)s[0]) && parse_int_range(s, 1, 65535, &n) == 0;
}

/* [ADDR:]PORT with ADDR an IPv4 address or [IPv6]. */
static bool valid_host_spec(const char *s)
{
	const char *colon = strrchr(s, ':');
	if (!colon)
		return valid_port(s);
	_cleanup_free_ char *addr = xstrndup(s, (size_t)(colon - s));
	unsigned char buf[16];
	size_t l = strlen(addr);
	bool ok;

	if (l > 2 && addr[0] == '[' && addr[l - 1] == ']') {
		addr[l - 1] = '\0';
		ok = inet_pton(AF_INET6, addr + 1, buf) == 1;
	} else {
		ok = inet_pton(AF_INET, addr, buf) == 1;
	}
	return ok && valid_port(colon + 1);
}

static bool valid_sandbox_port(const char *s)
{
	const char *slash = strchr(s, '/');
	if (!slash)
		return valid_port(s);
	if (!streq(slash + 1, "tcp") && !streq(slash + 1, "udp"))
		return false;
	_cleanup_free_ char *num = xstrndup(s, (size_t)(slash - s));
	return valid_port(num);
}

static int set_port(struct cfg_parse *p, struct box_config *c, const char *key, const char *v)
{
	int r = 0;
	if (!valid_host_spec(key)) {
		cfg_error(p,
			  "bad host port '%s' in [ports]: expected PORT or ADDR:PORT with a "
			  "port from 1 to 65535",
			  key);
		r = -EINVAL;
	}
	if (!valid_sandbox_port(v)) {
		cfg_error(p,
			  "bad sandbox port '%s' in [ports]: expected PORT, PORT/tcp or "
			  "PORT/udp with a port from 1 to 65535",
			  v);
		r = -EINVAL;
	}
	return r < 0 ? r : kv_put(p, &c->ports, &c->n_ports, "ports", key, v);
}

static int mount_check(struct cfg_parse *p, const char *key, const char *host)
{
	if (key[0] != '/' || streq(key, "/") || has_dotdot(key)) {
		cfg_error(p,
			  "bad sandbox path '%s' in [mounts]: it must be absolute, not '/', "
			  "and have no '..'",
			  key);
		return -EINVAL;
	}
	if (!*host) {
		cfg_error(p, "missing host path for '%s' in [mounts]", key);
		return -EINVAL;
	}
	return 0;
}

static int set_mount(struct cfg_parse *p, struct box_config *c, const char *key, const char *v)
{
	_cleanup_free_ char *host = xstrdup(v);
	bool ro = false;
	size_t l = strlen(host);

	if (l >= 3 && (streq(host + l - 3, ":ro") || streq(host + l - 3, ":rw"))) {
		ro = host[l - 1] == 'o';
		host[l - 3] = '\0';
	}
	if (mount_check(p, key, host) < 0)
		return -EINVAL;
	for (size_t i = 0; i < c->n_mounts; i++)
		if (streq(c->mounts[i].inside, key)) {
			free(c->mounts[i].host);
			c->mounts[i].host = TAKE_PTR(host);
			c->mounts[i].readonly = ro;
			c->mounts[i].line = p ? p->line : 0;
			return 0;
		}
	if (c->n_mounts >= CFG_MAX_ENTRIES) {
		cfg_error(p, "too many entries in [mounts] (at most %d)", CFG_MAX_ENTRIES);
		return -E2BIG;
	}
	c->mounts = xrealloc(c->mounts, (c->n_mounts + 1) * sizeof(*c->mounts));
	c->mounts[c->n_mounts++] =
	    (struct cfg_mount){ xstrdup(key), TAKE_PTR(host), ro, p ? p->line : 0 };
	return 0;
}

static int set_alias(struct cfg_parse *p, struct box_config *c, const char *key, const char *v)
{
	int r = 0;
	_cleanup_free_ char *why = image_problem(v);

	/* lowercase, so that an alias is itself a valid reference wherever it is used */
	if (strlen(key) > 63 || !isalnum((unsigned char)key[0]) || !valid_chars(key, "_.-") ||
	    !str_is_lower(key)) {
		cfg_error(p,
			  "bad alias name '%s' in [aliases]: use lowercase letters, digits, "
			  "'_', '.', '-'",
			  key);
		r = -EINVAL;
	}
	if (why) {
		cfg_error(p, "bad image reference '%s' for alias '%s' in [aliases]: %s", v, key,
			  why);
		r = -EINVAL;
	}
	return r < 0 ? r : kv_put(p, &c->aliases, &c->n_aliases, "aliases", key, v);
}

int cfg_set(struct cfg_parse *p, const struct cfg_key *k, const char *key, const char *value)
{
	struct box_config *c = p->c;
	void *base = streq(k->section, "registry") ? (void *)p->reg : (void *)c;

	switch (k->type) {
	case CT_SECTION:
		return -EINVAL;
	case CT_NAME:
		return set_name(p, k, base, value);
	case CT_IMAGE:
		return set_image(p, k, base, value);
	case CT_HOSTNAME:
		return set_hostname(p, k, base, value);
	case CT_ENUM:
	case CT_FLAG:
		return set_enum(p, k, base, value);
	case CT_HOME:
		return set_home(p, k, base, value);
	case CT_BOOL:
		return set_bool(p, k, base, value);
	case CT_U32:
		return set_u32(p, k, base, value);
	case CT_DECIMAL:
		return set_decimal(p, k, base, value);
	case CT_SIZE:
		return set_size(p, k, base, value);
	case CT_COUNT:
		return set_count(p, k, base, value);
	case CT_URL:
		return set_url(p, k, base, value);
	case CT_PACKAGES:
		return set_packages(p, k, c, value);
	case CT_RUN:
		return set_run(p, k, c, value);
	case CT_INPUTS:
		return set_inputs(p, c, value);
	case CT_EXPORT:
		return set_export(p, k, c, value);
	case CT_ENV:
		return set_env(p, c, key, value);
	case CT_PORT:
		return set_port(p, c, key, value);
	case CT_MOUNT:
		return set_mount(p, c, key, value);
	case CT_ALIAS:
		return set_alias(p, c, key, value);
	case CT_SERVICE:
		return set_service(p, c, key, value);
	}
	return -EINVAL;
}

void cfg_apply_defaults(struct box_config *c)
{
	struct cfg_parse p = { .name = "<defaults>", .c = c };

	for (size_t i = 0; i < cfg_schema_len; i++) {
		const struct cfg_key *k = &cfg_schema[i];
		if (k->def && !streq(k->section, "registry"))
			(void)cfg_set(&p, k, k->key, k->def);
	}
}
