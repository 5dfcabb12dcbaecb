#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# box run --rootfs on the real Debian userland, as the unprivileged test user:
# identity and the keep-id map, binds, exit statuses, PID 1, capabilities, the
# environment, signals, clear errors, and an interactive bash on a real terminal
# (tmux) with job control.
. "$(dirname "$0")/../lib.sh"
need_userns
need_subuid
need_debian_rootfs
need_cmd tmux

R=$BOX_TEST_ROOTFS
run() { "$BOX" run --rootfs "$R" "$@"; }

# wait_for N CMD...: poll CMD every 50 ms, at most N times.
wait_for() {
	local n=$1 i; shift
	for ((i = 0; i < n; i++)); do "$@" && return 0; sleep 0.05; done
	return 1
}

# --- the userland and who we are in it ---
like "$(run -- cat /etc/os-release 2>&1)" '^PRETTY_NAME="Debian GNU/Linux' "/etc/os-release inside says Debian"
is "$(run -- id -u 2>&1)" "$(id -u)" "id -u inside is the user's uid"
is "$(run -- id -g 2>&1)" "$(id -g)" "id -g inside is the user's gid"
is "$(run --root -- id -u 2>&1)" 0 "--root gives uid 0"

# keep-id layout from /etc/subuid: 0..U-1 -> S.., U -> U, U+1.. -> S+U..
uid=$(id -u)
read -r start count < <(awk -F: -v u="$(id -un)" '$1 == u { print $2, $3; exit }' /etc/subuid)
want=$(printf '0 %s %s\n%s %s 1\n%s %s %s' "$start" "$uid" "$uid" "$uid" $((uid + 1)) $((start + uid)) $((count - uid)))
got=$(run -- cat /proc/self/uid_map | awk '{ print $1, $2, $3 }')
is "$got" "$want" "/proc/self/uid_map shows the keep-id layout"

# without a subordinate range: a single mapping, one warning saying what is lost
: >"$T/no-subid"
err=$(BOX_SUBUID=$T/no-subid BOX_SUBGID=$T/no-subid "$BOX" run --rootfs "$R" -- id -u 2>&1 >"$T/single-out"); st=$?
is "$st/$(cat "$T/single-out")" "0/$uid" "without a subordinate range the user is still himself"
like "$err" "warning: no subordinate ids .*only your own id is mapped" "with one warning that says what is lost"
is "$(printf '%s\n' "$err" | grep -c warning)" 1 "exactly one warning"
is "$(BOX_SUBUID=$T/no-subid BOX_SUBGID=$T/no-subid "$BOX" run --rootfs "$R" --root -- cat /proc/self/uid_map 2>/dev/null | awk '{ print $1, $2, $3 }')" "0 $uid 1" "--root without a range maps root to the user"

# no command: the login shell (bash as "-bash")
is "$(echo 'echo $0; shopt -q login_shell && echo login' | run 2>&1 | tr '\n' ' ')" "-bash login " "no command runs a login shell"

# --- binds (onto directories the root-owned test rootfs already has) ---
mkdir -p "$T/vol"
run -v "$T/vol:/mnt" -- sh -c 'echo hi >/mnt/made-inside'
is "$(stat -c %u "$T/vol/made-inside" 2>&1)" "$uid" "a file made in a bind-mounted dir is the user's outside"
run -v "$T/vol:/mnt:ro" -- sh -c 'echo x >/mnt/ro-file' 2>/dev/null
ok_status=$?
[ $ok_status -ne 0 ] && [ ! -e "$T/vol/ro-file" ] && ok "a :ro bind cannot be written" || fail "a :ro bind cannot be written"
is "$(run -v "$T/vol:/srv" -w /srv -- pwd)" /srv "-w sets the working directory"
echo data >"$T/vol/single-file"
is "$(run -v "$T/vol/single-file:/etc/debian_version:ro" -- cat /etc/debian_version 2>&1)" data "a file can be bound over a file"
err=$(run -v "$T/vol:/no/such/dir" -- true 2>&1); st=$?
is $st 125 "a bind that needs a new mount point in a read-only rootfs fails with 125"
like "$err" "bind '.*vol' to '/no/such/dir'.*read-only to you" "and says why"


