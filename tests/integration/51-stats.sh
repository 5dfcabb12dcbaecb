#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# box stats against /proc for a known workload (one spinning shell): CPU, process
# count and memory agree with what the kernel reports; JSON lines stream; limits
# that cannot be applied on this host give a warning that names the limit and why,
# and the sandbox still starts.
. "$(dirname "$0")/../lib.sh"
need_userns
need_subuid
need_fuse
need_debian_rootfs

at_exit "'$BOX' stop --time 1 work lim"
check "create work" "$BOX" create work --rootfs "$BOX_TEST_ROOTFS"
check "start work" "$BOX" start work
"$BOX" enter work -- sh -c 'while :; do :; done' >/dev/null 2>&1 &
spin=$!
at_exit "kill $spin"

# jget JSON KEY: a scalar field of a flat JSON object.
jget() { printf '%s' "$1" | grep -o "\"$2\":[^,}]*" | head -1 | cut -d: -f2- | tr -d '"'; }

# Wait until the spinning shell is inside (two processes: init and sh).
for ((i = 0; i < 40; i++)); do
	j=$("$BOX" stats --no-stream --format json work 2>/dev/null)
	[ "$(jget "$j" pids)" -ge 2 ] 2>/dev/null && break
	sleep 0.25
done
like "$j" '^\{"name":"work",' "--no-stream --format json prints one object"
is "$(printf '%s\n' "$j" | wc -l)" 1 "one line for one running sandbox"

cg=$(jget "$j" cgroup)
init=$(jget "$j" init_pid)
ok_pids=0
if [ -n "$cg" ] && [ "$cg" != null ]; then
	is "$(jget "$j" pids)" "$(grep -c . "$cg/cgroup.procs")" "pids = lines of the cgroup's cgroup.procs"
	pids=$(cat "$cg/cgroup.procs")
else
	diag "no cgroup here; comparing with init's process tree"
	pids=$(ps -o pid= --ppid "$init"; echo "$init")
	is "$(jget "$j" pids)" "$(printf '%s\n' $pids | grep -c .)" "pids = init and its children"
fi

# Memory: the RSS sum from /proc (no memory controller here), or memory.current.
page=$(getconf PAGESIZE)
rss=0
for p in $pids; do
	r=$(awk '{ print $2 }' "/proc/$p/statm" 2>/dev/null) && rss=$((rss + r * page))
done
mem=$(jget "$j" memory_bytes)
src=$(jget "$j" memory_source)
if [ "$src" = proc ]; then
	ok "memory_source is proc where the memory controller is not delegated"
	awk -v a="$mem" -v b="$rss" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(b > 0 && d <= b * 0.2) }' &&
		ok "memory ($mem) within 20% of the /proc RSS sum ($rss)" ||
		fail "memory ($mem) within 20% of the /proc RSS sum ($rss)"
else
	is "$src" cgroup "memory_source is cgroup"
	ok "memory from memory.current ($mem)"
fi

# CPU: measure the spinning shell's own utime+stime over 2 s, while box stats measures.
spinpid=$(for p in $pids; do [ "$(cat /proc/$p/comm 2>/dev/null)" = sh ] && echo $p; done | head -1)
hz=$(getconf CLK_TCK)
t0=$(awk '{ print $14 + $15 }' "/proc/$spinpid/stat")
s0=$(date +%s%N)
j=$("$BOX" stats --format json --interval 2 --iterations 1 work)
t1=$(awk '{ print $14 + $15 }' "/proc/$spinpid/stat")
s1=$(date +%s%N)
proc_pct=$(awk -v a="$t0" -v b="$t1" -v hz="$hz" -v ns=$((s1 - s0)) 'BEGIN { printf "%.1f", (b - a) / hz * 1e9 / ns * 100 }')
cpu=$(jget "$j" cpu_percent)
awk -v a="$cpu" -v b="$proc_pct" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 20) }' &&
	ok "cpu_percent ($cpu) agrees with /proc ($proc_pct) within 20 points" ||
	fail "cpu_percent ($cpu) agrees with /proc ($proc_pct) within 20 points"
