# SPDX-License-Identifier: GPL-2.0-or-later
# Shared helpers for integration tests (sourced). Each test file gets its own temp
# dir, XDG dirs and config, and cleans them up on exit. Tests print TAP via ok/fail.
#
#   . "$(dirname "$0")/../lib.sh"
#   need_userns; need_debian_rootfs
#   check "name" cmd args...        # ok when the command succeeds
#   is "$got" "$want" "name"
#   done_testing
set -u
BOX_TOP=${BOX_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
BOX_BUILD=${BOX_BUILD:-$BOX_TOP/build}
BOX=${BOX:-$BOX_BUILD/box}
PROBE=$BOX_BUILD/probe
[ -r /etc/box-tests.env ] && . /etc/box-tests.env
BOX_TEST_REGISTRY=${BOX_TEST_REGISTRY:-127.0.0.1:5000}
BOX_TEST_ROOTFS=${BOX_TEST_ROOTFS:-/var/cache/box-tests/rootfs}

T=$(mktemp -d "${TMPDIR:-/tmp}/box-test.XXXXXX")
chmod 755 "$T"
export XDG_RUNTIME_DIR=$T/run XDG_DATA_HOME=$T/data XDG_CONFIG_HOME=$T/config
export BOX_CONFIG=$T/config/box/config.ini
unset BOX_DATA_DIR BOX_RUNTIME_DIR
mkdir -p "$XDG_RUNTIME_DIR" "$XDG_DATA_HOME" "$XDG_CONFIG_HOME/box"
chmod 700 "$XDG_RUNTIME_DIR"
: >"$BOX_CONFIG"

_tap_n=0
_tap_failed=0
_cleanups=()

# at_exit CMD: run CMD (a string) when the test file ends, last registered first.
at_exit() { _cleanups+=("$1"); }

_cleanup() {
	local i
	for ((i = ${#_cleanups[@]} - 1; i >= 0; i--)); do eval "${_cleanups[$i]}" >/dev/null 2>&1 || true; done
	# A one-shot (box run --rootfs) leaves the user namespace keeper of this file's
	# runtime dir (core/sandbox/keeper.h) running until it idles out: end it.
	stop_keeper "$XDG_RUNTIME_DIR"
	# Layer files belong to subordinate ids; remove them from inside the user namespace.
	if [ -x "$BOX" ] && "$BOX" __rmtree "$T" >/dev/null 2>&1; then :; fi
	rm -rf "$T" 2>/dev/null || true
}
trap _cleanup EXIT

# keeper_pid DIR: the pid of the user namespace keeper of runtime dir DIR (its box/userns.pid),
# when that process is still a keeper; stop_keeper DIR ends it.
keeper_pid() {
	local p
	p=$(cat "$1/box/userns.pid" 2>/dev/null) || return 1
	[ "$(cat "/proc/$p/comm" 2>/dev/null)" = box-userns ] && echo "$p"
}
stop_keeper() {
	local p
	p=$(keeper_pid "$1") && kill "$p"
}

ok() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $*"; }
fail() {
	_tap_n=$((_tap_n + 1)); _tap_failed=$((_tap_failed + 1))
	echo "not ok $_tap_n - $*"
}
diag() { printf '#   %s\n' "$@"; }
skip() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $1 # SKIP ${2:-}"; }

# check NAME CMD...: pass when CMD exits 0; on failure show its output.
check() {
	local name=$1; shift
	local out
	if out=$("$@" 2>&1); then ok "$name"; else
		fail "$name"; diag "command: $*" "status: $?"; printf '%s\n' "$out" | tail -15 | sed 's/^/#   | /'
	fi
}
# check_fails NAME CMD...: pass when CMD exits non-zero.
check_fails() {
	local name=$1; shift
	if "$@" >/dev/null 2>&1; then fail "$name"; diag "command unexpectedly succeeded: $*"; else ok "$name"; fi
}
is() {
	if [ "$1" = "$2" ]; then ok "$3"; else fail "$3"; diag "got:  '$1'" "want: '$2'"; fi
}
# like GOT REGEX NAME
like() {
	if printf '%s' "$1" | grep -qE -- "$2"; then ok "$3"; else fail "$3"; diag "got: '$(printf '%s' "$1" | head -c 600)'" "want match: /$2/"; fi
}
unlike() {
	if printf '%s' "$1" | grep -qE -- "$2"; then fail "$3"; diag "got: '$(printf '%s' "$1" | head -c 600)'" "must not match: /$2/"; else ok "$3"; fi
}
# wait_until N CMD...: poll CMD every 50 ms, at most N times.
wait_until() {
	local n=$1 i; shift
	for ((i = 0; i < n; i++)); do "$@" && return 0; sleep 0.05; done
	return 1
}
done_testing() { echo "1..$_tap_n"; [ $_tap_failed -eq 0 ]; }

# tmux_shell: a host shell ("outer$ ", $BOX set) in a 120x30 tmux session on $sock,
# driven with keys KEYS... and read with pane_has REGEX / wait_pane REGEX (20 s).
tmux_shell() {
	sock=$T/tmux.sock
	at_exit "tmux -S '$sock' kill-server"
	tmux -S "$sock" -f /dev/null new-session -d -x 120 -y 30 -s t \
		"env PS1='outer\$ ' BOX='$BOX' bash --norc --noprofile -i"
}
keys() { tmux -S "$sock" send-keys -t t "$@"; }
pane_has() { tmux -S "$sock" capture-pane -p -t t 2>/dev/null | grep -qE -- "$1"; }
wait_pane() {
	wait_until 400 pane_has "$1" && return 0
	diag "screen:" "$(tmux -S "$sock" capture-pane -p -t t 2>&1 | grep -v '^$' | tail -8)"
	return 1
}

# skip_all REASON: skip the whole file (exit 77).
skip_all() { echo "# SKIP $*"; exit 77; }

need_cmd() { local c; for c in "$@"; do command -v "$c" >/dev/null 2>&1 || skip_all "$c is not installed"; done; }
need_userns() { unshare -U true 2>/dev/null || skip_all "unprivileged user namespaces are not available"; }
need_subuid() {
	grep -q "^$(id -un):" /etc/subuid 2>/dev/null || skip_all "no /etc/subuid entry for $(id -un)"
}
need_fuse() {
	[ -r /dev/fuse ] && [ -w /dev/fuse ] || skip_all "/dev/fuse is not accessible (tests/host-setup.sh sets 0666)"
	need_cmd fuse-overlayfs
}
need_tun() { [ -r /dev/net/tun ] && [ -w /dev/net/tun ] || skip_all "/dev/net/tun is not accessible"; }
need_debian_rootfs() {
	[ -x "$BOX_TEST_ROOTFS/bin/sh" ] || skip_all "no Debian userland at $BOX_TEST_ROOTFS (run tests/host-setup.sh as root)"
}
need_registry() {
	curl -fsS -m 5 "http://$BOX_TEST_REGISTRY/v2/" >/dev/null 2>&1 ||
		skip_all "no registry at $BOX_TEST_REGISTRY (run tests/host-setup.sh as root)"
}

# use_test_registry: route docker.io (and the local name) to the loopback registry.
use_test_registry() {
	cat >"$BOX_CONFIG" <<EOF2
[registry "docker.io"]
mirror = http://$BOX_TEST_REGISTRY
insecure = true

[registry "$BOX_TEST_REGISTRY"]
insecure = true
EOF2
}

# use_podman: rootless podman with its own dirs under $T (PEERS.md: no systemd, hybrid
# cgroups), the loopback registry insecure; removed when the test ends.
use_podman() {
	mkdir -p "$T/podman"
	cat >"$T/podman/containers.conf" <<EOF2
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
EOF2
	cat >"$T/podman/storage.conf" <<EOF2
[storage]
driver = "overlay"
runroot = "$T/podman/run"
graphroot = "$T/podman/storage"
[storage.options.overlay]
mount_program = "/usr/bin/fuse-overlayfs"
EOF2
	cat >"$T/podman/registries.conf" <<EOF2
[[registry]]
location = "$BOX_TEST_REGISTRY"
insecure = true
EOF2
	export CONTAINERS_CONF=$T/podman/containers.conf CONTAINERS_STORAGE_CONF=$T/podman/storage.conf
	export CONTAINERS_REGISTRIES_CONF=$T/podman/registries.conf
	at_exit "podman unshare rm -rf '$T/podman/storage' 2>/dev/null; [ -r '$XDG_RUNTIME_DIR/libpod/tmp/pause.pid' ] && kill \$(cat '$XDG_RUNTIME_DIR/libpod/tmp/pause.pid')"
}
