"""Bad input raises dianzhi.InputError with the command line's message (the CLI's exit 2): a
table in memory is refused as the same table in a Parquet file is, named `<flag> (in memory)`
where the command line names the file. Ctrl-C stops a run and leaves nothing written."""

import _thread
import signal
import threading
import time

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

import dianzhi
from conftest import DEMO, DIP, DIP_YEAR, SETTLE, cli, flags


def cli_message(*args):
    done = cli(*args, check=False)
    assert done.returncode == 2, done.stderr
    return done.stderr.strip().removeprefix("error: ")


def refused(call, **kwargs):
    with pytest.raises(dianzhi.InputError) as e:
        call(**kwargs)
    return str(e.value)


def memory_and_file(tmp_path, table, name, cli_args, call, **kwargs):
    """The message for `table` given in memory as `name`, and the CLI's for it as a file."""
    path = tmp_path / f"{name}.parquet"
    pq.write_table(table, path)
    # the same message, naming the table where the command line names the file
    want = cli_message(*cli_args(path)).replace(str(path), f"{name} (in memory)").replace("the file has", "the table has")
    got = refused(call, **{name: table}, **kwargs)
    return got, want


def settle_args(path):
    return ["settle", "--claims", path, *flags(SETTLE), "--out", "/nonexistent/never-written"]


def test_a_missing_column(claims, tmp_path):
    got, want = memory_and_file(tmp_path, claims.drop_columns(["region"]), "claims", settle_args, dianzhi.settle, **SETTLE)
    assert got == want and "required column is missing" in got and "'region'" in got and "the table has" in got


def test_points_as_floats(claims, tmp_path):
    floats = claims.set_column(5, "claimed_points", pc.cast(claims["claimed_points"], pa.float64()))
    got, want = memory_and_file(tmp_path, floats, "claims", settle_args, dianzhi.settle, **SETTLE)
    assert got == want and "floating-point" in got


def test_points_as_text(claims, tmp_path):
    text = claims.set_column(5, "claimed_points", pc.cast(claims["claimed_points"], pa.string()))
    got, want = memory_and_file(tmp_path, text, "claims", settle_args, dianzhi.settle, **SETTLE)
    assert got == want and "is text" in got


def test_a_blank_id_names_its_row(claims, tmp_path):
    ids = claims["institution_id"].to_pylist()
    ids[41] = None
    blank = claims.set_column(0, "institution_id", pa.array(ids, pa.string()))
    got, want = memory_and_file(tmp_path, blank, "claims", settle_args, dianzhi.settle, **SETTLE)
    assert got == want and "row 42" in got


def test_a_repeated_case_id(cases, tmp_path):
    ids = cases["case_id"].to_pylist()
    ids[7] = ids[3]
    repeated = cases.set_column(0, "case_id", pa.array(ids, pa.string()))

    def args(path):
        return ["dip", "settle", "--cases", path, *flags(DIP_YEAR), "--out", "/nonexistent/never-written"]

    got, want = memory_and_file(tmp_path, repeated, "cases", args, dianzhi.dip_settle, **DIP_YEAR)
    assert got == want and ids[3] in got


def test_no_such_file():
    want = cli_message("settle", "--claims", "no-such.csv", *flags(SETTLE), "--out", "/nonexistent/x")
    assert refused(dianzhi.settle, claims="no-such.csv", **SETTLE) == want


def test_an_unknown_flag():
    message = refused(dianzhi.settle, claims=DEMO / "claims", **SETTLE, budget_file="x")
    assert "unexpected argument '--budget-file'" in message


def test_a_month_that_is_no_month():
    message = refused(dianzhi.interim, claims=DEMO / "claims", estimates=DEMO / "estimates.csv", month="2026-13")
    assert "2026-13" in message


def test_a_config_dict_with_a_bad_rounding():
    config = {"money": {"rounding": "sideways"}}
    message = refused(dianzhi.settle, claims=DEMO / "claims", budgets=SETTLE["budgets"], config=config)
    assert "sideways" in message


def test_a_scenario_that_matches_nothing():
    scenarios = [{"name": "moon", "volume": [{"region": "moon", "scale": "1.05"}]}]
    message = refused(dianzhi.scenario, claims=DEMO / "claims", **SETTLE, scenarios=scenarios)
    assert "moon" in message


def test_a_negative_tolerance(tmp_path):
    message = refused(dianzhi.compare, a=DEMO / "budgets.csv", b=DEMO / "budgets.csv", tolerance="-1")
    assert "tolerance" in message


def test_other_failures_are_errors_not_input_errors():
    assert issubclass(dianzhi.InputError, dianzhi.Error)


def test_ctrl_c_stops_a_run_and_writes_nothing(tmp_path):
    # a year of cases that takes seconds to clear (4 s in the test build); Ctrl-C after 0.3 s
    cli("dip", "generate", "--cases", "400000", "--hospitals", "200", "--out", tmp_path / "gen")
    gen = tmp_path / "gen"
    year = {name: gen / f"{name}.parquet" for name in ("groups", "averages", "institutions", "funds")}
    # Ctrl-C as Python handles it, even where the run was started with SIGINT ignored (a job put
    # in the background by a non-interactive shell): there interrupt_main would do nothing
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(0.3, _thread.interrupt_main)
    timer.start()
    started = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt):
            dianzhi.dip_settle(cases=gen / "cases", **year, out=tmp_path / "out")
    finally:
        stopped = time.monotonic() - started
        timer.cancel()
        signal.signal(signal.SIGINT, previous)
    assert not (tmp_path / "out").exists()
    # the run stopped, not finished: the same run uninterrupted takes longer
    started = time.monotonic()
    assert dianzhi.dip_settle(cases=gen / "cases", **year)["hospitals"].num_rows > 0
    assert stopped < time.monotonic() - started
