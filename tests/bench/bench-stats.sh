#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# CPU cost of watching sandboxes: `box dash` (in a tmux pane) and `box stats` refreshing
# once a second over a window, with 1, 10 and 50 running sandboxes, beside
# `podman stats` for the same number of podman containers. Reports CPU seconds used
# and that as a percentage of one core. Run as the test user (as root it re-runs
# itself as $BOX_TEST_USER inside the delegated cgroup). Everything lives in a temp dir.
#
# usage: tests/bench/bench-stats.sh [WINDOW_SECONDS] [COUNTS...]   (default 60, or BENCH_STATS_WINDOW; 1 10 50)
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
[ -r /etc/box-tests.env ] && . /etc/box-tests.env
if [ "$(id -u)" = 0 ]; then
	u=${BOX_TEST_USER:-boxtest}
	stage=$(mktemp -d /tmp/box-bench.XXXXXX)
	mkdir -p "$stage/build"
	cp -a "$TOP/build/box" "$stage/build/box"
	cp -a "$TOP/tests" "$stage/"
	chown -R "$u" "$stage"
	chmod 755 "$stage"
	if [ -n "${BOX_TEST_CGROUP:-}" ] && [ -w "$BOX_TEST_CGROUP/cgroup.procs" ]; then
		echo $$ >"$BOX_TEST_CGROUP/cgroup.procs" 2>/dev/null || true
	fi
	cd /
	setpriv --reuid="$u" --regid="$u" --init-groups env -i HOME="$(getent passwd "$u" | cut -d: -f6)" \
		USER="$u" PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin LANG=C.UTF-8 \
		XDG_RUNTIME_DIR="/run/user/$(id -u "$u")" BOX_BENCH_BOX="$stage/build/box" \
		bash "$stage/tests/bench/bench-stats.sh" "$@"
	rc=$?
	rm -rf "$stage"
	exit $rc
