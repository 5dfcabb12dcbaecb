# SPDX-License-Identifier: GPL-2.0-or-later
"""The table of the pull benchmarks: the times run() appended to W/t.NAME, as medians."""
import os
import statistics


def times(w, name):
    """The ms of every run of NAME, or None when it never ran or one run failed."""
    if not os.path.exists(f"{w}/t.{name}"):
        return None
    v = open(f"{w}/t.{name}").read().split()
    return None if "fail" in v else [int(x) for x in v]


def table(w, names):
    """Print one row per (name, label), ratios against the first; return the medians."""
    med = {n: statistics.median(times(w, n)) if times(w, n) else None for n, _ in names}
    first = med[names[0][0]]
    print()
    print("| what | median ms | min | max | vs box |")
    print("|---|---|---|---|---|")
    for n, label in names:
        t = times(w, n)
        if not t:
            print(f"| {label} | failed | | | |")
            continue
        rel = f"{med[n] / first:.2f}x" if first else ""
        print(f"| {label} | {med[n]:.0f} | {min(t)} | {max(t)} | {rel} |")
    print()
    return med
