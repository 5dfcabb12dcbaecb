#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# box save and box load, checked by real peers: podman loads and runs box's
# docker-archive, skopeo reads and copies box's oci-archive into the loopback registry,
# and box loads what podman save and skopeo copy write (plain, gzip and zstd layers)
# into images box runs. A truncated archive, one whose layer does not match its digest
# and a bad path each fail with one line and 125 and leave the store as it was.
. "$(dirname "$0")/../lib.sh"
need_userns
need_subuid
need_fuse
need_registry
need_cmd podman runc skopeo
ALPINE=${BOX_TEST_ALPINE:-/var/cache/box-tests/alpine-minirootfs-3.20.3-x86_64.tar.gz}
[ -r "$ALPINE" ] || skip_all "no Alpine minirootfs at $ALPINE (set BOX_TEST_ALPINE)"
use_test_registry
use_podman
cd "$HOME" || skip_all "no home directory"
img=localhost/sl/made:1
repo=boxtest/saved-$$
reg=$BOX_TEST_REGISTRY
at_exit "'$BOX' stop --time 1 sl1"

one_line() { [ "$(printf '%s\n' "$1" | wc -l)" = 1 ]; }
store_state() { "$BOX" images -q; ls -A "$XDG_DATA_HOME/box/layers"; }
# Every image and layer gone, but the Alpine base (so the store is never empty).
fresh() {
	"$BOX" rmi -f $("$BOX" images -q | grep -v '^localhost/sl/alpine:1$') >/dev/null 2>&1
	"$BOX" prune >/dev/null 2>&1
}

"$BOX" import "$ALPINE" localhost/sl/alpine:1 >/dev/null 2>&1 || fail "import the Alpine minirootfs"
check "create a sandbox" "$BOX" create sl1 --image localhost/sl/alpine:1 --network none
"$BOX" enter --root sl1 -- sh -c 'echo saved-by-box >/etc/box-saved' || fail "write a file inside"
"$BOX" stop --time 1 sl1 >/dev/null 2>&1
check "commit it" "$BOX" commit sl1 "$img"
"$BOX" rm -f sl1 >/dev/null 2>&1

# docker-archive -> podman load, podman run
out=$("$BOX" save --format docker-archive -o "$T/d.tar" "$img" 2>&1); rc=$?
is "$rc" 0 "save --format docker-archive"
like "$out" "2 layer\(s\), 1 written again from the extracted files" \
	"... the base layer, kept only extracted, is written again; the committed one is the kept blob"
is "$(ls -A "$T" | grep -c 'tmp-')" 0 "... no temporary file is left beside the archive"
like "$(podman load -i "$T/d.tar" 2>&1)" "Loaded image: $img" "podman load reads box's docker-archive"
is "$(podman run --rm --network none "$img" cat /etc/box-saved 2>&1 | tail -1)" saved-by-box \
	"podman run of it prints the file written in the sandbox"

# oci-archive -> skopeo inspect, skopeo copy to the registry
check "save writes an oci-archive by default" "$BOX" save -o "$T/o.tar" "$img"
is "$(skopeo inspect --format '{{len .Layers}} {{.Architecture}}' oci-archive:"$T/o.tar" 2>&1)" \
	"2 $(podman info --format '{{.Host.Arch}}' 2>/dev/null)" "skopeo inspect reads box's oci-archive: two layers"
check "skopeo copy oci-archive: to the loopback registry" \
	skopeo copy -q --dest-tls-verify=false oci-archive:"$T/o.tar" "docker://$reg/$repo:1"
is "$(curl -s -o /dev/null -w '%{http_code}' "http://$reg/v2/$repo/manifests/1" \
	-H 'Accept: application/vnd.oci.image.manifest.v1+json')" 200 "... the registry has the image"

# archives the peers write
check "podman save --format docker-archive" podman save -q --format docker-archive -o "$T/p.tar" "$img"
check "skopeo copy to an oci-archive (gzip layers)" \
	skopeo copy -q --src-tls-verify=false "docker://$reg/$repo:1" oci-archive:"$T/s.tar"