fi
WINDOW=${1:-${BENCH_STATS_WINDOW:-60}}
[ $# -gt 0 ] && shift
if [ $# -gt 0 ]; then COUNTS=("$@"); else COUNTS=(1 10 50); fi
BOX=${BOX_BENCH_BOX:-$TOP/build/box}
REG=${BOX_TEST_REGISTRY:-127.0.0.1:5000}
ROOTFS=${BOX_TEST_ROOTFS:-/var/cache/box-tests/rootfs}
W=$(mktemp -d /tmp/box-bench-w.XXXXXX)
chmod 755 "$W"
export XDG_RUNTIME_DIR=$W/run XDG_DATA_HOME=$W/data XDG_CONFIG_HOME=$W/config
export BOX_CONFIG=$W/config/box/config.ini
mkdir -p "$XDG_RUNTIME_DIR" "$W/config/box" "$W/config/containers" && chmod 700 "$XDG_RUNTIME_DIR"
: >"$BOX_CONFIG"
export CONTAINERS_CONF=$W/config/containers/containers.conf
export CONTAINERS_STORAGE_CONF=$W/config/containers/storage.conf
export CONTAINERS_REGISTRIES_CONF=$W/config/containers/registries.conf
printf '[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\nruntime = "runc"\n' >"$CONTAINERS_CONF"
printf '[storage]\ndriver = "overlay"\nrunroot = "%s/prun"\ngraphroot = "%s/pstore"\n[storage.options.overlay]\nmount_program = "/usr/bin/fuse-overlayfs"\n' \
	"$W" "$W" >"$CONTAINERS_STORAGE_CONF"
printf '[[registry]]\nlocation = "%s"\ninsecure = true\n' "$REG" >"$CONTAINERS_REGISTRIES_CONF"
TM=(tmux -S "$W/tmux.sock" -f /dev/null)
created=0
podmans=0

cleanup() {
	"${TM[@]}" kill-server >/dev/null 2>&1
	local i names=()
	for ((i = 1; i <= created; i++)); do names+=("b$i"); done
	[ ${#names[@]} -gt 0 ] && "$BOX" stop --time 1 "${names[@]}" >/dev/null 2>&1
	for ((i = 1; i <= podmans; i++)); do podman rm -f -t 0 "pb$i" >/dev/null 2>&1; done
	podman system reset -f >/dev/null 2>&1
	"$BOX" __rmtree "$W" >/dev/null 2>&1
	rm -rf "$W" 2>/dev/null
}
trap cleanup EXIT

# cpu_of CMD...: run CMD, print the CPU seconds (user+sys) it and its children used.
cpu_of() {
	/usr/bin/time -f '%U %S' -o "$W/time" "$@" >/dev/null 2>"$W/err"
	awk '{ printf "%.2f", $1 + $2 }' "$W/time"
}

# ensure N: at least N running box sandboxes b1..bN.
ensure() {
	while [ $created -lt "$1" ]; do
		created=$((created + 1))
		"$BOX" create "b$created" --rootfs "$ROOTFS" >/dev/null 2>&1 &&
			"$BOX" start "b$created" >/dev/null 2>&1 ||
			{ echo "cannot start sandbox b$created: $(cat "$W/err" 2>/dev/null)" >&2; return 1; }
	done
}

ensure_podman() {
	while [ $podmans -lt "$1" ]; do
		podmans=$((podmans + 1))
		podman run -d --name "pb$podmans" "$REG/library/debian:bookworm" sleep infinity \
			>/dev/null 2>"$W/perr" || return 1
	done
}

dash_cpu() {
	local f=$W/dash.time
	rm -f "$f"
	"${TM[@]}" new-session -d -x 160 -y 60 \
		"env TERM=xterm-256color /usr/bin/time -f '%U %S' -o $f '$BOX' dash --interval 1 --iterations $WINDOW"
	for ((i = 0; i < WINDOW * 4 + 60; i++)); do [ -s "$f" ] && break; sleep 0.5; done
	awk '{ printf "%.2f", $1 + $2 }' "$f" 2>/dev/null || echo "?"
}

pct() { awk -v c="$1" -v w="$WINDOW" 'BEGIN { if (c == "?") print "?"; else printf "%.2f%%", c / w * 100 }'; }

printf '# window %s s, refresh every 1 s, %s CPUs, load %s\n' "$WINDOW" "$(nproc)" "$(cut -d' ' -f1 /proc/loadavg)"
podman_ok=1
podman pull -q "$REG/library/debian:bookworm" >/dev/null 2>"$W/perr" || podman_ok=0
printf '%-10s %-22s %10s %10s\n' sandboxes tool "cpu s" "% of core"
for n in "${COUNTS[@]}"; do
	ensure "$n" || break
	sleep 2
	c=$(dash_cpu)
	printf '%-10s %-22s %10s %10s\n' "$n" "box dash" "$c" "$(pct "$c")"
	c=$(cpu_of "$BOX" stats --interval 1 --iterations "$WINDOW")
	printf '%-10s %-22s %10s %10s\n' "$n" "box stats" "$c" "$(pct "$c")"
	if [ $podman_ok = 1 ] && ensure_podman "$n"; then
		c=$(cpu_of timeout "$WINDOW" podman stats --interval 1)
		if grep -qi 'error' "$W/err"; then
			printf '%-10s %-22s %10s %10s  %s\n' "$n" "podman stats" "-" "-" "$(grep -i -m1 error "$W/err" | cut -c1-120)"
			podman_ok=0 # more containers will not change that
		else
			printf '%-10s %-22s %10s %10s\n' "$n" "podman stats" "$c" "$(pct "$c")"
		fi
	elif [ -s "$W/perr" ]; then
		podman_ok=0
		printf '%-10s %-22s %10s %10s  %s\n' "$n" "podman stats" "-" "-" \
			"podman cannot run containers here: $(grep -m1 . "$W/perr" | cut -c1-100)"
	else
		printf '%-10s %-22s %10s %10s  %s\n' "$n" "podman stats" "-" "-" "(see above)"
	fi
done
