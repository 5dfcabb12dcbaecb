#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The net loop on its own: a user-owned network namespace (unshare -rn) connected
# by `box __netloop --netns PID`, exactly as slirp4netns attaches to one. Covers
# the tap setup, the host's loopback at 10.0.2.2 (and host_loopback off), static,
# live and automatic forwards, control socket errors, 200 concurrent connections,
# a client that disconnects mid-transfer, and the loop's death leaving the
# namespace alone. Only 127.0.0.1 is ever a traffic target.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../netlib.sh"
need_userns
need_tun
need_cmd python3 curl nsenter unshare ip

# A namespace with its own pid namespace, as a sandbox has: `unshare -rnpf sleep`
# forks sleep as PID 1 there, the namespace's process. Killing it ends unshare too.
new_ns() {
	unshare -rnpf sleep 600 >/dev/null 2>&1 </dev/null &
	local u=$! pid=
	wait_for 5 sh -c "pgrep -P $u >/dev/null"
	pid=$(pgrep -P $u)
	wait_for 5 sh -c "[ \"\$(readlink /proc/$pid/ns/net)\" != \"\$(readlink /proc/self/ns/net)\" ]"
	echo $pid
}
in_ns() { local pid=$1; shift; nsenter --preserve-credentials -t "$pid" -U -n "$@"; }

mkdir -p "$T/host" "$T/inside"
echo "hello-from-host" >"$T/host/index.html"
echo "hello-from-inside" >"$T/inside/index.html"
head -c 64M /dev/zero >"$T/inside/big"

HP=$(free_port)
hsrv=$(net_serve "$T/host" 127.0.0.1 "$HP")
at_exit "kill $hsrv"
wait_for 10 http_get "http://127.0.0.1:$HP/" || fail "host server did not start"

NS=$(new_ns)
at_exit "kill -9 $NS"
SOCK=$T/net.sock
P1=$(free_port)
"$BOX" __netloop --netns "$NS" --ctl "$SOCK" --auto-ports --port "$P1:8080" 2>"$T/loop.log" &
LOOP=$!
at_exit "kill $LOOP"
check "net loop comes up" wait_for 10 "$BOX" port --socket "$SOCK"

# --- the inside of the namespace ---
addr=$(in_ns "$NS" ip -o -4 addr show tap0)
like "$addr" "10\.0\.2\.100/24" "tap0 has 10.0.2.100/24"
like "$(in_ns "$NS" ip -o link show tap0)" "mtu 65520" "tap0 has the default MTU 65520"
like "$(in_ns "$NS" ip route show default)" "via 10\.0\.2\.2 dev tap0" "default route via 10.0.2.2"
like "$(in_ns "$NS" ip -o link show lo)" "UP" "lo is up"

# --- the host's loopback from inside ---
is "$(in_ns "$NS" curl -fsS -m 5 "http://10.0.2.2:$HP/")" "hello-from-host" \
	"host's 127.0.0.1 server reachable at 10.0.2.2"

# IPv6: the sandbox's address comes from libslirp's router advertisement (fd00::/64),
# and fd00::2 is the host's ::1, as 10.0.2.2 is its 127.0.0.1.
HP6=$(free_port ::1)
hsrv6=$(net_serve "$T/host" ::1 "$HP6")
at_exit "kill $hsrv6"
wait_for 10 http_get "http://[::1]:$HP6/" || fail "host IPv6 server did not start"
check "tap0 gets an IPv6 address in fd00::/64" \
	wait_for 10 sh -c "nsenter --preserve-credentials -t $NS -U -n ip -6 -o addr show tap0 | grep -q 'inet6 fd00:'"
is "$(in_ns "$NS" curl -fsS -m 5 "http://[fd00::2]:$HP6/")" "hello-from-host" \
	"host's ::1 server reachable at [fd00::2]"

