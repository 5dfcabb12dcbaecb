/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one option parser of box's commands (see opts.h). */
#include <stdio.h>
#include <string.h>

#include "opts.h"

static void (*observer)(const struct opts *o);

void opts_set_observer(void (*fn)(const struct opts *o))
{
	observer = fn;
}

void opts_init(struct opts *o, int argc, char **argv, const char *shorts,
	       const struct option *longs, unsigned flags)
{
	static const struct option none[] = { { NULL, 0, NULL, 0 } };

	*o = (struct opts){ .name = argc > 0 ? argv[0] : "",
			    .shorts = shorts ? shorts : "",
			    .longs = longs ? longs : none,
			    .flags = flags,
			    .argc = argc,
			    .argv = argv,
			    .i = 1,
			    .nargs = 0 };
	if (observer)
		observer(o);
}

/* o->error = "<what> '<dash><name>'<tail>" */
static int fail(struct opts *o, const char *what, const char *dash, const char *name, int len,
		const char *tail)
{
	snprintf(o->error, sizeof(o->error), "%s '%s%.*s'%s", what, dash, len, name, tail);
	return OPTS_ERROR;
}

/* The operands from argv[o->i] on join the ones gathered so far, and the parse ends. */
static int finish(struct opts *o, bool after_dashdash)
{
	o->ndash = o->nargs;
	for (; o->i < o->argc; o->i++)
		o->argv[1 + o->nargs++] = o->argv[o->i];
	if (!after_dashdash)
		o->ndash = o->nargs;
	o->args = o->argv + 1;
	o->args[o->nargs] = NULL;
	return OPTS_END;
}

/* A long option, exact or a unique prefix; NULL with o->error set otherwise. */
static const struct option *find_long(struct opts *o, const char *name, size_t len)
{
	const struct option *hit = NULL;
	int n = 0;

	for (const struct option *l = o->longs; l->name; l++) {
		if (strncmp(l->name, name, len) != 0)
			continue;
		if (strlen(l->name) == len)
			return l;
		if (!hit || hit->val != l->val)
			n++;
		hit = l;
	}
	if (n == 1)
		return hit;
	fail(o, n ? "ambiguous option" : "unknown option", "--", name, (int)len, "");
	return NULL;
}

static int long_option(struct opts *o, const char *s)
{
	const char *eq = strchr(s, '=');
	size_t len = eq ? (size_t)(eq - s) : strlen(s);
	const struct option *l = find_long(o, s, len);

	if (!l)
		return OPTS_ERROR;
	if (l->has_arg == no_argument) {
		if (eq)
			return fail(o, "option", "--", l->name, (int)strlen(l->name),
				    " takes no value");
		return l->val;
	}
	if (eq)
		o->arg = eq + 1;
	else if (l->has_arg == required_argument && o->i < o->argc)
		o->arg = o->argv[o->i++];
	else if (l->has_arg == required_argument)
		return fail(o, "option", "--", l->name, (int)strlen(l->name), " needs a value");
	return l->val;
}

static int short_option(struct opts *o)
{
	char c = *o->cluster++;
	const char *p = c == ':' ? NULL : strchr(o->shorts, c);

	if (!p)
		return fail(o, "unknown option", "-", o->cluster - 1, 1, "");
	if (p[1] != ':')
		return (unsigned char)c;
	if (*o->cluster)
		o->arg = o->cluster;
	else if (o->i < o->argc)
		o->arg = o->argv[o->i++];
	else
		return fail(o, "option", "-", o->cluster - 1, 1, " needs a value");
	o->cluster = "";
	return (unsigned char)c;
}

int opts_next(struct opts *o)
{
	o->arg = NULL;
	if (o->cluster && *o->cluster)
		return short_option(o);
	for (;;) {
		if (o->i >= o->argc)
			return finish(o, false);
		const char *s = o->argv[o->i];
		if (strcmp(s, "--") == 0) {
			o->i++;
			o->dashdash = true;
			return finish(o, true);
		}
		if (s[0] == '-' && s[1] == '-') {
			o->i++;
			return long_option(o, s + 2);
		}
		if (s[0] == '-' && s[1]) {
			o->i++;
			o->cluster = s + 1;
			return short_option(o);
		}
		if (o->flags & OPTS_STOP)
			return finish(o, false);
		/* An operand: gathered at the front; every slot before o->i is read already. */
		o->argv[1 + o->nargs++] = o->argv[o->i++];
	}
}
