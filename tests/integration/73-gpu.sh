#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# NVIDIA's driver in a sandbox, on a fake driver layout (BOX_GPU_ROOT: device nodes
# as plain files, libraries, nvidia-smi): found without a CDI spec, then from a CDI
# spec; the files appear inside, read-only; BOX_GPU=none leaves them out.
. "$(dirname "$0")/../lib.sh"
need_userns
need_subuid
need_fuse
need_registry
use_test_registry
cd "$HOME" || skip_all "no home directory"
at_exit "'$BOX' stop -a --time 1 >/dev/null 2>&1"
lib=/usr/lib/x86_64-linux-gnu

G=$T/gpu
mkdir -p "$G/dev" "$G$lib" "$G/usr/bin"
: >"$G/dev/nvidia0"
: >"$G/dev/nvidiactl"
echo fake-nvidia-ml >"$G$lib/libnvidia-ml.so.1"
printf '#!/bin/sh\necho fake-smi\n' >"$G/usr/bin/nvidia-smi"
chmod 755 "$G/usr/bin/nvidia-smi"
export BOX_GPU_ROOT=$G
"$BOX" create g1 --image debian:bookworm --network none >/dev/null 2>&1
is "$("$BOX" enter g1 -- cat $lib/libnvidia-ml.so.1 2>&1)" fake-nvidia-ml "the driver's library is inside"
check "its device nodes" "$BOX" enter g1 -- test -e /dev/nvidia0 -a -e /dev/nvidiactl
is "$("$BOX" enter g1 -- nvidia-smi 2>&1)" fake-smi "nvidia-smi runs inside"
"$BOX" enter --root g1 -- sh -c "echo x > $lib/libnvidia-ml.so.1" 2>/dev/null
is "$(cat "$G$lib/libnvidia-ml.so.1")" fake-nvidia-ml "read-only, even for root inside"
like "$("$BOX" doctor 2>&1)" "gpu .*NVIDIA: 4 files from driver files" "box doctor reports what it found"

# a CDI spec, when there is one, says what comes in and where
mkdir -p "$G/etc/cdi" "$G/drv"
echo fake-cuda >"$G/drv/libcuda.so.1"
cat >"$G/etc/cdi/nvidia.yaml" <<E
cdiVersion: 0.5.0
kind: nvidia.com/gpu
devices:
- name: all
  containerEdits:
    deviceNodes:
    - path: /dev/nvidia0
containerEdits:
  hooks:
  - hookName: createContainer
    path: /usr/bin/nvidia-ctk
  mounts:
  - hostPath: /drv/libcuda.so.1
    containerPath: $lib/libcuda.so.1
    options: [ro, nosuid, nodev, bind]
E
"$BOX" create g2 --image debian:bookworm --network none >/dev/null 2>&1
is "$("$BOX" enter g2 -- cat $lib/libcuda.so.1 2>&1)" fake-cuda "a CDI spec's mount is inside at its containerPath"
check "... and its device node" "$BOX" enter g2 -- test -e /dev/nvidia0
check_fails "... and nothing the spec does not name" "$BOX" enter g2 -- test -e $lib/libnvidia-ml.so.1

BOX_GPU=none "$BOX" create g3 --image debian:bookworm --network none >/dev/null 2>&1
BOX_GPU=none "$BOX" start g3
check_fails "BOX_GPU=none leaves the driver out" "$BOX" enter g3 -- test -e $lib/libcuda.so.1
done_testing