check "skopeo copy to an oci-archive (zstd layers)" skopeo copy -q --src-tls-verify=false \
	--dest-compress-format=zstd "docker://$reg/$repo:1" oci-archive:"$T/z.tar"
tar tvf "$T/z.tar" >/dev/null 2>&1 || fail "the zstd archive is a tar"

# box load of each, into a store without its layers
for a in o d p; do
	fresh
	out=$("$BOX" load "$T/$a.tar" 2>&1); rc=$?
	is "$rc" 0 "box load $a.tar"
	like "$out" "^$img\$" "... prints the image's name"
	like "$out" "2 layer\(s\), 2 new" "... and stores both layers"
	is "$("$BOX" run --rm "$img" -- cat /etc/box-saved 2>&1 | tail -1)" saved-by-box \
		"... box run of the loaded image sees the file"
done
fresh
out=$("$BOX" load "$T/s.tar" 2>/dev/null); rc=$?
is "$rc" 0 "box load of skopeo's archive without a name"
like "$out" "^sha256:[0-9a-f]{64}$" "... reports the image by digest"
fresh
out=$("$BOX" load -i "$T/z.tar" --tag localhost/sl/zstd:1 2>&1); rc=$?
is "$rc" 0 "box load -i --tag of skopeo's zstd archive"
like "$out" "^localhost/sl/zstd:1$" "... stores it under the tag"
like "$out" "2 layer\(s\), 2 new" "... extracting the zstd layers"
check "box create uses the loaded image" "$BOX" create sl2 --image localhost/sl/zstd:1 --network none
is "$("$BOX" enter sl2 -- cat /etc/box-saved 2>&1 | tail -1)" saved-by-box "... and sees the file"
"$BOX" stop --time 1 sl2 >/dev/null 2>&1
"$BOX" rm -f sl2 >/dev/null 2>&1

# bad archives: one line, 125, the store as it was
fresh
before=$(store_state)
head -c $(($(stat -c %s "$T/o.tar") / 2)) "$T/o.tar" >"$T/trunc.tar"
out=$("$BOX" load "$T/trunc.tar" 2>&1); rc=$?
is "$rc" 125 "a truncated archive fails with 125"
one_line "$out" && like "$out" "truncated" "... in one line that says so"
mkdir "$T/bad" && tar -C "$T/bad" -xf "$T/o.tar"
layer=$(ls -S "$T/bad/blobs/sha256" | head -1)
tar -C "$T/bad" -cf "$T/bad/other.tar" oci-layout
cp "$T/bad/other.tar" "$T/bad/blobs/sha256/$layer"
tar -C "$T/bad" -cf "$T/mismatch.tar" oci-layout index.json blobs
out=$("$BOX" load "$T/mismatch.tar" 2>&1); rc=$?
is "$rc" 125 "a layer that does not match its digest fails with 125"
one_line "$out" && like "$out" "does not match its digest" "... in one line that says so"
out=$("$BOX" load "$T/nosuch.tar" 2>&1); rc=$?
is "$rc" 125 "a bad path fails with 125"
one_line "$out" && like "$out" "No such file" "... in one line"
out=$("$BOX" load /etc/hostname 2>&1); rc=$?
is "$rc" 125 "a file that is not an archive fails with 125"
one_line "$out" && ok "... in one line"
is "$(store_state)" "$before" "box images and the layers are as they were"
is "$(ls -A "$XDG_DATA_HOME/box/layers" | grep -c tmp)" 0 "... no partial layer is left"

out=$("$BOX" save -o "$T/nodir/x.tar" "$img" 2>&1); rc=$?
is "$rc" 125 "save into a missing directory fails with 125"
out=$("$BOX" save -o "$T/x.tar" nosuch:1 2>&1); rc=$?
is "$rc" 125 "save of a missing image fails with 125"
is "$(ls -A "$T" | grep -c 'x.tar')" 0 "... and leaves no file behind"
out=$("$BOX" save --format zip -o "$T/x.tar" "$img" 2>&1); rc=$?
is "$rc" 125 "an unknown --format is refused with 125"
done_testing
