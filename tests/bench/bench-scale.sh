#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Many idle running sandboxes: creates N (the fast test rootfs, slirp network with the
# automatic port forwards on, as a user gets by default), then measures what they cost
# while nothing happens in them (CPU time over a window, from /proc/PID/schedstat, of
# every process of box's that keeps them: supervisors, holders, inits and net helpers;
# their fuse-overlayfs processes apart), how long `box list` and `box stats --no-stream`
# take with N present (elapsed, and their own CPU time, which a busy shared host does
# not inflate as much), the first `box start` against the last ones, and one sandbox
# started again alone against the same with N running. Removes everything it created.
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
# restarts FILE: stop and start s1 5 times, the starts' µs a line in FILE.
restarts() {
	local j t0
	: >"$1"
	for ((j = 0; j < 5; j++)); do
		"$BOX" stop --time 1 s1 >/dev/null 2>&1
		t0=$(ms_now)
		"$BOX" start s1 >/dev/null 2>&1
		echo $((($(ms_now) - t0) / 1000)) >>"$1"
	done
}
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
	# s1 alone: its later starts (no first-start setup) against the same with N running.
	[ "$i" = 1 ] && restarts "$B/restart1"
done

# What keeps our sandboxes running: the supervisor and the net helper are forks of
# `box start NAME` (this $BOX), so they keep its command line.
helpers() {
	local p
	for p in /proc/[0-9]*; do
		tr '\0' ' ' 2>/dev/null <"$p/cmdline" | grep -q "^$BOX start s[0-9]" && echo "${p#/proc/}"
	done
}
# cpu_ns PIDS...: nanoseconds on a CPU the processes used so far (schedstat; clock
# ticks where the kernel has no schedstat: a wakeup shorter than a tick is sampled).
cpu_ns() {
	local p sum=0 t hz
	hz=$(getconf CLK_TCK)
	for p in "$@"; do
		if [ -r "/proc/$p/schedstat" ]; then
			t=$(cut -d' ' -f1 "/proc/$p/schedstat" 2>/dev/null) || continue
		else
			t=$(awk -v hz="$hz" '{ sub(/.*\) /, ""); printf "%d", ($12 + $13) * 1e9 / hz }' \
				"/proc/$p/stat" 2>/dev/null) || continue
		fi
		sum=$((sum + ${t:-0}))
	done
	echo $sum
}
# An idle net helper looks less often once nothing ran for 10 s, and doubles its interval
# up to 4 s from there: the window starts when the last started sandbox is there too.
sleep 20
mapfile -t pids < <(helpers)
[ ${#pids[@]} -ge "$N" ] || echo "# warning: found ${#pids[@]} box processes for $N sandboxes" >&2
# The root file systems' fuse-overlayfs processes: exec'd (another command line) and
# running as a subordinate id, so found by the upper dirs under $B they were given.
fuse_pids() {
	local p
	for p in /proc/[0-9]*; do
		[ "$(cat "$p/comm" 2>/dev/null)" = fuse-overlayfs ] &&
			tr '\0' ' ' 2>/dev/null <"$p/cmdline" | grep -qF "$B/" && echo "${p#/proc/}"
	done
}
mapfile -t fpids < <(fuse_pids)
# The same by role (the name each process gives itself), with its wakeups (voluntary
# context switches: it slept and was woken again). Read without a fork per process, so
# that both ends of the window are taken within a moment.
ROLES=(box-supervise box-holder box-init box-net)
declare -A role rc0 rc1 rw0 rw1
for p in "${pids[@]}"; do
	read -r r 2>/dev/null <"/proc/$p/comm" && role[$p]=$r
done
role_snap() { # role_snap 0|1: CPU ns (schedstat) and wakeups by role into rc0/rw0 or rc1/rw1
	local p r t k v
	local -n snap_cpu=rc$1 snap_sw=rw$1
	for r in "${ROLES[@]}"; do snap_cpu[$r]=0 snap_sw[$r]=0; done
	for p in "${pids[@]}"; do
		r=${role[$p]:-}
		[ -n "$r" ] && read -r t _ 2>/dev/null <"/proc/$p/schedstat" || continue
		snap_cpu[$r]=$((snap_cpu[$r] + t))
		while read -r k v; do
			[ "$k" = voluntary_ctxt_switches: ] && snap_sw[$r]=$((snap_sw[$r] + v))
		done <"/proc/$p/status"
	done
}
load0=$(cut -d' ' -f1-3 /proc/loadavg)
c0=$(cpu_ns "${pids[@]}")
f0=$(cpu_ns "${fpids[@]}")
role_snap 0
sleep "$WINDOW"
role_snap 1
c1=$(cpu_ns "${pids[@]}")
f1=$(cpu_ns "${fpids[@]}")
cpu=$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
fcpu=$(awk -v a="$f0" -v b="$f1" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
fpct=$(awk -v c="$fcpu" -v w="$WINDOW" 'BEGIN { printf "%.2f", c / w * 100 }')
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
# CPU time of one run (user + system, ms, mean of 7): on a busy shared host, where the
# elapsed time mostly waits for a CPU, what the command itself costs.
cpu_ms() {
	command -v perf >/dev/null 2>&1 || { echo -; return; }
	perf stat -r 7 -x, -e task-clock "$@" 2>&1 >/dev/null | awk -F, '/task-clock/ { printf "%.1f", $1 }'
}
list_cpu=$(cpu_ms "$BOX" list)
stats_cpu=$(cpu_ms "$BOX" stats --no-stream)
restarts "$B/restartN"
k=$((N < 10 ? 1 : 5))
first=$(med "$starts" 1 "$k")
last=$(med "$starts" $((N - k + 1)) "$N")

printf '# %s idle sandboxes, window %s s, %s CPUs, load %s before the window, %s at the end\n' \
	"$N" "$WINDOW" "$(nproc)" "$load0" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-44s %12s\n' "measure" "value"
printf '%-44s %12s\n' "sandboxes running (N)" "$N"
printf '%-44s %12s\n' "box processes alive" "${#pids[@]}"
printf '%-44s %12s\n' "their CPU over the window (s)" "$cpu"
printf '%-44s %11s%%\n' "  as a share of one core" "$pct"
for r in "${ROLES[@]}"; do
	printf '%-44s %12s\n' "  $r: CPU ms, wakeups" \
		"$(((rc1[$r] - rc0[$r]) / 1000000)) $((rw1[$r] - rw0[$r]))"
done
printf '%-44s %12s\n' "fuse-overlayfs processes" "${#fpids[@]}"
printf '%-44s %12s\n' "their CPU over the window (s)" "$fcpu"
printf '%-44s %11s%%\n' "  as a share of one core" "$fpct"
printf '%-44s %12s\n' "box list (ms, median of 7)" "$list"
printf '%-44s %12s\n' "box stats --no-stream (ms, median of 7)" "$stats"
printf '%-44s %12s\n' "box list CPU (ms, mean of 7)" "$list_cpu"
printf '%-44s %12s\n' "box stats --no-stream CPU (ms, mean of 7)" "$stats_cpu"
printf '%-44s %12s\n' "box start, first $k (ms, median)" "$first"
printf '%-44s %12s\n' "box start, last $k up to the ${N}th (ms, median)" "$last"
printf '%-44s %12s\n' "  last / first" "$(awk -v a="$first" -v b="$last" 'BEGIN { printf "%.2fx", b / a }')"
r1=$(med "$B/restart1" 1 5)
rn=$(med "$B/restartN" 1 5)
printf '%-44s %12s\n' "s1 started again, alone (ms, median of 5)" "$r1"
printf '%-44s %12s\n' "s1 started again, $N running (ms, median of 5)" "$rn"
printf '%-44s %12s\n' "  with $N / alone" "$(awk -v a="$r1" -v b="$rn" 'BEGIN { printf "%.2fx", b / a }')"
