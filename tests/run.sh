#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The test runner. Every test program (unit binary, fuzz replay, integration
# script) prints TAP; this sums them and closes with "N passed, N failed, N skipped".
# Exit 77 from a program means "skipped as a whole". With BOX_TESTS_MUST_WORK=1
# every skip counts as a failure (CI). Run as root, it runs the integration tests
# as the test user prepared by tests/host-setup.sh, inside that user's delegated
# cgroup, from a staged copy the user can read.
#
# usage: tests/run.sh [--unit|--integration] [NAME-FILTER...]
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
MODE=all
FILTERS=()
for a in "$@"; do
	case $a in
	--unit) MODE=unit ;;
	--integration) MODE=integration ;;
	--as-user) ;; # internal: already dropped
	*) FILTERS+=("$a") ;;
	esac
done
FILE_TIMEOUT=${BOX_TEST_TIMEOUT:-600}
passed=0 failed=0 skipped=0
failures=()

matches() {
	[ ${#FILTERS[@]} -eq 0 ] && return 0
	local f
	for f in "${FILTERS[@]}"; do case $1 in *"$f"*) return 0 ;; esac; done
	return 1
}

# run_tap NAME CMD...: run one program, count its TAP lines.
run_tap() {
	local name=$1; shift
	local out rc p=0 f=0 s=0 line
	local t0=$SECONDS
	out=$(mktemp)
	timeout --kill-after=10 "$FILE_TIMEOUT" "$@" >"$out" 2>&1 </dev/null
	rc=$?
	printf '# %s (%ss)\n' "$name" $((SECONDS - t0))
	while IFS= read -r line; do
		case $line in
		"not ok"*) f=$((f + 1)); failures+=("$name: ${line#not ok }"); printf '  %s\n' "$line" ;;
		"ok "*"# SKIP"* | "ok "*"# skip"*)
			if [ "${BOX_TESTS_MUST_WORK:-0}" = 1 ]; then
				f=$((f + 1)); failures+=("$name: skipped in a must-work run: ${line#ok }")
				printf '  not ok (must work) %s\n' "${line#ok }"
			else
				s=$((s + 1)); printf '  %s\n' "$line"
			fi ;;
		"ok "*) p=$((p + 1)); printf '  %s\n' "$line" ;;
		"#"* | "  "*) printf '  %s\n' "$line" ;;
		esac
	done <"$out"
	if [ $rc -eq 77 ] && [ $((p + f + s)) -eq 0 ]; then
		local why
		why=$(grep -m1 -i 'skip' "$out" | head -c 300)
		if [ "${BOX_TESTS_MUST_WORK:-0}" = 1 ]; then
			f=1; failures+=("$name: skipped in a must-work run: $why")
		else
			s=1
		fi
		printf '  skipped: %s\n' "$why"
	elif [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		f=$((f + 1)); failures+=("$name: timed out after ${FILE_TIMEOUT}s")
		tail -20 "$out" | sed 's/^/  | /'
	elif [ $rc -ne 0 ] && [ $f -eq 0 ]; then
		f=$((f + 1)); failures+=("$name: exited with status $rc")
		tail -20 "$out" | sed 's/^/  | /'
	elif [ $f -gt 0 ]; then
		grep -v -E '^(ok|not ok|1\.\.)' "$out" | tail -30 | sed 's/^/  | /'
	fi
	rm -f "$out"
	passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
}

run_unit() {
	local t n
	for t in "$BUILD"/tests/unit/test_*; do
		[ -x "$t" ] || continue
		n=unit/$(basename "$t")
		matches "$n" && run_tap "$n" "$t"
	done
	for t in "$BUILD"/tests/fuzz/fuzz_*; do
		[ -x "$t" ] || continue
		n=$(basename "$t")
		matches "fuzz/$n" || continue
		mkdir -p "$TOP/tests/fuzz/corpus/${n#fuzz_}"
		run_tap "fuzz-replay/$n" "$t" "$TOP/tests/fuzz/corpus/${n#fuzz_}"
	done
}

