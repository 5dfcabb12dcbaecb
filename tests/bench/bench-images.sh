#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Images out and sandbox history, box beside rootless podman in one run:
#   commit of ~200 MB of changes (2000 files of 100 KB): box commit vs podman commit;
#   push of that image to the loopback registry: box push vs podman push (gzip both, and
#   box's uncompressed push), a second push of the same image, and the same for an image
#   of compressible changes (a copy of /usr); with the bytes each client sent, counted by
#   a TCP relay in front of the registry (tests/tcp-relay.py) that every request of the
#   bench goes through;
#   save of it to a docker-archive and load back: box save/load vs podman save/load;
#   snapshot and restore of a 1 GB writable layer (box only; no peer does it without a
#   daemon), beside cp -a of the same directory as the floor.
# Single runs by default (RUNS to change): each step moves hundreds of MB, and the machine
# is shared, so quote the ratios of one run.
# BOX_BASE=PATH (through run.sh) adds a row for another box binary, e.g. an older build:
# its gzip push of the same image, to a repository of its own, before box's.
#
# usage: tests/bench/bench-images.sh [RUNS] [SNAPSHOT_MB]   (as root: runs as the test user)
#   BENCH_TMPDIR  where the stores and the sandbox live (default /var/tmp); a file system
#                 with reflinks there (e.g. XFS made with reflink=1) gives the reflinked
#                 snapshot and restore rows
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
	cp -a "$TOP/tests/tcp-relay.py" "$stage/tests/"
	chown -R "$user:" "$stage"
	uhome=$(getent passwd "$user" | cut -d: -f6)
	setpriv --reuid="$user" --regid="$user" --init-groups env -i HOME="$uhome" USER="$user" \
		BENCH_TMPDIR="${BENCH_TMPDIR:-/var/tmp}" \
		PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin LANG=C.UTF-8 \
		bash "$stage/tests/bench/bench-images.sh" "$RUNS" "$SNAP_MB"
	rc=$?
	rm -rf "$stage"
	exit $rc
fi
for c in podman runc curl python3 /usr/bin/time; do
	command -v $c >/dev/null || { echo "bench-images: $c is not installed" >&2; exit 77; }
done
curl -fsS -m 5 "http://$REG/v2/" >/dev/null || { echo "bench-images: no registry at $REG" >&2; exit 77; }

