#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# An exported program (`box export NAME --bin`) beside `box run NAME -- PATH`, into a running
# sandbox, in one run: the wrapper is a link to box that runs the program itself (one exec),
# shown beside the shell-script wrapper box wrote before (#!/bin/sh + exec box run: a shell
# and a second exec) and the floor of a bare fork+exec. Target: the wrapper adds no more than
# a few ms over `box run`.
. "$(dirname "$0")/lib.sh"
REG=$BOX_TEST_REGISTRY
cat >"$BOX_CONFIG" <<E
[registry "docker.io"]
mirror = http://$REG
insecure = true
E
cd "$HOME" || bench_skip "no home directory"
bench_at_exit "'$BOX' stop --time 1 bexp"
"$BOX" create bexp --image debian:bookworm --network none >/dev/null 2>&1 ||
	bench_skip "cannot create a sandbox from debian:bookworm at $REG"
"$BOX" start bexp || bench_skip "box start failed"
"$BOX" export bexp --bin /usr/bin/true --dir "$B/bin" >/dev/null || bench_skip "box export failed"
printf '#!/bin/sh\nexec %q run bexp -- /usr/bin/true "$@"\n' "$BOX" >"$B/sh-true"
chmod 755 "$B/sh-true"

bench "fork+exec /bin/true (host)" /bin/true
bench "box run NAME -- /usr/bin/true" "$BOX" run bexp -- /usr/bin/true
bench "exported wrapper (link to box)" "$B/bin/true"
bench "shell-script wrapper (before)" "$B/sh-true"
over=$(awk -v a="$(bench_value "exported wrapper (link to box)")" \
	-v b="$(bench_value "box run NAME -- /usr/bin/true")" 'BEGIN { printf "%+.2f", a - b }')
bench_table "An exported program vs box run, into a running sandbox" "box run NAME -- /usr/bin/true"
echo "exported wrapper - box run = ${over} ms (target: a few ms at most)"
