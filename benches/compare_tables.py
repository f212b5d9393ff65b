#!/usr/bin/env python3
"""`dianzhi compare` vs. a DuckDB full outer join writing the same differences.

Generates a DIP province-year once (`dianzhi dip generate`), settles it twice (`dianzhi dip
settle` with the default outlier bounds, and with the low bound at 0.4 instead of 0.5: some
cases change type and score), then runs, alternately and several times:
`dianzhi compare A/cases.parquet B/cases.parquet --out DIR` and the DuckDB SQL in
benches/peer/compare.sql (one hash full outer join on the seven key columns, the differing
rows only, one row per differing cell, ordered and written as zstd Parquet). Checks that both
write the same differences and that 1 and N threads write the same bytes; prints medians,
the ratio and both peak RSS. With --reorder, B's rows are first sorted by case_id descending,
so that the two tables list their rows in different orders (the general join, not the
common case of two runs on one input).

    python3 benches/compare_tables.py --cases 10000000 --runs 3 --dir /tmp/dianzhi-dip-bench
    python3 benches/compare_tables.py --cases 10000000 --runs 3 --reorder --dir /tmp/dianzhi-dip-bench

Needs `pip install duckdb` (benchmark only).
"""

import subprocess
import sys

import duckdb

from compare import alternate, run, run_measured, summary, timed

DIFFERENCE_KEYS = "institution_id, case_id, region, fund, year, dip_group, level"


def settle(exe, data, out, config=None):
    args = [exe, "--quiet", "dip", "settle", "--cases", str(data / "cases")]
    for table in ("groups", "averages", "institutions", "funds"):
        args += [f"--{table}", str(data / f"{table}.parquet")]
    if config:
        args += ["--config", str(config)]
    subprocess.run(args + ["--out", str(out), "--force"], check=True)


def run_dianzhi(exe, a, b, out, threads):
    return run_measured([exe, "--threads", str(threads), "--quiet", "compare", str(a), str(b),
                         "--out", str(out), "--force"], ok=(0, 1))


def run_duckdb(sql, a, b, out, threads):
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    con.execute(sql.format(a=a, b=b, out=out / "differences.parquet"))
    con.close()


def duckdb_peak(sql, a, b, out, threads):
    """DuckDB's peak RSS (MiB), from a run of its own process."""
    code = (f"import duckdb; con = duckdb.connect(); con.execute('SET threads = {threads}'); "
            f"con.execute({sql.format(a=a, b=b, out=out / 'differences.parquet')!r})")
    return run_measured([sys.executable, "-c", code])


def same_differences(a, b):
    """The same rows in both differences tables, numbers compared as numbers (dianzhi writes
    0.5 where DuckDB writes 0.5000), in the same order."""
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    num = lambda c: f"coalesce(CAST(TRY_CAST({c} AS DECIMAL(38, 10)) AS VARCHAR), {c})"
    cols = f"\"table\", {DIFFERENCE_KEYS}, \"column\", {num('a')}, {num('b')}, {num('delta')}, kind"
    q = (f"SELECT count(*) FROM ((SELECT {cols} FROM read_parquet('{a}') EXCEPT ALL SELECT {cols} FROM "
         f"read_parquet('{b}')) UNION ALL (SELECT {cols} FROM read_parquet('{b}') EXCEPT ALL "
         f"SELECT {cols} FROM read_parquet('{a}')))")
    diff = con.execute(q).fetchone()[0]
    rows = con.execute(f"SELECT count(*) FROM read_parquet('{a}')").fetchone()[0]
    if diff:
        return f"{diff} of {rows} differences not in both"
    # and in the same order: row by row, the same key, column and kind
    order = ("SELECT count(*) FROM read_parquet('{a}', file_row_number = true) x JOIN "
             "read_parquet('{b}', file_row_number = true) y USING (file_row_number) WHERE "
             "x.case_id IS DISTINCT FROM y.case_id OR x.\"column\" IS DISTINCT FROM y.\"column\" "
             "OR x.kind <> y.kind OR x.institution_id IS DISTINCT FROM y.institution_id").format(a=a, b=b)
    moved = con.execute(order).fetchone()[0]
    return f"{moved} of {rows} differences in another order" if moved else None


def compare(exe, sql, work, cases, args):
    data = work / f"dip-{cases}"
    if not data.exists():
        print(f"generating {cases:,} cases in {args.files} files ...", flush=True)
        subprocess.run([exe, "dip", "generate", "--cases", str(cases), "--seed", str(args.seed), "--files",
                        str(args.files), "--out", str(data)], check=True, capture_output=True)
    a, b = work / f"compare-{cases}-a", work / f"compare-{cases}-b"
    if not (b / "cases.parquet").exists():
        print("settling the year twice (outliers low 0.5, then 0.4) ...", flush=True)
        settle(exe, data, a)
        config = work / "outliers-low-0.4.toml"
        config.write_text('[dip.outliers]\nlow = "0.4"\n')
        settle(exe, data, b, config)
    b_cases = b / "cases.parquet"
    if args.reorder:
        b_cases = work / f"compare-{cases}-b-reordered.parquet"
        if not b_cases.exists():
            con = duckdb.connect()
            con.execute(f"COPY (SELECT * FROM read_parquet('{b / 'cases.parquet'}') ORDER BY case_id DESC) "
                        f"TO '{b_cases}' (FORMAT parquet, COMPRESSION zstd)")
            con.close()
    a_cases = a / "cases.parquet"
    out_d, out_p = work / "compare-out-dianzhi", work / "compare-out-duckdb"
    times, peak = alternate(args.runs, {
        "dianzhi compare": lambda: run_dianzhi(exe, a_cases, b_cases, out_d, args.threads),
        "duckdb full join": lambda: run_duckdb(sql, a_cases, b_cases, out_p, args.threads),
    })
    mismatch = same_differences(out_d / "differences.parquet", out_p / "differences.parquet")
    run_dianzhi(exe, a_cases, b_cases, work / "compare-out-dianzhi-1", 1)
    identical = (out_d / "differences.parquet").read_bytes() == \
        (work / "compare-out-dianzhi-1" / "differences.parquet").read_bytes()
    order = "B reordered by case_id" if args.reorder else "both in dip settle's order"
    med = summary(f"two cases tables of {cases:,} rows ({order}), {args.threads} threads, {args.runs} runs",
                  times, cases, "rows", [("dianzhi / duckdb", "dianzhi compare", "duckdb full join")],
                  peak, mismatch, identical, args.threads)
    print(f"  duckdb peak RSS             {duckdb_peak(sql, a_cases, b_cases, out_p, args.threads):.0f} MiB",
          flush=True)
    return med["dianzhi compare"]


def main():
    def extra(ap):
        ap.add_argument("--reorder", action="store_true", help="sort B's rows by case_id descending first")
    run(__doc__, "cases", "10000000", 3, "cases", "compare.sql", compare, extra)


if __name__ == "__main__":
    main()
