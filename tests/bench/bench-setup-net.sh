#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A project's setup runs in the sandbox's own network mode: what that costs. Each run is
# the first `box run -- true` of a project whose one-line [setup] nothing has built yet
# (setup layer, sandbox, start), with network = none, host and slirp (setup behind its
# own net helper), and the same with the setup layer cached (sandbox and start only):
# the difference of the two rows of a mode is its setup. Beside them podman run --rm of
# the same image with --network none and slirp4netns, the nearest peer of a throwaway
# step (podman build runs each RUN that way). Run through tests/bench/run.sh setup-net.
. "$(dirname "$0")/lib.sh"
bench_need_cmd python3
REG=$BOX_TEST_REGISTRY
IMG=$REG/library/debian:bookworm
cat >"$BOX_CONFIG" <<E
[registry "docker.io"]
mirror = http://$REG
insecure = true
E
"$BOX" pull debian:bookworm >/dev/null 2>&1 || bench_skip "cannot pull debian:bookworm from $REG"

# MODE: a script run before each run, prepare.sh new|cached: the last run's sandbox
# removed and, with new, a new [setup] line (nothing cached); with cached, the setup
# layer of the last run is used again, so the difference of the two rows is the setup.
prepare() {
	local d=$B/proj-$1
	mkdir -p "$d"
	bench_at_exit "'$BOX' rm -f proj-$1"
	cat >"$d/prepare.sh" <<E
cd '$d' || exit 1
'$BOX' rm -f proj-$1 >/dev/null 2>&1
n=\$(cat n 2>/dev/null || echo 0)
[ "\$1" = cached ] || n=\$((n + 1))
echo \$n >n
printf '[box]\\nimage = debian:bookworm\\nnetwork = $1\\nstorage = overlay\\n[setup]\\nrun = echo $1-%s >/dev/null\\n' \$n >.box.ini
'$BOX' allow --yes
E
}
for mode in none host slirp; do
	prepare $mode
	BENCH_PREPARE="bash '$B/proj-$mode/prepare.sh' new"
	bench_sh "box: setup + first run, network = $mode" "cd '$B/proj-$mode' && '$BOX' run -- true"
	BENCH_PREPARE="bash '$B/proj-$mode/prepare.sh' cached"
	bench_sh "box: first run, setup cached, network = $mode" \
		"cd '$B/proj-$mode' && '$BOX' run -- true"
done
BENCH_PREPARE=
built=$(ls -d "$XDG_DATA_HOME"/box/layers/setup-* 2>/dev/null | wc -l)
if command -v podman >/dev/null 2>&1; then
	bench_podman_confine "$REG"
	if podman pull -q "$IMG" >/dev/null 2>&1; then
		bench "podman run --rm --network none true" podman run --rm --network none "$IMG" true
		bench "podman run --rm --network slirp4netns true" \
			podman run --rm --network slirp4netns "$IMG" true
	else
		bench_row "podman (cannot pull $IMG)" - ""
	fi
else
	bench_row "podman (not installed)" - ""
fi
bench_table "Setup in the sandbox's network mode" "box: setup + first run, network = none"
echo "setup layers built: $built (one per run and warm-up of each \"setup +\" row)"
