#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Where box's net helper spends a download's time: the helper (box __netloop) connects a
# fresh user+network namespace as bench-net.sh sets it up, a client inside downloads BYTES
# from a server on the host's 127.0.0.1, and `perf record` samples the helper meanwhile.
# Prints the download's rate and perf's table by library and by symbol. Not a benchmark
# (no peers): the profile behind bench-net's download row. Run as root (perf).
#
# usage: tests/bench/profile-net.sh [BYTES] [SECONDS]   (default 4 GiB, 6 s of samples)
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BOX=${BOX:-$TOP/build/box}
BYTES=${1:-4294967296}
SECS=${2:-6}
command -v perf >/dev/null || { echo "profile-net: perf is not installed (apt-get install linux-perf)" >&2; exit 77; }
[ -x "$BOX" ] || { echo "profile-net: build box first (make)" >&2; exit 1; }
W=$(mktemp -d /tmp/profile-net.XXXXXX)
chmod 755 "$W"
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
cc -O2 -o "$W/netblast" "$TOP/tests/bench/netblast.c" || exit 1
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$W/netblast" serve 127.0.0.1 "$port" "$BYTES" >/dev/null 2>&1 &
PIDS+=($!)
unshare -rn sleep 600 &
ns=$!
PIDS+=($ns)
for _ in $(seq 50); do
	[ "$(readlink /proc/$ns/ns/net)" != "$(readlink /proc/self/ns/net)" ] && break
	sleep 0.05
done
"$BOX" __netloop --netns "$ns" --ctl "$W/box.sock" >/dev/null 2>&1 &
helper=$!
PIDS+=($helper)
for _ in $(seq 100); do "$BOX" port --socket "$W/box.sock" >/dev/null 2>&1 && break; sleep 0.05; done
perf record -F 2000 -g -p "$helper" -o "$W/perf.data" -- sleep "$SECS" >/dev/null 2>&1 &
rec=$!
sleep 0.2
t0=$(awk '{ print $14 + $15 }' /proc/$helper/stat)
out=$(nsenter --preserve-credentials -t "$ns" -U -n "$W/netblast" get 10.0.2.2 "$port")
t1=$(awk '{ print $14 + $15 }' /proc/$helper/stat)
wait $rec
read -r got secs <<<"$out"
awk -v b="$got" -v s="$secs" -v c=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" 'BEGIN {
	printf "download: %.0f bytes in %.2f s = %.2f Gb/s; the helper used %.0f%% of a core\n",
		b, s, b * 8 / s / 1e9, 100 * c / hz / s }'
echo "== by library"
perf report -i "$W/perf.data" --no-children --sort dso -g none --stdio 2>/dev/null | grep '%' | head -8
echo "== by symbol"
perf report -i "$W/perf.data" --no-children --sort dso,sym -g none --stdio 2>/dev/null |
	grep '%' | head -"${TOP_N:-20}"
