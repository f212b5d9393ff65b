"""dianzhi (点值): regional point-value settlement of health-insurance global budgets.

The engine of the ``dianzhi`` command line, as Python functions: one per command, keyword
arguments named as the command's flags (``-`` becomes ``_``). A table argument is a path (text or
``pathlib.Path``: a file, a directory, a glob, ``book.xlsx#sheet``; or a list of them) or a table
in memory: a ``pyarrow.Table``, a ``pyarrow.RecordBatchReader``, or anything with
``__arrow_c_stream__`` (polars and pandas >= 2.2 data frames). ``config``, ``spec`` and
``scenarios`` also take dicts (a list of dicts for ``scenarios``) shaped as their TOML files.

Each function returns a dict of the command's output tables as ``pyarrow.Table`` objects, the
very tables the command writes as Parquet; with ``out=DIR`` the files are written there as the
command line writes them. Bad input raises :class:`InputError` with the command line's message.
See docs/python.md.
"""

from __future__ import annotations

import json
import os
import pathlib
import tempfile
from typing import Any, Dict, List, Tuple

import pyarrow as pa
import pyarrow.parquet as pq

from ._native import Error, InputError
from ._native import run as _run
from ._native import toml_text as _toml_text
from ._native import version as _version

__all__ = [
    "Error",
    "InputError",
    "settle",
    "aggregate",
    "scenario",
    "budget",
    "interim",
    "compare",
    "report",
    "export",
    "statement",
    "dip_aggregate",
    "dip_settle",
    "dip_presettle",
    "dip_budget",
    "dip_scenario",
]

__version__ = _version()

Tables = Dict[str, pa.Table]


def _is_pandas(value: Any) -> bool:
    return type(value).__module__.startswith("pandas") and type(value).__name__ == "DataFrame"


def _is_table(value: Any) -> bool:
    return (
        isinstance(value, (pa.Table, pa.RecordBatchReader, pa.RecordBatch))
        or hasattr(value, "__arrow_c_stream__")
        or _is_pandas(value)
    )


def _stream(value: Any) -> Any:
    """What the engine reads through the Arrow C stream interface."""
    if isinstance(value, pa.RecordBatch):
        return pa.Table.from_batches([value])
    if _is_pandas(value) and not hasattr(value, "__arrow_c_stream__"):
        # pandas before 2.2 has no C stream of its own: pyarrow converts it as 2.2 would
        return pa.Table.from_pandas(value, preserve_index=False)
    return value


class _CommandLine:
    """A command line being built from keyword arguments; files it needs live in ``tmp``."""

    def __init__(self, words: List[str], tmp: str, quiet: bool):
        self.argv: List[str] = (["--quiet"] if quiet else []) + list(words)
        self.tables: List[Tuple[str, str, Any]] = []
        self.tmp = tmp

    def value(self, name: str, value: Any) -> str:
        if _is_table(value):
            placeholder = f"\0table{len(self.tables)}"
            self.tables.append((placeholder, name, _stream(value)))
            return placeholder
        if isinstance(value, dict) or (
            isinstance(value, (list, tuple)) and value and all(isinstance(v, dict) for v in value)
        ):
            document = value if isinstance(value, dict) else {"scenario": list(value)}
            path = os.path.join(self.tmp, f"{name}.toml")
            with open(path, "w", encoding="utf-8") as f:
                f.write(_toml_text(json.dumps(document, default=str)))
            return path
        if isinstance(value, os.PathLike):
            return os.fspath(value)
        return str(value)

    def flag(self, name: str, value: Any) -> None:
        flag = "--" + name.replace("_", "-")
        if value is None or value is False:
            return
        if value is True:
            self.argv.append(flag)
        elif isinstance(value, (list, tuple)) and not all(isinstance(v, dict) for v in value):
            for v in value:
                self.argv.append(f"{flag}={self.value(name, v)}")
        else:
            # one word, so that a value starting with "-" is not taken for a flag
            self.argv.append(f"{flag}={self.value(name, value)}")

    def run(self) -> int:
        return _run(self.argv, self.tables)


def _read_outputs(out: pathlib.Path) -> Dict[str, Any]:
    """The tables of an output directory by name (``sub/name`` in a subdirectory): Parquet tables
    as ``pyarrow.Table``; tables written as CSV (``format="csv"``) as their paths."""
    tables: Dict[str, Any] = {}
    for path in sorted(out.rglob("*")):
        name = path.relative_to(out).with_suffix("").as_posix()
        if path.suffix == ".parquet":
            tables[name] = pq.read_table(path)
        elif path.suffix == ".csv":
            tables[name] = path
    return tables


def _run_into(words: List[str], kwargs: Dict[str, Any], tmp: str, default_out: pathlib.Path) -> pathlib.Path:
    """Runs a command with ``kwargs`` as its flags and ``--out`` (``default_out`` unless given);
    returns where it wrote."""
    line = _CommandLine(words, tmp, kwargs.pop("quiet", True))
    out = kwargs.pop("out", None)
    out = pathlib.Path(out) if out is not None else default_out
    for name, value in kwargs.items():
        line.flag(name, value)
    line.flag("out", out)
    line.run()
    return out


def _to_dir(words: List[str], kwargs: Dict[str, Any]) -> Tables:
    """Runs a command that writes a directory of tables, and returns them."""
    with tempfile.TemporaryDirectory(prefix="dianzhi-") as tmp:
        return _read_outputs(_run_into(words, kwargs, tmp, pathlib.Path(tmp) / "out"))


