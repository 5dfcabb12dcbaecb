#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Networks of `box run --rootfs` on the Debian userland: slirp (the host's
# loopback at 10.0.2.2, a static -p forward into the sandbox, DNS through
# 10.0.2.3 and a real client: apt-get update against Debian's mirror, the only
# traffic of the suite that leaves loopback), none (no way out) and host (the
# host's interfaces).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../netlib.sh"
need_userns
need_subuid
need_tun
need_debian_rootfs
need_cmd python3 curl

R=$BOX_TEST_ROOTFS
mkdir -p "$T/host"
echo "hello-from-host" >"$T/host/index.html"
HP=$(free_port)
hsrv=$(net_serve "$T/host" 127.0.0.1 "$HP")
at_exit "kill $hsrv"
wait_for 10 http_get "http://127.0.0.1:$HP/" || fail "host server did not start"

# GET / from inside with bash's /dev/tcp (no curl in minbase): prints the body.
get_inside() {
	printf 'exec 3<>/dev/tcp/%s/%s || exit 7; printf "GET / HTTP/1.0\\r\\n\\r\\n" >&3; sed "1,/^\\r\\?$/d" <&3' "$1" "$2"
}

out=$("$BOX" run --rootfs "$R" --network slirp -- bash -c "$(get_inside 10.0.2.2 "$HP")" 2>&1)
is "$out" "hello-from-host" "slirp: the host's 127.0.0.1 server is reachable at 10.0.2.2"

out=$("$BOX" run --rootfs "$R" --network slirp -- cat /etc/resolv.conf 2>&1)
like "$out" "^nameserver 10\.0\.2\.3$" "slirp: resolv.conf points at 10.0.2.3"

out=$("$BOX" run --rootfs "$R" --network slirp -- cat /proc/net/route 2>&1)
like "$out" "tap0[[:space:]]+00000000[[:space:]]+0202000A" "slirp: default route via 10.0.2.2 on tap0"

out=$("$BOX" run --rootfs "$R" --network none -- bash -c "$(get_inside 10.0.2.2 "$HP")" 2>&1)
rc=$?
unlike "$out" "hello-from-host" "none: 10.0.2.2 is unreachable"
isnt_zero() { [ "$1" -ne 0 ]; }
check "none: the connection attempt fails" isnt_zero $rc
out=$("$BOX" run --rootfs "$R" --network none -- ls /sys/class/net 2>&1)
is "$(echo $out)" "lo" "none: only lo"

host_ifs=$(ls /sys/class/net | sort | tr '\n' ' ')
out=$("$BOX" run --rootfs "$R" --network host -- sh -c 'cut -d: -f1 /proc/net/dev | tail -n +3 | tr -d " " | sort | tr "\n" " "' 2>&1)
is "$out" "$host_ifs" "host: the host's interfaces are visible"
out=$("$BOX" run --rootfs "$R" --network host -- bash -c "$(get_inside 127.0.0.1 "$HP")" 2>&1)
is "$out" "hello-from-host" "host: the host's loopback is shared"

# A static forward into the sandbox: a perl server inside (perl is in minbase).
P=$(free_port)
"$BOX" run --rootfs "$R" --network slirp -p "$P:8080" -- perl -MIO::Socket::INET -e '
	my $s = IO::Socket::INET->new(LocalPort => 8080, Listen => 64, ReuseAddr => 1) or die "$!";
	while (my $c = $s->accept) { <$c>; print $c "HTTP/1.0 200 OK\r\n\r\nhello-from-inside\n"; close $c }
' >"$T/srv.log" 2>&1 &
srv=$!
at_exit "kill $srv"
check "slirp: -p forward reaches a server inside" wait_for 10 http_get "http://127.0.0.1:$P/"
is "$(http_get "http://127.0.0.1:$P/")" "hello-from-inside" "slirp: -p forward returns the inside server's reply"
kill "$srv"
wait "$srv" 2>/dev/null
check_fails "slirp: the forward ends with the sandbox" curl -fsS -m 2 "http://127.0.0.1:$P/"

