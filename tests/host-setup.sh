#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Prepares this machine (Debian 12, run as root) to look like a desktop for an ordinary user,
# so the integration tests can run box the way a user would: an unprivileged test user with a
# subordinate id range, /dev/fuse and /dev/net/tun usable by everyone, a cgroup2 subtree
# delegated to that user, a real Debian bookworm userland from mmdebstrap (as a tarball and
# extracted), and Debian's docker-registry on 127.0.0.1:5000 holding that userland as
# library/debian:bookworm plus library/debian:bookworm-extra (one more layer on top).
# Everything is cached and checked, so a second run only verifies and takes about a second.
# The results are recorded in /etc/box-tests.env for the test suite.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
TEST_USER=${BOX_TEST_USER:-boxtest}
# A second local user, the neighbour the trust-boundary tests defend against.
OTHER_USER=${BOX_TEST_OTHER_USER:-boxother}
SUB_START=200000
SUB_COUNT=65536
# The BOX_SETUP_* overrides exist to try a cold setup beside a prepared one.
CACHE=${BOX_SETUP_CACHE:-/var/cache/box-tests}
TARBALL=$CACHE/debian-bookworm.tar
ROOTFS=$CACHE/rootfs
OCI=$CACHE/oci
REG_DIR=$CACHE/registry
REG_STORE=${BOX_SETUP_REGISTRY_STORE:-/var/lib/box-tests-registry}
REGISTRY=${BOX_SETUP_REGISTRY:-127.0.0.1:5000}
ENV_FILE=${BOX_SETUP_ENV_FILE:-/etc/box-tests.env}
INCLUDE=sudo,procps,iproute2,ca-certificates
# A second userland that boots with systemd under systemd-nspawn, for box in a systemd user
# session (tests/system/): logind, a session bus, and what box itself needs to run there.
SD_TARBALL=$CACHE/debian-systemd.tar
SD_ROOTFS=$CACHE/systemd-rootfs
SD_USER=boxsd
SD_INCLUDE=systemd,systemd-sysv,dbus,dbus-user-session,libpam-systemd,sudo,procps,uidmap,\
fuse-overlayfs,libslirp0,libncursesw6,libinih1,libcurl4,libarchive13,libjson-c5,\
libssl3,libsystemd0
# Fixed mtime for the extra layer's files, so its digest is the same on every run.
EXTRA_MTIME=1704067200
# Alpine's official minirootfs, the second userland of the tests (musl, busybox, apk): shipped
# in the project's shared/ folder beside the checkout; cached readable for the test user.
ALPINE_NAME=alpine-minirootfs-3.20.3-x86_64.tar.gz
ALPINE_SHA256=d4e6fd67dcf75e40c451560ac7265166c2b72a0f38ddc9aae756a7de3d1efa0c
ALPINE=$CACHE/$ALPINE_NAME

say() { printf 'host-setup: %s\n' "$*"; }
die() { printf 'host-setup: error: %s\n' "$*" >&2; exit 1; }

# phase NAME FUNCTION: run one step and print how long it took.
phase() {
	local t0 t1
	t0=$(date +%s%N)
	"$2"
	t1=$(date +%s%N)
	printf 'host-setup: %-10s %6.1fs\n' "$1" "$(((t1 - t0) / 1000000))e-3"
}

[ "$(id -u)" = 0 ] || die "run me as root (sudo $0)"
for c in mmdebstrap skopeo docker-registry python3 curl setpriv newuidmap fuse-overlayfs; do
	command -v "$c" >/dev/null || die "'$c' is missing: run 'make deps' first"
done
mkdir -p "$CACHE"
chmod 755 "$CACHE"
# Serialise concurrent runs: they would race on the same cache, registry and files.
exec 9>"$CACHE/.lock"
flock -w 900 9 || die "another host-setup holds $CACHE/.lock"

# set_subid FILE: exactly one line for the test user, with the expected range.
set_subid() {
	local f=$1 want="$TEST_USER:$SUB_START:$SUB_COUNT"
	touch "$f"
	if [ "$(grep -c "^$TEST_USER:" "$f")" = 1 ] && grep -qx "$want" "$f"; then
		return
	fi
	grep -v "^$TEST_USER:" "$f" >"$f.box-tests" || true
	echo "$want" >>"$f.box-tests"
	chmod 644 "$f.box-tests"
	mv "$f.box-tests" "$f"
}

