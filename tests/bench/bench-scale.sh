#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Many idle running sandboxes: creates N (the fast test rootfs, slirp network with the
# automatic port forwards on, as a user gets by default), then measures what they cost
# while nothing happens in them (CPU time over a window, from /proc/PID/stat, of every
# process of box's that keeps them: supervisors and net helpers), how long `box list`
# and `box stats --no-stream` take with N present, and the first `box start` against
# the last ones, and counts the fuse-overlayfs processes that keep their root file
# systems. Removes everything it created.
#
# usage: tests/bench/run.sh scale    (BENCH_SCALE_N, default 200; BENCH_SCALE_WINDOW, s, default 60)
. "$(dirname "$0")/lib.sh"

N=${BENCH_SCALE_N:-200}
WINDOW=${BENCH_SCALE_WINDOW:-60}
[ -d "$BOX_TEST_ROOTFS" ] || bench_skip "no test rootfs at $BOX_TEST_ROOTFS"
created=0
stop_all() {
	local i names=()
	for ((i = 1; i <= created; i++)); do names+=("s$i"); done
	[ ${#names[@]} -gt 0 ] && "$BOX" stop --time 1 "${names[@]}"
	[ ${#names[@]} -gt 0 ] && "$BOX" rm "${names[@]}"
}
bench_at_exit stop_all

ms_now() { date +%s%N; }
starts=$B/starts
: >"$starts"
for ((i = 1; i <= N; i++)); do
	"$BOX" create "s$i" --rootfs "$BOX_TEST_ROOTFS" >/dev/null 2>"$B/err" ||
		{ echo "cannot create sandbox s$i: $(cat "$B/err")" >&2; exit 1; }
	created=$i
	t0=$(ms_now)
	"$BOX" start "s$i" >/dev/null 2>"$B/err" ||
		{ echo "cannot start sandbox s$i: $(cat "$B/err")" >&2; exit 1; }
	echo $((($(ms_now) - t0) / 1000)) >>"$starts" # µs
done

# What keeps our sandboxes running: the supervisor and the net helper are forks of
# `box start NAME` (this $BOX), so they keep its command line.
helpers() {
	local p
	for p in /proc/[0-9]*; do
		tr '\0' ' ' 2>/dev/null <"$p/cmdline" | grep -q "^$BOX start s[0-9]" && echo "${p#/proc/}"
	done
}
# ticks PIDS...: user+system clock ticks the processes used so far.
ticks() {
	local p sum=0 t
	for p in "$@"; do
		t=$(awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$p/stat" 2>/dev/null) || continue
		sum=$((sum + ${t:-0}))
	done
	echo $sum
}
sleep 3
mapfile -t pids < <(helpers)
[ ${#pids[@]} -ge "$N" ] || echo "# warning: found ${#pids[@]} box processes for $N sandboxes" >&2
# The root file systems' fuse-overlayfs processes (exec'd, so counted apart).
mapfile -t fpids < <(pgrep -u "$(id -u)" -x fuse-overlayfs)
c0=$(ticks "${pids[@]}")
f0=$(ticks "${fpids[@]}")
sleep "$WINDOW"
c1=$(ticks "${pids[@]}")
f1=$(ticks "${fpids[@]}")
hz=$(getconf CLK_TCK)
cpu=$(awk -v a="$c0" -v b="$c1" -v hz="$hz" 'BEGIN { printf "%.2f", (b - a) / hz }')
fcpu=$(awk -v a="$f0" -v b="$f1" -v hz="$hz" 'BEGIN { printf "%.2f", (b - a) / hz }')
pct=$(awk -v c="$cpu" -v w="$WINDOW" 'BEGIN { printf "%.2f", c / w * 100 }')

# median in ms of lines (µs) l1..l2 of FILE
med() { sed -n "$2,$3p" "$1" | sort -n | awk '{ v[NR] = $1 } END {
	m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.1f", m / 1000 }'; }
timed() { # timed FILE CMD...: 7 runs of CMD, µs a line in FILE
	local i t0 f
	f=$1
	: >"$f"
	shift
	for ((i = 0; i < 7; i++)); do
		t0=$(ms_now)
		"$@" >/dev/null 2>&1
		echo $((($(ms_now) - t0) / 1000)) >>"$f"
	done
}
timed "$B/t" "$BOX" list; list=$(med "$B/t" 1 7)
timed "$B/t" "$BOX" stats --no-stream; stats=$(med "$B/t" 1 7)
k=$((N < 10 ? 1 : 5))
first=$(med "$starts" 1 "$k")
last=$(med "$starts" $((N - k + 1)) "$N")

printf '# %s idle sandboxes, window %s s, %s CPUs, load %s\n' "$N" "$WINDOW" "$(nproc)" \
	"$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-44s %12s\n' "measure" "value"
printf '%-44s %12s\n' "sandboxes running (N)" "$N"
printf '%-44s %12s\n' "box processes alive" "${#pids[@]}"
printf '%-44s %12s\n' "their CPU over the window (s)" "$cpu"
printf '%-44s %11s%%\n' "  as a share of one core" "$pct"
printf '%-44s %12s\n' "fuse-overlayfs processes" "${#fpids[@]}"
printf '%-44s %12s\n' "their CPU over the window (s)" "$fcpu"
printf '%-44s %12s\n' "box list (ms, median of 7)" "$list"
printf '%-44s %12s\n' "box stats --no-stream (ms, median of 7)" "$stats"
printf '%-44s %12s\n' "box start, first $k (ms, median)" "$first"
printf '%-44s %12s\n' "box start, last $k up to the ${N}th (ms, median)" "$last"
printf '%-44s %12s\n' "  last / first" "$(awk -v a="$first" -v b="$last" 'BEGIN { printf "%.2fx", b / a }')"
