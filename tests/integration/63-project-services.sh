#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A project's [start] lines and [services], as the test user with the Debian image
# from the loopback registry: start lines on every start (a failing one reported,
# the start going on), a service answering through a [ports] forward, restarted
# when killed, its output in `box logs` (-f shows what it writes later, --tail),
# its state in `box list`, `box stop` ending it, and the setup's output kept.
. "$(dirname "$0")/../lib.sh"
need_userns
need_subuid
need_fuse
need_registry
need_cmd curl tmux
use_test_registry

P=$T/svc
mkdir -p "$P"
at_exit "cd / && '$BOX' stop --time 1 svc >/dev/null 2>&1"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# An HTTP server with what is in the Debian image (perl-base): one line per request.
cat >"$P/server.pl" <<'PERL'
use IO::Socket::INET;
$| = 1;
my $s = IO::Socket::INET->new(LocalPort => 8000, Listen => 5, ReuseAddr => 1) or die "listen: $!";
print "listening on 8000\n";
while (my $c = $s->accept) {
	my $req = <$c>;
	print "request: $req";
	print $c "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nhello from the service\n";
	close $c;
}
PERL
cat >"$P/.box.ini" <<INI
[box]
image = debian
[setup]
run = echo setup-output-marker
[start]
run = echo started >>start-runs
run = exit 3
run = echo after-failure >>start-runs
[services]
web = perl server.pl
[ports]
127.0.0.1:$port = 8000
INI
cd "$P" || exit 1
"$BOX" allow --yes >/dev/null 2>&1 || fail "box allow"

get() { curl -fsS -m 2 "http://127.0.0.1:$port/$1" 2>/dev/null; }
wait_http() {
	local i got=
	for ((i = 0; i < 100; i++)); do
		got=$(get "$1") && [ -n "$got" ] && break
		sleep 0.1
	done
	printf '%s' "$got"
}
# wait_log REGEX: until the service's log matches (10 s at most).
wait_log() {
	local i
	for ((i = 0; i < 100; i++)); do
		"$BOX" logs svc web 2>/dev/null | grep -qE -- "$1" && return 0
		sleep 0.1
	done
	return 1
}

# --- first start: setup, [start] lines (one failing), the service
err=$("$BOX" run -- true 2>&1)
is "$?" 0 "a failing [start] line does not block the start"
like "$err" "\[start\] 'exit 3' failed with exit status 3" "... it is reported with its exit status"
is "$(cat "$P/start-runs" 2>/dev/null | tr '\n' ' ')" "started after-failure " \
	"[start] lines ran in order, the one after the failure too"
is "$(wait_http first)" "hello from the service" "the service answers on the host through [ports]"
like "$("$BOX" logs svc web 2>&1)" "listening on 8000" "box logs shows the service's output"
like "$("$BOX" logs svc 2>&1)" "request: GET /first" "... SERVICE may be left out when there is one"
like "$("$BOX" list 2>&1)" "SERVICES.*" "box list has a SERVICES column"
like "$("$BOX" list 2>&1)" "svc .*web running" "... with the service running"
like "$("$BOX" list --format json | tr -d ' \n')" '"services":\[\{"name":"web","state":"running"' \
	"box list --format json lists the service"
like "$("$BOX" logs svc --setup 2>&1)" "setup-output-marker" "box logs --setup shows the setup's output"
is "$("$BOX" logs svc web --tail 1 2>&1)" "request: GET /first HTTP/1.1"$'\r' "--tail 1 is the last line"

# --- -f shows what the service writes after it started
"$BOX" logs -f svc web >"$T/follow" 2>&1 &
follower=$!
sleep 0.5
get later >/dev/null
for ((i = 0; i < 50; i++)); do grep -q "GET /later" "$T/follow" && break; sleep 0.1; done
like "$(cat "$T/follow")" "request: GET /later" "box logs -f shows a line written after it started"

# --- killed: restarted
pid=$("$BOX" logs svc web | sed -n 's/^\[box\] started: .*(pid \([0-9]*\))$/\1/p' | tail -1)
[ -n "$pid" ] && ok "the log names the service's pid" || fail "the log names the service's pid"
"$BOX" run -- kill -9 "$pid" 2>/dev/null
wait_log "exited with status 137; restarting" && ok "a killed service is noticed" ||
	fail "a killed service is noticed"
is "$(wait_http again)" "hello from the service" "... and restarted: it answers again"
like "$("$BOX" list 2>&1)" "web running \(1 restarts\)" "box list counts the restart"

# --- the dashboard's detail view lists the service
if command -v tmux >/dev/null 2>&1; then
	sock=$T/tmux.sock
	tmux -S "$sock" -f /dev/null new-session -d -x 120 -y 40 -s d "TERM=xterm '$BOX' dash --interval 0.5"
	at_exit "tmux -S '$sock' kill-server"
	sleep 1
	tmux -S "$sock" send-keys -t d i
	seen=
	for ((i = 0; i < 60; i++)); do
		tmux -S "$sock" capture-pane -p -t d 2>/dev/null | grep -qE 'web +running +[0-9]+ +1 +137' && seen=1 && break
		sleep 0.1
	done
	[ -n "$seen" ] && ok "box dash's detail view shows the service, its restarts and last exit" ||
		fail "box dash's detail view shows the service, its restarts and last exit"
	tmux -S "$sock" send-keys -t d q
else
	skip "box dash's detail view shows the service" "tmux is not installed"
fi

# --- stop ends it (and the follower)
check "box stop" "$BOX" stop --time 5
for ((i = 0; i < 50; i++)); do kill -0 "$follower" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$follower" 2>/dev/null; then
	fail "box logs -f ends when the sandbox stops"
	kill "$follower"
else
	ok "box logs -f ends when the sandbox stops"
fi
wait "$follower" 2>/dev/null
check_fails "after box stop the service is gone" get gone

# --- the next start runs [start] again and the service again, not the setup
err=$("$BOX" run -- true 2>&1)
is "$(grep -c started "$P/start-runs")" 2 "[start] runs on each start"
unlike "$err" "setup" "the setup does not run again"
is "$(wait_http back)" "hello from the service" "the service runs after the next start"
like "$("$BOX" logs svc web)" "GET /back" "the log goes on in the same file"

# --- a bad [services] entry is a FILE:LINE error
printf '[services]\nbad/name = true\n' >"$T/bad.ini"
out=$("$BOX" config check --project "$T/bad.ini" 2>&1)
like "$out" "bad\.ini:2: bad service name 'bad/name'" "a bad service name is a FILE:LINE error"

# --- usage errors
out=$("$BOX" logs svc nosuch 2>&1)
is "$?" 125 "an unknown service: 125"
like "$out" "no service 'nosuch'" "... says so"
out=$("$BOX" logs nosuchbox 2>&1)
is "$?" 125 "an unknown sandbox: 125"

done_testing
