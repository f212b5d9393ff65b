#!/usr/bin/env python3
"""A/B of two builds of `dianzhi dip settle` on the same generated year: alternating runs, the
median wall time and peak RSS of each, and whether the tables both write in common agree.

    python3 benches/ab_dip.py OLD_BINARY NEW_BINARY --cases 10000000 --runs 4 --dir /tmp/dianzhi-ab
"""

import argparse
import pathlib
import statistics
import subprocess
import sys

from compare import run_measured, timed


def settle(exe, data, out):
    args = [exe, "dip", "settle", "--cases", str(data / "cases")]
    for table in ("groups", "averages", "institutions", "funds"):
        args += [f"--{table}", str(data / f"{table}.parquet")]
    return timed(lambda: run_measured(args + ["--out", str(out), "--force", "--quiet"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--cases", type=int, default=10_000_000)
    ap.add_argument("--runs", type=int, default=4)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dir", default="/tmp/dianzhi-ab")
    args = ap.parse_args()
    work = pathlib.Path(args.dir)
    data = work / f"dip-{args.cases}"
    if not data.exists():
        subprocess.run([args.new, "dip", "generate", "--cases", str(args.cases), "--seed", str(args.seed),
                        "--files", "4", "--out", str(data)], check=True, capture_output=True)
    times = {"old": [], "new": []}
    peaks = {"old": 0, "new": 0}
    for _ in range(args.runs):
        for name in ("old", "new"):
            t, peak = settle(getattr(args, name), data, work / f"out-{name}")
            times[name].append(t)
            peaks[name] = max(peaks[name], peak)
    med = {k: statistics.median(v) for k, v in times.items()}
    for k in ("old", "new"):
        print(f"{k}: median {med[k]:.2f} s over {args.runs} runs {['%.2f' % t for t in times[k]]}, peak {peaks[k]:.0f} MiB")
    print(f"new / old: {med['new'] / med['old']:.3f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
