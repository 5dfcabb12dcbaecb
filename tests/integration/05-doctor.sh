#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# box doctor on the prepared host: every check passes as the test user; a subuid file
# without the user, a range too small, a runtime dir others can enter and a missing
# XDG_RUNTIME_DIR each fail that one check and print the exact command that fixes it.
. "$(dirname "$0")/../lib.sh"
need_userns
need_subuid

me=$(id -un)
out=$("$BOX" doctor 2>&1)
rc=$?
is "$rc" 0 "doctor exits 0 on the prepared host"
like "$out" '^all [0-9]+ checks passed$' "doctor says every check passed"
unlike "$out" '^(FAIL|warn) ' "no check fails or warns"
for c in subuid subgid newuidmap newgidmap /dev/fuse /dev/net/tun fuse-overlayfs userns \
	'id mapping' cgroup XDG_RUNTIME_DIR; do
	like "$out" "^ok +$c " "check '$c' passes"
done
like "$out" "^ok +subuid +$me has 65536 subordinate uids from 200000" "subuid range is reported"

# A subuid file that only has another user: the hint picks the first free range after it.
printf 'someone:100000:65536\n' >"$T/subuid"
out=$(BOX_SUBUID=$T/subuid "$BOX" doctor 2>&1)
rc=$?
is "$rc" 1 "doctor exits 1 when the user has no subuid range"
like "$out" "^FAIL +subuid +no subordinate uid range for $me in $T/subuid" "subuid check fails"
like "$out" "fix: sudo usermod --add-subuids 165536-231071 $me\$" "usermod hint with a free range"
like "$out" '^ok +subgid ' "subgid still passes"
unlike "$out" '^ok +id mapping' "no id mapping claim without a subuid range"
like "$out" '^1 of [0-9]+ checks need attention' "one problem counted"

# A range too small for the keep-id layout (the user's own uid must fit above it).
printf '%s:300000:10\n' "$me" >"$T/subgid"
out=$(BOX_SUBGID=$T/subgid "$BOX" doctor 2>&1)
like "$out" "^FAIL +subgid +$me's ranges in $T/subgid hold 10 ids, too few" "too small a range fails"
like "$out" "fix: sudo usermod --add-subgids 300010-365545 $me\$" "usermod hint above the small range"

# A runtime dir other users can enter.
mkdir -m 0755 "$T/rt"
out=$(XDG_RUNTIME_DIR=$T/rt "$BOX" doctor 2>&1)
is "$?" 1 "doctor exits 1 for a group/world-accessible runtime dir"
like "$out" "^FAIL +XDG_RUNTIME_DIR .*has mode 0755" "runtime dir mode is reported"
like "$out" "fix: chmod 0700 $T/rt\$" "chmod hint"

out=$(env -u XDG_RUNTIME_DIR "$BOX" doctor 2>&1)
is "$?" 1 "doctor exits 1 without XDG_RUNTIME_DIR"
like "$out" "^warn +XDG_RUNTIME_DIR +XDG_RUNTIME_DIR is not set" "missing XDG_RUNTIME_DIR warns"
like "$out" "fix: (.* && )?export XDG_RUNTIME_DIR=/run/user/$(id -u)\$" "export hint"

out=$(BOX_SUBUID=$T/subuid "$BOX" doctor --quiet 2>&1)
unlike "$out" '^ok ' "--quiet prints only what needs attention"
like "$out" '^FAIL +subuid' "--quiet still prints the failure"

"$BOX" doctor --bogus >/dev/null 2>&1
is "$?" 125 "an unknown option is a usage error (125)"
done_testing
