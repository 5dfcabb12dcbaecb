/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The detail view of one sandbox: image, network, cgroup and disk, then its processes
 * (pid, user, CPU, memory, command), a project's services, ports and mounts. The lines
 * are built into a list first and then drawn from the scroll offset, so scrolling is
 * plain arithmetic.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/sandbox/services.h"
#include "../core/util/xalloc.h"
#include "panel.h"

#define DETAIL_PROCS_MAX  256
#define DETAIL_MOUNTS_MAX 128

struct lines {
	char **text;
	int *attr;
	size_t n;
};

static void add(struct lines *l, int attr, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void add(struct lines *l, int attr, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	l->text = xrealloc(l->text, (l->n + 1) * sizeof(*l->text));
	l->attr = xrealloc(l->attr, (l->n + 1) * sizeof(*l->attr));
	l->text[l->n] = xvasprintf(fmt, ap);
	l->attr[l->n++] = attr;
	va_end(ap);
}

static void lines_free(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->text[i]);
	free(l->text);
	free(l->attr);
}

static void add_summary(struct lines *l, const struct stats_row *r)
{
	char up[32], mem[16], disk[16];

	add(l, A_BOLD, "%s  %s  %s", r->name, stats_state_name(r->state),
	    r->state == SANDBOX_RUNNING ? tui_fmt_uptime(r->uptime, up, sizeof(up)) : "");
	add(l, A_NORMAL, "image    %s", r->image ? r->image : "-");
	add(l, A_NORMAL, "network  %s", r->network ? r->network : "-");
	add(l, A_NORMAL, "cgroup   %s", r->cgroup ? r->cgroup : "none (numbers from /proc)");
	add(l, A_NORMAL, "disk     %s in the writable layer",
	    r->disk_known ? tui_fmt_size(r->disk, disk, sizeof(disk)) : "?");
	if (r->state == SANDBOX_RUNNING)
		add(l, A_NORMAL, "usage    %.1f%% CPU, %s memory%s, %llu processes, init pid %d",
		    r->cpu < 0 ? 0 : r->cpu, tui_fmt_size(r->memory, mem, sizeof(mem)),
		    r->memory_from_proc ? " (RSS sum)" : "", (unsigned long long)r->pids,
		    (int)r->init_pid);
	add(l, A_NORMAL, "%s", "");
}

static void add_processes(struct lines *l, const struct stats_row *r)
{
	struct stats_proc *pr = xcalloc(DETAIL_PROCS_MAX, sizeof(*pr));
	size_t n = stats_processes(r->cgroup, r->init_pid, pr, DETAIL_PROCS_MAX);
	char mem[16];

	add(l, crt_attr(CRT_HEADER), "%7s %-10s %6s %6s  %s", "PID", "USER", "CPU%", "MEM",
	    "COMMAND");
	for (size_t i = 0; i < n; i++)
		add(l, A_NORMAL, "%7d %-10.10s %6.1f %6s  %s", (int)pr[i].pid, pr[i].user,
		    pr[i].cpu, tui_fmt_size(pr[i].rss, mem, sizeof(mem)), pr[i].cmd);
	if (n == 0)
		add(l, A_DIM, "  (no processes)");
	add(l, A_NORMAL, "%s", "");
	free(pr);
}

/* A project's services as its supervisor last wrote them (nothing when it runs none). */
static void add_services(struct lines *l, const struct stats_row *r)
{
	struct svc_status *v = NULL;
	size_t n = 0;

	if (r->state != SANDBOX_RUNNING || services_state_read(r->name, &v, &n) < 0 || !n)
		return;
	add(l, crt_attr(CRT_HEADER), "%-16s %-11s %7s %8s %s", "SERVICE", "STATE", "PID",
	    "RESTARTS", "LAST EXIT");
	for (size_t i = 0; i < n; i++) {
		char last[16] = "-";
		if (v[i].status >= 0)
			snprintf(last, sizeof(last), "%d", v[i].status);
		add(l, A_NORMAL, "%-16.16s %-11s %7d %8u %s", v[i].name,
		    svc_state_to_string(v[i].state), (int)v[i].pid, v[i].restarts, last);
	}
	add(l, A_NORMAL, "%s", "");
	svc_status_free(v, n);
}

static void add_ports_mounts(struct lines *l, const struct stats_row *r)
{
	char *mounts[DETAIL_MOUNTS_MAX];
	size_t n;

	add(l, crt_attr(CRT_HEADER), "%-40s", "PORTS");
	add(l, A_NORMAL, "  %s", r->ports && *r->ports ? r->ports : "(none)");
	add(l, A_NORMAL, "%s", "");
	add(l, crt_attr(CRT_HEADER), "%-30s %-14s %s", "MOUNT", "TYPE", "SOURCE");
	n = r->state == SANDBOX_RUNNING ? stats_mounts(r->init_pid, mounts, DETAIL_MOUNTS_MAX) : 0;
	for (size_t i = 0; i < n; i++) {
		add(l, A_NORMAL, "%s", mounts[i]);
		free(mounts[i]);
	}
	if (n == 0)
		add(l, A_DIM, "  (not running)");
}

static void detail_draw(struct tui_panel *p, struct tui_app *app, int y, int h, int w)
{
	const struct stats_row *r = tui_app_find(app, p->name);
	struct lines l = { 0 };

	if (!r) {
		tui_put(y + 1, 2, w - 2, A_DIM, "this sandbox is gone (Esc to go back)");
		return;
	}
	add_summary(&l, r);
	if (r->state == SANDBOX_RUNNING)
		add_processes(&l, r);
	add_services(&l, r);
	add_ports_mounts(&l, r);
	if (p->scroll > (int)l.n - h)
		p->scroll = MAX((int)l.n - h, 0);
	for (int i = 0; i < h && (size_t)(p->scroll + i) < l.n; i++)
		tui_put(y + i, 1, w - 1, l.attr[p->scroll + i], l.text[p->scroll + i]);
	lines_free(&l);
}

static bool detail_key(struct tui_panel *p, struct tui_app *app, int ch)
{
	switch (ch) {
	case KEY_UP:
	case 'k':
		p->scroll = MAX(p->scroll - 1, 0);
		return true;
	case KEY_DOWN:
	case 'j':
		p->scroll++;
		return true;
	case KEY_NPAGE:
		p->scroll += MAX(app->crt.rows - 4, 1);
		return true;
	case KEY_PPAGE:
		p->scroll = MAX(p->scroll - MAX(app->crt.rows - 4, 1), 0);
		return true;
	case '\n':
	case '\r':
	case KEY_ENTER:
		tui_app_enter(app, p->name);
		return true;
	case 'p':
		tui_app_open(app, &tui_ports_class, p->name);
		return true;
	case 'i':
	case '\t':
	case 27:
	case 'q':
	case KEY_BACKSPACE:
		tui_app_close(app);
		return true;
	}
	return false;
}

const struct tui_panel_class tui_detail_class = {
	.name = "detail",
	.footer = "Up/Down:scroll  Enter:enter  p:ports  Esc/i:back",
	.draw = detail_draw,
	.key = detail_key,
};
