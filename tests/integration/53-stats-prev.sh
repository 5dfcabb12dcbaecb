#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# box stats --no-stream gives CPU % since the previous --no-stream, from the readings
# it keeps in the runtime dir's stats-cpu (0600, the user's own): a burst between two
# runs shows in the second even when it is over; the first run (no readings) samples
# once; a stats-cpu that is not the user's private regular file (another mode, a
# symlink) is not believed, and is replaced without following it.
. "$(dirname "$0")/../lib.sh"
need_userns
need_subuid
need_fuse
need_debian_rootfs
need_cmd python3

jget() { printf '%s' "$1" | grep -o "\"$2\":[^,}]*" | head -1 | cut -d: -f2- | tr -d '"'; }
cpu() { jget "$("$BOX" stats --no-stream --format json "$1")" cpu_percent; }
prev=$XDG_RUNTIME_DIR/box/stats-cpu

at_exit "'$BOX' stop --time 1 st"
check "create st" "$BOX" create st --rootfs "$BOX_TEST_ROOTFS"
check "start st" "$BOX" start st
[ -e "$prev" ] && fail "no readings before the first run" || ok "no readings before the first run"
c0=$(cpu st)
like "$c0" '^[0-9.]+$' "the first run samples ($c0%)"
[ -f "$prev" ] && [ ! -L "$prev" ] && ok "stats-cpu written" || fail "stats-cpu written"
is "$(stat -c '%a %U' "$prev")" "600 $(id -un)" "stats-cpu is 0600 and the user's"
is "$(stat -c %a "$XDG_RUNTIME_DIR/box")" 700 "in the private runtime dir"
grep -q '^st ' "$prev" && ok "it holds st's reading" || fail "it holds st's reading"

# A burst of about a second, over before the next run: it shows (a window after the
# burst would see an idle sandbox).
"$BOX" stats --no-stream >/dev/null
check "a CPU burst inside" "$BOX" enter st -- sh -c 'e=$(($(date +%s) + 2)); while [ $(date +%s) -lt $e ]; do :; done'
sleep 0.5
c1=$(cpu st)
awk -v a="$c1" 'BEGIN { exit !(a > 5) }' && ok "the burst since the previous run shows ($c1%)" ||
	fail "the burst since the previous run shows ($c1%)"
c2=$(cpu st)
awk -v a="$c2" 'BEGIN { exit !(a < 5) }' && ok "the next run, with nothing since, is idle ($c2%)" ||
	fail "the next run, with nothing since, is idle ($c2%)"

# A reading 1 ms ago of a zero counter: believed, it would make CPU % huge.
started=$(awk '$1 == "st" { print $2 }' "$prev")
forged() { python3 -c 'import time,sys; print("box-stats-cpu 1\nst %s 0 %d" % (sys.argv[1], time.monotonic_ns() - 1000000))' "$started"; }
forged >"$prev" && chmod 644 "$prev"
c3=$(cpu st)
awk -v a="$c3" 'BEGIN { exit !(a < 5) }' && ok "a stats-cpu of mode 0644 is not believed ($c3%)" ||
	fail "a stats-cpu of mode 0644 is not believed ($c3%)"
is "$(stat -c %a "$prev")" 600 "... and is replaced by a 0600 one"
forged >"$T/elsewhere" && chmod 600 "$T/elsewhere"
rm -f "$prev" && ln -s "$T/elsewhere" "$prev"
before=$(cat "$T/elsewhere")
c4=$(cpu st)
awk -v a="$c4" 'BEGIN { exit !(a < 5) }' && ok "a symlinked stats-cpu is not followed ($c4%)" ||
	fail "a symlinked stats-cpu is not followed ($c4%)"
[ -L "$prev" ] && fail "the symlink is replaced by a file" || ok "the symlink is replaced by a file"
is "$(cat "$T/elsewhere")" "$before" "... and its target is left as it was"
# The control: the same forged reading in a private file is believed: the sandbox's whole
# CPU time (the burst included) over the moments since the forged reading, far from the
# idle sandbox's 0% that a reading not believed gives (on a loaded machine those moments
# stretch, so no fixed figure near 100% is asked).
forged >"$prev" && chmod 600 "$prev"
c5=$(cpu st)
awk -v a="$c5" 'BEGIN { exit !(a >= 5) }' && ok "the same reading in a 0600 file is used ($c5%)" ||
	fail "the same reading in a 0600 file is used ($c5%)"
done_testing