W=$(mktemp -d "${BENCH_TMPDIR:-/var/tmp}/box-bench-run.XXXXXX")
# From the home, which is visible inside, so box enter starts there without a warning.
cd "$HOME" || exit 77
BOX=$BUILD/box
# The relay: what clients send to the registry is counted into $W/sent (bytes, all
# connections), rewritten every 0.1 s.
python3 "$TOP/tests/tcp-relay.py" "$REG" "$W" &
proxy_pid=$!
for _ in $(seq 50); do [ -s "$W/relay" ] && [ -s "$W/sent" ] && break; sleep 0.1; done
REG=$(cat "$W/relay")
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
PM=(env HOME="$P/home" XDG_CONFIG_HOME="$P/home/.config" XDG_DATA_HOME="$P/home/.local/share" podman)
pm() { "${PM[@]}" "$@"; }
cleanup() {
	kill "$proxy_pid" 2>/dev/null
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
# pushed NAME CMD...: timed, with the CPU time it used (user + system, all threads) in
# $W/c.NAME and the bytes the client sent in $W/b.NAME: the machine is shared, and CPU
# time says what wall time under load cannot
pushed() {
	local name=$1 before
	shift
	before=$(cat "$W/sent")
	timed "$name" /usr/bin/time -q -o "$W/cpu" -f '%U %S' "$@"
	awk '{ printf "%d\n", ($1 + $2) * 1000 }' "$W/cpu" >>"$W/c.$name"
	sleep 0.3
	echo $(($(cat "$W/sent") - before)) >>"$W/b.$name"
}
# both tools: commit what is in the sandbox bi / the container bi as TAG, push it
# (box with gzip and without compression), then push it again under another tag
commit_push() {
	local tag=$1 sfx=$2
	timed box-commit$sfx "$BOX" commit bi "$REG/bench/box$sfx:$tag"
	timed podman-commit$sfx pm commit -q bi "$REG/bench/podman$sfx:$tag"
	[ -n "${BOX_BASE:-}" ] &&
		pushed base-push$sfx "$BOX_BASE" push "$REG/bench/box$sfx:$tag" "$REG/bench/box-base$sfx:$tag"
	pushed box-push$sfx "$BOX" push "$REG/bench/box$sfx:$tag" "$REG/bench/box$sfx:$tag"
	pushed box-push-none$sfx "$BOX" push --compression-format none "$REG/bench/box$sfx:$tag" \
		"$REG/bench/box-none$sfx:$tag"
	pushed podman-push$sfx "${PM[@]}" push -q --tls-verify=false "$REG/bench/podman$sfx:$tag"
	pushed box-again$sfx "$BOX" push "$REG/bench/box$sfx:$tag" "$REG/bench/box$sfx:$tag-again"
	pm tag "$REG/bench/podman$sfx:$tag" "$REG/bench/podman$sfx:$tag-again"
	pushed podman-again$sfx "${PM[@]}" push -q --tls-verify=false "$REG/bench/podman$sfx:$tag-again"
}
# The same ~200 MB of changes for both: 2000 files of 100 KB of random data.
changes='mkdir -p /srv/data && for i in $(seq 2000); do head -c 102400 /dev/urandom >/srv/data/f$i; done'
usrcopy='rm -rf /srv/data && cp -a /usr /srv/usr-copy'

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
	commit_push "$i" ""
	# compressible changes: a copy of /usr (binaries, libraries, text)
	"$BOX" enter --root bi -- sh -c "$usrcopy"
	"$BOX" stop --time 1 bi >/dev/null
	pm exec bi sh -c "$usrcopy"
	commit_push "$i" -usr
	pm rm -f -t 1 bi >/dev/null 2>&1
	# save to a docker-archive, then load it back after removing the image
	timed box-save "$BOX" save --format docker-archive -o "$W/box.tar" "$REG/bench/box:$i"
	timed podman-save pm save -q --format docker-archive -o "$W/podman.tar" "$REG/bench/podman:$i"
	"$BOX" rmi -f "$REG/bench/box:$i" >/dev/null 2>&1
	pm rmi -f "$REG/bench/podman:$i" >/dev/null 2>&1
	timed box-load "$BOX" load "$W/box.tar"
	timed podman-load pm load -q -i "$W/podman.tar"
	rm -f "$W/box.tar" "$W/podman.tar"
	"$BOX" enter --root bi -- rm -rf /srv/usr-copy

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
import os, statistics, sys
w, runs, snap_mb, reflinks = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
def med(n):
    f = f"{w}/{n}" if n.startswith("c.") else f"{w}/t.{n}"
    try:
        return statistics.median(int(x) for x in open(f).read().split())
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
def sent(n):
    try:
        b = statistics.median(int(x) for x in open(f"{w}/b.{n}").read().split())
    except (OSError, ValueError):
        return "-"
    return f"{b / 1e6:.1f} MB" if b >= 1e5 else f"{b / 1e3:.1f} kB"
def pushes(title, sfx):
    rows = [("base-push", "BOX_BASE push (gzip)")] if os.environ.get("BOX_BASE") else []
    rows += [("box-push", "box push (gzip, the default)"),
            ("box-push-none", "box push --compression-format none (as before)"),
            ("podman-push", "podman push (gzip)"),
            ("box-again", "box push of the same image again (new tag)"),
            ("podman-again", "podman push of the same image again (new tag)")]
    print(f"\n{title}\n\n| what | median ms | vs podman | CPU ms | vs podman | sent to the registry |")
    print("|---|---|---|---|---|---|")
    b, bc = med("podman-push" + sfx), med("c.podman-push" + sfx)
    for n, label in rows:
        m, c = med(n + sfx), med("c." + n + sfx)
        ratio = f"{m / b:.2f}x" if m and b else "-"
        cratio = f"{c / bc:.2f}x" if c is not None and bc else "-"
        print(f"| {label} | {m if m is not None else 'failed'} | {ratio} | {c} | {cratio} | {sent(n + sfx)} |")
pushes("Push of that image to the loopback registry (its base layer is there already)", "")
table("Commit of a copy of /usr (compressible) on top, in place of the random data",
      [("box-commit-usr", "box commit"), ("podman-commit-usr", "podman commit")],
      ("podman-commit-usr", "podman"))
pushes("Push of that image (compressible changes)", "-usr")
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
