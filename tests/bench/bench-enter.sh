#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Sandboxes beside their peers, in one run (run through tests/bench/run.sh enter):
#   warm enter   box run NAME true into a running sandbox | box-host-exec true from inside |
#                box export's wrapper of true |
#                podman exec | distrobox enter |
#                toolbox run | the floor unshare -Urmpn --fork true
#   cold start   stopped sandbox -> `true` done | podman run --rm | the floor: unshare -Urm +
#                fuse-overlayfs mount + chroot true
#   memory       summed RSS of an idle running sandbox vs podman's processes for one container
#   file system  untar a ~100 MB tree, find /usr and apt-get install 20 local .debs inside
#                (box and podman, each with fuse-overlayfs and kernel overlay) vs the host;
#                the same two on bare mounts with fuse-overlayfs's options one by one
# A peer that cannot run here gets a row saying why. podman is confined to the temp dir.
# BOX_BASE=PATH (through run.sh) adds rows for another box binary, e.g. an older build, with
# its own data and runtime dirs; both builds then run through env(1), the same way.
# BENCH_ONLY=SECTION[,SECTION...] (through run.sh) runs those sections alone: enter, cold,
# memory, fs (the file-system table), fsopts (fuse-overlayfs's options); all when unset.
. "$(dirname "$0")/lib.sh"
# bench_wanted SECTION: whether BENCH_ONLY leaves SECTION in.
bench_wanted() { [ -z "${BENCH_ONLY:-}" ] || [[ ",$BENCH_ONLY," == *",$1,"* ]]; }
bench_need_cmd fuse-overlayfs unshare python3
REG=$BOX_TEST_REGISTRY
IMG=$REG/library/debian:bookworm
cat >"$BOX_CONFIG" <<E
[registry "docker.io"]
mirror = http://$REG
insecure = true
E
cd "$HOME" || bench_skip "no home directory"

bench_podman_confine "$REG"
# One name per call: podman 4.3's rm -f with a name it does not know (bench-db exists only
# when the enter section ran) removes none of the others and still exits 0.
bench_at_exit "podman rm -f -t 0 bench-db"
bench_at_exit "podman rm -f -t 0 bench-peer"
bench_at_exit "'$BOX' stop --time 1 bench bench-ovl"

"$BOX" pull debian:bookworm >/dev/null 2>&1 || bench_skip "cannot pull debian:bookworm from $REG"
"$BOX" create bench --image debian:bookworm >/dev/null || bench_skip "box create failed"
"$BOX" create bench-ovl --image debian:bookworm --storage overlay >/dev/null
"$BOX" start bench || bench_skip "box start failed"
podman_ok=
if command -v podman >/dev/null && podman pull -q "$IMG" >/dev/null 2>&1 &&
	podman run -d --init --name bench-peer "$IMG" sleep infinity >/dev/null 2>&1; then
	podman_ok=1
fi

# The other build's rows: its own data and runtime dirs, each build run through env(1).
base_ok=
if [ -n "${BOX_BASE:-}" ]; then
	mkdir -p "$B/base-data" "$B/base-run" && chmod 700 "$B/base-run"
	BASE_ENV=(env "XDG_DATA_HOME=$B/base-data" "XDG_RUNTIME_DIR=$B/base-run" "$BOX_BASE")
	THIS_ENV=(env "XDG_DATA_HOME=$XDG_DATA_HOME" "XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR" "$BOX")
	bench_at_exit "$(printf '%q ' "${BASE_ENV[@]}") stop --time 1 bench"
	if "${BASE_ENV[@]}" pull debian:bookworm >/dev/null 2>&1 &&
		"${BASE_ENV[@]}" create bench --image debian:bookworm >/dev/null &&
		"${BASE_ENV[@]}" start bench >/dev/null; then
		base_ok=1
	fi
fi

