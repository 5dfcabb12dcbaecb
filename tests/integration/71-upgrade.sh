#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# box upgrade runs the userland's own package manager as root inside: apt-get on
# Debian, apk on Alpine. The sandboxes have no network (--network none) and their
# package sources are replaced by an empty local repository, so the package managers
# do their real work without any traffic leaving the machine.
. "$(dirname "$0")/../lib.sh"
need_userns
need_subuid
need_fuse
need_registry
use_test_registry
cd "$HOME" || skip_all "no home directory"
ALPINE=${BOX_TEST_ALPINE:-/var/cache/box-tests/alpine-minirootfs-3.20.3-x86_64.tar.gz}
at_exit "'$BOX' stop --time 1 up-deb; '$BOX' stop --time 1 up-alp"

check "create a Debian sandbox without network" "$BOX" create up-deb --image debian --network none
"$BOX" enter --root up-deb -- sh -c 'rm -f /etc/apt/sources.list /etc/apt/sources.list.d/*;
	mkdir -p /srv/repo && : >/srv/repo/Packages &&
	echo "deb [trusted=yes] file:/srv/repo ./" >/etc/apt/sources.list' || fail "write a local sources.list"
"$BOX" stop --time 1 up-deb
out=$("$BOX" upgrade up-deb 2>&1); rc=$?
is "$rc" 0 "upgrade of a stopped Debian sandbox succeeds"
like "$out" "apt-get update" "... runs apt-get update"
like "$out" "apt-get upgrade" "... then apt-get upgrade"
like "$out" "Calculating upgrade" "... with apt's own output"
like "$out" "0 upgraded" "... which finds nothing to upgrade in the empty repository"
is "$("$BOX" list --format json | tr -d ' \n' | grep -o '{"name":"up-deb"[^}]*' | grep -o '"state":"[a-z]*"')" \
	'"state":"stopped"' "a sandbox that was stopped is stopped again"
"$BOX" start up-deb >/dev/null 2>&1
check "apt-get update fetched the local index as root inside" \
	"$BOX" enter up-deb -- sh -c 'ls /var/lib/apt/lists/ | grep -q _srv_repo'

if [ -r "$ALPINE" ]; then
	check "import the Alpine minirootfs" "$BOX" import "$ALPINE" alpine-up
	check "create an Alpine sandbox without network" "$BOX" create up-alp --image alpine-up --network none
	"$BOX" enter --root up-alp -- sh -c ': >/etc/apk/repositories' || fail "empty the apk repositories"
	out=$("$BOX" upgrade --all --running 2>&1); rc=$?
	is "$rc" 0 "upgrade --all --running succeeds"
	like "$out" "up-alp: \[1/1\] apk upgrade" "... runs apk upgrade in the Alpine sandbox"
	like "$out" "OK: .* packages" "... with apk's own output"
	like "$out" "up-deb: \[1/2\] apt-get update" "... and apt-get in the Debian one"
else
	skip "upgrade on Alpine runs apk" "no Alpine minirootfs at $ALPINE (set BOX_TEST_ALPINE)"
fi
out=$("$BOX" upgrade nosuch 2>&1); rc=$?
is "$rc" 125 "upgrade of a missing sandbox fails with 125"
like "$out" "no sandbox named 'nosuch'" "... naming it"
out=$("$BOX" upgrade 2>&1); rc=$?
is "$rc" 125 "upgrade without a name is a usage error"
done_testing
