#!/usr/bin/env python3
"""End-to-end peer comparison: dianzhi settle vs. a DuckDB SQL settlement of the same quarter.

Generates a synthetic quarter with `dianzhi generate`, then runs, alternately and several
times: `dianzhi settle` (the release binary), the exact DuckDB SQL settlement in
benches/peer/settle.sql, and DuckDB merely scanning and reducing the same columns (the decode
floor). Checks that both settlements produce the same values, prints medians and ratios, and
dianzhi's peak RSS. Needs `pip install duckdb pyarrow` (benchmark only, not a product dependency).

    python3 benches/compare.py --rows 20000000,100000000 --runs 5 --dir /tmp/dianzhi-bench

With several sizes it also prints how dianzhi's time grows from the first size to the others,
and every size checks that 1 and N threads write byte-identical tables.
"""

import argparse
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import duckdb

ROOT = pathlib.Path(__file__).resolve().parent.parent


def binary():
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    return str(target / "release" / "dianzhi")


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def run_measured(args, ok=(0,)):
    """Runs a command; returns its peak RSS in MiB. The peak is taken by /usr/bin/time, whose
    child starts from time's small address space: a child forked straight from this process
    would report this process's own high-water mark (DuckDB's memory included), since Linux
    carries it across fork and exec into ru_maxrss."""
    with tempfile.TemporaryFile() as err:
        timer = ["/usr/bin/time", "-f", "peak-kib %M"] if os.path.exists("/usr/bin/time") else []
        proc = subprocess.run(timer + args, stdout=subprocess.DEVNULL, stderr=err)
        err.seek(0)
        text = err.read().decode()
    if proc.returncode not in ok:
        sys.exit(f"{args[0]} failed: {text}")
    peaks = [int(l.split()[1]) for l in text.splitlines() if l.startswith("peak-kib ")]
    return peaks[-1] / 1024 if peaks else float("nan")


def run_dianzhi(exe, data, out, threads):
    return run_measured([exe, "--threads", str(threads), "settle", "--claims", str(data / "claims"),
                         "--budgets", str(data / "budgets.parquet"), "--interim", str(data / "interim.parquet"),
                         "--out", str(out), "--force", "--quiet"])


def run_duckdb_settle(sql, data, out, threads):
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    con.execute(sql.format(claims=data / "claims" / "*.parquet", budgets=data / "budgets.parquet",
                           interim=data / "interim.parquet", out=out))
    con.close()


FLOOR = """
SELECT max(institution_id), max(sector), max(region), max(service_month), max(settle_quarter),
       sum(claimed_points), sum(drug_points), sum(protected_points), sum(deducted_points), sum(copayment)
FROM read_parquet('{claims}')
"""


def run_duckdb_floor(data, threads):
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    con.execute(FLOOR.format(claims=data / "claims" / "*.parquet")).fetchall()
    con.close()


def same_values(a, b, tables=("point_values", "settlements")):
    """Every column of both tables equal, compared as exact decimals (text)."""
    con = duckdb.connect()
    for table in tables:
        cols = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{a}/{table}.parquet')").fetchall()]
        select = ", ".join(f"CAST({c} AS VARCHAR)" for c in cols)
        q = (f"SELECT count(*) FROM ((SELECT {select} FROM read_parquet('{a}/{table}.parquet') EXCEPT ALL "
             f"SELECT {select} FROM read_parquet('{b}/{table}.parquet')) UNION ALL "
             f"(SELECT {select} FROM read_parquet('{b}/{table}.parquet') EXCEPT ALL "
             f"SELECT {select} FROM read_parquet('{a}/{table}.parquet')))")
        diff = con.execute(q).fetchone()[0]
        rows = con.execute(f"SELECT count(*) FROM read_parquet('{a}/{table}.parquet')").fetchone()[0]
        if diff:
            return f"{table}: {diff} differing rows of {rows}"
    return None


def same_bytes(a, b, tables=("point_values", "settlements")):
    return all((a / f"{t}.parquet").read_bytes() == (b / f"{t}.parquet").read_bytes() for t in tables)