# ---- warm enter
if bench_wanted enter; then
	bench "floor: unshare -Urmpn --fork true" unshare -Urmpn --fork true
	bench "box run NAME true" "$BOX" run bench true
	if [ -n "$base_ok" ]; then
		bench "this build through env: box run NAME true" "${THIS_ENV[@]}" run bench true
		bench "BOX_BASE through env: box run NAME true" "${BASE_ENV[@]}" run bench true
	elif [ -n "${BOX_BASE:-}" ]; then
		bench_row "BOX_BASE (could not create its sandbox)" - ""
	fi
	bench "box enter NAME -- true" "$BOX" enter bench -- true
	# box-host-exec: from inside, a command on the host (served by the supervisor) and back.
	bench "box run NAME box-host-exec true" "$BOX" run bench box-host-exec true
	# box export --bin: the wrapper is a link to box (bench-export.sh compares it in detail).
	if "$BOX" export bench --bin true --dir "$B/bin" >/dev/null; then
		bench "exported wrapper (box export --bin true)" "$B/bin/true"
	else
		bench_row "exported wrapper (box export failed)" - ""
	fi
	if [ -n "$podman_ok" ]; then
		bench "podman exec NAME true" podman exec bench-peer true
	else
		bench_row "podman exec NAME true (cannot run here)" - ""
	fi
	if [ -n "$podman_ok" ] && command -v distrobox >/dev/null &&
		distrobox create -Y -i "$IMG" -n bench-db >/dev/null 2>&1 &&
		distrobox enter bench-db -- true >/dev/null 2>&1; then
		bench "distrobox enter NAME -- true" distrobox enter bench-db -- true
	else
		bench_row "distrobox enter (could not create its container here)" - ""
	fi
	if command -v toolbox >/dev/null && [ -n "$podman_ok" ] &&
		toolbox create -y -i "$IMG" bench-tb >/dev/null 2>&1 &&
		toolbox run -c bench-tb true >/dev/null 2>&1; then
		bench "toolbox run true" toolbox run -c bench-tb true
		bench_at_exit "podman rm -f -t 0 bench-tb"
	else
		bench_row "toolbox run true (needs a session D-Bus and a toolbox image here)" - ""
	fi
	# toolbox's first run migrates podman's containers (podman system migrate), which stops them:
	# bring the peer back for the memory row.
	[ -n "$podman_ok" ] && podman start bench-peer >/dev/null 2>&1
	bench_table "Entering a running sandbox" "floor: unshare -Urmpn --fork true"
fi