setup_user() {
	if ! getent passwd "$TEST_USER" >/dev/null; then
		# No automatic subordinate range: the fixed one below is what the tests expect.
		useradd -m -d "/home/$TEST_USER" -s /bin/bash -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 \
			"$TEST_USER"
	fi
	TEST_UID=$(id -u "$TEST_USER")
	set_subid /etc/subuid
	set_subid /etc/subgid
	install -d -m 0700 -o "$TEST_USER" -g "$(id -g "$TEST_USER")" "/run/user/$TEST_UID"
	chown "$TEST_USER:" "/run/user/$TEST_UID"
	chmod 0700 "/run/user/$TEST_UID"
	# Unprivileged user namespaces, as desktop distributions allow them.
	if [ -w /proc/sys/kernel/unprivileged_userns_clone ]; then
		echo 1 >/proc/sys/kernel/unprivileged_userns_clone
	fi
}

# The neighbour: no home, no subordinate ids; the test user may run commands as them
# (and only as them) through sudo without a password, to look at what they can reach.
setup_other_user() {
	local rule=/etc/sudoers.d/box-tests
	if ! getent passwd "$OTHER_USER" >/dev/null; then
		useradd -M -d /nonexistent -s /usr/sbin/nologin -K SUB_UID_COUNT=0 \
			-K SUB_GID_COUNT=0 "$OTHER_USER"
	fi
	printf '%s ALL=(%s) NOPASSWD: ALL\n' "$TEST_USER" "$OTHER_USER" >"$rule.new"
	chmod 0440 "$rule.new"
	visudo -cqf "$rule.new" || die "sudoers rule $rule.new does not parse"
	mv "$rule.new" "$rule"
}

setup_devices() {
	if [ ! -e /dev/net/tun ]; then
		mkdir -p /dev/net
		mknod /dev/net/tun c 10 200
	fi
	[ -e /dev/fuse ] || mknod /dev/fuse c 10 229
	chmod 0666 /dev/fuse /dev/net/tun
	# A DRM layout for the /dev/dri test on hosts without a GPU: character devices that
	# are /dev/null and /dev/zero under other names (harmless), found through
	# BOX_GPU_ROOT the way box finds the host's /dev/dri.
	DRI_ROOT=/var/lib/box-tests-dri
	mkdir -p "$DRI_ROOT/dev/dri/by-path"
	[ -c "$DRI_ROOT/dev/dri/renderD128" ] || mknod "$DRI_ROOT/dev/dri/renderD128" c 1 3
	[ -c "$DRI_ROOT/dev/dri/card0" ] || mknod "$DRI_ROOT/dev/dri/card0" c 1 5
	chmod 0666 "$DRI_ROOT/dev/dri/renderD128" "$DRI_ROOT/dev/dri/card0"
	chmod 0755 "$DRI_ROOT" "$DRI_ROOT/dev" "$DRI_ROOT/dev/dri" "$DRI_ROOT/dev/dri/by-path"
}

# The cgroup2 hierarchy: /sys/fs/cgroup/unified on a hybrid host, /sys/fs/cgroup on pure v2.
cgroup2_mount() {
	awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo
}

setup_cgroup() {
	local mnt c
	mnt=$(cgroup2_mount)
	[ -n "$mnt" ] || die "no cgroup2 hierarchy is mounted"
	CGROUP=$mnt/box-tests
	mkdir -p "$CGROUP"
	chown "$TEST_USER:" "$CGROUP" "$CGROUP/cgroup.procs" "$CGROUP/cgroup.threads" \
		"$CGROUP/cgroup.subtree_control"
	# Make every available controller available to the delegated subtree. It is enabled in
	# the parent, not in box-tests itself: the test runner lives in box-tests, and a cgroup
	# with processes cannot also enable domain controllers for children.
	for c in $(cat "$mnt/cgroup.controllers"); do
		echo "+$c" >"$mnt/cgroup.subtree_control" 2>/dev/null || say "cannot enable cgroup controller $c"
	done
	say "cgroup $CGROUP (controllers: $(cat "$CGROUP/cgroup.controllers" | tr -d '\n' || true))"
}

tar_stat() { stat -c '%s %Y %i' "$TARBALL" 2>/dev/null; }

