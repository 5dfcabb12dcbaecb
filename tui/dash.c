/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The dashboard's loop: refresh the snapshot every interval, rebuild the filtered and
 * sorted view (keeping the selection by name as sandboxes come and go), draw the host
 * header, the current panel, the status or prompt line and the key footer, and
 * dispatch keys and mouse events to the panel on top. Actions run the box binary
 * through the caller's callback.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/util/util.h"
#include "../core/util/xalloc.h"
#include "panel.h"

#define CTRL(c) ((c)&0x1f)

/* ---- panels ---- */

struct tui_panel *tui_panel_new(const struct tui_panel_class *klass, const char *name)
{
	struct tui_panel *p = xzalloc(sizeof(*p));
	p->klass = klass;
	snprintf(p->name, sizeof(p->name), "%s", name ? name : "");
	return p;
}

void tui_panel_free(struct tui_panel *p)
{
	if (p && p->klass->free)
		p->klass->free(p);
	free(p);
}

/* ---- drawing helpers ---- */

/*
 * Printable ASCII straight into the window's cells (waddchnstr): no multibyte
 * decoding, width lookup or control-character handling per character, which made
 * waddnstr most of a refresh of a 50-row table. Anything else (UTF-8, a control
 * character to be shown as ^X) goes through waddnstr. False when text is not
 * printable ASCII within its first w columns.
 */
static bool put_ascii(int y, int x, int w, int attr, const char *text)
{
	chtype cells[512];
	int n = 0;

	for (; n < w && text[n]; n++) {
		unsigned char c = (unsigned char)text[n];
		if (c < 0x20 || c > 0x7e || n == (int)ARRAY_SIZE(cells))
			return false;
		cells[n] = (chtype)c | (chtype)attr;
	}
	mvaddchnstr(y, x, cells, n);
	return true;
}

void tui_put(int y, int x, int w, int attr, const char *text)
{
	size_t bytes = 0, cols = 0;

	if (w <= 0 || y < 0 || x < 0)
		return;
	if (put_ascii(y, x, w, attr, text))
		return;
	/* Cut at w display columns without splitting a UTF-8 sequence. */
	while (text[bytes] && cols < (size_t)w) {
		bytes++;
		while (((unsigned char)text[bytes] & 0xc0) == 0x80)
			bytes++;
		cols++;
	}
	attrset(attr);
	mvaddnstr(y, x, text, (int)bytes);
	attrset(A_NORMAL);
}

static void draw_header(struct tui_app *app)
{
	const struct stats_snapshot *s = app->snap;
	char line[512], a[16], b[16], cpu[16];
	size_t running = 0;

	for (size_t i = 0; s && i < s->n; i++)
		running += s->rows[i].state == SANDBOX_RUNNING;
	if (s && s->host.cpu >= 0)
		snprintf(cpu, sizeof(cpu), "%.1f%%", s->host.cpu);
	else
		snprintf(cpu, sizeof(cpu), "-");
	snprintf(line, sizeof(line),
		 "%zu sandboxes, %zu running | host cpu %s/%u mem %s/%s load %.2f | sort %s%s%s",
		 s ? s->n : 0, running, cpu, s ? s->host.ncpu : 0,
		 tui_fmt_size(s ? s->host.mem_used : 0, a, sizeof(a)),
		 tui_fmt_size(s ? s->host.mem_total : 0, b, sizeof(b)), s ? s->host.load1 : 0.0,
		 tui_sort_name(app->sort), app->filter[0] ? ", filter " : "", app->filter);
	tui_put(0, 0, app->crt.cols, A_BOLD, line);
}

static void draw_footer(struct tui_app *app)
{
	const struct tui_panel_class *k = app->overlay ? app->overlay->klass : &tui_table_class;
	int y = app->crt.rows - 1;

	attrset(crt_attr(CRT_FOOTER_KEY));
	mvhline(y, 0, ' ', app->crt.cols);
	tui_put(y, 0, app->crt.cols, crt_attr(CRT_FOOTER_KEY), k->footer);
}

static void draw_status(struct tui_app *app)
{
	char line[512];
	int y = app->crt.rows - 2;

	switch (app->prompt) {
	case PROMPT_FILTER:
		snprintf(line, sizeof(line), "filter: %s_", app->input);
		break;
	case PROMPT_CONFIRM_RM:
		snprintf(line, sizeof(line), "remove sandbox '%s' and its writable layer? (y/n)",
			 app->prompt_target);
		break;
	case PROMPT_PORT_ADD:
		snprintf(line, sizeof(line), "add port to '%s' ([ADDR:]HOSTPORT:PORT): %s_",
			 app->prompt_target, app->input);
		break;
	case PROMPT_NONE:
		snprintf(line, sizeof(line), "%s", app->status);
		break;
	}
	int attr = A_NORMAL;
	if (app->prompt != PROMPT_NONE)
		attr = A_BOLD;
	else if (app->status_error)
		attr = crt_attr(CRT_ERROR);
	tui_put(y, 0, app->crt.cols, attr, line);
}

