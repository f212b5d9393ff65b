#!/usr/bin/env python3
"""Scenario cost: `dianzhi scenario` with 100 scenarios against one `dianzhi settle` of the same
quarter (the target: ≤ 1.3×). The claims are scanned once in both; each scenario
only re-solves the pools (eight corners each for the attribution), so the difference is the
solving and the larger outputs.

    python3 benches/scenario.py --rows 100000000 --scenarios 100 --runs 3 --dir /tmp/dianzhi-bench

Runs alternate (settle, scenario, settle, …) so that machine noise hits both alike; prints the
medians, the ratio and the peak RSS. Reuses the quarter compare.py generates (same seed).
"""

import argparse
import pathlib
import statistics
import subprocess

from compare import alternate, binary, run_measured, timed

SECTORS = ["hospital", "primary_care", "dental", "chinese_medicine", "dialysis"]


def scenarios(n):
    """n scenarios mixing the three kinds of overlay, as an analyst's sweep would."""
    out = []
    for i in range(n):
        kind = i % 4
        sector = SECTORS[i % len(SECTORS)]
        step = f"1.{i:03d}"
        if kind == 0:
            out.append(f'[[scenario]]\nname = "budget {sector} x{step}"\nbudget = [{{ sector = "{sector}", scale = "{step}" }}]\n')
        elif kind == 1:
            out.append(f'[[scenario]]\nname = "volume {sector} x{step}"\nvolume = [{{ sector = "{sector}", scale = "{step}" }}]\n')
        elif kind == 2:
            out.append(f'[[scenario]]\nname = "drug at 0.{90 + i % 10} #{i}"\nconfig = {{ fixed_value = {{ drug = "0.{90 + i % 10}" }} }}\n')
        else:
            out.append(f'[[scenario]]\nname = "all three #{i}"\nbudget = [{{ sector = "{sector}", scale = "{step}" }}]\n'
                       f'volume = [{{ sector = "{sector}", scale = "1.02" }}]\nconfig = {{ fixed_value = {{ drug = "0.95" }} }}\n')
    return "\n".join(out)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", type=int, default=100_000_000)
    p.add_argument("--scenarios", type=int, default=100)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--files", type=int, default=8)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--dir", type=pathlib.Path, default=pathlib.Path("/tmp/dianzhi-bench"))
    args = p.parse_args()
    exe = binary()
    work = args.dir
    work.mkdir(parents=True, exist_ok=True)
    data = work / f"data-{args.rows}"
    if not data.exists():
        print(f"generating {args.rows:,} rows in {args.files} files ...", flush=True)
        t, _ = timed(lambda: subprocess.run([exe, "generate", "--rows", str(args.rows), "--seed", str(args.seed),
                                             "--files", str(args.files), "--out", str(data)], check=True, capture_output=True))
        print(f"generated in {t:.1f} s", flush=True)
    file = work / f"scenarios-{args.scenarios}.toml"
    file.write_text(scenarios(args.scenarios))
    inputs = ["--claims", str(data / "claims"), "--budgets", str(data / "budgets.parquet"),
              "--interim", str(data / "interim.parquet")]
    times, peak = alternate(args.runs, {
        "settle": lambda: run_measured([exe, "settle", *inputs, "--out", str(work / "out-settle"), "--force", "--quiet"]),
        f"scenario ({args.scenarios})": lambda: run_measured([exe, "scenario", *inputs, "--scenarios", str(file),
                                                              "--out", str(work / "out-scenario"), "--force", "--quiet"]),
    })
    med = {k: statistics.median(v) for k, v in times.items()}
    s, c = med["settle"], med[f"scenario ({args.scenarios})"]
    print(f"\n{args.rows:,} claim rows, {args.scenarios} scenarios, {args.runs} alternating runs")
    print(f"  settle              median {s:8.2f} s")
    print(f"  scenario            median {c:8.2f} s")
    print(f"  scenario / settle   {c / s:.2f}x   (target <= 1.3x)")
    print(f"  peak RSS            {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
