/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reads a command's usage text (what `box VERB --help` prints) as data. The text keeps
 * a few shapes: a synopsis ("usage: box VERB ...", further "box VERB" lines indented
 * under it), option lines ("  -p, --publish SPEC   what it does", continued by deeper
 * indented lines) and prose. Options are taken from option lines and from the synopsis
 * ("[-q|--quiet]", "[--format table|json]"), never from prose.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "../util/macro.h"
#include "../util/util.h"
#include "../util/xalloc.h"
#include "usage.h"

/* Leading spaces of an option continuation line, at least. */
#define OPTION_MORE_INDENT 8

static size_t indent_of(const char *line)
{
	return strspn(line, " \t");
}

static bool is_option_token(const char *t)
{
	if (t[0] != '-')
		return false;
	if (t[1] == '-')
		return isalpha((unsigned char)t[2]);
	return isalnum((unsigned char)t[1]) && (t[2] == '\0' || t[2] == ',' || t[2] == '|');
}

/* An option's argument: NAME, [ADDR:]PORT, K=V, a|b|c; a lowercase word is prose. */
static bool is_arg_token(const char *t)
{
	if (!*t || t[0] == '-' || streq(t, "|") || streq(t, "..."))
		return false;
	return isupper((unsigned char)t[0]) || t[0] == '[' || strchr(t, '|') != NULL;
}

enum usage_kind usage_kind_of(const char *arg)
{
	static const char *const files[] = { "DIR", "FILE", "PATH", "TARBALL", "ROOTFS" };
	static const char *const images[] = { "IMAGE", "REF" };

	if (!arg)
		return USAGE_FREE;
	for (size_t i = 0; i < ARRAY_SIZE(files); i++)
		if (streq(arg, files[i]))
			return USAGE_FILE;
	for (size_t i = 0; i < ARRAY_SIZE(images); i++)
		if (streq(arg, images[i]))
			return USAGE_IMAGE;
	if (streq(arg, "NAME"))
		return USAGE_SANDBOX;
	if (strchr(arg, '|') && !strpbrk(arg, "[]:=/ ") && islower((unsigned char)arg[0]))
		return USAGE_WORDS;
	return USAGE_FREE;
}

char **usage_arg_words(const char *arg)
{
	if (usage_kind_of(arg) != USAGE_WORDS)
		return NULL;
	_cleanup_free_ char *copy = xstrdup(arg);
	char **v = xcalloc(1, sizeof(*v)), *save = NULL;
	for (char *w = strtok_r(copy, "|", &save); w; w = strtok_r(NULL, "|", &save))
		strv_push(&v, xstrdup(w));
	return v;
}

static struct usage_opt *find_opt(struct usage_doc *d, char short_name, const char *long_name)
{
	for (size_t i = 0; i < d->n_opts; i++) {
		struct usage_opt *o = &d->opts[i];
		if ((short_name && o->short_name == short_name) ||
		    (long_name && o->long_name && streq(o->long_name, long_name)))
			return o;
	}
	return NULL;
}

/* Record an option, or fill in what an earlier mention of it lacked. */
static struct usage_opt *add_opt(struct usage_doc *d, char short_name, const char *long_name,
				 const char *arg, const char *desc)
{
	struct usage_opt *o = find_opt(d, short_name, long_name);
	if (!o) {
		d->opts = xrealloc(d->opts, (d->n_opts + 1) * sizeof(*d->opts));
		o = &d->opts[d->n_opts++];
		*o = (struct usage_opt){ 0 };
	}
	if (!o->short_name)
		o->short_name = short_name;
	if (!o->long_name && long_name)
		o->long_name = xstrdup(long_name);
	if (!o->arg && arg)
		o->arg = xstrdup(arg);
	if (!o->desc && desc && *desc)
		o->desc = xstrdup(desc);
	return o;
}

/* The next word of *p (up to a space, or one of stop), NUL-terminated; *p moves past it. */
static char *next_word(char **p, const char *stop)
{
	char *w = *p;
	size_t n = strcspn(w, stop);
	char sep = w[n];

	w[n] = '\0';
	*p = sep ? w + n + 1 : w + n;
	if (sep == ',')
		*p += strspn(*p, " ");
	return w;
}

