/* SPDX-License-Identifier: GPL-2.0-or-later */
/* How long ago a time was, as `box images` prints it, and the --interval of stats and dash. */
#include <time.h>

#include "../../core/util/util.h"
#include "tap.h"

int main(void)
{
	char buf[32];
	int64_t now = (int64_t)time(NULL);

	is_str(format_ago(now, buf, sizeof(buf)), "just now", "now: just now");
	is_str(format_ago(now - 30, buf, sizeof(buf)), "seconds ago", "30 s: seconds ago");
	is_str(format_ago(now - 60, buf, sizeof(buf)), "1 minute ago", "60 s: one minute");
	is_str(format_ago(now - 3 * 86400 - 5, buf, sizeof(buf)), "3 days ago", "3 days, plural");
	is_str(format_ago(now - 2 * 365 * 86400, buf, sizeof(buf)), "2 years ago", "2 years");
	unsigned ms = 0;
	ok(parse_interval_ms("0.5", &ms) == 0 && ms == 500, "--interval 0.5: 500 ms");
	ok(parse_interval_ms("0.05", &ms) < 0 && parse_interval_ms("2x", &ms) < 0 &&
	       parse_interval_ms("3601", &ms) < 0,
	   "below 0.1 s, trailing text, above an hour: refused");
	return tap_done();
}