static void draw(struct tui_app *app)
{
	int body_h = app->crt.rows - 3;

	erase();
	draw_header(app);
	if (body_h > 0) {
		struct tui_panel *p = app->overlay;
		if (p)
			p->klass->draw(p, app, 1, body_h, app->crt.cols);
		else
			tui_table_class.draw(NULL, app, 1, body_h, app->crt.cols);
	}
	if (app->crt.rows >= 3)
		draw_status(app);
	if (app->crt.rows >= 2)
		draw_footer(app);
	refresh();
}

/* ---- state ---- */

const struct stats_row *tui_app_selected(const struct tui_app *app)
{
	if (!app->snap || app->sel >= app->nview)
		return NULL;
	return &app->snap->rows[app->view[app->sel]];
}

const struct stats_row *tui_app_find(const struct tui_app *app, const char *name)
{
	for (size_t i = 0; app->snap && i < app->snap->n; i++)
		if (streq(app->snap->rows[i].name, name))
			return &app->snap->rows[i];
	return NULL;
}

void tui_app_status(struct tui_app *app, bool error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(app->status, sizeof(app->status), fmt, ap);
	va_end(ap);
	app->status_error = error;
}

/* Filter and sort the snapshot's rows; keep the selected sandbox selected. */
static void rebuild_view(struct tui_app *app)
{
	const struct stats_snapshot *s = app->snap;
	size_t n = 0;

	free(app->view);
	app->view = s && s->n ? xcalloc(s->n, sizeof(*app->view)) : NULL;
	for (size_t i = 0; s && i < s->n; i++)
		if (tui_row_matches(&s->rows[i], app->filter))
			app->view[n++] = i;
	tui_sort_rows(s, app->sort, app->view, n);
	app->nview = n;
	if (app->sel >= n)
		app->sel = n ? n - 1 : 0;
	for (size_t i = 0; i < n; i++)
		if (streq(s->rows[app->view[i]].name, app->selected)) {
			app->sel = i;
			break;
		}
	if (n)
		snprintf(app->selected, sizeof(app->selected), "%s",
			 s->rows[app->view[app->sel]].name);
}

static void do_refresh(struct tui_app *app)
{
	char *error = NULL;
	const struct stats_snapshot *s = app->ops->snapshot(app->ops->userdata, &error);

	if (s) {
		app->snap = s;
	} else {
		tui_app_status(app, true, "refresh failed: %s", error ? error : "unknown error");
		free(error);
	}
	rebuild_view(app);
}

/* ---- actions ---- */

int tui_app_action(struct tui_app *app, const char *what, char *const *argv)
{
	char *msg = NULL;

	tui_app_status(app, false, "%s %s ...", what, argv[1] ? argv[1] : "");
	draw(app);
	int r = app->ops->run(app->ops->userdata, argv, false, &msg);
	if (r == 0)
		tui_app_status(app, false, "%s %s: done", what, argv[1] ? argv[1] : "");
	else
		tui_app_status(app, true, "%s %s failed: %s", what, argv[1] ? argv[1] : "",
			       msg ? msg : "see 'box --help'");
	free(msg);
	app->refresh_now = true;
	return r;
}

void tui_app_enter(struct tui_app *app, const char *name)
{
	char *argv[] = { (char *)"enter", (char *)name, NULL };

	crt_suspend();
	int r = app->ops->run(app->ops->userdata, argv, true, NULL);
	crt_resume(&app->crt);
	if (r != 0)
		tui_app_status(app, true, "box enter %s exited with status %d", name, r);
	else
		tui_app_status(app, false, "left %s", name);
	app->refresh_now = true;
}

void tui_app_open(struct tui_app *app, const struct tui_panel_class *klass, const char *name)
{
	tui_panel_free(app->overlay);
	app->overlay = tui_panel_new(klass, name);
}

void tui_app_close(struct tui_app *app)
{
	tui_panel_free(app->overlay);
	app->overlay = NULL;
}

void tui_app_prompt(struct tui_app *app, enum prompt_kind kind, const char *target)
{
	app->prompt = kind;
	app->input[0] = '\0';
	if (kind == PROMPT_FILTER)
		snprintf(app->input, sizeof(app->input), "%s", app->filter);
	snprintf(app->prompt_target, sizeof(app->prompt_target), "%s", target ? target : "");
}

/* ---- input ---- */

static void prompt_accept(struct tui_app *app)
{
	enum prompt_kind k = app->prompt;

	app->prompt = PROMPT_NONE;
	if (k == PROMPT_PORT_ADD && app->input[0]) {
		char *argv[] = { (char *)"port", (char *)"add", app->prompt_target, app->input,
				 NULL };
		tui_app_action(app, "add port", argv);
	}
}

