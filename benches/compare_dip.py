#!/usr/bin/env python3
"""End-to-end peer comparison for DIP: `dianzhi dip settle` vs. the same settlement in DuckDB SQL.

Generates a province-year with `dianzhi dip generate` (once per size), then runs alternately,
several times: `dianzhi dip settle` (the release binary, all its outputs: point_values, hospitals
and the sorted cases table) and benches/peer/dip.sql in DuckDB (the same three tables, exact
HUGEINT arithmetic). Checks that both hold the same values and that 1 and N threads write the
same bytes; prints medians, ratios and dianzhi's peak RSS. Needs `pip install duckdb pyarrow`.

    python3 benches/compare_dip.py --cases 10000000,50000000 --runs 3 --dir /tmp/dianzhi-dip-bench
"""

import subprocess

import duckdb

from compare import alternate, run, run_measured, same_bytes, same_values, summary, timed

TABLES = ("point_values", "hospitals", "cases")


def run_dianzhi(exe, data, out, threads):
    args = [exe, "--threads", str(threads), "dip", "settle", "--cases", str(data / "cases")]
    for table in ("groups", "averages", "institutions", "funds"):
        args += [f"--{table}", str(data / f"{table}.parquet")]
    return run_measured(args + ["--out", str(out), "--force", "--quiet"])


def run_duckdb(sql, data, out, threads):
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    con.execute(f"SET temp_directory = '{out.parent / 'duckdb-tmp'}'")  # not the working directory
    con.execute(sql.format(cases=data / "cases" / "*.parquet", groups=data / "groups.parquet",
                           averages=data / "averages.parquet", institutions=data / "institutions.parquet",
                           funds=data / "funds.parquet", out=out))
    con.close()


def compare(exe, sql, work, cases, args):
    data = work / f"dip-{cases}"
    if not data.exists():
        print(f"generating {cases:,} cases in {args.files} files ...", flush=True)
        t, _ = timed(lambda: subprocess.run([exe, "dip", "generate", "--cases", str(cases), "--seed", str(args.seed),
                                             "--files", str(args.files), "--out", str(data)], check=True,
                                            capture_output=True))
        print(f"generated in {t:.1f} s", flush=True)
    size = sum(f.stat().st_size for f in (data / "cases").iterdir())
    times, peak = alternate(args.runs, {
        "dianzhi dip settle": lambda: run_dianzhi(exe, data, work / "dip-out-dianzhi", args.threads),
        "duckdb dip settle": lambda: run_duckdb(sql, data, work / "dip-out-duckdb", args.threads),
    })
    mismatch = same_values(work / "dip-out-dianzhi", work / "dip-out-duckdb", TABLES)
    run_dianzhi(exe, data, work / "dip-out-dianzhi-1", 1)
    identical = same_bytes(work / "dip-out-dianzhi", work / "dip-out-dianzhi-1", TABLES)
    med = summary(f"{cases:,} cases, {size / 2**20:.0f} MiB of Parquet, {args.threads} threads, {args.runs} runs",
                  times, cases, "cases", [("dianzhi / duckdb", "dianzhi dip settle", "duckdb dip settle")],
                  peak, mismatch, identical, args.threads)
    return med["dianzhi dip settle"]


def main():
    run(__doc__, "cases", "10000000", 3, "cases", "dip.sql", compare)


if __name__ == "__main__":
    main()
