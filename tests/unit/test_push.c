/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A registry's refusal as box push reports it (core/image/push.c). */
#include <stdlib.h>

#include "../../core/image/push.h"
#include "tap.h"

int main(void)
{
	char *s = push_error_text("{\"errors\":[{\"code\":\"DENIED\",\"message\":\"no\"}]}");
	is_str(s, "DENIED: no", "an error document gives its code and message");
	free(s);
	s = push_error_text("Method not allowed\nmore");
	is_str(s, "Method not allowed", "a plain-text body gives its first line");
	free(s);
	s = push_error_text("bad\x1b[31m");
	is_str(s, "bad?[31m", "control characters are not passed to the terminal");
	free(s);
	ok(push_error_text("") == NULL && push_error_text(NULL) == NULL, "no body, no text");
	ok(push_error_text("{\"x\":1}") == NULL, "a JSON body without errors gives none");
	return tap_done();
}
