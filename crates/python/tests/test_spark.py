"""dianzhi.spark in local[2] on a generated 200,000-row quarter: the engine's scan on every
partition, Spark's exact sums, the driver's settlement — the command line's tables."""

import os

import pyarrow.parquet as pq
import pytest

import dianzhi
import dianzhi.spark
from conftest import cli, parquet_tables

pyspark = pytest.importorskip("pyspark")


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", __import__("sys").executable)
    session = (
        SparkSession.builder.master("local[2]")
        .appName("dianzhi-tests")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    yield session
    session.stop()


@pytest.fixture(scope="module")
def quarter(tmp_path_factory):
    """200,000 claim rows in 4 files, with the quarter's budgets and interim payments."""
    out = tmp_path_factory.mktemp("gen") / "q"
    cli("generate", "--rows", "200000", "--files", "4", "--institutions", "3000", "--out", out)
    return out


def test_aggregate_equals_the_cli(spark, quarter, tmp_path):
    cli("aggregate", "--claims", quarter / "claims", "--out", tmp_path / "a.parquet")
    want = pq.read_table(tmp_path / "a.parquet")
    claims = spark.read.parquet(str(quarter / "claims")).repartition(7)  # rows of one pool split across partitions
    got = dianzhi.spark._to_arrow(dianzhi.spark.aggregate(claims))
    assert got.num_rows == want.num_rows
    assert got.cast(want.schema).equals(want)


def test_settle_equals_the_cli(spark, quarter, tmp_path):
    inputs = dict(budgets=quarter / "budgets.parquet", interim=quarter / "interim.parquet")
    cli("settle", "--claims", quarter / "claims", "--budgets", inputs["budgets"], "--interim", inputs["interim"],
        "--out", tmp_path / "cli")
    claims = spark.read.parquet(str(quarter / "claims")).repartition(5)
    got = dianzhi.spark.settle(claims, **inputs)
    want = parquet_tables(tmp_path / "cli")
    for name in ("point_values", "settlements"):
        assert got[name].equals(want[name]), name
    assert got["settlements"].num_rows > 1000


@pytest.fixture(scope="module")
def dip_year(tmp_path_factory):
    """200,000 discharged cases in 4 files, with the year's lookups and funds."""
    out = tmp_path_factory.mktemp("gen") / "y"
    cli("dip", "generate", "--cases", "200000", "--files", "4", "--hospitals", "300", "--out", out)
    return out


def test_dip_settle_equals_the_cli(spark, dip_year, tmp_path):
    lookups = {n: dip_year / f"{n}.parquet" for n in ("groups", "averages", "institutions", "funds")}
    cli("dip", "settle", "--cases", dip_year / "cases", *sum(([f"--{k}", v] for k, v in lookups.items()), []),
        "--out", tmp_path / "cli")
    want = parquet_tables(tmp_path / "cli")
    cases = spark.read.parquet(str(dip_year / "cases")).repartition(6)  # a hospital's cases across partitions
    got = dianzhi.spark.dip_settle(cases, **lookups)
    assert got["point_values"].equals(want["point_values"])
    assert got["hospitals"].equals(want["hospitals"])
    scored = dianzhi.spark._to_arrow(got["cases"]).sort_by("case_id")
    assert scored.num_rows == 200_000
    assert scored.cast(want["cases"].schema).equals(want["cases"].sort_by("case_id"))


def test_a_case_given_twice_is_refused(spark, dip_year):
    lookups = {n: dip_year / f"{n}.parquet" for n in ("groups", "averages", "institutions", "funds")}
    cases = spark.read.parquet(str(dip_year / "cases"))
    twice = cases.union(cases.limit(1))
    with pytest.raises(dianzhi.InputError, match="case_id repeated"):
        dianzhi.spark.dip_settle(twice, **lookups)
