/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Usage texts read as data: options from option lines and synopses, continued
 * descriptions, action words, operand kinds, and the line roles man pages use. */
#include "../../core/help/complete.h"
#include "../../core/help/usage.h"
#include "../../core/util/xalloc.h"
#include "tap.h"

static const char text[] =
    "usage: box thing [-q|--quiet] [--format table|json] NAME...\n"
    "       box thing add NAME [--project|--global] [FILE]\n"
    "\n"
    "Does a thing.\n"
    "  box thing add web\n"
    "\n"
    "  -p, --publish SPEC forward a port\n"
    "  --home MODE        host (default), isolated\n"
    "                     or a directory PATH\n"
    "  -f, --force        no questions\n";

static const struct usage_opt *opt(const struct usage_doc *d, const char *name)
{
	for (size_t i = 0; i < d->n_opts; i++)
		if (d->opts[i].long_name && streq(d->opts[i].long_name, name))
			return &d->opts[i];
	return NULL;
}

int main(void)
{
	struct usage_doc *d = usage_parse("thing", text);
	const struct usage_opt *o;

	o = opt(d, "quiet");
	ok(o && o->short_name == 'q' && !o->arg, "[-q|--quiet] is one flag with both names");
	o = opt(d, "format");
	is_str(o ? o->arg : NULL, "table|json", "--format takes table|json from the synopsis");
	ok(opt(d, "project") && opt(d, "global") && !opt(d, "project")->short_name,
	   "[--project|--global] are two options");
	o = opt(d, "publish");
	ok(o && o->short_name == 'p', "-p, --publish from an option line");
	is_str(o ? o->arg : NULL, "SPEC", "its argument, one space after the name");
	is_str(o ? o->desc : NULL, "forward a port", "its description");
	o = opt(d, "home");
	is_str(o ? o->desc : NULL, "host (default), isolated or a directory PATH",
	       "a continued description is joined");
	o = opt(d, "force");
	ok(o && !o->arg && o->short_name == 'f', "a flag's description is not its argument");
	ok(opt(d, "help") != NULL, "--help is there for every command");
	ok(d->actions[0] && streq(d->actions[0], "add") && !d->actions[1], "one action word: add");
	is_int(d->operands, USAGE_OPERAND_SANDBOX | USAGE_OPERAND_FILE, "NAME and FILE operands");
	is_int(d->lines[1].kind, USAGE_LINE_SYNOPSIS, "the second synopsis line");
	is_str(d->lines[1].text, "box thing add NAME [--project|--global] [FILE]",
	       "loses its indent");
	is_int(d->lines[4].kind, USAGE_LINE_PROSE, "an indented example in prose stays prose");
	is_int(d->lines[8].kind, USAGE_LINE_OPTION_MORE, "a deeper line continues an option");
	usage_doc_free(d);

	is_int(usage_kind_of("table|json"), USAGE_WORDS, "a|b is a choice of words");
	is_int(usage_kind_of("[ADDR:]HOSTPORT:PORT[/udp]"), USAGE_FREE, "a port spec is free");
	is_int(usage_kind_of("REF"), USAGE_IMAGE, "REF names an image");
	is_int(usage_kind_of("DIR"), USAGE_FILE, "DIR names a path");

	enum help_shell sh;
	ok(help_shell_parse("zsh", &sh) == 0 && sh == HELP_SHELL_ZSH, "zsh is a shell");
	ok(help_shell_parse("tcsh", &sh) < 0, "tcsh is not one box writes for");
	return tap_done();
}
