#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# box export: a sandbox's program as a wrapper on the host (arguments, working
# directory, stdin, terminal, exit status, starting a stopped sandbox), an
# application's .desktop file and icon, --list and --delete, box rm cleaning up,
# and bad input writing nothing. The real Debian image from the loopback registry.
. "$(dirname "$0")/../lib.sh"
need_userns
need_subuid
need_fuse
need_registry
need_cmd tmux
use_test_registry
cd "$HOME" || skip_all "no home directory"
at_exit "'$BOX' stop --time 1 ex >/dev/null 2>&1"
BIN=$T/bin
APPS=$XDG_DATA_HOME/applications
ICONS=$XDG_DATA_HOME/icons

"$BOX" create ex --image debian:bookworm --network none >/dev/null 2>&1
# A program and an application inside, as an image would ship them.
"$BOX" enter --root ex -- sh -c '
cat >/usr/local/bin/boxprog <<"E"
#!/bin/sh
echo "args:$#:$*"
echo "cwd:$(pwd)"
read -r line && echo "stdin:$line"
exit 3
E
chmod 755 /usr/local/bin/boxprog
mkdir -p /usr/share/applications /usr/share/icons/hicolor/48x48/apps /usr/share/icons/hicolor/scalable/apps
cat >/usr/share/applications/org.example.Demo.desktop <<"E"
[Desktop Entry]
Type=Application
Name=Demo Editor
Name[de]=Demo-Editor
Exec=/usr/local/bin/boxprog %F
TryExec=/usr/local/bin/boxprog
Icon=demo
DBusActivatable=true

[Desktop Action new]
Name=New Window
Exec=/usr/local/bin/boxprog --new
E
printf "PNG48" >/usr/share/icons/hicolor/48x48/apps/demo.png
printf "<svg/>" >/usr/share/icons/hicolor/scalable/apps/demo.svg'
"$BOX" stop --time 1 ex

# --- --bin
out=$("$BOX" export ex --bin boxprog --dir "$BIN" 2>&1)
is "$?" 0 "export --bin (the sandbox was stopped: started to look inside)"
is "$out" "wrote $BIN/boxprog" "... says what it wrote"
check "the wrapper is executable" test -x "$BIN/boxprog"
check "... a link to box (no shell in between)" test -L "$BIN/boxprog"
is "$(readlink -f "$BIN/boxprog")" "$(readlink -f "$BOX")" "... to this box binary"
mkdir -p "$HOME/.box-export-test-$$/sub dir"
at_exit "rm -rf '$HOME/.box-export-test-$$'"
out=$(cd "$HOME/.box-export-test-$$/sub dir" && echo hello | "$BIN/boxprog" one "two words" 2>&1)
st=$?
is "$st" 3 "the wrapper returns the program's exit status"
is "$out" "args:2:one two words
cwd:$HOME/.box-export-test-$$/sub dir
stdin:hello" "... with the arguments, the working directory and stdin"
out=$(cd / && echo x | "$BIN/boxprog" 2>"$T/err")
like "$out" "cwd:$HOME" "a directory not visible inside: the home"
like "$(cat "$T/err")" "not visible inside the sandbox" "... with enter's warning"
"$BOX" stop --time 1 ex
echo x | "$BIN/boxprog" >/dev/null 2>&1
is "$?" 3 "the wrapper starts a stopped sandbox"
out=$(echo x | PATH="$BIN:$PATH" boxprog a 2>&1)
like "$out" "^args:1:a" "the wrapper found on PATH by its name"
out=$(cd "$BIN" && echo x | ./boxprog b 2>&1)
like "$out" "^args:1:b" "... and run by a relative path"
ln -s "$BOX" "$BIN/mybox"
out=$("$BIN/mybox" --version 2>&1)
like "$out" "^box " "a link to box that box did not write is plain box"
"$BOX" export ex --bin boxprog --as mybox --dir "$BIN" 2>"$T/err"
is "$?" 125 "... and an export never replaces it"
like "$(cat "$T/err")" "'$BIN/mybox' exists and box did not write it" "... saying so"
rm -f "$BIN/mybox"

