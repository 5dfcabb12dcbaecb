#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A project's sandbox from its .box.ini, as the test user with the Debian image from
# the loopback registry: discovery from a nested directory, trust, the setup run once
# and cached as a layer shared by a second project, env, mounts, limits, a changed
# setup detected and applied by `box rebuild`, and stop/start without rerunning setup;
# the files setup reads are part of its key, and setup runs in the sandbox's network mode.
. "$(dirname "$0")/../lib.sh"
need_userns
need_subuid
need_fuse
need_registry
need_cmd dpkg-deb
use_test_registry

P=$T/proj
P2=$T/proj2
mkdir -p "$P/src/deep" "$P/data" "$P2/data" "$T/outside" "$T/empty"
echo outside-file >"$T/outside/f"
at_exit "cd / && '$BOX' stop --time 1 proj >/dev/null 2>&1; '$BOX' stop --time 1 proj2 >/dev/null 2>&1"
for n in proj3 netslirp netnolo nethost; do at_exit "'$BOX' stop --time 1 $n >/dev/null 2>&1"; done

# A package built here, installed by the setup with dpkg (no network needed).
mkdir -p "$T/pkg/DEBIAN" "$T/pkg/usr/bin"
printf 'Package: box-hello\nVersion: 1.0\nArchitecture: all\nMaintainer: box <box@localhost>\nDescription: test package\n' >"$T/pkg/DEBIAN/control"
printf '#!/bin/sh\necho hello from box-hello\n' >"$T/pkg/usr/bin/box-hello"
chmod 755 "$T/pkg/usr/bin/box-hello"
dpkg-deb --root-owner-group --build "$T/pkg" "$P/box-hello.deb" >/dev/null || fail "dpkg-deb"
cp "$P/box-hello.deb" "$P2/"

ini() {
	cat <<INI
[box]
image = debian
hostname = projbox
[setup]
run = dpkg -i box-hello.deb
run = echo ran >>setup-runs
$1
[env]
GREETING = hi there
[mounts]
/outside-ro = ../outside:ro
/data = data
[limits]
pids = 100
$2
INI
}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ports="[ports]
127.0.0.1:$port = 8000"
ini "" "$ports" >"$P/.box.ini"
ini "" "" >"$P2/.box.ini"

# --- no .box.ini anywhere
out=$(cd "$T/empty" && "$BOX" enter -- true 2>&1)
is "$?" 125 "no .box.ini: box enter with no name fails with 125"
like "$out" "box init" "... and says what to do"
is "$(echo "$out" | wc -l)" 1 "... in one line"

# --- trust, from a nested directory
cd "$P/src/deep" || exit 1
out=$("$BOX" enter -- true 2>&1)
is "$?" 125 "an unapproved .box.ini is refused (125)"
like "$out" "proj/\.box\.ini.*box allow" "... naming the file and 'box allow'"
"$BOX" allow --yes >/dev/null 2>&1 || fail "box allow"

# --- first entry: setup once, then the command in the directory the user is in
out=$("$BOX" enter -- pwd 2>"$T/err")
st=$?
err=$(cat "$T/err")
is "$st" 0 "box enter from a nested directory runs"
is "$out" "$P/src/deep" "the project is at the same path inside; the shell starts where the user is"
like "$err" "using '$P/\.box\.ini'" "the first entry says which file it used"
like "$err" "\[1/2\] line 5: dpkg -i box-hello.deb" "a progress line per step"
like "$err" "pids" "the pids limit gives this host's warning"
is "$(cat "$P/setup-runs" 2>/dev/null | wc -l)" 1 "setup ran once"
is "$("$BOX" run -- box-hello 2>/dev/null)" "hello from box-hello" "the package installed by the setup is there"
is "$("$BOX" run -- sh -c 'echo $GREETING' 2>&1)" "hi there" "[env] is set"
is "$("$BOX" run -- hostname 2>&1)" projbox "[box] hostname applies"
is "$("$BOX" run -- cat /outside-ro/f 2>&1)" "outside-file" "a [mounts] entry is bound (relative to the project)"
check_fails "a :ro mount is read-only" "$BOX" run -- touch /outside-ro/g
"$BOX" run -- sh -c 'echo w >/data/w' 2>/dev/null
is "$(cat "$P/data/w" 2>/dev/null)" w "a rw mount writes to the host"
# [ports]: a server inside on 8000, reached from the host on the forwarded port.
"$BOX" run -- perl -MIO::Socket::INET -e '$s = IO::Socket::INET->new(LocalPort => 8000,
	Listen => 1, ReuseAddr => 1) or die "listen: $!"; $c = $s->accept; print $c "box-port-ok\n"' \
	>/dev/null 2>&1 &
