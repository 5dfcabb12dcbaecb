#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Whiteouts as layer extraction stores them (.wh.NAME -> 0/0 character device,
# .wh..wh..opq -> user.overlay.opaque=y) are honoured by both overlay drivers a
# sandbox may use: kernel overlayfs mounted in a user namespace with userxattr, and
# fuse-overlayfs. Two tarballs are imported as layers and stacked by each driver.
. "$(dirname "$0")/../lib.sh"
need_userns
need_subuid
need_fuse
need_cmd python3 unshare

STORE=$XDG_DATA_HOME/box
python3 - "$T" <<'PY'
import io, sys, tarfile
t = sys.argv[1]
def mk(name, files, dirs=()):
    with tarfile.open(f"{t}/{name}", "w") as tf:
        for d in dirs:
            ti = tarfile.TarInfo(d); ti.type = tarfile.DIRTYPE; ti.mode = 0o755
            tf.addfile(ti)
        for path, data in files:
            ti = tarfile.TarInfo(path); ti.size = len(data); ti.mode = 0o644
            tf.addfile(ti, io.BytesIO(data))
mk("lower.tar", [("gone", b"g\n"), ("kept", b"k\n"), ("opq/old", b"o\n"), ("dir/old", b"d\n")],
   ["opq", "dir"])
mk("upper.tar", [(".wh.gone", b""), ("opq/.wh..wh..opq", b""), ("opq/new", b"n\n"),
                 ("dir/new", b"n\n")], ["opq", "dir"])
PY
check "import the lower layer" "$BOX" import "$T/lower.tar" wh-lower
check "import the upper layer" "$BOX" import "$T/upper.tar" wh-upper
lower=$(ls -d "$STORE"/layers/* | while read -r d; do [ -e "$d/kept" ] && echo "$d"; done)
upper=$(ls -d "$STORE"/layers/* | while read -r d; do [ -e "$d/dir/new" ] && echo "$d"; done)
[ -n "$lower" ] && [ -n "$upper" ] || { fail "find both layers"; done_testing; exit 1; }
is "$(stat -c '%F %t:%T' "$upper/gone")" "character special file 0:0" \
	".wh.gone is stored as a 0/0 character device"
check_fails "no .wh.gone file is kept" test -e "$upper/.wh.gone"
check_fails "no opaque marker file is kept" test -e "$upper/opq/.wh..wh..opq"

mkdir -p "$T/mnt" "$T/up" "$T/work" "$T/fmnt" "$T/fup" "$T/fwork"
want="dir dir/new dir/old kept opq opq/new"
list='cd "$1" && find . -mindepth 1 | sed "s|^\./||" | sort | tr "\n" " " | sed "s/ $//"'
got=$("$BOX" __unshare -- unshare -m sh -c "
	mount -t overlay overlay -o lowerdir=$upper:$lower,upperdir=$T/up,workdir=$T/work,userxattr \
		$T/mnt && sh -c '$list' - $T/mnt" 2>&1)
is "$got" "$want" "kernel overlayfs (userxattr) hides the whiteout and the opaque dir's lower files"
got=$("$BOX" __unshare -- unshare -m sh -c "
	fuse-overlayfs -o lowerdir=$upper:$lower,upperdir=$T/fup,workdir=$T/fwork $T/fmnt 2>/dev/null &&
		sh -c '$list' - $T/fmnt; fusermount3 -u $T/fmnt 2>/dev/null || umount $T/fmnt" 2>&1)
is "$got" "$want" "fuse-overlayfs hides the whiteout and the opaque dir's lower files"

done_testing
