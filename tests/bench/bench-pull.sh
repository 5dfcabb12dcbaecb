#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Pull of the Debian image from the local registry into an empty store, side by side
# in one run: box pull, podman pull (rootless, its own temp HOME/XDG dirs, overlay with
# fuse-overlayfs as PEERS.md says), skopeo copy to a directory, and the floor: curl of
# the layer blob piped into tar -xz on the same disk. Prints medians of N runs and
# box's extraction throughput (MB/s of the uncompressed layer, files/s).
#
# usage: tests/bench/bench-pull.sh [RUNS]     (as root: runs as the test user)
#   BOX_BASE=PATH  also time another box binary (e.g. main's build) in the same runs,
#                  to compare a change with its base on a busy machine
set -u
RUNS=${1:-5}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
[ -r /etc/box-tests.env ] && . /etc/box-tests.env
REG=${BOX_TEST_REGISTRY:-127.0.0.1:5000}
IMAGE=${BOX_TEST_IMAGE:-library/debian:bookworm}

if [ "$(id -u)" = 0 ]; then
	user=${BOX_TEST_USER:?run tests/host-setup.sh first}
	stage=$(mktemp -d /var/tmp/box-bench.XXXXXX)
	mkdir -p "$stage/build" "$stage/tests/bench"
	cp -a "$BUILD/box" "$stage/build/"
	[ -n "${BOX_BASE:-}" ] && cp -a "$BOX_BASE" "$stage/build/box-base"
	cp -a "$0" "$stage/tests/bench/"
	chown -R "$user:" "$stage"
	uhome=$(getent passwd "$user" | cut -d: -f6)
	setpriv --reuid="$user" --regid="$user" --init-groups env -i HOME="$uhome" USER="$user" \
		PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin LANG=C.UTF-8 \
		${BOX_BASE:+BOX_BASE=$stage/build/box-base} \
		bash "$stage/tests/bench/bench-pull.sh" "$RUNS"
	rc=$?
	rm -rf "$stage"
	exit $rc
fi

for c in curl tar podman skopeo python3; do
	command -v $c >/dev/null || { echo "bench-pull: $c is not installed" >&2; exit 77; }
done
curl -fsS -m 5 "http://$REG/v2/" >/dev/null || { echo "bench-pull: no registry at $REG" >&2; exit 77; }

# Same disk for everyone: a work dir under /var/tmp (the root file system).
W=$(mktemp -d /var/tmp/box-bench-run.XXXXXX)
BOX=$BUILD/box
cleanup() {
	"$BOX" __rmtree "$W" >/dev/null 2>&1
	podman --root "$W/podman/storage" --runroot "$W/podman/run" unshare rm -rf "$W/podman" >/dev/null 2>&1
	rm -rf "$W" 2>/dev/null
}
trap cleanup EXIT

repo=${IMAGE%%:*}
tag=${IMAGE##*:}
accept='application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json'
manifest=$(curl -fsS -H "Accept: $accept" "http://$REG/v2/$repo/manifests/$tag")
blob=$(printf '%s' "$manifest" | python3 -c 'import json,sys; print(json.load(sys.stdin)["layers"][0]["digest"])')
nlayers=$(printf '%s' "$manifest" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["layers"]))')
compressed=$(curl -fsS "http://$REG/v2/$repo/blobs/$blob" | wc -c)
raw=$(curl -fsS "http://$REG/v2/$repo/blobs/$blob" | gzip -dc | wc -c)
entries=$(curl -fsS "http://$REG/v2/$repo/blobs/$blob" | tar -tz | wc -l)

# box: its own XDG dirs, docker.io sent to the local registry.
export XDG_RUNTIME_DIR=$W/xdg-run XDG_CONFIG_HOME=$W/xdg-config BOX_CONFIG=$W/box.ini
mkdir -p "$XDG_RUNTIME_DIR" "$XDG_CONFIG_HOME"
chmod 700 "$XDG_RUNTIME_DIR"
printf '[registry "docker.io"]\nmirror = http://%s\ninsecure = true\n' "$REG" >"$BOX_CONFIG"

