"""Downloads of the fit page: spreadsheet-safe CSV, strict JSON of parameters, chart HTML."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard.downloads import (
    FORMULA_TRIGGERS,
    csv_bytes,
    figure_html,
    neutralise_cell,
    parameters_csv,
    parameters_json,
    parameters_record,
    parameters_table,
    safe_frame,
)
from scaling_core.fit import bootstrap_fit, fit
from scaling_core.runs import read_run_log

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def isoflop_fit():  # type: ignore[no-untyped-def]
    return fit(read_run_log(ROOT / "sample_data" / "isoflop_sweep.csv").runs, "chinchilla")


@pytest.mark.parametrize(
    "cell",
    [
        "=1+1",
        '=HYPERLINK("http://evil.example","x")',
        "+SUM(A1:A2)",
        "-2+3",
        "@SUM(A1)",
        "\t=1",
        "\r=1",
        "  =cmd|' /C calc'!A0",
        "-",
        "+",
    ],
)
def test_formula_cells_are_prefixed(cell: str) -> None:
    assert neutralise_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["-0.5", "+1e9", "-1.5E-3", "3.2", "run-01", "a=b", "", " "])
def test_plain_text_and_numbers_are_left_alone(cell: str) -> None:
    assert neutralise_cell(cell) == cell


@pytest.mark.parametrize("value", [-0.5, -1, 0, 2.5, math.nan, None, True])
def test_non_text_values_are_left_alone(value: object) -> None:
    out = neutralise_cell(value)
    assert out is value or (isinstance(value, float) and math.isnan(out))


@given(st.text())
def test_no_cell_starts_a_formula(text: str) -> None:
    out = neutralise_cell(text)
    stripped = out.lstrip(" ")
    if stripped and stripped[0] in FORMULA_TRIGGERS:
        float(out)  # only plain numbers may keep a leading sign


def test_csv_neutralises_cells_and_headers_but_not_numbers() -> None:
    frame = pd.DataFrame(
        {
            "run": ["=1+1", "ok", "@x"],
            "loss": [-0.5, 2.0, 3.0],
            "=evil": ["-1+1", "-0.25", "plain"],
        }
    )
    text = csv_bytes(frame).decode("utf-8")
    back = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    assert list(back.columns) == ["run", "loss", "'=evil"]
    assert back["run"].tolist() == ["'=1+1", "ok", "'@x"]
    assert back["loss"].tolist() == ["-0.5", "2", "3"]
    assert back["'=evil"].tolist() == ["'-1+1", "-0.25", "plain"]
    assert frame["run"].tolist() == ["=1+1", "ok", "@x"]  # the input is not modified


def test_safe_frame_keeps_numeric_columns() -> None:
    frame = pd.DataFrame({"a": [1.0, -2.0], "b": pd.array(["=x", "y"], dtype="string")})
    out = safe_frame(frame)
    assert out["a"].dtype == frame["a"].dtype
    assert out["b"].tolist() == ["'=x", "y"]


def test_parameters_json_is_strict_and_complete(isoflop_fit) -> None:  # type: ignore[no-untyped-def]
    record = json.loads(parameters_json(isoflop_fit, source="=evil.csv", equation="E + A/N^a"))
    assert record["form"] == "chinchilla"
    assert record["parameters"] == isoflop_fit.params  # full precision
    assert record["objective"] == isoflop_fit.objective
    assert record["n_runs_used"] == 54
    assert record["units"]["loss"] == "nats/token"
    assert record["source_file"] == "=evil.csv"  # JSON is data, not a spreadsheet
    assert "bootstrap" not in record


def test_parameters_json_with_intervals_and_nan(isoflop_fit) -> None:  # type: ignore[no-untyped-def]
    boot = bootstrap_fit(isoflop_fit.runs, "chinchilla", n_boot=4, seed=1)
    intervals = {**boot.intervals, "alpha": (math.nan, math.inf)}
    text = parameters_json(
        isoflop_fit, intervals=intervals, confidence=0.95, n_boot=4, resampling=boot.resampling
    )
    record = json.loads(text)  # strict JSON: NaN/inf became null
    assert record["bootstrap"]["intervals"]["alpha"] == [None, None]
    assert record["bootstrap"]["intervals"]["beta"] == list(boot.intervals["beta"])
    assert record["bootstrap"]["n_refits"] == 4
    assert record["bootstrap"]["resampling"].startswith("clusters of runs sharing (N, D): ")
    assert b"NaN" not in text and b"Infinity" not in text


def test_parameters_table_and_csv(isoflop_fit) -> None:  # type: ignore[no-untyped-def]
    table = parameters_table(isoflop_fit, {"alpha": (0.3, 0.4)})
    assert table["parameter"].tolist() == ["E", "A", "B", "alpha", "beta"]
    row = table.set_index("parameter").loc["alpha"]
    assert (row["interval_low"], row["interval_high"]) == (0.3, 0.4)
    back = pd.read_csv(io.BytesIO(parameters_csv(isoflop_fit)))
    assert back["value"].tolist() == pytest.approx(list(isoflop_fit.params.values()), rel=1e-9)


def test_parameters_record_of_fixed_fit() -> None:
    runs = read_run_log(ROOT / "sample_data" / "isoflop_sweep.csv").runs
    result = fit(runs, "chinchilla", fixed={"E": 1.8})
    record = parameters_record(result)
    assert record["fixed"] == ["E"]
    assert record["parameters"]["E"] == 1.8


def test_figure_html_uses_the_cdn() -> None:
    fig = go.Figure(go.Scatter(x=[1, 2], y=[3, 4], name="</script><script>alert(1)</script>"))
    html = figure_html(fig).decode("utf-8")
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert "<script>alert" not in html  # a name cannot close the page's script element
    assert "cdn.plot.ly" in html
    assert len(html) < 50_000  # plotly.js itself is not inlined