# ---- cold start
if bench_wanted cold; then
	# The floor's fuse-overlayfs outlives its command (it holds the mount namespace it
	# mounted in): each run ends the previous run's, untimed, by the unique path of
	# its mount point.
	f=$B/floor
	mkdir -p "$f/u" "$f/w" "$f/m"
	floor_end="sh -c 'for p in \$(pgrep -u $(id -u) -f \"^fuse-overlayfs .*upperdir=$f/u\"); do kill \$p; done'"
	bench_at_exit "$floor_end"
	# floor LABEL LOWERDIRS: the bare mount of those layers and `true` inside.
	# FLOOR_MAP: how unshare maps ids (-Ur: one id, as the floor has always been measured).
	floor() {
		BENCH_PREPARE=$floor_end bench "$1" unshare ${FLOOR_MAP:--Ur} -m sh -c \
			"fuse-overlayfs -o lowerdir=$2,upperdir=$f/u,workdir=$f/w $f/m && chroot $f/m /bin/true"
	}
	# lowerdirs NAME: the sandbox's layers as box mounts them, topmost first.
	lowerdirs() {
		python3 -c 'import json, sys; print(":".join(reversed(json.load(open(sys.argv[1]))["layers"])))' \
			"$XDG_DATA_HOME/box/sandboxes/$1/config.json"
	}
	floor "floor: unshare -Urm + fuse-overlayfs + chroot true" "$BOX_TEST_ROOTFS"
	# box maps the user's subordinate range too, through the setuid newuidmap/newgidmap:
	# the same floor with that map (util-linux's --map-auto runs the same two programs).
	FLOOR_MAP="--map-auto --map-root-user" floor \
		"floor with subordinate ids (unshare --map-auto -r)" "$BOX_TEST_ROOTFS"
	floor "floor with the sandbox's own layer list ($(lowerdirs bench | tr ':' '\n' | wc -l))" \
		"$(lowerdirs bench)"
	BENCH_PREPARE="'$BOX' stop bench"
	bench "box: stopped -> true done (fuse-overlayfs)" "$BOX" run bench true
	BENCH_PREPARE="'$BOX' stop bench-ovl"
	bench "box: stopped -> true done (overlay)" "$BOX" run bench-ovl true
	BENCH_PREPARE=
	if [ -n "$base_ok" ]; then
		BENCH_PREPARE="$(printf '%q ' "${THIS_ENV[@]}") stop bench"
		bench "this build through env: stopped -> true done" "${THIS_ENV[@]}" run bench true
		BENCH_PREPARE="$(printf '%q ' "${BASE_ENV[@]}") stop bench"
		bench "BOX_BASE through env: stopped -> true done" "${BASE_ENV[@]}" run bench true
		BENCH_PREPARE=
	fi
	# An image of more than one layer (the test registry's bookworm-extra adds one).
	if "$BOX" pull debian:bookworm-extra >/dev/null 2>&1 &&
		"$BOX" create bench-x --image debian:bookworm-extra >/dev/null; then
		bench_at_exit "'$BOX' stop --time 1 bench-x"
		floor "floor with bench-x's layer list ($(lowerdirs bench-x | tr ':' '\n' | wc -l))" \
			"$(lowerdirs bench-x)"
		BENCH_PREPARE="'$BOX' stop bench-x"
		bench "box: stopped -> true done (fuse-overlayfs, bench-x)" "$BOX" run bench-x true
		BENCH_PREPARE=
	else
		bench_row "box with a multi-layer image (cannot pull debian:bookworm-extra)" - ""
	fi
	if [ -n "$podman_ok" ]; then
		bench "podman run --rm debian true" podman run --rm "$IMG" true
	else
		bench_row "podman run --rm (cannot run here)" - ""
	fi
	bench_table "Cold start: stopped to a command done" \
		"floor: unshare -Urm + fuse-overlayfs + chroot true"
	# The floors and box again in rounds (each round runs every command once, in turn):
	# their ratios then come from one load, which the rows above, timed one after
	# another, do not on a shared host.
	q() { printf '%q ' "$@"; }
	fl_sh="fuse-overlayfs -o lowerdir=$BOX_TEST_ROOTFS,upperdir=$f/u,workdir=$f/w $f/m && chroot $f/m /bin/true"
	rounds=("floor: unshare -Urm + fuse-overlayfs + chroot true" "$floor_end"
		"$(q unshare -Ur -m sh -c "$fl_sh")"
		"floor with subordinate ids (unshare --map-auto -r)" "$floor_end"
		"$(q unshare --map-auto --map-root-user -m sh -c "$fl_sh")"
		"box: stopped -> true done (fuse-overlayfs)" "'$BOX' stop bench" "$(q "$BOX" run bench true)"
		"box: stopped -> true done (overlay)" "'$BOX' stop bench-ovl" "$(q "$BOX" run bench-ovl true)")
	if [ -n "$base_ok" ]; then
		rounds+=("this build through env: stopped -> true done" "$(q "${THIS_ENV[@]}") stop bench"
			"$(q "${THIS_ENV[@]}" run bench true)"
			"BOX_BASE through env: stopped -> true done" "$(q "${BASE_ENV[@]}") stop bench"
			"$(q "${BASE_ENV[@]}" run bench true)")
	fi
	bench_rounds_prepared "${rounds[@]}"
	bench_table "Cold start, in rounds" "floor with subordinate ids (unshare --map-auto -r)"
fi

