#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# box init writes a commented .box.ini with packages guessed from the project's
# files, refuses to overwrite without --force, and the result passes
# `box config check` and is approved.
. "$(dirname "$0")/../lib.sh"

P=$T/py-app
mkdir -p "$P"
touch "$P/requirements.txt" "$P/package.json" "$P/CMakeLists.txt"
cd "$P" || exit 1
out=$("$BOX" init 2>&1)
is "$?" 0 "box init succeeds"
like "$out" "wrote $P/\.box\.ini" "says which file it wrote"
pk=$(sed -n 's/^packages = //p' .box.ini)
is "$pk" "python3 python3-pip nodejs npm build-essential cmake" "packages guessed from requirements.txt, package.json, CMakeLists.txt"
like "$(cat .box.ini)" "# name = py-app" "commented name from the directory"
check "the written file passes box config check" "$BOX" config check .box.ini
check "the written file is approved" "$BOX" allow --status

echo "# my edit" >>.box.ini
out=$("$BOX" init 2>&1)
is "$?" 125 "refuses to overwrite"
like "$out" "already exists.*--force" "says how to overwrite"
like "$(tail -1 .box.ini)" "# my edit" "existing file untouched"

rm requirements.txt package.json CMakeLists.txt
touch Cargo.toml go.mod Makefile pyproject.toml
check "--force overwrites" "$BOX" init --force --image ubuntu
is "$(sed -n 's/^packages = //p' .box.ini)" "python3 python3-pip cargo golang build-essential make" "guesses for pyproject.toml, Cargo.toml, go.mod, Makefile"
is "$(sed -n 's/^image = //p' .box.ini)" "ubuntu" "--image is written"
check "the forced file passes box config check" "$BOX" config check .box.ini

E=$T/empty
mkdir -p "$E"
check "init in a directory given as argument" "$BOX" init "$E"
like "$(cat "$E/.box.ini")" "# packages = git" "no hints: packages left commented"
check "and it passes box config check" "$BOX" config check "$E/.box.ini"
check_fails "a bad image is refused" "$BOX" init --force --image "-x" "$E"
done_testing
