# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the pull benchmarks (sourced): run as the test user, a work dir on the root file
# system, box's and podman's own configuration in it, and a timer that appends to $W/t.NAME.
#
#   . "$(dirname "$0")/pull-lib.sh"
#   pull_as_test_user "$@"     # as root: re-runs the calling script as the test user
#   pull_setup                 # $W, $BOX, $P, podman_env, box's XDG dirs, cleanup on exit
#   run NAME PREPARE CMD       # time CMD after PREPARE; ms appended to $W/t.NAME
#
# BOX_BASE=PATH (another box binary, e.g. main's build) is copied along for the test user.
set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
[ -r /etc/box-tests.env ] && . /etc/box-tests.env
REG=${BOX_TEST_REGISTRY:-127.0.0.1:5000}

# pull_as_test_user SCRIPT ARGS...: as root, run SCRIPT as the test user from a staged copy
# of the build, tests/bench and tests/registry-tool.py, and exit with its status.
pull_as_test_user() {
	[ "$(id -u)" = 0 ] || return 0
	local user=${BOX_TEST_USER:?run tests/host-setup.sh first} stage uhome rc script
	script=$(basename "$1")
	shift
	stage=$(mktemp -d /var/tmp/box-bench.XXXXXX)
	mkdir -p "$stage/build" "$stage/tests"
	cp -a "$BUILD/box" "$stage/build/"
	[ -n "${BOX_BASE:-}" ] && cp -a "$BOX_BASE" "$stage/build/box-base"
	cp -a "$TOP/tests/bench" "$TOP/tests/registry-tool.py" "$stage/tests/"
	chown -R "$user:" "$stage"
	uhome=$(getent passwd "$user" | cut -d: -f6)
	setpriv --reuid="$user" --regid="$user" --init-groups env -i HOME="$uhome" USER="$user" \
		PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin LANG=C.UTF-8 \
		${BOX_BASE:+BOX_BASE=$stage/build/box-base} \
		${BOX_PULL_SYNC_MODES:+BOX_PULL_SYNC_MODES="$BOX_PULL_SYNC_MODES"} \
		bash "$stage/tests/bench/$script" "$@"
	rc=$?
	rm -rf "$stage"
	exit $rc
}

pull_need() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null || { echo "bench: $c is not installed" >&2; exit 77; }
	done
	curl -fsS -m 5 "http://$REG/v2/" >/dev/null || { echo "bench: no registry at $REG" >&2; exit 77; }
}

_pull_cleanup() {
	"$BOX" __rmtree "$W" >/dev/null 2>&1
	podman --root "$P/storage" --runroot "$P/run" unshare rm -rf "$P" >/dev/null 2>&1
	rm -rf "$W" 2>/dev/null
}

# podman: rootless with its own HOME, overlay + fuse-overlayfs, runc, cgroupfs (PEERS.md);
# box: its own XDG dirs, docker.io sent to the local registry. Same disk for everyone: a
# work dir under /var/tmp (the root file system).
pull_setup() {
	W=$(mktemp -d /var/tmp/box-bench-run.XXXXXX)
	BOX=$BUILD/box
	P=$W/podman
	trap _pull_cleanup EXIT
	export XDG_RUNTIME_DIR=$W/xdg-run XDG_CONFIG_HOME=$W/xdg-config BOX_CONFIG=$W/box.ini
	mkdir -p "$XDG_RUNTIME_DIR" "$XDG_CONFIG_HOME"
	chmod 700 "$XDG_RUNTIME_DIR"
	printf '[registry "docker.io"]\nmirror = http://%s\ninsecure = true\n' "$REG" >"$BOX_CONFIG"
	mkdir -p "$P/home/.config/containers" "$P/storage" "$P/run"
	cat >"$P/home/.config/containers/containers.conf" <<EOC
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
EOC
	cat >"$P/home/.config/containers/storage.conf" <<EOC
[storage]
driver = "overlay"
graphroot = "$P/storage"
runroot = "$P/run"
[storage.options.overlay]
mount_program = "/usr/bin/fuse-overlayfs"
EOC
	cat >"$P/home/.config/containers/registries.conf" <<EOC
[[registry]]
location = "$REG"
insecure = true
EOC
}

podman_env() { env HOME="$P/home" XDG_CONFIG_HOME="$P/home/.config" XDG_DATA_HOME="$P/home/.local/share" "$@"; }

ms() { echo $(($(date +%s%N) / 1000000)); }

# run NAME PREPARE CMD: time CMD (after PREPARE), append ms to $W/t.NAME
run() {
	local name=$1 prep=$2 cmd=$3 t0 t1
	eval "$prep" >/dev/null 2>&1
	sync
	t0=$(ms)
	if ! eval "$cmd" >"$W/out.$name" 2>&1; then
		echo "bench: $name failed:" >&2
		tail -5 "$W/out.$name" >&2
		echo fail >>"$W/t.$name"
		return
	fi
	t1=$(ms)
	echo $((t1 - t0)) >>"$W/t.$name"
}

# Fresh stores before each timed pull. The last run's store is moved aside, not removed, and
# everything is removed at the end: on ext4 without a journal (this machine's root) a new
# inode is not given a number freed in the last minute (six while its inode table block is
# dirty), and finding one scans the inode table (recently_deleted() in the kernel). After a
# store of 10,000 files was removed, that scan took 38% of a Debian layer's pull (perf), a
# cost of removing, not of pulling; it slowed box and podman alike.
pull_aside() { [ -e "$1" ] && mv "$1" "$W/aside.$(date +%s%N)"; }
BOX_FRESH='pull_aside "$W/box-data"; mkdir -p "$W/box-data"'
PODMAN_FRESH='pull_aside "$P/storage"; pull_aside "$P/run"; mkdir -p "$P/storage" "$P/run"'
