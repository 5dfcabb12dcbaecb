#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Starting the smallest sandbox: `box run --rootfs DEBIAN true` beside bubblewrap with every
# namespace and `unshare -Urm`, measured in the same run on the same Debian userland. Target:
# box within 1.3x of bwrap (box also maps the user's subordinate range, mounts a fresh /proc
# and /dev, and drops capabilities). The maps are written by newuidmap/newgidmap once, for the
# user namespace keeper that later runs join (core/sandbox/keeper.h); the "no keeper" rows
# (BOX_USERNS_IDLE=0) run those helpers every time. BOX_BASE=PATH (through run.sh) adds the
# same rows for another box binary, e.g. an older build, in the same run.
. "$(dirname "$0")/lib.sh"
bench_need_cmd bwrap unshare
[ -x "$BOX_TEST_ROOTFS/bin/true" ] || bench_skip "no Debian userland at $BOX_TEST_ROOTFS"
R=$BOX_TEST_ROOTFS

bench "fork+exec /bin/true" /bin/true
bench "unshare -Urm true" unshare -Urm true
# What box's maps cost on their own: the same namespaces with the user's subordinate range
# mapped by newuidmap/newgidmap (bwrap and -Urm write a one-id map themselves).
bench "unshare --map-auto -rm true (newuidmap/newgidmap)" unshare --map-auto --map-root-user -m true
bench "bwrap --unshare-all true" bwrap --unshare-all --ro-bind "$R" / --proc /proc --dev /dev true
bench "box run --rootfs true" "$BOX" run --rootfs "$R" true
bench "box run --rootfs --root true" "$BOX" run --rootfs "$R" --root true
bench "box run --rootfs true, no keeper (newuidmap/newgidmap each run)" \
	env BOX_USERNS_IDLE=0 "$BOX" run --rootfs "$R" true
# The same with a one-id map, as bwrap has (no subordinate range: box writes the map itself).
bench "box run --rootfs true, one-id map (no /etc/subuid entry)" \
	env BOX_SUBUID=/dev/null BOX_SUBGID=/dev/null "$BOX" run --rootfs "$R" true
bench "box run --rootfs --network slirp true" "$BOX" run --rootfs "$R" --network slirp true
if [ -n "${BOX_BASE:-}" ]; then
	bench "BOX_BASE: box run --rootfs true" "$BOX_BASE" run --rootfs "$R" true
	bench "BOX_BASE: box run --rootfs --root true" "$BOX_BASE" run --rootfs "$R" --root true
	bench "BOX_BASE: box run --rootfs --network slirp true" "$BOX_BASE" run --rootfs "$R" \
		--network slirp true
fi
bench_table "Starting a sandbox on the Debian userland" "bwrap --unshare-all true"
# The same starts again in rounds (each round runs every command once, in turn): what the
# ratios below compare ran under the same load, which the rows above, timed one command
# after another, do not on a shared host. The gap between the first two box rows is what
# newuidmap and newgidmap cost box without the keeper.
q() { printf '%q ' "$@"; }
rounds=("box run --rootfs true" "$(q "$BOX" run --rootfs "$R" true)"
	"box run --rootfs true, no keeper" "$(q env BOX_USERNS_IDLE=0 "$BOX" run --rootfs "$R" true)"
	"box run --rootfs true, one-id map"
	"$(q env BOX_SUBUID=/dev/null BOX_SUBGID=/dev/null "$BOX" run --rootfs "$R" true)"
	"bwrap --unshare-all true" "$(q bwrap --unshare-all --ro-bind "$R" / --proc /proc --dev /dev true)"
	"unshare -Urm true" "unshare -Urm true"
	"unshare --map-auto -rm true" "unshare --map-auto --map-root-user -m true")
[ -n "${BOX_BASE:-}" ] && rounds+=("BOX_BASE: box run --rootfs true" "$(q "$BOX_BASE" run --rootfs "$R" true)")
bench_rounds "${rounds[@]}"
ratio=$(awk -v a="$(bench_value "box run --rootfs true")" \
	-v b="$(bench_value "bwrap --unshare-all true")" 'BEGIN { printf "%.2f", a / b }')
bench_table "The same, in rounds" "bwrap --unshare-all true"
echo "box run / bwrap = ${ratio}x in rounds (target: at most 1.3x)"