NS2=$(new_ns)
at_exit "kill -9 $NS2"
"$BOX" __netloop --netns "$NS2" --no-host-loopback --ctl "$T/net2.sock" 2>/dev/null &
LOOP2=$!
at_exit "kill $LOOP2"
wait_for 10 "$BOX" port --socket "$T/net2.sock"
check_fails "host_loopback off: 10.0.2.2 does not reach the host" \
	in_ns "$NS2" curl -fsS -m 3 "http://10.0.2.2:$HP/"
wait_for 10 sh -c "nsenter --preserve-credentials -t $NS2 -U -n ip -6 -o addr show tap0 | grep -q 'inet6 fd00:'"
check_fails "host_loopback off: [fd00::2] does not reach the host's ::1 either" \
	in_ns "$NS2" curl -fsS -m 3 "http://[fd00::2]:$HP6/"
kill "$LOOP2"
check "the loop ends on SIGTERM" wait_for 5 sh -c "! kill -0 $LOOP2"
check_fails "its control socket no longer answers" "$BOX" port --socket "$T/net2.sock"

# --- forwards into the namespace ---
isrv=$(net_serve "$T/inside" 0.0.0.0 8080 nsenter --preserve-credentials -t "$NS" -U -n)
at_exit "kill $isrv"
wait_for 10 in_ns "$NS" curl -fsS -m 2 http://127.0.0.1:8080/ || fail "inside server did not start"
is "$(http_get "http://127.0.0.1:$P1/")" "hello-from-inside" "static forward $P1 -> 8080"

P2=$(free_port)
check "box port add (live)" "$BOX" port --socket "$SOCK" add "$P2:8080"
is "$(http_get "http://127.0.0.1:$P2/")" "hello-from-inside" "live forward $P2 -> 8080 works"
list=$("$BOX" port --socket "$SOCK")
like "$list" "127\.0\.0\.1:$P1->8080/tcp +static" "list shows the static forward"
like "$list" "127\.0\.0\.1:$P2->8080/tcp +live" "list shows the live forward"
check "box port rm" "$BOX" port --socket "$SOCK" rm "$P2:8080"
check_fails "removed forward is gone" curl -fsS -m 3 "http://127.0.0.1:$P2/"
is "$(http_get "http://127.0.0.1:$P1/")" "hello-from-inside" "static forward still works"

# A forward on the host's ::1 reaches the sandbox over IPv6 (libslirp cannot cross
# families): a server inside listening on :: answers it.
isrv6=$(net_serve "$T/inside" :: 8081 nsenter --preserve-credentials -t "$NS" -U -n)
at_exit "kill $isrv6"
wait_for 10 in_ns "$NS" curl -fsS -m 2 "http://[::1]:8081/" || fail "inside IPv6 server did not start"
P6=$(free_port ::1)
check "box port add [::1]:$P6:8081" "$BOX" port --socket "$SOCK" add "[::1]:$P6:8081"
like "$("$BOX" port --socket "$SOCK")" "\[::1\]:$P6->8081/tcp +live" "list shows the IPv6 forward"
is "$(http_get "http://[::1]:$P6/")" "hello-from-inside" "forward [::1]:$P6 -> 8081 works"
check "box port rm [::1]:$P6" "$BOX" port --socket "$SOCK" rm "[::1]:$P6:8081"
check_fails "removed IPv6 forward is gone" curl -fsS -m 3 "http://[::1]:$P6/"

