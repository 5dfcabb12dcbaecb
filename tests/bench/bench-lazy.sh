#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# What the lazy-library stubs (core/util/lazylib.c, core/util/lazy-stubs.sh) save: the
# same box linked with them (build/box) and without (build/box-nolazy, `make bench`
# builds it), into the same running sandbox, in alternating rounds (A B B A) so a
# machine whose load drifts weighs on both alike.
. "$(dirname "$0")/lib.sh"
NOLAZY=${BOX_BUILD:-$BOX_TOP/build}/box-nolazy
[ -x "$NOLAZY" ] || bench_skip "no $NOLAZY: make $NOLAZY"
REG=$BOX_TEST_REGISTRY
cat >"$BOX_CONFIG" <<E
[registry "docker.io"]
mirror = http://$REG
insecure = true
E
cd "$HOME" || bench_skip "no home directory"
bench_at_exit "'$BOX' stop --time 1 bench-lazy"
"$BOX" pull debian:bookworm >/dev/null 2>&1 || bench_skip "cannot pull debian:bookworm from $REG"
"$BOX" create bench-lazy --image debian:bookworm >/dev/null || bench_skip "box create failed"
"$BOX" start bench-lazy || bench_skip "box start failed"

for round in 1 2; do
	for which in lazy nolazy; do
		[ $round = 2 ] && which=$([ $which = lazy ] && echo nolazy || echo lazy)
		b=$BOX
		[ $which = nolazy ] && b=$NOLAZY
		bench "box run NAME true ($which, round $round)" "$b" run bench-lazy true
		bench "box enter NAME -- true ($which, round $round)" "$b" enter bench-lazy -- true
	done
done

# The median of the two rounds' medians of each row.
mean2() { awk -v a="$(bench_value "$1 ($2, round 1)")" -v b="$(bench_value "$1 ($2, round 2)")" \
	'BEGIN { printf "%.2f", (a + b) / 2 }'; }
for what in "box run NAME true" "box enter NAME -- true"; do
	l=$(mean2 "$what" lazy)
	n=$(mean2 "$what" nolazy)
	bench_row "$what (with the stubs)" "$l" ms
	bench_row "$what (libraries linked as usual)" "$n" ms
	awk -v l="$l" -v n="$n" -v w="$what" 'BEGIN {
		printf "%s: without / with the stubs = %.3fx, saved %.2f ms\n", w, n / l, n - l }'
done
bench_table "The lazy-library stubs: the same box with and without them"
size_l=$(stat -c %s "$BOX")
size_n=$(stat -c %s "$NOLAZY")
echo "libraries mapped at start: with $(ldd "$BOX" | wc -l), without $(ldd "$NOLAZY" | wc -l)" \
	"(binaries: $size_l and $size_n bytes)"
