#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# box list and box stats read each net helper's page (<rundir>/net.page) instead of
# asking its control socket: with the socket out of reach they still show the
# forwards and counters; a forward added or removed shows at once; a killed helper
# (its lock on the page gone) shows as "network down".
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../netlib.sh"
need_userns
need_subuid
need_fuse
need_tun
need_debian_rootfs

jget() { printf '%s' "$1" | grep -o "\"$2\":[^,}]*" | head -1 | cut -d: -f2- | tr -d '"'; }
at_exit "'$BOX' stop --time 1 pg"
P1=$(free_port)
P2=$(free_port)
check "create pg with -p" "$BOX" create pg --rootfs "$BOX_TEST_ROOTFS" -p "$P1:80"
check "start pg" "$BOX" start pg
rd=$XDG_RUNTIME_DIR/box/pg
[ -f "$rd/net.page" ] && [ ! -L "$rd/net.page" ] && ok "the helper publishes net.page" ||
	fail "the helper publishes net.page"
is "$(stat -c '%a %U' "$rd/net.page")" "600 $(id -un)" "net.page is 0600 and the user's"
check "box port add" "$BOX" port add pg "$P2:81"
want="127.0.0.1:$P1->80/tcp, 127.0.0.1:$P2->81/tcp"
like "$("$BOX" list)" "pg +.*running.* $want" "list shows both forwards"

# The control socket out of reach: list and stats do not need it.
mv "$rd/net.sock" "$rd/net.sock.away"
like "$("$BOX" list)" "pg +.*running.* $want" "list shows the forwards without the socket"
like "$("$BOX" list --format json | tr -d ' \n')" '"net_state":"up"' "json says net_state up"
j=$("$BOX" stats --no-stream --format json pg)
like "$(jget "$j" net_rx_bytes)" '^[0-9]+$' "stats reads the counters without the socket"
is "$(printf '%s' "$j" | grep -o '"ports":"[^"]*"' | cut -d'"' -f4)" "$want" \
	"stats reads the forwards without the socket"
mv "$rd/net.sock.away" "$rd/net.sock"

check "box port rm" "$BOX" port rm pg "$P2:81"
like "$("$BOX" list)" "pg +.*running.* 127.0.0.1:$P1->80/tcp *$" "a removed forward is gone from list"

# The helper killed: its lock on the page goes with it.
sup=$(sed -n 's/^supervisor_pid=//p' "$rd/state")
net=
for p in $(cat /proc/"$sup"/task/*/children 2>/dev/null); do
	[ "$(cat /proc/$p/comm 2>/dev/null)" = box-net ] && net=$p
done
[ -n "$net" ] && kill -9 "$net" && wait_until 100 sh -c "! kill -0 $net 2>/dev/null"
like "$("$BOX" list)" "pg +.*running.*network down" "a killed helper: network down"
is "$(jget "$("$BOX" stats --no-stream --format json pg)" net_rx_bytes)" null "... and no counters in stats"
done_testing