# A UDP forward: an echo server inside answers through it.
U=$(free_port)
nsenter --preserve-credentials -t "$NS" -U -n python3 -c '
import socket
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("0.0.0.0", 5353)); u.settimeout(20)
d, a = u.recvfrom(100); u.sendto(b"echo-" + d, a)' &
usrv=$!
at_exit "kill $usrv"
check "box port add (udp)" "$BOX" port --socket "$SOCK" add "$U:5353/udp"
out=$(python3 -c '
import socket, sys, time
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(0.5)
for i in range(20):
    u.sendto(b"ping", ("127.0.0.1", int(sys.argv[1])))
    try:
        print(u.recvfrom(100)[0].decode()); break
    except socket.timeout:
        pass' "$U")
is "$out" "echo-ping" "a UDP forward carries a datagram both ways"

# --- bad requests: clear errors, loop unaffected ---
out=$("$BOX" port --socket "$SOCK" add 70000 2>&1)
like "$out" "out of range 1\.\.65535" "out-of-range port is refused with a clear message"
out=$("$BOX" port --socket "$SOCK" add "$HP:80" 2>&1)
like "$out" "already in use" "host port in use is refused with a clear message"
out=$("$BOX" port --socket "$SOCK" add "$P1:9999" 2>&1)
like "$out" "already forwarded" "a second forward of the same host port is refused"
out=$("$BOX" port --socket "$SOCK" rm 1 2>&1)
like "$out" "no forward from 127\.0\.0\.1:1/tcp" "removing an unknown forward says so"
out=$(printf 'bogus request\n' | python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(sys.stdin.buffer.read()); s.shutdown(1)
print(s.recv(4096).decode())' "$SOCK")
like "$out" "^error: unknown request" "unknown request gets an error reply"
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"x" * 5000); s.close()
' "$SOCK" 2>/dev/null
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); time.sleep(3)' "$SOCK" &
silent=$!
is "$(http_get "http://127.0.0.1:$P1/")" "hello-from-inside" "loop serves while a control client stays silent"
wait $silent
is "$(http_get "http://127.0.0.1:$P1/")" "hello-from-inside" "loop works after bad control requests"

# --- automatic forwards ---
AP=$(free_port)
asrv=$(net_serve "$T/inside" 0.0.0.0 "$AP" nsenter --preserve-credentials -t "$NS" -U -n)
at_exit "kill $asrv"
check "automatic forward appears for a new listener" wait_for 5 http_get "http://127.0.0.1:$AP/"
like "$("$BOX" port --socket "$SOCK")" "127\.0\.0\.1:$AP->$AP/tcp +auto" "list shows the automatic forward"
kill "$asrv"
check "automatic forward goes away when the socket closes" \
	wait_for 5 sh -c "! curl -fsS -m 1 http://127.0.0.1:$AP/"

# Taken on the host: the next free port is used and shown.
BP=$(free_port)
hold=$(net_serve "$T/host" 127.0.0.1 "$BP")
at_exit "kill $hold"
wait_for 10 http_get "http://127.0.0.1:$BP/"
bsrv=$(net_serve "$T/inside" 0.0.0.0 "$BP" nsenter --preserve-credentials -t "$NS" -U -n)
at_exit "kill $bsrv"
wait_for 5 sh -c "'$BOX' port --socket '$SOCK' | grep -q -- '->$BP/tcp'"
line=$("$BOX" port --socket "$SOCK" | grep -- "->$BP/tcp")
like "$line" "127\.0\.0\.1:[0-9]+->$BP/tcp +auto" "taken host port: forwarded from another port"
alt=$(printf '%s' "$line" | sed -E 's/^127\.0\.0\.1:([0-9]+)->.*/\1/')
unlike "$alt" "^$BP\$" "the other port is not the taken one"
is "$(http_get "http://127.0.0.1:$alt/")" "hello-from-inside" "the shown port reaches the sandbox"

# A listener closed and another opened between two looks leave the socket count as it
# was: the new one still gets its forward (by the periodic listing, within seconds).
CP=$(free_port); DP=$(free_port)
mkfifo "$T/swap"
nsenter --preserve-credentials -t "$NS" -U -n python3 -c '
import socket, sys
def listen(p):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", p)); s.listen(8); return s
a = listen(int(sys.argv[2]))
open(sys.argv[1]).read()
a.close(); b = listen(int(sys.argv[3]))
open(sys.argv[1]).read()' "$T/swap" "$CP" "$DP" &
swapper=$!
at_exit "kill $swapper"
check "a listener gets its automatic forward" \
	wait_for 5 sh -c "'$BOX' port --socket '$SOCK' | grep -q -- '->$CP/tcp'"
