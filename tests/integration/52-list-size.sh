#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# box list's SIZE comes from the last walk of the writable layer while nothing can
# have written there since (upper.size in the sandbox's data dir): a write inside a
# running sandbox, a write in a later run of a stopped one, both show in the next
# list; a list with nothing written since is the same and walks nothing.
. "$(dirname "$0")/../lib.sh"
need_userns
need_subuid
need_fuse
need_debian_rootfs

# size NAME: the "size" of NAME in `box list --format json`.
size() {
	"$BOX" list --format json | tr -d ' \n' | grep -o "\"name\":\"$1\"[^}]*" |
		grep -o '"size":[0-9]*' | cut -d: -f2
}
at_exit "'$BOX' stop --time 1 sz"
check "create sz" "$BOX" create sz --rootfs "$BOX_TEST_ROOTFS"
check "start sz" "$BOX" start sz
s0=$(size sz)
like "$s0" '^[0-9]+$' "list shows a size ($s0)"
rec=$XDG_DATA_HOME/box/sandboxes/sz/upper.size
[ -f "$rec" ] && ok "the walk is recorded" || fail "the walk is recorded"
is "$(stat -c %a "$rec")" 600 "upper.size is 0600"
t0=$("$BOX" list)
is "$("$BOX" list)" "$t0" "a list with nothing written since is the same"

check "write 2 MB inside" "$BOX" enter sz -- sh -c 'head -c 2097152 /dev/zero >/var/tmp/fill; sync'
s1=$(size sz)
[ "$s1" -ge $((s0 + 2000000)) ] 2>/dev/null && ok "the write shows in the next list ($s0 -> $s1)" ||
	fail "the write shows in the next list ($s0 -> $s1)"

check "stop sz" "$BOX" stop --time 1 sz
is "$(size sz)" "$s1" "stopped: the same size"
grep -q ' s ' "$rec" && ok "a stopped sandbox's walk is recorded" || fail "a stopped sandbox's walk is recorded"
check "start sz again" "$BOX" start sz
check "remove the file inside" "$BOX" enter sz -- rm -f /var/tmp/fill
check "stop sz again" "$BOX" stop --time 1 sz
s2=$(size sz)
[ "$s2" -lt "$s1" ] 2>/dev/null && ok "a later run's change shows once stopped ($s1 -> $s2)" ||
	fail "a later run's change shows once stopped ($s1 -> $s2)"

# A record that does not match (another upper dir) is not believed.
printf 'box-upper-size 1 1 1 s 0 0 0 12345\n' >"$rec"
is "$(size sz)" "$s2" "a record of another directory is walked again"
done_testing
