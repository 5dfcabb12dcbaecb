#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Desktop sockets that appear after a sandbox started: an X server (Xvfb) whose
# socket dir did not exist at the start, a compositor's new Wayland socket and a
# gpg-agent socket dir are reachable from a later enter. The host's CA bundle is
# the image's at each start. The real Debian image from the loopback registry.
. "$(dirname "$0")/../lib.sh"
need_userns
need_subuid
need_fuse
need_registry
need_cmd Xvfb python3 unshare
use_test_registry
cd "$HOME" || skip_all "no home directory"
at_exit "'$BOX' stop --time 1 dsk >/dev/null 2>&1"

# The host's X11 socket dir for this test (the machine's /tmp/.X11-unix is shared).
export BOX_X11_DIR=$T/x11 WAYLAND_DISPLAY=wayland-box-test
unset SSH_AUTH_SOCK DISPLAY
"$BOX" create dsk --image debian:bookworm --network none >/dev/null 2>&1
check "start with no X11 socket dir" "$BOX" start dsk
check_fails "the socket dir does not exist yet" test -e "$BOX_X11_DIR"

# connect PATH: inside, connect to a unix socket, send an X11 connection setup and
# print the first reply byte (1: the server accepted) or the first line read.
connect() {
	"$BOX" enter dsk -- perl -MIO::Socket::UNIX -e '
		my $s = IO::Socket::UNIX->new(Peer => $ARGV[0]) or die "connect: $!\n";
		if ($ARGV[1]) { print $s pack("a1 x1 S S S S x2", "l", 11, 0, 0, 0); read($s, $b, 8);
			print ord(substr($b, 0, 1)), "\n"; } else { print scalar <$s>; }' "$@" 2>&1
}

# An X server started now, its socket dir a new dir at $BOX_X11_DIR (in its own
# mount and network namespaces, so it needs nothing of the machine's /tmp).
mkdir -p "$BOX_X11_DIR"
unshare -rmn sh -c 'exec 3<"$1"; mount -t tmpfs none /tmp && mkdir /tmp/.X11-unix &&
	mount --bind --no-canonicalize /proc/self/fd/3 /tmp/.X11-unix && exec 3<&- &&
	exec Xvfb :7 -nolisten tcp' sh "$BOX_X11_DIR" >"$T/xvfb.log" 2>&1 &
xvfb=$!
at_exit "kill $xvfb 2>/dev/null"
wait_until 200 test -S "$BOX_X11_DIR/X7" || diag "Xvfb: $(tail -3 "$T/xvfb.log")"
is "$(connect /tmp/.X11-unix/X7 x11)" 1 "an X server started after the sandbox is reachable from a later enter"

# A Wayland socket that appears after the start.
python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(4)
os.close(1)
while True:
    c, _ = s.accept(); c.sendall(b"wayland-hello\n"); c.close()' "$XDG_RUNTIME_DIR/$WAYLAND_DISPLAY" &
wl=$!
at_exit "kill $wl 2>/dev/null"
wait_until 100 test -S "$XDG_RUNTIME_DIR/$WAYLAND_DISPLAY"
is "$(connect "$XDG_RUNTIME_DIR/$WAYLAND_DISPLAY")" wayland-hello "a Wayland socket made after the start is reachable"
is "$(connect "$XDG_RUNTIME_DIR/$WAYLAND_DISPLAY")" wayland-hello "... again on the next enter"

# gpg-agent's socket dir under the runtime dir, made after the start.
mkdir -p -m 700 "$XDG_RUNTIME_DIR/gnupg"
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$XDG_RUNTIME_DIR/gnupg/S.gpg-agent"
check "gpg-agent's socket comes along" "$BOX" enter dsk -- test -S "$XDG_RUNTIME_DIR/gnupg/S.gpg-agent"

# --- the host's CA bundle is the image's at each start
ca=/etc/ssl/certs/ca-certificates.crt
if [ -r "$ca" ]; then
	"$BOX" enter --root dsk -- sh -c "echo stale > $ca"
	"$BOX" stop --time 1 dsk
	is "$("$BOX" enter dsk -- sha256sum $ca | cut -d' ' -f1)" "$(sha256sum $ca | cut -d' ' -f1)" \
		"the host's CA bundle replaces the image's at the start"
	check "... and stays the image's own file (the package manager can replace it)" \
		"$BOX" enter --root dsk -- sh -c "cp $ca $ca.new && mv $ca.new $ca"
	# A start that finds nothing changed skips the comparison (a stamp of what it
	# depends on); an edit in place that keeps the size and the mtime still counts.
	"$BOX" stop --time 1 dsk
	"$BOX" start dsk
	"$BOX" enter --root dsk -- sh -c "cp -p $ca /tmp/ref &&
		printf XXXX | dd of=$ca bs=1 seek=100 conv=notrunc 2>/dev/null && touch -r /tmp/ref $ca"
	check_fails "... edited in place inside, keeping its size and mtime" test \
		"$("$BOX" enter dsk -- sha256sum $ca | cut -d' ' -f1)" = "$(sha256sum $ca | cut -d' ' -f1)"
	"$BOX" stop --time 1 dsk
	is "$("$BOX" enter dsk -- sha256sum $ca | cut -d' ' -f1)" "$(sha256sum $ca | cut -d' ' -f1)" \
		"a bundle edited in place (same size and mtime) is the host's again at the next start"
else
	skip "the host's CA bundle" "the host has no $ca"
fi
done_testing
