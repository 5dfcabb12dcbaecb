#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# An idle sandbox's net helper sleeps: once nothing in the sandbox used CPU for a while
# (BOX_NET_QUIET_MS, shortened here), the automatic-forward look backs off from every
# 0.5 s to every 4 s and reads only the cgroup's CPU counter, and libslirp's own
# 1 s tick is not waited for when it has nothing to time. A listener started after
# that still gets its forward, and activity brings the 0.5 s look back.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../netlib.sh"
need_userns
need_subuid
need_tun
need_debian_rootfs
need_cmd curl
at_exit "'$BOX' stop --time 1 idle"

# ctxsw PID: the voluntary context switches of PID so far (each is one wakeup).
ctxsw() { sed -n 's/^voluntary_ctxt_switches:[[:space:]]*//p' "/proc/$1/status"; }
serve_inside() {
	"$BOX" enter "$1" -- perl -MIO::Socket::INET -e '
		my $s = IO::Socket::INET->new(LocalPort => $ARGV[0], Listen => 64, ReuseAddr => 1) or die "$!";
		while (my $c = $s->accept) { <$c>; print $c "HTTP/1.0 200 OK\r\n\r\n$ARGV[1]\n"; close $c }
	' "$2" "$3" >/dev/null 2>&1 &
	echo $!
}

check "create idle" "$BOX" create idle --rootfs "$BOX_TEST_ROOTFS"
check "start idle" env BOX_NET_QUIET_MS=300 "$BOX" start idle
cg=$("$BOX" stats --no-stream --format json idle | sed -n 's/.*"cgroup":"\([^"]*\)".*/\1/p')
[ -n "$cg" ] || skip_all "no cgroup for the sandbox here: the look cannot back off"
sup=$(sed -n 's/^supervisor_pid=//p' "$XDG_RUNTIME_DIR/box/idle/state")
net=
for p in $(cat /proc/"$sup"/task/*/children 2>/dev/null); do
	[ "$(cat /proc/$p/comm 2>/dev/null)" = box-net ] && net=$p
done
[ -n "$net" ] || fail "no net helper beside the supervisor"

# Quiet 0.3 s, then 1, 2, 4 s between looks: from about 4 s on, one wakeup in 4 s.
sleep 4.5
c0=$(ctxsw "$net")
sleep 3
c1=$(ctxsw "$net")
diag "net helper wakeups over 3 s of idleness: $((c1 - c0))"
[ $((c1 - c0)) -le 2 ] && ok "an idle sandbox's net helper wakes at most twice in 3 s" ||
	fail "an idle sandbox's net helper woke $((c1 - c0)) times in 3 s (0.5 s looks: 6)"

AP=$(free_port)
srv=$(serve_inside idle "$AP" hello-idle)
at_exit "kill $srv"
check "a listener started in the idle sandbox gets its forward" wait_for 10 http_get "http://127.0.0.1:$AP/"
is "$(http_get "http://127.0.0.1:$AP/")" "hello-idle" "the forward reaches it"
# Busy again: looks every 0.5 s, so a second listener shows up as fast as before.
AP2=$(free_port)
srv2=$(serve_inside idle "$AP2" hello-again)
at_exit "kill $srv2"
check "a second listener gets its forward" wait_for 10 http_get "http://127.0.0.1:$AP2/"
kill "$srv" "$srv2" 2>/dev/null
check "the forwards go when the servers stop" \
	wait_for 10 sh -c "! '$BOX' port idle | grep -q -- '->$AP/tcp'"
done_testing
