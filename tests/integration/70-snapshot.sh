#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Sandbox history: snapshot, snapshots, restore (with its safety snapshot), snapshot rm,
# and clone with both storage drivers, on the real Debian image from the loopback
# registry, as the test user.
. "$(dirname "$0")/../lib.sh"
need_userns
need_subuid
need_fuse
need_registry
use_test_registry
cd "$HOME" || skip_all "no home directory"

at_exit "'$BOX' stop --time 1 h1; '$BOX' stop --time 1 h2; '$BOX' stop --time 1 h1c; '$BOX' stop --time 1 h2c"

check "create a sandbox (fuse-overlayfs)" "$BOX" create h1 --image debian --storage fuse-overlayfs
"$BOX" enter --root h1 -- sh -c 'echo kept >/etc/box-note; rm /etc/issue; mkdir -p /srv/x; echo 1 >/srv/x/a'
check "snapshot with a name" "$BOX" snapshot h1 good
out=$("$BOX" snapshot h1 good 2>&1); rc=$?
is "$rc" 125 "a second snapshot of the same name is refused with 125"
like "$out" "already" "... saying the name is taken"

# The damaging change: apt is gone.
"$BOX" enter --root h1 -- rm -rf /usr/bin/apt /etc/box-note
check_fails "apt is gone after the damage" "$BOX" enter h1 -- test -e /usr/bin/apt
out=$("$BOX" restore h1 good 2>&1); rc=$?
is "$rc" 125 "restore of a running sandbox is refused with 125"
like "$out" "stop it first" "... telling to stop it first"
"$BOX" stop --time 1 h1
out=$("$BOX" restore h1 good 2>&1)
check "restore of the stopped sandbox works" test $? = 0
like "$out" "before-restore-" "... and names the safety snapshot"
check "apt is back after the restore" "$BOX" enter h1 -- test -x /usr/bin/apt
is "$("$BOX" enter h1 -- cat /etc/box-note)" kept "a file written before the snapshot is back"
check_fails "a base file deleted before the snapshot stays deleted (whiteout kept)" \
	"$BOX" enter h1 -- test -e /etc/issue
is "$("$BOX" enter h1 -- stat -c %U:%G /etc/box-note)" root:root "owners inside are kept"
list=$("$BOX" snapshots h1)
like "$list" "good" "box snapshots lists the named snapshot"
like "$list" "before-restore-" "... and the safety snapshot"
safety=$(echo "$list" | awk '/^before-restore-/ { print $1 }')
"$BOX" stop --time 1 h1
check "the restore can be undone from the safety snapshot" "$BOX" restore h1 "$safety"
check_fails "... which brings the damage back" "$BOX" enter h1 -- test -e /usr/bin/apt
check "snapshot of a running sandbox (frozen while copied)" "$BOX" snapshot h1 running
check "snapshot rm" "$BOX" snapshot rm h1 running
unlike "$("$BOX" snapshots h1)" "running" "... and it is no longer listed"
out=$("$BOX" snapshot rm h1 nosuch 2>&1); rc=$?
is "$rc" 125 "removing a missing snapshot fails with 125"
like "$out" "no snapshot named 'nosuch'" "... naming it"
out=$("$BOX" snapshot nosuchbox 2>&1); rc=$?
is "$rc" 125 "a snapshot of a missing sandbox fails with 125"
out=$("$BOX" snapshot h1 ../x 2>&1); rc=$?
is "$rc" 125 "an invalid snapshot name is refused"
ls -a "$XDG_DATA_HOME/box/sandboxes/h1/snapshots" | grep -q '^\.tmp' && fail "no temporary dirs are left" || ok "no temporary dirs are left"

# --- clone, both storage drivers
check "create a sandbox (kernel overlay)" "$BOX" create h2 --image debian --storage overlay
"$BOX" enter --root h2 -- sh -c 'echo two >/etc/box-note; rm /etc/issue'
for s in h1 h2; do
	"$BOX" enter --root $s -- sh -c 'echo cloned >/root/mark'
	check "clone $s (running)" "$BOX" clone $s ${s}c
	is "$("$BOX" enter --root ${s}c -- cat /root/mark)" cloned "the clone of $s has its files"
	check_fails "a file deleted in $s is deleted in the clone" "$BOX" enter ${s}c -- test -e /etc/issue
	"$BOX" enter --root ${s}c -- sh -c 'echo changed >/root/mark'
	is "$("$BOX" enter --root $s -- cat /root/mark)" cloned "a change in the clone does not touch $s"
done
is "$("$BOX" list --format json | tr -d ' \n' | grep -o '{"name":"h2c"[^}]*' | grep -o '"image":"[^"]*"')" \
	"$("$BOX" list --format json | tr -d ' \n' | grep -o '{"name":"h2"[^}]*' | grep -o '"image":"[^"]*"')" \
	"the clone has the source's image"
grep -q '"storage": *"overlay"' "$XDG_DATA_HOME/box/sandboxes/h2c/config.json" && ok "the clone keeps the storage driver" || fail "the clone keeps the storage driver"
out=$("$BOX" clone h1 h2 2>&1); rc=$?
is "$rc" 125 "a clone onto an existing name is refused"
like "$out" "already exists" "... saying so"
out=$("$BOX" clone nosuch-$$ h9 2>&1); rc=$?
is "$rc" 125 "a clone of a sandbox that does not exist is refused"
is "$out" "box: clone 'nosuch-$$' to 'h9': no sandbox named 'nosuch-$$' (see 'box list'): No such file or directory" \
	"... in one line that names it once"
check_fails "... and makes no sandbox" test -e "$XDG_DATA_HOME/box/sandboxes/h9"
done_testing
