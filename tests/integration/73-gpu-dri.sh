#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# /dev/dri (Intel, AMD and other DRM GPUs) in a sandbox, on hosts without one: a fake
# DRM layout made by tests/host-setup.sh (character devices that are /dev/null and
# /dev/zero under the names card0 and renderD128), found through BOX_GPU_ROOT the way
# box finds the host's /dev/dri. The nodes appear inside as the same devices and can
# be opened for reading and writing by the user; gpu = none leaves NVIDIA out, never
# /dev/dri; a host without /dev/dri still starts.
. "$(dirname "$0")/../lib.sh"
need_userns
need_subuid
need_fuse
need_registry
use_test_registry
cd "$HOME" || skip_all "no home directory"
[ -c "${BOX_TEST_DRI_ROOT:-/nonexistent}/dev/dri/renderD128" ] ||
	skip_all "no fake DRM layout (run tests/host-setup.sh as root)"
at_exit "'$BOX' stop -a --time 1 >/dev/null 2>&1"

export BOX_GPU_ROOT=$BOX_TEST_DRI_ROOT
"$BOX" create dri --image debian:bookworm --network none --gpu none >/dev/null 2>&1
check "/dev/dri/renderD128 is inside, a character device" "$BOX" enter dri -- test -c /dev/dri/renderD128
check "... and card0" "$BOX" enter dri -- test -c /dev/dri/card0
is "$("$BOX" enter dri -- stat -c '%t:%T' /dev/dri/renderD128 /dev/dri/card0 2>&1 | tr '\n' ' ')" "1:3 1:5 " \
	"... the host's devices (major:minor)"
check "the user opens renderD128 for writing" "$BOX" enter dri -- sh -c 'echo x >/dev/dri/renderD128'
is "$("$BOX" enter dri -- sh -c 'exec 3<>/dev/dri/card0 && head -c 4 <&3 | od -An -tx1' 2>&1 | tr -d ' ')" \
	00000000 "... and card0 for reading and writing (it reads as the device it is)"
check "the directory's contents come along" "$BOX" enter dri -- test -d /dev/dri/by-path

# A host without /dev/dri: the sandbox starts, with none inside.
mkdir -p "$T/nodri"
BOX_GPU_ROOT=$T/nodri "$BOX" create nodri --image debian:bookworm --network none >/dev/null 2>&1
out=$(BOX_GPU_ROOT=$T/nodri "$BOX" enter nodri -- sh -c 'test -e /dev/dri && echo there || echo absent' 2>&1)
is "$out" absent "a host without /dev/dri: the sandbox starts without it"
done_testing
