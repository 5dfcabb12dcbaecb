#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The network of named sandboxes (slirp by default): the host's loopback as
# host.box.internal (and not with host_loopback = no), a static -p forward, live
# forwards with `box port add/rm`, an automatic forward for a new listener, the
# forwards in `box list`, and a killed net loop leaving the sandbox running with
# "network down" in `box list`.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../netlib.sh"
need_userns
need_subuid
need_tun
need_registry
need_cmd python3 curl
use_test_registry
S="--storage overlay"
cd "$HOME" || skip_all "no home directory"
at_exit "'$BOX' stop --time 1 nt"
at_exit "'$BOX' stop --time 1 nt2"

mkdir -p "$T/host"
echo "hello-from-host" >"$T/host/index.html"
HP=$(free_port)
hsrv=$(net_serve "$T/host" 127.0.0.1 "$HP")
at_exit "kill $hsrv"
wait_for 10 http_get "http://127.0.0.1:$HP/" || fail "host server did not start"

get_inside() {
	printf 'exec 3<>/dev/tcp/%s/%s || exit 7; printf "GET / HTTP/1.0\\r\\n\\r\\n" >&3; sed "1,/^\\r\\?$/d" <&3' "$1" "$2"
}
# serve_inside NAME PORT TEXT: a perl server in the sandbox (perl is in minbase).
serve_inside() {
	"$BOX" enter "$1" -- perl -MIO::Socket::INET -e '
		my $s = IO::Socket::INET->new(LocalPort => $ARGV[0], Listen => 64, ReuseAddr => 1) or die "$!";
		while (my $c = $s->accept) { <$c>; print $c "HTTP/1.0 200 OK\r\n\r\n$ARGV[1]\n"; close $c }
	' "$2" "$3" >/dev/null 2>&1 &
	echo $!
}

P1=$(free_port)
check "create with -p" "$BOX" create nt --image debian $S -p "$P1:8080"
out=$("$BOX" create nt9 --image debian $S -p 8080:99999 2>&1)
like "$out" "out of range" "create refuses a bad -p clearly"

out=$("$BOX" enter nt -- bash -c "$(get_inside host.box.internal "$HP")" 2>&1)
is "$out" "hello-from-host" "host.box.internal reaches the host's 127.0.0.1"
out=$("$BOX" enter nt -- bash -c "$(get_inside 10.0.2.2 "$HP")" 2>&1)
is "$out" "hello-from-host" "10.0.2.2 reaches the host's 127.0.0.1"
like "$("$BOX" enter nt -- cat /etc/resolv.conf)" "nameserver 10\.0\.2\.3" "resolv.conf uses 10.0.2.3"

srv=$(serve_inside nt 8080 hello-static)
at_exit "kill $srv"
check "static forward reaches the server inside" wait_for 10 http_get "http://127.0.0.1:$P1/"
is "$(http_get "http://127.0.0.1:$P1/")" "hello-static" "static forward returns the inside reply"

P2=$(free_port)
check "box port add" "$BOX" port add nt "$P2:8080"
is "$(http_get "http://127.0.0.1:$P2/")" "hello-static" "live forward works without a restart"
list=$("$BOX" port nt)
like "$list" "127\.0\.0\.1:$P1->8080/tcp +static" "box port lists the static forward"
like "$list" "127\.0\.0\.1:$P2->8080/tcp +live" "box port lists the live forward"
check "box port rm" "$BOX" port rm nt "$P2:8080"
check_fails "the removed forward is gone" curl -fsS -m 2 "http://127.0.0.1:$P2/"
out=$("$BOX" port add nt 0 2>&1)
like "$out" "out of range" "box port add refuses port 0 clearly"
out=$("$BOX" port nosuch-$$ 2>&1)
is "$?" 125 "box port on a sandbox that does not exist: 125"
like "$out" "^box: no sandbox named 'nosuch-$$'" "... and it says there is no such sandbox"

AP=$(free_port)
asrv=$(serve_inside nt "$AP" hello-auto)
at_exit "kill $asrv"
check "an automatic forward appears for a new listener" wait_for 10 http_get "http://127.0.0.1:$AP/"
is "$(http_get "http://127.0.0.1:$AP/")" "hello-auto" "the automatic forward reaches it"
like "$("$BOX" port nt)" "127\.0\.0\.1:$AP->$AP/tcp +auto" "box port shows it as auto"
like "$("$BOX" list)" "127\.0\.0\.1:$P1->8080/tcp" "box list shows the forwards"
kill "$asrv"
check "the automatic forward goes when the server stops" \
	wait_for 10 sh -c "! '$BOX' port nt | grep -q -- '->$AP/tcp'"

# The net loop dies: the sandbox keeps running, box list says so.
sup=$(sed -n 's/^supervisor_pid=//p' "$XDG_RUNTIME_DIR/box/nt/state")
net=
for p in $(cat /proc/"$sup"/task/*/children 2>/dev/null); do
	[ "$(cat /proc/$p/comm 2>/dev/null)" = box-net ] && net=$p
done
ok_net=${net:+found}
is "${ok_net:-}" found "the net loop runs beside the supervisor"
[ -n "$net" ] && kill -9 "$net"
check "the sandbox still runs commands after the net loop died" "$BOX" enter nt -- true
out=$("$BOX" list)
like "$out" "nt +.*running.*network down" "box list shows the sandbox running with its network down"
like "$("$BOX" list --format json | tr -d ' \n')" '"net_state":"down"' "json says net_state down"

# host_loopback = no: neither the name nor 10.0.2.2 reach the host.
printf '[box]\nhost_loopback = no\n' >>"$BOX_CONFIG"
check "create a second sandbox" "$BOX" create nt2 --image debian $S
out=$("$BOX" port nt2 2>&1)
is "$?" 125 "box port on a sandbox that is not running: 125"
like "$out" "not running" "... and it says the sandbox is not running"
out=$("$BOX" enter nt2 -- bash -c "$(get_inside 10.0.2.2 "$HP")" 2>&1)
unlike "$out" "hello-from-host" "host_loopback = no: 10.0.2.2 does not reach the host"
unlike "$("$BOX" enter nt2 -- cat /etc/hosts)" "host\.box\.internal" \
	"host_loopback = no: no host.box.internal in /etc/hosts"

done_testing
