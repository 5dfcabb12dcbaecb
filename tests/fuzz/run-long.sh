#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs every libFuzzer target (built by `make fuzz`) for FUZZ_SECONDS each, one at a
# time and at the lowest CPU priority, starting from a scratch copy of its committed
# corpus. A crash input is written into tests/fuzz/corpus/<target>/ (so `make check`
# replays it from then on) and the run goes on with the next target; the exit status
# is 1 if any target found something. Not part of CI: it takes FUZZ_SECONDS per target.
#   FUZZ_SECONDS  seconds per target (default 600)
#   FUZZ_TARGETS  space-separated target names without the fuzz_ prefix (default: all,
#                 the parsers of untrusted input first)
#   FUZZ_DIR      where the binaries are (default build-fuzz/fuzz)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
secs=${FUZZ_SECONDS:-600}
dir=${FUZZ_DIR:-$top/build-fuzz/fuzz}
first="ref manifest index imgconfig challenge tar layer_path config sbxconfig sbxenv sbxstate"
if [ -z "${FUZZ_TARGETS:-}" ]; then
	FUZZ_TARGETS=$first
	for f in "$dir"/fuzz_*; do
		n=${f##*/fuzz_}
		case " $first " in *" $n "*) ;; *) FUZZ_TARGETS="$FUZZ_TARGETS $n" ;; esac
	done
fi
scratch=$(mktemp -d /tmp/box-fuzz-long-XXXXXX)
trap 'rm -rf "$scratch"' EXIT
found=0
for n in $FUZZ_TARGETS; do
	bin=$dir/fuzz_$n
	[ -x "$bin" ] || { echo "fuzz-long: no $bin (run make fuzz)" >&2; exit 2; }
	mkdir -p "$scratch/$n" "$top/tests/fuzz/corpus/$n"
	cp "$top/tests/fuzz/corpus/$n"/* "$scratch/$n"/ 2>/dev/null
	start=$(date +%s)
	nice -n 19 "$bin" -max_total_time="$secs" -max_len=65536 -timeout=25 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$top/tests/fuzz/corpus/$n/" \
		"$scratch/$n" >"$scratch/$n.log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$scratch/$n.log")
	cov=$(grep -o 'cov: [0-9]*' "$scratch/$n.log" | tail -1)
	echo "fuzz-long: $n: $(($(date +%s) - start))s, ${runs:-?} runs, ${cov:-cov: ?}, exit $rc"
	if [ "$rc" != 0 ]; then
		found=1
		grep -E 'ERROR|SUMMARY|Test unit written' "$scratch/$n.log" | head -5
	fi
done
exit $found
