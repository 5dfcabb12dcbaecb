#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A multi-layer pull: the layers download and unpack in parallel, the largest one first
# (so it never waits behind the small ones), each complete in its own directory, and the
# progress without a terminal is one line per layer start and end.
. "$(dirname "$0")/../lib.sh"
. "$BOX_TOP/tests/pull-lib.sh"
need_userns
need_subuid
need_cmd python3 curl
need_registry
use_test_registry

HELLO="small one" python3 "$TOOL" make-tar "$T/a.tar" hello
HELLO="small two" python3 "$TOOL" make-tar "$T/b.tar" hello
FILL_MB=3 FILL_SEED=7 python3 "$TOOL" make-tar "$T/big.tar" fill
python3 "$TOOL" push-stack "$BOX_TEST_REGISTRY" boxtest/layers 1 "$T/a.tar" "$T/b.tar" "$T/big.tar" >/dev/null
m=$(manifest_json boxtest/layers 1)
big=$(printf '%s' "$m" | python3 -c 'import json,sys; print(json.load(sys.stdin)["layers"][2]["digest"][7:19])')

"$BOX" pull docker.io/boxtest/layers:1 >/dev/null 2>"$T/err"
is "$?" 0 "pull a 3-layer image whose last layer is the largest"
starts=$(grep -E '^Copying blob [0-9a-f]{12} \(' "$T/err")
is "$(printf '%s\n' "$starts" | wc -l)" 3 "one start line per layer"
like "$(printf '%s\n' "$starts" | head -1)" "^Copying blob $big " "the largest layer starts first"
is "$(grep -cE '^Copying blob [0-9a-f]{12} done in' "$T/err")" 3 "one end line per layer"
is "$(layer_count).$(tmp_count)" "3.0" "three layers published, no temporary directory left"
found=$(cat "$DATA"/layers/*/hello.txt | sort | tr '\n' ' ')
is "$found" "small one small two " "each small layer holds its file"
is "$(find "$DATA"/layers/*/fill -type f | wc -l)" "$(tar -tf "$T/big.tar" | grep -c '^fill/.')" \
	"the large layer holds all its files"
"$BOX" rmi docker.io/boxtest/layers:1 >/dev/null 2>&1
done_testing
