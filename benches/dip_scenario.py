#!/usr/bin/env python3
"""DIP scenario cost: `dianzhi dip scenario` with 100 scenarios that leave scoring alone (fund,
volume and corridor overlays, mixed) against one `dianzhi dip settle` of the same province-year
(the target: ≤ 1.3×), then one scenario that changes scoring (a rescan) against the same.

    python3 benches/dip_scenario.py --cases 10000000 --scenarios 100 --runs 3 --dir /tmp/dianzhi-dip-bench

The cases are scanned once in both; each scenario re-clears the pools from the per-hospital sums
(eight corners each for the attribution). dip settle also writes the sorted `cases` table, which
dip scenario does not. Runs alternate so that machine noise hits both alike; prints the medians,
the ratios and the peak RSS. Reuses the province-year compare_dip.py generates (same seed).
"""

import argparse
import pathlib
import statistics
import subprocess

from compare import alternate, binary, run_measured, timed

REGIONS = ["济南", "青岛", "淄博", "枣庄", "东营", "烟台", "潍坊", "济宁"]


def scenarios(n):
    """n scenarios mixing fund, volume and corridor overlays, none of them rescoring."""
    out = []
    for i in range(n):
        kind = i % 3
        region = REGIONS[i % len(REGIONS)]
        step = f"1.{i:03d}"
        if kind == 0:
            out.append(f'[[scenario]]\nname = "fund {region} x{step}"\nbudget = [{{ region = "{region}", scale = "{step}" }}]\n')
        elif kind == 1:
            out.append(f'[[scenario]]\nname = "volume {region} x{step}"\nvolume = [{{ region = "{region}", scale = "{step}" }}]\n')
        else:
            keep = f"0.{50 + i % 40}"
            out.append(f'[[scenario]]\nname = "keep {keep} #{i}"\n'
                       f'config = {{ dip = {{ clearing = {{ surplus = [{{ up_to = "1", keep = "{keep}" }}] }} }} }}\n')
    return "\n".join(out)


RESCORE = '[[scenario]]\nname = "low bound 0.4"\nconfig = { dip = { outliers = { low = "0.4" } } }\n'


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cases", type=int, default=10_000_000)
    p.add_argument("--scenarios", type=int, default=100)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--files", type=int, default=4)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--dir", type=pathlib.Path, default=pathlib.Path("/tmp/dianzhi-dip-bench"))
    args = p.parse_args()
    exe = binary()
    work = args.dir
    work.mkdir(parents=True, exist_ok=True)
    data = work / f"dip-{args.cases}"
    if not data.exists():
        print(f"generating {args.cases:,} cases in {args.files} files ...", flush=True)
        t, _ = timed(lambda: subprocess.run([exe, "dip", "generate", "--cases", str(args.cases), "--seed", str(args.seed),
                                             "--files", str(args.files), "--out", str(data)], check=True, capture_output=True))
        print(f"generated in {t:.1f} s", flush=True)
    many = work / f"dip-scenarios-{args.scenarios}.toml"
    many.write_text(scenarios(args.scenarios))
    one = work / "dip-rescore.toml"
    one.write_text(RESCORE)
    inputs = ["--cases", str(data / "cases"), "--groups", str(data / "groups.parquet"),
              "--averages", str(data / "averages.parquet"), "--institutions", str(data / "institutions.parquet"),
              "--funds", str(data / "funds.parquet")]
    label = f"dip scenario ({args.scenarios})"
    times, peak = alternate(args.runs, {
        "dip settle": lambda: run_measured([exe, "dip", "settle", *inputs, "--out", str(work / "out-settle"), "--force", "--quiet"]),
        label: lambda: run_measured([exe, "dip", "scenario", *inputs, "--scenarios", str(many),
                                     "--out", str(work / "out-scenario"), "--force", "--quiet"]),
        "dip scenario (1 rescoring)": lambda: run_measured([exe, "dip", "scenario", *inputs, "--scenarios", str(one),
                                                            "--out", str(work / "out-rescore"), "--force", "--quiet"]),
    })
    med = {k: statistics.median(v) for k, v in times.items()}
    s, c, r = med["dip settle"], med[label], med["dip scenario (1 rescoring)"]
    print(f"\n{args.cases:,} cases, {args.scenarios} scenarios, {args.runs} alternating runs")
    print(f"  dip settle                    median {s:8.2f} s")
    print(f"  dip scenario ({args.scenarios:3d}, no rescan) median {c:8.2f} s   {c / s:.2f}x settle (target <= 0.5x)")
    print(f"  dip scenario (1 rescoring)    median {r:8.2f} s   {r / s:.2f}x settle")
    print(f"  peak RSS (any)                {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