/*
 * "-p, --publish SPEC   forward a port": names (comma-separated), an argument one space
 * after the last name (or --name=ARG), then, after more spaces, the description.
 */
static struct usage_opt *parse_option_line(struct usage_doc *d, const char *line)
{
	_cleanup_free_ char *copy = xstrdup(line + indent_of(line));
	char *p = copy, short_name = 0, *arg = NULL;
	const char *long_name = NULL;

	while (*p == '-') {
		bool more = p[strcspn(p, " ,")] == ',';
		char *w = next_word(&p, more ? "," : " ");
		char *eq = strchr(w, '=');
		if (eq) {
			*eq = '\0';
			arg = eq + 1;
		}
		if (w[1] == '-')
			long_name = w + 2;
		else
			short_name = w[1];
		if (!more)
			break;
	}
	if (!arg && *p && *p != ' ') {
		size_t n = strcspn(p, " ");
		char saved = p[n];
		p[n] = '\0';
		if (is_arg_token(p)) {
			arg = p;
			p += saved ? n + 1 : n;
		} else {
			p[n] = saved;
		}
	}
	return add_opt(d, short_name, long_name, arg, str_strip(p));
}

/* "[-q|--quiet]", "--format", "[--project|--global]": one option, or several. */
static void add_opt_group(struct usage_doc *d, char *group, const char *arg)
{
	char *parts[4], *save = NULL;
	size_t n = 0;

	for (char *w = strtok_r(group, "|", &save); w && n < ARRAY_SIZE(parts);
	     w = strtok_r(NULL, "|", &save)) {
		if (!is_option_token(w))
			return;
		parts[n++] = w;
	}
	if (n == 2 && (parts[0][1] == '-') != (parts[1][1] == '-')) {
		char *s = parts[0][1] == '-' ? parts[1] : parts[0];
		char *l = parts[0][1] == '-' ? parts[0] : parts[1];
		add_opt(d, s[1], l + 2, arg, NULL);
		return;
	}
	for (size_t i = 0; i < n; i++)
		add_opt(d, parts[i][1] == '-' ? 0 : parts[i][1],
			parts[i][1] == '-' ? parts[i] + 2 : NULL, i == n - 1 ? arg : NULL, NULL);
}

/* A word without its brackets and trailing dots: "[NAME...]" is NAME. */
static char *strip_word(char *w)
{
	w += strspn(w, "[(");
	size_t n = strlen(w);
	while (n && strchr("]).", w[n - 1]))
		w[--n] = '\0';
	return w;
}

static void add_operand(struct usage_doc *d, char *word)
{
	char *save = NULL;
	for (char *w = strtok_r(word, "|", &save); w; w = strtok_r(NULL, "|", &save)) {
		switch (usage_kind_of(w)) {
		case USAGE_SANDBOX:
			d->operands |= USAGE_OPERAND_SANDBOX;
			break;
		case USAGE_IMAGE:
			d->operands |= USAGE_OPERAND_IMAGE;
			break;
		case USAGE_FILE:
			d->operands |= USAGE_OPERAND_FILE;
			break;
		case USAGE_FREE:
		case USAGE_WORDS:
			break;
		}
	}
}

static bool has_word(char *const *v, const char *w)
{
	for (; v && *v; v++)
		if (streq(*v, w))
			return true;
	return false;
}

static bool is_action_word(const char *w)
{
	return islower((unsigned char)w[0]) &&
	       strspn(w, "abcdefghijklmnopqrstuvwxyz-") == strlen(w);
}