# the terminal: the program inside gets the caller's (stty reads its size)
"$BOX" export ex --bin /usr/bin/stty --as boxtty --dir "$BIN" >/dev/null
sock=$T/tmux.sock
at_exit "tmux -S '$sock' kill-server 2>/dev/null"
tmux -S "$sock" -f /dev/null new-session -d -x 80 -y 20 "$BIN/boxtty size >$T/tty.out 2>&1; echo \$? >$T/tty.st"
wait_until 200 test -s "$T/tty.st"
like "$(cat "$T/tty.out" 2>/dev/null)" "^20 80$" "--as names the wrapper; the program gets the terminal"
[ -s "$T/tty.out" ] || diag "status $(cat "$T/tty.st" 2>&1); tmux: $(tmux -S "$sock" ls 2>&1)"

# --- bad input writes nothing
"$BOX" export ex --bin nosuchprog --dir "$BIN" 2>"$T/err"
is "$?" 125 "an unknown program is an error (125)"
is "$(wc -l <"$T/err")" 1 "... of one line"
like "$(cat "$T/err")" "has no program 'nosuchprog'" "... naming it"
check_fails "... and nothing is written" test -e "$BIN/nosuchprog"
echo "mine" >"$BIN/cat"
"$BOX" export ex --bin cat --dir "$BIN" 2>"$T/err"
is "$?" 125 "a host file box did not write is not overwritten"
like "$(cat "$T/err")" "'$BIN/cat' exists and box did not write it" "... the error names it"
is "$(cat "$BIN/cat")" mine "... and it is unchanged"
"$BOX" export nosuchbox --bin ls 2>"$T/err"
is "$?" 125 "an unknown sandbox is an error"
out=$("$BOX" export ex --bin boxprog --dir "$BIN" 2>&1)
is "$?" 0 "exporting the same program again rewrites box's own wrapper"

# --- --app
out=$("$BOX" export ex --app org.example.Demo 2>&1)
is "$?" 0 "export --app by desktop file name"
d=$APPS/box-ex-org.example.Demo.desktop
check "the .desktop copy is in the applications dir" test -f "$d"
like "$(grep '^Exec=' "$d")" "^Exec=.*box run ex -- /usr/local/bin/boxprog %F$" "Exec= runs it through box"
like "$(grep '^Exec=' "$d" | tail -1)" "box run ex -- /usr/local/bin/boxprog --new$" "... the actions' too"
is "$(grep '^Name=' "$d" | head -1)" "Name=Demo Editor (on ex)" "Name says which sandbox"
is "$(grep -c '^TryExec=\|^DBusActivatable=' "$d")" 0 "TryExec and DBusActivatable are dropped"
is "$(grep '^Icon=' "$d")" "Icon=box-ex-demo" "Icon names the copied icon"
is "$(cat "$ICONS/hicolor/48x48/apps/box-ex-demo.png" 2>&1)" PNG48 "the 48x48 icon is copied"
is "$(cat "$ICONS/hicolor/scalable/apps/box-ex-demo.svg" 2>&1)" "<svg/>" "the scalable icon is copied"
"$BOX" export ex --delete org.example.Demo >/dev/null
check_fails "--delete removes the desktop file" test -e "$d"
check_fails "... and its icons" test -e "$ICONS/hicolor/48x48/apps/box-ex-demo.png"
out=$("$BOX" export ex --app "demo editor" 2>&1)
is "$?" 0 "export --app by the entry's Name"
check "... writes the same copy" test -f "$d"
"$BOX" export ex --app NoSuchApp 2>"$T/err"
is "$?" 125 "an unknown app is an error (125)"
like "$(cat "$T/err")" "has no application 'NoSuchApp'" "... naming it"

# --- --list, --delete, rm
out=$("$BOX" export ex --list)
like "$out" "bin +boxprog +$BIN/boxprog" "--list shows the wrapper"
like "$out" "app +org.example.Demo +$d" "--list shows the app"
like "$out" "icon +org.example.Demo +$ICONS/hicolor/48x48/apps/box-ex-demo.png" "--list shows its icons"
out=$("$BOX" export ex --delete boxtty)
is "$out" "removed $BIN/boxtty" "--delete ITEM removes a wrapper"
"$BOX" export ex --delete boxtty 2>"$T/err"
is "$?" 125 "--delete of something not exported is an error"
"$BOX" rm -f ex
check_fails "box rm removes the wrappers" test -e "$BIN/boxprog"
check_fails "... the desktop files" test -e "$d"
check_fails "... and the icons" test -e "$ICONS/hicolor/scalable/apps/box-ex-demo.svg"
is "$(cat "$BIN/cat")" mine "... and leaves the user's own file"
done_testing
