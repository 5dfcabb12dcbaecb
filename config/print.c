/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Output driven by the schema table: the documentation of every section and key
 * (`box config schema`) and an effective configuration written back as an ini file
 * (`box config show`). The caller owns the stream; nothing here decides exit codes.
 */
#include <inttypes.h>
#include <string.h>

#include "../core/util/xalloc.h"
#include "schema.h"

/* Print text wrapped at 80 columns, each line indented by `indent` spaces. */
static void wrap(FILE *f, const char *text, int indent)
{
	const int width = 80 - indent;
	const char *s = text;

	while (*s) {
		int n = (int)strlen(s);
		if (n > width) {
			n = width;
			while (n > 0 && s[n] != ' ')
				n--;
			if (n == 0)
				n = width;
		}
		fprintf(f, "%*s%.*s\n", indent, "", n, s);
		s += n;
		while (*s == ' ')
			s++;
	}
}

static const char *type_syntax(const struct cfg_key *k, char *buf, size_t len)
{
	if (k->syntax)
		return k->syntax;
	buf[0] = '\0';
	for (size_t i = 0; k->allowed && k->allowed[i]; i++) {
		size_t l = strlen(buf);
		snprintf(buf + l, len - l, "%s%s", i ? "|" : "", k->allowed[i]);
	}
	return buf;
}

static void print_key(FILE *f, const struct cfg_key *k)
{
	char buf[128];
	const char *syntax = type_syntax(k, buf, sizeof(buf));
	_cleanup_free_ char *left =
	    streq(k->key, "*") ? xstrdup(syntax) : xasprintf("%s = %s", k->key, syntax);

	fprintf(f, "  %s", left);
	if (k->def)
		fprintf(f, "%*s(default: %s)", (int)(strlen(left) < 36 ? 36 - strlen(left) : 1), "",
			k->def);
	if (k->repeat && !streq(k->key, "*"))
		fprintf(f, "%*s(may repeat)", (int)(strlen(left) < 36 ? 36 - strlen(left) : 1), "");
	fputc('\n', f);
	wrap(f, k->help, 6);
}

void cfg_print_schema(FILE *f, enum cfg_kind kind)
{
	unsigned want = kind == CFG_GLOBAL ? CFG_IN_GLOBAL : CFG_IN_PROJECT;
	bool in_section = false;

	if (kind == CFG_GLOBAL)
		fprintf(f, "# Global settings: $XDG_CONFIG_HOME/box/config.ini "
			   "(see --project for .box.ini)\n");
	else
		fprintf(f, "# A project's .box.ini (box enter finds the nearest one upwards)\n");
	for (size_t i = 0; i < cfg_schema_len; i++) {
		const struct cfg_key *k = &cfg_schema[i];
		if (k->type == CT_SECTION) {
			in_section = k->kinds & want;
			if (!in_section)
				continue;
			fprintf(f, "\n[%s]\n", k->syntax ? k->syntax : k->section);
			wrap(f, k->help, 2);
			fputc('\n', f);
		} else if (in_section && (k->kinds & want)) {
			print_key(f, k);
		}
	}
}

static void write_value(FILE *f, const struct cfg_key *k, const void *base)
{
	const char *field = (const char *)base + k->offset;

	switch (k->type) {
	case CT_NAME:
	case CT_IMAGE:
	case CT_HOSTNAME:
	case CT_URL:
		if (*(char *const *)field)
			fprintf(f, "%s = %s\n", k->key, *(char *const *)field);
		break;
	case CT_ENUM:
		fprintf(f, "%s = %s\n", k->key, k->allowed[*(const int *)field]);
		break;
	case CT_FLAG:
		fprintf(f, "%s = %s\n", k->key, k->allowed[*(const bool *)field ? 0 : 1]);
		break;
	case CT_BOOL:
		fprintf(f, "%s = %s\n", k->key, *(const bool *)field ? "yes" : "no");
		break;
	case CT_U32:
		fprintf(f, "%s = %" PRIu32 "\n", k->key, *(const uint32_t *)field);
		break;
	case CT_DECIMAL: {
		double d;
		memcpy(&d, field, sizeof(d));
		if (d > 0)
			fprintf(f, "%s = %g\n", k->key, d);
		break;
	}
	case CT_SIZE:
	case CT_COUNT:
		if (*(const uint64_t *)field)
			fprintf(f, "%s = %" PRIu64 "\n", k->key, *(const uint64_t *)field);
		break;
	case CT_SECTION:
	case CT_HOME:
	case CT_PACKAGES:
	case CT_RUN:
	case CT_INPUTS:
	case CT_EXPORT:
	case CT_ENV:
	case CT_PORT:
	case CT_MOUNT:
	case CT_ALIAS:
	case CT_SERVICE:
		break;
	}
}