# --- exit statuses ---
run -- true; is $? 0 "exit status 0"
run -- sh -c 'exit 3'; is $? 3 "exit status 3 is passed through"
printf 'echo not executable\n' >"$T/vol/noexec"
chmod 644 "$T/vol/noexec"
err=$(run -v "$T/vol:/mnt" -- /mnt/noexec 2>&1); st=$?
is $st 126 "a non-executable file gives 126"
like "$err" "run '/mnt/noexec'.*Permission denied" "and says why"
err=$(run -- no-such-command-here 2>&1); st=$?
is $st 127 "a missing command gives 127"
like "$err" "no-such-command-here.*not found" "and says it was not found"
run -- sh -c 'kill -9 $$'; is $? 137 "killed by SIGKILL gives 128+9"

# --- PID 1, processes, capabilities ---
is "$(run -- cat /proc/1/comm)" box-init "PID 1 inside is box's init"
is "$(run -- sh -c 'echo $PPID')" 1 "the command's parent is PID 1"
is "$(run -- sh -c 'echo /proc/[0-9]*')" "/proc/1 /proc/2" "only the sandbox's processes are visible"
is "$(run -- awk '/^CapEff/ { print $2 }' /proc/self/status)" 0000000000000000 "the user's process has no capabilities"
is "$(run -- awk '/^CapBnd/ { print $2 }' /proc/self/status)" 0000000000000000 "and an empty bounding set"
capr=$(run --root -- awk '/^CapEff/ { print $2 }' /proc/self/status)
[ -n "$capr" ] && [ "$capr" != 0000000000000000 ] && ok "--root keeps root's default capabilities ($capr)" || fail "--root keeps capabilities ($capr)"

# --- environment, hostname, network ---
is "$(run -e FOO=bar -- sh -c 'echo $FOO $container $HOME')" "bar box $HOME" "environment: -e, container=box, HOME"
# (BOX_USERNS_IDLE=0: this run, without XDG_RUNTIME_DIR, leaves no keeper in /tmp/box-UID)
is "$(env -i PATH=/usr/bin:/bin LANG=C.UTF-8 SECRET=1 BOX_USERNS_IDLE=0 "$BOX" run --rootfs "$R" -- sh -c 'echo ${SECRET:-unset} $LANG')" "unset C.UTF-8" "the host environment is not leaked, LANG is passed"
is "$(run --hostname boxy -- cat /proc/sys/kernel/hostname)" boxy "--hostname sets the hostname"
is "$(run -- ls /sys/class/net)" lo "--network none: only loopback"
is "$(run -- cat /sys/class/net/lo/operstate)" unknown "and loopback is up"
[ "$(run --network host -- ls /sys/class/net | wc -l)" -ge 1 ] && ok "--network host works" || fail "--network host works"
like "$(run -- sh -c 'ls -l /dev/null /dev/ptmx; test -c /dev/pts/ptmx && echo pts-ok')" "pts-ok" "/dev has null, ptmx and a devpts"

# --- signals: SIGTERM to box reaches the command ---
rm -f "$T/vol/ready"
"$BOX" run --rootfs "$R" -v "$T/vol:/mnt" -- sh -c 'trap "exit 42" TERM; touch /mnt/ready; while :; do sleep 0.05; done' &
bpid=$!
wait_for 100 test -e "$T/vol/ready"
kill -TERM $bpid
wait $bpid; is $? 42 "SIGTERM sent to box reaches the command"

# --- clear errors ---
err=$("$BOX" run --rootfs "$T/no-such-dir" -- true 2>&1); st=$?
is $st 125 "a missing rootfs gives 125"
like "$err" "^box: rootfs '.*no-such-dir'" "with a one-line message naming it"
mkdir -p "$T/empty"
err=$("$BOX" run --rootfs "$T/empty" 2>&1); st=$?
is $st 125 "a rootfs without /bin/sh gives 125"
like "$err" "has no /bin/sh" "and says so"
err=$("$BOX" run -- true 2>&1); st=$?
is $st 125 "run without --rootfs or a name is a usage error"

