"""Shared fixtures: the command line's binary (to hold the package to it) and the demo's inputs."""

import os
import pathlib
import shutil
import subprocess

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
DEMO = ROOT / "data" / "demo"
DIP = DEMO / "dip"


def binary() -> str:
    """The `dianzhi` binary: $DIANZHI_BIN, else the build in the target directory."""
    if os.environ.get("DIANZHI_BIN"):
        return os.environ["DIANZHI_BIN"]
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    for profile in ("debug", "release"):
        if (target / profile / "dianzhi").exists():
            return str(target / profile / "dianzhi")
    found = shutil.which("dianzhi")
    if not found:
        pytest.fail("no dianzhi binary: build it (cargo build) or set DIANZHI_BIN")
    return found


def cli(*args, check=True, cwd=None):
    """Runs the command line; its completed process."""
    done = subprocess.run([binary(), "--quiet", *map(str, args)], capture_output=True, text=True, cwd=cwd)
    if check and done.returncode not in (0, 1):
        raise AssertionError(f"dianzhi {' '.join(map(str, args))}: exit {done.returncode}\n{done.stderr}")
    return done


def parquet_tables(out: pathlib.Path):
    """An output directory's Parquet tables by name (sub/name in a subdirectory)."""
    return {p.relative_to(out).with_suffix("").as_posix(): pq.read_table(p) for p in sorted(out.rglob("*.parquet"))}


def assert_same_tables(got, want):
    assert sorted(got) == sorted(want)
    for name in want:
        assert got[name].schema == want[name].schema, name
        assert got[name].equals(want[name]), name


# the demo's claims with the types a lake holds them in: text ids, DECIMAL(38,4) points
POINTS = ["claimed_points", "drug_points", "protected_points", "deducted_points"]


@pytest.fixture(scope="session")
def claims() -> pa.Table:
    types = {"institution_id": pa.string(), "settle_quarter": pa.string(), **{c: pa.decimal128(38, 4) for c in POINTS}}
    return pacsv.read_csv(DEMO / "claims" / "part-00000.csv", convert_options=pacsv.ConvertOptions(column_types=types))


@pytest.fixture(scope="session")
def cases() -> pa.Table:
    money = ["total_cost", "fund_paid", "exam_cost"]
    types = {
        "case_id": pa.string(),
        "institution_id": pa.string(),
        "special_score": pa.decimal128(38, 4),
        "aux_factor": pa.decimal128(38, 4),
        **{c: pa.decimal128(38, 2) for c in money},
    }
    return pacsv.read_csv(DIP / "cases.csv", convert_options=pacsv.ConvertOptions(column_types=types))


SETTLE = dict(budgets=DEMO / "budgets.csv", interim=DEMO / "interim.csv", config=DEMO / "taiwan.toml")
DIP_YEAR = dict(
    groups=DIP / "groups.csv",
    averages=DIP / "averages.csv",
    institutions=DIP / "institutions.csv",
    funds=DIP / "funds.csv",
    config=DIP / "dip.toml",
)


def flags(kwargs):
    """The command line's flags for keyword arguments (paths only)."""
    out = []
    for name, value in kwargs.items():
        out += [f"--{name.replace('_', '-')}", value]
    return out