static void write_kv(FILE *f, const struct cfg_kv *kv, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s = %s\n", kv[i].key, kv[i].value);
}

static void write_list(FILE *f, const struct cfg_key *k, const struct box_config *c)
{
	switch (k->type) {
	case CT_HOME:
		fprintf(f, "home = %s\n",
			c->home == CFG_HOME_PATH ? c->home_path : k->allowed[c->home]);
		break;
	case CT_PACKAGES:
		if (c->packages) {
			fprintf(f, "packages =");
			for (char **p = c->packages; *p; p++)
				fprintf(f, " %s", *p);
			fputc('\n', f);
		}
		break;
	case CT_INPUTS:
		for (char **p = c->inputs; p && *p; p++)
			fprintf(f, "inputs = %s\n", *p);
		break;
	case CT_EXPORT:
		for (char **p = streq(k->key, "bins") ? c->export_bins : c->export_apps; p && *p;
		     p++)
			fprintf(f, "%s = %s\n", k->key, *p);
		break;
	case CT_RUN:
		for (char **p = streq(k->section, "start") ? c->start : c->run; p && *p; p++)
			fprintf(f, "run = %s\n", *p);
		break;
	case CT_SERVICE:
		write_kv(f, c->services, c->n_services);
		break;
	case CT_ENV:
		write_kv(f, c->env, c->n_env);
		break;
	case CT_PORT:
		write_kv(f, c->ports, c->n_ports);
		break;
	case CT_ALIAS:
		write_kv(f, c->aliases, c->n_aliases);
		break;
	case CT_MOUNT:
		for (size_t i = 0; i < c->n_mounts; i++)
			fprintf(f, "%s = %s%s\n", c->mounts[i].inside, c->mounts[i].host,
				c->mounts[i].readonly ? ":ro" : "");
		break;
	case CT_SECTION:
	case CT_NAME:
	case CT_IMAGE:
	case CT_HOSTNAME:
	case CT_ENUM:
	case CT_FLAG:
	case CT_BOOL:
	case CT_U32:
	case CT_DECIMAL:
	case CT_SIZE:
	case CT_COUNT:
	case CT_URL:
		write_value(f, k, c);
		break;
	}
}

static void write_registries(FILE *f, const struct box_config *c, size_t first)
{
	for (size_t r = 0; r < c->n_registries; r++) {
		fprintf(f, "\n[registry \"%s\"]\n", c->registries[r].name);
		for (size_t i = first + 1; i < cfg_schema_len && cfg_schema[i].type != CT_SECTION;
		     i++)
			write_value(f, &cfg_schema[i], &c->registries[r]);
	}
}

void cfg_write(FILE *f, const struct box_config *c, enum cfg_kind kind)
{
	unsigned want = kind == CFG_GLOBAL ? CFG_IN_GLOBAL : CFG_IN_PROJECT;
	bool in_section = false;

	fprintf(f, "# effective configuration%s%s\n", c->path && *c->path ? " from " : "",
		c->path ? c->path : "");
	for (size_t i = 0; i < cfg_schema_len; i++) {
		const struct cfg_key *k = &cfg_schema[i];
		if (k->type == CT_SECTION) {
			in_section = (k->kinds & want) && !streq(k->section, "registry");
			if (streq(k->section, "registry") && (k->kinds & want))
				write_registries(f, c, i);
			else if (in_section)
				fprintf(f, "\n[%s]\n", k->section);
		} else if (in_section && (k->kinds & want)) {
			write_list(f, k, c);
		}
	}
}
