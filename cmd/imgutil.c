/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the image commands: loading the global config, relative times. */
#include <stdio.h>
#include <time.h>

#include "../config/config.h"
#include "cmd.h"
#include "imgutil.h"

struct box_config *cmd_load_global_config(void)
{
	struct cfg_errors errors = { 0 };
	struct box_config *c = NULL;

	if (cfg_load_global(&c, &errors) < 0) {
		for (size_t i = 0; i < errors.n; i++)
			fprintf(stderr, "box: %s\n", errors.msgs[i]);
		cfg_errors_done(&errors);
		cmd_error("load the global configuration: fix the lines above");
		return NULL;
	}
	cfg_errors_done(&errors);
	return c;
}

char *cmd_format_ago(int64_t when, char *buf, size_t len)
{
	int64_t d = (int64_t)time(NULL) - when;
	static const struct {
		int64_t secs;
		const char *unit;
	} units[] = { { 365 * 86400, "year" }, { 30 * 86400, "month" }, { 7 * 86400, "week" },
		      { 86400, "day" },	       { 3600, "hour" },	{ 60, "minute" } };

	if (d < 60) {
		snprintf(buf, len, "%s", d < 2 ? "just now" : "seconds ago");
		return buf;
	}
	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		if (d >= units[i].secs) {
			int64_t n = d / units[i].secs;
			snprintf(buf, len, "%lld %s%s ago", (long long)n, units[i].unit,
				 n == 1 ? "" : "s");
			break;
		}
	}
	return buf;
}
