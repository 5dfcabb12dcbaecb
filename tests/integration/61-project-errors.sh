#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Every kind of .box.ini error stops `box enter` before anything runs, or at the
# failing setup step: FILE:LINE: for unknown keys, bad values and missing mount
# sources (status 125); the step and its own status for an unknown package and a
# failing run line. A failed setup leaves no layer behind, and the next entry retries.
. "$(dirname "$0")/../lib.sh"
need_userns
need_subuid
need_fuse
need_registry
use_test_registry

at_exit "cd / && for s in runfail retry killed pkg; do '$BOX' stop --time 1 \$s >/dev/null 2>&1; done"

# project NAME BODY: a project directory with that .box.ini, approved.
project() {
	mkdir -p "$T/$1"
	printf '[box]\nimage = debian\n%s\n' "$2" >"$T/$1/.box.ini"
	(cd "$T/$1" && "$BOX" allow --yes >/dev/null 2>&1)
	cd "$T/$1" || exit 1
}
setup_layers() { ls -d "$XDG_DATA_HOME"/box/layers/setup-* 2>/dev/null | wc -l; }
builds() { ls -d "$XDG_DATA_HOME"/box/setup/*.build 2>/dev/null | wc -l; }

project badkey 'frobnicate = 1'
out=$("$BOX" enter -- true 2>&1)
is "$?" 125 "unknown key: status 125"
like "$out" "badkey/\.box\.ini:3:" "unknown key: FILE:LINE:"

project badval 'network = sometimes'
out=$("$BOX" enter -- true 2>&1)
is "$?" 125 "bad value: status 125"
like "$out" "badval/\.box\.ini:3:" "bad value: FILE:LINE:"

project nomount '[mounts]
/data = no-such-dir'
out=$("$BOX" run -- true 2>&1)
is "$?" 125 "missing mount source: status 125"
like "$out" "nomount/\.box\.ini:4: mount source .*no-such-dir" "missing mount source: FILE:LINE: and the path"

project runfail '[setup]
run = echo before
run = echo failing-step-output; exit 7
run = echo never >>never-ran'
out=$("$BOX" enter -- true 2>&1)
is "$?" 7 "a failing run line: the step's own status"
like "$out" "failing-step-output" "... its output is shown"
like "$out" "\[2/3\].*line 5: echo failing-step-output; exit 7" "... the failing step is named"
[ ! -e "$T/runfail/never-ran" ] && ok "... later steps do not run" || fail "... later steps do not run"
is "$(setup_layers)" 0 "... no setup layer is kept"
is "$(builds)" 0 "... no half-built layer is left"
check_fails "... and no sandbox was made" test -e "$XDG_DATA_HOME/box/sandboxes/runfail/config.json"

project retry '[setup]
run = test -e ok-flag || { echo no flag yet; exit 3; }
run = echo built >>setup-runs'
out=$("$BOX" run -- true 2>&1)
is "$?" 3 "a setup that fails"
touch ok-flag
out=$("$BOX" run -- true 2>&1)
is "$?" 0 "... is retried by the next entry and succeeds"
is "$(cat setup-runs)" built "... running the whole setup again"
is "$(setup_layers)" 1 "... which keeps one layer"

# A build killed half-way (box gets SIGKILL): nothing is kept, the next entry retries.
project killed '[setup]
run = test -e fast || { touch started; sleep 30; }
run = echo done >>setup-runs'
"$BOX" run -- true >/dev/null 2>&1 &
pid=$!
for ((i = 0; i < 100; i++)); do [ -e started ] && break; sleep 0.1; done
kill -9 "$pid"
wait "$pid" 2>/dev/null
sleep 0.5
is "$(setup_layers)" 1 "a killed build keeps no layer (only the earlier project's)"
touch fast
out=$("$BOX" run -- true 2>&1)
is "$?" 0 "the next entry builds it again"
is "$(cat setup-runs 2>/dev/null)" done "... from the start"
is "$(builds)" 0 "... and no build directory is left"
"$BOX" stop --time 1 >/dev/null 2>&1

project pkg '[setup]
packages = box-no-such-package'
out=$("$BOX" run -- true 2>&1)
st=$?
if [[ $out == *"apt-get update"*"Unable to locate package box-no-such-package"* ]]; then
	is "$st" 100 "an unknown package: apt-get's status"
	ok "an unknown package: apt-get's message"
elif [[ $out == *"[1/2] apt-get update"* && $st -ne 0 ]]; then
	skip "an unknown package: apt-get's status" "apt-get update cannot reach the Debian mirror"
	skip "an unknown package: apt-get's message" "apt-get update cannot reach the Debian mirror"
else
	fail "an unknown package fails with apt-get's message"
	diag "$out"
fi
like "$out" "failed with exit status" "an unknown package: the failing step is named"
is "$(setup_layers)" 2 "an unknown package: no layer kept"

done_testing
