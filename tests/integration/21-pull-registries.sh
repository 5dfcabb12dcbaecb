#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Registries as they are out there: a multi-architecture index (box picks amd64), a
# registry behind an anonymous bearer-token service (like Docker Hub), and one with
# htpasswd Basic auth whose credentials come from auth.json / ~/.docker/config.json.
. "$(dirname "$0")/../lib.sh"
. "$BOX_TOP/tests/pull-lib.sh"
need_userns
need_subuid
need_cmd python3 curl htpasswd docker-registry
need_registry
[ "$(uname -m)" = x86_64 ] || skip_all "the index test expects an amd64 host"

# --- multi-arch index: arm64 listed first, amd64 second ---
HELLO=amd64 python3 "$TOOL" make-tar "$T/amd64.tar" hello
HELLO=arm64 python3 "$TOOL" make-tar "$T/arm64.tar" hello
python3 "$TOOL" push-image "$BOX_TEST_REGISTRY" boxtest/multi amd64 "$T/amd64.tar" >/dev/null
python3 "$TOOL" push-image "$BOX_TEST_REGISTRY" boxtest/multi arm64 "$T/arm64.tar" --arch arm64 --variant v8 >/dev/null
python3 "$TOOL" push-index "$BOX_TEST_REGISTRY" boxtest/multi latest arm64 amd64 >/dev/null
amd=$(manifest_json boxtest/multi amd64 | sha256sum | cut -d' ' -f1)
use_test_registry
out=$("$BOX" pull -q docker.io/boxtest/multi 2>"$T/err")
is "$?" 0 "pull a multi-arch index"
is "$out" "sha256:$amd" "the amd64 manifest was picked"
layer=$(find "$DATA/layers" -mindepth 1 -maxdepth 1 -name '[0-9a-f]*' | head -1)
is "$(cat "$layer/hello.txt" 2>/dev/null)" amd64 "the amd64 layer was extracted"

# --- bearer token service in front of the registry ---
start_proxy token --token
is "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/v2/boxtest/multi/manifests/amd64")" 401 \
	"the token proxy refuses requests without a token"
printf '[registry "127.0.0.1:%s"]\ninsecure = true\n' "$PORT" >"$BOX_CONFIG"
out=$("$BOX" pull -q "127.0.0.1:$PORT/boxtest/multi:amd64" 2>"$T/err")
is "$?" 0 "pull through the bearer-token challenge"
tokenport=$PORT
is "$out" "sha256:$amd" "same image through the token proxy"

# --- blobs redirected to another host: the token must not follow ---
start_proxy cdn --token --redirect
printf '[registry "127.0.0.1:%s"]\ninsecure = true\n' "$PORT" >"$BOX_CONFIG"
"$BOX" rmi "127.0.0.1:$tokenport/boxtest/multi:amd64" docker.io/boxtest/multi >/dev/null 2>&1
is "$(layer_count)" 0 "store emptied for the redirect test"
out=$("$BOX" pull -q "127.0.0.1:$PORT/boxtest/multi:amd64" 2>"$T/err")
is "$?" 0 "blob redirects to another host are followed without the token"
[ -s "$T/err" ] && diag "$(cat "$T/err")"
amdlayer=$(manifest_json boxtest/multi amd64 | python3 -c 'import json,sys; print(json.load(sys.stdin)["layers"][0]["digest"])')
like "$(cat "$T/proxy.cdn.log")" "cdn /v2/boxtest/multi/blobs/$amdlayer" "the layer came through the redirect"

# --- retries: two 503s, then the registry answers ---
start_proxy flaky --flaky 2
printf '[registry "127.0.0.1:%s"]\ninsecure = true\n' "$PORT" >"$BOX_CONFIG"
out=$("$BOX" pull -q "127.0.0.1:$PORT/boxtest/multi:amd64" 2>"$T/err")
is "$?" 0 "5xx answers are retried"

# --- rate limited ---
start_proxy limited --status 429
printf '[registry "127.0.0.1:%s"]\ninsecure = true\n' "$PORT" >"$BOX_CONFIG"
"$BOX" pull -q "127.0.0.1:$PORT/boxtest/multi:amd64" >/dev/null 2>"$T/err"
is "$?" 125 "a rate-limited pull fails"
like "$(cat "$T/err")" "rate limited by 127\.0\.0\.1:$PORT" "and says it was rate limited"

# --- htpasswd Basic auth on a second registry ---
bport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
htpasswd -Bbn boxuser s3cret >"$T/htpasswd"
mkdir -p "$T/reg"
cat >"$T/reg.yml" <<EOF2
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $T/reg
http:
  addr: 127.0.0.1:$bport
auth:
  htpasswd:
    realm: box-test
    path: $T/htpasswd
EOF2
docker-registry serve "$T/reg.yml" >"$T/reg.log" 2>&1 &
rpid=$!
at_exit "kill $rpid"
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$bport/v2/" && break; sleep 0.1; done
python3 "$TOOL" push-image "127.0.0.1:$bport" private/img 1 "$T/amd64.tar" --user boxuser:s3cret >/dev/null
is "$?" 0 "push to the htpasswd registry"
printf '[registry "127.0.0.1:%s"]\ninsecure = true\n' "$bport" >"$BOX_CONFIG"
"$BOX" pull -q "127.0.0.1:$bport/private/img:1" >/dev/null 2>"$T/err"
is "$?" 125 "without credentials the pull fails"
like "$(cat "$T/err")" "authentication required for 127\.0\.0\.1:$bport: log in with podman login / docker login" \
	"and says how to log in"
export HOME=$T/home
mkdir -p "$HOME/.docker" "$XDG_RUNTIME_DIR/containers"
printf '{"auths":{"http://127.0.0.1:%s/v2/":{"auth":"%s"}}}\n' "$bport" "$(printf 'boxuser:wrong' | base64)" >"$HOME/.docker/config.json"
"$BOX" pull -q "127.0.0.1:$bport/private/img:1" >/dev/null 2>"$T/err"
is "$?" 125 "a wrong password from ~/.docker/config.json fails"
printf '{"auths":{"127.0.0.1:%s":{"auth":"%s"}}}\n' "$bport" "$(printf 'boxuser:s3cret' | base64)" >"$XDG_RUNTIME_DIR/containers/auth.json"
out=$("$BOX" pull -q "127.0.0.1:$bport/private/img:1" 2>"$T/err")
is "$?" 0 "credentials from \$XDG_RUNTIME_DIR/containers/auth.json (podman login) work"
like "$out" '^sha256:' "and the image is stored"
rm -f "$XDG_RUNTIME_DIR/containers/auth.json"
"$BOX" rmi "127.0.0.1:$bport/private/img:1" >/dev/null 2>&1
printf '{"auths":{"127.0.0.1:%s":{"auth":"%s"}}}\n' "$bport" "$(printf 'boxuser:s3cret' | base64)" >"$HOME/.docker/config.json"
"$BOX" pull -q "127.0.0.1:$bport/private/img:1" >/dev/null 2>"$T/err"
is "$?" 0 "credentials from ~/.docker/config.json (docker login) work"
done_testing
