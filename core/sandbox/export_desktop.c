/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The host's copy of an application's .desktop file (the Desktop Entry
 * Specification's key=value lines in [groups]): pure text in, text out, so the unit
 * tests and a fuzz replay can feed it whatever an image ships.
 */
#include <string.h>

#include "../util/util.h"
#include "../util/xalloc.h"
#include "export.h"

#define DESKTOP_GROUP "[Desktop Entry]"

bool export_name_safe(const char *name)
{
	if (!name || !*name || streq(name, ".") || streq(name, "..") || strlen(name) > 200)
		return false;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("._+-@", *p)))
			return false;
	return true;
}

/* The key of a "Key[locale]=value" line, its length without the locale. */
static size_t line_key(const char *line, size_t len, const char **ret_value)
{
	const char *eq = memchr(line, '=', len);
	if (!eq || *line == '#' || *line == '[')
		return 0;
	size_t k = (size_t)(eq - line);
	while (k > 0 && line[k - 1] == ' ')
		k--;
	*ret_value = eq + 1;
	while (**ret_value == ' ')
		(*ret_value)++;
	const char *br = memchr(line, '[', k);
	return br ? (size_t)(br - line) : k;
}

static bool key_is(const char *line, size_t klen, const char *key)
{
	return klen == strlen(key) && strncmp(line, key, klen) == 0;
}

char *desktop_get(const char *text, const char *key)
{
	bool in_entry = false;

	for (const char *l = text; l && *l;) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		const char *v = NULL;
		if (*l == '[')
			in_entry = len == strlen(DESKTOP_GROUP) && !strncmp(l, DESKTOP_GROUP, len);
		size_t k = in_entry ? line_key(l, len, &v) : 0;
		/* Unlocalised only: "Name=" and not "Name[de]=". */
		if (k && key_is(l, k, key) && l[k] != '[')
			return xstrndup(v, len - (size_t)(v - l));
		l = nl ? nl + 1 : NULL;
	}
	return NULL;
}

/* The box binary as one Exec= argument (quoted when it has to be; the spec's
 * escapes inside quotes, then the string escape of the backslash). */
static char *exec_arg(const char *s)
{
	if (strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._+-") ==
	    strlen(s))
		return xstrdup(s);
	char *out = xmalloc(strlen(s) * 3 + 3), *o = out;
	*o++ = '"';
	for (const char *p = s; *p; p++) {
		if (strchr("\"`$\\", *p)) {
			*o++ = '\\';
			*o++ = '\\';
		}
		*o++ = *p;
	}
	*o++ = '"';
	*o = '\0';
	return out;
}

static void append(char **out, size_t *len, const char *s, size_t n)
{
	*out = xrealloc(*out, *len + n + 1);
	memcpy(*out + *len, s, n);
	*len += n;
	(*out)[*len] = '\0';
}

/* One line of the copy: appended as it is, changed, or dropped. */
static void rewrite_line(char **out, size_t *len, const char *l, size_t n, const char *sandbox,
			 const char *exec, const char *icon)
{
	const char *v = NULL;
	size_t k = line_key(l, n, &v);
	size_t vl = v ? n - (size_t)(v - l) : 0;
	_cleanup_free_ char *line = NULL;

	if (k && (key_is(l, k, "TryExec") || key_is(l, k, "DBusActivatable") ||
		  key_is(l, k, "X-Box-Export")))
		return;
	if (k && key_is(l, k, "Exec"))
		line =
		    xasprintf("%.*s%s run %s -- %.*s", (int)(v - l), l, exec, sandbox, (int)vl, v);
	else if (k && key_is(l, k, "Name"))
		line = xasprintf("%.*s (on %s)", (int)n, l, sandbox);
	else if (k && icon && key_is(l, k, "Icon") && l[k] != '[')
		line = xasprintf("Icon=%s", icon);
	if (line)
		append(out, len, line, strlen(line));
	else
		append(out, len, l, n);
	append(out, len, "\n", 1);
}

char *desktop_rewrite(const char *text, const char *sandbox, const char *box_path, const char *icon)
{
	_cleanup_free_ char *exec = exec_arg(box_path);
	char *out = xstrdup("");
	size_t len = 0;
	bool in_entry = false;

	for (const char *l = text; l && *l;) {
		const char *nl = strchr(l, '\n');
		size_t n = nl ? (size_t)(nl - l) : strlen(l);
		if (n && l[n - 1] == '\r')
			n--;
		if (*l == '[') {
			in_entry = n == strlen(DESKTOP_GROUP) && !strncmp(l, DESKTOP_GROUP, n);
			append(&out, &len, l, n);
			append(&out, &len, "\n", 1);
			if (in_entry) {
				_cleanup_free_ char *m = xasprintf("X-Box-Export=%s\n", sandbox);
				append(&out, &len, m, strlen(m));
			}
		} else {
			/* Actions' Exec= and Name= too, so every launcher path goes through box. */
			rewrite_line(&out, &len, l, n, sandbox, exec, in_entry ? icon : NULL);
		}
		l = nl ? nl + 1 : NULL;
	}
	return out;
}
