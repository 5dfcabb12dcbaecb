#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A project's [export] bins and apps: entering its sandbox exports them (wrappers in
# XDG_BIN_HOME, a launcher), entering again rewrites nothing, what leaves the list is
# removed from the host (only what the project exported), what the sandbox lacks or a
# host file box did not write is a one-line warning and the enter goes on; bad values
# are FILE:LINE errors. The real Debian image from the loopback registry.
. "$(dirname "$0")/../lib.sh"
need_userns
need_subuid
need_fuse
need_registry
use_test_registry
cd "$HOME" || skip_all "no home directory"
at_exit "'$BOX' rm -f pex >/dev/null 2>&1"
export XDG_BIN_HOME=$T/bin
APPS=$XDG_DATA_HOME/applications
P=$T/proj
mkdir -p "$P"
ini() { printf '[box]\nimage = debian:bookworm\nname = pex\nnetwork = none\n[export]\n%s\n' "$1" >"$P/.box.ini"; }
allow() { (cd "$P" && "$BOX" allow --yes >/dev/null 2>&1); }
penter() { (cd "$P" && "$BOX" enter -- "$@"); }

# bad values: FILE:LINE, nothing runs
ini 'bins = ok /usr/bin/../bin/x a;b'
out=$("$BOX" config check "$P/.box.ini" 2>&1)
like "$out" "\.box\.ini:6: bad program '/usr/bin/\.\./bin/x' in \[export\] bins" "a path with '..' is a FILE:LINE error"
like "$out" "\.box\.ini:6: bad program 'a;b' in \[export\] bins" "... and a word that needs quoting"
ini $'bins = hostname hostname\nbins = /usr/bin/true /bin/true'
out=$("$BOX" config check "$P/.box.ini" 2>&1)
is "$?" 125 "an [export] entry twice fails the check (125)"
like "$out" "\.box\.ini:6: 'hostname' is listed twice in \[export\] bins; remove one" "... FILE:LINE"
like "$out" "\.box\.ini:7: '/usr/bin/true' and '/bin/true' in \[export\] bins would both be the wrapper 'true'" \
	"two programs with one wrapper name are a FILE:LINE error"
allow
out=$(penter true 2>&1)
is "$?" 125 "... and enter refuses the file (125) instead of sharing one wrapper"
is "$(ls "$T/bin" 2>/dev/null)" "" "... and writes no wrapper"

ini $'bins = hostname nosuchprog\napps = org.example.Demo'
allow
penter true 2>"$T/err"
is "$?" 0 "entering exports the list; what the sandbox lacks does not stop it"
like "$(cat "$T/err")" "box: warning: \[export\] bins = nosuchprog: sandbox 'pex' has no program 'nosuchprog'" \
	"a missing program is a warning naming it"
like "$(cat "$T/err")" "box: warning: \[export\] apps = org.example.Demo: sandbox 'pex' has no application" \
	"... and a missing application"
is "$(grep -c warning "$T/err")" 2 "... one line each"
check "the wrapper is in XDG_BIN_HOME, a link to box" test -L "$T/bin/hostname"
is "$("$T/bin/hostname" 2>&1)" pex "... and runs the program inside"
check_fails "nothing for the missing program" test -e "$T/bin/nosuchprog"
out=$(cd "$P" && "$BOX" allow 2>&1 </dev/null)
like "$out" "export bins: +hostname" "box allow shows [export] bins"
like "$out" "programs on the host's PATH run inside the sandbox" "... and what they mean"

# entering again: nothing rewritten
before=$(stat -c '%i %Y' "$T/bin/hostname" "$XDG_DATA_HOME/box/sandboxes/pex/exports-project")
sleep 1
penter true 2>/dev/null
after=$(stat -c '%i %Y' "$T/bin/hostname" "$XDG_DATA_HOME/box/sandboxes/pex/exports-project")
is "$after" "$before" "entering again rewrites nothing that is in place"

# the application appears inside: the next entry exports it
"$BOX" enter --root pex -- sh -c 'mkdir -p /usr/share/applications && printf "[Desktop Entry]\nType=Application\nName=Demo\nExec=/usr/bin/true\n" >/usr/share/applications/org.example.Demo.desktop'
penter true 2>"$T/err"
check "an application installed since is exported on the next entry" test -f "$APPS/box-pex-org.example.Demo.desktop"
is "$(grep -c 'org.example.Demo' "$T/err")" 0 "... without a warning"

# the list changes: what left it goes, what joined it comes; a user's file is kept
echo mine >"$T/bin/env"
ini $'bins = /usr/bin/env true'
allow
"$BOX" stop --time 1 pex
penter true 2>"$T/err"
is "$?" 0 "the enter goes on"
check_fails "a program that left the list is removed from the host" test -e "$T/bin/hostname"
check_fails "... and an application" test -e "$APPS/box-pex-org.example.Demo.desktop"
like "$(cat "$T/err")" "\[export\] bins = /usr/bin/env: '$T/bin/env' exists and box did not write it" \
	"a host file box did not write: a warning naming it"
is "$(cat "$T/bin/env")" mine "... and it is unchanged"
check "a program that joined the list is exported (the sandbox was stopped: started)" test -L "$T/bin/true"
"$T/bin/true"
is "$?" 0 "... and runs"
"$BOX" export pex --bin hostname --dir "$T/bin" >/dev/null
ini 'bins = true'
allow
penter true 2>/dev/null
check "a program exported by hand is not the project's to remove" test -L "$T/bin/hostname"
ini ''
allow
penter true 2>/dev/null
check_fails "an empty list removes the rest of what the project exported" test -e "$T/bin/true"
"$BOX" rm -f pex >/dev/null 2>&1
check_fails "box rm removes what is left" test -e "$T/bin/hostname"
done_testing
