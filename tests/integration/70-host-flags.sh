#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The flags podman and docker users type without thinking: -v and -e on create and
# enter, list -q, ps, stop -a, rm -a; and run --rm, which leaves nothing behind.
# The real Debian image from the loopback registry, as the test user.
. "$(dirname "$0")/../lib.sh"
need_userns
need_subuid
need_fuse
need_registry
use_test_registry
cd "$HOME" || skip_all "no home directory"
at_exit "'$BOX' stop -a --time 1 >/dev/null 2>&1"

mkdir -p "$T/vol" && echo from-host >"$T/vol/file"
out=$("$BOX" create f1 --image debian:bookworm --network none -v "$T/vol:/data:ro" \
	-e BOX_TEST_A=one -e 'BOX_TEST_B=two words' 2>&1)
is "$?" 0 "create with -v and -e"
[ -n "$out" ] && diag "$out"
is "$("$BOX" enter f1 -- cat /data/file 2>&1)" from-host "-v binds the host dir at the path inside"
"$BOX" enter f1 -- sh -c 'echo x >/data/new' 2>/dev/null
check_fails "... read-only with :ro" test -e "$T/vol/new"
is "$("$BOX" enter f1 -- sh -c 'echo "$BOX_TEST_A|$BOX_TEST_B"')" "one|two words" \
	"-e sets variables kept with the sandbox"
is "$("$BOX" enter f1 -e BOX_TEST_A=over -- sh -c 'echo "$BOX_TEST_A"')" over \
	"enter -e on an existing sandbox sets it for that command"
is "$("$BOX" enter f1 -- sh -c 'echo "$BOX_TEST_A"')" one "... and only for that command"
"$BOX" enter f1 -v "$T/vol:/x" -- true 2>"$T/err"
is "$?" 125 "enter -v on an existing sandbox is refused"
like "$(cat "$T/err")" "applies when a sandbox is created" "... saying why"
"$BOX" create f9 --image debian:bookworm -v "$T/missing:/x" 2>"$T/err"
is "$?" 125 "a volume whose host path is missing is refused"
like "$(cat "$T/err")" "the host path must exist" "... saying so"
check_fails "... and nothing is created" test -d "$XDG_DATA_HOME/box/sandboxes/f9"
"$BOX" create f9 --image debian:bookworm -v "nocolon" 2>"$T/err"
like "$(cat "$T/err")" "is not HOST:/PATH" "a malformed volume is refused"

out=$("$BOX" enter f2 --image debian:bookworm --network none -v "$T/vol:/data" \
	-e BOX_TEST_C=three -- sh -c 'cat /data/file; echo "$BOX_TEST_C"' 2>&1)
is "$out" $'from-host\nthree' "enter creating a sandbox takes -v and -e"

# --- list -q, ps, stop -a, rm -a
is "$("$BOX" list -q | tr '\n' ' ')" "f1 f2 " "list -q prints the names"
is "$("$BOX" ps -q | tr '\n' ' ')" "f1 f2 " "ps is another name for list"
like "$("$BOX" ps)" "^NAME +IMAGE +STATE" "ps prints the table"
is "$("$BOX" list --format json | grep -c '"running"')" 2 "both are running"
check "stop -a" "$BOX" stop -a --time 1
is "$("$BOX" list --format json | grep -c '"running"')" 0 "stop -a stopped every sandbox"
"$BOX" enter f1 -- true
"$BOX" rm -a -y 2>"$T/err"
is "$?" 125 "rm -a without -f fails on a running sandbox"
is "$("$BOX" list -q | tr '\n' ' ')" "f1 " "... and removes the stopped ones"
check "rm -a -f" "$BOX" rm -a -f
is "$("$BOX" list -q)" "" "rm -a -f removed the running one too"
"$BOX" rm -a x 2>"$T/err"
is "$?" 125 "rm -a with a NAME is refused"

# --- run --rm: an ephemeral sandbox that leaves nothing
out=$("$BOX" run --rm --network none -e BOX_TEST_D=eph -v "$T/vol:/data:ro" debian:bookworm -- \
	sh -c 'echo "$BOX_TEST_D $(cat /data/file) $(hostname)"; exit 4' 2>&1)
st=$?
is "$st" 4 "run --rm returns the command's status"
like "$out" "^eph from-host debian-bookworm-rm-[0-9]+$" "... with -e and -v, in a sandbox of its own"
is "$("$BOX" list -q)" "" "... which is gone afterwards"
is "$(ls "$XDG_DATA_HOME/box/sandboxes" | wc -l)" 0 "... leaving no data dir"
is "$(ls "$XDG_RUNTIME_DIR/box" 2>/dev/null | grep -c rm-)" 0 "... and no runtime dir"
"$BOX" run --rm 2>"$T/err"
is "$?" 125 "run --rm without an IMAGE is refused"
done_testing
