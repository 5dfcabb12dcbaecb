#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Network benchmark: box's net loop beside slirp4netns and pasta (passt), each
# connecting the same kind of namespace (unshare -rn, MTU 65520 where it can be
# set), and the host's own loopback as the ceiling. Measures
#   download: BYTES from a server on the host's 127.0.0.1 into the namespace
#   upload:   BYTES from the namespace to a sink on the host's 127.0.0.1
#   req/s:    ab against a small HTTP server inside, through a port forward
# All traffic stays on loopback. Prints a markdown table.
#
# usage: tests/bench/bench-net.sh [BYTES]      (default 1 GiB)
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BOX=${BOX:-$TOP/build/box}
BYTES=${1:-1073741824}
REQS=${BENCH_REQUESTS:-5000}
CONC=${BENCH_CONCURRENCY:-16}
W=$(mktemp -d /tmp/bench-net.XXXXXX)
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
NB=$W/netblast

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_for() {
	local deadline=$(($(date +%s%N) + $1 * 1000000000)); shift
	while ! "$@" >/dev/null 2>&1; do
		[ "$(date +%s%N)" -lt $deadline ] || return 1
		sleep 0.05
	done
}
# bg CMD...: start CMD in the background; its pid is in $BGPID (and ended at exit).
bg() { "$@" >/dev/null 2>&1 </dev/null & BGPID=$!; PIDS+=($BGPID); }

SP=$(free_port)
UP=$(free_port)
bg "$NB" serve 127.0.0.1 "$SP" "$BYTES"
bg "$NB" sink 127.0.0.1 "$UP"
wait_for 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$UP"

# new_ns: a user-owned network namespace; its process is $NS.
new_ns() {
	bg unshare -rn sleep 3600
	NS=$BGPID
	wait_for 5 sh -c "[ \"\$(readlink /proc/$NS/ns/net)\" != \"\$(readlink /proc/self/ns/net)\" ]"
}
in_ns() { local p=$1; shift; nsenter --preserve-credentials -t "$p" -U -n "$@"; }

# rate BYTES SECONDS -> Gbit/s
rate() { awk -v b="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.2f", b * 8 / s / 1e9; else print "-" }'; }

# CPU time (clock ticks) a process has used; 0 for none.
ticks() { [ "$1" -gt 0 ] && awk '{ print $14 + $15 }' "/proc/$1/stat" || echo 0; }

# measure NAME GATEWAY FWDPORT LOOP-PID PREFIX...: one table row. The loop's CPU
# seconds per GiB moved (both directions) is the number that load on the machine
# does not distort.
measure() {
	local name=$1 gw=$2 fport=$3 lpid=$4; shift 4
	local d u rps lat out t0 t1 cpu
	t0=$(ticks "$lpid")
	out=$("$@" "$NB" get "$gw" "$SP")
	d=$(rate $out)
	[ "${out%% *}" = "$BYTES" ] || d="failed ($out)"
	out=$("$@" "$NB" put "$gw" "$UP" "$BYTES")
	u=$(rate $out)
	t1=$(ticks "$lpid")
	cpu=$(awk -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v b="$BYTES" \
		'BEGIN { printf "%.2f", t / hz / (2 * b / 1073741824) }')
	[ "$lpid" -gt 0 ] || cpu="-"
	out=$(ab -q -n "$REQS" -c "$CONC" "http://127.0.0.1:$fport/" 2>&1)
	rps=$(printf '%s\n' "$out" | awk '/^Requests per second/ { print $4 }')
	lat=$(printf '%s\n' "$out" | awk '/^Time per request:.*\(mean\)$/ { print $4 }')
	local failed
	failed=$(printf '%s\n' "$out" | awk '/^Failed requests/ { print $3 }')
	[ "${failed:-0}" = 0 ] || rps="$rps ($failed failed)"
	printf '| %-28s | %10s | %10s | %12s | %10s | %12s |\n' "$name" "$d" "$u" "${rps:--}" \
		"${lat:--}" "$cpu"
}

printf '| %-28s | %10s | %10s | %12s | %10s | %12s |\n' "network" "down Gb/s" "up Gb/s" "req/s" \
	"ms/req" "CPU s/GiB"
printf '|%s|%s|%s|%s|%s|%s|\n' "------------------------------" "------------" "------------" \
	"--------------" "------------" "--------------"

# host loopback: the ceiling
HTP=$(free_port)
bg "$NB" http 127.0.0.1 "$HTP"
wait_for 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$HTP"
measure "host loopback" 127.0.0.1 "$HTP" 0 env

# box __netloop
new_ns
BP=$(free_port)
bg "$BOX" __netloop --netns "$NS" --ctl "$W/box.sock" --port "$BP:8080"
LP=$BGPID
wait_for 10 "$BOX" port --socket "$W/box.sock"
bg nsenter --preserve-credentials -t "$NS" -U -n "$NB" http 0.0.0.0 8080
wait_for 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$BP"
measure "box (libslirp $(pkg-config --modversion slirp 2>/dev/null))" 10.0.2.2 "$BP" "$LP" in_ns "$NS"

# slirp4netns, same MTU, forward through its API socket
if command -v slirp4netns >/dev/null; then
	new_ns
	SLP=$(free_port)
	bg slirp4netns --configure --mtu=65520 --api-socket "$W/s4.sock" "$NS" tap0
	LP=$BGPID
	wait_for 10 test -S "$W/s4.sock"
	python3 -c '
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(json.dumps({"execute": "add_hostfwd", "arguments": {"proto": "tcp",
    "host_addr": "127.0.0.1", "host_port": int(sys.argv[2]), "guest_port": 8080}}).encode())
print(s.recv(4096).decode())' "$W/s4.sock" "$SLP" >/dev/null
	bg nsenter --preserve-credentials -t "$NS" -U -n "$NB" http 0.0.0.0 8080
	wait_for 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$SLP"
	measure "slirp4netns $(slirp4netns --version | awk 'NR==1 {print $3}')" 10.0.2.2 "$SLP" \
		"$LP" in_ns "$NS"
fi

# pasta: the gateway it copies from the host maps to the host's loopback
if command -v pasta >/dev/null; then
	new_ns
	PP=$(free_port)
	bg pasta -f --config-net -m 65520 -t "$PP:8080" -u none -T none -U none "$NS"
	LP=$BGPID
	wait_for 10 sh -c "nsenter --preserve-credentials -t $NS -U -n ip route show default | grep -q via"
	GW=$(in_ns "$NS" ip route show default | awk '{ print $3; exit }')
	bg nsenter --preserve-credentials -t "$NS" -U -n "$NB" http 0.0.0.0 8080
	wait_for 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PP"
	measure "pasta $(dpkg-query -W -f '${Version}' passt 2>/dev/null | cut -c1-20)" "$GW" "$PP" \
		"$LP" in_ns "$NS"
fi
echo
echo "$((BYTES / 1048576)) MiB per transfer; ab -n $REQS -c $CONC (new connection per request);"
echo "CPU s/GiB: the network process's CPU time per GiB moved (down + up); load average $(cut -d' ' -f1 /proc/loadavg)"
