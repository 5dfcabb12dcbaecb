# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers for the pull tests (sourced after lib.sh): store inspection, a registry
# proxy started and stopped by pid, mirror settings, one-line error checks.
TOOL=$BOX_TOP/tests/registry-tool.py
DATA=$XDG_DATA_HOME/box
REG_URL=http://$BOX_TEST_REGISTRY

layer_count() { find "$DATA/layers" -mindepth 1 -maxdepth 1 -name '[0-9a-f]*' 2>/dev/null | wc -l; }
tmp_count() { find "$DATA/layers" "$DATA/blobs/sha256" -mindepth 1 -maxdepth 1 -name '.tmp*' 2>/dev/null | wc -l; }

# start_proxy NAME ARGS...: a registry-tool proxy in front of the test registry; sets PORT.
start_proxy() {
	local name=$1; shift
	start_tool "$name" proxy "$REG_URL" "$T/port.$name" "$@"
}

# start_recorder NAME [--challenge REALM]: a registry-tool recorder logging to
# $T/NAME.requests; sets PORT.
start_recorder() {
	local name=$1; shift
	: >"$T/$name.requests"
	start_tool "$name" recorder "$T/port.$name" "$T/$name.requests" "$@"
}

start_tool() {
	local name=$1; shift
	rm -f "$T/port.$name"
	python3 "$TOOL" "$@" >"$T/proxy.$name.log" 2>&1 &
	local pid=$!
	at_exit "kill $pid"
	for _ in $(seq 100); do [ -s "$T/port.$name" ] && break; sleep 0.05; done
	PORT=$(cat "$T/port.$name")
}

# mirror_to URL: send docker.io to URL (plain http allowed).
mirror_to() {
	printf '[registry "docker.io"]\nmirror = %s\ninsecure = true\n' "$1" >"$BOX_CONFIG"
}

# one_line_error NAME FILE REGEX: FILE (stderr of a failed -q pull) is one line "box: ..."
one_line_error() {
	local n
	n=$(wc -l <"$2")
	if [ "$n" -eq 1 ] && grep -qE "^box: .*$3" "$2"; then ok "$1"; else
		fail "$1"; diag "stderr ($n lines):"; sed 's/^/#   | /' "$2"
	fi
}

# manifest_field REPO TAG PYEXPR: evaluate PYEXPR on the manifest (m) from the registry.
manifest_json() {
	curl -fsS -H 'Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' \
		"$REG_URL/v2/$1/manifests/$2"
}
