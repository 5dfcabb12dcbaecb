#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# What crosses the sandbox's boundary through sockets and terminals, as the test user
# with the Debian image from the loopback registry: box's runtime dir (the net
# helper's control socket among it) is hidden under /run/host, and the net helper
# runs under its seccomp filter; a command run from a terminal cannot push keystrokes
# into the host's shell (TIOCSTI), while job control, Ctrl-C, resize and exit statuses
# still work through its own pty.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../netlib.sh"
need_userns
need_subuid
need_tun
need_registry
need_cmd tmux
use_test_registry
cd "$HOME" || skip_all "no home directory"
S="--storage overlay"
at_exit "cd / && '$BOX' stop --time 1 bnd >/dev/null 2>&1"
host_probe=/run/host$PROBE

check "create a sandbox" "$BOX" create bnd --image debian $S
check "start it" "$BOX" start bnd
rt=$XDG_RUNTIME_DIR/box
like "$("$BOX" run bnd -- true 2>&1; ls "$rt/bnd")" "net.sock" "it runs, with the net helper's socket"

# --- box's runtime dir is not reachable from inside
is "$("$BOX" run bnd -- ls -A "/run/host$rt" 2>&1)" "" "the runtime dir is empty under /run/host"
out=$("$BOX" run bnd -- "$host_probe" unix "/run/host$rt/bnd/net.sock" "add 0.0.0.0:1:1" 2>&1)
unlike "$out" "^ok" "the net helper's socket cannot be reached through /run/host"
like "$("$BOX" run bnd -- ls /run/host/etc 2>&1)" "passwd" "the rest of /run/host is still there"

# --- the net helper of a real sandbox is under its seccomp filter
# The helper is the supervisor's child that runs as the user (the holder is root inside).
sup=$(sed -n 's/^supervisor_pid=//p' "$rt/bnd/state")
net=$(pgrep -P "$sup" -u "$(id -u)" | head -1)
like "$(grep '^Seccomp:' "/proc/$net/status" 2>&1)" "Seccomp:[[:space:]]+2" "the sandbox's net helper has a seccomp filter"

# --- terminals: under tmux, a host shell that runs box
tmux_shell
wait_pane '^outer\$'
inj=$T/injected
keys "\"\$BOX\" run bnd -- $host_probe tiocsti 0 'touch $inj.0'\$'\\n'; echo done-0" Enter
wait_pane '^done-0' && sleep 0.5
is "$(test -e "$inj.0" && echo injected || echo clean)" clean \
	"TIOCSTI from an interactive command does not reach the host's shell"
keys "\"\$BOX\" run bnd -- $host_probe tiocsti 1 'touch $inj.1'\$'\\n' </dev/null; echo done-1" Enter
wait_pane '^done-1' && sleep 0.5
is "$(test -e "$inj.1" && echo injected || echo clean)" clean \
	"... nor from a command whose output is the terminal"

keys "\"\$BOX\" run bnd -- sh -c 'exit 7'; echo st=\$?" Enter
wait_pane '^st=7' && ok "an interactive command's exit status" || fail "an interactive command's exit status"
keys "\"\$BOX\" run bnd -- sleep 100" Enter
sleep 0.5
keys C-z
wait_pane 'Stopped.*run bnd' && ok "Ctrl-Z stops box and its command as one job" || fail "Ctrl-Z stops the job"
keys fg Enter
sleep 0.5
keys C-c
keys 'echo st=$?' Enter
wait_pane '^st=130' && ok "after fg, Ctrl-C ends the command: 130" || fail "Ctrl-C after fg"

keys "\"\$BOX\" enter bnd" Enter
keys 'stty size; tty' Enter
wait_pane '^30 120' && ok "the pty has the terminal's size" || fail "the pty has the terminal's size"
wait_pane '^/dev/pts/[0-9]+' && ok "the command's terminal is the sandbox's own pty" ||
	fail "the command's terminal is the sandbox's own pty"
tmux -S "$sock" resize-window -t t -x 100 -y 40
sleep 0.3
keys 'stty size' Enter
wait_pane '^40 100' && ok "a resize reaches the command" || fail "a resize reaches the command"
keys 'exit 3' Enter
wait_pane '^logout' && sleep 0.5
keys 'echo enter-st=$?' Enter
wait_pane '^enter-st=3' && ok "the shell's exit status comes back" || fail "the shell's exit status comes back"

done_testing
