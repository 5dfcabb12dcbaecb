#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# kill -9 of a pull half way through a layer (a proxy sends half the blob, then stalls):
# the extraction stops with it, what it leaves is a .tmp-* directory no lookup
# trusts, and the next pull removes it, completes and verifies.
. "$(dirname "$0")/../lib.sh"
. "$BOX_TOP/tests/pull-lib.sh"
need_userns
need_subuid
need_cmd python3 curl
need_registry

ldig=$(manifest_json library/debian bookworm | python3 -c 'import json,sys; print(json.load(sys.stdin)["layers"][0]["digest"])')
start_proxy stall --stall "$ldig"
mirror_to "http://127.0.0.1:$PORT"
"$BOX" pull debian:bookworm >/dev/null 2>"$T/err" &
pid=$!
n=0
for _ in $(seq 1200); do
	# directories get their final modes at the end; the top level is readable early
	n=$(find "$DATA/layers" -mindepth 2 -maxdepth 2 -path '*/.tmp-*' 2>/dev/null | wc -l)
	[ "$n" -gt 5 ] && break
	kill -0 $pid 2>/dev/null || break
	sleep 0.1
done
sleep 2 # the proxy stalls half way through the blob: the pull is waiting there
kill -9 $pid
wait $pid
is "$?" 137 "the pull was killed half way"
sleep 0.5
a=$(find "$DATA/layers" -path '*/.tmp-*' 2>/dev/null | wc -l)
sleep 1
b=$(find "$DATA/layers" -path '*/.tmp-*' 2>/dev/null | wc -l)
if [ -z "$(ps -o pid= -u "$(id -u)" -o args= | grep -F "$BOX pull debian:bookworm" | grep -v grep)" ]; then
	ok "no pull process outlives the killed one"
else
	fail "no pull process outlives the killed one"
fi
is "$a" "$b" "extraction stopped with the killed pull"
is "$(tmp_count)" 1 "a .tmp-* directory is left behind"
is "$(layer_count)" 0 "no layer was renamed into place"
is "$(ls "$DATA/images" | wc -l)" 0 "no image record was written"
check_fails "the image is not in the store" "$BOX" rmi debian:bookworm

use_test_registry
out=$("$BOX" pull -q debian:bookworm 2>"$T/err2")
is "$?" 0 "the next pull completes"
like "$out" '^sha256:[0-9a-f]{64}$' "and verifies the manifest digest"
is "$(tmp_count)" 0 "the leftover was removed"
is "$(layer_count)" 1 "the layer is in place"
layer=$(find "$DATA/layers" -mindepth 1 -maxdepth 1 -name '[0-9a-f]*' | head -1)
if [ -s "$layer/etc/debian_version" ] && [ -x "$layer/bin/sh" ] || [ -L "$layer/bin" ]; then
	ok "the layer is complete enough to run"
else
	fail "the layer is complete enough to run"
fi
like "$("$BOX" images)" 'docker\.io/library/debian +bookworm' "images lists the image"
done_testing
