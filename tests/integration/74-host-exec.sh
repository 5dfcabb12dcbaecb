#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# box-host-exec, as the test user with the Debian image from the loopback registry: a
# command inside runs a command on the host, as the user, with the host's files and
# environment, stdin, the working directory when the host has it, and its status; on a
# pty of its own under tmux (size, resize, Ctrl-C); refused when turned off
# (--no-host-exec, [box] host_exec = no), for root inside, and for another sandbox
# that was given the socket.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../netlib.sh"
need_userns
need_subuid
need_registry
need_cmd tmux
use_test_registry
cd "$HOME" || skip_all "no home directory"
S="--storage overlay"
for n in hx hxoff hxother hxproj hxglob hxglobon; do at_exit "cd / && '$BOX' stop --time 1 $n >/dev/null 2>&1"; done

# Only on the host: $T is under the host's /tmp, which the sandbox does not share.
mkdir -p "$T/hostonly"
echo host-secret-$$ >"$T/hostonly/file"
check "create a sandbox" "$BOX" create hx --image debian $S
# The host side runs with the environment of the box that started the sandbox.
check "start it" env HX_MARK=from-the-host "$BOX" start hx

# --- the basics
check_fails "the host-only file is not visible inside" "$BOX" run hx -- cat "$T/hostonly/file"
is "$("$BOX" run hx -- box-host-exec cat "$T/hostonly/file" 2>&1)" "host-secret-$$" \
	"box-host-exec reads a file that exists only on the host"
is "$(echo piped-in | "$BOX" run hx -- box-host-exec cat 2>&1)" piped-in "stdin reaches the host command"
"$BOX" run hx -- box-host-exec sh -c 'exit 7'
is $? 7 "the host command's exit status comes back"
is "$("$BOX" run hx -- box-host-exec sh -c 'echo out; echo err >&2' 2>/dev/null)" out \
	"stdout and stderr stay apart (stdout)"
is "$("$BOX" run hx -- box-host-exec sh -c 'echo out; echo err >&2' 2>&1 >/dev/null)" err \
	"stdout and stderr stay apart (stderr)"
out=$("$BOX" run hx -- box-host-exec no-such-command-$$ 2>&1)
is $? 127 "a command the host does not have: 127"
is "$out" "box-host-exec: run 'no-such-command-$$' on the host: No such file or directory" \
	"... saying so in one line"
is "$("$BOX" run hx -- box-host-exec hostname)" "$(hostname)" "it runs on the host (its hostname)"
is "$("$BOX" run hx -- box-host-exec id -u)" "$(id -u)" "as the user"
is "$("$BOX" run -e HX_INSIDE=1 hx -- box-host-exec sh -c 'echo ${HX_MARK-unset}:${HX_INSIDE-unset}')" \
	"from-the-host:unset" "with the host's environment, not the sandbox's"

