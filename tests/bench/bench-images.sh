#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Images out and sandbox history, box beside rootless podman in one run:
#   commit of ~200 MB of changes (2000 files of 100 KB): box commit vs podman commit;
#   push of that image to the loopback registry: box push vs podman push;
#   save of it to a docker-archive and load back: box save/load vs podman save/load;
#   snapshot and restore of a 1 GB writable layer (box only; no peer does it without a
#   daemon), beside cp -a of the same directory as the floor.
# Single runs by default (RUNS to change): each step moves hundreds of MB, and the machine
# is shared, so quote the ratios of one run.
#
# usage: tests/bench/bench-images.sh [RUNS] [SNAPSHOT_MB]   (as root: runs as the test user)
set -u
RUNS=${1:-1}
SNAP_MB=${2:-1024}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
[ -r /etc/box-tests.env ] && . /etc/box-tests.env
REG=${BOX_TEST_REGISTRY:-127.0.0.1:5000}

if [ "$(id -u)" = 0 ]; then
	user=${BOX_TEST_USER:?run tests/host-setup.sh first}
	stage=$(mktemp -d /var/tmp/box-bench.XXXXXX)
	mkdir -p "$stage/build" "$stage/tests/bench"
	cp -a "$BUILD/box" "$stage/build/"
	cp -a "$0" "$stage/tests/bench/"
	chown -R "$user:" "$stage"
	uhome=$(getent passwd "$user" | cut -d: -f6)
	setpriv --reuid="$user" --regid="$user" --init-groups env -i HOME="$uhome" USER="$user" \
		PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin LANG=C.UTF-8 \
		bash "$stage/tests/bench/bench-images.sh" "$RUNS" "$SNAP_MB"
	rc=$?
	rm -rf "$stage"
	exit $rc
fi
for c in podman runc curl python3; do
	command -v $c >/dev/null || { echo "bench-images: $c is not installed" >&2; exit 77; }
done
curl -fsS -m 5 "http://$REG/v2/" >/dev/null || { echo "bench-images: no registry at $REG" >&2; exit 77; }

W=$(mktemp -d /var/tmp/box-bench-run.XXXXXX)
BOX=$BUILD/box
export XDG_DATA_HOME=$W/box-data XDG_RUNTIME_DIR=$W/run BOX_CONFIG=$W/box.ini
mkdir -p "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
printf '[registry "docker.io"]\nmirror = http://%s\ninsecure = true\n[registry "%s"]\ninsecure = true\n' \
	"$REG" "$REG" >"$BOX_CONFIG"
P=$W/podman
mkdir -p "$P/home/.config/containers" "$P/storage" "$P/run"
printf '[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\nruntime = "runc"\n' \
	>"$P/home/.config/containers/containers.conf"
printf '[storage]\ndriver = "overlay"\ngraphroot = "%s"\nrunroot = "%s"\n[storage.options.overlay]\nmount_program = "/usr/bin/fuse-overlayfs"\n' \
	"$P/storage" "$P/run" >"$P/home/.config/containers/storage.conf"
printf '[[registry]]\nlocation = "%s"\ninsecure = true\n' "$REG" >"$P/home/.config/containers/registries.conf"
pm() { env HOME="$P/home" XDG_CONFIG_HOME="$P/home/.config" XDG_DATA_HOME="$P/home/.local/share" podman "$@"; }
cleanup() {
	"$BOX" stop --time 1 bi >/dev/null 2>&1
	pm rm -f -t 1 bi >/dev/null 2>&1
	pause=$XDG_RUNTIME_DIR/libpod/tmp/pause.pid
	[ -r "$pause" ] && kill "$(cat "$pause")" 2>/dev/null
	"$BOX" __rmtree "$W" >/dev/null 2>&1
	pm unshare rm -rf "$P" >/dev/null 2>&1
	rm -rf "$W" 2>/dev/null
}
trap cleanup EXIT

ms() { echo $(($(date +%s%N) / 1000000)); }
# timed NAME CMD...: append the ms of CMD to $W/t.NAME
timed() {
	local name=$1 t0
	shift
	sync
	t0=$(ms)
	"$@" >"$W/out.$name" 2>&1 || { echo "bench-images: $name failed:" >&2; tail -5 "$W/out.$name" >&2; }
	echo $(($(ms) - t0)) >>"$W/t.$name"
}
# The same ~200 MB of changes for both: 2000 files of 100 KB of random data.
changes='mkdir -p /srv/data && for i in $(seq 2000); do head -c 102400 /dev/urandom >/srv/data/f$i; done'

