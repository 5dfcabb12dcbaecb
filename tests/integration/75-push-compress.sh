#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# box push sends compressed layers, checked by real peers on the loopback registry:
# the layers of the pushed manifest are gzip (or zstd, or plain tar with
# --compression-format none), each unpacks to its config diff_id, skopeo reads the
# image and podman pulls and runs it. The image's base is an imported Alpine, whose
# layer box keeps only extracted and the registry has never seen: push writes it
# again from its files instead of failing; both are sent as they are compressed. A
# second push compresses nothing and uploads no blob; a damaged entry of the
# compression cache is computed again; a higher level is not served a level-1 blob;
# prune removes the entries of layers that are gone.
. "$(dirname "$0")/../lib.sh"
need_userns
need_subuid
need_fuse
need_registry
need_cmd podman runc skopeo curl python3
ALPINE=${BOX_TEST_ALPINE:-/var/cache/box-tests/alpine-minirootfs-3.20.3-x86_64.tar.gz}
[ -r "$ALPINE" ] || skip_all "no Alpine minirootfs at $ALPINE (set BOX_TEST_ALPINE)"
use_test_registry
use_podman
cd "$HOME" || skip_all "no home directory"
img=localhost/pc/made:1
reg=$BOX_TEST_REGISTRY
repo=boxtest/compressed-$$
store=$XDG_DATA_HOME/box
at_exit "'$BOX' stop --time 1 pc1"
accept='Accept: application/vnd.oci.image.manifest.v1+json'

manifest() { curl -s "http://$reg/v2/$1/manifests/$2" -H "$accept"; }
# "MEDIATYPE DIGEST" of each layer of a pushed manifest, then "config DIGEST"
layers() {
	manifest "$1" "$2" | python3 -c 'import json,sys
m = json.load(sys.stdin)
for l in m["layers"]: print(l["mediaType"], l["digest"])
print("config", m["config"]["digest"])'
}
blob() { curl -s "http://$reg/v2/$1/blobs/$2"; }
magic() { blob "$1" "$2" | head -c 4 | od -An -tx1 | tr -d ' \n'; }
diff_ids() {
	blob "$1" "$(layers "$1" "$2" | awk '$1 == "config" {print $2}')" |
		python3 -c 'import json,sys; print(" ".join(json.load(sys.stdin)["rootfs"]["diff_ids"]))'
}
# the sha256 of each gzip or plain tar layer, unpacked
unpacked_ids() {
	layers "$1" "$2" | grep -v '^config ' | while read -r mt d; do
		case $mt in
		*+gzip) blob "$1" "$d" | gzip -dc ;;
		*) blob "$1" "$d" ;;
		esac | sha256sum | sed 's/ .*//; s/^/sha256:/'
	done | paste -sd' '
}

"$BOX" import "$ALPINE" localhost/pc/alpine:1 >/dev/null 2>&1 || fail "import the Alpine minirootfs"
check "create a sandbox" "$BOX" create pc1 --image localhost/pc/alpine:1 --network none
"$BOX" enter --root pc1 -- sh -c 'echo pushed-by-box >/etc/box-pushed; seq 1 300000 >/etc/numbers' ||
	fail "write files inside"
"$BOX" stop --time 1 pc1 >/dev/null 2>&1
check "commit it" "$BOX" commit pc1 "$img"
made=$(ls "$store/blobs/sha256" | while read -r b; do
	tar tf "$store/blobs/sha256/$b" 2>/dev/null | grep -q '^etc/numbers$' && echo "sha256:$b"; done)
[ -n "$made" ] || fail "the committed layer is kept as an uncompressed blob"

# gzip by default; the imported base layer is written again from its files
out=$("$BOX" push "$img" "$reg/$repo:1" 2>&1); rc=$?
is "$rc" 0 "push of an image whose base layer is kept only extracted"
like "$out" "3 blob\(s\) uploaded, 0 mounted, 0 already there" "... both layers and the config are uploaded"
like "$out" "2 layer\(s\) compressed \(gzip\), 1 written again from the extracted files" \
	"... the base layer is written again, both are compressed"
l=$(layers "$repo" 1)
is "$(echo "$l" | grep -c '^application/vnd.oci.image.layer.v1.tar+gzip ')" 2 "the pushed layers are tar+gzip"
is "$(magic "$repo" "$(echo "$l" | sed -n 2p | cut -d' ' -f2)")" 1f8b0800 "... and the blob is gzip data"
ids=$(diff_ids "$repo" 1)
is "$(unpacked_ids "$repo" 1)" "$ids" "each layer unpacks to its diff_id in the pushed config"
is "${ids#* }" "$made" "the committed layer's diff_id is unchanged: its uncompressed tar's"
csize=$(blob "$repo" "$(echo "$l" | sed -n 2p | cut -d' ' -f2)" | wc -c)
usize=$(stat -c %s "$store/blobs/sha256/${made#sha256:}")
[ "$csize" -lt $((usize / 2)) ] && ok "the compressed layer is less than half as large ($csize < $usize bytes)" ||
	fail "the compressed layer is $csize bytes, the tar $usize"
