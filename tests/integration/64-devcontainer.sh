#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A repository with only a .devcontainer/devcontainer.json (comments, a trailing
# comma), as the test user with the Debian image from the loopback registry: the
# trust gate, warnings for what box cannot do at their lines, image, containerEnv,
# a forwardPorts entry answering on the host's 127.0.0.1, initializeCommand on the
# host, postCreateCommand once across two starts, postStartCommand on each start,
# postAttachCommand on each enter, --config for .devcontainer/NAME/, and
# `box init --from-devcontainer`.
. "$(dirname "$0")/../lib.sh"
need_userns
need_subuid
need_fuse
need_registry
need_cmd curl
use_test_registry

R=$T/repo
mkdir -p "$R/.devcontainer" "$R/src"
at_exit "cd / && '$BOX' stop --time 1 repo >/dev/null 2>&1; '$BOX' stop --time 1 multi >/dev/null 2>&1"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

cat >"$R/.devcontainer/devcontainer.json" <<JSON
// The project's container, as editors read it.
{
	"name": "Repo", /* a display name */
	"image": "debian",
	"containerEnv": {
		"GREETING": "hello from containerEnv",
		"WS": "\${localWorkspaceFolder}",
	},
	"forwardPorts": [$port],
	"shutdownAction": "none",
	"initializeCommand": "touch init-ran",
	"postCreateCommand": "echo created >>created-runs",
	"postStartCommand": "echo started >>start-runs",
	"postAttachCommand": "echo attached >>attach-runs",
}
JSON
cd "$R/src" || exit 1

# --- the trust gate, as for .box.ini
out=$("$BOX" run -- true 2>&1)
is "$?" 125 "an unapproved devcontainer.json is refused (125)"
like "$out" "\.devcontainer/devcontainer\.json' is .*box allow" "... naming the file and 'box allow'"
[ ! -e "$R/init-ran" ] && ok "... and nothing ran" || fail "... and nothing ran"
"$BOX" allow --yes >/dev/null 2>&1 || fail "box allow"

# --- first start
out=$("$BOX" run -- sh -c 'echo "$GREETING|$WS|$PWD"' 2>"$T/err")
st=$?
err=$(cat "$T/err")
is "$st" 0 "box run in a repository with only a devcontainer.json"
is "$out" "hello from containerEnv|$R|$R/src" "containerEnv (with \${localWorkspaceFolder}); the repository at its own path"
like "$err" "devcontainer\.json:10: warning: shutdownAction is not supported by box" \
	"an unsupported key: FILE:LINE: warning"
[ -O "$R/init-ran" ] && ok "initializeCommand ran on the host, as the user" ||
	fail "initializeCommand ran on the host, as the user"
is "$("$BOX" run -- sed -n 's/^ID=//p' /etc/os-release 2>/dev/null)" debian "the image is the one named"
is "$(wc -l <"$R/created-runs")" 1 "postCreateCommand ran"
is "$(wc -l <"$R/start-runs")" 1 "postStartCommand ran on the start"
is "$(wc -l <"$R/attach-runs")" 2 "postAttachCommand runs on each enter (two so far)"

# --- forwardPorts: a server inside answers on the host's 127.0.0.1 at the same port
"$BOX" run -- perl -MIO::Socket::INET -e '$s = IO::Socket::INET->new(LocalPort => '"$port"',
	Listen => 1, ReuseAddr => 1) or die "listen: $!"; $c = $s->accept; print $c "HTTP/1.0 200 OK\r\n\r\nforwarded\n"' \
	>/dev/null 2>&1 &
srv=$!
got=
for ((i = 0; i < 100; i++)); do
	got=$(curl -fsS -m 2 "http://127.0.0.1:$port/" 2>/dev/null) && [ -n "$got" ] && break
	sleep 0.1
done
is "$got" forwarded "a forwardPorts entry answers on the host's 127.0.0.1"
kill "$srv" 2>/dev/null
wait "$srv" 2>/dev/null

# --- a second start: postCreateCommand not again, postStartCommand again
check "box stop with no name" "$BOX" stop --time 1
"$BOX" run -- true 2>/dev/null
is "$(wc -l <"$R/created-runs")" 1 "postCreateCommand ran exactly once across two starts"
is "$(wc -l <"$R/start-runs")" 2 "postStartCommand ran on each start"
check "box rebuild --yes" "$BOX" rebuild --yes
is "$(wc -l <"$R/created-runs")" 1 "a rebuild with the same setup reuses the cached layer"

# --- an edit needs a new approval, as for .box.ini
sed -i 's/hello from containerEnv/edited/' "$R/.devcontainer/devcontainer.json"
out=$("$BOX" run -- true 2>&1)
is "$?" 125 "an edited devcontainer.json is refused until approved again"
"$BOX" allow --yes >/dev/null 2>&1

# --- box init --from-devcontainer writes the equivalent .box.ini
out=$(cd "$R" && "$BOX" init --from-devcontainer 2>&1)
is "$?" 0 "box init --from-devcontainer"
ini=$(cat "$R/.box.ini" 2>/dev/null)
like "$ini" "image = debian" "... the image"
like "$ini" "GREETING = edited" "... the env"
like "$ini" "(^|\n)$port = $port" "... the port"
like "$ini" "\[start\]"$'\n'"run = echo started >>start-runs" "... postStartCommand as [start]"
like "$ini" "run = echo created >>created-runs" "... postCreateCommand as setup"
like "$out" "shutdownAction is not supported" "... and says what it leaves out"
check "the written .box.ini passes box config check" "$BOX" config check "$R/.box.ini"
rm -f "$R/.box.ini"

# --- several configurations in .devcontainer/NAME/: --config chooses
M=$T/multi
mkdir -p "$M/.devcontainer/a" "$M/.devcontainer/b"
printf '{ "image": "debian", "containerEnv": { "WHICH": "a" } }\n' >"$M/.devcontainer/a/devcontainer.json"
printf '{ "image": "debian", "containerEnv": { "WHICH": "b" } }\n' >"$M/.devcontainer/b/devcontainer.json"
cd "$M" || exit 1
out=$("$BOX" run -- true 2>&1)
is "$?" 125 "several configurations and no --config: 125"
like "$out" "2 configurations in \.devcontainer/.*--config" "... says to choose one with --config"
"$BOX" allow --yes "$M/.devcontainer/b/devcontainer.json" >/dev/null 2>&1
is "$("$BOX" run --config .devcontainer/b/devcontainer.json -- sh -c 'echo $WHICH' 2>/dev/null)" b \
	"box run --config uses that configuration"
check "box stop --config" "$BOX" stop --config .devcontainer/b/devcontainer.json

# --- errors are FILE:LINE
printf '{\n  "image": "debian",\n  "containerEnv": { "1bad": "x" }\n}\n' >"$M/.devcontainer/a/devcontainer.json"
"$BOX" allow --yes "$M/.devcontainer/a/devcontainer.json" >/dev/null 2>&1
out=$("$BOX" enter --config .devcontainer/a/devcontainer.json -- true 2>&1)
is "$?" 125 "a bad devcontainer.json: 125"
like "$out" "a/devcontainer\.json:3: bad variable name '1bad'" "... with FILE:LINE"

done_testing
