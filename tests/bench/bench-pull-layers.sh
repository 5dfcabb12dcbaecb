#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Pull of a 6-layer image (Debian and five layers of 4 to 100 MiB, half pseudo-random bytes
# and half hex text) from the local registry into an empty store, side by side in one run:
# box pull, podman pull of the same image (rootless, a fresh storage each run, overlay with
# fuse-overlayfs), and box pulling each of the two largest layers alone as an image of its
# own (the Debian layer, and the 100 MiB one): with the layers pulled in parallel, the whole
# image should take little more than the slowest of them. Runs are interleaved; medians.
#
# The images are built once and pushed to the registry (bench/layers:v1, bench/layer100:v1);
# a re-run finds them there and builds nothing.
#
# usage: tests/bench/bench-pull-layers.sh [RUNS]     (as root: runs as the test user)
#   BOX_BASE=PATH        also time another box binary (e.g. main's build) in the same runs
#   BOX_PULL_SYNC_MODES="syncfs files"   also time box with each way of making the layers
#                        durable (see core/image/layer_guard.c), interleaved with the rest
set -u
RUNS=${1:-5}
. "$(dirname "$0")/pull-lib.sh"
pull_as_test_user "$0" "$RUNS"
pull_need curl podman python3
pull_setup
TOOL=$TOP/tests/registry-tool.py
SIZES="4 12 25 50 100"

have() { curl -fsS -o /dev/null -H "Accept: application/vnd.oci.image.manifest.v1+json" \
	"http://$REG/v2/$1/manifests/$2"; }
if ! have bench/layers v1 || ! have bench/layer100 v1; then
	echo "building bench/layers:v1 (once)" >&2
	tars=()
	n=0
	for mb in $SIZES; do
		n=$((n + 1))
		FILL_MB=$mb FILL_SEED=$n python3 "$TOOL" make-tar "$W/fill$mb.tar" fill || exit 1
		tars+=("$W/fill$mb.tar")
	done
	python3 "$TOOL" push-stack "$REG" bench/layer100 v1 "$W/fill100.tar" >/dev/null &&
		python3 "$TOOL" push-stack "$REG" bench/layers v1 "${tars[@]}" \
			--base library/debian:bookworm >/dev/null || exit 1
	rm -f "${tars[@]}"
fi
printf '[registry "%s"]\ninsecure = true\n' "$REG" >>"$BOX_CONFIG"

boxpull() { echo "XDG_DATA_HOME=\"$W/box-data\" ${2:+BOX_PULL_SYNC=$2 }\"$1\" pull -q $REG/$3"; }
for i in $(seq "$RUNS"); do
	run box "$BOX_FRESH" "$(boxpull "$BOX" "" bench/layers:v1)"
	[ -n "${BOX_BASE:-}" ] && run base "$BOX_FRESH" "$(boxpull "$BOX_BASE" "" bench/layers:v1)"
	for m in ${BOX_PULL_SYNC_MODES:-}; do
		run "sync-$m" "$BOX_FRESH" "$(boxpull "$BOX" "$m" bench/layers:v1)"
	done
	run podman "$PODMAN_FRESH" "podman_env podman pull -q $REG/bench/layers:v1"
	run big "$BOX_FRESH" "$(boxpull "$BOX" "" bench/layer100:v1)"
	run deb "$BOX_FRESH" "$(boxpull "$BOX" "" library/debian:bookworm)"
done

manifest=$(curl -fsS -H "Accept: application/vnd.oci.image.manifest.v1+json" \
	"http://$REG/v2/bench/layers/manifests/v1")
PYTHONPATH=$(dirname "$0") python3 - "$W" "$RUNS" "$manifest" "${BOX_PULL_SYNC_MODES:-}" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import json, sys
from pulltable import table, times
w, runs, manifest, modes, load = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3]), sys.argv[4].split(), sys.argv[5]
sizes = " + ".join(f"{l['size'] / 1e6:.0f}" for l in manifest["layers"])
names = [("box", "box pull, 6 layers")]
names += [("base", "box pull, 6 layers (BOX_BASE)")] if times(w, "base") else []
names += [(f"sync-{m}", f"box pull, 6 layers, BOX_PULL_SYNC={m}") for m in modes]
names += [("podman", "podman pull, 6 layers"), ("big", "box pull, the 100 MiB layer alone"),
          ("deb", "box pull, the Debian layer alone")]
print(f"Pull of a 6-layer image ({sizes} MB gzip), medians of {runs} interleaved runs, ms; "
      f"load average at the end {load}")
med = table(w, names)
if med["box"] and med["podman"]:
    print(f"box vs podman pull: {med['podman'] / med['box']:.2f}x faster (target >= 3x)")
alone = [med[n] for n in ("big", "deb") if med[n]]
if med["box"] and alone:
    print(f"box, 6 layers vs its slowest layer alone: {med['box'] / max(alone):.2f}x "
          f"(target <= 1.2x)")
PY
