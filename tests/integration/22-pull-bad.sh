#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Hostile or broken registries: a tampered blob, a truncated blob, an unknown layer
# media type, a layer with "../", a layer escaping through an absolute symlink, and a
# registry that is down. Each fails with status 125 and one line saying why, leaves
# nothing in the store or outside it, and the next good pull works.
. "$(dirname "$0")/../lib.sh"
. "$BOX_TOP/tests/pull-lib.sh"
need_userns
need_subuid
need_cmd python3 curl
need_registry

python3 "$TOOL" make-tar "$T/good.tar" hello
python3 "$TOOL" push-image "$BOX_TEST_REGISTRY" boxtest/good 1 "$T/good.tar" >/dev/null
ldig=$(manifest_json boxtest/good 1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["layers"][0]["digest"])')
mkdir -p "$T/outside"

# good_pull NAME: the next pull of a good image (straight from the registry) works.
good_pull() {
	use_test_registry
	if "$BOX" pull -q "docker.io/boxtest/good:1" >/dev/null 2>"$T/good.err"; then ok "$1"; else
		fail "$1"; sed 's/^/#   | /' "$T/good.err"
	fi
	"$BOX" rmi docker.io/boxtest/good:1 >/dev/null 2>&1
}

# bad_pull NAME REF REGEX: a -q pull fails with 125, one line matching REGEX, no leftovers.
bad_pull() {
	local before
	before=$(layer_count)
	"$BOX" pull -q "$2" >/dev/null 2>"$T/bad.err"
	is "$?" 125 "$1: status 125"
	one_line_error "$1: one-line error" "$T/bad.err" "$3"
	diag "$(cat "$T/bad.err")"
	is "$(layer_count).$(tmp_count)" "$before.0" "$1: no layer and no temporary directory left"
	is "$(find "$T" -name escape-marker | wc -l)" 0 "$1: nothing written outside the layer"
	good_pull "$1: the next good pull works"
}

start_proxy tamper --tamper "$ldig"
mirror_to "http://127.0.0.1:$PORT"
bad_pull "tampered blob" boxtest/good:1 'does not match its digest'

start_proxy trunc --truncate "$ldig"
mirror_to "http://127.0.0.1:$PORT"
bad_pull "truncated blob" boxtest/good:1 'failed|truncated|closed'

python3 "$TOOL" push-image "$BOX_TEST_REGISTRY" boxtest/badmt 1 "$T/good.tar" \
	--layer-mt application/vnd.example.layer.v1.tar+lzip >/dev/null
use_test_registry
bad_pull "unknown media type" boxtest/badmt:1 "unsupported media type 'application/vnd.example.layer.v1.tar\+lzip'"

python3 "$TOOL" make-tar "$T/dotdot.tar" dotdot
python3 "$TOOL" push-image "$BOX_TEST_REGISTRY" boxtest/dotdot 1 "$T/dotdot.tar" >/dev/null
use_test_registry
bad_pull "layer with ../" boxtest/dotdot:1 "\.\."

ESCAPE_DIR=$T/outside python3 "$TOOL" make-tar "$T/abs.tar" abs-symlink
python3 "$TOOL" push-image "$BOX_TEST_REGISTRY" boxtest/abslink 1 "$T/abs.tar" >/dev/null
use_test_registry
bad_pull "absolute symlink escape" boxtest/abslink:1 "."
is "$(ls -A "$T/outside" | wc -l)" 0 "the symlink target outside stays empty"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mirror_to "http://127.0.0.1:$port"
start=$(date +%s)
bad_pull "registry down" debian:bookworm "cannot reach docker\.io \(http://127\.0\.0\.1:$port\): Connection refused"
ok_time=$(( $(date +%s) - start ))
if [ "$ok_time" -lt 15 ]; then ok "a down registry fails within seconds (${ok_time}s)"; else fail "a down registry took ${ok_time}s"; fi
done_testing
