#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# box commit and box push, checked by a real peer: podman pulls the pushed image from
# the loopback registry and runs it. A file written inside is there, a file deleted
# inside is absent (whiteout), a directory emptied and refilled is opaque, and the
# base image's layer is shared (same digest, not uploaded again).
. "$(dirname "$0")/../lib.sh"
need_userns
need_subuid
need_fuse
need_registry
need_cmd podman runc
use_test_registry
cd "$HOME" || skip_all "no home directory"
me=$(id -un)
repo=boxtest/committed-$$
at_exit "'$BOX' stop --time 1 cp1"

use_podman

check "create a sandbox" "$BOX" create cp1 --image debian
"$BOX" enter --root cp1 -- sh -c 'echo written-inside >/etc/box-made; rm /etc/issue;
	rm -rf /usr/share/doc; mkdir -p /usr/share/doc; echo refilled >/usr/share/doc/new;
	chown 4321:4321 /etc/box-made' || fail "change the sandbox"
"$BOX" enter cp1 -- true
out=$("$BOX" commit -m "from the test" -c 'ENV BOXTEST=yes' -c 'CMD ["cat", "/etc/box-made"]' \
	cp1 "$BOX_TEST_REGISTRY/$repo:1" 2>&1); rc=$?
is "$rc" 0 "commit of a running sandbox (frozen meanwhile)"
like "$out" "1 new layer" "... adds one layer"
d=$XDG_DATA_HOME/box/blobs/sha256
blob=$(ls -t "$d" | head -3 | while read -r b; do tar tf "$d/$b" >/dev/null 2>&1 && echo "$b"; done | head -1)
list=$(tar tvf "$d/$blob" 2>/dev/null)
like "$list" "etc/.wh.issue" "the deletion is a .wh. whiteout in the layer"
like "$list" "usr/share/doc/.wh..wh..opq" "the refilled directory is opaque in the layer"
is "$(echo "$list" | grep -c '\.wh\.\.wh\.\.opq')" 1 "... with one opaque marker"
like "$list" "4321/4321 .* etc/box-made" "owners are the image's own ids"
unlike "$list" "sudoers.d/box-" "the sudoers drop-in for the user is left out"
unlike "$(tar xOf "$d/$blob" etc/passwd 2>/dev/null)" "^$me:" "the user's passwd line is left out"

# push: the base layer is in the registry already (the base came from it)
before=$(curl -s "http://$BOX_TEST_REGISTRY/v2/library/debian/manifests/bookworm" \
	-H 'Accept: application/vnd.docker.distribution.manifest.v2+json,application/vnd.oci.image.manifest.v1+json' |
	grep -o '"digest":"sha256:[0-9a-f]*"' | sed -n 2p | cut -d'"' -f4)
out=$("$BOX" push "$BOX_TEST_REGISTRY/$repo:1" "$BOX_TEST_REGISTRY/$repo:1" 2>&1); rc=$?
is "$rc" 0 "push to the loopback registry"
like "$out" "2 blob\(s\) uploaded, 1 mounted, 0 already there" "only the new layer and the config are uploaded; the base layer is mounted"
like "$out" "${before:0:19}  mounted" "... the mounted one is the base image's layer"
out=$("$BOX" push "$BOX_TEST_REGISTRY/$repo:1" "$BOX_TEST_REGISTRY/$repo:2" 2>&1)
like "$out" "0 blob\(s\) uploaded, 0 mounted, 3 already there" "a second push sends no blob again"
got=$(curl -s "http://$BOX_TEST_REGISTRY/v2/$repo/manifests/1" -H 'Accept: application/vnd.oci.image.manifest.v1+json' |
	grep -o '"digest":"sha256:[0-9a-f]*"' | sed -n 2p | cut -d'"' -f4)
is "$got" "$before" "the pushed image's base layer digest is the base image's"

out=$(podman run --rm --network none "$BOX_TEST_REGISTRY/$repo:1" 2>&1)
is "$(echo "$out" | tail -1)" written-inside "podman runs the pushed image: the file written inside, by the image's CMD"
out=$(podman run --rm --network none "$BOX_TEST_REGISTRY/$repo:1" sh -c \
	'test -e /etc/issue && echo present || echo absent; ls /usr/share/doc; echo $BOXTEST; stat -c %u /etc/box-made' 2>&1)
like "$out" "absent" "a file deleted inside is absent in podman's view"
like "$out" "^new$" "the opaque directory holds only what was written after"
like "$out" "^yes$" "--change ENV is in the image"
like "$out" "^4321$" "an owner set inside is kept"
unlike "$(podman run --rm --network none "$BOX_TEST_REGISTRY/$repo:1" ls /etc/sudoers.d 2>&1)" "box-" \
	"podman sees no sudoers drop-in of box"

check "box runs the committed image too" "$BOX" create cp2 --image "$BOX_TEST_REGISTRY/$repo:1"
is "$("$BOX" enter cp2 -- cat /etc/box-made 2>&1)" written-inside "... with the file written inside"
"$BOX" stop --time 1 cp2 >/dev/null 2>&1

out=$("$BOX" commit cp1 "bad ref::" 2>&1); rc=$?
is "$rc" 125 "a bad image name is refused with 125"
out=$("$BOX" commit -c 'RUN make' cp1 x:1 2>&1); rc=$?
is "$rc" 125 "an unsupported --change is refused with 125"
like "$out" "unsupported --change 'RUN make'" "... naming it"
# A registry that refuses: docker-registry in read-only maintenance mode.
rport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$T/ro"
cat >"$T/ro.yml" <<EOF2
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $T/ro
  maintenance:
    readonly:
      enabled: true
http:
  addr: 127.0.0.1:$rport
EOF2
docker-registry serve "$T/ro.yml" >"$T/ro.log" 2>&1 &
rpid=$!
at_exit "kill $rpid"
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$rport/v2/" && break; sleep 0.1; done
printf '\n[registry "127.0.0.1:%s"]\ninsecure = true\n' "$rport" >>"$BOX_CONFIG"
out=$("$BOX" push "$BOX_TEST_REGISTRY/$repo:1" "127.0.0.1:$rport/ro/img:1" 2>&1); rc=$?
is "$rc" 125 "a push the registry refuses fails with 125"
like "$out" "refused the upload \(HTTP 405\): Method not allowed" "... with the registry's own error text"
out=$("$BOX" push nosuch:1 "$BOX_TEST_REGISTRY/$repo:3" 2>&1); rc=$?
is "$rc" 125 "push of a missing image fails with 125"
done_testing