static void prompt_key(struct tui_app *app, int ch)
{
	size_t len = strlen(app->input);

	if (app->prompt == PROMPT_CONFIRM_RM) {
		app->prompt = PROMPT_NONE;
		if (ch == 'y' || ch == 'Y') {
			char *argv[] = { (char *)"rm", app->prompt_target, NULL };
			tui_app_action(app, "remove", argv);
		} else {
			tui_app_status(app, false, "not removed");
		}
		return;
	}
	if (ch == 27) {
		if (app->prompt == PROMPT_FILTER)
			app->filter[0] = '\0';
		app->prompt = PROMPT_NONE;
	} else if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
		prompt_accept(app);
	} else if (ch == KEY_BACKSPACE || ch == 127 || ch == CTRL('h')) {
		if (len)
			app->input[len - 1] = '\0';
	} else if (ch >= 0x20 && ch < 0x7f && len + 1 < sizeof(app->input)) {
		app->input[len] = (char)ch;
		app->input[len + 1] = '\0';
	}
	if (app->prompt == PROMPT_FILTER || ch == 27) {
		/* The filter applies as it is typed. */
		if (app->prompt == PROMPT_FILTER)
			snprintf(app->filter, sizeof(app->filter), "%s", app->input);
		rebuild_view(app);
	}
}

static void mouse_event(struct tui_app *app)
{
	MEVENT ev;
	struct tui_panel *p = app->overlay;
	const struct tui_panel_class *k = p ? p->klass : &tui_table_class;

	if (getmouse(&ev) != OK)
		return;
	if (ev.bstate & BUTTON4_PRESSED) {
		k->key(p, app, KEY_UP);
		return;
	}
	if (ev.bstate & BUTTON5_PRESSED) {
		k->key(p, app, KEY_DOWN);
		return;
	}
	if (k->click && (ev.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_DOUBLE_CLICKED)))
		k->click(p, app, ev.y - 1, (ev.bstate & BUTTON1_DOUBLE_CLICKED) != 0);
}

static bool global_key(struct tui_app *app, int ch)
{
	switch (ch) {
	case 'q':
		app->quit = true;
		return true;
	case '?':
	case 'h':
	case KEY_F(1):
		tui_app_open(app, &tui_help_class, NULL);
		return true;
	case 'o':
		app->sort = (app->sort + 1) % SORT__MAX;
		rebuild_view(app);
		return true;
	case '/':
		tui_app_prompt(app, PROMPT_FILTER, NULL);
		return true;
	case 27:
		if (app->filter[0]) {
			app->filter[0] = '\0';
			rebuild_view(app);
		}
		return true;
	}
	return false;
}

static void handle_key(struct tui_app *app, int ch)
{
	if (ch == KEY_RESIZE || ch == CTRL('l')) {
		crt_update_size(&app->crt);
		clearok(curscr, TRUE);
		return;
	}
	if (ch == KEY_MOUSE) {
		mouse_event(app);
		return;
	}
	if (app->prompt != PROMPT_NONE) {
		prompt_key(app, ch);
		return;
	}
	app->status[0] = '\0';
	if (app->overlay) {
		app->overlay->klass->key(app->overlay, app, ch);
		return;
	}
	if (!global_key(app, ch))
		tui_table_class.key(NULL, app, ch);
}

/* ---- loop ---- */

static void wait_input(struct tui_app *app, uint64_t next)
{
	uint64_t now = now_ns();
	int ms = next > now ? (int)((next - now) / 1000000ULL) : 0;

	timeout(ms + 1);
	int ch = getch();
	if (ch == ERR)
		return;
	handle_key(app, ch);
	draw(app);
}

int tui_dash_run(const struct tui_dash_opts *o, const struct tui_dash_ops *ops, char **ret_error)
{
	struct tui_app app;
	uint64_t interval = (uint64_t)(o->interval_ms ? o->interval_ms : 1000) * 1000000ULL;
	uint64_t next = 0;
	unsigned done = 0;
	int r;

	memset(&app, 0, sizeof(app));
	app.ops = ops;
	if (o->select)
		snprintf(app.selected, sizeof(app.selected), "%s", o->select);
	r = crt_init(&app.crt, ret_error);
	if (r < 0)
		return r;
	while (!app.quit && !crt_quit_requested()) {
		if (now_ns() >= next || app.refresh_now) {
			app.refresh_now = false;
			do_refresh(&app);
			next = now_ns() + interval;
			draw(&app);
			if (o->iterations && ++done >= o->iterations)
				break;
		}
		wait_input(&app, next);
	}
	crt_done();
	tui_app_close(&app);
	free(app.view);
	return 0;
}
