#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# box in a real systemd user session: systemd-nspawn boots a Debian userland with systemd,
# logind and dbus-user-session (tests/host-setup.sh builds it); its lingering user has
# `systemd --user`, /run/user/UID and a session bus, and a login shell in a session scope
# box may not split. There box must get each sandbox's cgroup from the user's systemd as
# a transient scope (StartTransientUnit, Delegate=yes) with the limits as unit properties,
# show live CPU and memory from it, and leave nothing behind on stop. Runs as root.
. "$(dirname "$0")/../lib.sh"
[ "$(id -u)" = 0 ] || skip_all "needs root (systemd-nspawn)"
need_cmd systemd-nspawn nsenter
SDROOT=${BOX_TEST_SYSTEMD_ROOTFS:-/var/cache/box-tests/systemd-rootfs}
SDUSER=${BOX_TEST_SYSTEMD_USER:-boxsd}
[ -x "$SDROOT/lib/systemd/systemd" ] || skip_all "no systemd userland at $SDROOT (run tests/host-setup.sh)"
need_debian_rootfs

# The container gets a cgroup of its own on the cgroup2 hierarchy (nspawn puts its
# payload under the cgroup it is started from, as --keep-unit keeps it).
mnt=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
CG=$mnt/box-nspawn-$$
mkdir "$CG" || skip_all "cannot create a cgroup under $mnt"
at_exit "find '$CG' -depth -type d -exec rmdir {} +"

t0=$(date +%s%N)
# systemd in the container needs the unified hierarchy; the host's is hybrid.
(
	echo $BASHPID >"$CG/cgroup.procs"
	exec env SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 systemd-nspawn --quiet -D "$SDROOT" \
		--volatile=overlay --register=no --keep-unit --boot --console=pipe \
		--machine="boxsd-$$" --bind=/dev/fuse --bind-ro="$BOX:/usr/local/bin/box" \
		--bind-ro="$BOX_TEST_ROOTFS:/srv/rootfs" </dev/null
) >"$T/nspawn.log" 2>&1 &
NSPAWN=$!
at_exit "kill $NSPAWN; for w in \$(seq 100); do kill -0 $NSPAWN || break; sleep 0.1; done; kill -9 $NSPAWN"

# The container's PID 1: nspawn's child.
leader=
for i in $(seq 100); do
	for c in $(cat /proc/$NSPAWN/task/*/children 2>/dev/null); do
		[ "$(cat /proc/$c/comm 2>/dev/null)" = systemd ] && leader=$c
	done
	[ -n "$leader" ] && break
	sleep 0.1
done
[ -n "$leader" ] || { cat "$T/nspawn.log"; skip_all "systemd-nspawn did not start"; }
inside() { nsenter -t "$leader" -a "$@"; }
state=
for i in $(seq 300); do
	state=$(inside systemctl is-system-running 2>/dev/null)
	case $state in running | degraded) break ;; esac
	sleep 0.1
done
like "$state" "running|degraded" "systemd boots in the container"
uid=$(inside id -u "$SDUSER")
for i in $(seq 100); do inside test -S "/run/user/$uid/bus" && break; sleep 0.1; done
check "the lingering user has systemd --user and a session bus" inside test -S "/run/user/$uid/bus"
diag "booted in $((($(date +%s%N) - t0) / 1000000)) ms"

# as_user CMD: CMD in a login session of the user (pam_systemd: a session scope,
# XDG_RUNTIME_DIR and the session bus).
as_user() { inside runuser -l "$SDUSER" -c "$1" 2>&1; }

out=$(as_user 'cat /proc/self/cgroup; echo "bus=$DBUS_SESSION_BUS_ADDRESS"')
like "$out" "^0::/user.slice/user-$uid.slice/session-[^/]*\.scope$" "a login shell is in a session scope"
like "$out" "bus=unix:path=/run/user/$uid/bus" "with the session bus"

out=$(as_user 'box create sd --rootfs /srv/rootfs --network none --memory 300M --pids 200 &&
	box start sd && box enter sd -- cat /etc/debian_version')
like "$out" "^12\." "the sandbox starts and is entered"
unlike "$out" "warning" "without warnings about limits or cgroups"
unit=$(as_user 'systemctl --user list-units --plain --no-legend "box-sd.*.scope"' | awk '{ print $1 }')
like "$unit" '^box-sd\.[0-9a-f]{8}\.scope$' "the sandbox has a transient scope of the user's: $unit"
out=$(as_user "systemctl --user show -p ActiveState -p Delegate -p MemoryMax -p TasksMax '$unit'")
like "$out" "ActiveState=active" "the scope is active"
like "$out" "Delegate=yes" "delegated to it"
like "$out" "MemoryMax=314572800" "--memory 300M is the scope's MemoryMax"
like "$out" "TasksMax=200" "--pids 200 is the scope's TasksMax"
out=$(as_user 'cat /proc/$(sed -n "s/^init_pid=//p" "$XDG_RUNTIME_DIR/box/sd/state")/cgroup')
like "$out" "^0::/user.slice/user-$uid.slice/user@$uid.service/.*/$unit/box-sd\.[0-9a-f]{8}$" \
	"the sandbox's init has its cgroup in the scope, under the user's manager"

# A process joined by `box enter` stays in the login session's scope (systemd alone may
# move it, see the report), so the CPU shown is init's own, measured in the scope.
out=$(as_user 'box stats --no-stream --format json sd')
mem=$(printf '%s' "$out" | grep -o '"memory_bytes":[0-9]*' | cut -d: -f2)
like "$out" "\"cgroup\":\"[^\"]*$unit/box-sd" "box stats reads the sandbox's cgroup in the scope"
like "$out" '"cpu_percent":[0-9]' "box stats shows CPU from the scope's cpu.stat"
if [ "${mem:-0}" -gt 100000 ]; then ok "box stats shows the sandbox's memory ($mem bytes)"; else
	fail "box stats shows the sandbox's memory"; diag "stats: $out"; fi

check "box stop stops it" as_user 'box stop --time 2 sd'
for i in $(seq 50); do
	out=$(as_user "systemctl --user is-active '$unit'")
	[ "$out" = active ] || break
	sleep 0.1
done
unlike "$out" "^active" "and its scope is gone"
diag "nspawn test took $((($(date +%s%N) - t0) / 1000000)) ms"
done_testing