/* "box VERB [action] [options and operands]", up to an inline description after two spaces. */
static void parse_synopsis(struct usage_doc *d, const char *verb, const char *text)
{
	_cleanup_free_ char *copy = xstrdup(text);
	char *end = strstr(copy, "  "), *save = NULL, *words[64] = { 0 };
	size_t n = 0;

	if (end)
		*end = '\0';
	for (char *w = strtok_r(copy, " ", &save); w && n < ARRAY_SIZE(words);
	     w = strtok_r(NULL, " ", &save))
		words[n++] = w;
	size_t i = n && streq(words[0], "box") ? 1 : 0;
	if (verb && i < n && streq(words[i], verb))
		i++;
	/* "box port add ...", "box completion bash|zsh|fish": words to type as they are. */
	if (verb && i < n && (is_action_word(words[i]) || usage_kind_of(words[i]) == USAGE_WORDS)) {
		_cleanup_(strv_freep) char **v = usage_arg_words(words[i]);
		if (!v)
			strv_push(&v, xstrdup(words[i]));
		for (char **w = v; *w; w++)
			if (!has_word(d->actions, *w))
				strv_push(&d->actions, xstrdup(*w));
		i++;
	}
	for (; i < n; i++) {
		char last = words[i][strlen(words[i]) - 1];
		char *w = strip_word(words[i]);
		if (*w != '-') {
			add_operand(d, w);
			continue;
		}
		char *arg = NULL;
		if (last != ']' && last != ')' && i + 1 < n) {
			_cleanup_free_ char *next = xstrdup(words[i + 1]);
			if (is_arg_token(strip_word(next)))
				arg = words[++i];
		}
		add_opt_group(d, w, arg ? strip_word(arg) : NULL);
	}
}

static bool is_option_line(const char *line)
{
	const char *p = line + indent_of(line);
	size_t n = strcspn(p, " ,=");
	_cleanup_free_ char *w = xstrndup(p, n);
	return p != line && is_option_token(w);
}

static enum usage_line_kind classify(const char *line, enum usage_line_kind prev)
{
	size_t ind = indent_of(line);

	if (!line[ind])
		return USAGE_LINE_BLANK;
	if (is_option_line(line))
		return USAGE_LINE_OPTION;
	if (prev == USAGE_LINE_SYNOPSIS && ind > 0)
		return USAGE_LINE_SYNOPSIS;
	if ((prev == USAGE_LINE_OPTION || prev == USAGE_LINE_OPTION_MORE) &&
	    ind >= OPTION_MORE_INDENT)
		return USAGE_LINE_OPTION_MORE;
	return USAGE_LINE_PROSE;
}

static void append_desc(struct usage_opt *o, const char *line)
{
	_cleanup_free_ char *old = o->desc;
	o->desc =
	    old ? xasprintf("%s %s", old, line + indent_of(line)) : xstrdup(line + indent_of(line));
}

static void add_line(struct usage_doc *d, enum usage_line_kind kind, const char *text)
{
	d->lines = xrealloc(d->lines, (d->n_lines + 1) * sizeof(*d->lines));
	d->lines[d->n_lines++] = (struct usage_line){ .kind = kind, .text = xstrdup(text) };
}

struct usage_doc *usage_parse(const char *verb, const char *text)
{
	struct usage_doc *d = xzalloc(sizeof(*d));
	_cleanup_free_ char *copy = xstrdup(text ? text : "");
	enum usage_line_kind prev = USAGE_LINE_BLANK;
	struct usage_opt *last = NULL;
	char *rest = copy, *line;

	d->actions = xcalloc(1, sizeof(*d->actions));
	while ((line = strsep(&rest, "\n"))) {
		enum usage_line_kind kind = classify(line, prev);
		const char *body = line;
		if (d->n_lines == 0 && str_startswith(line, "usage: ")) {
			kind = USAGE_LINE_SYNOPSIS;
			body = line + strlen("usage: ");
		}
		/* "box ..." lines lose their indent; a continued description keeps it. */
		if (kind == USAGE_LINE_SYNOPSIS && str_startswith(body + indent_of(body), "box ")) {
			body += indent_of(body);
			parse_synopsis(d, verb, body);
		}
		if (kind == USAGE_LINE_OPTION)
			last = parse_option_line(d, line);
		if (kind == USAGE_LINE_OPTION_MORE && last)
			append_desc(last, line);
		add_line(d, kind, body);
		prev = kind;
	}
	/* main handles --help and -h for every command (cmd_wants_help). */
	if (verb)
		add_opt(d, 'h', "help", NULL, "print this help and exit");
	return d;
}

struct usage_doc *usage_doc_free(struct usage_doc *d)
{
	if (!d)
		return NULL;
	for (size_t i = 0; i < d->n_lines; i++)
		free(d->lines[i].text);
	for (size_t i = 0; i < d->n_opts; i++) {
		free(d->opts[i].long_name);
		free(d->opts[i].arg);
		free(d->opts[i].desc);
	}
	free(d->lines);
	free(d->opts);
	strv_free(d->actions);
	free(d);
	return NULL;
}