# The same on the host's ::1: the forward reaches the sandbox over IPv6, so the
# server inside listens on :: (IPv6, and IPv4 too).
P6=$(free_port ::1)
"$BOX" run --rootfs "$R" --network slirp -p "[::1]:$P6:8080" -- perl -MIO::Socket::IP -e '
	my $s = IO::Socket::IP->new(LocalHost => "::", LocalPort => 8080, Listen => 64,
		ReuseAddr => 1) or die "$!";
	while (my $c = $s->accept) { <$c>; print $c "HTTP/1.0 200 OK\r\n\r\nhello-over-ipv6\n"; close $c }
' >"$T/srv6.log" 2>&1 &
srv6=$!
at_exit "kill $srv6"
check "slirp: -p [::1]:$P6:8080 reaches a server inside" wait_for 10 http_get "http://[::1]:$P6/"
is "$(http_get "http://[::1]:$P6/")" "hello-over-ipv6" "slirp: the IPv6 forward returns the inside server's reply"
kill "$srv6"
wait "$srv6" 2>/dev/null

out=$("$BOX" run --rootfs "$R" --network slirp -p 70000 -- true 2>&1)
like "$out" "out of range 1\.\.65535" "-p with a bad port is refused clearly"
out=$("$BOX" run --rootfs "$R" --network slirp -p "$HP:80" -- true 2>&1)
rc=$?
like "$out" "already in use" "-p with a taken host port is refused clearly"
is "$rc" 125 "... with box's own exit status"

# The global config's network settings apply to box run too.
printf '[box]\nmtu = 9000\nhost_loopback = no\n' >"$BOX_CONFIG"
is "$("$BOX" run --rootfs "$R" --network slirp -- cat /sys/class/net/tap0/mtu 2>&1)" 9000 \
	"mtu from the config sets tap0's MTU"
out=$("$BOX" run --rootfs "$R" --network slirp -- bash -c "$(get_inside 10.0.2.2 "$HP")" 2>&1)
unlike "$out" "hello-from-host" "host_loopback = no: 10.0.2.2 does not reach the host"
: >"$BOX_CONFIG"

# The control socket answers only its own user: root inside a sandbox is a
# subordinate id outside, so its request is refused; the user's own is not.
unshare -rn sleep 120 >/dev/null 2>&1 </dev/null &
ns=$!
at_exit "kill $ns"
wait_for 5 sh -c "[ \"\$(readlink /proc/$ns/ns/net)\" != \"\$(readlink /proc/self/ns/net)\" ]"
mkdir -p "$T/ctl"
"$BOX" __netloop --netns "$ns" --ctl "$T/ctl/net.sock" 2>/dev/null &
loop=$!
at_exit "kill $loop"
wait_for 10 "$BOX" port --socket "$T/ctl/net.sock"
ask='use IO::Socket::UNIX; my $s = IO::Socket::UNIX->new(Peer => "/mnt/net.sock") or die "$!";
	print $s "list\n"; $s->shutdown(1); print while <$s>;'
out=$("$BOX" run --rootfs "$R" --root -v "$T/ctl:/mnt" -- perl -e "$ask" 2>&1)
like "$out" "^error: permission denied" "another uid is refused by the control socket"
out=$("$BOX" run --rootfs "$R" -v "$T/ctl:/mnt" -- perl -e "$ask" 2>&1)
like "$out" "^ok" "the user's own uid is answered"
check "the loop still answers after the refused request" "$BOX" port --socket "$T/ctl/net.sock"

# Name resolution and a real client through slirp. apt needs writable lists.
mkdir -p "$T/lists/partial" "$T/cache/archives/partial"
out=$("$BOX" run --rootfs "$R" --root --network slirp -v "$T/lists:/var/lib/apt/lists" \
	-v "$T/cache:/var/cache/apt" -- apt-get -o Acquire::Retries=2 update 2>&1)
rc=$?
is "$rc" 0 "slirp: apt-get update succeeds"
[ $rc -eq 0 ] || diag "$(printf '%s' "$out" | tail -5)"
check "slirp: apt fetched the release files" ls "$T/lists"/*_InRelease

done_testing
