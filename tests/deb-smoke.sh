#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# After the .deb is installed (.ci/run): as the test user, /usr/bin/box pulls the Debian
# image from the loopback registry, creates, starts and enters a sandbox, and its man page
# and bash completion are where man and bash-completion look, and box-host-exec (installed
# in /usr/libexec/box) runs a host command from inside. Run as root.
set -euo pipefail
. /etc/box-tests.env
[ -x /usr/bin/box ] || { echo "deb-smoke: /usr/bin/box is not installed" >&2; exit 1; }
dpkg-query -W -f='${Status}\n' box | grep -q 'install ok installed' ||
	{ echo "deb-smoke: the box package is not installed" >&2; exit 1; }
man -w box-enter >/dev/null
[ -s /usr/share/bash-completion/completions/box ]
[ -x /usr/libexec/box/box-host-exec ]

T=$(mktemp -d /tmp/box-deb-smoke.XXXXXX)
chmod 755 "$T"
chown "$BOX_TEST_USER:" "$T"
cleanup() {
	as_user /usr/bin/box stop --time 1 deb-smoke >/dev/null 2>&1 || true
	as_user /usr/bin/box __rmtree "$T" >/dev/null 2>&1 || true
	rm -rf "$T"
}
as_user() {
	setpriv --reuid="$BOX_TEST_USER" --regid="$BOX_TEST_USER" --init-groups \
		env -i PATH=/usr/bin:/bin HOME="$T" USER="$BOX_TEST_USER" XDG_RUNTIME_DIR="$T/run" \
		XDG_DATA_HOME="$T/data" XDG_CONFIG_HOME="$T/config" "$@"
}
trap cleanup EXIT
cd "$T"
# The test user's delegated cgroup, as the session would have it (tests/run.sh does the same).
[ -w "$BOX_TEST_CGROUP/cgroup.procs" ] && echo $$ >"$BOX_TEST_CGROUP/cgroup.procs" 2>/dev/null || true
as_user sh -c 'mkdir -p -m 700 "$XDG_RUNTIME_DIR" && mkdir -p "$XDG_CONFIG_HOME/box"'
cat >"$T/config/box/config.ini" <<EOF2
[registry "docker.io"]
mirror = http://$BOX_TEST_REGISTRY
insecure = true
EOF2
chown "$BOX_TEST_USER:" "$T/config/box/config.ini"
out=$(as_user /usr/bin/box enter --name deb-smoke "debian:bookworm" -- cat /etc/debian_version 2>&1) || {
	echo "deb-smoke: box enter failed: $out" >&2
	exit 1
}
case $(printf "%s\n" "$out" | tail -1) in 12.*) echo "deb-smoke: /usr/bin/box ran a sandbox: Debian $out" ;; *)
	echo "deb-smoke: unexpected output: $out" >&2
	exit 1 ;;
esac
out=$(as_user /usr/bin/box run deb-smoke -- box-host-exec cat /proc/sys/kernel/hostname 2>&1) || {
	echo "deb-smoke: box-host-exec failed: $out" >&2
	exit 1
}
[ "$out" = "$(cat /proc/sys/kernel/hostname)" ] || {
	echo "deb-smoke: box-host-exec did not run on the host: $out" >&2
	exit 1
}
echo "deb-smoke: box-host-exec ran a host command from inside"
