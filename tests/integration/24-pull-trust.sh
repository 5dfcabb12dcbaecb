#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# What a registry cannot make box do: send docker.io's credentials to a mirror,
# send any credentials where a redirect points (a CDN that answers 401 with its own
# token realm), run a decompressor the media type does not name (or an external
# program such as lrzip from $PATH), or fill the disk with a decompression bomb.
# And a blob download that breaks half way resumes with a Range request.
. "$(dirname "$0")/../lib.sh"
. "$BOX_TOP/tests/pull-lib.sh"
need_userns
need_subuid
need_cmd python3 curl xz
need_registry

python3 "$TOOL" make-tar "$T/good.tar" hello
python3 "$TOOL" push-image "$BOX_TEST_REGISTRY" boxtest/trust 1 "$T/good.tar" >/dev/null
b64() { printf '%s' "$1" | base64 -w0; }
auth_json() { printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$1" "$(b64 "$2")" >"$XDG_CONFIG_HOME/containers/auth.json"; }
mkdir -p "$XDG_CONFIG_HOME/containers"

# --- 4: a mirror never gets the credentials stored for docker.io ---
start_proxy mirror --token --log "$T/mirror.log"
mirror_to "http://127.0.0.1:$PORT"
auth_json docker.io hubuser:hubsecret
"$BOX" pull -q docker.io/boxtest/trust:1 >/dev/null 2>"$T/err"
is "$?" 0 "pull docker.io through a mirror with a token service"
grep -q '^GET /token' "$T/mirror.log" && ok "the mirror's token service was asked" || fail "no token request"
unlike "$(cat "$T/mirror.log")" "auth=Basic" "docker.io's credentials are not sent to the mirror"
"$BOX" rmi docker.io/boxtest/trust:1 >/dev/null 2>&1
: >"$T/mirror.log"
auth_json "127.0.0.1:$PORT" mirroruser:mirrorsecret
"$BOX" pull -q docker.io/boxtest/trust:1 >/dev/null 2>"$T/err"
is "$?" 0 "pull again with credentials stored for the mirror host"
like "$(cat "$T/mirror.log")" "auth=Basic $(b64 mirroruser:mirrorsecret)" "the mirror gets its own credentials"
"$BOX" rmi docker.io/boxtest/trust:1 >/dev/null 2>&1

# --- 5: a redirect target never gets credentials, and its token realm is not honoured ---
start_recorder realm
realm=$PORT
start_recorder cdn --challenge "http://127.0.0.1:$realm/token"
cdn=$PORT
start_proxy reg --token --redirect-to "http://127.0.0.1:$cdn" --log "$T/reg.log"
reg=$PORT
printf '[registry "127.0.0.1:%s"]\ninsecure = true\n' "$reg" >"$BOX_CONFIG"
auth_json "127.0.0.1:$reg" reguser:regsecret
"$BOX" pull -q "127.0.0.1:$reg/boxtest/trust:1" >/dev/null 2>"$T/err"
is "$?" 125 "a blob redirected to a CDN that asks for credentials fails"
one_line_error "and says credentials go only to the registry" "$T/err" "sends credentials only to the registry itself"
like "$(cat "$T/reg.log")" "GET /token.* auth=Basic $(b64 reguser:regsecret)" "the registry's own realm got the credentials"
grep -q '^GET /v2/boxtest/trust/blobs/' "$T/cdn.requests" && ok "the blob request reached the CDN" || fail "the CDN saw no blob request"
unlike "$(cat "$T/cdn.requests")" "auth=[^ ]" "the CDN got no credentials"
is "$(wc -l <"$T/realm.requests")" 0 "the realm the CDN named was never asked"

# --- 8: a blob download cut half way resumes with Range ---
python3 "$TOOL" make-tar "$T/random.tar" random
python3 "$TOOL" push-image "$BOX_TEST_REGISTRY" boxtest/big 1 "$T/random.tar" >/dev/null
bdig=$(manifest_json boxtest/big 1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["layers"][0]["digest"])')
bsize=$(manifest_json boxtest/big 1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["layers"][0]["size"])')
start_proxy cut --cut "$bdig" --log "$T/cut.log"
mirror_to "http://127.0.0.1:$PORT"
out=$("$BOX" pull -q docker.io/boxtest/big:1 2>"$T/err")
is "$?" 0 "a pull whose blob download is cut half way completes"
[ -s "$T/err" ] && diag "$(cat "$T/err")"
is "$out" "sha256:$(manifest_json boxtest/big 1 | sha256sum | cut -d' ' -f1)" "with the right manifest digest"
like "$(grep "blobs/$bdig" "$T/cut.log" | tail -1)" "range=bytes=$((bsize / 2))-\$" "the rest was asked for with Range from where it broke"
is "$(grep -c "blobs/$bdig" "$T/cut.log")" 2 "the blob was requested twice, not started over again"
layer=$(find "$DATA/layers" -mindepth 1 -maxdepth 1 -name '[0-9a-f]*' -newer "$T/random.tar" | head -1)
tar -xOf "$T/random.tar" random.bin | cmp -s - "$layer/random.bin" && ok "the layer's file is complete" || fail "the layer's file differs"

# --- 8: the layer is synced before the rename that publishes it, the rename after ---
# (observed with an LD_PRELOAD logger: strace cannot follow into the user namespace)
cc -shared -fPIC -o "$T/synclog.so" "$BOX_TOP/tests/synclog.c" -ldl
"$BOX" rmi docker.io/boxtest/big:1 >/dev/null 2>&1
SYNCLOG=$T/synclog LD_PRELOAD=$T/synclog.so "$BOX" pull -q docker.io/boxtest/big:1 >/dev/null 2>"$T/err"
is "$?" 0 "pull with the sync logger"
order=$(sed -E 's/ +$//; s|^rename .*/layers/[0-9a-f]{64}$|publish|; t; s|^fsync .*/layers$|dir|; t; s|^syncfs.*|syncfs|; t; s|.*|other|' "$T/synclog" |
	grep -v other | uniq | tr '\n' ' ')
is "$order" "syncfs publish dir " "the layer tree is synced, renamed into place, and the rename synced"
# BOX_PULL_SYNC=files (measured in tests/bench/bench-pull-layers.sh): each file and directory
# the layer wrote is fsync'd, then the tree's root, then the rename, then the rename's directory.
"$BOX" rmi docker.io/boxtest/big:1 >/dev/null 2>&1
BOX_PULL_SYNC=files SYNCLOG=$T/synclog2 LD_PRELOAD=$T/synclog.so "$BOX" pull -q docker.io/boxtest/big:1 >/dev/null 2>&1
order=$(sed -E 's/ +$//; s|^fsync .*/layers/\.tmp-[^/]+/random\.bin$|file|; t; s|^fsync .*/layers/\.tmp-[^/]+$|tree|; t
	s|^rename .*/layers/[0-9a-f]{64}$|publish|; t; s|^fsync .*/layers$|dir|; t; s|^syncfs.*|syncfs|; t; s|.*|other|' "$T/synclog2" |
	grep -v other | uniq | tr '\n' ' ')
is "$order" "file tree publish dir " "BOX_PULL_SYNC=files syncs the layer's file and its tree before the rename instead"

# --- 6: only the decompressor the media type names ---
use_test_registry
# (each image gets its own layer: one already in the store would not be fetched)
HELLO=xz python3 "$TOOL" make-tar "$T/xz.tar" hello
xz -c "$T/xz.tar" >"$T/xz.tar.xz"
python3 "$TOOL" push-image "$BOX_TEST_REGISTRY" boxtest/xzgz 1 "$T/xz.tar" --blob "$T/xz.tar.xz" >/dev/null
"$BOX" pull -q docker.io/boxtest/xzgz:1 >/dev/null 2>"$T/err"
is "$?" 125 "an xz blob whose media type says gzip is refused"
one_line_error "and the error says so" "$T/err" "layer 0: the media type says gzip, but the blob is not"
# libarchive decompresses lrzip with the lrzip program from $PATH
mkdir -p "$T/bin"
HELLO=lrzip python3 "$TOOL" make-tar "$T/lrz.tar" hello
printf '#!/bin/sh\ntouch %s\ncat %s\n' "$T/lrzip-ran" "$T/lrz.tar" >"$T/bin/lrzip"
chmod +x "$T/bin/lrzip"
printf 'LRZI\000\006%s' "$(head -c 64 /dev/zero | tr '\0' x)" >"$T/fake.lrz"
python3 "$TOOL" push-image "$BOX_TEST_REGISTRY" boxtest/lrz 1 "$T/lrz.tar" --blob "$T/fake.lrz" >/dev/null
PATH=$T/bin:$PATH "$BOX" pull -q docker.io/boxtest/lrz:1 >/dev/null 2>"$T/err"
is "$?" 125 "an lrzip blob whose media type says gzip is refused"
[ -e "$T/lrzip-ran" ] && fail "no external decompressor runs" || ok "no external decompressor runs"
diag "$(cat "$T/err")"

# --- 7: a decompression bomb stops at max_layer_size, nothing kept ---
ZEROS_MB=48 python3 "$TOOL" make-tar "$T/zeros.tar" zeros
python3 "$TOOL" push-image "$BOX_TEST_REGISTRY" boxtest/bomb 1 "$T/zeros.tar" >/dev/null
diag "bomb: $(manifest_json boxtest/bomb 1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["layers"][0]["size"])') bytes of gzip for 48 MiB"
before=$(layer_count)
printf '\n[image]\nmax_layer_size = 8M\n' >>"$BOX_CONFIG"
"$BOX" pull -q docker.io/boxtest/bomb:1 >/dev/null 2>"$T/err"
is "$?" 125 "a layer unpacking past max_layer_size fails"
one_line_error "and says which limit" "$T/err" "layer 0 unpacks to more than 8M, the limit set by max_layer_size in \[image\] of config.ini"
is "$(layer_count).$(tmp_count)" "$before.0" "no layer and no temporary directory left"
use_test_registry
"$BOX" pull -q docker.io/boxtest/bomb:1 >/dev/null 2>"$T/err"
is "$?" 0 "with the default limit the same image pulls"
done_testing
