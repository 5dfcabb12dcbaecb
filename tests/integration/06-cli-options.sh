#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Every command parses its options one way (core/util/opts.c): options after the
# operands (`box rm NAME -f`), --opt=value, combined short flags, and one line with
# exit status 125 for an unknown option or a missing value; run and enter pass the
# command line after NAME or "--" through untouched. A sandbox on the Debian userland.
. "$(dirname "$0")/../lib.sh"
need_userns
need_subuid
need_fuse
need_debian_rootfs
cd "$HOME" || skip_all "no home directory"

R=$BOX_TEST_ROOTFS
at_exit "'$BOX' rm -f opts >/dev/null 2>&1"

# --- unknown options and missing values: one line, 125
for c in rm stop list images run enter create logs clone doctor; do
	# run: NAME ends its options (what follows is the command's)
	if [ $c = run ]; then out=$("$BOX" $c --bogus NAME 2>&1); else out=$("$BOX" $c NAME --bogus 2>&1); fi
	rc=$?
	is "$rc" 125 "box $c: an unknown option exits 125"
	is "$out" "box $c: unknown option '--bogus'; see 'box $c --help'" "box $c: the one-line message"
done
is "$("$BOX" rm -fz NAME 2>&1)" "box rm: unknown option '-z'; see 'box rm --help'" \
	"an unknown flag in a group is named"
out=$("$BOX" stop NAME --time 2>&1)
is "$?" 125 "a missing value exits 125"
is "$out" "box stop: option '--time' needs a value; see 'box stop --help'" "a missing value is named"
is "$("$BOX" --bogus 2>&1)" "box: unknown option '--bogus'; see 'box --help'" "box's own options too"

# --- options after the operands, --opt=value, -- and command lines
check "create takes its options after NAME" "$BOX" create opts --network=none --rootfs "$R"
out=$("$BOX" enter opts -- sh -c 'echo "$@"' x --root -f -- -e 2>&1)
is "$out" "--root -f -- -e" "enter passes everything after -- untouched"
out=$("$BOX" run opts sh -c 'echo "$@"' x --root -e A=1 2>&1)
is "$out" "--root -e A=1" "run passes everything from the command on untouched"
is "$("$BOX" run --env=A=1 opts -- sh -c 'echo $A' 2>&1)" 1 "run takes --opt=value"
is "$("$BOX" list --format=json -q)" opts "list takes --format=value and -q together"
check "stop takes -t after NAME" "$BOX" stop opts -t 1
check "rm takes -fy after NAME" "$BOX" rm opts -fy
is "$("$BOX" list -q)" "" "the sandbox is gone"
done_testing
