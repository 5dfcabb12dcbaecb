#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# [box] name in a .box.ini cannot take over a sandbox that is not the project's: one
# made by hand or by another project is refused with 125 and a message that says how
# to rename, and that sandbox's record is left exactly as it was.
. "$(dirname "$0")/../lib.sh"

mkdir -p "$T/rootfs" "$T/proj"
check "a sandbox made by hand" "$BOX" create victim --rootfs "$T/rootfs" --network none
rec=$XDG_DATA_HOME/box/sandboxes/victim/config.json
before=$(sha256sum "$rec")

printf '[box]\nname = victim\nnetwork = host\n[env]\nSTOLEN = 1\n' >"$T/proj/.box.ini"
(cd "$T/proj" && "$BOX" allow --yes >/dev/null 2>&1)
for verb in "run -- true" "enter -- true" stop rebuild; do
	# shellcheck disable=SC2086
	out=$(cd "$T/proj" && "$BOX" $verb 2>&1)
	is "$?" 125 "box $verb in the project: refused with 125"
	like "$out" "name = victim: a sandbox of that name exists and is not this project's; choose another name in '$T/proj/.box.ini' \(or remove that sandbox with 'box rm victim'\)" \
		"... saying how to rename"
done
is "$(sha256sum "$rec")" "$before" "the other sandbox's record is unchanged"
like "$("$BOX" list 2>&1)" "victim" "and it is still listed"

# Renamed, the project gets its own name (nothing exists yet: stop says so).
sed -i 's/^name = victim/name = mine/' "$T/proj/.box.ini"
(cd "$T/proj" && "$BOX" allow --yes >/dev/null 2>&1)
like "$(cd "$T/proj" && "$BOX" stop 2>&1)" "has no sandbox yet" "a free name is the project's"
done_testing
