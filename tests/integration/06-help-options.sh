#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Every command's --help names exactly the options its parser accepts: the table each
# command hands to opts_next() (printed by BOX_OPTS_TABLE=CMD box CMD, before the
# command does anything) against the option and synopsis lines of `box CMD --help`.
# An option added to a table and not to the help text (or the reverse) fails here.
. "$(dirname "$0")/../lib.sh"
cd "$T" || skip_all "no temp dir"

# The options a help text names: on its synopsis lines ("usage: box ...", "       box
# ...") and its indented option lines and their continuations (prose starts at the
# margin); -h/--help are every command's.
help_opts() {
	grep -E '^(usage: |[[:space:]])' |
		grep -oE '(^|[^A-Za-z0-9_-])--?[A-Za-z][A-Za-z0-9-]*' | sed -E 's/^[^-]*//' |
		grep -vxE -- '-h|--help' | sort -u
}
# The options of a table: every name on each line.
table_opts() { tr ' ' '\n' | grep -E '^-' | grep -vxE -- '-h|--help' | sort -u; }

cmds=$("$BOX" --help | sed -n '/^commands:/,/^$/p' | awk 'NR > 1 && $1 { print $1 }')
[ -n "$cmds" ] || fail "box --help lists the commands"
for c in $cmds; do
	# config's actions share one table, parsed after the action word.
	case $c in
	config) tname=check args="config check" ;;
	*) tname=$c args=$c ;;
	esac
	table=$(BOX_OPTS_TABLE=$tname "$BOX" $args </dev/null 2>"$T/err")
	st=$?
	if [ $st -ne 0 ] || [ -s "$T/err" ]; then
		fail "box $c: its option table can be read"
		diag "status $st: $(head -3 "$T/err")"
		continue
	fi
	want=$(printf '%s\n' "$table" | table_opts)
	got=$("$BOX" $c --help | help_opts)
	missing=$(comm -23 <(printf '%s\n' "$want") <(printf '%s\n' "$got") | grep . | tr '\n' ' ')
	extra=$(comm -13 <(printf '%s\n' "$want") <(printf '%s\n' "$got") | grep . | tr '\n' ' ')
	is "$missing" "" "box $c --help names every option box $c accepts"
	is "$extra" "" "box $c --help names no option box $c refuses"
done

# The table is what the parser takes: an option it lists is accepted (no "unknown
# option"), and one it does not list is refused.
out=$("$BOX" enter --no-host-exec --bogus 2>&1)
like "$out" "unknown option '--bogus'" "enter refuses what its table does not list"
unlike "$out" "no-host-exec" "... and takes --no-host-exec, which it lists"
done_testing
