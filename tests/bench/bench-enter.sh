#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Sandbox benchmarks, with peers measured in the same run (medians, hyperfine):
#   warm enter   box run NAME true | podman exec | distrobox enter | toolbox run | floor
#   cold start   stopped -> true done | podman run --rm | floor (unshare+fuse-overlayfs+chroot)
#   memory       RSS of an idle running sandbox vs podman's conmon+fuse-overlayfs+slirp+init
#   file system  untar ~100 MB and find /usr inside (both drivers) vs the host
# Run as the test user (or as root: it re-runs itself as $BOX_TEST_USER). Peers that
# cannot run here are listed with the reason. Everything lives in a temp dir.
#
# usage: tests/bench/bench-enter.sh [RUNS]     (default 20)
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
[ -r /etc/box-tests.env ] && . /etc/box-tests.env
if [ "$(id -u)" = 0 ]; then
	u=${BOX_TEST_USER:-boxtest}
	stage=$(mktemp -d /tmp/box-bench.XXXXXX)
	cp -a "$TOP/build/box" "$TOP/tests" "$stage/"
	mkdir -p "$stage/build" && mv "$stage/box" "$stage/build/box"
	chown -R "$u" "$stage"
	cd /
	su "$u" -c "BOX_BENCH_BOX='$stage/build/box' bash '$stage/tests/bench/bench-enter.sh' ${1:-}"
	rc=$?
	rm -rf "$stage"
	exit $rc
fi
RUNS=${1:-20}
BOX=${BOX_BENCH_BOX:-$TOP/build/box}
REG=${BOX_TEST_REGISTRY:-127.0.0.1:5000}
ROOTFS=${BOX_TEST_ROOTFS:-/var/cache/box-tests/rootfs}
W=$(mktemp -d /tmp/box-bench-w.XXXXXX)
export XDG_RUNTIME_DIR=$W/run XDG_DATA_HOME=$W/data XDG_CONFIG_HOME=$W/config
export BOX_CONFIG=$W/config/box/config.ini
mkdir -p "$XDG_RUNTIME_DIR" "$W/config/box" "$W/config/containers" && chmod 700 "$XDG_RUNTIME_DIR"
cat >"$BOX_CONFIG" <<E
[registry "docker.io"]
mirror = http://$REG
insecure = true
E
# podman, confined to the temp dir (PEERS.md: cgroupfs, runc, overlay with fuse-overlayfs)
export CONTAINERS_CONF=$W/config/containers/containers.conf
export CONTAINERS_STORAGE_CONF=$W/config/containers/storage.conf
export CONTAINERS_REGISTRIES_CONF=$W/config/containers/registries.conf
printf '[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\nruntime = "runc"\n' >"$CONTAINERS_CONF"
printf '[storage]\ndriver = "overlay"\nrunroot = "%s/prun"\ngraphroot = "%s/pstore"\n[storage.options.overlay]\nmount_program = "/usr/bin/fuse-overlayfs"\n' \
	"$W" "$W" >"$CONTAINERS_STORAGE_CONF"
printf '[[registry]]\nlocation = "%s"\ninsecure = true\n' "$REG" >"$CONTAINERS_REGISTRIES_CONF"

cleanup() {
	"$BOX" stop --time 1 bench bench-ovl >/dev/null 2>&1
	podman rm -f -t 0 bench-peer >/dev/null 2>&1
	podman unshare rm -rf "$W/pstore" >/dev/null 2>&1
	"$BOX" __rmtree "$W" >/dev/null 2>&1
	rm -rf "$W" 2>/dev/null
}
trap cleanup EXIT

rows=()
# median_ms "CMD" [PREPARE]: hyperfine's median in ms ("" when the command fails).
median_ms() {
	local json=$W/h.json prep=()
	[ -n "${2:-}" ] && prep=(--prepare "$2")
	hyperfine -N -w 3 -r "$RUNS" "${prep[@]}" --export-json "$json" "$1" >/dev/null 2>&1 || return 1
	python3 -c 'import json,sys; print("%.1f" % (json.load(open(sys.argv[1]))["results"][0]["median"]*1000))' "$json"
}
row() { rows+=("| $1 | $2 | $3 |"); }
measure() { # measure LABEL NOTE CMD [PREPARE]
	local m
	if m=$(median_ms "$3" "${4:-}"); then row "$1" "$m ms" "$2"; else row "$1" "-" "failed: $3"; fi
}

echo "# preparing (image pull, sandboxes, peers)..." >&2
"$BOX" pull debian:bookworm >/dev/null 2>&1 || { echo "cannot pull from $REG" >&2; exit 1; }
"$BOX" create bench --image debian:bookworm >/dev/null
"$BOX" create bench-ovl --image debian:bookworm --storage overlay >/dev/null
"$BOX" start bench
have_podman=
if podman pull -q "$REG/library/debian:bookworm" >/dev/null 2>&1 &&
	podman run -d --name bench-peer "$REG/library/debian:bookworm" sleep infinity >/dev/null 2>&1; then
	have_podman=1