# --- an interactive bash on a real terminal, with job control ---
sock=$T/tmux.sock
at_exit "tmux -S '$sock' kill-server"
cat >"$T/sh" <<EOF
#!/bin/sh
"$BOX" run --rootfs "$R" -e PS1='box\$ ' -- bash --norc --noprofile -i
echo "\$?" >"$T/tmux-status"
EOF
chmod +x "$T/sh"
tmux -S "$sock" -f /dev/null new-session -d -x 100 -y 30 "$T/sh"
pane() { tmux -S "$sock" capture-pane -p -t 0 2>/dev/null; }
pane_has() { pane | grep -qE -- "$1"; }
keys() { tmux -S "$sock" send-keys -t 0 "$@"; }
wait_for 100 pane_has '^box\$' && ok "bash shows its prompt" || fail "bash shows its prompt"
keys 'echo result-$((6*7))' Enter
wait_for 100 pane_has '^result-42' && ok "a command runs in the interactive shell" || fail "a command runs"
keys 'sleep 100' Enter
sleep 0.3
keys C-z
wait_for 100 pane_has 'Stopped.*sleep 100' && ok "C-z suspends sleep (job control)" || fail "C-z suspends sleep"
keys 'fg' Enter
wait_for 60 pane_has '^sleep 100$' && ok "fg resumes it" || fail "fg resumes it"
sleep 0.3
keys C-c
keys 'echo "st=$?"' Enter
wait_for 100 pane_has '^st=130' && ok "C-c interrupts it (status 130)" || { fail "C-c interrupts it"; pane | tail -8 | sed 's/^/#   | /'; }
keys 'exit 7' Enter
wait_for 100 test -s "$T/tmux-status"
is "$(cat "$T/tmux-status" 2>/dev/null)" 7 "the shell exits and box returns its status"

# --- the user namespace keeper (core/sandbox/keeper.h): newuidmap once, then joined ---
K=$T/krun
mkdir -m 700 "$K"
krun() { BOX_RUNTIME_DIR=$K "$BOX" run --rootfs "$R" "$@"; }
gone() { ! kill -0 "$1" 2>/dev/null || [ "$(cat "/proc/$1/comm" 2>/dev/null)" != box-userns ]; }
ns1=$(krun -- readlink /proc/self/ns/user)
kp=$(cat "$K/userns.pid" 2>/dev/null)
at_exit "kill $kp"
is "$(cat "/proc/$kp/comm" 2>/dev/null)" box-userns "the first one-shot leaves a keeper, named box-userns, in userns.pid"
is "$(krun -- readlink /proc/self/ns/user)" "$ns1" "the next one-shot joins the same user namespace"
is "$(readlink "/proc/$kp/ns/user")" "$ns1" "which is the keeper's"
is "$(krun -- cat /proc/self/uid_map | awk '{ print $1, $2, $3 }')" "$want" "the joined namespace has the keep-id layout"
is "$(krun --root -- id -u)/$(krun -- id -u)" "0/$uid" "--root and the user's own id both work in it"
is "$(krun -- sh -c 'echo /proc/[0-9]*')" "/proc/1 /proc/2" "and each one-shot still has a pid namespace of its own"
is "$(awk '/^Cap(Prm|Eff|Bnd|Amb)/ { print $2 }' "/proc/$kp/status" | sort -u)" 0000000000000000 "the keeper has no capabilities"
is "$(awk '/^Uid/ { print $2 "/" $5 }' "/proc/$kp/status")" "$uid/$uid" "and is the user, with no other id"
is "$(readlink "/proc/$kp/fd/0")/$(readlink "/proc/$kp/fd/1")/$(readlink "/proc/$kp/fd/2")" /dev/null//dev/null//dev/null "it holds no terminal or pipe of the caller's"
is "$(ls "/proc/$kp/fd" | wc -l)" 5 "only its socket and the namespace besides"
a=$(BOX_USERNS_IDLE=0 krun -- readlink /proc/self/ns/user)
b=$(BOX_USERNS_IDLE=0 krun -- readlink /proc/self/ns/user)
[ -n "$a" ] && [ "$a" != "$ns1" ] && [ "$b" != "$ns1" ] && [ "$a" != "$b" ] &&
	ok "BOX_USERNS_IDLE=0: each run makes a namespace of its own" || fail "BOX_USERNS_IDLE=0: $a $b (keeper's $ns1)"

