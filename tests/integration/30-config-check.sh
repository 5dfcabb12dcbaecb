#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# box config check/schema/show on real files: a bad file lists every error with its
# line and exits 125; good files pass; the schema documents both kinds of file.
. "$(dirname "$0")/../lib.sh"

cat >"$T/bad.box.ini" <<'INI'
[box]
imgae = debian
network = slirpp
; a comment
mtu = 1
[setup]
packages = git
[limits]
memory = lots
[bxo]
x = 1
[box]
network = host
INI
out=$("$BOX" config check "$T/bad.box.ini" 2>&1)
is "$?" 125 "a bad file exits 125"
like "$out" "bad.box.ini:2: unknown key 'imgae' in \[box\]; did you mean 'image'\?" "unknown key, line 2, suggestion"
like "$out" "bad.box.ini:3: bad value 'slirpp' for 'network' in \[box\]: expected one of slirp, host, none" "enum values listed, line 3"
like "$out" "bad.box.ini:5: bad value '1' for 'mtu'" "range error, line 5"
like "$out" "bad.box.ini:9: bad value 'lots' for 'memory'" "size error, line 9"
like "$out" "bad.box.ini:10: unknown section \[bxo\]; did you mean \[box\]\?" "unknown section, line 10"
like "$out" "bad.box.ini:13: duplicate 'network' in \[box\]: already set on line 3" "duplicate names both lines"
is "$(printf '%s\n' "$out" | grep -c 'bad.box.ini:[0-9]*:')" 6 "all six errors listed"
like "$out" "6 problems" "summary counts the problems"

# the same [setup] section is an error in the global config.ini
printf '[setup]\npackages = git\n' >"$BOX_CONFIG"
out=$("$BOX" config check 2>&1)
is "$?" 125 "default file is the global config"
like "$out" "config.ini:1: section \[setup\] belongs in a project's .box.ini" "project section refused in config.ini"
out=$("$BOX" config show 2>&1)
is "$?" 125 "show refuses a broken global config"

cat >"$BOX_CONFIG" <<'INI'
[box]
network = none
[registry "docker.io"]
mirror = http://127.0.0.1:5000
insecure = yes
[aliases]
dev = docker.io/library/debian:bookworm
INI
check "a good global config passes" "$BOX" config check
out=$("$BOX" config show)
like "$out" "network = none" "show prints the configured value"
like "$out" "storage = fuse-overlayfs" "show prints defaults"
like "$out" "mirror = http://127.0.0.1:5000" "show prints registries"

printf '[box]\nimage = dev\n[ports]\n127.0.0.1:8080 = 80\n' >"$T/.box.ini"
check "a good .box.ini passes" "$BOX" config check "$T/.box.ini"
check_fails "--global turns project sections into errors" "$BOX" config check --global "$T/.box.ini"
check_fails "a missing file is an error" "$BOX" config check "$T/nope.ini"

# checked and resolved where they are read
printf '[box]\nimage = debian\nmtu = 1279\n' >"$T/mtu.box.ini"
out=$("$BOX" config check "$T/mtu.box.ini" 2>&1)
is "$?" 125 "an mtu below 1280 fails the check"
like "$out" "mtu.box.ini:3: bad value '1279' for 'mtu' in \[box\]: expected a whole number from 1280" \
	"... with FILE:LINE and the range"
printf '[box]\nhome = ./h\n' >"$BOX_CONFIG"
out=$(cd / && "$BOX" config show 2>&1)
like "$out" "^home = $(dirname "$BOX_CONFIG")/h\$" "home = ./h is relative to the file's directory"
printf '[box]\nhome = ~/h\n' >"$BOX_CONFIG"
like "$(cd / && "$BOX" config show 2>&1)" "^home = $HOME/h\$" "home = ~/h is in the home"
: >"$BOX_CONFIG"

out=$("$BOX" config schema)
like "$out" "registry \"NAME\"" "schema documents registries"
unlike "$out" "\[setup\]" "global schema leaves out project sections"
out=$("$BOX" config schema --project)
like "$out" "packages = PKG" "project schema documents [setup]"
like "$out" "network = slirp\|host\|none +\(default: slirp\)" "schema shows allowed values and defaults"
done_testing