# Valid when its checksum matches; the checksum is recomputed only when size, mtime or inode
# changed since it was last verified, which keeps a warm run fast.
# /dev/shm when it has room for a chroot (about 400 MB at its peak), else /tmp.
shm_tmpdir() {
	local avail
	avail=$(df -Pk /dev/shm 2>/dev/null | awk 'NR == 2 { print $4 }')
	if [ -n "$avail" ] && [ "$avail" -gt 2000000 ] && [ -w /dev/shm ]; then
		echo /dev/shm
	else
		echo "${TMPDIR:-/tmp}"
	fi
}

tarball_valid() {
	[ -s "$TARBALL" ] && [ -s "$TARBALL.sha256" ] || return 1
	[ "$(cat "$TARBALL.stat" 2>/dev/null)" = "$(tar_stat)" ] && return 0
	(cd "$CACHE" && sha256sum --status -c "$TARBALL.sha256") || return 1
	tar_stat >"$TARBALL.stat"
}

build_tarball() {
	local tmp=$CACHE/.debian-bookworm.new.tar
	if tarball_valid; then
		return
	fi
	say "building the Debian bookworm userland with mmdebstrap (about a minute)"
	rm -f "$tmp"
	# mmdebstrap builds the chroot in TMPDIR before packing it: on a tmpfs that avoids
	# thousands of small file creations on a slow disk.
	TMPDIR=$(shm_tmpdir) mmdebstrap --quiet --variant=minbase --mode=unshare --format=tar \
		--include="$INCLUDE" bookworm "$tmp" </dev/null
	tar -tf "$tmp" ./etc/os-release >/dev/null || die "mmdebstrap made a broken tarball"
	(cd "$CACHE" && sha256sum "$(basename "$tmp")" | sed "s/ .*/  $(basename "$TARBALL")/") \
		>"$TARBALL.sha256.new"
	mv "$tmp" "$TARBALL"
	mv "$TARBALL.sha256.new" "$TARBALL.sha256"
	chmod 644 "$TARBALL" "$TARBALL.sha256"
	tar_stat >"$TARBALL.stat"
}

extract_rootfs() {
	local sum new old
	sum=$(cut -d' ' -f1 "$TARBALL.sha256")
	if [ -x "$ROOTFS/bin/sh" ] && [ "$(cat "$CACHE/rootfs.sha256" 2>/dev/null)" = "$sum" ]; then
		return
	fi
	say "extracting the userland to $ROOTFS"
	new=$(mktemp -d "$CACHE/.rootfs.new.XXXXXX")
	tar -xf "$TARBALL" -C "$new" --numeric-owner
	chmod 755 "$new"
	old=$CACHE/.rootfs.old.$$
	[ -e "$ROOTFS" ] && mv -T "$ROOTFS" "$old"
	mv -T "$new" "$ROOTFS"
	echo "$sum" >"$CACHE/rootfs.sha256"
	rm -rf "$old"
}

setup_userland() {
	build_tarball
	extract_rootfs
}

# The systemd userland: built once (its package list is its cache key), extracted, with a
# lingering user who has a subordinate id range.
setup_systemd_userland() {
	local new
	if [ "$(cat "$SD_TARBALL.include" 2>/dev/null)" != "$SD_INCLUDE" ] || [ ! -s "$SD_TARBALL" ]; then
		say "building the systemd userland with mmdebstrap (a few minutes)"
		TMPDIR=$(shm_tmpdir) mmdebstrap --quiet --variant=minbase --mode=unshare --format=tar \
			--include="$SD_INCLUDE" bookworm "$SD_TARBALL.new" </dev/null
		mv "$SD_TARBALL.new" "$SD_TARBALL"
		echo "$SD_INCLUDE" >"$SD_TARBALL.include"
		rm -f "$CACHE/systemd-rootfs.stamp"
	fi
	[ -x "$SD_ROOTFS/lib/systemd/systemd" ] && [ -e "$CACHE/systemd-rootfs.stamp" ] && return
	say "extracting the systemd userland to $SD_ROOTFS"
	new=$(mktemp -d "$CACHE/.systemd-rootfs.new.XXXXXX")
	tar -xf "$SD_TARBALL" -C "$new" --numeric-owner
	chmod 755 "$new"
	chroot "$new" useradd -m -s /bin/bash -u 1100 "$SD_USER"
	echo "$SD_USER:$SUB_START:$SUB_COUNT" >"$new/etc/subuid"
	cp "$new/etc/subuid" "$new/etc/subgid"
	mkdir -p "$new/var/lib/systemd/linger"
	: >"$new/var/lib/systemd/linger/$SD_USER"
	rm -rf "$SD_ROOTFS"
	mv -T "$new" "$SD_ROOTFS"
	: >"$CACHE/systemd-rootfs.stamp"
}

