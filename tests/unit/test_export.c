/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the host's copy of a .desktop file (box export --app): Exec= of
 * the entry and its actions through box, TryExec= and DBusActivatable= dropped,
 * Name= marked with the sandbox, Icon= renamed, the marker added once; key lookup
 * in [Desktop Entry] only; names an image may give that are safe as a path part.
 */
#include <string.h>

#include "../../core/sandbox/export.h"
#include "../../core/util/xalloc.h"
#include "tap.h"

static const char *entry = "# comment\n"
			   "[Desktop Entry]\n"
			   "Type=Application\n"
			   "Name=Demo\n"
			   "Name[de]=Vorführung\n"
			   "Exec=demo %U\n"
			   "TryExec=demo\n"
			   "DBusActivatable=true\n"
			   "Icon=demo\n"
			   "X-Box-Export=other\n"
			   "\n"
			   "[Desktop Action new]\n"
			   "Name=New\n"
			   "Exec=demo --new\n"
			   "Icon=demo-new\n";

static void test_rewrite(void)
{
	_cleanup_free_ char *out = desktop_rewrite(entry, "dev", "/usr/bin/box", "box-dev-demo");

	ok(strstr(out, "\nExec=/usr/bin/box run dev -- demo %U\n") != NULL, "Exec= through box");
	ok(strstr(out, "\nExec=/usr/bin/box run dev -- demo --new\n") != NULL,
	   "an action's Exec= too");
	ok(strstr(out, "TryExec") == NULL, "TryExec= dropped");
	ok(strstr(out, "DBusActivatable") == NULL, "DBusActivatable= dropped");
	ok(strstr(out, "\nName=Demo (on dev)\n") != NULL, "Name= says which sandbox");
	ok(strstr(out, "\nName[de]=Vorführung (on dev)\n") != NULL, "localised names too");
	ok(strstr(out, "\nIcon=box-dev-demo\n") != NULL, "Icon= renamed in the entry");
	ok(strstr(out, "\nIcon=demo-new\n") != NULL, "an action's own icon is kept");
	ok(strstr(out, "[Desktop Entry]\nX-Box-Export=dev\n") != NULL,
	   "the marker follows the group");
	ok(strstr(out, "X-Box-Export=other") == NULL, "an image's own marker is dropped");
	ok(strncmp(out, "# comment\n", 10) == 0, "comments kept");

	_cleanup_free_ char *q =
	    desktop_rewrite("[Desktop Entry]\nExec=x\n", "dev", "/opt/my box/box", NULL);
	ok(strstr(q, "Exec=\"/opt/my box/box\" run dev -- x\n") != NULL,
	   "a box path with a space is quoted");
	_cleanup_free_ char *crlf =
	    desktop_rewrite("[Desktop Entry]\r\nName=A\r\n", "d", "b", NULL);
	is_str(crlf, "[Desktop Entry]\nX-Box-Export=d\nName=A (on d)\n", "CRLF lines");
}

static void test_get(void)
{
	_cleanup_free_ char *name = desktop_get(entry, "Name");
	_cleanup_free_ char *icon = desktop_get(entry, "Icon");
	_cleanup_free_ char *none = desktop_get("[Other]\nName=x\n", "Name");
	_cleanup_free_ char *sp = desktop_get("[Desktop Entry]\nName = spaced\n", "Name");

	is_str(name, "Demo", "Name (unlocalised)");
	is_str(icon, "demo", "Icon of the entry, not of an action");
	ok(none == NULL, "keys outside [Desktop Entry] are not read");
	is_str(sp, "spaced", "spaces around =");
}

static void test_names(void)
{
	ok(export_name_safe("org.gnome.Builder"), "reverse-DNS name");
	ok(export_name_safe("48x48"), "size dir");
	ok(!export_name_safe(".."), "..");
	ok(!export_name_safe("a/b"), "slash");
	ok(!export_name_safe(""), "empty");
	ok(!export_name_safe("a b"), "space");
	ok(!export_name_safe(NULL), "NULL");
}

int main(void)
{
	test_rewrite();
	test_get();
	test_names();
	return tap_done();
}
