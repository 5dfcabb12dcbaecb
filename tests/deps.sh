#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Installs every Debian package that building, running and testing box needs.
# As root it runs apt-get (only when something is missing, so a second run is a
# quick no-op); as an ordinary user it prints the one command to run and exits 1
# when anything is missing.
set -eu

PACKAGES="
build-essential pkg-config
libslirp-dev libglib2.0-dev libncurses-dev libinih-dev
libcurl4-openssl-dev libarchive-dev libjson-c-dev libssl-dev libseccomp-dev libsystemd-dev zlib1g-dev libisal-dev
fuse-overlayfs fuse3 uidmap
mmdebstrap docker-registry skopeo
tmux curl python3 iproute2 util-linux procps sudo dbus apache2-utils xvfb
zsh fish man-db groff-base
debhelper dpkg-dev systemd-container
clang cppcheck clang-tidy clang-format
bubblewrap hyperfine passt slirp4netns
podman runc conmon catatonit distrobox podman-toolbox
"

missing=""
for p in $PACKAGES; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = installed ] || missing="$missing $p"
done
missing=${missing# }

if [ -z "$missing" ]; then
	echo "deps: all $(echo $PACKAGES | wc -w) packages are installed"
	exit 0
fi

if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages: $missing" >&2
	echo "deps: install them with:" >&2
	echo "sudo apt-get install -y $missing"
	exit 1
fi

echo "deps: installing: $missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing </dev/null