"$BOX" pull -q debian >/dev/null && pm pull -q "$REG/library/debian:bookworm" >/dev/null ||
	{ echo "bench-images: cannot pull the Debian image" >&2; exit 1; }
for i in $(seq "$RUNS"); do
	"$BOX" rm -f bi >/dev/null 2>&1
	"$BOX" create bi --image debian --network none >/dev/null
	"$BOX" enter --root bi -- sh -c "$changes"
	"$BOX" stop --time 1 bi >/dev/null
	pm rm -f -t 1 bi >/dev/null 2>&1
	pm run -d --name bi --network none "$REG/library/debian:bookworm" sleep 1000 >/dev/null
	pm exec bi sh -c "$changes"
	timed box-commit "$BOX" commit bi "$REG/bench/box-commit:$i"
	timed podman-commit pm commit -q bi "$REG/bench/podman-commit:$i"
	timed box-push "$BOX" push "$REG/bench/box-commit:$i" "$REG/bench/box-commit:$i"
	timed podman-push pm push -q --tls-verify=false "$REG/bench/podman-commit:$i"
	pm rm -f -t 1 bi >/dev/null 2>&1
	# save to a docker-archive, then load it back after removing the image
	timed box-save "$BOX" save --format docker-archive -o "$W/box.tar" "$REG/bench/box-commit:$i"
	timed podman-save pm save -q --format docker-archive -o "$W/podman.tar" "$REG/bench/podman-commit:$i"
	"$BOX" rmi -f "$REG/bench/box-commit:$i" >/dev/null 2>&1
	pm rmi -f "$REG/bench/podman-commit:$i" >/dev/null 2>&1
	timed box-load "$BOX" load "$W/box.tar"
	timed podman-load pm load -q -i "$W/podman.tar"
	rm -f "$W/box.tar" "$W/podman.tar"

	# snapshot and restore of a SNAP_MB writable layer (64 MB files)
	"$BOX" enter --root bi -- sh -c "rm -rf /srv/data; mkdir -p /srv/big; for i in \$(seq $((SNAP_MB / 64))); do head -c 67108864 /dev/urandom >/srv/big/f\$i; done"
	"$BOX" stop --time 1 bi >/dev/null
	timed snapshot "$BOX" snapshot bi s$i
	timed restore "$BOX" restore bi s$i
	up=$XDG_DATA_HOME/box/sandboxes/bi/upper
	timed cp-floor "$BOX" __unshare cp -a "$up" "$W/cp-floor"
	"$BOX" __rmtree "$W/cp-floor" >/dev/null 2>&1
	reflinks=$(grep -o '([0-9]* shared by reflink)' "$W/out.snapshot")
done

python3 - "$W" "$RUNS" "$SNAP_MB" "${reflinks:-}" <<'PY'
import statistics, sys
w, runs, snap_mb, reflinks = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
def med(n):
    try:
        return statistics.median(int(x) for x in open(f"{w}/t.{n}").read().split())
    except (OSError, ValueError):
        return None
def table(title, rows, base):
    print(f"\n{title}\n\n| what | median ms | vs {base[1]} |\n|---|---|---|")
    b = med(base[0])
    for n, label in rows:
        m = med(n)
        ratio = f"{m / b:.2f}x" if m and b else "-"
        print(f"| {label} | {m if m is not None else 'failed'} | {ratio} |")
print(f"Images out and sandbox history, medians of {runs} run(s); the machine may be shared: quote ratios")
table("Commit of ~200 MB of changes (2000 x 100 KB files)",
      [("box-commit", "box commit (writable layer -> OCI tar, extracted into the store)"),
       ("podman-commit", "podman commit")], ("podman-commit", "podman"))
table("Push of that image to the loopback registry (base layer already there)",
      [("box-push", "box push (uncompressed layer)"), ("podman-push", "podman push (gzip)")],
      ("podman-push", "podman"))
table("Save of that image to a docker-archive",
      [("box-save", "box save (base layer written again from its files)"),
       ("podman-save", "podman save")], ("podman-save", "podman"))
table("Load of that archive after removing the image",
      [("box-load", "box load (the re-written base layer is new to the store)"),
       ("podman-load", "podman load (its base layer is still stored)")], ("podman-load", "podman"))
table(f"Snapshot and restore of a {snap_mb} MB writable layer {reflinks}",
      [("snapshot", "box snapshot"), ("restore", "box restore (copy + safety snapshot by rename)"),
       ("cp-floor", "floor: cp -a of the same dir (in the user namespace)")], ("cp-floor", "cp -a"))
PY
