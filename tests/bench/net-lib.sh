# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by bench-net.sh and profile-net.sh: a work dir $W (removed at exit) with
# netblast built in it ($NB), background processes ended by pid at exit, and the
# helpers that set up a user-owned network namespace the way both measure it.
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BOX=${BOX:-$TOP/build/box}
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

# new_ns: a user-owned network namespace; its process is $NS.
new_ns() {
	bg unshare -rn sleep 3600
	NS=$BGPID
	wait_for 5 sh -c "[ \"\$(readlink /proc/$NS/ns/net)\" != \"\$(readlink /proc/self/ns/net)\" ]"
}
in_ns() { local p=$1; shift; nsenter --preserve-credentials -t "$p" -U -n "$@"; }

# CPU time (clock ticks) a process has used; 0 for none.
ticks() { [ "$1" -gt 0 ] && awk '{ print $14 + $15 }' "/proc/$1/stat" || echo 0; }