registry_up() { curl -fsS -m 2 "http://$REGISTRY/v2/" >/dev/null 2>&1; }

start_registry() {
	local pid i
	install -d -m 0755 "$REG_DIR"
	install -d -m 0750 -o docker-registry -g docker-registry "$REG_STORE"
	cat >"$REG_DIR/config.yml.new" <<EOF
# Written by box's tests/host-setup.sh: a registry for the tests, on loopback only, no auth.
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $REG_STORE
  delete:
    enabled: true
http:
  addr: $REGISTRY
EOF
	mv "$REG_DIR/config.yml.new" "$REG_DIR/config.yml"
	registry_up && return
	pid=$(cat "$REG_DIR/registry.pid" 2>/dev/null || true)
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
		[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = /usr/bin/docker-registry ]; then
		# Ours but not answering yet (just started, or stuck): give it a moment, then restart.
		for i in $(seq 20); do registry_up && return; sleep 0.25; done
		say "registry pid $pid does not answer; restarting it"
		kill "$pid" 2>/dev/null || true
		sleep 0.5
	fi
	say "starting docker-registry on $REGISTRY"
	# Its own session, so it outlives this script and the CI job's terminal; and no
	# inherited descriptors (our lock, a CI runner's output pipe) that would keep them busy.
	(
		for fd in /proc/self/fd/*; do
			fd=${fd##*/}
			[ "$fd" -gt 2 ] && eval "exec $fd>&-"
		done
		exec setsid setpriv --reuid=docker-registry --regid=docker-registry --clear-groups \
			/usr/bin/docker-registry serve "$REG_DIR/config.yml"
	) </dev/null >>"$REG_DIR/registry.log" 2>&1 &
	echo $! >"$REG_DIR/registry.pid"
	for i in $(seq 100); do
		registry_up && return
		kill -0 "$(cat "$REG_DIR/registry.pid")" 2>/dev/null || break
		sleep 0.1
	done
	tail -5 "$REG_DIR/registry.log" >&2 || true
	die "docker-registry does not answer on http://$REGISTRY/v2/ (log: $REG_DIR/registry.log)"
}

# The extra layer: a few files under /opt/extra and a whiteout of /etc/motd (from base-files).
make_extra_dir() {
	local d=$1
	mkdir -p "$d/opt/extra/bin" "$d/etc"
	echo "hello from the extra layer" >"$d/opt/extra/hello.txt"
	printf '#!/bin/sh\necho extra-layer-ok\n' >"$d/opt/extra/bin/extra-hello"
	chmod 755 "$d/opt/extra/bin/extra-hello"
	ln -s hello.txt "$d/opt/extra/link.txt"
	: >"$d/etc/.wh.motd"
}

build_layout() {
	local sum new extra base t
	sum=$(cut -d' ' -f1 "$TARBALL.sha256")
	if [ -s "$OCI/.digests" ] && [ "$(cat "$OCI/.source" 2>/dev/null)" = "$sum" ]; then
		return
	fi
	say "building the OCI layout $OCI"
	new=$(mktemp -d "$CACHE/.oci.new.XXXXXX")
	python3 "$TOP/tests/oci-layout.py" image "$new" bookworm "$TARBALL" >/dev/null
	base=$(python3 "$TOP/tests/oci-layout.py" layers "$new" bookworm)
	extra=$(mktemp -d)
	make_extra_dir "$extra"
	python3 "$TOP/tests/oci-layout.py" image "$new" bookworm-extra "blob:$base" "$extra" \
		--mtime "$EXTRA_MTIME" >/dev/null
	rm -rf "$extra"
	for t in bookworm bookworm-extra; do
		echo "$t $(python3 "$TOP/tests/oci-layout.py" digest "$new" $t)"
	done >"$new/.digests"
	echo "$sum" >"$new/.source"
	chmod -R a+rX "$new"
	rm -rf "$OCI.old"
	[ -e "$OCI" ] && mv -T "$OCI" "$OCI.old"
	mv -T "$new" "$OCI"
	rm -rf "$OCI.old"
}

