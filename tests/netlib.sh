# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers for the network tests (sourced after lib.sh): loopback HTTP servers
# started and ended by pid, free-port picking, concurrent clients, and waiting
# for a condition with a bound instead of a fixed sleep.

# free_port [ADDR]: an unused TCP port on ADDR, 127.0.0.1 by default (the kernel picks it).
free_port() {
	python3 -c '
import socket, sys
a = sys.argv[1]
s = socket.socket(socket.AF_INET6 if ":" in a else socket.AF_INET); s.bind((a, 0))
print(s.getsockname()[1])' "${1:-127.0.0.1}"
}

# net_serve DIR ADDR PORT [PREFIX...]: a threaded HTTP server for DIR with a deep
# listen queue; prints its pid. PREFIX runs it elsewhere (e.g. in a namespace). An
# IPv6 ADDR ("::", "::1") makes an IPv6 server ("::" takes IPv4 clients too).
net_serve() {
	local dir=$1 addr=$2 port=$3; shift 3
	"$@" python3 -c '
import http.server, functools, socket, sys
class S(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6 if ":" in sys.argv[2] else socket.AF_INET
    request_queue_size = 512
    daemon_threads = True
class H(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a): pass
h = functools.partial(H, directory=sys.argv[1])
S((sys.argv[2], int(sys.argv[3])), h).serve_forever()
' "$dir" "$addr" "$port" >/dev/null 2>&1 &
	echo $!
}

# wait_for SECONDS CMD...: retry CMD every 0.1 s until it succeeds or time runs out.
wait_for() {
	local deadline=$(($(date +%s%N) + $1 * 1000000000)); shift
	while ! "$@" >/dev/null 2>&1; do
		[ "$(date +%s%N)" -lt $deadline ] || return 1
		sleep 0.1
	done
}

# http_get URL [CURL-OPTS...]: body of URL (5 s limit).
http_get() { local u=$1; shift; curl -fsS -m 5 "$@" "$u" 2>&1; }

# many_clients PORT N NEEDLE: N concurrent GETs of / on 127.0.0.1:PORT; prints how
# many bodies contained NEEDLE.
many_clients() {
	python3 -c '
import socket, sys, threading
port, n, needle = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3].encode()
good = [0]; lock = threading.Lock()
def one():
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=20)
        s.settimeout(20)
        s.sendall(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n")
        data = b""
        while True:
            d = s.recv(65536)
            if not d: break
            data += d
        s.close()
        if needle in data:
            with lock: good[0] += 1
    except Exception:
        pass
ts = [threading.Thread(target=one) for _ in range(n)]
for t in ts: t.start()
for t in ts: t.join()
print(good[0])
' "$@"
}

# abort_download PORT PATH BYTES: read BYTES of a large download, then reset the connection.
abort_download() {
	python3 -c '
import socket, struct, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(b"GET /" + sys.argv[2].encode() + b" HTTP/1.0\r\n\r\n")
got = 0
while got < int(sys.argv[3]):
    d = s.recv(65536)
    if not d: break
    got += len(d)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()
print(got)
' "$@"
}
