/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The config parser: inih reads lines through our own reader, which counts lines
 * (Debian's inih passes no line numbers to handlers), rejects NUL bytes, control
 * characters, invalid UTF-8 and overlong lines, checks the syntax of every line and
 * validates section headers, so that every problem is reported with its line and
 * parsing never stops at the first one. The handler dispatches keys through the
 * schema table (schema.c). Also: loading the global config, registry and alias lookups.
 */
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../core/util/fs.h"
#include "../core/util/log.h"
#include "../core/util/paths.h"
#include "../core/util/util.h"
#include "../core/util/xalloc.h"
#include "schema.h"

/*
 * inih splits "key: value" too, and takes any line starting with '[' for a section:
 * a ':' in a key ("127.0.0.1:8080 = 80") and a leading '[' ("[::1]:8080 = 80") travel
 * to the handler as these bytes, which the reader never lets through from a file.
 */
#define KEY_COLON   '\x1f'
#define KEY_BRACKET '\x1e'

struct box_config *cfg_new(void)
{
	struct box_config *c = xzalloc(sizeof(*c));
	c->path = xstrdup("");
	cfg_apply_defaults(c);
	c->set_mask = 0;
	return c;
}

static void kv_free(struct cfg_kv *kv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

static void images_done(struct image_settings *is)
{
	free((void *)is->aliases);
	free((void *)is->registries);
	*is = (struct image_settings){ 0 };
}

/* c->images: views of c's aliases and registries, for core/image. */
static void images_refresh(struct box_config *c)
{
	struct image_alias *a = xcalloc(c->n_aliases + 1, sizeof(*a));
	struct image_registry_settings *r = xcalloc(c->n_registries + 1, sizeof(*r));

	images_done(&c->images);
	for (size_t i = 0; i < c->n_aliases; i++)
		a[i] = (struct image_alias){ c->aliases[i].key, c->aliases[i].value };
	for (size_t i = 0; i < c->n_registries; i++)
		r[i] = (struct image_registry_settings){ c->registries[i].name,
							 c->registries[i].mirror,
							 c->registries[i].insecure };
	c->images =
	    (struct image_settings){ a, c->n_aliases, r, c->n_registries, c->max_layer_size };
}

struct box_config *cfg_free(struct box_config *c)
{
	if (!c)
		return NULL;
	free(c->path);
	free(c->name);
	free(c->image);
	free(c->hostname);
	free(c->home_path);
	strv_free(c->packages);
	strv_free(c->inputs);
	strv_free(c->export_bins);
	strv_free(c->export_apps);
	strv_free(c->run);
	free(c->run_lines);
	strv_free(c->start);
	free(c->start_lines);
	kv_free(c->services, c->n_services);
	strv_free(c->host_init);
	strv_free(c->attach);
	kv_free(c->env, c->n_env);
	kv_free(c->ports, c->n_ports);
	kv_free(c->aliases, c->n_aliases);
	for (size_t i = 0; i < c->n_mounts; i++) {
		free(c->mounts[i].inside);
		free(c->mounts[i].host);
	}
	free(c->mounts);
	for (size_t i = 0; i < c->n_registries; i++) {
		free(c->registries[i].name);
		free(c->registries[i].mirror);
	}
	free(c->registries);
	images_done(&c->images);
	free(c);
	return NULL;
}

void cfg_errors_done(struct cfg_errors *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n; i++)
		free(e->msgs[i]);
	free(e->msgs);
	e->msgs = NULL;
	e->n = 0;
}

static void errors_add(struct cfg_parse *p, char *msg)
{
	p->n_errors++;
	log_debug("config: %s", msg);
	if (!p->errors || p->n_errors > CFG_MAX_ERRORS + 1) {
		free(msg);
		return;
	}
	if (p->n_errors == CFG_MAX_ERRORS + 1) {
		free(msg);
		msg = xasprintf("%s: too many errors, not listing the rest", p->name);
	}
	p->errors->msgs = xrealloc(p->errors->msgs, (p->errors->n + 1) * sizeof(char *));
	p->errors->msgs[p->errors->n++] = msg;
}

void cfg_error(struct cfg_parse *p, const char *fmt, ...)
{
	va_list ap;

	if (!p)
		return;
	va_start(ap, fmt);
	_cleanup_free_ char *m = xvasprintf(fmt, ap);
	va_end(ap);
	_cleanup_free_ char *esc = str_escape(m);
	errors_add(p, xasprintf("%s:%u: %s", p->name, p->line, esc));
}

/* Length of the UTF-8 sequence at s (at most n bytes), 0 when invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* overlong forms, UTF-16 surrogates, beyond U+10FFFF */
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static int check_bytes(struct cfg_parse *p, const char *line, size_t n)
{
	const unsigned char *s = (const unsigned char *)line;

	for (size_t i = 0; i < n;) {
		if (s[i] == '\0') {
			cfg_error(p, "NUL byte at column %zu", i + 1);
			return -EINVAL;
		}
		if ((s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f) {
			cfg_error(p, "control character 0x%02x at column %zu", s[i], i + 1);
			return -EINVAL;
		}
		size_t l = utf8_len(s + i, n - i);
		if (l == 0) {
			cfg_error(p,
				  "invalid UTF-8 (byte 0x%02x) at column %zu; save the file "
				  "as UTF-8",
				  s[i], i + 1);
			return -EINVAL;
		}
		i += l;
	}
	return 0;
}

static const char *section_names[32];
static size_t n_section_names;

static void collect_section_names(void)
{
	if (n_section_names)
		return;
	for (size_t i = 0; i < cfg_schema_len && n_section_names < ARRAY_SIZE(section_names); i++)
		if (cfg_schema[i].type == CT_SECTION)
			section_names[n_section_names++] = cfg_schema[i].section;
}

static int find_section(const char *name)
{
	for (size_t i = 0; i < cfg_schema_len; i++)
		if (cfg_schema[i].type == CT_SECTION && streq(cfg_schema[i].section, name))
			return (int)i;
	return -1;
}

static const char *kind_file(unsigned kinds)
{
	return kinds == CFG_IN_GLOBAL ? "the global config.ini" : "a project's .box.ini";
}

static bool kind_ok(const struct cfg_parse *p, unsigned kinds)
{
	return kinds & (p->kind == CFG_GLOBAL ? CFG_IN_GLOBAL : CFG_IN_PROJECT);
}

static struct cfg_registry *registry_get(struct cfg_parse *p, const char *name)
{
	struct box_config *c = p->c;

	for (size_t i = 0; i < c->n_registries; i++)
		if (streq(c->registries[i].name, name))
			return &c->registries[i];
	if (c->n_registries >= CFG_MAX_REGISTRIES) {
		cfg_error(p, "too many [registry] sections (at most %d)", CFG_MAX_REGISTRIES);
		return NULL;
	}
	c->registries = xrealloc(c->registries, (c->n_registries + 1) * sizeof(*c->registries));
	c->registries[c->n_registries] =
	    (struct cfg_registry){ .name = xstrdup(name), .line = p->line };
	return &c->registries[c->n_registries++];
}

/* [registry "NAME"]: returns the name (in place) or NULL. */
static char *registry_name(char *s)
{
	s += strlen("registry");
	if (!isblank((unsigned char)*s) && *s != '"')
		return NULL;
	s = str_strip(s);
	size_t l = strlen(s);
	if (l < 3 || s[0] != '"' || s[l - 1] != '"')
		return NULL;
	s[l - 1] = '\0';
	s++;
	for (char *t = s; *t; t++)
		if (!isalnum((unsigned char)*t) && !strchr(".-:_[]", *t))
			return NULL;
	return strlen(s) <= 253 ? s : NULL;
}

static void section_unknown(struct cfg_parse *p, const char *name)
{
	collect_section_names();
	const char *near = cfg_nearest(name, section_names, n_section_names);
	if (near)
		cfg_error(p, "unknown section [%s]; did you mean [%s]?", name, near);
	else
		cfg_error(p,
			  "unknown section [%s]; sections are [box], [setup], [env], "
			  "[start], [services], [ports], [mounts], [limits], [registry \"NAME\"], "
			  "[aliases]",
			  name);
}

static void section_enter(struct cfg_parse *p, char *name)
{
	int row;

	free(p->sec_text);
	p->sec_text = xstrdup(name);
	p->sec = -1;
	p->sec_bad = true;
	p->reg = NULL;
	_cleanup_free_ char *copy = xstrdup(name);
	char *reg = NULL;
	if (str_startswith(name, "registry") && (!name[8] || !isalnum((unsigned char)name[8]))) {
		reg = registry_name(copy);
		if (!reg) {
			cfg_error(p,
				  "bad section [%s]: expected [registry \"HOST\"], e.g. "
				  "[registry \"docker.io\"]",
				  name);
			return;
		}
		row = find_section("registry");
	} else {
		row = find_section(name);
	}
	if (row < 0)
		return section_unknown(p, name);
	if (!kind_ok(p, cfg_schema[row].kinds)) {
		cfg_error(p, "section [%s] belongs in %s, not here", name,
			  kind_file(cfg_schema[row].kinds));
		return;
	}
	if (streq(cfg_schema[row].section, "registry")) {
		p->reg = registry_get(p, reg);
		if (!p->reg)
			return;
		free(p->sec_text);
		p->sec_text = xasprintf("registry \"%s\"", reg);
	}
	p->sec = row;
	p->sec_bad = false;
}

static bool is_comment(const char *s)
{
	return *s == '\0' || *s == ';' || *s == '#';
}

static int lex_section(struct cfg_parse *p, char *line)
{
	char *end = strchr(line, ']');
	bool trailing;

	/* keys after a header we cannot read are skipped rather than reported again */
	if (!end) {
		p->sec_bad = true;
		cfg_error(p, "section header is missing its closing ']'");
		return -EINVAL;
	}
	*end = '\0';
	trailing = !is_comment(str_strip(end + 1));
	char *name = str_strip(line + 1);
	if (!*name) {
		p->sec_bad = true;
		cfg_error(p, "empty section name '[]'");
		return -EINVAL;
	}
	if (trailing)
		cfg_error(p, "unexpected text after ']' of [%s]", name);
	section_enter(p, name);
	/* inih sees a plain "[name]" */
	memmove(line + 1, name, strlen(name) + 1);
	strcat(line, "]");
	return 0;
}

static int lex_pair(struct cfg_parse *p, char *line)
{
	char *eq = strchr(line, '=');
	if (!eq) {
		cfg_error(p, "expected 'key = value' or '[section]', got '%s'", line);
		return -EINVAL;
	}
	*eq = '\0';
	char *key = str_strip(line);
	if (!*key) {
		cfg_error(p, "missing key before '='");
		return -EINVAL;
	}
	if (strchr(key, ';')) {
		cfg_error(p, "bad character ';' in key '%s'", key);
		return -EINVAL;
	}
	for (char *s = key; *s; s++)
		if (*s == ':')
			*s = KEY_COLON;
	if (key[0] == '[')
		key[0] = KEY_BRACKET;
	/* rebuild as "key = value" for inih, which strips the value and its comment */
	size_t kl = strlen(key);
	memmove(line, key, kl);
	line[kl] = '=';
	memmove(line + kl + 1, eq + 1, strlen(eq + 1) + 1);
	return 0;
}

/* "[::1]:8080 = 80" is a key, "[box]" a section */
static bool is_section(const char *line)
{
	const char *end = strchr(line, ']');
	if (*line != '[' || !end)
		return *line == '[';
	end += strspn(end + 1, " \t") + 1;
	return *end != ':' && *end != '=';
}

static int lex_line(struct cfg_parse *p, char *line)
{
	if (is_comment(line))
		return 0;
	if (is_section(line))
		return lex_section(p, line);
	return lex_pair(p, line);
}

/* inih's line source: one normalised line per call; bad lines reach inih as blank. */
static char *reader(char *str, int num, void *stream)
{
	struct cfg_parse *p = stream;

	if (p->pos >= p->len || num < 8)
		return NULL;
	const char *s = p->buf + p->pos;
	const char *nl = memchr(s, '\n', p->len - p->pos);
	size_t n = nl ? (size_t)(nl - s) : p->len - p->pos;
	size_t limit = MIN((size_t)CFG_MAX_LINE, (size_t)num - 3);

	p->pos += n + (nl ? 1 : 0);
	p->line++;
	strcpy(str, "\n");
	if (n && s[n - 1] == '\r')
		n--;
	if (p->line == 1 && n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3, n -= 3;
	if (n > limit) {
		cfg_error(p, "line is longer than %zu bytes", limit);
		return str;
	}
	if (check_bytes(p, s, n) < 0)
		return str;
	while (n && isblank((unsigned char)*s))
		s++, n--;
	memcpy(str, s, n);
	str[n] = '\0';
	if (lex_line(p, str) < 0)
		strcpy(str, "\n");
	else
		strcat(str, "\n");
	return str;
}

static const struct cfg_key *find_key(int sec, const char *key)
{
	const char *section = cfg_schema[sec].section;
	const struct cfg_key *any = NULL;

	for (size_t i = 0; i < cfg_schema_len; i++) {
		const struct cfg_key *k = &cfg_schema[i];
		if (k->type == CT_SECTION || !streq(k->section, section))
			continue;
		if (streq(k->key, key))
			return k;
		if (streq(k->key, "*"))
			any = k;
	}
	return any;
}

static void key_unknown(struct cfg_parse *p, const char *key)
{
	const char *section = cfg_schema[p->sec].section;
	const char *cands[32] = { 0 };
	size_t n = 0;
	_cleanup_free_ char *list = NULL;

	for (size_t i = 0; i < cfg_schema_len && n < ARRAY_SIZE(cands); i++)
		if (cfg_schema[i].type != CT_SECTION && streq(cfg_schema[i].section, section)) {
			cands[n++] = cfg_schema[i].key;
			char *l = xasprintf("%s%s%s", list ? list : "", list ? ", " : "",
					    cfg_schema[i].key);
			free(list);
			list = l;
		}
	const char *near = cfg_nearest(key, cands, n);
	if (near)
		return cfg_error(p, "unknown key '%s' in [%s]; did you mean '%s'?", key,
				 p->sec_text, near);
	for (size_t i = 0; i < cfg_schema_len; i++)
		if (cfg_schema[i].key && streq(cfg_schema[i].key, key))
			return cfg_error(p, "unknown key '%s' in [%s]; it belongs in [%s]", key,
					 p->sec_text, cfg_schema[i].section);
	cfg_error(p, "unknown key '%s' in [%s]; known keys: %s", key, p->sec_text, list);
}

static bool seen_check(struct cfg_parse *p, const char *key)
{
	for (size_t i = 0; i < p->n_seen; i++)
		if (streq(p->seen[i].key, key) && streq(p->seen[i].section, p->sec_text)) {
			cfg_error(p, "duplicate '%s' in [%s]: already set on line %u", key,
				  p->sec_text, p->seen[i].line);
			return false;
		}
	p->seen = xrealloc(p->seen, (p->n_seen + 1) * sizeof(*p->seen));
	p->seen[p->n_seen++] = (struct cfg_seen){ xstrdup(p->sec_text), xstrdup(key), p->line };
	return true;
}

static void set_bit(struct cfg_parse *p, const struct cfg_key *k)
{
	size_t idx = (size_t)(k - cfg_schema);
	if (idx < 64 && !k->repeat && !p->reg)
		p->c->set_mask |= 1ULL << idx;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct cfg_parse *p = user;
	_cleanup_free_ char *key = xstrdup(name);

	for (char *s = key; *s; s++)
		if (*s == KEY_COLON)
			*s = ':';
	if (key[0] == KEY_BRACKET)
		key[0] = '[';
	if (p->sec_bad)
		return 1;
	if (p->sec < 0) {
		cfg_error(p, "'%s' is outside any section; put it under one, e.g. [box]", key);
		return 1;
	}
	const struct cfg_key *k = find_key(p->sec, key);
	if (!k) {
		key_unknown(p, key);
		return 1;
	}
	if (!kind_ok(p, k->kinds)) {
		cfg_error(p, "'%s' in [%s] belongs in %s, not here", key, p->sec_text,
			  kind_file(k->kinds));
		return 1;
	}
	if (!*value && k->type != CT_ENV) {
		cfg_error(p, "missing value for '%s' in [%s]", key, p->sec_text);
		return 1;
	}
	/* scalars once per section; list entries once per key (setup lines may repeat) */
	if (k->type != CT_PACKAGES && k->type != CT_RUN && k->type != CT_INPUTS &&
	    k->type != CT_EXPORT && !seen_check(p, key))
		return 1;
	if (cfg_set(p, k, key, value) == 0)
		set_bit(p, k);
	return 1;
}

static void parse_done(struct cfg_parse *p)
{
	for (size_t i = 0; i < p->n_seen; i++) {
		free(p->seen[i].section);
		free(p->seen[i].key);
	}
	free(p->seen);
	free(p->sec_text);
}

int cfg_parse_buffer(const char *buf, size_t len, const char *name, enum cfg_kind kind,
		     struct box_config *c, struct cfg_errors *errors)
{
	struct cfg_parse p = {
		.name = name && *name ? name : "<config>",
		.kind = kind,
		.c = c,
		.errors = errors,
		.buf = buf,
		.len = len,
		.sec = -1,
	};

	if (len > CFG_MAX_FILE) {
		errors_add(&p, xasprintf("%s: file is larger than %d bytes", p.name, CFG_MAX_FILE));
		return -EINVAL;
	}
	/* Debian's inih sizes its line buffer from this at run time. */
	ini_max_line = CFG_MAX_LINE + 3;
	int r = ini_parse_stream(reader, &p, handler, &p);
	if (r > 0 && p.n_errors == 0) {
		p.line = (unsigned)r;
		cfg_error(&p, "syntax error");
	}
	parse_done(&p);
	images_refresh(c);
	free(c->path);
	c->path = xstrdup(name ? name : "");
	return p.n_errors ? -EINVAL : 0;
}

int cfg_parse_file(const char *path, enum cfg_kind kind, struct box_config *c,
		   struct cfg_errors *errors)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_err_ struct box_err *err = NULL;
	size_t len;
	int r = fs_read_file(path, CFG_MAX_FILE, &buf, &len, &err);

	if (r < 0) {
		struct cfg_parse p = { .name = path, .errors = errors };
		_cleanup_free_ char *m = box_err_format(err);
		errors_add(&p, xasprintf("%s: %s", path, m));
		return r;
	}
	return cfg_parse_buffer(buf, len, path, kind, c, errors);
}

int cfg_load_global(struct box_config **ret, struct cfg_errors *errors)
{
	_cleanup_free_ char *path = paths_config_file();
	struct box_config *c = cfg_new();
	int r = 0;

	/* no config.ini means the defaults */
	if (path_exists(path))
		r = cfg_parse_file(path, CFG_GLOBAL, c, errors);
	if (r < 0) {
		cfg_free(c);
		return r;
	}
	free(c->path);
	c->path = TAKE_PTR(path);
	*ret = c;
	return 0;
}

bool cfg_is_set(const struct box_config *c, const char *section, const char *key)
{
	for (size_t i = 0; i < cfg_schema_len && i < 64; i++)
		if (cfg_schema[i].key && streq(cfg_schema[i].section, section) &&
		    streq(cfg_schema[i].key, key))
			return c->set_mask & (1ULL << i);
	return false;
}

const struct cfg_registry *cfg_registry(const struct box_config *c, const char *name)
{
	for (size_t i = 0; c && i < c->n_registries; i++)
		if (streq(c->registries[i].name, name))
			return &c->registries[i];
	return NULL;
}

const char *cfg_alias(const struct box_config *c, const char *name)
{
	return image_alias(cfg_images(c), name);
}

const struct image_settings *cfg_images(const struct box_config *c)
{
	return c ? &c->images : NULL;
}
