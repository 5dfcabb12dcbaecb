#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Network benchmark: box's net loop beside slirp4netns and pasta (passt), each
# connecting the same kind of namespace (unshare -rn, MTU 65520 where it can be
# set), and the host's own loopback as the ceiling. Measures
#   download: BYTES from a server on the host's 127.0.0.1 into the namespace
#   upload:   BYTES from the namespace to a sink on the host's 127.0.0.1
#   req/s:    ab against a small HTTP server inside, through a port forward
# All traffic stays on loopback. Every network is set up first, then BENCH_NET_ROUNDS
# rounds (default 5) measure each in turn (interleaved, so a change in the machine's
# load hits all alike); the table holds medians, then box's ratio to each peer.
#
# usage: tests/bench/bench-net.sh [BYTES]      (default 1 GiB)
set -u
BYTES=${1:-1073741824}
REQS=${BENCH_REQUESTS:-5000}
ROUNDS=${BENCH_NET_ROUNDS:-5}
CONC=${BENCH_CONCURRENCY:-16}
. "$(dirname "$0")/net-lib.sh"

SP=$(free_port)
UP=$(free_port)
bg "$NB" serve 127.0.0.1 "$SP" "$BYTES"
bg "$NB" sink 127.0.0.1 "$UP"
wait_for 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$UP"

# rate BYTES SECONDS -> Gbit/s
rate() { awk -v b="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.2f", b * 8 / s / 1e9; else print "-" }'; }

# The networks under test: name, gateway, forward port, loop pid, namespace pid (0: host).
NAMES=() GWS=() FPS=() LPS=() NSS=()
add_net() { NAMES+=("$1"); GWS+=("$2"); FPS+=("$3"); LPS+=("$4"); NSS+=("$5"); }

# measure I: one round of network I; appends "down up req/s ms/req cpu-ticks" to $W/I.
measure() {
	local i=$1 out d u rps lat t0 t1 failed
	local gw=${GWS[$i]} lpid=${LPS[$i]} ns=${NSS[$i]}
	local pre=(env)
	[ "$ns" -gt 0 ] && pre=(in_ns "$ns")
	t0=$(ticks "$lpid")
	out=$("${pre[@]}" "$NB" get "$gw" "$SP")
	d=$(rate $out)
	[ "${out%% *}" = "$BYTES" ] || d=nan
	out=$("${pre[@]}" "$NB" put "$gw" "$UP" "$BYTES")
	u=$(rate $out)
	t1=$(ticks "$lpid")
	out=$(ab -q -n "$REQS" -c "$CONC" "http://127.0.0.1:${FPS[$i]}/" 2>&1)
	rps=$(printf '%s\n' "$out" | awk '/^Requests per second/ { print $4 }')
	lat=$(printf '%s\n' "$out" | awk '/^Time per request:.*\(mean\)$/ { print $4 }')
	failed=$(printf '%s\n' "$out" | awk '/^Failed requests/ { print $3 }')
	[ "${failed:-0}" = 0 ] || rps=nan
	echo "${d:-nan} ${u:-nan} ${rps:-nan} ${lat:-nan} $((t1 - t0))" >>"$W/$i"
}

# median COLUMN FILE
median() {
	sort -g -k"$1","$1" "$2" | awk -v c="$1" '{ v[NR] = $c } END {
		if (NR == 0) { print "nan"; exit }
		if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# host loopback: the ceiling
HTP=$(free_port)
bg "$NB" http 127.0.0.1 "$HTP"
wait_for 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$HTP"
add_net "host loopback" 127.0.0.1 "$HTP" 0 0

# box __netloop
new_ns
BP=$(free_port)
bg "$BOX" __netloop --netns "$NS" --ctl "$W/box.sock" --port "$BP:8080"
LP=$BGPID
wait_for 10 "$BOX" port --socket "$W/box.sock"
bg nsenter --preserve-credentials -t "$NS" -U -n "$NB" http 0.0.0.0 8080
wait_for 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$BP"
add_net "box (libslirp $(pkg-config --modversion slirp 2>/dev/null))" 10.0.2.2 "$BP" "$LP" "$NS"

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
	add_net "slirp4netns $(slirp4netns --version | awk 'NR==1 {print $3}')" 10.0.2.2 "$SLP" \
		"$LP" "$NS"
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
	add_net "pasta $(dpkg-query -W -f '${Version}' passt 2>/dev/null | cut -c1-20)" "$GW" "$PP" \
		"$LP" "$NS"
fi

LOAD0=$(cut -d' ' -f1 /proc/loadavg)
for ((r = 1; r <= ROUNDS; r++)); do
	for i in "${!NAMES[@]}"; do measure "$i"; done
done

printf '| %-28s | %10s | %10s | %12s | %10s | %12s |\n' "network" "down Gb/s" "up Gb/s" "req/s" \
	"ms/req" "CPU s/GiB"
printf '|%s|%s|%s|%s|%s|%s|\n' "------------------------------" "------------" "------------" \
	"--------------" "------------" "--------------"
declare -A MED
for i in "${!NAMES[@]}"; do
	for c in 1 2 3 4 5; do MED[$i.$c]=$(median $c "$W/$i"); done
	cpu=$(awk -v t="${MED[$i.5]}" -v hz="$(getconf CLK_TCK)" -v b="$BYTES" \
		'BEGIN { printf "%.2f", t / hz / (2 * b / 1073741824) }')
	[ "${LPS[$i]}" -gt 0 ] || cpu="-"
	printf '| %-28s | %10s | %10s | %12s | %10s | %12s |\n' "${NAMES[$i]}" "${MED[$i.1]}" \
		"${MED[$i.2]}" "${MED[$i.3]}" "${MED[$i.4]}" "$cpu"
done
echo
for i in "${!NAMES[@]}"; do
	[ "$i" -ge 2 ] || continue
	awk -v n="${NAMES[$i]%% *}" -v d1="${MED[1.1]}" -v d2="${MED[$i.1]}" -v u1="${MED[1.2]}" \
		-v u2="${MED[$i.2]}" -v r1="${MED[1.3]}" -v r2="${MED[$i.3]}" 'BEGIN {
		printf "box / %s: down %.2fx, up %.2fx, req/s %.2fx\n", n, d1 / d2, u1 / u2, r1 / r2 }'
done
awk -v d="${MED[1.1]}" -v u="${MED[1.2]}" -v hd="${MED[0.1]}" -v hu="${MED[0.2]}" 'BEGIN {
	printf "box / host loopback: down %.2fx, up %.2fx\n", d / hd, u / hu }'
echo
echo "medians of $ROUNDS interleaved rounds; $((BYTES / 1048576)) MiB per transfer; ab -n $REQS -c $CONC"
echo "(new connection per request); CPU s/GiB: the network process's CPU time per GiB moved"
echo "(down + up); load average $LOAD0 at the start, $(cut -d' ' -f1 /proc/loadavg) at the end"
