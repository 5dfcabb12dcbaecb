#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The environment of commands in a sandbox and a project's own network settings, as
# the test user with images derived from the Debian image in the loopback registry:
# the image config's Env (PATH, LANG, its own variables) under the desktop session's
# variables and -e, a default PATH when the image sets none, both on the first start
# and when joining a running sandbox; a project's [env] and the image's Env when its
# sandbox is entered by name from outside the project; and [box] host_loopback = no,
# ports = off and mtu from a .box.ini applied to the project's sandbox, however entered;
# the image's Env in the project's setup steps.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../netlib.sh"
need_userns
need_subuid
need_tun
need_registry
need_cmd python3 curl
use_test_registry
cd "$HOME" || skip_all "no home directory"
TOOL=$BOX_TOP/tests/registry-tool.py
S="--storage overlay"
at_exit "cd / && '$BOX' stop --time 1 ie >/dev/null 2>&1; '$BOX' stop --time 1 pnet >/dev/null 2>&1"

IMG_PATH=/opt/imgbin:/usr/local/bin:/usr/bin:/bin
python3 "$TOOL" push-env "$BOX_TEST_REGISTRY" library/debian bookworm boxtest/env 1 \
	--env "PATH=$IMG_PATH" --env LANG=img.UTF-8 --env BOX_IMG_VAR=from-image \
	--env TERM=img-term >/dev/null || fail "push boxtest/env:1"
python3 "$TOOL" push-env "$BOX_TEST_REGISTRY" library/debian bookworm boxtest/env nopath \
	--env BOX_IMG_VAR=no-path >/dev/null || fail "push boxtest/env:nopath"
IMG=$BOX_TEST_REGISTRY/boxtest/env:1

# show NAME VAR...: the variables as the command inside sees them, one a line.
show() {
	local n=$1; shift
	"$BOX" run "$n" -- sh -c 'for v; do eval "echo \"\${$v-unset}\""; done' sh "$@" 2>"$T/err"
}

# --- the image's Env, the session's variables over it, -e over both
check "create from an image with an Env" "$BOX" create ie --image "$IMG" $S --network none
out=$(TERM=xterm-host LANG=C.UTF-8 show ie BOX_IMG_VAR PATH LANG TERM)
is "$out" "from-image
$IMG_PATH
C.UTF-8
xterm-host" "first start: the image's own variable and PATH; the session's LANG and TERM over the image's"
like "$(cat "$XDG_RUNTIME_DIR/box/ie/state" 2>/dev/null)" "init_pid=" "... the sandbox is running"
out=$(unset LANG; TERM=xterm-host show ie BOX_IMG_VAR PATH LANG)
is "$out" "from-image
$IMG_PATH
img.UTF-8" "joining the running sandbox: the image's Env again, its LANG where the session has none"
is "$("$BOX" run -e BOX_IMG_VAR=cli -e PATH=/bin:/usr/bin ie -- sh -c 'echo $BOX_IMG_VAR $PATH' 2>&1)" \
	"cli /bin:/usr/bin" "-e overrides the image's Env"
is "$("$BOX" run --root ie -- sh -c 'echo $BOX_IMG_VAR $HOME' 2>&1)" "from-image /root" \
	"--root gets the image's Env too (with root's HOME)"
"$BOX" stop --time 1 ie >/dev/null 2>&1
grep -q '"BOX_IMG_VAR=from-image"' "$XDG_DATA_HOME/box/sandboxes/ie/config.json" &&
	ok "the image's Env is kept with the sandbox" || fail "the image's Env is kept with the sandbox"
is "$(show ie BOX_IMG_VAR)" "from-image" "started again: the image's Env from the sandbox's own record"
"$BOX" stop --time 1 ie >/dev/null 2>&1
# A config.json from before the image's Env was kept: filled in from the store on a start.
python3 -c 'import json,sys; p=sys.argv[1]; c=json.load(open(p)); del c["image_env"]; json.dump(c, open(p, "w"))' \
	"$XDG_DATA_HOME/box/sandboxes/ie/config.json"
is "$(show ie BOX_IMG_VAR)" "from-image" "an older sandbox without it gets the image's Env on its next start"
grep -q '"BOX_IMG_VAR=from-image"' "$XDG_DATA_HOME/box/sandboxes/ie/config.json" &&
	ok "... and keeps it" || fail "... and keeps it"

