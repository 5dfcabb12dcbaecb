#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Shell completions and man pages, generated from the usage texts and installed by
# `make install DESTDIR=...`: bash completes commands, options, option values and the
# sandbox names box knows (driven through bash's own completion variables); zsh and
# fish accept their scripts (and fish completes a command); every installed man page
# renders and shows its command's options.
. "$(dirname "$0")/../lib.sh"
need_debian_rootfs
need_cmd zsh fish man

D=$T/dest
# -o: install what is built; the test user does not rebuild box.
check "make install DESTDIR= PREFIX=/usr" make -s -C "$BOX_TOP" --no-print-directory \
	BUILD="$BOX_BUILD" -o "$BOX_BUILD/box" -o "$BOX_BUILD/box-host-exec" install DESTDIR="$D" \
	PREFIX=/usr
for f in bin/box share/bash-completion/completions/box share/zsh/site-functions/_box \
	share/fish/vendor_completions.d/box.fish share/man/man1/box.1 share/man/man1/box-enter.1; do
	[ -s "$D/usr/$f" ] && ok "installed /usr/$f" || fail "installed /usr/$f"
done
verbs=$("$BOX" --help | awk '/^commands:/ { f = 1; next } f && /another name for/ { next } f && /^  [a-z]/ { print $1 } f && /^$/ { exit }')
is "$(ls "$D/usr/share/man/man1" | grep -c '^box-.*\.1$')" "$(echo "$verbs" | wc -l)" \
	"one man page per command"
IB=$D/usr/bin/box

R=$BOX_TEST_ROOTFS
check "create sandbox web1" "$IB" create web1 --rootfs "$R"
check "create sandbox db2" "$IB" create db2 --rootfs "$R"

# comp LINE: what bash's completion offers for LINE, with the cursor at its end.
comp() {
	bash -c '
		. "$1"
		COMP_LINE=$2 COMP_POINT=${#2}
		read -ra COMP_WORDS <<<"$COMP_LINE"
		[[ $COMP_LINE == *" " ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_box
		printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' \
		_ "$D/usr/share/bash-completion/completions/box" "$1"
}
is "$(comp "$IB ent")" "enter " "bash: box ent<TAB> gives enter"
is "$(comp "$IB enter ")" "db2 web1 " "bash: box enter <TAB> gives the sandbox names"
is "$(comp "$IB enter w")" "web1 " "bash: box enter w<TAB> gives web1"
is "$(comp "$IB images --format ")" "json table " "bash: an option's values"
like "$(comp "$IB stop --")" "--time" "bash: a command's long options"
is "$(comp "$IB port ")" "add db2 rm web1 " "bash: action words and names after port"
is "$(comp "$IB port add ")" "db2 web1 " "bash: after the action, only names"
is "$(comp "$IB --config x st")" "start stats stop " "bash: a global option's argument is skipped"

check "zsh -n accepts _box" zsh -n "$D/usr/share/zsh/site-functions/_box"
check "fish -n accepts box.fish" fish -n "$D/usr/share/fish/vendor_completions.d/box.fish"
out=$(PATH=$D/usr/bin:$PATH fish -c "source $D/usr/share/fish/vendor_completions.d/box.fish
	complete -C 'box ent'; complete -C 'box stop '" 2>&1)
like "$out" "^enter	enter a sandbox" "fish: box ent<TAB> gives enter with its summary"
like "$out" "web1" "fish: box stop <TAB> gives the sandbox names"

# Every page renders, and shows each option its command's --help names.
for v in $verbs; do
	page=$(LC_ALL=C MANWIDTH=300 man -l "$D/usr/share/man/man1/box-$v.1" 2>&1)
	missing=
	for o in $("$BOX" "$v" --help | grep -oE '(^|[ [(|,])--[a-z][a-z-]+' | grep -oE -- '--[a-z-]+' | sort -u); do
		grep -qF -- "$o" <<<"$page" || missing="$missing $o"
	done
	[ -z "$missing" ] && ok "man box-$v shows its options" || { fail "man box-$v shows its options"; diag "missing:$missing"; }
done
page=$(LC_ALL=C MANWIDTH=300 man -l "$D/usr/share/man/man1/box.1")
like "$page" "box enter" "man box lists the commands"
like "$page" "--config FILE" "man box shows the global options"

out=$("$BOX" completion tcsh 2>&1)
is "$?" 125 "an unknown shell exits 125"
like "$out" "expected one shell: bash, zsh or fish" "and says which shells there are"
out=$("$BOX" completion --names volumes 2>&1)
is "$?" 125 "--names with an unknown kind exits 125"
done_testing
