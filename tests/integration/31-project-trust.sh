#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The .box.ini trust store: an unseen file is not allowed, `box allow` shows what it
# will do and approves it, editing it withdraws the approval, `box deny` refuses it.
# The file is found from a nested subdirectory, as `box enter` will find it.
. "$(dirname "$0")/../lib.sh"

P=$T/proj
mkdir -p "$P/src/deep" "$T/outside"
cat >"$P/.box.ini" <<'INI'
[box]
image = debian
[setup]
packages = git curl
run = echo set up
[mounts]
/outside = ../outside:ro
/src = src
[ports]
127.0.0.1:8080 = 80
INI
cd "$P/src/deep" || exit 1

out=$("$BOX" allow --status 2>&1)
is "$?" 1 "an unseen file is not allowed (status 1)"
like "$out" "proj/\.box\.ini: not allowed: never approved" "found from a nested directory, reported unseen"

out=$("$BOX" allow 2>&1)
is "$?" 0 "box allow approves it"
like "$out" "image: +debian" "allow shows the image"
like "$out" "install: +git curl" "allow shows the packages"
like "$out" "line 5: echo set up" "allow shows run lines with their line"
like "$out" "$T/outside -> /outside \(read-only\) +\[outside the project\]" "a mount outside the project is flagged"
unlike "$out" "/src \(read-only\)|$P/src -> /src +\[outside" "a mount inside the project is not flagged"
like "$out" "127\.0\.0\.1:8080 -> 80" "allow shows ports"
ls "$XDG_DATA_HOME/box/trust/" >/dev/null 2>&1 && ok "approval stored under \$XDG_DATA_HOME/box/trust" ||
	fail "approval stored under \$XDG_DATA_HOME/box/trust"

out=$("$BOX" allow --status 2>&1)
is "$?" 0 "approved file is allowed"
like "$out" ": allowed$" "status says allowed"

printf "[setup]\nrun = echo something else\n" >>"$P/.box.ini"
out=$("$BOX" allow --status 2>&1)
is "$?" 1 "an edited file is no longer allowed"
like "$out" "changed since it was approved" "status says changed"

check "approving the new content" "$BOX" allow "$P/.box.ini"
check "allowed again" "$BOX" allow --status "$P"

check "box deny" "$BOX" deny
out=$("$BOX" allow --status 2>&1)
is "$?" 1 "a denied file is not allowed"
like "$out" "not allowed: denied" "status says denied"

printf '[box]\nimgae = debian\n' >"$P/.box.ini"
out=$("$BOX" allow 2>&1)
is "$?" 125 "a file with errors is not approved"
like "$out" "\.box\.ini:2: unknown key 'imgae'" "its errors are listed"

out=$("$BOX" config show --project 2>&1)
is "$?" 125 "config show --project lists the errors too"
printf '[box]\nimage = debian\n[env]\nGREETING = hi\n' >"$P/.box.ini"
out=$("$BOX" config show "$P/src")
like "$out" "# project $P/\.box\.ini" "a directory argument is searched upwards"
like "$out" "# sandbox proj" "the sandbox is named after the project directory"
like "$out" "GREETING = hi" "project values shown"
like "$out" "network = slirp" "with the defaults"

cd "$T" || exit 1
out=$("$BOX" allow 2>&1)
is "$?" 125 "no .box.ini upwards: exit 125"
like "$out" "run 'box init'" "says what to do"
done_testing