srv=$!
got=
for ((i = 0; i < 50; i++)); do
	got=$(exec 3<>"/dev/tcp/127.0.0.1/$port" && timeout 2 cat <&3) 2>/dev/null
	[ -n "$got" ] && break
	sleep 0.1
done
is "$got" box-port-ok "a [ports] forward reaches a server inside from the host"
kill "$srv" 2>/dev/null
wait "$srv" 2>/dev/null
grep -Eq '"project": ?"'"$P"'"' "$XDG_DATA_HOME/box/sandboxes/proj/config.json" &&
	ok "config.json records the project" || fail "config.json records the project"

# --- stop/start does not run setup again
check "box stop with no name" "$BOX" stop --time 1
is "$(cd "$P" && "$BOX" run -- box-hello 2>/dev/null)" "hello from box-hello" "started again"
is "$(wc -l <"$P/setup-runs")" 1 "a stop/start does not rerun setup"

# --- a second project with the same setup shares the layer
cd "$P2" || exit 1
"$BOX" allow --yes >/dev/null 2>&1
err=$("$BOX" run -- box-hello 2>&1 >/dev/null)
is "$("$BOX" run -- box-hello 2>/dev/null)" "hello from box-hello" "second project: package there"
unlike "$err" "\[1/2\]" "second project: no setup step ran"
[ ! -e "$P2/setup-runs" ] && ok "second project: the setup layer was reused" ||
	fail "second project: the setup layer was reused"
is "$(ls -d "$XDG_DATA_HOME"/box/layers/setup-* | wc -l)" 1 "one setup layer for both"

# --- a changed setup: detected, then applied by box rebuild
cd "$P" || exit 1
"$BOX" run -- sh -c 'echo mine >/var/tmp/userchange' 2>/dev/null
ini "run = echo two >>setup-runs2" "$ports" >"$P/.box.ini"
out=$("$BOX" run -- true 2>&1)
is "$?" 125 "an edited .box.ini is refused until box allow"
"$BOX" allow --yes >/dev/null 2>&1
err=$("$BOX" run -- cat /var/tmp/userchange 2>&1)
like "$err" "changed.*box rebuild" "a changed setup is detected and 'box rebuild' suggested"
like "$err" "mine" "... and the old sandbox is entered as it is"
out=$("$BOX" rebuild </dev/null 2>&1)
is "$?" 125 "box rebuild without a terminal or --yes refuses to discard changes"
like "$out" "rebuild --yes" "... and says how to go ahead"
is "$("$BOX" run -- cat /var/tmp/userchange 2>/dev/null)" mine "... leaving the sandbox as it was"
out=$("$BOX" rebuild --yes 2>&1)
is "$?" 0 "box rebuild --yes"
like "$out" "/var/tmp/userchange" "rebuild lists the changes it discards"
is "$(cat "$P/setup-runs2" 2>/dev/null)" two "the new setup ran"
check_fails "the discarded change is gone" "$BOX" run -- cat /var/tmp/userchange
is "$("$BOX" run -- box-hello 2>/dev/null)" "hello from box-hello" "the rebuilt sandbox has the setup"
is "$(cat "$P/data/w" 2>/dev/null)" w "the project's files are untouched by a rebuild"
unlike "$("$BOX" run -- true 2>&1)" "changed" "no change reported after the rebuild"

# --- other settings need no rebuild: a running sandbox says so, the next start applies
printf '[mounts]\n/extra = ../outside\n' >>"$P/.box.ini"
"$BOX" allow --yes >/dev/null 2>&1
like "$("$BOX" run -- true 2>&1)" "changed since sandbox 'proj' started: 'box stop'" \
	"an edited [mounts] on a running sandbox: told to stop it"
"$BOX" stop --time 1 >/dev/null 2>&1
is "$("$BOX" run -- cat /extra/f 2>/dev/null)" outside-file "... and applied on the next start"

# --- box prune keeps the setup layers that sandboxes use
"$BOX" stop --time 1 >/dev/null 2>&1
"$BOX" prune >/dev/null 2>&1
is "$("$BOX" run -- box-hello 2>/dev/null)" "hello from box-hello" "box prune keeps a setup layer in use"
is "$(ls -d "$XDG_DATA_HOME"/box/layers/setup-* | wc -l)" 2 "... (the old one stays while proj2 uses it)"
"$BOX" stop --time 1 >/dev/null 2>&1

