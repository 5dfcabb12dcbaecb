#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Where box's net helper spends a download's time: the helper (box __netloop) connects a
# fresh user+network namespace as bench-net.sh sets it up, a client inside downloads BYTES
# from a server on the host's 127.0.0.1 (or, with PROFILE_NET_DIR=up, uploads them to a
# sink there), and `perf record` samples the helper meanwhile. Prints the transfer's rate
# and perf's table by library and by symbol. Not a benchmark (no peers): the profile
# behind bench-net's download and upload rows. Run as root (perf).
#
# usage: tests/bench/profile-net.sh [BYTES] [SECONDS]   (default 4 GiB, 6 s of samples)
set -u
BYTES=${1:-4294967296}
SECS=${2:-6}
DIR=${PROFILE_NET_DIR:-down}
command -v perf >/dev/null || { echo "profile-net: perf is not installed (apt-get install linux-perf)" >&2; exit 77; }
. "$(dirname "$0")/net-lib.sh"
[ -x "$BOX" ] || { echo "profile-net: build box first (make)" >&2; exit 1; }

port=$(free_port)
if [ "$DIR" = up ]; then bg "$NB" sink 127.0.0.1 "$port"; else bg "$NB" serve 127.0.0.1 "$port" "$BYTES"; fi
new_ns
bg "$BOX" __netloop --netns "$NS" --ctl "$W/box.sock"
helper=$BGPID
wait_for 10 "$BOX" port --socket "$W/box.sock"
perf record -F 2000 -g -p "$helper" -o "$W/perf.data" -- sleep "$SECS" >/dev/null 2>&1 &
rec=$!
sleep 0.2
# The whole machine's busy and idle ticks (/proc/stat): whether a core is left over.
machine() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8, $5 + $6 }' /proc/stat; }
t0=$(ticks "$helper")
read -r busy0 idle0 < <(machine)
if [ "$DIR" = up ]; then
	out=$(in_ns "$NS" "$NB" put 10.0.2.2 "$port" "$BYTES")
else
	out=$(in_ns "$NS" "$NB" get 10.0.2.2 "$port")
fi
read -r busy1 idle1 < <(machine)
t1=$(ticks "$helper")
wait $rec
read -r got secs <<<"$out"
awk -v b="$got" -v s="$secs" -v c=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v dir="$DIR" \
	-v busy=$((busy1 - busy0)) -v idle=$((idle1 - idle0)) -v n="$(nproc)" 'BEGIN {
	printf "%s: %.0f bytes in %.2f s = %.2f Gb/s; the helper used %.0f%% of a core\n",
		dir == "up" ? "upload" : "download", b, s, b * 8 / s / 1e9, 100 * c / hz / s
	printf "the machine meanwhile: %.0f%% of its %d cores busy (server, helper and client)\n",
		100 * busy / (busy + idle), n }'
echo "== by library"
perf report -i "$W/perf.data" --no-children --sort dso -g none --stdio 2>/dev/null | grep '%' | head -8
echo "== by symbol"
perf report -i "$W/perf.data" --no-children --sort dso,sym -g none --stdio 2>/dev/null |
	grep '%' | head -"${TOP_N:-20}"
