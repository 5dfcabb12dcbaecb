#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Times commands in rounds (lib.sh's bench_rounds): each round runs every command once, in
# an order rotated round by round, so that a change in the host's load reaches every row
# alike; hyperfine times one command's runs after the other's. Prints "LABEL<TAB>median ms",
# one a line.
#
# usage: rounds.py RUNS WARMUP LABEL PREP CMD_JSON [LABEL PREP CMD_JSON ...]
#   PREP: a shell command line run, untimed, before each run of CMD ("": none)
#   CMD_JSON: the command as a JSON list of arguments, run without a shell
import json
import os
import statistics
import subprocess
import sys
import time

runs, warmup = int(sys.argv[1]), int(sys.argv[2])
pairs = sys.argv[3:]
labels, preps = pairs[0::3], pairs[1::3]
cmds = [json.loads(c) for c in pairs[2::3]]
null = open(os.devnull, "w")


def timed(j):
    cmd = cmds[j]
    if preps[j]:
        subprocess.run(preps[j], shell=True, stdin=null, stdout=null, stderr=null)
    t0 = time.perf_counter()
    r = subprocess.run(cmd, stdin=null, stdout=null, stderr=null)
    t1 = time.perf_counter()
    if r.returncode != 0:
        sys.exit("rounds: %s exited with %d" % (cmd[0], r.returncode))
    return (t1 - t0) * 1000


for _ in range(warmup):
    for j in range(len(cmds)):
        timed(j)
times = [[] for _ in cmds]
for i in range(runs):
    order = list(range(len(cmds)))
    k = i % len(cmds)
    for j in order[k:] + order[:k]:
        times[j].append(timed(j))
for label, t in zip(labels, times):
    print("%s\t%.2f" % (label, statistics.median(t)))