check "create from an image whose Env has no PATH" "$BOX" create inp --image "$BOX_TEST_REGISTRY/boxtest/env:nopath" $S --network none
at_exit "'$BOX' stop --time 1 inp"
is "$(show inp BOX_IMG_VAR PATH)" "no-path
/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" "no PATH in the image: the default PATH"
"$BOX" stop --time 1 inp >/dev/null 2>&1

# --- a project: [env] and [box] network settings, entered from inside and by name
mkdir -p "$T/host" "$T/pnet"
echo hello-from-host >"$T/host/index.html"
HP=$(free_port)
hsrv=$(net_serve "$T/host" 127.0.0.1 "$HP")
at_exit "kill $hsrv"
wait_for 10 http_get "http://127.0.0.1:$HP/" || fail "host server did not start"
P=$(free_port)
IN=$(free_port)
cat >"$T/pnet/.box.ini" <<INI
[box]
image = $BOX_TEST_REGISTRY/boxtest/env:1
storage = overlay
host_loopback = no
ports = off
mtu = 1400
[setup]
run = echo "\$BOX_IMG_VAR" >setup-env
[env]
GREETING = hi there
[ports]
127.0.0.1:$P = $IN
INI
(cd "$T/pnet" && "$BOX" allow --yes >/dev/null 2>&1) || fail "box allow"
get_host='exec 3<>/dev/tcp/10.0.2.2/'$HP' && printf "GET / HTTP/1.0\r\n\r\n" >&3 && cat <&3'
out=$(cd "$T/pnet" && "$BOX" run -- sh -c "cat /sys/class/net/tap0/mtu; echo \$GREETING; echo \$BOX_IMG_VAR; timeout 3 bash -c '$get_host' >/dev/null 2>&1 && echo reached || echo unreachable; grep -c host.box.internal /etc/hosts" 2>"$T/err")
is "$out" "1400
hi there
from-image
unreachable
0" "inside the project: mtu 1400, [env], the image's Env, and with host_loopback = no 10.0.2.2 is unreachable and host.box.internal unknown"

is "$(cat "$T/pnet/setup-env" 2>&1)" "from-image" "setup steps see the image's Env"

# Servers inside: on IN the static forward reaches; on AP (no forward) ports = off
# keeps an automatic forward from appearing.
serve_inside() {
	"$BOX" run pnet -- perl -MIO::Socket::INET -e '
		my $s = IO::Socket::INET->new(LocalPort => $ARGV[0], Listen => 16, ReuseAddr => 1) or die "$!";
		while (my $c = $s->accept) { <$c>; print $c "HTTP/1.0 200 OK\r\n\r\nhello-inside\n"; close $c }
	' "$1" >/dev/null 2>&1 &
	at_exit "kill $!"
}
AP=$(free_port)
serve_inside "$IN"
serve_inside "$AP"
check "the project's static forward reaches a server inside" wait_for 10 http_get "http://127.0.0.1:$P/"
check "the unforwarded server listens inside" wait_for 10 "$BOX" run pnet -- sh -c "grep -qi ':$(printf %04X "$AP") .* 0A ' /proc/net/tcp /proc/net/tcp6"
sleep 1 # an automatic forward would appear within 0.5 s
check_fails "ports = off: no automatic forward for it" curl -fsS -m 2 "http://127.0.0.1:$AP/"

# Entered by name from outside the project: the same environment (running, then after a stop).
is "$(show pnet GREETING BOX_IMG_VAR)" "hi there
from-image" "box run NAME outside the project: [env] and the image's Env"
"$BOX" stop --time 1 pnet >/dev/null 2>&1
out=$("$BOX" enter pnet -- sh -c "echo \$GREETING; cat /sys/class/net/tap0/mtu; timeout 3 bash -c '$get_host' >/dev/null 2>&1 && echo reached || echo unreachable" 2>"$T/err")
is "$out" "hi there
1400
unreachable" "box enter NAME starts it with the project's [env], mtu and host_loopback"

# An edited .box.ini: the settings follow on the next start from inside the project.
"$BOX" stop --time 1 pnet >/dev/null 2>&1
sed -i -e 's/^mtu = 1400/mtu = 1500/' -e 's/^host_loopback = no/host_loopback = yes/' "$T/pnet/.box.ini"
(cd "$T/pnet" && "$BOX" allow --yes >/dev/null 2>&1) || fail "box allow after the edit"
out=$(cd "$T/pnet" && "$BOX" run -- sh -c "cat /sys/class/net/tap0/mtu; timeout 3 bash -c '$get_host' 2>/dev/null | tail -1" 2>"$T/err")
is "$out" "1500
hello-from-host" "edited mtu and host_loopback = yes apply on the next start"
done_testing
