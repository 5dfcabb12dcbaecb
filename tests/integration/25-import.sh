#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# box import: the Debian tarball becomes a one-layer image whose files carry the
# image's owners inside the user namespace (subordinate ids outside), stored once
# however often it is imported; malicious tarballs fail with 125 and write nothing
# outside the store. box bootstrap is checked by hand (mmdebstrap takes ~20 s):
#   box bootstrap debian && box __unshare ls -ln ~/.local/share/box/layers/*/etc/shadow
. "$(dirname "$0")/../lib.sh"
need_userns
need_subuid
need_cmd python3
TARBALL=${BOX_TEST_TARBALL:-/var/cache/box-tests/debian-bookworm.tar}
[ -r "$TARBALL" ] || skip_all "no Debian tarball at $TARBALL (run tests/host-setup.sh as root)"

STORE=$XDG_DATA_HOME/box
SUBUID=$(awk -F: -v u="$(id -un)" '$1 == u { print $2; exit }' /etc/subuid)
SUBGID=$(awk -F: -v u="$(id -un)" '$1 == u { print $2; exit }' /etc/subgid)

check "box __unshare runs as root of the user namespace" \
	test "$("$BOX" __unshare -- id -u)" = 0

out=$("$BOX" import "$TARBALL" mydebian 2>"$T/err")
is "$?" 0 "import the Debian tarball"
is "$out" "docker.io/library/mydebian:latest" "import prints the canonical reference"
like "$(cat "$T/err")" "Extracted [0-9]+ files" "import reports what it extracted"
diag "$(cat "$T/err")"

layers=("$STORE"/layers/*)
is "${#layers[@]}" 1 "one layer directory"
L=${layers[0]}
like "$(basename "$L")" '^[0-9a-f]{64}$' "the layer is named by its diff_id"
want=$(sha256sum "$TARBALL" | cut -d' ' -f1)
is "$(basename "$L")" "$want" "an uncompressed tarball's diff_id is its sha256"

# Owners as the image says them, seen from inside; subordinate ids outside.
is "$("$BOX" __unshare -- stat -c '%u:%g %a' "$L/etc/shadow")" "0:42 640" \
	"etc/shadow is root:shadow 640 inside the user namespace"
is "$(stat -c '%u:%g' "$L/etc/shadow")" "$SUBUID:$((SUBGID + 42))" \
	"etc/shadow belongs to the subordinate ids outside"
is "$("$BOX" __unshare -- stat -c '%a' "$L/usr/bin/passwd")" 4755 "setuid bit kept"
is "$("$BOX" __unshare -- readlink "$L/bin")" "usr/bin" "usr-merge symlink kept"

# Everything but the device nodes is there.
want=$(tar -tvf "$TARBALL" | grep -vc '^[cb]')
got=$("$BOX" __unshare -- find "$L" -mindepth 1 | wc -l)
is "$got" "$((want - 1))" "every non-device entry of the tarball is in the layer"
is "$("$BOX" __unshare -- find "$L/dev" -type c -o -type b | wc -l)" 0 "device nodes skipped"
like "$("$BOX" images 2>&1)" "mydebian" "box images lists the imported image"

out=$("$BOX" import "$TARBALL" mydebian2 2>&1)
is "$?" 0 "import the same tarball under a second name"
like "$out" "already stored" "the second import says the layer was already stored"
layers=("$STORE"/layers/*)
is "${#layers[@]}" 1 "still one layer directory"
is "$(ls "$STORE/images" | wc -l)" 2 "two image records"

# A compressed tarball on standard input: the layer is named by the uncompressed digest.
mkdir -p "$T/small/etc"
echo small >"$T/small/etc/hostname"
tar -C "$T/small" -cf "$T/small.tar" .
out=$( (zstd -q -c "$T/small.tar" 2>/dev/null || gzip -c "$T/small.tar") | "$BOX" import - small 2>&1)
is "$?" 0 "import a compressed tarball from standard input"
want=$(sha256sum "$T/small.tar" | cut -d' ' -f1)
check "its layer is named by the sha256 of the uncompressed tar" test -d "$STORE/layers/$want"
is "$(cat "$STORE/layers/$want/etc/hostname")" small "its content is there"
out=$("$BOX" import "$T/no-such.tar" x 2>&1)
is "$?" 125 "a missing tarball fails with 125"
like "$out" "no-such.tar" "  and names it"

# Malicious tarballs: status 125, one-line reason, nothing outside the store.
mkdir -p "$T/outside"
python3 - "$T" <<'PY'
import io, sys, tarfile
t = sys.argv[1]
def mk(name, entries):
    with tarfile.open(f"{t}/{name}", "w") as tf:
        for path, kind, arg in entries:
            ti = tarfile.TarInfo(path)
            if kind == "f":
                data = arg.encode(); ti.size = len(data)
                tf.addfile(ti, io.BytesIO(data))
            else:
                ti.type = tarfile.SYMTYPE; ti.linkname = arg
                tf.addfile(ti)
mk("dotdot.tar", [("etc/ok", "f", "fine\n"), ("../../../../outside/escape", "f", "evil\n")])
mk("symlink.tar", [("link", "l", f"{t}/outside"), ("link/passwd", "f", "evil\n")])
PY
before=$(find "$T" -path "$STORE" -prune -o -print | sort)
out=$("$BOX" import "$T/dotdot.tar" evil 2>&1)
is "$?" 125 "a '..' entry fails with 125"
like "$out" "contains '\.\.'" "  and says why"
is "$(printf '%s\n' "$out" | wc -l)" 1 "  in one line"
out=$("$BOX" import "$T/symlink.tar" evil 2>&1)
is "$?" 125 "a path through an absolute symlink fails with 125"
like "$out" "leaves the layer" "  and says why"
out=$(BOX_LAYER_NO_OPENAT2=1 "$BOX" -vv import "$T/symlink.tar" evil 2>&1)
is "$?" 125 "the same with the resolver fallback (BOX_LAYER_NO_OPENAT2=1)"
like "$out" "leaves the layer" "  and says why"
like "$out" "component by component" "  and the fallback resolver was the one used"
after=$(find "$T" -path "$STORE" -prune -o -print | sort)
is "$after" "$before" "nothing was written outside the store"
is "$(ls -A "$STORE/layers" | wc -l)" 2 "no layer or leftover from the failed imports"
check_fails "no record for the failed import" test -e "$STORE/images/docker.io%2Flibrary%2Fevil%3Alatest.json"

done_testing
