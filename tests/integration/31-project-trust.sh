#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The .box.ini trust store: an unseen file is not allowed, `box allow` shows what it
# will do and approves it, editing it withdraws the approval, `box deny` refuses it.
# The file is found from a nested subdirectory, as `box enter` will find it. allow asks
# y/N on a terminal (tmux), refuses without one unless --yes, and its summary names
# everything that reaches outside the project, escaped.
. "$(dirname "$0")/../lib.sh"
need_cmd tmux

P=$T/proj
mkdir -p "$P/src/deep" "$T/outside"
cat >"$P/.box.ini" <<'INI'
[box]
image = debian
[setup]
packages = git curl
run = echo set up
[mounts]
/outside = ../outside:ro
/src = src
[ports]
127.0.0.1:8080 = 80
INI
cd "$P/src/deep" || exit 1

out=$("$BOX" allow --status 2>&1)
is "$?" 1 "an unseen file is not allowed (status 1)"
like "$out" "proj/\.box\.ini: not allowed: never approved" "found from a nested directory, reported unseen"

out=$("$BOX" allow </dev/null 2>&1)
is "$?" 125 "without a terminal, box allow refuses (125)"
like "$out" "not approving '$P/\.box\.ini': there is no terminal to ask on; .*'box allow --yes' approves it" \
	"... and says how to approve"
like "$out" "image: +debian" "... after showing the summary"
like "$("$BOX" allow --status 2>&1)" "never approved" "... and nothing was approved"

out=$("$BOX" allow --yes 2>&1)
is "$?" 0 "box allow --yes approves it"
like "$out" "image: +debian" "allow shows the image"
like "$out" "install: +git curl" "allow shows the packages"
like "$out" "line 5: echo set up" "allow shows run lines with their line"
like "$out" "$T/outside -> /outside \(read-only\) +\[outside the project\]" "a mount outside the project is flagged"
unlike "$out" "/src \(read-only\)|$P/src -> /src +\[outside" "a mount inside the project is not flagged"
like "$out" "127\.0\.0\.1:8080 -> 80" "allow shows ports"
ls "$XDG_DATA_HOME/box/trust/" >/dev/null 2>&1 && ok "approval stored under \$XDG_DATA_HOME/box/trust" ||
	fail "approval stored under \$XDG_DATA_HOME/box/trust"

out=$("$BOX" allow --status 2>&1)
is "$?" 0 "approved file is allowed"
like "$out" ": allowed$" "status says allowed"

printf "[setup]\nrun = echo something else\n" >>"$P/.box.ini"
out=$("$BOX" allow --status 2>&1)
is "$?" 1 "an edited file is no longer allowed"
like "$out" "changed since it was approved" "status says changed"

check "approving the new content" "$BOX" allow --yes "$P/.box.ini"
check "allowed again" "$BOX" allow --status "$P"

check "box deny" "$BOX" deny
out=$("$BOX" allow --status 2>&1)
is "$?" 1 "a denied file is not allowed"
like "$out" "not allowed: denied" "status says denied"

printf '[box]\nimgae = debian\n' >"$P/.box.ini"
out=$("$BOX" allow --yes 2>&1)
is "$?" 125 "a file with errors is not approved"
like "$out" "\.box\.ini:2: unknown key 'imgae'" "its errors are listed"

out=$("$BOX" config show --project 2>&1)
is "$?" 125 "config show --project lists the errors too"
printf '[box]\nimage = debian\n[env]\nGREETING = hi\n' >"$P/.box.ini"
out=$("$BOX" config show "$P/src")
like "$out" "# project $P/\.box\.ini" "a directory argument is searched upwards"
like "$out" "# sandbox proj" "the sandbox is named after the project directory"
like "$out" "GREETING = hi" "project values shown"
like "$out" "network = slirp" "with the defaults"

# --- the summary names what reaches outside the project, escaped
ln -s "$T/outside" "$P/innocent"
printf '[box]\nimage = debian\nhostname = hn\nnetwork = host\nhome = ~/elsewhere\nhost_loopback = yes\nhost_exec = yes\nports = auto\n[ports]\n0.0.0.0:8080 = 80\n8081 = 81\n[mounts]\n/in = innocent\n[limits]\nmemory = 1G\n[env]\nX = a\342\200\256b\302\23331m\n' >"$P/.box.ini"
out=$("$BOX" allow --yes 2>&1)
like "$out" "$T/outside \(via $P/innocent\) -> /in +\[outside the project\]" "a symlink inside the project to outside is flagged by its real path"
like "$out" "0\.0\.0\.0:8080 -> 80 +\[open to other machines\]" "a port on every address is flagged"
unlike "$out" "8081 -> 81 +\[open" "a loopback port is not"
like "$out" "ports = auto: +ports listening inside appear" "ports = auto is named"
like "$out" "home: +$HOME/elsewhere \(read-write\) +\[outside the project\]" "home is named"
like "$out" "network: +host \(shares the host's network\)" "network is named"
like "$out" "host_loopback: +yes" "host_loopback is named"
like "$out" "host_exec: +yes \(commands inside run commands on the host" \
	"host_exec = yes is named (it turns on what config.ini may have turned off)"
like "$out" "hostname: +hn" "hostname is named"
like "$out" "limits: +cpus 0, memory 1\.07 GB" "[limits] are named"
like "$out" 'X=a\\u202eb\\u009b31m' "bidi and C1 controls are shown escaped"
unlike "$out" $'\u202e|\302\233' "... and neither reaches the terminal raw"

# --- on a terminal it asks: n keeps it unapproved, y approves
printf '[box]\nimage = debian\n' >"$P/.box.ini"
# One tmux server per question: a new session on a socket whose server is still going
# away after kill-server can fail with "server exited unexpectedly".
asks=0
sock=
printf '#!/bin/sh\ncd "%s" && "%s" allow; echo "allow-status=$?"; sleep 30\n' "$P" "$BOX" >"$T/ask"
chmod +x "$T/ask"
pane() { tmux -S "$sock" capture-pane -p -t 0 2>/dev/null; }
pane_has() { pane | grep -qE -- "$1"; }
asked() { # KEY NAME STATUS: answer KEY at the prompt, expect STATUS
	[ -n "$sock" ] && tmux -S "$sock" kill-server 2>/dev/null
	asks=$((asks + 1)) sock=$T/tmux-$asks
	at_exit "tmux -S '$sock' kill-server"
	tmux -S "$sock" -f /dev/null new-session -d -x 120 -y 30 "$T/ask"
	if wait_until 100 pane_has 'Allow it\? \[y/N\]'; then ok "$2: the summary and a y/N prompt"; else
		fail "$2: the summary and a y/N prompt"; pane | sed 's/^/#   | /'; fi
	like "$(pane)" "image: +debian" "$2: the summary is above the prompt"
	tmux -S "$sock" send-keys -t 0 "$1" Enter
	if wait_until 100 pane_has "allow-status=$3"; then ok "$2: status $3"; else
		fail "$2: status $3"; pane | sed 's/^/#   | /'; fi
}
asked n "answer n" 1
like "$("$BOX" allow --status "$P" 2>&1)" "not allowed" "n leaves it unapproved"
asked "" "just Enter" 1
asked y "answer y" 0
like "$("$BOX" allow --status "$P" 2>&1)" ": allowed$" "y approves it"

cd "$T" || exit 1
out=$("$BOX" allow 2>&1)
is "$?" 125 "no .box.ini upwards: exit 125"
like "$out" "run 'box init'" "says what to do"
done_testing