is "$(skopeo inspect --tls-verify=false --format '{{len .Layers}}' "docker://$reg/$repo:1" 2>&1)" 2 \
	"skopeo inspect reads the pushed image"
check "podman pull of the pushed image" podman pull -q "$reg/$repo:1"
is "$(podman run --rm --network none "$reg/$repo:1" cat /etc/box-pushed 2>&1 | tail -1)" pushed-by-box \
	"podman run prints the file written in the sandbox"
is "$(podman run --rm --network none "$reg/$repo:1" cat /etc/alpine-release 2>&1 | tail -1)" \
	"$(tar xzOf "$ALPINE" ./etc/alpine-release 2>/dev/null || tar xzOf "$ALPINE" etc/alpine-release)" \
	"... and the base layer written again is Alpine's"

# a second push: nothing compressed, nothing written again, no blob uploaded
out=$("$BOX" push "$img" "$reg/$repo:2" 2>&1); rc=$?
is "$rc" 0 "a second push"
like "$out" "0 blob\(s\) uploaded, 0 mounted, 3 already there" "... uploads no blob"
like "$out" "0 layer\(s\) compressed \(gzip\)$" "... compresses nothing and writes nothing again"
is "$(manifest "$repo" 2 | sha256sum)" "$(manifest "$repo" 1 | sha256sum)" "... and pushes the same manifest"

# another repository of the same registry: the layers box made are mounted from the first
out=$("$BOX" push "$img" "$reg/$repo-other:1" 2>&1); rc=$?
is "$rc" 0 "a push to another repository"
sum=$(printf '%s\n' "$out" | grep '^box: pushed')
like "$sum" "1 blob\(s\) uploaded, 2 mounted" "... mounts the two layers box made and sends only the config"
is "$(layers "$repo-other" 1)" "$(layers "$repo" 1)" "... and names the same layers"
is "$(podman run --rm --network none "$reg/$repo-other:1" cat /etc/box-pushed 2>&1 | tail -1)" \
	pushed-by-box "... and podman runs it"