# podman: rootless with its own HOME, overlay + fuse-overlayfs, runc, cgroupfs (PEERS.md).
P=$W/podman
mkdir -p "$P/home/.config/containers" "$P/storage" "$P/run"
cat >"$P/home/.config/containers/containers.conf" <<EOF
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
EOF
cat >"$P/home/.config/containers/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$P/storage"
runroot = "$P/run"
[storage.options.overlay]
mount_program = "/usr/bin/fuse-overlayfs"
EOF
cat >"$P/home/.config/containers/registries.conf" <<EOF
[[registry]]
location = "$REG"
insecure = true
EOF
podman_env() { env HOME="$P/home" XDG_CONFIG_HOME="$P/home/.config" XDG_DATA_HOME="$P/home/.local/share" "$@"; }

ms() { echo $(( $(date +%s%N) / 1000000 )); }
# run NAME PREPARE CMD: time CMD (after PREPARE), append ms to $W/t.NAME
run() {
	local name=$1 prep=$2 cmd=$3 t0 t1
	eval "$prep" >/dev/null 2>&1
	sync
	t0=$(ms)
	if ! eval "$cmd" >"$W/out.$name" 2>&1; then
		echo "bench-pull: $name failed:" >&2
		tail -5 "$W/out.$name" >&2
		echo fail >>"$W/t.$name"
		return
	fi
	t1=$(ms)
	echo $((t1 - t0)) >>"$W/t.$name"
}

for i in $(seq "$RUNS"); do
	run box "\"$BOX\" __rmtree \"$W/box-data\"; mkdir -p \"$W/box-data\"" \
		"XDG_DATA_HOME=\"$W/box-data\" \"$BOX\" pull -q debian:${tag}"
	[ -n "${BOX_BASE:-}" ] &&
		run base "\"$BOX\" __rmtree \"$W/box-data\"; mkdir -p \"$W/box-data\"" \
			"XDG_DATA_HOME=\"$W/box-data\" \"$BOX_BASE\" pull -q debian:${tag}"
	run podman "podman_env podman unshare rm -rf \"$P/storage\" \"$P/run\"; mkdir -p \"$P/storage\" \"$P/run\"" \
		"podman_env podman pull -q $REG/$repo:$tag"
	run skopeo "rm -rf \"$W/skopeo\"" \
		"skopeo copy -q --src-tls-verify=false docker://$REG/$repo:$tag dir:$W/skopeo"
	run floor "rm -rf \"$W/floor\"; mkdir -p \"$W/floor\"" \
		"curl -fsS http://$REG/v2/$repo/blobs/$blob | tar -xz --exclude='./dev/*' -C \"$W/floor\""
done

python3 - "$W" "$RUNS" "$compressed" "$raw" "$entries" "$nlayers" <<'EOF'
import statistics, sys
w, runs, comp, raw, entries, nlayers = sys.argv[1], int(sys.argv[2]), *map(int, sys.argv[3:])
def times(n):
    v = open(f"{w}/t.{n}").read().split()
    return None if "fail" in v else [int(x) for x in v]
import os
names = [("box", "box pull")] + ([("base", "box pull (BOX_BASE)")] if os.path.exists(f"{w}/t.base") else []) + [("podman", "podman pull"), ("skopeo", "skopeo copy (to dir, no extraction)"),
         ("floor", "floor: curl | tar -xz")]
med = {n: (statistics.median(times(n)) if times(n) else None) for n, _ in names}
print(f"Pull of the Debian image ({nlayers} layer(s); first layer {comp/1e6:.1f} MB gzip, "
      f"{raw/1e6:.1f} MB tar, {entries} entries), medians of {runs} runs, ms")
print()
print("| what | median ms | min | max | vs box |")
print("|---|---|---|---|---|")
for n, label in names:
    t = times(n)
    if not t:
        print(f"| {label} | failed | | | |")
        continue
    rel = f"{med[n] / med['box']:.2f}x" if med["box"] else ""
    print(f"| {label} | {med[n]:.0f} | {min(t)} | {max(t)} | {rel} |")
print()
if med["box"]:
    s = med["box"] / 1000
    print(f"box extraction throughput: {raw / 1e6 / s:.0f} MB/s (uncompressed), {entries / s:.0f} files/s")
if med["box"] and med["podman"]:
    print(f"box vs podman pull: {med['podman'] / med['box']:.2f}x faster (target >= 3x)")
if med["box"] and med["floor"]:
    print(f"box vs floor: {med['box'] / med['floor']:.2f}x the floor's time (target <= 1.5x)")
EOF
