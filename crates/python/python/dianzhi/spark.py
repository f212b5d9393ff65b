"""dianzhi on Spark: the engine's own scan on every partition, exact sums in Spark, the pools
solved on the driver by the engine.

- :func:`aggregate` — each partition's claims go through the engine's scan (``mapInArrow``
  calling :func:`dianzhi.aggregate`, the same column rules and checks as the command line); Spark
  sums the partial aggregates exactly (DECIMAL(38, 4) points, DECIMAL(38, 0) money, BIGINT
  rows). A (institution, pool) that spans partitions is summed; the sum of sums is the sum.
- :func:`settle` — the aggregates, collected to the driver (one row per institution and pool:
  small), settled by :func:`dianzhi.settle` (``--aggregates``): the command line's tables.
- :func:`dip_settle` — each partition's cases scored by the engine (:func:`dianzhi.dip_aggregate`),
  the hospitals' sums added up by Spark, the year cleared on the driver (``dip settle
  --aggregates``); then each partition's cases valued at the year's point values (``dip settle
  --point-values --cases-only``): the command line's point_values and hospitals, and its cases as a Spark
  DataFrame.

The lookup tables (groups, averages, institutions) are read by every partition: give paths that
the executors can read (a shared file system), or tables in memory (they travel with the task).

See docs/python.md: when one machine suffices and when to use this.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any, Dict, Iterator

import pyarrow as pa

import dianzhi

# the aggregates' keys, in the command line's order of rows
AGGREGATE_KEYS = ["sector", "region", "quarter", "institution_id"]


def _portable(value: Any) -> Any:
    """A config the executors can read: a path's text goes with the task (a path on the driver
    need not exist on an executor); a dict goes as it is."""
    if value is None or isinstance(value, dict):
        return value
    with open(os.fspath(value), encoding="utf-8") as f:
        return ("toml", f.read())


def _local(value: Any, tmp: str) -> Any:
    """The executor's side of :func:`_portable`: TOML text written to a file of its own."""
    if isinstance(value, tuple) and value and value[0] == "toml":
        path = os.path.join(tmp, "config.toml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(value[1])
        return path
    return value


def _each_partition(run: Any) -> Any:
    """A ``mapInArrow`` function: ``run(table, tmp)`` on each non-empty partition's rows (``tmp``
    a directory of the task's own), its table's batches out."""

    def each(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        batches = list(batches)
        if sum(b.num_rows for b in batches) == 0:
            return
        with tempfile.TemporaryDirectory(prefix="dianzhi-") as tmp:
            table = run(pa.Table.from_batches(batches), tmp)
        yield from table.to_batches()

    return each


def _summed(partial: Any, keys: Any, schema: pa.Schema) -> Any:
    """The partial tables' rows added up by ``keys``: every other column summed exactly (a
    decimal at its own scale in DECIMAL(38, s): Spark widens a decimal sum by 10 digits, up to
    38), in the columns' order."""
    from pyspark.sql import functions as F

    totals = []
    for field in schema:
        if field.name in keys:
            continue
        total = F.sum(field.name)
        if pa.types.is_decimal(field.type):
            total = total.cast(f"decimal(38,{field.type.scale})")
        totals.append(total.alias(field.name))
    return partial.groupBy(*keys).agg(*totals).select(*[f.name for f in schema])


def _aggregates_schema(claims_schema: pa.Schema, config: Any) -> pa.Schema:
    """The engine's aggregates schema, from the engine itself (an empty scan)."""
    with tempfile.TemporaryDirectory(prefix="dianzhi-") as tmp:
        empty = claims_schema.empty_table()
        return dianzhi.aggregate(claims=empty, config=_local(config, tmp))["aggregates"].schema


def aggregate(claims_df: Any, config: Any = None) -> Any:
    """The aggregates table of ``claims_df`` as a Spark DataFrame, in the command line's row
    order: per partition the engine's scan, summed exactly by Spark."""
    from pyspark.sql.pandas.types import from_arrow_schema, to_arrow_schema

    config = _portable(config)
    arrow_schema = _aggregates_schema(to_arrow_schema(claims_df.schema), config)

    def scan(claims: pa.Table, tmp: str) -> pa.Table:
        return dianzhi.aggregate(claims=claims, config=_local(config, tmp))["aggregates"]

    partial = claims_df.mapInArrow(_each_partition(scan), from_arrow_schema(arrow_schema))
    return _summed(partial, AGGREGATE_KEYS, arrow_schema).orderBy(*AGGREGATE_KEYS)


def _to_arrow(df: Any) -> pa.Table:
    """A (small) Spark DataFrame on the driver as a pyarrow Table."""
    if hasattr(df, "toArrow"):  # Spark >= 4
        return df.toArrow()
    return pa.Table.from_pandas(df.toPandas(), preserve_index=False)


def settle(claims_df: Any, budgets: Any, interim: Any = None, config: Any = None, **kwargs: Any) -> Dict[str, pa.Table]:
    """The quarter settled: the claims aggregated in Spark (:func:`aggregate`), the pools solved
    on the driver by :func:`dianzhi.settle` — ``point_values`` and ``settlements`` as the
    command line writes them. ``budgets`` and ``interim`` are paths or tables (they are small)."""
    aggregates = _to_arrow(aggregate(claims_df, config=config))
    return dianzhi.settle(aggregates=aggregates, budgets=budgets, interim=interim, config=config, **kwargs)


DIP_SUM_KEYS = ["institution_id", "region", "fund", "year", "month"]


def _shippable(value: Any) -> Any:
    """A path as text (pathlib paths pickle, but text is what every executor reads), a table
    as it is (pyarrow tables pickle)."""
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, (list, tuple)):
        return [_shippable(v) for v in value]
    return value


def _repeated_case_ids(cases_df: Any) -> None:
    """Refuses a case_id given twice anywhere in the cases (no partition sees every case)."""
    from pyspark.sql import functions as F

    repeated = cases_df.groupBy("case_id").count().where(F.col("count") > 1).orderBy("case_id").limit(5).collect()
    if repeated:
        ids = ", ".join(f"{r['case_id']} ({r['count']} times)" for r in repeated)
        raise dianzhi.InputError(
            f"cases: case_id repeated: {ids}; each discharged case is given once: remove the repeated rows"
        )


def dip_settle(
    cases_df: Any,
    groups: Any,
    averages: Any,
    institutions: Any,
    funds: Any = None,
    payments: Any = None,
    config: Any = None,
    year: Any = None,
    assessment: Any = None,
    keep: Any = None,
    **kwargs: Any,
) -> Dict[str, Any]:
    """The DIP year cleared on Spark: ``point_values`` and ``hospitals`` as ``pyarrow.Table``s
    (the command line's), and ``cases`` as a Spark DataFrame of the scored cases valued at the
    year's point values (the command line's rows; sort them as you need)."""
    from pyspark.sql.pandas.types import from_arrow_schema

    if kwargs.get("special") is not None:
        raise dianzhi.InputError(
            "special: decisions on single cases are checked against every case (a decision for a "
            "case not given is refused), which no partition sees; clear such a year with "
            "dianzhi.dip_settle on one machine"
        )
    config = _portable(config)
    lookups = {n: _shippable(v) for n, v in (("groups", groups), ("averages", averages), ("institutions", institutions))}
    _repeated_case_ids(cases_df)

    def scored(cases: pa.Table, tmp: str) -> pa.Table:
        return dianzhi.dip_aggregate(cases=cases, config=_local(config, tmp), year=year, **lookups)["aggregates"]

    # the sums' schema, from the engine: the aggregates of a few cases on the driver
    sample = _to_arrow(cases_df.limit(100))
    with tempfile.TemporaryDirectory(prefix="dianzhi-") as tmp:
        sums_schema = scored(sample, tmp).schema
    partial = cases_df.mapInArrow(_each_partition(scored), from_arrow_schema(sums_schema))
    sums = _summed(partial, DIP_SUM_KEYS, sums_schema)
    sums = _to_arrow(sums.orderBy("region", "fund", "year", "institution_id", "month")).cast(sums_schema)

    with tempfile.TemporaryDirectory(prefix="dianzhi-") as tmp:
        year_tables = dianzhi.dip_settle(
            aggregates=sums,
            funds=funds,
            payments=payments,
            config=_local(config, tmp),
            year=year,
            assessment=assessment,
            **lookups,
            **kwargs,
        )
    point_values = year_tables["point_values"]
    # the year's published values (and payment ratios), as `dip settle --point-values` reads them
    published = point_values.select(["region", "fund", "pv", "payment_ratio"]).rename_columns(
        ["region", "fund", "point_value", "payment_ratio"]
    )

    def valued(cases: pa.Table, tmp: str) -> pa.Table:
        return dianzhi.dip_settle(
            cases=cases,
            point_values=published,
            cases_only=True,
            config=_local(config, tmp),
            year=year,
            keep=keep,
            **lookups,
        )["cases"]

    with tempfile.TemporaryDirectory(prefix="dianzhi-") as tmp:
        cases_schema = valued(sample, tmp).schema
    cases = cases_df.mapInArrow(_each_partition(valued), from_arrow_schema(cases_schema))
    return {"point_values": point_values, "hospitals": year_tables["hospitals"], "cases": cases}