fi

# --- warm enter
measure "floor: unshare -Urmpn --fork true" "" "unshare -Urmpn --fork true"
measure "box run NAME true (warm, fuse-overlayfs)" "" "$BOX run bench -- true"
measure "box enter NAME -- true (warm)" "" "$BOX enter bench -- true"
if [ -n "$have_podman" ]; then
	measure "podman exec NAME true" "" "podman exec bench-peer true"
else
	row "podman exec NAME true" "-" "podman cannot run a container here"
fi
if command -v distrobox >/dev/null && [ -n "$have_podman" ] &&
	distrobox create -Y -i "$REG/library/debian:bookworm" -n bench-db >/dev/null 2>&1 &&
	distrobox enter bench-db -- true >/dev/null 2>&1; then
	measure "distrobox enter NAME -- true" "" "distrobox enter bench-db -- true"
	podman rm -f -t 0 bench-db >/dev/null 2>&1
else
	row "distrobox enter NAME -- true" "-" "skipped: distrobox could not create its container here"
fi
row "toolbox run true" "-" "skipped: toolbox needs a session D-Bus and its own image (fedora-toolbox)"

# --- cold start
m=$W/floor; mkdir -p "$m/u" "$m/w" "$m/m"
measure "floor: unshare -Urm + fuse-overlayfs + chroot true" "" \
	"unshare -Urm sh -c 'fuse-overlayfs -o lowerdir=$ROOTFS,upperdir=$m/u,workdir=$m/w $m/m && chroot $m/m /bin/true'"
measure "box: stopped -> true done (fuse-overlayfs)" "" "$BOX enter bench -- true" "$BOX stop bench"
measure "box: stopped -> true done (overlay)" "" "$BOX enter bench-ovl -- true" "$BOX stop bench-ovl"
if [ -n "$have_podman" ]; then
	measure "podman run --rm debian true" "" "podman run --rm $REG/library/debian:bookworm true"
else
	row "podman run --rm debian true" "-" "podman cannot run a container here"
fi

# --- memory of an idle running sandbox
rss_tree() { # sum of RSS (kB) of pid and all its descendants
	local total=0 p
	for p in $(ps -e -o pid=,ppid= | awk -v r="$1" '{c[$2]=c[$2]" "$1} END{n=split(r,q," "); while(n){p=q[n--]; print p; m=split(c[p],k," "); for(i=1;i<=m;i++) q[++n]=k[i]}}'); do
		total=$((total + $(ps -o rss= -p "$p" 2>/dev/null || echo 0)))
	done
	echo $total
}
"$BOX" start bench
sup=$(sed -n 's/^supervisor_pid=//p' "$XDG_RUNTIME_DIR/box/bench/state")
row "memory: idle sandbox (supervisor+holder+fuse-overlayfs+init)" "$(($(rss_tree "$sup") / 1024)) MB RSS" ""
if [ -n "$have_podman" ]; then
	cpid=$(podman inspect -f '{{.State.ConmonPid}}' bench-peer)
	extra=0
	for p in $(pgrep -u "$(id -u)" -x fuse-overlayfs; pgrep -u "$(id -u)" -x slirp4netns); do
		extra=$((extra + $(ps -o rss= -p "$p")))
	done
	row "memory: podman (conmon+init+fuse-overlayfs+slirp4netns)" \
		"$((($(rss_tree "$cpid") + extra) / 1024)) MB RSS" "all fuse-overlayfs/slirp4netns of the user"
fi

# --- file system overhead
tarball=$W/tree.tar
tar -C "$ROOTFS" -cf "$tarball" usr/lib usr/share 2>/dev/null
sz=$(($(stat -c %s "$tarball") / 1000000))
"$BOX" start bench-ovl
measure "untar ${sz} MB on the host" "" "tar -xf $tarball -C $W/hx" "rm -rf $W/hx; mkdir -p $W/hx"
for s in bench bench-ovl; do
	measure "untar ${sz} MB inside ($s)" "" \
		"$BOX run $s -- tar -xf /run/host$tarball -C /tmp/x" \
		"$BOX run $s -- sh -c 'rm -rf /tmp/x; mkdir -p /tmp/x'"
done
measure "find /usr on the host (same tree)" "" "find $ROOTFS/usr -true"
for s in bench bench-ovl; do
	measure "find /usr inside ($s)" "" "$BOX run $s -- find /usr -true"
done

echo "| what | median ($RUNS runs) | note |"
echo "|---|---|---|"
printf '%s\n' "${rows[@]}"