echo >"$T/swap"
check "a listener opened as another closed (same count) gets its forward" \
	wait_for 6 sh -c "'$BOX' port --socket '$SOCK' | grep -q -- '->$DP/tcp'"
echo >"$T/swap"
wait "$swapper"

# --- the control socket refuses a peer in another pid namespace (a sandbox's process) ---
P4=$(free_port)
out=$(nsenter --preserve-credentials -t "$NS" -U -p "$PROBE" unix "$SOCK" "add 0.0.0.0:$P4:80" 2>&1)
like "$out" "permission denied" "a client inside the sandbox's pid namespace is refused"
unlike "$("$BOX" port --socket "$SOCK")" ":$P4->" "... and adds no forward"
like "$("$PROBE" unix "$SOCK" list)" "^ok" "the same request from the host's pid namespace is answered"

# --- the loop's own sandbox: a seccomp filter, no way back to the host's /proc ---
like "$(grep '^Seccomp:' /proc/$LOOP/status)" "Seccomp:[[:space:]]+2" "the net loop runs under a seccomp filter"
procfds=$(for f in /proc/$LOOP/fd/*; do readlink "$f"; done | grep -c '^/proc/[0-9]*/net$')
is "$procfds" 0 "the net loop holds no /proc/PID/net directory"

# --- load: concurrency and an aborted transfer ---
is "$(many_clients "$P1" 200 hello-from-inside)" 200 "200 concurrent short connections all succeed"
got=$(abort_download "$P1" big 1000000)
ok "a client read $got bytes of a large file and reset the connection"
is "$(http_get "http://127.0.0.1:$P1/")" "hello-from-inside" "loop works after the aborted transfer"
size=$(curl -fsS -m 20 -o /dev/null -w '%{size_download}' "http://127.0.0.1:$P1/big")
is "$size" 67108864 "a 64 MiB download through the forward is complete"

# Random bytes both ways through the tap: large segments go in as GSO with their
# checksums marked valid, segments out come with checksums left to the loop.
head -c 24M /dev/urandom >"$T/host/rnd"
want=$(sha256sum <"$T/host/rnd")
is "$(in_ns "$NS" curl -fsS -m 30 "http://10.0.2.2:$HP/rnd" | sha256sum)" "$want" \
	"24 MiB of random bytes from the host arrive intact"
UPP=$(free_port)
python3 -c '
import hashlib, socket, sys
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen()
c, _ = s.accept(); h = hashlib.sha256()
while True:
    d = c.recv(1 << 20)
    if not d: break
    h.update(d)
open(sys.argv[2], "w").write(h.hexdigest() + "  -\n")' "$UPP" "$T/up.sum" &
upsrv=$!
at_exit "kill $upsrv"
wait_for 5 sh -c "ss -ltn | grep -q ':$UPP '"
in_ns "$NS" bash -c "exec 3<>/dev/tcp/10.0.2.2/$UPP && cat '$T/host/rnd' >&3"
wait "$upsrv"
is "$(cat "$T/up.sum" 2>/dev/null)" "$want" "24 MiB of random bytes to the host arrive intact"

stats=$(python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"stats\n"); s.shutdown(1)
print(s.recv(4096).decode())' "$SOCK")
like "$stats" "tx_bytes [0-9]{8,}" "byte counters count the traffic"

# --- the loop dies: the namespace stays ---
kill -9 "$LOOP"
wait "$LOOP" 2>/dev/null
check "the namespace's process outlives the net loop" kill -0 "$NS"
check_fails "forwards are gone with the loop" curl -fsS -m 2 "http://127.0.0.1:$P1/"
grep -v '^box: debug' "$T/loop.log" | grep . && fail "the loop printed errors" || ok "the loop printed no errors"

done_testing