# --- the files setup reads are in its key; setup runs in the sandbox's network mode
P3=$T/proj3
mkdir -p "$P3"
printf 'other requirements\n' >"$P3/box-hello.deb.list"
printf '[box]\nimage = debian\nnetwork = none\n[setup]\ninputs = *.list\nrun = cat /proc/net/dev >netdev.txt\n' >"$P3/.box.ini"
(cd "$P3" && "$BOX" allow --yes >/dev/null 2>&1)
(cd "$P3" && "$BOX" run -- true >/dev/null 2>&1)
is "$(grep -c ':' "$P3/netdev.txt" 2>/dev/null)" 1 "network = none: setup sees only loopback"
like "$(grep ':' "$P3/netdev.txt" 2>/dev/null)" "^ *lo:" "... lo"
n=$(ls -d "$XDG_DATA_HOME"/box/layers/setup-* | wc -l)
printf 'edited requirements\n' >"$P3/box-hello.deb.list"
(cd "$P3" && "$BOX" rebuild --yes >/dev/null 2>&1)
is "$(ls -d "$XDG_DATA_HOME"/box/layers/setup-* | wc -l)" $((n + 1)) \
	"an edited file under [setup] inputs builds a new setup layer"
(cd "$P3" && "$BOX" stop --time 1 >/dev/null 2>&1)

# slirp (the default), host_loopback = no and host: what a setup run line sees of the
# network and whether it reaches a server on the host's 127.0.0.1, as the sandbox would.
python3 -c '
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(16)
print(s.getsockname()[1], flush=True)
while True:
    c, _ = s.accept()
    c.sendall(b"hello-from-host\n")
    c.close()
' >"$T/hport" &
hpid=$!
at_exit "kill $hpid"
wait_until 100 test -s "$T/hport"
hport=$(cat "$T/hport")
# NAME SETTINGS: a project whose setup records /proc/net/dev and what it reached at the
# host's loopback through 10.0.2.2 and at 127.0.0.1 (a setup of its own: the layer of an
# equal [setup] would be reused without running).
netproj() {
	mkdir -p "$T/$1"
	cat >"$T/$1/.box.ini" <<INI
[box]
image = debian
$2
[setup]
run = echo $1 >name.txt
run = cat /proc/net/dev >netdev.txt
run = bash -c 'exec 3<>/dev/tcp/10.0.2.2/$hport && head -1 <&3' >via-gw.txt 2>/dev/null || echo unreachable >via-gw.txt
run = bash -c 'exec 3<>/dev/tcp/127.0.0.1/$hport && head -1 <&3' >via-lo.txt 2>/dev/null || echo unreachable >via-lo.txt
INI
	(cd "$T/$1" && "$BOX" allow --yes >/dev/null 2>&1 && "$BOX" run -- true >"$T/$1.out" 2>&1) ||
		diag "$(tail -5 "$T/$1.out")"
	(cd "$T/$1" && "$BOX" stop --time 1 >/dev/null 2>&1)
}
ifaces() { sed -n 's/^ *\([^:]*\):.*/\1/p' "$T/$1/netdev.txt" 2>/dev/null | sort | tr '\n' ' '; }
netproj netslirp ""
is "$(ifaces netslirp)" "lo tap0 " "network = slirp: setup has lo and tap0, a network of its own"
is "$(cat "$T/netslirp/via-gw.txt" 2>/dev/null)" hello-from-host \
	"... and reaches the host's 127.0.0.1 through 10.0.2.2 (host_loopback = yes)"
is "$(cat "$T/netslirp/via-lo.txt" 2>/dev/null)" unreachable "... while its own 127.0.0.1 is not the host's"
is "$(cd "$T/netslirp" && "$BOX" run -- cat /proc/net/dev | sed -n 's/^ *\([^:]*\):.*/\1/p' | sort | tr '\n' ' ')" \
	"lo tap0 " "... the same interfaces as the sandbox itself"
netproj netnolo "host_loopback = no"
is "$(ifaces netnolo)" "lo tap0 " "host_loopback = no: setup still has its tap0"
is "$(cat "$T/netnolo/via-gw.txt" 2>/dev/null)" unreachable "... but not the host's loopback"
netproj nethost "network = host"
is "$(ifaces nethost)" "$(sed -n 's/^ *\([^:]*\):.*/\1/p' /proc/net/dev | sort | tr '\n' ' ')" \
	"network = host: setup has the host's interfaces"
unlike "$(ifaces nethost)" "tap0" "... and no tap0"
is "$(cat "$T/nethost/via-lo.txt" 2>/dev/null)" hello-from-host "... and reaches 127.0.0.1 on the host"
for d in netslirp netnolo nethost; do (cd "$T/$d" && "$BOX" stop --time 1 >/dev/null 2>&1); done

done_testing
