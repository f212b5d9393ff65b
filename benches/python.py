#!/usr/bin/env python3
"""The Python package against the command line: `dianzhi.settle` on a quarter held in memory
as a pyarrow Table, against `dianzhi settle` on the same quarter's Parquet files.

Generates the quarter once (`dianzhi generate`, 4 zstd Parquet files), reads its claims into a
pyarrow Table (not timed: that is the analyst's frame, already in memory), then runs alternately:
the command line on the files; `dianzhi.settle(claims=<table>)` with the text columns as plain
strings (what `pq.read_table` and most frames give) and dictionary-encoded (what the Parquet
files hold, `read_dictionary`; a polars Categorical, a pandas category); `dianzhi.settle(claims=<path>)`
(the package's own cost on the same files); and the import of the table alone through the Arrow
C stream (a run refused at once for a missing budgets file: the table is registered, the
command parses and fails). Checks that every run writes the same point values and settlements.
Needs the package installed (`pip install ./crates/python`, or `maturin develop --release`).

    python3 benches/python.py --rows 20000000 --runs 5 --dir /tmp/dianzhi-py-bench
"""

import argparse
import pathlib
import statistics
import subprocess
import tempfile
import time

import pyarrow.parquet as pq

import dianzhi

# the release binary and a timer, as the settle benchmark builds and uses them
from compare import binary, timed  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=20_000_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--dir", default="/tmp/dianzhi-py-bench")
    a = ap.parse_args()
    exe = binary()
    data = pathlib.Path(a.dir) / f"data-{a.rows}"
    if not (data / "claims").exists():
        subprocess.run([exe, "--quiet", "generate", "--rows", str(a.rows), "--files", "4", "--seed", "1",
                        "--out", str(data), "--force"], check=True)
    inputs = dict(budgets=data / "budgets.parquet", interim=data / "interim.parquet")
    claims = pq.read_table(data / "claims")
    texts = ["institution_id", "sector", "region", "service_month", "settle_quarter"]
    encoded = pq.read_table(data / "claims", read_dictionary=texts)
    print(f"{claims.num_rows:,} claim rows in memory ({claims.nbytes / 2**20:,.0f} MiB as Arrow); dianzhi {dianzhi.__version__}")

    times = {"cli": [], "memory": [], "encoded": [], "paths": [], "import": []}
    with tempfile.TemporaryDirectory(prefix="dianzhi-py-bench-") as tmp:
        tmp = pathlib.Path(tmp)
        want = None
        for run in range(a.runs):
            out = tmp / "cli"
            t, _ = timed(lambda: subprocess.run(
                [exe, "--quiet", "settle", "--claims", str(data / "claims"), "--budgets", str(inputs["budgets"]),
                 "--interim", str(inputs["interim"]), "--out", str(out), "--force"], check=True))
            times["cli"].append(t)
            cli_tables = {n: pq.read_table(out / f"{n}.parquet") for n in ("point_values", "settlements")}
            t, got = timed(lambda: dianzhi.settle(claims=claims, **inputs))
            times["memory"].append(t)
            t, from_encoded = timed(lambda: dianzhi.settle(claims=encoded, **inputs))
            times["encoded"].append(t)
            t, from_paths = timed(lambda: dianzhi.settle(claims=data / "claims", **inputs))
            times["paths"].append(t)

            def refused():
                try:
                    dianzhi.settle(claims=claims, budgets=tmp / "no-such-budgets.parquet")
                except dianzhi.InputError:
                    return
                raise SystemExit("a missing budgets file was not refused")

            t, _ = timed(refused)
            times["import"].append(t)
            for tables in (got, from_encoded, from_paths):
                for n, table in cli_tables.items():
                    assert tables[n].equals(table), f"{n} differs from the command line's"
            want = want or cli_tables
            print(f"run {run + 1}: cli {times['cli'][-1]:.2f} s, memory {times['memory'][-1]:.2f} s, "
                  f"encoded {times['encoded'][-1]:.2f} s, "
                  f"paths {times['paths'][-1]:.2f} s, import alone {times['import'][-1] * 1000:.0f} ms")

    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"\nmedians of {a.runs} runs, {a.rows:,} rows:")
    print(f"  dianzhi settle (CLI, Parquet files)        {med['cli']:.2f} s")
    print(f"  dianzhi.settle(claims=<pyarrow Table>)     {med['memory']:.2f} s   = {med['memory'] / med['cli']:.2f}× the CLI (target ≤ 1.1×), texts plain")
    print(f"  … texts dictionary-encoded                 {med['encoded']:.2f} s   = {med['encoded'] / med['cli']:.2f}× the CLI")
    print(f"  dianzhi.settle(claims=<path>)              {med['paths']:.2f} s   = {med['paths'] / med['cli']:.2f}× the CLI")
    print(f"  the C stream import and a refused run      {med['import'] * 1000:.0f} ms")
    print("  same point values and settlements: yes")


if __name__ == "__main__":
    main()
