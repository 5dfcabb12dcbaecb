/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The output sink (core/'s only way to stderr), and str_escape: what a file or an image
 * says is shown, never acted on by the terminal. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../core/util/exit.h"
#include "../../core/util/log.h"
#include "../../core/util/macro.h"
#include "../../core/util/report.h"
#include "tap.h"

static void is_escaped(const char *in, const char *want, const char *what)
{
	char *got = str_escape(in);
	is_str(got, want, "%s", what);
	free(got);
}

/* What fn writes to fd (a temporary file meanwhile). */
static char *captured_fd(int fd, void (*fn)(void))
{
	static char buf[3][16384];
	static int turn;
	char *b = buf[turn++ % 3];
	FILE *tmp = tmpfile();
	int saved = dup(fd);

	fflush(stdout);
	fflush(stderr);
	dup2(fileno(tmp), fd);
	fn();
	fflush(stdout);
	fflush(stderr);
	dup2(saved, fd);
	close(saved);
	rewind(tmp);
	size_t n = fread(b, 1, 16383, tmp);
	b[n] = '\0';
	fclose(tmp);
	return b;
}

/* What the sink writes to stderr while fn runs. */
static char *captured(void (*fn)(void))
{
	return captured_fd(STDERR_FILENO, fn);
}

static void say_progress(void)
{
	log_out("Copying blob %.12s done\n", "0123456789abcdef");
}

static void say_child_error(void)
{
	log_child_error("cannot run '%s': %s", "x", "No such file");
}

static void say_note(void)
{
	log_out_note("using '%s': sandbox '%s'", ".box.ini", "p");
}

static void say_warning(void)
{
	log_out_warning("%s: %s", "cpus", "no cpu controller");
}

static void say_line(void)
{
	log_out_line("%s", "x.ini:3: unknown key");
	log_out_line("Running %s", "mmdebstrap");
}

static void say_newlines(void)
{
	log_out_note("done\n");
	log_out_warning("%s\n", "slow");
	log_out_tagged("box-host-exec", "refused\n");
}

static void say_empty(void)
{
	log_out_note("%s", "");
	log_out_line("%s", "");
}

static void say_tagged(void)
{
	log_out_tagged("box-host-exec", "run '%s' on the host: %s", "x", "No such file");
}

static void say_all(void)
{
	say_note();
	say_warning();
	say_line();
	say_tagged();
	say_child_error();
}

static char *stderr_of_all;

static void say_all_to_stderr(void)
{
	stderr_of_all = captured(say_all);
}

static int report_hinted(struct box_err *err, const char *fmt, ...) _printf_(2, 3);
static int report_hinted(struct box_err *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int r = report_v(err, "start", fmt, ap);
	va_end(ap);
	return r;
}

static void say_report(void)
{
	struct box_err *err = NULL;

	box_err_set(&err, ENOENT, "read '%s'", "config.json");
	is_int(report_hinted(err, "start '%s'", "p"), EXIT_BOX,
	       "a report returns box's own exit status");
}

static void say_report_errno(void)
{
	errno = EACCES;
	report_error("open '%s': %m", "f");
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
	is_str(captured(say_note), "box: using '.box.ini': sandbox 'p'\n",
	       "a note is one box: line, even when quiet");
	is_str(captured(say_warning), "box: warning: cpus: no cpu controller\n",
	       "a warning says warning:, even when quiet");
	log_out_setup(0);
}

static void test_lines(void)
{
	is_str(captured(say_line), "x.ini:3: unknown key\nRunning mmdebstrap\n",
	       "lines as formatted, each given its newline");
	is_str(captured(say_newlines), "box: done\nbox: warning: slow\nbox-host-exec: refused\n",
	       "a message ending with a newline gets no second one");
	is_str(captured(say_empty), "box: \n\n", "an empty message is still a line");
	is_str(captured(say_tagged), "box-host-exec: run 'x' on the host: No such file\n",
	       "a tagged line carries its program's name");
	is_str(captured_fd(STDOUT_FILENO, say_all_to_stderr), "", "nothing of the sink goes to stdout");
	ok(strlen(stderr_of_all) > 0, "... all of it goes to stderr");
	is_str(captured(say_report),
	       "box: start 'p': read 'config.json': No such file or directory (see 'box start "
	       "--help')\n",
	       "report_v is one line through the sink");
	is_str(captured(say_report_errno), "box: open 'f': Permission denied\n",
	       "report's %m is the caller's errno");
}

static char long_msg[6000];

static void say_long(void)
{
	log_out_note("%s", long_msg);
}

static void say_long_tagged(void)
{
	log_out_tagged("t", "%s", long_msg);
}

static void test_long(void)
{
	memset(long_msg, 'a', sizeof(long_msg) - 1);
	const char *got = captured(say_long);
	is_int(strlen(got), 5 + sizeof(long_msg) - 1 + 1, "a long note is written whole");
	ok(strncmp(got, "box: aaa", 8) == 0 && got[strlen(got) - 1] == '\n',
	   "a long note has its prefix and newline");
	got = captured(say_long_tagged);
	is_int(strlen(got), 4096 - 1, "a tagged line is cut at 4 KiB, allocating nothing");
	ok(strncmp(got, "t: aaa", 6) == 0 && got[strlen(got) - 1] == '\n',
	   "a cut tagged line still ends with its newline");
}


int main(void)
{
	test_sink();
	test_lines();
	test_long();
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