# ---- memory of an idle running sandbox
if bench_wanted memory; then
	# RSS counts a shared page (libc, the binary) in every process that maps it; PSS splits it
	# between them; USS is what each process alone holds. All three are summed over the set.
	# tree_pids PID: PID and every descendant.
	tree_pids() {
		ps -e -o pid=,ppid= | awk -v root="$1" '
			{ kids[$2] = kids[$2] " " $1 }
			END { n = 1; q[1] = root
			      while (n > 0) { p = q[n--]; print p; k = split(kids[p], c, " ")
			                      for (i = 1; i <= k; i++) q[++n] = c[i] } }'
	}
	# mem_rows LABEL PID...: three rows, summed RSS, PSS and USS of the processes in MB.
	mem_rows() {
		local label=$1 p
		shift
		for p in "$@"; do cat "/proc/$p/smaps_rollup"; done 2>/dev/null | awk -v l="$label" '
			/^Rss:/ { r += $2 } /^Pss:/ { s += $2 } /^Private_(Clean|Dirty):/ { u += $2 }
			END { printf "%s RSS\t%.1f\n%s PSS\t%.1f\n%s USS\t%.1f\n", l, r / 1024, l, s / 1024, l, u / 1024 }' |
			while IFS=$'\t' read -r what mb; do echo "$what"; echo "$mb"; done >"$B/.mem"
		while read -r what && read -r mb; do bench_row "$what" "$mb" MB; done <"$B/.mem"
	}
	# pid_by_arg TEXT: the pid of this user's process whose command line contains TEXT.
	pid_by_arg() {
		local p
		for p in $(pgrep -u "$(id -u)"); do
			tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline" | grep -qF -- "$1" && { echo "$p"; return; }
		done
	}
	"$BOX" start bench
	sleep 1
	sup=$(sed -n 's/^supervisor_pid=//p' "$XDG_RUNTIME_DIR/box/bench/state")
	# shellcheck disable=SC2046
	mem_rows "box: supervisor+holder+fuse-overlayfs+net+init" $(tree_pids "$sup")
	if [ -n "$podman_ok" ]; then
		# conmon and the container's init (catatonit, --init), not the workload under it;
		# fuse-overlayfs and slirp4netns found by the merged dir and netns podman reports.
		conmon=$(podman inspect -f '{{.State.ConmonPid}}' bench-peer 2>/dev/null)
		cinit=$(podman inspect -f '{{.State.Pid}}' bench-peer 2>/dev/null)
		merged=$(podman inspect -f '{{.GraphDriver.Data.MergedDir}}' bench-peer 2>/dev/null)
		netns=$(podman inspect -f '{{.NetworkSettings.SandboxKey}}' bench-peer 2>/dev/null)
		fuse=$(pid_by_arg "$merged")
		slirp=$(pid_by_arg "$netns")
		if [ "${conmon:-0}" -gt 1 ] 2>/dev/null && [ "${cinit:-0}" -gt 1 ] 2>/dev/null &&
			[ -n "$fuse" ] && [ -n "$slirp" ]; then
			mem_rows "podman: conmon+init+fuse-overlayfs+slirp4netns" "$conmon" "$cinit" "$fuse" "$slirp"
		else
			bench_row "podman (conmon ${conmon:-?}, init ${cinit:-?}, fuse-overlayfs ${fuse:-?}, slirp4netns ${slirp:-?}: not all found)" - ""
		fi
	else
		bench_row "podman (cannot run here)" - ""
	fi
	bench_table "Memory of one idle running sandbox (RSS counts shared pages once per process; PSS shares them out; USS is private memory)"
fi

