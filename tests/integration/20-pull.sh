#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# box pull of the real Debian image through the docker.io mirror setting: by tag and
# by digest, owners from the user namespace, the shared base layer extracted once,
# images (table and JSON), rmi refusing while a sandbox uses the image, prune, and
# two concurrent pulls of one image.
. "$(dirname "$0")/../lib.sh"
. "$BOX_TOP/tests/pull-lib.sh"
need_userns
need_subuid
need_cmd python3 curl
need_registry
use_test_registry

out=$("$BOX" pull debian:bookworm 2>"$T/err")
is "$?" 0 "pull debian:bookworm through the docker.io mirror"
like "$out" '^sha256:[0-9a-f]{64}$' "pull prints the manifest digest"
digest=$out
like "$(cat "$T/err")" 'Copying blob [0-9a-f]{12}' "progress names the layer"
unlike "$(cat "$T/err")" $'\033' "no terminal escapes when stderr is not a terminal"
is "$(layer_count)" 1 "one layer extracted"
layer=$(find "$DATA/layers" -mindepth 1 -maxdepth 1 -name '[0-9a-f]*' | head -1)
if [ -f "$layer/etc/debian_version" ]; then ok "layer holds the Debian userland"; else fail "layer holds the Debian userland"; fi
subid=$(awk -F: -v u="$(id -un)" '$1 == u { print $2; exit }' /etc/subuid)
is "$(stat -c %u "$layer/etc/passwd")" "$subid" "files belong to the image's root (first subordinate id)"
cfg=$(manifest_json library/debian bookworm | python3 -c 'import json,sys; print(json.load(sys.stdin)["config"]["digest"])')
diffid=$(curl -fsS "$REG_URL/v2/library/debian/blobs/$cfg" | python3 -c 'import json,sys; print(json.load(sys.stdin)["rootfs"]["diff_ids"][0])')
is "$(basename "$layer")" "${diffid#sha256:}" "the layer directory is named by the config's diff_id"
is "$(tmp_count)" 0 "no temporary directories left"

imgs=$("$BOX" images)
like "$imgs" 'docker\.io/library/debian +bookworm +[0-9a-f]{12} ' "images lists the image"

inode=$(stat -c %i "$layer")
"$BOX" pull debian:bookworm-extra >"$T/out2" 2>"$T/err2"
is "$?" 0 "pull debian:bookworm-extra (one more layer on the same base)"
is "$(layer_count)" 2 "the shared base is extracted once: two layer directories"
is "$(stat -c %i "$layer")" "$inode" "the base layer directory was not touched"
like "$(cat "$T/err2")" 'already exists' "pull reports the base layer as already there"
shared=$("$BOX" images --format json | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(len(d), min(i["shared_size"] for i in d), min(i["size"] for i in d))')
like "$shared" '^2 [1-9][0-9]* [1-9][0-9]*$' "images --format json: two images, both share bytes"
extra=$(cat "$T/out2")

out=$("$BOX" pull "docker.io/library/debian@$digest" 2>/dev/null)
is "$?" 0 "pull by digest"
is "$out" "$digest" "pull by digest gives the same manifest"
is "$(layer_count)" 2 "pull by digest adds no layer"
check_fails "a wrong digest is not found" "$BOX" pull -q "debian@sha256:$(printf '0%.0s' $(seq 64))"

mkdir -p "$DATA/sandboxes/s1"
printf '{"name":"s1","image":"debian:bookworm-extra","image_digest":"%s"}\n' "$extra" >"$DATA/sandboxes/s1/config.json"
"$BOX" rmi debian:bookworm-extra 2>"$T/err3"
is "$?" 125 "rmi refuses an image a sandbox uses"
like "$(cat "$T/err3")" "used by sandbox 's1'" "rmi names the sandbox"
# bytes_of TEXT: the first "12.3 MB" in TEXT, in bytes; near A B: within 1% (and
# the few kB of a manifest and config).
bytes_of() {
	printf '%s\n' "$1" | python3 -c '
import re, sys
m = re.search(r"([0-9.]+) (B|kB|MB|GB)", sys.stdin.read())
print(int(float(m[1]) * {"B": 1, "kB": 1e3, "MB": 1e6, "GB": 1e9}[m[2]]))'
}
near() { python3 -c "import sys; f, w = $1, $2; sys.exit(not (w <= f * 1.01 + 16384 and f <= w * 1.01 + 16384))"; }
# The figures add up: rmi frees the image's SIZE less SHARED (plus its manifest and
# config), and prune then finds nothing of it left to reclaim.
want=$("$BOX" images --format json | python3 -c '
import json, sys
print([i["size"] - i["shared_size"] for i in json.load(sys.stdin) if i["tag"] == "bookworm-extra"][0])')
is "$("$BOX" images -q | grep -c '^docker.io/library/debian:bookworm')" 2 "images -q lists the references"
out=$("$BOX" rmi -f debian:bookworm-extra)
is "$?" 0 "rmi -f removes an image a sandbox uses"
is "$(layer_count)" 2 "... and keeps the layer the sandbox uses"
is "$("$BOX" images -q | grep -c ':bookworm-extra$')" 0 "... the image is gone"
like "$out" "removed debian:bookworm-extra \(0 B freed\)" "... freeing nothing while the sandbox uses it"
rm -rf "$DATA/sandboxes/s1"
out=$("$BOX" prune)
freed=$(bytes_of "$out")
check "prune frees the image's own bytes once its sandbox is gone ($freed ~ $want)" \
	near "$freed" "$want"
is "$(layer_count)" 1 "prune removed the layer no other image uses"
is "$("$BOX" prune)" "Total reclaimed space: 0 B" "a second prune finds nothing"
"$BOX" pull -q debian:bookworm-extra >/dev/null 2>&1
out=$("$BOX" rmi debian:bookworm-extra)
freed=$(bytes_of "$out")
check "rmi frees the image's SIZE less SHARED ($freed ~ $want)" \
	near "$freed" "$want"
is "$(layer_count)" 1 "rmi removed the layer no other image uses"
is "$("$BOX" prune)" "Total reclaimed space: 0 B" "prune after rmi reclaims nothing more"

# The rest uses a tiny image: extracting Debian again would only measure the disk.
python3 "$TOOL" make-tar "$T/tiny.tar" hello
python3 "$TOOL" push-image "$BOX_TEST_REGISTRY" boxtest/tiny 1 "$T/tiny.tar" >/dev/null
tiny=$BOX_TEST_REGISTRY/boxtest/tiny:1
before=$(layer_count)

# Concurrent pulls of one image: serialised by the store lock, both succeed.
"$BOX" pull -q "$tiny" >"$T/c1" 2>&1 &
p1=$!
"$BOX" pull -q "$tiny" >"$T/c2" 2>&1 &
p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
is "$r1.$r2" "0.0" "two concurrent pulls both succeed"
is "$(layer_count)" $((before + 1)) "and extract the layer once"

# prune: an unreferenced layer (its image record gone) is removed and counted.
rm -f "$DATA"/images/*tiny*.json
out=$("$BOX" prune)
is "$?" 0 "prune"
like "$out" 'Total reclaimed space: [1-9][0-9.]* [kMG]?B' "prune reports the space freed"
is "$(layer_count)" "$before" "prune removed the unreferenced layer and kept the used one"
done_testing