def alternate(runs, commands):
    """Runs each named command in turn, `runs` times (so that machine noise hits all alike);
    returns the times per name and the largest peak RSS a command reported (MiB)."""
    times = {name: [] for name in commands}
    peak = 0.0
    for i in range(runs):
        for name, command in commands.items():
            t, rss = timed(command)
            times[name].append(t)
            peak = max(peak, rss or 0.0)
        print(f"run {i + 1}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in times.items()), flush=True)
    return times, peak


def compare(exe, sql, work, rows, args):
    """Generates (once) and compares one size; returns dianzhi's median time."""
    data = work / f"data-{rows}"
    if not data.exists():
        print(f"generating {rows:,} rows in {args.files} files ...", flush=True)
        gen, _ = timed(lambda: subprocess.run([exe, "generate", "--rows", str(rows), "--seed", str(args.seed),
                                               "--files", str(args.files), "--out", str(data)], check=True,
                                              capture_output=True))
        print(f"generated in {gen:.1f} s", flush=True)
    size = sum(f.stat().st_size for f in (data / "claims").iterdir())

    times, peak_mib = alternate(args.runs, {
        "dianzhi settle": lambda: run_dianzhi(exe, data, work / "out-dianzhi", args.threads),
        "duckdb settle": lambda: run_duckdb_settle(sql, data, work / "out-duckdb", args.threads),
        "duckdb scan (floor)": lambda: run_duckdb_floor(data, args.threads),
    })

    mismatch = same_values(work / "out-dianzhi", work / "out-duckdb")
    run_dianzhi(exe, data, work / "out-dianzhi-1", 1)
    identical = same_bytes(work / "out-dianzhi", work / "out-dianzhi-1")
    med = summary(f"{rows:,} claim rows, {size / 2**20:.0f} MiB of Parquet, {args.threads} threads, {args.runs} runs",
                  times, rows, "rows", [("dianzhi / duckdb settle", "dianzhi settle", "duckdb settle"),
                                        ("dianzhi / decode floor", "dianzhi settle", "duckdb scan (floor)")],
                  peak_mib, mismatch, identical, args.threads)
    return med["dianzhi settle"]


def summary(title, times, count, what, ratios, peak, mismatch, identical, threads):
    """Prints medians, ratios, peak RSS and the checks; exits 1 if a check failed."""
    med = {k: statistics.median(v) for k, v in times.items()}
    print()
    print(title)
    for k, v in med.items():
        print(f"  {k:22s} median {v:7.2f} s  ({count / v / 1e6:.1f} M {what}/s)")
    for label, a, b in ratios:
        print(f"  {label:27s} {med[a] / med[b]:.2f}x")
    print(f"  dianzhi peak RSS            {peak:.0f} MiB")
    print(f"  same values as DuckDB       {'yes' if mismatch is None else 'NO: ' + mismatch}")
    print(f"  same bytes at 1 and {threads} threads {'yes' if identical else 'NO'}", flush=True)
    if mismatch or not identical:
        sys.exit(1)
    return med


def run(doc, size_flag, default_size, runs, what, sql_file, compare_one, extra=None):
    """The command line both comparisons share: sizes, runs, files, seed, threads, work dir;
    runs `compare_one(exe, sql, work, size, args)` per size and prints how the time grows."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(f"--{size_flag}", default=default_size, help=f"{what}; several sizes comma-separated")
    ap.add_argument("--runs", type=int, default=runs)
    ap.add_argument("--files", type=int, default=4)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--dir", default=None, help="work directory (default: a temporary one, removed after)")
    if extra:
        extra(ap)
    args = ap.parse_args()

    exe = binary()
    work = pathlib.Path(args.dir or tempfile.mkdtemp(prefix="dianzhi-bench-"))
    sql = (ROOT / "benches" / "peer" / sql_file).read_text()
    sizes = [int(n) for n in getattr(args, size_flag).split(",")]
    medians = [compare_one(exe, sql, work, n, args) for n in sizes]
    if len(sizes) > 1:
        print()
        for n, t in zip(sizes[1:], medians[1:]):
            print(f"dianzhi {n:,} {what} / {sizes[0]:,} {what}: {t / medians[0]:.2f}x the time "
                  f"for {n / sizes[0]:.1f}x the {what}")
    if args.dir is None:
        shutil.rmtree(work)


def main():
    run(__doc__, "rows", "20000000", 5, "rows", "settle.sql", compare)


if __name__ == "__main__":
    main()