awk -v a="$cpu" 'BEGIN { exit !(a > 5) }' && ok "a spinning shell does not show as idle ($cpu%)" ||
	fail "a spinning shell does not show as idle ($cpu%)"

# Streaming JSON lines, table output, unknown names.
n=$("$BOX" stats --format json --interval 0.2 --iterations 3 | grep -c '"name":"work"')
is "$n" 3 "three refreshes stream three JSON lines"
out=$("$BOX" stats --no-stream work)
like "$out" '^NAME +STATE +CPU %' "table header"
like "$out" $'\n''work +running +[0-9.]+%' "table row"
out=$("$BOX" stats --no-stream nosuch 2>&1)
st=$?
is "$st" 125 "an unknown sandbox name fails with 125"
like "$out" "no sandbox named 'nosuch'" "... and says which"

# Limits: pids is a cgroup v1 controller on this host, so pids = 50 cannot be applied.
root=$(sed -n 's/^0::\(.*\)$/\1/p' /proc/self/cgroup)
mnt=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
if grep -qw pids "$mnt$root/cgroup.controllers" 2>/dev/null; then
	check "create with --pids 50" "$BOX" create lim --rootfs "$BOX_TEST_ROOTFS" --pids 50
	check "start lim" "$BOX" start lim
	cg=$(sed -n 's/^cgroup=//p' "$XDG_RUNTIME_DIR/box/lim/state")
	is "$(cat "$cg/pids.max" 2>&1)" 50 "pids.max is 50"
else
	out=$("$BOX" create lim --rootfs "$BOX_TEST_ROOTFS" --pids 50 2>&1)
	like "$out" 'pids limit \(50\) not applied: .*(cgroup v1|not delegated)' \
		"create --pids 50 warns which limit is not applied and why"
	out=$("$BOX" start lim 2>&1)
	st=$?
	is "$st" 0 "the sandbox still starts"
	like "$out" 'pids limit \(50\) not applied' "start repeats the warning"
fi
is "$("$BOX" enter lim -- echo inside 2>/dev/null)" inside "a command runs in it"

# A second store (its own data and runtime dirs) holding a sandbox of the same name: each
# gets its own cgroup, and stopping one leaves the other's processes running.
other=(env XDG_DATA_HOME="$T/other/data" XDG_RUNTIME_DIR="$T/other/run")
mkdir -p "$T/other/data" "$T/other/run" && chmod 700 "$T/other/run"
at_exit "${other[*]} '$BOX' stop --time 1 lim"
check "create lim in a second store" "${other[@]}" "$BOX" create lim --rootfs "$BOX_TEST_ROOTFS"
check "start it" "${other[@]}" "$BOX" start lim
cg1=$(sed -n 's/^cgroup=//p' "$XDG_RUNTIME_DIR/box/lim/state")
cg2=$(sed -n 's/^cgroup=//p' "$T/other/run/box/lim/state")
if [ -n "$cg1" ] && [ -n "$cg2" ]; then
	if [ "$cg1" != "$cg2" ]; then ok "two stores' sandboxes of one name get different cgroups"
	else fail "two stores' sandboxes of one name share the cgroup $cg1"; fi
else
	diag "no cgroups here; only the processes are compared"
fi
"$BOX" enter lim -- sleep 60 >/dev/null 2>&1 &
sleeper=$!
at_exit "kill $sleeper"
sleep 0.5
check "stop the second store's lim" "${other[@]}" "$BOX" stop --time 1 lim
sleep 0.3
if kill -0 $sleeper 2>/dev/null; then ok "a command in the first store's lim is still running"
else fail "stopping the second store's lim killed the first one's command"; fi
is "$("$BOX" enter lim -- echo still 2>/dev/null)" still "... and the first lim still runs commands"
done_testing