# run_scripts DIR: every tests/DIR/*.sh, as this user.
run_scripts() {
	local t n
	export BOX_TOP=$TOP BOX_BUILD=$BUILD
	for t in "$TOP/tests/$1"/*.sh; do
		[ -f "$t" ] || continue
		n=$1/$(basename "$t" .sh)
		matches "$n" && run_tap "$n" bash "$t"
	done
}

run_integration_here() { run_scripts integration; }

# As root: stage a readable copy, enter the delegated cgroup, drop to the test user.
run_integration_as_user() {
	local env=/etc/box-tests.env
	if [ ! -r $env ]; then
		echo "# integration tests need the host prepared: run 'tests/host-setup.sh' as root"
		failed=$((failed + 1)); failures+=("integration: host not prepared (tests/host-setup.sh)")
		return
	fi
	# shellcheck disable=SC1090
	. $env
	local stage rc res
	stage=$(mktemp -d /tmp/box-check.XXXXXX)
	mkdir -p "$stage/build"
	cp -a "$TOP/tests" "$stage/"
	cp -a "$BUILD/box" "$stage/build/"
	[ -e "$BUILD/probe" ] && cp -a "$BUILD/probe" "$stage/build/"
	[ -e "$BUILD/box-host-exec" ] && cp -a "$BUILD/box-host-exec" "$stage/build/"
	# What `make install` installs besides box (its man pages and completions).
	cp -a "$TOP/Makefile" "$stage/"
	for d in man completions; do [ -d "$BUILD/$d" ] && cp -a "$BUILD/$d" "$stage/build/"; done
	res=$stage/result
	chown -R "$BOX_TEST_USER:" "$stage"
	chmod 755 "$stage"
	# Move this shell into the user's delegated cgroup before dropping privileges,
	# as systemd's user manager would have placed the session.
	if [ -n "${BOX_TEST_CGROUP:-}" ] && [ -w "$BOX_TEST_CGROUP/cgroup.procs" ]; then
		echo $$ >"$BOX_TEST_CGROUP/cgroup.procs" 2>/dev/null || true
	fi
	local uhome
	uhome=$(getent passwd "$BOX_TEST_USER" | cut -d: -f6)
	setpriv --reuid="$BOX_TEST_USER" --regid="$BOX_TEST_USER" --init-groups \
		env -i HOME="$uhome" USER="$BOX_TEST_USER" LOGNAME="$BOX_TEST_USER" \
		PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin TERM="${TERM:-xterm-256color}" \
		LANG=C.UTF-8 XDG_RUNTIME_DIR="/run/user/$(id -u "$BOX_TEST_USER")" \
		BOX_TESTS_MUST_WORK="${BOX_TESTS_MUST_WORK:-0}" BOX_TEST_TIMEOUT="$FILE_TIMEOUT" \
		BOX_TEST_RESULT="$res" \
		bash "$stage/tests/run.sh" --integration --as-user "${FILTERS[@]}"
	rc=$?
	if [ -r "$res" ]; then
		# shellcheck disable=SC1090
		. "$res"
		passed=$((passed + r_passed)); failed=$((failed + r_failed)); skipped=$((skipped + r_skipped))
		while IFS= read -r l; do failures+=("$l"); done <"$res.failures"
	else
		failed=$((failed + 1)); failures+=("integration: runner as $BOX_TEST_USER exited $rc")
	fi
	rm -rf "$stage" 2>/dev/null || true
}

if [ "$MODE" != integration ]; then
	run_unit
fi
if [ "$MODE" != unit ]; then
	if [ "$(id -u)" = 0 ] && [ -z "${BOX_TEST_RESULT:-}" ]; then
		# tests/system/: as root, around the test user's world (systemd-nspawn).
		run_scripts system
	fi
	if [ "$(id -u)" = 0 ]; then
		run_integration_as_user
	else
		run_integration_here
	fi
fi

if [ -n "${BOX_TEST_RESULT:-}" ]; then
	# Nested run as the test user: hand the counts back to the root runner.
	printf 'r_passed=%d\nr_failed=%d\nr_skipped=%d\n' $passed $failed $skipped >"$BOX_TEST_RESULT"
	printf '%s\n' "${failures[@]}" | grep -v '^$' >"$BOX_TEST_RESULT.failures"
	exit 0
fi
if [ ${#failures[@]} -gt 0 ]; then
	echo "# failures:"
	printf '#   %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
