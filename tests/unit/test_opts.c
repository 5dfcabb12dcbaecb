/* SPDX-License-Identifier: GPL-2.0-or-later */
/* opts_next: one option parser for every command (permutation, --, values, errors). */
#include <string.h>

#include "../../core/util/opts.h"
#include "tap.h"

static const struct option longs[] = {
	{ "force", no_argument, NULL, 'f' },	     { "all", no_argument, NULL, 'a' },
	{ "time", required_argument, NULL, 't' },    { "format", required_argument, NULL, 0x200 },
	{ "network", required_argument, NULL, 'n' }, { NULL, 0, NULL, 0 },
};

/* Parse argv (NULL-terminated, argv[0] the command) and describe what came out:
 * "f a t=5 | NAME OTHER" with "-- " before the operands that followed "--",
 * or "error: ..." */
static const char *parse(unsigned flags, char **argv)
{
	static char out[512];
	struct opts o;
	int argc = 0, c;

	while (argv[argc])
		argc++;
	out[0] = '\0';
	opts_init(&o, argc, argv, "fat:n:", longs, flags);
	while ((c = opts_next(&o)) != OPTS_END) {
		if (c == OPTS_ERROR) {
			snprintf(out, sizeof(out), "error: %s", o.error);
			return out;
		}
		size_t n = strlen(out);
		if (c == 0x200)
			snprintf(out + n, sizeof(out) - n, "format=%s ", o.arg);
		else if (o.arg)
			snprintf(out + n, sizeof(out) - n, "%c=%s ", c, o.arg);
		else
			snprintf(out + n, sizeof(out) - n, "%c ", c);
	}
	strcat(out, "|");
	for (int i = 0; i < o.nargs; i++) {
		if (i == o.ndash)
			strcat(out, " --");
		strcat(out, " ");
		strcat(out, o.args[i]);
	}
	if (o.args[o.nargs] != NULL)
		strcat(out, " (not NULL-terminated)");
	return out;
}

#define ARGV(...) ((char *[]){ "cmd", __VA_ARGS__, NULL })

int main(void)
{
	is_str(parse(0, ARGV("NAME", "-f")), "f | NAME", "an option after the operand");
	is_str(parse(0, ARGV("-af", "A", "B")), "a f | A B", "combined short flags");
	is_str(parse(0, ARGV("A", "--time=5", "B", "--time", "6")), "t=5 t=6 | A B",
	       "--opt=value and --opt value");
	is_str(parse(0, ARGV("-t5", "-t", "6", "-ft7")), "t=5 t=6 f t=7 |",
	       "-ovalue, -o value, and a value at the end of a group");
	is_str(parse(0, ARGV("--forc", "--form", "x")), "f format=x |", "unique prefixes");
	is_str(parse(0, ARGV("--fo")), "error: ambiguous option '--fo'", "an ambiguous prefix");
	is_str(parse(0, ARGV("A", "--x")), "error: unknown option '--x'", "an unknown long option");
	is_str(parse(0, ARGV("-fz")), "error: unknown option '-z'",
	       "an unknown short flag in a group");
	is_str(parse(0, ARGV("--time")), "error: option '--time' needs a value",
	       "a long option without its value");
	is_str(parse(0, ARGV("-t")), "error: option '-t' needs a value",
	       "a short option without its value");
	is_str(parse(0, ARGV("--force=yes")), "error: option '--force' takes no value",
	       "a value given to a flag");
	is_str(parse(0, ARGV("A", "--", "-f", "--x", "B")), "| A -- -f --x B",
	       "everything after -- is an operand");
	is_str(parse(0, ARGV("-", "-f")), "f | -", "a lone - is an operand");
	is_str(parse(0, ARGV("--time", "--", "A")), "t=-- | A", "a value may look like --");
	is_str(parse(OPTS_STOP, ARGV("-f", "NAME", "-a", "--", "x")), "f | NAME -a -- x",
	       "OPTS_STOP: the first operand ends the options, the rest untouched");
	is_str(parse(OPTS_STOP, ARGV("-f", "--", "ls", "-l")), "f | -- ls -l",
	       "OPTS_STOP: -- before the command line");
	is_str(parse(0, ARGV("-n", "slirp", "X", "--network=host")), "n=slirp n=host | X",
	       "a later option repeats");
	is_str(parse(0, (char *[]){ "cmd", NULL }), "|", "no arguments");
	return tap_done();
}
