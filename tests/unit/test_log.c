/* SPDX-License-Identifier: GPL-2.0-or-later */
/* str_escape: what a file or an image says is shown, never acted on by the terminal. */
#include <stdlib.h>

#include "../../core/util/log.h"
#include "../../core/util/macro.h"
#include "tap.h"

static void is_escaped(const char *in, const char *want, const char *what)
{
	char *got = str_escape(in);
	is_str(got, want, "%s", what);
	free(got);
}

int main(void)
{
	is_escaped("plain ascii", "plain ascii", "ASCII unchanged");
	is_escaped("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82",
		   "UTF-8 letters, symbols and emoji unchanged");
	is_escaped("a\nb\tc\x1b[2J\x7f", "a\\nb\\tc\\x1b[2J\\x7f", "C0 controls and DEL");
	is_escaped("x\xc2\x9b" "31m", "x\\u009b31m", "C1 CSI");
	is_escaped("x\xc2\x85y", "x\\u0085y", "C1 NEL");
	is_escaped("\xe2\x80\xae" "evil" "\xe2\x80\xac", "\\u202eevil\\u202c", "bidi override and pop");
	is_escaped("\xe2\x81\xa6i\xe2\x81\xa9", "\\u2066i\\u2069", "bidi isolates");
	is_escaped("\xe2\x80\x8f\xd8\x9c", "\\u200f\\u061c", "RLM and the Arabic letter mark");
	is_escaped("\x9b" "31m", "\\x9b31m", "a lone C1 byte (not UTF-8)");
	is_escaped("\xc3", "\\xc3", "a truncated sequence");
	is_escaped("\xed\xa0\x80", "\\xed\\xa0\\x80", "an encoded surrogate");
	is_escaped("\xc0\xaf", "\\xc0\\xaf", "an overlong '/'");
	return tap_done();
}