# a damaged cache entry is computed again
entry=$store/compressed/gzip/${made#sha256:}
[ -f "$entry" ] && ok "the cache has an entry for the committed layer" || fail "no cache entry at $entry"
head -c 60 "$entry" >"$entry.cut" && mv "$entry.cut" "$entry"
out=$("$BOX" push "$img" "$reg/$repo:3" 2>&1); rc=$?
is "$rc" 0 "push with a damaged cache entry"
like "$out" "1 blob\(s\) uploaded, 0 mounted, 2 already there; .* 1 layer\(s\) compressed" \
	"... compresses that layer again and sends it (its digest is known only as it goes)"
is "$(manifest "$repo" 3 | sha256sum)" "$(manifest "$repo" 1 | sha256sum)" "... to the same blob"
like "$("$BOX" push "$img" "$reg/$repo:4" 2>&1)" "0 layer\(s\) compressed" "... and the entry is whole again"
is "$( (ls -A "$store/compressed/gzip"; ls -A "$store/blobs/sha256") | grep -c tmp)" 0 "no temporary file is left"

# --compression-format none: the old behaviour
out=$("$BOX" push --compression-format none "$img" "$reg/$repo-plain:1" 2>&1); rc=$?
is "$rc" 0 "push --compression-format none"
l=$(layers "$repo-plain" 1)
is "$(echo "$l" | grep -c '^application/vnd.oci.image.layer.v1.tar ')" 2 "... the layers are plain tar"
is "$(echo "$l" | sed -n 2p | cut -d' ' -f2)" "$made" "... the committed one is the kept blob itself"
is "$(podman run --rm --network none "$reg/$repo-plain:1" cat /etc/box-pushed 2>&1 | tail -1)" \
	pushed-by-box "... and podman runs it"
out=$("$BOX" push --compression none "$img" "$reg/$repo-plain:2" 2>&1)
like "$out" "0 blob\(s\) uploaded" "--compression none: a second push uploads no blob"

# zstd
out=$("$BOX" push --compression-format zstd "$img" "$reg/$repo-zstd:1" 2>&1); rc=$?
is "$rc" 0 "push --compression-format zstd"
l=$(layers "$repo-zstd" 1)
is "$(echo "$l" | grep -c '^application/vnd.oci.image.layer.v1.tar+zstd ')" 2 "... the layers are tar+zstd"
is "$(magic "$repo-zstd" "$(echo "$l" | sed -n 2p | cut -d' ' -f2)")" 28b52ffd "... and the blob is zstd data"
is "$(podman run --rm --network none "$reg/$repo-zstd:1" cat /etc/box-pushed 2>&1 | tail -1)" \
	pushed-by-box "... and podman runs it"

# another level: another blob of the same tar, and podman runs it
out=$("$BOX" push --compression-level 9 "$img" "$reg/$repo-9:1" 2>&1); rc=$?
is "$rc" 0 "push --compression-level 9" || diag "$out"
like "$out" "2 layer\(s\) compressed \(gzip\)" \
	"... compresses both layers at that level (the level-1 blobs are not mounted instead)"
[ "$(layers "$repo-9" 1 | sed -n 2p)" != "$(layers "$repo" 1 | sed -n 2p)" ] &&
	ok "... into another blob than level 1's" || fail "level 9 pushed the level-1 blob"
is "$(unpacked_ids "$repo-9" 1)" "$(diff_ids "$repo-9" 1)" "... each layer unpacks to its diff_id"
out=$("$BOX" push --compression-level 30 "$img" "$reg/$repo:5" 2>&1); rc=$?
is "$rc" 125 "a compression level out of range is refused with 125"
like "$out" "compression-level wants a number" "... saying what it wants"

out=$("$BOX" push --compression-format lz4 "$img" "$reg/$repo:5" 2>&1); rc=$?
is "$rc" 125 "an unknown compression is refused with 125"
like "$out" "unknown --compression-format 'lz4' \(gzip, zstd or none\)" "... saying which ones there are"
# a registry that goes away in the middle of a layer sent as it is compressed: a
# relay in front of it cuts every PATCH after 64 KiB of it
mkdir -p "$T/relay"
python3 "$BOX_TOP/tests/tcp-relay.py" "$reg" "$T/relay" --cut-patch 65536 &
at_exit "kill $!"
for _ in $(seq 50); do [ -s "$T/relay/relay" ] && break; sleep 0.1; done
relay=$(cat "$T/relay/relay")
printf '\n[registry "%s"]\ninsecure = true\n' "$relay" >>"$BOX_CONFIG"
out=$(timeout 120 "$BOX" push "$img" "$relay/$repo-cut:1" 2>&1); rc=$?
is "$rc" 125 "a push whose layer upload is cut half way fails with 125 (and does not hang)"
like "$(printf '%s\n' "$out" | tail -1)" "PATCH /v2/$repo-cut/blobs/uploads/.* to $relay failed" \
	"... naming the request that failed"
is "$(ls -A "$store/blobs/sha256" | grep -c tmp)" 0 "... and leaves no temporary file"

# prune: the entry of a layer the store no longer has, and a record of where a blob that
# no entry names went, are removed and counted; those of stored layers stay
"$BOX" prune >/dev/null 2>&1
gone=0000000000000000000000000000000000000000000000000000000000000007
gz=$(awk '{print $6}' "$entry") # box-layer-cache 2 KEY LEVEL DIFF_ID DIGEST SIZE SUM
[ -f "$store/compressed/where/${gz#sha256:}" ] && ok "push recorded where the committed layer's blob went" ||
	fail "no record at compressed/where/${gz#sha256:}"
cp "$entry" "$store/compressed/gzip/$gone"
printf 'http://%s boxtest/elsewhere\n' "$reg" >"$store/compressed/where/$gone"
bytes=$(($(stat -c %s "$entry") + $(stat -c %s "$store/compressed/where/$gone")))
is "$("$BOX" prune 2>&1)" "Total reclaimed space: $bytes B" \
	"prune counts an entry of a layer that is gone and a record no entry names"
[ ! -e "$store/compressed/gzip/$gone" ] && [ ! -e "$store/compressed/where/$gone" ] &&
	ok "... and removes both" || fail "prune left $(ls "$store/compressed/gzip/$gone" "$store/compressed/where/$gone" 2>&1)"
[ -f "$entry" ] && [ -f "$store/compressed/where/${gz#sha256:}" ] &&
	ok "... the entry of a stored layer and its record stay" || fail "prune removed a stored layer's entry"
"$BOX" rmi "$img" >/dev/null 2>&1 || fail "remove the committed image"
"$BOX" prune >/dev/null 2>&1
[ ! -e "$entry" ] && [ ! -e "$store/compressed/zstd/${made#sha256:}" ] &&
	ok "the committed layer gone, its entries (gzip and zstd) are gone" ||
	fail "entries left: $(ls "$store"/compressed/*/"${made#sha256:}" 2>&1)"
[ ! -e "$store/compressed/where/${gz#sha256:}" ] && ok "... and the record of where its blob went" ||
	fail "the record of ${gz#sha256:} is left"
is "$(ls "$store/compressed/gzip" | wc -l)" 1 "the base layer's entry stays"
done_testing
