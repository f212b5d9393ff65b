"""Every function of the package against the command line on the demo's data: the same tables
from paths, pyarrow, polars and pandas inputs; dicts equal to their TOML files; the same files
with out=."""

import json
import pathlib
import tomllib

import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import dianzhi
from conftest import DEMO, DIP, DIP_YEAR, SETTLE, assert_same_tables, cli, flags, parquet_tables


@pytest.fixture(scope="module")
def settled(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "settle"
    cli("settle", "--claims", DEMO / "claims", *flags(SETTLE), "--out", out)
    return out


def test_settle_from_paths_equals_the_cli(settled):
    got = dianzhi.settle(claims=DEMO / "claims", **SETTLE)
    assert_same_tables(got, parquet_tables(settled))
    assert got["point_values"].num_rows == 30
    # Decimal128, as the command line's Parquet
    assert pa.types.is_decimal(got["point_values"].schema.field("fpv").type)


@pytest.mark.parametrize("kind", ["pyarrow", "reader", "polars", "pandas"])
def test_settle_from_memory_equals_the_cli(settled, claims, kind):
    data = {
        "pyarrow": claims,
        "reader": pa.RecordBatchReader.from_batches(claims.schema, claims.to_batches(max_chunksize=100)),
        "polars": pl.from_arrow(claims),
        "pandas": claims.to_pandas(),
    }[kind]
    got = dianzhi.settle(claims=data, **SETTLE)
    assert_same_tables(got, parquet_tables(settled))


def test_tables_in_memory_for_every_table_argument(settled, claims):
    budgets = pa.table(pl.read_csv(DEMO / "budgets.csv").to_arrow())
    interim = pl.read_csv(DEMO / "interim.csv", schema_overrides={"institution_id": pl.String})
    got = dianzhi.settle(claims=claims, budgets=budgets, interim=interim, config=SETTLE["config"])
    assert_same_tables(got, parquet_tables(settled))


def test_out_writes_the_cli_s_files(settled, tmp_path):
    out = tmp_path / "py"
    dianzhi.settle(claims=DEMO / "claims", **SETTLE, out=out)
    for name in ("point_values.parquet", "settlements.parquet"):
        assert (out / name).read_bytes() == (settled / name).read_bytes(), name
    py, want = (json.loads((d / "manifest.json").read_text()) for d in (out, settled))
    assert py["inputs"] == want["inputs"] and py["outputs"] == want["outputs"] and py["totals"] == want["totals"]
    # the same guard on --out as the command line: a non-empty directory needs force
    with pytest.raises(dianzhi.InputError, match="--force"):
        dianzhi.settle(claims=DEMO / "claims", **SETTLE, out=out)
    dianzhi.settle(claims=DEMO / "claims", **SETTLE, out=out, force=True)


def test_config_as_a_dict_equals_its_file(settled):
    config = tomllib.loads((DEMO / "taiwan.toml").read_text())
    got = dianzhi.settle(claims=DEMO / "claims", budgets=SETTLE["budgets"], interim=SETTLE["interim"], config=config)
    assert_same_tables(got, parquet_tables(settled))


def test_aggregate_and_settle_from_aggregates(settled, claims, tmp_path):
    cli("aggregate", "--claims", DEMO / "claims", "--config", SETTLE["config"], "--out", tmp_path / "a.parquet")
    got = dianzhi.aggregate(claims=claims, config=SETTLE["config"])
    assert got["aggregates"].equals(pq.read_table(tmp_path / "a.parquet"))
    # the aggregates, in memory, settle as the claims do
    again = dianzhi.settle(aggregates=got["aggregates"], **SETTLE)
    assert_same_tables(again, parquet_tables(settled))


def test_scenarios_as_a_list_of_dicts_equal_the_file(tmp_path):
    base = dict(claims=DEMO / "claims", **SETTLE)
    from_file = dianzhi.scenario(**base, scenarios=DEMO / "scenarios.toml", settlements=True)
    listed = tomllib.loads((DEMO / "scenarios.toml").read_text())["scenario"]
    from_list = dianzhi.scenario(**base, scenarios=listed, settlements=True)
    assert_same_tables(from_list, from_file)
    cli("scenario", "--claims", DEMO / "claims", *flags(SETTLE), "--scenarios", DEMO / "scenarios.toml",
        "--settlements", "--out", tmp_path / "s")
    assert_same_tables(from_list, parquet_tables(tmp_path / "s"))
    assert {"point_values", "comparison", "settlements"} <= set(from_list)


def test_budget_and_interim(tmp_path):
    cli("budget", "--spec", DEMO / "budget.toml", "--out", tmp_path / "b")
    spec = tomllib.loads((DEMO / "budget.toml").read_text())
    assert_same_tables(dianzhi.budget(spec=spec), parquet_tables(tmp_path / "b"))
    args = dict(estimates=DEMO / "estimates.csv", month="2026-02", config=DEMO / "taiwan.toml")
    cli("interim", "--claims", DEMO / "claims", *flags(args), "--out", tmp_path / "i")
    assert_same_tables(dianzhi.interim(claims=DEMO / "claims", **args), parquet_tables(tmp_path / "i"))


def test_compare(settled, claims):
    same, differences = dianzhi.compare(settled, settled)
    assert same and differences.num_rows == 0
    other = dianzhi.settle(claims=claims.slice(0, claims.num_rows - 50), **SETTLE)
    same, differences = dianzhi.compare(settled / "point_values.parquet", other["point_values"])
    assert not same and differences.num_rows > 0


def test_report_export_and_statement(settled, tmp_path):
    page = dianzhi.report(settled, out=tmp_path / "r.html")
    assert page == tmp_path / "r.html" and "<html" in page.read_text()
    book = dianzhi.export(settled, out=tmp_path / "r.xlsx")
    assert book.stat().st_size > 0
    # in Chinese: the page's labels over the column names, the workbook's labels over the names
    zh = dianzhi.report(settled, out=tmp_path / "zh.html", lang="zh").read_text()
    assert '<html lang="zh">' in zh and '浮动点值<span class="col">fpv</span>' in zh
    zh_book = dianzhi.export(settled, out=tmp_path / "zh.xlsx", lang="zh")
    assert zh_book.stat().st_size > 0
    pages = dianzhi.statement(settled, out=tmp_path / "st", lang="zh")
    assert any(pages.glob("*.html"))


@pytest.fixture(scope="module")
def dip_settled(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "dip"
    cli("dip", "settle", "--cases", DIP / "cases.csv", *flags(DIP_YEAR), "--out", out)
    return out


@pytest.mark.parametrize("kind", ["path", "pyarrow", "polars", "pandas"])
def test_dip_settle_equals_the_cli(dip_settled, cases, kind):
    data = {
        "path": DIP / "cases.csv",
        "pyarrow": cases,
        "polars": pl.from_arrow(cases),
        "pandas": cases.to_pandas(),
    }[kind]
    got = dianzhi.dip_settle(cases=data, **DIP_YEAR)
    assert_same_tables(got, parquet_tables(dip_settled))
    assert got["cases"].num_rows == cases.num_rows


def test_dip_presettle_budget_and_scenario(cases, tmp_path):
    cli("dip", "presettle", "--cases", DIP / "cases.csv", *flags(DIP_YEAR), "--month", "2026-03", "--out", tmp_path / "p")
    got = dianzhi.dip_presettle(cases=cases, month="2026-03", **DIP_YEAR)
    assert_same_tables(got, parquet_tables(tmp_path / "p"))

    history = pd.read_csv(DIP / "history.csv", dtype=str)
    cli("dip", "budget", "--spec", DIP / "budget.toml", "--history", DIP / "history.csv", "--out", tmp_path / "b")
    spec = tomllib.loads((DIP / "budget.toml").read_text())
    assert_same_tables(dianzhi.dip_budget(spec=spec, history=DIP / "history.csv"), parquet_tables(tmp_path / "b"))
    assert history.shape[0] > 0

    cli("dip", "scenario", "--cases", DIP / "cases.csv", *flags(DIP_YEAR), "--scenarios", DIP / "scenarios.toml",
        "--hospitals", "--out", tmp_path / "s")
    listed = tomllib.loads((DIP / "scenarios.toml").read_text())["scenario"]
    got = dianzhi.dip_scenario(cases=cases, scenarios=listed, hospitals=True, **DIP_YEAR)
    assert_same_tables(got, parquet_tables(tmp_path / "s"))


def test_threads_do_not_change_results(dip_settled):
    got = dianzhi.dip_settle(cases=DIP / "cases.csv", threads=1, **DIP_YEAR)
    assert_same_tables(got, parquet_tables(dip_settled))


def test_csv_outputs_are_returned_as_paths(tmp_path):
    got = dianzhi.settle(claims=DEMO / "claims", **SETTLE, out=tmp_path / "c", format="csv")
    assert got["point_values"] == tmp_path / "c" / "point_values.csv"
    assert isinstance(got["point_values"], pathlib.Path)


def test_report_of_several_outputs_is_their_trend(tmp_path):
    outs = []
    for quarter, seed in (("2025Q4", "1"), ("2026Q1", "2")):
        gen = tmp_path / f"g{quarter}"
        cli("generate", "--rows", "2000", "--institutions", "100", "--quarter", quarter, "--seed", seed, "--out", gen)
        outs.append(tmp_path / f"s{quarter}")
        dianzhi.settle(claims=gen / "claims", budgets=gen / "budgets.parquet", interim=gen / "interim.parquet",
                       out=outs[-1])
    page = dianzhi.report(outs, out=tmp_path / "trend.html")
    assert "Point values over the quarters" in page.read_text()
    with pytest.raises(dianzhi.InputError, match="--out FILE.html"):
        dianzhi.report(outs)
