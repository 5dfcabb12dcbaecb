/* SPDX-License-Identifier: GPL-2.0-or-later */
/* str_escape: what a file or an image says is shown, never acted on by the terminal. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../core/util/log.h"
#include "../../core/util/macro.h"
#include "tap.h"

static void is_escaped(const char *in, const char *want, const char *what)
{
	char *got = str_escape(in);
	is_str(got, want, "%s", what);
	free(got);
}

/* What the sink writes to stderr while fn runs (stderr is a temporary file meanwhile). */
static char *captured(void (*fn)(void))
{
	static char buf[512];
	FILE *tmp = tmpfile();
	int saved = dup(STDERR_FILENO);

	fflush(stderr);
	dup2(fileno(tmp), STDERR_FILENO);
	fn();
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(tmp);
	size_t n = fread(buf, 1, sizeof(buf) - 1, tmp);
	buf[n] = '\0';
	fclose(tmp);
	return buf;
}

static void say_progress(void)
{
	log_out("Copying blob %.12s done\n", "0123456789abcdef");
}

static void say_child_error(void)
{
	log_child_error("cannot run '%s': %s", "x", "No such file");
}

static void test_sink(void)
{
	is_str(captured(say_progress), "Copying blob 0123456789ab done\n",
	       "log_out writes progress as formatted");
	log_out_setup(LOG_OUT_PLAIN);
	is_int(log_out_tty(), 0, "plain: progress never redraws, even on a terminal");
	log_out_setup(LOG_OUT_QUIET);
	is_str(captured(say_progress), "", "quiet: no progress");
	is_str(captured(say_child_error), "box: cannot run 'x': No such file\n",
	       "a child's error is one box: line, even when quiet");
	log_out_setup(0);
}

int main(void)
{
	test_sink();
	is_escaped("plain ascii", "plain ascii", "ASCII unchanged");
	is_escaped("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82",
		   "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82",
		   "UTF-8 letters, symbols and emoji unchanged");
	is_escaped("a\nb\tc\x1b[2J\x7f", "a\\nb\\tc\\x1b[2J\\x7f", "C0 controls and DEL");
	is_escaped("x\xc2\x9b"
		   "31m",
		   "x\\u009b31m", "C1 CSI");
	is_escaped("x\xc2\x85y", "x\\u0085y", "C1 NEL");
	is_escaped("\xe2\x80\xae"
		   "evil"
		   "\xe2\x80\xac",
		   "\\u202eevil\\u202c", "bidi override and pop");
	is_escaped("\xe2\x81\xa6i\xe2\x81\xa9", "\\u2066i\\u2069", "bidi isolates");
	is_escaped("\xe2\x80\x8f\xd8\x9c", "\\u200f\\u061c", "RLM and the Arabic letter mark");
	is_escaped("\x9b"
		   "31m",
		   "\\x9b31m", "a lone C1 byte (not UTF-8)");
	is_escaped("\xc3", "\\xc3", "a truncated sequence");
	is_escaped("\xed\xa0\x80", "\\xed\\xa0\\x80", "an encoded surrogate");
	is_escaped("\xc0\xaf", "\\xc0\\xaf", "an overlong '/'");
	return tap_done();
}
