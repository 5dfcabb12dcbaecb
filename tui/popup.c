/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The help panel and the ports panel of one sandbox (list, add with a prompt,
 * remove the selected one; both through `box port`).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/util/xalloc.h"
#include "panel.h"

#define PORTS_MAX 64

static const char *const help_lines[] = {
	"box dash: live view of your sandboxes",
	"",
	"  Up/Down, j/k     move the selection (mouse: click a row, double-click for details)",
	"  PgUp/PgDn, g/G   page, first, last",
	"  Enter            enter the selected sandbox (the dashboard comes back on exit)",
	"  s / S            stop / start the selected sandbox",
	"  d                remove the selected sandbox (asks to confirm)",
	"  p                ports of the selected sandbox (a: add, r: remove)",
	"  i or Tab         details: processes, ports, mounts, image",
	"  /                filter by name, image or state (Esc clears)",
	"  o                cycle the sort order: name, cpu, memory, state, uptime",
	"  ?                this help",
	"  q                quit",
	"",
	"CPU% is of one core. MEM is the cgroup's memory.current, or where the memory",
	"controller is not delegated, the sum of the processes' resident memory.",
};

static void help_draw(struct tui_panel *p, struct tui_app *app, int y, int h, int w)
{
	for (int i = 0; i < h && (size_t)i < ARRAY_SIZE(help_lines); i++)
		tui_put(y + i, 1, w - 1, i == 0 ? A_BOLD : A_NORMAL, help_lines[i]);
}

static bool help_key(struct tui_panel *p, struct tui_app *app, int ch)
{
	tui_app_close(app);
	return true;
}

const struct tui_panel_class tui_help_class = {
	.name = "help",
	.footer = "any key: back",
	.draw = help_draw,
	.key = help_key,
};

/* Split "a, b, c" into at most max items (pointers into a copy the caller frees). */
static size_t split_ports(const char *ports, char **copy, char **items, size_t max)
{
	size_t n = 0;

	*copy = xstrdup(ports ? ports : "");
	for (char *s = *copy, *save = NULL, *tok; n < max && (tok = strtok_r(s, ", ", &save));
	     s = NULL)
		items[n++] = tok;
	return n;
}

static void ports_draw(struct tui_panel *p, struct tui_app *app, int y, int h, int w)
{
	const struct stats_row *r = tui_app_find(app, p->name);
	char *items[PORTS_MAX], *copy = NULL;
	char title[256];

	if (!r) {
		tui_put(y + 1, 2, w - 2, A_DIM, "this sandbox is gone (Esc to go back)");
		return;
	}
	size_t n = split_ports(r->ports, &copy, items, PORTS_MAX);
	snprintf(title, sizeof(title), "ports of %s", r->name);
	tui_put(y, 1, w - 1, A_BOLD, title);
	if (p->sel >= (int)n)
		p->sel = n ? (int)n - 1 : 0;
	for (size_t i = 0; i < n && (int)i < h - 2; i++)
		tui_put(y + 2 + (int)i, 2, w - 2,
			(int)i == p->sel ? crt_attr(CRT_SELECTED) : (int)A_NORMAL, items[i]);
	if (n == 0)
		tui_put(y + 2, 2, w - 2, A_DIM,
			r->state == SANDBOX_RUNNING ? "(no ports forwarded)" : "(not running)");
	free(copy);
}

static void ports_remove(struct tui_panel *p, struct tui_app *app)
{
	const struct stats_row *r = tui_app_find(app, p->name);
	char *items[PORTS_MAX], *copy = NULL;

	if (!r)
		return;
	size_t n = split_ports(r->ports, &copy, items, PORTS_MAX);
	if (p->sel < (int)n) {
		/* "127.0.0.1:8080->80/tcp" is removed by its host side, "127.0.0.1:8080". */
		char *arrow = strstr(items[p->sel], "->");
		char *slash = arrow ? strchr(arrow, '/') : NULL;
		char spec[160];
		if (arrow)
			*arrow = '\0';
		snprintf(spec, sizeof(spec), "%s%s", items[p->sel],
			 slash && strcmp(slash, "/udp") == 0 ? "/udp" : "");
		char *argv[] = { (char *)"port", (char *)"rm", p->name, spec, NULL };
		tui_app_action(app, "remove port", argv);
	}
	free(copy);
}

static bool ports_key(struct tui_panel *p, struct tui_app *app, int ch)
{
	switch (ch) {
	case KEY_UP:
	case 'k':
		p->sel = MAX(p->sel - 1, 0);
		return true;
	case KEY_DOWN:
	case 'j':
		p->sel++;
		return true;
	case 'a':
	case '+':
		tui_app_prompt(app, PROMPT_PORT_ADD, p->name);
		return true;
	case 'r':
	case '-':
	case KEY_DC:
		ports_remove(p, app);
		return true;
	case 27:
	case 'q':
	case 'p':
		tui_app_close(app);
		return true;
	}
	return false;
}

const struct tui_panel_class tui_ports_class = {
	.name = "ports",
	.footer = "a:add  r:remove selected  Esc:back",
	.draw = ports_draw,
	.key = ports_key,
};
