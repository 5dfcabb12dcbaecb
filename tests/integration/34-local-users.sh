#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Another local user: box's runtime dir must be the user's own, private and not a
# symlink (else box refuses with 125 and names it), and nothing under the data dir or
# the runtime dir is readable by a neighbour even when the home is open (o+rx), a
# private image layer and its setuid file included. The neighbour is the second user
# tests/host-setup.sh makes, reached through its sudo rule.
. "$(dirname "$0")/../lib.sh"
need_userns
need_subuid
need_cmd python3 sudo
OTHER=${BOX_TEST_OTHER_USER:-boxother}
as_other() { sudo -n -u "$OTHER" "$@"; }
as_other true 2>/dev/null || skip_all "cannot run commands as $OTHER (run tests/host-setup.sh as root)"
me=$(id -u)

# --- the /tmp fallback without XDG_RUNTIME_DIR: made 0700, ours
env -u XDG_RUNTIME_DIR "$BOX" list >/dev/null 2>"$T/err"
is "$?" 0 "box list without XDG_RUNTIME_DIR works"
is "$(stat -c '%u %a %F' "/tmp/box-$me" 2>&1)" "$me 700 directory" \
	"the fallback /tmp/box-$me is our own directory, mode 0700"

# --- a runtime dir that is not ours, not private, or a symlink is refused
refused() { # DIR NAME
	local out rc
	out=$(BOX_RUNTIME_DIR=$1 "$BOX" list 2>&1)
	rc=$?
	is "$rc" 125 "$2: refused with 125"
	like "$out" "^box: .*runtime directory '$1' .*mode 0700" "$2: the error names the dir"
	is "$(printf '%s\n' "$out" | wc -l)" 1 "$2: one line"
}
mkdir -m 0700 "$T/real"
ln -s "$T/real" "$T/link"
refused "$T/link" "a symlink to a private dir"
mkdir -m 0755 "$T/open"
refused "$T/open" "a dir of ours with mode 0755"
theirs=$(as_other mktemp -d /tmp/box-other.XXXXXX)
at_exit "sudo -n -u '$OTHER' rm -rf '$theirs'"
as_other chmod 0777 "$theirs"
as_other sh -c "printf 'supervisor_pid=1\ninit_pid=1\n' >'$theirs/state'"
refused "$theirs" "a dir another user made first"

# --- an existing store made 0755 is made private on first use
mkdir -p "$XDG_DATA_HOME/box/images"
chmod 0755 "$XDG_DATA_HOME/box"
"$BOX" list >/dev/null
is "$(stat -c '%a' "$XDG_DATA_HOME/box")" 700 "an existing 0755 data dir becomes 0700"

# --- a neighbour reads nothing of the store or the runtime dir, with the home open
python3 - "$T/img.tar" "$me" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    for name, mode, data in (("secret.txt", 0o644, b"private layer\n"),
                             ("bin/suid", 0o4755, b"#!/bin/sh\nid\n")):
        i = tarfile.TarInfo(name)
        i.mode, i.size, i.uid, i.gid = mode, len(data), int(sys.argv[2]), int(sys.argv[2])
        t.addfile(i, io.BytesIO(data))
PY
check "import a small image with a setuid file" "$BOX" import "$T/img.tar" small
chmod o+rx "$T" "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR"
layer=$(ls -d "$XDG_DATA_HOME"/box/layers/*/ | head -1)
like "$layer" "/layers/[0-9a-f]{64}/$" "the layer is in the store"
is "$(as_other cat "$layer/secret.txt" 2>/dev/null)" "" "$OTHER cannot read a layer's file"
found=$(as_other find "$XDG_DATA_HOME/box" "$XDG_RUNTIME_DIR/box" -mindepth 1 2>/dev/null)
is "$found" "" "$OTHER finds nothing under the data dir or the runtime dir"
unreadable=$(as_other test -x "$layer/bin/suid" && echo reachable || echo unreachable)
is "$unreadable" unreachable "$OTHER cannot reach the setuid file"
done_testing