# (Its output goes to a file inside: the host command writes to the fd it was given.)
out=$("$BOX" run hx -- sh -c 'o=/tmp/hx-sig-$$
	box-host-exec sh -c "trap \"echo got-int; exit 5\" INT; echo up; sleep 30 & wait" >$o 2>&1 &
	p=$!; while ! grep -q up $o 2>/dev/null; do sleep 0.1; done
	kill -INT $p; wait $p; echo st=$?; cat $o' 2>&1)
like "$out" "got-int" "without a terminal, a signal to box-host-exec reaches the host command"
like "$out" "st=5" "... and its status comes back"

# --- the working directory
mkdir -p "$HOME/.box-hx-$$/sub"
at_exit "rm -rf '$HOME/.box-hx-$$'"
is "$(cd "$HOME/.box-hx-$$/sub" && "$BOX" run hx -- box-host-exec pwd)" "$HOME/.box-hx-$$/sub" \
	"the same working directory when the host has it"
is "$("$BOX" run hx -- sh -c 'mkdir -p /tmp/inside-only-$$ && cd /tmp/inside-only-$$ && box-host-exec pwd')" \
	"$HOME" "the home when the host has no such directory"

# --- what the sandbox sees of it
is "$("$BOX" run hx -- ls -A /run/box 2>&1)" "host-exec.sock" "inside, /run/box holds the socket and nothing else"
check_fails "the client is read-only inside" "$BOX" run --root hx -- sh -c 'echo x >/usr/local/bin/box-host-exec'
out=$("$BOX" run --root hx -- box-host-exec touch "$T/by-root" 2>&1)
st=$?
is "$st" 125 "root inside is refused (125)"
like "$out" "^box-host-exec: refused: " "... saying so"
is "$(test -e "$T/by-root" && echo ran || echo refused)" refused "... and nothing ran"

# --- another sandbox given the first one's socket cannot use it
check "create a second sandbox with the first one's socket dir bound in" \
	"$BOX" create hxother --image debian $S -v "$XDG_RUNTIME_DIR/box/hx/host-exec:/run/box"
out=$("$BOX" run hxother -- box-host-exec touch "$T/by-other" 2>&1)
st=$?
is "$st" 125 "another sandbox's process is refused (125)"
like "$out" "not a process of this sandbox" "... saying why"
is "$(test -e "$T/by-other" && echo ran || echo refused)" refused "... and nothing ran"
"$BOX" stop --time 1 hxother >/dev/null 2>&1

# --- turned off
check "create with --no-host-exec" "$BOX" create hxoff --image debian $S --no-host-exec
out=$("$BOX" run hxoff -- box-host-exec touch "$T/by-off" 2>&1)
st=$?
is "$st" 125 "--no-host-exec: box-host-exec fails with 125"
like "$out" "turned off" "... saying it is turned off"
is "$(printf '%s\n' "$out" | wc -l)" 1 "... in one line"
is "$(test -e "$T/by-off" && echo ran || echo refused)" refused "... and nothing ran"
is "$("$BOX" run hxoff -- ls -A /run/box 2>&1 | grep -c sock)" 0 "... and there is no socket inside"
"$BOX" stop --time 1 hxoff >/dev/null 2>&1

mkdir -p "$T/proj"
printf '[box]\nimage = debian\nstorage = overlay\nhost_exec = no\n' >"$T/proj/.box.ini"
(cd "$T/proj" && "$BOX" allow --yes >/dev/null 2>&1) || fail "box allow"
out=$(cd "$T/proj" && "$BOX" run -- box-host-exec true 2>&1)
st=$?
is "$st" 125 "[box] host_exec = no: box-host-exec fails with 125"
like "$out" "turned off" "... saying it is turned off"
(cd "$T/proj" && "$BOX" stop --time 1 >/dev/null 2>&1)

# --- turned off for every sandbox in config.ini, unless a sandbox or project says yes
cp "$BOX_CONFIG" "$T/config.ini.orig"
{ cat "$T/config.ini.orig"; printf '[box]\nhost_exec = maybe\n'; } >"$BOX_CONFIG"
out=$("$BOX" config check 2>&1)
is "$?" 125 "config.ini: a bad host_exec value fails the check (125)"
like "$out" "config.ini:$(($(wc -l <"$T/config.ini.orig") + 2)): bad value 'maybe' for 'host_exec'" \
	"... with FILE:LINE"
{ cat "$T/config.ini.orig"; printf '[box]\nhost_exec = no\n'; } >"$BOX_CONFIG"
check "config.ini: host_exec = no passes the check" "$BOX" config check
check "create a sandbox that does not say" "$BOX" create hxglob --image debian $S
out=$("$BOX" run hxglob -- box-host-exec touch "$T/by-glob" 2>&1)
st=$?
is "$st" 125 "config.ini host_exec = no: box-host-exec fails with 125"
like "$out" "turned off" "... saying it is turned off"
is "$(test -e "$T/by-glob" && echo ran || echo refused)" refused "... and nothing ran"
check "create one with --host-exec" "$BOX" create hxglobon --image debian $S --host-exec
is "$("$BOX" run hxglobon -- box-host-exec echo on-by-flag 2>&1)" on-by-flag \
	"create --host-exec turns it on over config.ini"
printf '[box]\nimage = debian\nstorage = overlay\nhost_exec = yes\n' >"$T/proj/.box.ini"
(cd "$T/proj" && "$BOX" allow --yes >/dev/null 2>&1) || fail "box allow"
is "$(cd "$T/proj" && "$BOX" run -- box-host-exec echo on-by-project 2>&1)" on-by-project \
	"a project's host_exec = yes turns it on over config.ini (applied at the next start)"
printf '[box]\nimage = debian\nstorage = overlay\n' >"$T/proj/.box.ini"
(cd "$T/proj" && "$BOX" allow --yes >/dev/null 2>&1 && "$BOX" stop --time 1 >/dev/null 2>&1)
out=$(cd "$T/proj" && "$BOX" run -- box-host-exec true 2>&1)
is "$?" 125 "a project that does not say follows config.ini: off"
(cd "$T/proj" && "$BOX" stop --time 1 >/dev/null 2>&1)
for n in hxglob hxglobon; do "$BOX" stop --time 1 $n >/dev/null 2>&1; done
is "$("$BOX" run --rm --host-exec debian -- box-host-exec echo on-by-run 2>&1)" on-by-run \
	"run --rm --host-exec turns it on over config.ini"
cp "$T/config.ini.orig" "$BOX_CONFIG"
out=$("$BOX" run --rm --no-host-exec debian -- box-host-exec true 2>&1)
is "$?" 125 "run --rm --no-host-exec: box-host-exec fails with 125"
like "$out" "turned off" "... saying it is turned off"
out=$("$BOX" run --no-host-exec hx -- true 2>&1)
is "$?" 125 "run --no-host-exec on an existing sandbox is refused (125)"
like "$out" "apply to --rm only" "... saying why"

# --- a terminal: under tmux, a shell inside the sandbox
tmux_shell
wait_pane '^outer\$'
keys "\"\$BOX\" enter hx -- bash --norc --noprofile -i" Enter
keys "PS1='inner\$ '" Enter
wait_pane '^inner\$'
keys "box-host-exec tty; box-host-exec stty size" Enter
wait_pane '^/dev/pts/[0-9]+' && ok "on a terminal, the host command has a pty" ||
	fail "on a terminal, the host command has a pty"
wait_pane '^30 120' && ok "... of the terminal's size" || fail "... of the terminal's size"
keys "box-host-exec bash -c 'trap \"stty size\" WINCH; echo waiting; while :; do sleep 0.1; done'" Enter
wait_pane '^waiting'
tmux -S "$sock" resize-window -t t -x 100 -y 40
wait_pane '^40 100' && ok "a resize reaches the host command" || fail "a resize reaches the host command"
keys C-c
keys 'echo st=$?' Enter
wait_pane '^st=130' && ok "Ctrl-C ends the host command: 130" || fail "Ctrl-C ends the host command: 130"
keys clear Enter
keys "box-host-exec sleep 100" Enter
sleep 0.5
keys C-z
wait_pane 'Stopped.*box-host-exec sleep' && ok "Ctrl-Z stops the host command and the client as one job" ||
	fail "Ctrl-Z stops the host command and the client as one job"
keys fg Enter
sleep 0.5
keys C-c
keys 'echo st=$?' Enter
wait_pane '^st=130' && ok "after fg, Ctrl-C ends it: 130" || fail "after fg, Ctrl-C ends it: 130"
keys "box-host-exec sh -c 'exit 7'; echo st=\$?" Enter
wait_pane '^st=7' && ok "an interactive host command's exit status" ||
	fail "an interactive host command's exit status"
keys 'stty -a | grep -o " -icanon\| icanon"' Enter
wait_pane '^ icanon' && ok "the sandbox's terminal modes are back afterwards" ||
	fail "the sandbox's terminal modes are back afterwards"

done_testing
