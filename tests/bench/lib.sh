# SPDX-License-Identifier: GPL-2.0-or-later
# Shared helpers for benchmarks (sourced by tests/bench/bench-*.sh). A benchmark measures
# box beside its peers in the same run and prints a table of medians; ratios between rows
# of one table are what to quote, since absolute times vary between machines.
#
#   . "$(dirname "$0")/lib.sh"
#   bench "box run true" "$BOX" run --rootfs "$BOX_TEST_ROOTFS" true
#   bench "bwrap true" bwrap --unshare-all --ro-bind "$BOX_TEST_ROOTFS" / true
#   bench_sh "pipeline" 'echo x | cat'      # a shell command line
#   bench_row "pull 63 MB" 9012 ms            # a number measured some other way
#   bench_rounds "box" "$BOX run ..." "bwrap" "bwrap ..."  # interleaved, for close ratios
#   bench_table "Starting a sandbox" "bwrap true"   # ratios against that row
#
# BENCH_RUNS (default 20) timed runs after BENCH_WARMUP (default 3) untimed ones; hyperfine
# when installed (its JSON export gives the median), else a plain loop. BENCH_PREPARE, when
# set, is a shell command run before every run (hyperfine --prepare), e.g. to drop a cache.
# Each file gets a temp dir $B and its own XDG dirs, removed on exit.
set -u
BOX_TOP=${BOX_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BOX_BUILD=${BOX_BUILD:-$BOX_TOP/build}
BOX=${BOX:-$BOX_BUILD/box}
PROBE=$BOX_BUILD/probe
# shellcheck disable=SC1091
[ -r /etc/box-tests.env ] && . /etc/box-tests.env
BOX_TEST_REGISTRY=${BOX_TEST_REGISTRY:-127.0.0.1:5000}
BOX_TEST_ROOTFS=${BOX_TEST_ROOTFS:-/var/cache/box-tests/rootfs}
BENCH_RUNS=${BENCH_RUNS:-20}
BENCH_WARMUP=${BENCH_WARMUP:-3}
BENCH_PREPARE=${BENCH_PREPARE:-}

B=$(mktemp -d "${TMPDIR:-/tmp}/box-bench.XXXXXX")
chmod 755 "$B"
export XDG_RUNTIME_DIR=$B/run XDG_DATA_HOME=$B/data XDG_CONFIG_HOME=$B/config
export BOX_CONFIG=$B/config/box/config.ini
unset BOX_DATA_DIR BOX_RUNTIME_DIR
mkdir -p "$XDG_RUNTIME_DIR" "$XDG_DATA_HOME" "$XDG_CONFIG_HOME/box"
chmod 700 "$XDG_RUNTIME_DIR"
: >"$BOX_CONFIG"

_bench_labels=()
_bench_values=()
_bench_units=()
_bench_cleanups=()

# bench_at_exit CMD: run the shell command CMD when the file ends, last registered first.
bench_at_exit() { _bench_cleanups+=("$1"); }

_bench_cleanup() {
	local i
	for ((i = ${#_bench_cleanups[@]} - 1; i >= 0; i--)); do
		eval "${_bench_cleanups[$i]}" >/dev/null 2>&1 || true
	done
	# rootless podman leaves a pause process (catatonit -P) per runtime dir behind
	local pause=$XDG_RUNTIME_DIR/libpod/tmp/pause.pid
	[ -r "$pause" ] && kill "$(cat "$pause")" 2>/dev/null
	# and box's user namespace keeper (core/sandbox/keeper.h), also one per runtime dir
	local keeper
	keeper=$(cat "$XDG_RUNTIME_DIR/box/userns.pid" 2>/dev/null)
	[ -n "$keeper" ] && [ "$(cat "/proc/$keeper/comm" 2>/dev/null)" = box-userns ] && kill "$keeper"
	[ -x "$BOX" ] && "$BOX" __rmtree "$B" >/dev/null 2>&1
	rm -rf "$B" 2>/dev/null || true
}
trap _bench_cleanup EXIT

# bench_podman_confine REGISTRY: rootless podman confined to $B (PEERS.md: cgroupfs, runc,
# overlay through fuse-overlayfs), REGISTRY (host:port) insecure; its store removed on exit.
bench_podman_confine() {
	export CONTAINERS_CONF=$B/containers.conf CONTAINERS_STORAGE_CONF=$B/storage.conf
	export CONTAINERS_REGISTRIES_CONF=$B/registries.conf
	printf '[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\nruntime = "runc"\n' \
		>"$CONTAINERS_CONF"
	printf '[storage]\ndriver = "overlay"\nrunroot = "%s/prun"\ngraphroot = "%s/pstore"\n%s\n%s\n' \
		"$B" "$B" '[storage.options.overlay]' 'mount_program = "/usr/bin/fuse-overlayfs"' \
		>"$CONTAINERS_STORAGE_CONF"
	printf '[[registry]]\nlocation = "%s"\ninsecure = true\n' "$1" >"$CONTAINERS_REGISTRIES_CONF"
	bench_at_exit "podman unshare rm -rf '$B/pstore'"
}

# bench_skip REASON: this benchmark cannot run here (exit 77, like a skipped test).
bench_skip() { echo "# SKIP $*"; exit 77; }
bench_need_cmd() {
	local c
	for c in "$@"; do command -v "$c" >/dev/null 2>&1 || bench_skip "$c is not installed"; done
}

# _median_ms FILE: median of the numbers (seconds) in FILE, one a line, in ms.
_median_ms() {
	sort -g "$1" | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "nan"; exit }
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.2f\n", m * 1000 }'
}

# _bench_loop SHELL_CMD: time SHELL_CMD without hyperfine; prints the median in ms.
_bench_loop() {
	local i t0 t1 times=$B/.times
	: >"$times"
	for ((i = 0; i < BENCH_WARMUP; i++)); do bash -c "$1" >/dev/null 2>&1 || return 1; done
	for ((i = 0; i < BENCH_RUNS; i++)); do
		[ -n "$BENCH_PREPARE" ] && { bash -c "$BENCH_PREPARE" >/dev/null 2>&1 || return 1; }
		t0=$EPOCHREALTIME
		bash -c "$1" >/dev/null 2>&1 || return 1
		t1=$EPOCHREALTIME
		echo "$t0 $t1" | awk '{ printf "%.6f\n", $2 - $1 }' >>"$times"
	done
	_median_ms "$times"
}

# _bench_hyperfine SHELL_CMD NO_SHELL: time with hyperfine; prints the median in ms.
_bench_hyperfine() {
	local json=$B/.hyperfine.json args=()
	args=(--style none --runs "$BENCH_RUNS" --warmup "$BENCH_WARMUP" --export-json "$json")
	[ "$2" = 1 ] && args+=(-N)
	[ -n "$BENCH_PREPARE" ] && args+=(--prepare "$BENCH_PREPARE")
	hyperfine "${args[@]}" "$1" >/dev/null 2>"$B/.hyperfine.err" || {
		sed 's/^/#   | /' "$B/.hyperfine.err" | tail -5 >&2
		return 1
	}
	python3 -c 'import json, sys
print("%.2f" % (json.load(open(sys.argv[1]))["results"][0]["median"] * 1000))' "$json"
}

_bench_run() {
	local label=$1 cmd=$2 no_shell=$3 ms
	if command -v hyperfine >/dev/null 2>&1 && [ "${BENCH_NO_HYPERFINE:-0}" != 1 ]; then
		ms=$(_bench_hyperfine "$cmd" "$no_shell")
	else
		ms=$(_bench_loop "$cmd")
	fi || {
		echo "# bench: '$label' failed: $cmd" >&2
		bench_row "$label" failed ""
		return 1
	}
	printf '#   %-40s %10s ms\n' "$label" "$ms" >&2
	bench_row "$label" "$ms" ms
}

# bench LABEL CMD [ARGS...]: median wall time of CMD over BENCH_RUNS runs, in ms.
# The command runs without a shell in between (hyperfine -N), so its own time is measured.
bench() {
	local label=$1 q
	shift
	q=$(printf '%q ' "$@")
	_bench_run "$label" "${q% }" 1
}

# bench_sh LABEL 'SHELL COMMAND LINE': like bench, for pipelines and redirections (hyperfine
# subtracts the shell's own start-up time).
bench_sh() { _bench_run "$1" "$2" 0; }

# bench_row LABEL VALUE [UNIT]: add a row measured some other way (e.g. MB/s).
bench_row() {
	_bench_labels+=("$1")
	_bench_values+=("$2")
	_bench_units+=("${3-ms}")
}

# bench_rounds LABEL CMD [LABEL CMD...]: one row per command, each the median over
# BENCH_RUNS rounds that run every command once, in turn (tests/bench/rounds.py): on a
# shared host the rows' ratios then stay put while the load moves. CMD is a shell-quoted
# command line, run without a shell (hyperfine -N), as bench's are.
bench_rounds() {
	local args=()
	while [ $# -ge 2 ]; do
		args+=("$1" "" "$2")
		shift 2
	done
	bench_rounds_prepared "${args[@]}"
}

# bench_rounds_prepared LABEL PREP CMD [LABEL PREP CMD...]: bench_rounds with a shell
# command line PREP run, untimed, before each run of CMD (BENCH_PREPARE's job).
bench_rounds_prepared() {
	local args=() out label ms
	while [ $# -ge 3 ]; do
		args+=("$1" "$2" "$(eval "set -- $3" && python3 -c 'import json, sys; print(json.dumps(sys.argv[1:]))' "$@")")
		shift 3
	done
	out=$(python3 "$BOX_TOP/tests/bench/rounds.py" "$BENCH_RUNS" "$BENCH_WARMUP" "${args[@]}") || {
		echo "# bench: rounds failed" >&2
		return 1
	}
	while IFS=$'\t' read -r label ms; do
		printf '#   %-40s %10s ms\n' "$label" "$ms" >&2
		bench_row "$label" "$ms" ms
	done <<<"$out"
}

# bench_value LABEL: the value recorded for LABEL (for checks such as "within 2x").
bench_value() {
	local i
	for i in "${!_bench_labels[@]}"; do
		[ "${_bench_labels[$i]}" = "$1" ] && { echo "${_bench_values[$i]}"; return 0; }
	done
	return 1
}

# bench_table TITLE [REF_LABEL]: print the rows recorded since the last table, with the
# ratio to REF_LABEL's row when given, then start a new table.
bench_table() {
	local title=$1 ref=${2:-} refv="" i v ratio w=8
	[ -n "$ref" ] && refv=$(bench_value "$ref" || true)
	for i in "${!_bench_labels[@]}"; do
		[ ${#_bench_labels[$i]} -gt $w ] && w=${#_bench_labels[$i]}
	done
	echo
	echo "## $title  (median of $BENCH_RUNS runs after $BENCH_WARMUP warm-ups)"
	echo
	printf '| %-*s | %12s |%s\n' "$w" "what" "median" "${refv:+ vs ${ref} |}"
	printf '|-%s-|-%s:|%s\n' "$(printf '%*s' "$w" '' | tr ' ' -)" "------------" \
		"${refv:+$(printf '%*s' $((${#ref} + 5)) '' | tr ' ' -)|}"
	for i in "${!_bench_labels[@]}"; do
		v=${_bench_values[$i]}
		ratio=""
		if [ -n "$refv" ]; then
			ratio=$(awk -v a="$v" -v b="$refv" 'BEGIN {
				if (a + 0 > 0 && b + 0 > 0) printf "%.2fx", a / b; else print "-" }')
			ratio=$(printf ' %*s |' $((${#ref} + 3)) "$ratio")
		fi
		printf '| %-*s | %12s |%s\n' "$w" "${_bench_labels[$i]}" "$v ${_bench_units[$i]}" "$ratio"
	done
	echo
	_bench_labels=()
	_bench_values=()
	_bench_units=()
}