# setup_alpine: copy the Alpine minirootfs from shared/images (beside the checkout, or
# BOX_SETUP_ALPINE) into the cache, checked against its published digest.
setup_alpine() {
	local src
	for src in "${BOX_SETUP_ALPINE:-}" "$TOP/../shared/images/$ALPINE_NAME" \
		"/work/shared/images/$ALPINE_NAME"; do
		[ -n "$src" ] && [ -r "$src" ] && break
		src=
	done
	if [ -z "$src" ]; then
		[ -r "$ALPINE" ] && return
		die "no $ALPINE_NAME in shared/images beside the checkout (set BOX_SETUP_ALPINE)"
	fi
	echo "$ALPINE_SHA256  $src" | sha256sum -c --quiet - || die "$src: wrong sha256"
	install -m 0644 "$src" "$ALPINE.tmp" && mv "$ALPINE.tmp" "$ALPINE"
}

remote_digest() {
	curl -fsS -m 10 -o /dev/null -D - \
		-H 'Accept: application/vnd.oci.image.manifest.v1+json' \
		-H 'Accept: application/vnd.oci.image.index.v1+json' \
		-H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
		"http://$REGISTRY/v2/library/debian/manifests/$1" 2>/dev/null |
		tr -d '\r' | awk -F': ' 'tolower($1) == "docker-content-digest" { print $2 }'
}

# layout_digest TAG: the manifest digest of TAG in the cached layout.
layout_digest() { awk -v t="$1" '$1 == t { print $2 }' "$OCI/.digests"; }

push_tag() {
	local tag=$1 want got
	want=$(layout_digest "$tag")
	got=$(remote_digest "$tag" || true)
	[ "$got" = "$want" ] && return
	say "pushing library/debian:$tag ($want)"
	skopeo --insecure-policy copy --quiet --dest-tls-verify=false \
		"oci:$OCI:$tag" "docker://$REGISTRY/library/debian:$tag"
	got=$(remote_digest "$tag" || true)
	[ "$got" = "$want" ] || die "registry has library/debian:$tag as '$got', expected $want"
}

setup_registry() {
	start_registry
	build_layout
	push_tag bookworm
	push_tag bookworm-extra
}

write_env() {
	cat >"$ENV_FILE.new" <<EOF
# Written by box's tests/host-setup.sh: what the integration tests may rely on.
BOX_TEST_USER=$TEST_USER
BOX_TEST_UID=$TEST_UID
BOX_TEST_OTHER_USER=$OTHER_USER
BOX_TEST_SUBID_START=$SUB_START
BOX_TEST_SUBID_COUNT=$SUB_COUNT
BOX_TEST_CGROUP=$CGROUP
BOX_TEST_REGISTRY=$REGISTRY
BOX_TEST_ROOTFS=$ROOTFS
BOX_TEST_TARBALL=$TARBALL
BOX_TEST_OCI=$OCI
BOX_TEST_IMAGE=library/debian:bookworm
BOX_TEST_IMAGE_DIGEST=$(layout_digest bookworm)
BOX_TEST_IMAGE_EXTRA=library/debian:bookworm-extra
BOX_TEST_IMAGE_EXTRA_DIGEST=$(layout_digest bookworm-extra)
BOX_TEST_SYSTEMD_ROOTFS=$SD_ROOTFS
BOX_TEST_SYSTEMD_USER=$SD_USER
BOX_TEST_ALPINE=$ALPINE
BOX_TEST_DRI_ROOT=$DRI_ROOT
EOF
	chmod 644 "$ENV_FILE.new"
	mv "$ENV_FILE.new" "$ENV_FILE"
}

T_START=$(date +%s%N)
phase user setup_user
phase other setup_other_user
phase devices setup_devices
phase cgroup setup_cgroup
phase userland setup_userland
phase systemd setup_systemd_userland
phase alpine setup_alpine
phase registry setup_registry
phase env write_env
say "ready in $((($(date +%s%N) - T_START) / 1000000)) ms; see $ENV_FILE"
