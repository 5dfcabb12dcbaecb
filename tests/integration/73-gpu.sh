#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# NVIDIA's driver in a sandbox, on a fake driver layout (BOX_GPU_ROOT: device nodes
# as plain files, libraries, nvidia-smi): found without a CDI spec, then from a CDI
# spec; the files appear inside, read-only; BOX_GPU=none leaves them out; the
# [box] gpu setting (config.ini, a project's .box.ini, box create --gpu), checked
# where it is parsed, shown by box doctor; gpu = nvidia without a driver fails.
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
like "$(BOX_GPU=none "$BOX" doctor 2>&1)" "gpu +gpu = none \(the BOX_GPU environment variable\)" \
	"box doctor shows the effective setting and where it came from"
like "$("$BOX" doctor 2>&1)" "gpu +gpu = auto \(the default\)" "... auto by default"

# box create --gpu
"$BOX" create g4 --image debian:bookworm --network none --gpu none >/dev/null 2>&1
check_fails "create --gpu none leaves the driver out" "$BOX" enter g4 -- test -e $lib/libcuda.so.1
"$BOX" create g5 --image debian:bookworm --gpu nvida 2>"$T/err"
is "$?" 125 "a bad --gpu is an error (125)"
like "$(cat "$T/err")" "--gpu: expected auto, nvidia or none, not 'nvida'" "... naming the choices"
check_fails "... and makes nothing" "$BOX" export g5 --list

# the global config's [box] gpu: the default of every sandbox that sets none
printf '[box]\ngpu = none\n' >"$BOX_CONFIG"
like "$("$BOX" doctor 2>&1)" "gpu +gpu = none \(\[box\] gpu in the config\)" "box doctor shows the config's setting"
"$BOX" stop --time 1 g1 >/dev/null 2>&1
check_fails "[box] gpu = none in config.ini leaves the driver out" "$BOX" enter g1 -- test -e /dev/nvidia0
"$BOX" create g6 --image debian:bookworm --network none --gpu auto >/dev/null 2>&1
check "... a sandbox's own gpu = auto wins" "$BOX" enter g6 -- test -e /dev/nvidia0
printf '[box]\ngpu = nvidia\n' >"$BOX_CONFIG"
"$BOX" stop --time 1 g1 >/dev/null 2>&1
mkdir -p "$T/nogpu"
BOX_GPU_ROOT=$T/nogpu "$BOX" start g1 2>"$T/err"
is "$?" 125 "gpu = nvidia on a host without the driver: the start fails"
like "$(cat "$T/err")" "gpu = nvidia \(from the config\), but this host has no NVIDIA driver" "... saying why"
is "$(wc -l <"$T/err")" 1 "... in one line"
check "with the driver it starts" "$BOX" start g1
: >"$BOX_CONFIG"

# a project's [box] gpu, checked where it is parsed
mkdir -p "$T/proj"
printf '[box]\nimage = debian:bookworm\nnetwork = none\ngpu = nvdia\n' >"$T/proj/.box.ini"
out=$("$BOX" config check "$T/proj/.box.ini" 2>&1)
like "$out" "\.box\.ini:4: bad value 'nvdia' for 'gpu' in \[box\]: expected one of auto, nvidia, none" \
	"a bad gpu in .box.ini is a FILE:LINE error"
printf '[box]\nimage = debian:bookworm\nname = gp\nnetwork = none\ngpu = none\n' >"$T/proj/.box.ini"
(cd "$T/proj" && "$BOX" allow --yes >/dev/null 2>&1)
check_fails "a project's gpu = none leaves the driver out" sh -c "cd '$T/proj' && '$BOX' enter -- test -e /dev/nvidia0"
done_testing