# A keeper with other maps is not joined: a run with a smaller range gets its own.
printf '%s:%s:2000\n' "$(id -un)" "$start" >"$T/sub2000"
small=$(printf '0 %s %s\n%s %s 1\n%s %s %s' "$start" "$uid" "$uid" "$uid" $((uid + 1)) $((start + uid)) $((2000 - uid)))
is "$(BOX_SUBUID=$T/sub2000 BOX_SUBGID=$T/sub2000 krun -- cat /proc/self/uid_map | awk '{ print $1, $2, $3 }')" "$small" "a run whose maps differ from the keeper's gets its own maps"
kp2=$(cat "$K/userns.pid")
at_exit "kill $kp2"
[ "$kp2" != "$kp" ] && ok "through a new keeper" || fail "through a new keeper"
is "$(krun -- cat /proc/self/uid_map | awk '{ print $1, $2, $3 }')" "$want" "and the next default run has the full map again"

# A keeper that is gone (its socket left behind) is replaced; an idle one exits by itself.
kp3=$(cat "$K/userns.pid")
kill "$kp3"
wait_for 100 gone "$kp3"
[ -S "$K/userns.sock" ] && ok "a dead keeper leaves its socket" || fail "a dead keeper leaves its socket"
is "$(krun -- id -u 2>&1)" "$uid" "the next run works"
kp4=$(cat "$K/userns.pid")
at_exit "kill $kp4"
[ "$kp4" != "$kp3" ] && ! gone "$kp4" && ok "with a new keeper" || fail "with a new keeper"
kill "$kp4"
wait_for 100 gone "$kp4"
BOX_USERNS_IDLE=1 krun -- true
kp5=$(cat "$K/userns.pid")
at_exit "kill $kp5"
! gone "$kp5" && ok "BOX_USERNS_IDLE=1 starts a keeper" || fail "BOX_USERNS_IDLE=1 starts a keeper"
wait_for 60 gone "$kp5" && ok "which exits after a second without a client" || fail "the idle keeper exits"

# A command substitution around box returns with it, though the keeper lives on.
kill "$kp5" 2>/dev/null
SECONDS=0
out=$(BOX_USERNS_IDLE=20 krun -- echo hi)
is "$out/$((SECONDS < 5))" "hi/1" "\$(box run ...) does not wait for the keeper it started"
kp6=$(keeper_pid "$K")
stop_keeper "$K"
wait_for 100 gone "$kp6"

# Six one-shots at once with no keeper: every one runs, as the user, whichever keeper it
# got (the keepers that lost the race for userns.sock idle out after 2 s).
for i in 1 2 3 4 5 6; do BOX_USERNS_IDLE=2 krun -- id -u >"$T/par.$i" 2>&1 & done
wait
is "$(cat "$T"/par.* | sort | uniq -c | awk '{ print $1 "x" $2 }')" "6x$uid" "six one-shots started together all run"
for f in "$K"/userns.sock.*; do [ -e "$f" ] && fail "a keeper's temporary socket is left: $f"; done
kp7=$(cat "$K/userns.pid")
at_exit "kill $kp7"

# --- a plain command started from a shell: the terminal's C-z and C-c reach it ---
sock2=$T/tmux2.sock
at_exit "tmux -S '$sock2' kill-server"
tmux -S "$sock2" -f /dev/null new-session -d -x 120 -y 30 "env PS1='outer\$ ' bash --norc --noprofile -i"
pane2() { tmux -S "$sock2" capture-pane -p -t 0 2>/dev/null; }
pane2_has() { pane2 | grep -qE -- "$1"; }
keys2() { tmux -S "$sock2" send-keys -t 0 "$@"; }
wait_for 100 pane2_has '^outer\$'
keys2 "$BOX run --rootfs $R -- sleep 100" Enter
sleep 0.5
keys2 C-z
wait_for 100 pane2_has 'Stopped.*box run' && ok "C-z stops box and its command as one job" || fail "C-z stops box and its command"
keys2 'fg' Enter
sleep 0.5
keys2 C-c
keys2 'echo "outer-st=$?"' Enter
wait_for 100 pane2_has '^outer-st=130' && ok "after fg, C-c ends the command: box returns 130" || { fail "C-c after fg"; pane2 | tail -8 | sed 's/^/#   | /'; }

done_testing