# ---- file system
if bench_wanted fs; then
	# Each run here takes seconds: fewer runs (BENCH_FS_RUNS, default 5) keep the file short.
	BENCH_RUNS=${BENCH_FS_RUNS:-5}
	BENCH_WARMUP=1
	# $B/in holds the inputs, which every row reads through a bind mount (box's /run/host,
	# podman's -v, a bind in the chroots): a ~100 MB tar of the image's /usr and 20 packages.
	mkdir -p "$B/in" "$B/hroot"
	tarball=$B/in/tree.tar
	tar -C "$BOX_TEST_ROOTFS" -cf "$tarball" usr/lib usr/share 2>/dev/null
	mb=$(($(stat -c %s "$tarball") / 1000000))
	# make_debs DIR N FILES: N packages bench-fs-01.. of FILES files each (1-20 KB of seeded
	# pseudo-random bytes, the same every time), built here: no network, no mirror.
	make_debs() {
		local dir=$1 n=$2 files=$3 src=$B/debsrc d
		python3 - "$src" "$n" "$files" <<-'EOF' || return 1
	import os, random, sys
	src, n, files = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
	for p in range(1, n + 1):
	    name = "bench-fs-%02d" % p
	    rnd = random.Random(p)
	    root = os.path.join(src, name)
	    os.makedirs(os.path.join(root, "DEBIAN"))
	    with open(os.path.join(root, "DEBIAN", "control"), "w") as f:
	        f.write("Package: %s\nVersion: 1.0\nArchitecture: all\nMaintainer: box <box@localhost>\n"
	                "Description: generated files for a file-system benchmark\n" % name)
	    for i in range(files):
	        d = os.path.join(root, "usr", "share", name, "d%02d" % (i % 20))
	        os.makedirs(d, exist_ok=True)
	        with open(os.path.join(d, "f%03d" % i), "wb") as f:
	            f.write(rnd.randbytes(rnd.randint(1024, 20480)))
	EOF
		mkdir -p "$dir" || return 1
		for d in "$src"/bench-fs-*; do
			dpkg-deb --root-owner-group -Zgzip --build "$d" "$dir/${d##*/}.deb" >/dev/null || return 1
		done
		rm -rf "$src"
	}
	ndebs=20
	deb_files=${BENCH_DEB_FILES:-100}
	debs_ok=
	command -v dpkg-deb >/dev/null && make_debs "$B/in/debs" "$ndebs" "$deb_files" && debs_ok=1
	debs=("$B"/in/debs/*.deb)
	debs_mb=$(du -sm "$B/in/debs" 2>/dev/null | cut -f1)
	pkgs=()
	for ((i = 1; i <= ndebs; i++)); do pkgs+=("$(printf 'bench-fs-%02d' $i)"); done
	inst="apt-get install $ndebs .debs ($debs_mb MB, $((ndebs * deb_files)) files)"
	# apt-get as root inside, offline (the packages need nothing else). APT::Sandbox::User=root
	# everywhere, since the host's chroot maps one id only and has no _apt user to switch to.
	# dpkg fsyncs every file it unpacks before renaming it into place.
	APT=(apt-get install -y -q -o APT::Sandbox::User=root)
	# The host's row: the same image unpacked into a plain directory of the host's file system
	# (no overlay), entered by chroot in a user namespace that maps the user to root: the same
	# apt-get and dpkg do the same work on the same package database.
	unshare -Ur tar -xf "$BOX_TEST_TARBALL" -C "$B/hroot" 2>/dev/null
	[ -x "$B/hroot/usr/bin/apt-get" ] || debs_ok=
	# HOST_ROOT=(the command line prefix that runs a command as root in that directory, $B/in
	# bound at /mnt)
	# shellcheck disable=SC2016
	HOST_ROOT=(unshare -Urm sh -c 'mount --bind "$0" "$1/mnt" && exec chroot "$@"' "$B/in" "$B/hroot")
	"$BOX" start bench-ovl
	# podman's two drivers, $B bound at its own path in both: bench-pfs in the store above
	# (fuse-overlayfs as mount_program), bench-pko in a second store without mount_program,
	# where rootless podman mounts the kernel's overlay itself (Linux >= 5.13). Rootless
	# podman 4 takes its store from XDG_DATA_HOME, not from graphroot: hence --root/--runroot.
	printf '[storage]\ndriver = "overlay"\n' >"$B/storage-ko.conf"
	PKO=(env "CONTAINERS_STORAGE_CONF=$B/storage-ko.conf" podman --root "$B/pko" --runroot "$B/pko-run")
	pfs_why="podman cannot run here" pko_why="podman cannot run here"
	if [ -n "$podman_ok" ]; then
		bench_at_exit "podman unshare rm -rf '$B/pko'"
		bench_at_exit "podman rm -f -t 0 bench-pfs"
		bench_at_exit "$(printf '%q ' "${PKO[@]}") rm -f -t 0 bench-pko"
		podman run -d --init --name bench-pfs -v "$B:$B:ro" "$IMG" sleep infinity >/dev/null 2>&1 &&
			pfs_why=
		if ! "${PKO[@]}" pull -q "$IMG" >/dev/null 2>"$B/.pko.err" ||
			! "${PKO[@]}" run -d --init --name bench-pko -v "$B:$B:ro" "$IMG" sleep infinity \
				>/dev/null 2>"$B/.pko.err"; then
			pko_why="no rootless kernel overlay: $(tail -1 "$B/.pko.err" | cut -c1-80)"
		elif [ "$("${PKO[@]}" exec bench-pko awk '$2 == "/" { print $3 }' /proc/mounts)" != overlay ]; then
			pko_why="podman did not mount the kernel's overlay"
		else
			pko_why=
		fi
	fi
	# in_sandbox WHERE: IN=(the command line prefix that runs a command as root in WHERE)
	in_sandbox() {
		case $1 in
		bench | bench-ovl) IN=("$BOX" run --root "$1" --) ;;
		bench-pfs) IN=(podman exec "$1") ;;
		bench-pko) IN=("${PKO[@]}" exec "$1") ;;
		esac
	}
	declare -A what=([bench]="box (fuse-overlayfs)" [bench-ovl]="box (kernel overlay)"
		[bench-pfs]="podman exec (fuse-overlayfs)" [bench-pko]="podman exec (kernel overlay)")
	declare -A why=([bench]="" [bench-ovl]="" [bench-pfs]=$pfs_why [bench-pko]=$pko_why)

	mkdir -p "$B/hx"
	# tar leaves read-only directories (0555): make them writable before removing
	BENCH_PREPARE="sh -c 'chmod -R u+w $B/hx; rm -rf $B/hx && mkdir $B/hx'"
	bench "untar $mb MB: host" tar -xf "$tarball" -C "$B/hx"
	for s in bench bench-ovl; do
		BENCH_PREPARE="'$BOX' run $s -- sh -c 'chmod -R u+w /var/tmp/x; rm -rf /var/tmp/x && mkdir /var/tmp/x'"
		bench "untar $mb MB: ${what[$s]}" "$BOX" run "$s" -- tar -xf "/run/host$tarball" -C /var/tmp/x
	done
	# podman's tar runs as root: --no-same-owner spares it the chown of every file, which a
	# user's tar does not do either.
	for s in bench-pfs bench-pko; do
		if [ -n "${why[$s]}" ]; then
			bench_row "untar $mb MB: ${what[$s]} (${why[$s]})" - ""
			continue
		fi
		in_sandbox $s
		BENCH_PREPARE="$(printf '%q ' "${IN[@]}") sh -c 'rm -rf /var/tmp/x && mkdir /var/tmp/x'"
		bench "untar $mb MB: ${what[$s]}" "${IN[@]}" tar --no-same-owner -xf "$tarball" -C /var/tmp/x
	done
	BENCH_PREPARE=
	bench "find /usr: host (the same tree)" find "$BOX_TEST_ROOTFS/usr" -true
	for s in bench bench-ovl bench-pfs bench-pko; do
		if [ -n "${why[$s]}" ]; then
			bench_row "find /usr: ${what[$s]} (${why[$s]})" - ""
			continue
		fi
		in_sandbox $s
		bench "find /usr: ${what[$s]}" "${IN[@]}" find /usr -true
	done
	if [ -n "$debs_ok" ]; then
		# Each run first removes, untimed, what the last one installed.
		BENCH_PREPARE="unshare -Ur chroot '$B/hroot' dpkg -P ${pkgs[*]}"
		bench "$inst: host (chroot)" "${HOST_ROOT[@]}" "${APT[@]}" "${debs[@]/#$B\/in//mnt}"
		bench "$inst: host, dpkg without fsync (--force-unsafe-io)" "${HOST_ROOT[@]}" "${APT[@]}" \
			-o Dpkg::Options::=--force-unsafe-io "${debs[@]/#$B\/in//mnt}"
		unshare -Ur chroot "$B/hroot" dpkg -P "${pkgs[@]}" >/dev/null 2>&1
		for s in bench bench-ovl bench-pfs bench-pko; do
			if [ -n "${why[$s]}" ]; then
				bench_row "$inst: ${what[$s]} (${why[$s]})" - ""
				continue
			fi
			in_sandbox $s
			BENCH_PREPARE="$(printf '%q ' "${IN[@]}") dpkg -P ${pkgs[*]}"
			case $s in
			bench | bench-ovl) bench "$inst: ${what[$s]}" "${IN[@]}" "${APT[@]}" "${debs[@]/#//run/host}" ;;
			*) bench "$inst: ${what[$s]}" "${IN[@]}" "${APT[@]}" "${debs[@]}" ;;
			esac
		done
		BENCH_PREPARE=
	else
		bench_row "apt-get install of local .debs (no dpkg-deb, or the image's tarball did not unpack)" - ""
	fi
	bench_table "File system (box and podman, each with fuse-overlayfs and with the kernel's overlay)" \
		"untar $mb MB: host"
fi

# ---- fuse-overlayfs's options, on the same two workloads
if bench_wanted fsopts; then
	# Bare mounts in a user namespace over the host's copy of the image ($B/hroot, back as it was
	# after the host's rows) with a fresh upper layer each run; the kernel's overlay and
	# fuse-overlayfs as box mounts it are the rows to compare with. The options tried
	# (BENCH_FS_OPTIONS overrides them) are those fuse-overlayfs 1.10 has that touch this work:
	#   fsync=0      fsync and fdatasync return at once (what dpkg asks for is not done)
	#   threaded=1   a thread pool with a lock instead of one loop
	#   noacl        no POSIX ACLs (the kernel stops asking for them)
	#   fast_ino=1   inode numbers from readdir instead of opening every lower file
	#   writeback=0  no kernel writeback cache (on by default; not measured unless asked for)
	fo=$B/fo
	mkdir -p "$fo/m" "$fo/u" "$fo/w"
	# FO=(the command line prefix: FO MOUNT CMD... runs CMD as root in the mount, $B/in at /mnt;
	# MOUNT is "kernel" or fuse-overlayfs's -o options beyond the layers)
	# (one line: hyperfine -N reads no $'...' quoting)
	# shellcheck disable=SC2016
	fo_sh='m=$0/fo/m l=lowerdir=$0/hroot,upperdir=$0/fo/u,workdir=$0/fo/w; '
	fo_sh+='if [ "$1" = kernel ]; then mount -t overlay overlay -o "$l,userxattr" "$m"; '
	fo_sh+='else fuse-overlayfs -o "$l,$1" "$m"; fi && mount --bind "$0/in" "$m/mnt" && '
	fo_sh+='shift && exec chroot "$m" "$@"'
	FO=(unshare -Urm sh -c "$fo_sh" "$B")
	# Before each run, untimed: end the last run's fuse-overlayfs (found by the unique path of
	# its upper layer) and empty the upper layer and the work dir.
	fo_reset="sh -c 'for p in \$(pgrep -u $(id -u) -f \"^fuse-overlayfs .*upperdir=$fo/u\"); do \
	kill \$p; while kill -0 \$p 2>/dev/null; do sleep 0.02; done; done; \
	chmod -R u+rwX $fo/u $fo/w; rm -rf $fo/u $fo/w && mkdir $fo/u $fo/w'"
	bench_at_exit "$fo_reset"
	BENCH_PREPARE=$fo_reset
	# a fresh upper layer each run needs no warm-up; 3 runs (BENCH_FS_OPT_RUNS) keep it to minutes
	BENCH_RUNS=${BENCH_FS_OPT_RUNS:-3}
	BENCH_WARMUP=0
	base="allow_other,static_nlink"
	for o in kernel "$base" ${BENCH_FS_OPTIONS:-fsync=0 threaded=1 noacl fast_ino=1}; do
		case $o in
		kernel) l="kernel overlay" ;;
		"$base") l="fuse-overlayfs as box mounts it ($base)" ;;
		*) l="fuse-overlayfs + $o" o=$base,$o ;;
		esac
		bench "untar $mb MB: $l" "${FO[@]}" "$o" tar --no-same-owner -xf "/mnt/${tarball##*/}" -C /var/tmp
		[ -n "$debs_ok" ] && bench "$inst: $l" "${FO[@]}" "$o" "${APT[@]}" "${debs[@]/#$B\/in//mnt}"
	done
	BENCH_PREPARE=
	bench_table "fuse-overlayfs's options (bare mounts over a copy of the image, a fresh upper layer each run)" \
		"untar $mb MB: fuse-overlayfs as box mounts it ($base)"
fi
