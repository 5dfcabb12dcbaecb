#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs every tests/bench/bench-*.sh (or those whose name contains a FILTER) and prints their
# tables. Not part of `make check`: benchmarks take minutes and their numbers are for people.
# Run as root, it does what tests/run.sh does for integration tests: stages a copy the test
# user can read, enters the user's delegated cgroup and drops to the test user, so box is
# measured the way a user runs it.
#
# usage: tests/bench/run.sh [FILTER...]     (BENCH_RUNS, BENCH_WARMUP as in lib.sh)
#   BOX_BASE=PATH  another box binary (e.g. an older build) that the benchmarks which know it
#                  time beside this one, in the same run
#   BENCH_ONLY=S,..  the sections of a benchmark that has them (bench-enter: enter, cold,
#                  memory, fs, fsopts)
#   BENCH_TMPDIR=DIR  where bench-images keeps its stores (default /var/tmp): a file system
#                  with reflinks gives its reflinked snapshot rows
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
FILTERS=()
for a in "$@"; do
	case $a in
	--as-user) ;; # internal: already dropped
	*) FILTERS+=("$a") ;;
	esac
done

matches() {
	[ ${#FILTERS[@]} -eq 0 ] && return 0
	local f
	for f in "${FILTERS[@]}"; do case $1 in *"$f"*) return 0 ;; esac; done
	return 1
}

run_here() {
	local t n rc ran=0 failed=() skipped=()
	export BOX_TOP=$TOP BOX_BUILD=$BUILD
	for t in "$TOP"/tests/bench/bench-*.sh; do
		[ -f "$t" ] || continue
		n=$(basename "$t" .sh)
		matches "$n" || continue
		echo "# $n"
		bash "$t" </dev/null
		rc=$?
		ran=$((ran + 1))
		case $rc in
		0) ;;
		77) skipped+=("$n") ;;
		*) failed+=("$n (exit $rc)") ;;
		esac
	done
	echo "# benchmarks: $ran run, ${#failed[@]} failed, ${#skipped[@]} skipped"
	[ ${#failed[@]} -gt 0 ] && printf '#   failed: %s\n' "${failed[@]}"
	[ ${#skipped[@]} -gt 0 ] && printf '#   skipped: %s\n' "${skipped[@]}"
	[ ${#failed[@]} -eq 0 ]
}

# As root: stage a readable copy, enter the delegated cgroup, drop to the test user.
run_as_user() {
	local env=/etc/box-tests.env stage rc uhome
	[ -r $env ] || { echo "bench: prepare the host first: tests/host-setup.sh" >&2; return 1; }
	# shellcheck disable=SC1090
	. $env
	stage=$(mktemp -d /tmp/box-bench-stage.XXXXXX)
	mkdir -p "$stage/build"
	cp -a "$TOP/tests" "$stage/"
	cp -a "$BUILD/box" "$stage/build/"
	[ -e "$BUILD/probe" ] && cp -a "$BUILD/probe" "$stage/build/"
	[ -e "$BUILD/box-nolazy" ] && cp -a "$BUILD/box-nolazy" "$stage/build/"
	[ -e "$BUILD/box-host-exec" ] && cp -a "$BUILD/box-host-exec" "$stage/build/"
	[ -n "${BOX_BASE:-}" ] && cp -a "$BOX_BASE" "$stage/build/box-base"
	chown -R "$BOX_TEST_USER:" "$stage"
	chmod 755 "$stage"
	if [ -n "${BOX_TEST_CGROUP:-}" ] && [ -w "$BOX_TEST_CGROUP/cgroup.procs" ]; then
		echo $$ >"$BOX_TEST_CGROUP/cgroup.procs" 2>/dev/null || true
	fi
	uhome=$(getent passwd "$BOX_TEST_USER" | cut -d: -f6)
	setpriv --reuid="$BOX_TEST_USER" --regid="$BOX_TEST_USER" --init-groups \
		env -i HOME="$uhome" USER="$BOX_TEST_USER" LOGNAME="$BOX_TEST_USER" \
		PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin TERM="${TERM:-xterm-256color}" \
		LANG=C.UTF-8 XDG_RUNTIME_DIR="/run/user/$(id -u "$BOX_TEST_USER")" \
		BENCH_RUNS="${BENCH_RUNS:-20}" BENCH_WARMUP="${BENCH_WARMUP:-3}" \
		BENCH_NO_HYPERFINE="${BENCH_NO_HYPERFINE:-0}" \
		${BOX_BASE:+BOX_BASE=$stage/build/box-base} \
		BENCH_SCALE_N="${BENCH_SCALE_N:-200}" BENCH_SCALE_WINDOW="${BENCH_SCALE_WINDOW:-60}" \
		BENCH_NET_ROUNDS="${BENCH_NET_ROUNDS:-5}" BENCH_REQUESTS="${BENCH_REQUESTS:-5000}" \
		BENCH_FS_RUNS="${BENCH_FS_RUNS:-5}" BENCH_FS_OPT_RUNS="${BENCH_FS_OPT_RUNS:-3}" \
		BENCH_DEB_FILES="${BENCH_DEB_FILES:-100}" \
		${BENCH_FS_OPTIONS:+BENCH_FS_OPTIONS="$BENCH_FS_OPTIONS"} \
		${BENCH_ONLY:+BENCH_ONLY="$BENCH_ONLY"} \
		${BENCH_TMPDIR:+BENCH_TMPDIR="$BENCH_TMPDIR"} \
		bash "$stage/tests/bench/run.sh" --as-user "${FILTERS[@]}"
	rc=$?
	rm -rf "$stage" 2>/dev/null || true
	return $rc
}

[ -x "$BUILD/box" ] || { echo "bench: build box first (make)" >&2; exit 1; }
if [ "$(id -u)" = 0 ]; then
	run_as_user
else
	run_here
fi
