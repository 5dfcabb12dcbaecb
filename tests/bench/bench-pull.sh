#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Pull of the Debian image from the local registry into an empty store, side by side
# in one run: box pull, podman pull (rootless, its own temp HOME/XDG dirs, overlay with
# fuse-overlayfs as PEERS.md says), skopeo copy to a directory, and the floor: curl of
# the layer blob piped into tar -xz on the same disk. Prints medians of N runs and
# box's extraction throughput (MB/s of the uncompressed layer, files/s).
#
# usage: tests/bench/bench-pull.sh [RUNS]     (as root: runs as the test user)
#   BOX_BASE=PATH  also time another box binary (e.g. main's build) in the same runs,
#                  to compare a change with its base on a busy machine
set -u
RUNS=${1:-5}
. "$(dirname "$0")/pull-lib.sh"
IMAGE=${BOX_TEST_IMAGE:-library/debian:bookworm}
pull_as_test_user "$0" "$RUNS"
pull_need curl tar podman skopeo python3
pull_setup

repo=${IMAGE%%:*}
tag=${IMAGE##*:}
accept='application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json'
manifest=$(curl -fsS -H "Accept: $accept" "http://$REG/v2/$repo/manifests/$tag")
blob=$(printf '%s' "$manifest" | python3 -c 'import json,sys; print(json.load(sys.stdin)["layers"][0]["digest"])')
nlayers=$(printf '%s' "$manifest" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["layers"]))')
compressed=$(curl -fsS "http://$REG/v2/$repo/blobs/$blob" | wc -c)
raw=$(curl -fsS "http://$REG/v2/$repo/blobs/$blob" | gzip -dc | wc -c)
entries=$(curl -fsS "http://$REG/v2/$repo/blobs/$blob" | tar -tz | wc -l)

for i in $(seq "$RUNS"); do
	run box "$BOX_FRESH" \
		"XDG_DATA_HOME=\"$W/box-data\" \"$BOX\" pull -q debian:${tag}"
	[ -n "${BOX_BASE:-}" ] &&
		run base "$BOX_FRESH" \
			"XDG_DATA_HOME=\"$W/box-data\" \"$BOX_BASE\" pull -q debian:${tag}"
	run podman "$PODMAN_FRESH" \
		"podman_env podman pull -q $REG/$repo:$tag"
	run skopeo "rm -rf \"$W/skopeo\"" \
		"skopeo copy -q --src-tls-verify=false docker://$REG/$repo:$tag dir:$W/skopeo"
	run floor "rm -rf \"$W/floor\"; mkdir -p \"$W/floor\"" \
		"curl -fsS http://$REG/v2/$repo/blobs/$blob | tar -xz --exclude='./dev/*' -C \"$W/floor\""
done

PYTHONPATH=$(dirname "$0") python3 - "$W" "$RUNS" "$compressed" "$raw" "$entries" "$nlayers" <<'EOF'
import os, sys
from pulltable import table
w, runs, comp, raw, entries, nlayers = sys.argv[1], int(sys.argv[2]), *map(int, sys.argv[3:])
names = [("box", "box pull")] + ([("base", "box pull (BOX_BASE)")] if os.path.exists(f"{w}/t.base") else []) + [("podman", "podman pull"), ("skopeo", "skopeo copy (to dir, no extraction)"),
         ("floor", "floor: curl | tar -xz")]
print(f"Pull of the Debian image ({nlayers} layer(s); first layer {comp/1e6:.1f} MB gzip, "
      f"{raw/1e6:.1f} MB tar, {entries} entries), medians of {runs} runs, ms")
med = table(w, names)
if med["box"]:
    s = med["box"] / 1000
    print(f"box extraction throughput: {raw / 1e6 / s:.0f} MB/s (uncompressed), {entries / s:.0f} files/s")
if med["box"] and med["podman"]:
    print(f"box vs podman pull: {med['podman'] / med['box']:.2f}x faster (target >= 3x)")
if med["box"] and med["floor"]:
    print(f"box vs floor: {med['box'] / med['floor']:.2f}x the floor's time (target <= 1.5x)")
EOF