def settle(**kwargs: Any) -> Tables:
    """``dianzhi settle``: the quarter's point values and every provider's settlement.

    Takes ``claims`` (or ``aggregates``), ``budgets``, ``interim``, ``config``, ``quarter``,
    ``out``, ``format``, ``force``, ``threads``, ``encoding``. Returns ``point_values`` and
    ``settlements``."""
    return _to_dir(["settle"], kwargs)


def scenario(**kwargs: Any) -> Tables:
    """``dianzhi scenario``: settle the baseline and each scenario (``scenarios``: a path or a
    list of dicts shaped as the file's ``[[scenario]]`` tables)."""
    return _to_dir(["scenario"], kwargs)


def budget(**kwargs: Any) -> Tables:
    """``dianzhi budget``: quarterly pool budgets from last year's base (``spec``: path or dict)."""
    return _to_dir(["budget"], kwargs)


def interim(**kwargs: Any) -> Tables:
    """``dianzhi interim``: a month's interim payments."""
    return _to_dir(["interim"], kwargs)


def dip_settle(**kwargs: Any) -> Tables:
    """``dianzhi dip settle``: the year's point values, every hospital's clearing, scored cases."""
    return _to_dir(["dip", "settle"], kwargs)


def dip_presettle(**kwargs: Any) -> Tables:
    """``dianzhi dip presettle``: a month's pre-settlement and the execution watch."""
    return _to_dir(["dip", "presettle"], kwargs)


def dip_budget(**kwargs: Any) -> Tables:
    """``dianzhi dip budget``: the year's budget per pool (``spec``: path or dict)."""
    return _to_dir(["dip", "budget"], kwargs)


def dip_scenario(**kwargs: Any) -> Tables:
    """``dianzhi dip scenario``: the DIP year under each scenario."""
    return _to_dir(["dip", "scenario"], kwargs)


def aggregate(**kwargs: Any) -> Tables:
    """``dianzhi aggregate``: per-(institution, pool) sums of the claims, the scan's result.
    Returns ``{"aggregates": table}``; ``out`` is a file here, as on the command line."""
    return _to_file_table(["aggregate"], kwargs)


def dip_aggregate(**kwargs: Any) -> Tables:
    """``dianzhi dip aggregate``: the cases scored and summed per hospital, pool and month, for
    ``dip_settle(aggregates=...)``. Returns ``{"aggregates": table}``; ``out`` is a file."""
    return _to_file_table(["dip", "aggregate"], kwargs)


def _to_file_table(words: List[str], kwargs: Dict[str, Any]) -> Tables:
    """Runs a command that writes one table to the file ``out`` and returns it."""
    with tempfile.TemporaryDirectory(prefix="dianzhi-") as tmp:
        out = _run_into(words, kwargs, tmp, pathlib.Path(tmp) / "aggregates.parquet")
        return {"aggregates": out if out.suffix == ".csv" else pq.read_table(out)}


def compare(a: Any, b: Any, **kwargs: Any) -> Tuple[bool, pa.Table]:
    """``dianzhi compare A B``: whether two outputs are the same (within ``tolerance``), and the
    differences as a table. A table in memory is written to a Parquet file first: compare reads
    whole files."""
    quiet = kwargs.pop("quiet", True)
    with tempfile.TemporaryDirectory(prefix="dianzhi-") as tmp:
        line = _CommandLine(["compare"], tmp, quiet)
        for name, side in (("a", a), ("b", b)):
            if _is_table(side):
                path = os.path.join(tmp, f"{name}.parquet")
                pq.write_table(pa.table(_stream(side)), path)
                side = path
            line.argv.append(line.value(name, side))
        out = kwargs.pop("out", None)
        out = pathlib.Path(out) if out is not None else pathlib.Path(tmp) / "out"
        for name, value in kwargs.items():
            line.flag(name, value)
        line.flag("out", out)
        same = line.run() == 0
        tables = _read_outputs(out)
        return same, next(iter(tables.values()))


def _to_file(words: List[str], directory: Any, kwargs: Dict[str, Any], default: Any) -> pathlib.Path:
    quiet = kwargs.pop("quiet", True)
    with tempfile.TemporaryDirectory(prefix="dianzhi-") as tmp:
        line = _CommandLine(words, tmp, quiet)
        for one in directory if isinstance(directory, (list, tuple)) else [directory]:
            line.argv.append(line.value("dir", one))
        for name, value in kwargs.items():
            line.flag(name, value)
        line.run()
    return pathlib.Path(kwargs["out"] if kwargs.get("out") is not None else default)


def report(dir: Any, **kwargs: Any) -> pathlib.Path:
    """``dianzhi report DIR``: the HTML report of an output directory; returns its path. A list
    of settle (or dip settle) outputs makes the trend of their point values (``out=`` needed)."""
    default = None if isinstance(dir, (list, tuple)) else pathlib.Path(dir) / "report.html"
    return _to_file(["report"], dir, kwargs, default)


def export(dir: Any, **kwargs: Any) -> pathlib.Path:
    """``dianzhi export DIR --out FILE.xlsx``: the output's tables as a workbook; its path."""
    return _to_file(["export"], dir, kwargs, None)


def statement(dir: Any, **kwargs: Any) -> pathlib.Path:
    """``dianzhi statement DIR --out DIR2``: a page per institution; the directory written."""
    return _to_file(["statement"], dir, kwargs, None)
