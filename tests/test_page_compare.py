"""`dashboard.compare_view.show_comparison` in AppTest (the page that calls it is another's): the
default pair, and the same two sweeps of an uploaded file, show the command line's multiplier
and interval for the same sweeps and seed, a pair across loss scales and a pair the runs do not determine show no multiplier, and every
control is a link parameter.  The chart builder draws what the comparison holds."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from page_charts import chart_json, chart_specs
from streamlit.testing.v1 import AppTest

from charts.compare import MARKER_NAME, comparison_figure
from charts.format import format_ratio
from dashboard.compare_view import UPLOAD_KEY
from scaling_core.cli import main
from scaling_core.compare import compare_tables
from scaling_core.presets import get_law

ROOT = Path(__file__).resolve().parents[1]
GADRE_SAMPLE = ROOT / "sample_data" / "real" / "gadre-2024" / "gadre2024_final_losses.csv"
SCRIPT = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
from dashboard.layout import page
from dashboard.compare_view import show_comparison
with page("Ladders: tasks and comparisons"):
    show_comparison()
"""


def open_view(**query: str) -> AppTest:
    app = AppTest.from_string(SCRIPT, default_timeout=240)
    for key, value in query.items():
        app.query_params[key] = value
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


@pytest.fixture(scope="module")
def cli_gadre() -> dict:
    """The command line on the shipped Gadre et al. file: c4_original (A) against rw_original
    (B) at 1e20 FLOP, the section's default pair, budget and seed."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(
            [
                "compare",
                str(GADRE_SAMPLE),
                str(GADRE_SAMPLE),
                "--where-a",
                "dataset=c4_original",
                "--where-b",
                "dataset=rw_original",
                "--at-compute",
                "1e20",
                "--json",
            ]
        )
    assert status == 0
    return json.loads(out.getvalue())


def shown_multiplier(cli: dict) -> str:
    low, high = cli["interval"]
    return f"{format_ratio(cli['multiplier'])} ({format_ratio(low)}–{format_ratio(high)})"


def test_default_pair_shows_the_command_lines_multiplier_with_its_interval(cli_gadre: dict):
    app = open_view()
    shown = {m.label: m.value for m in app.metric}
    cli = cli_gadre
    assert shown["m at 1e20 FLOP, 95% CI"] == shown_multiplier(cli)
    # the fits' m(C) does not cross 1 in range, but about half the refits do: both say that
    # whether it crosses is not determined
    assert cli["crossover"]["compute"] is None and cli["crossover"]["determined"] is False
    assert 0.05 < cli["crossover"]["share_of_draws"] < 0.95
    assert shown["Crossover, m = 1, 95% CI"] == "not determined"
    assert cli["crossover"]["text"].startswith("Crossover not determined")
    assert len(chart_json(app)) == 1
    # the chart marks the budget at the command line's multiplier, its bar spanning the interval
    x, m, (low, high) = budget_mark(chart_specs(app)[0])
    assert x == pytest.approx(1e20) and m == pytest.approx(cli["multiplier"], rel=1e-9)
    assert (low, high) == pytest.approx(tuple(cli["interval"]), rel=1e-9)
    # every control is in the link
    link = dict(app.query_params)
    assert link["cmp_a"] == "gadre-2024" and link["cmp_b_gadre-2024_dataset"] == "rw_original"
    assert link["cmp_loss"] == "loss" and link["cmp_c"] == "1e20"


def budget_mark(spec: dict) -> tuple[float, float, tuple[float, float]]:
    """The budget, multiplier and interval a comparison chart marks: its diamond's anchor and
    the vertical bar through it, read from the drawn figure's shapes."""
    (diamond,) = [s for s in spec["layout"]["shapes"] if s.get("name") == MARKER_NAME]
    x, m = diamond["xanchor"], diamond["yanchor"]
    (bar,) = [
        s for s in spec["layout"]["shapes"] if s["type"] == "line" and s.get("x0") == x == s["x1"]
    ]
    return x, m, (bar["y0"], bar["y1"])


def test_a_budget_move_moves_the_marker_over_the_same_curve():
    """The budget slider moves the marker to the multiplier the page states; the curve, band
    and axes under it are the same figure (kept, not rebuilt)."""
    app = open_view()
    before = chart_specs(app)[0]
    app.select_slider(key="w_cmp_c").set_value(1e21).run()
    assert not app.exception, [e.value for e in app.exception]
    after = chart_specs(app)[0]
    shown = {m.label: m.value for m in app.metric}
    x, m, (low, high) = budget_mark(after)
    assert x == pytest.approx(1e21)
    assert (
        shown["m at 1e21 FLOP, 95% CI"]
        == f"{format_ratio(m)} ({format_ratio(low)}–{format_ratio(high)})"
    )
    assert budget_mark(before)[1] != m
    assert after["data"] == before["data"]
    assert after["layout"]["xaxis"] == before["layout"]["xaxis"]
    assert after["layout"]["yaxis"] == before["layout"]["yaxis"]


def test_a_budget_beyond_the_runs_grid_widens_the_axis_to_its_marker():
    """The slider reaches 1e25 FLOP, beyond the budgets the curve is drawn for (to about
    5.7e23): the marker sits at the budget the page states, and the x axis reaches it."""
    app = open_view(cmp_c="1e25")
    spec = chart_specs(app)[0]
    x, m, _ = budget_mark(spec)
    shown = {mm.label: mm.value for mm in app.metric}
    assert x == pytest.approx(1e25)
    assert shown["m at 1e25 FLOP, 95% CI (extrapolated)"].startswith(format_ratio(m))
    low, high = spec["layout"]["xaxis"]["range"]
    assert low < 25 < high


def test_an_uploaded_file_compares_two_of_its_sweeps_as_the_command_line_does(cli_gadre: dict):
    app = AppTest.from_string(SCRIPT, default_timeout=240)
    app.query_params["cmp_from"] = "upload"
    app.session_state[UPLOAD_KEY] = ("gadre.csv", GADRE_SAMPLE.read_bytes())
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.selectbox(key="cmp_up_a_0").value == "c4_original"
    app.selectbox(key="cmp_up_b_0").set_value("rw_original").run()
    assert not app.exception, [e.value for e in app.exception]
    shown = {m.label: m.value for m in app.metric}
    assert shown["m at 1e20 FLOP, 95% CI"] == shown_multiplier(cli_gadre)
    # the file and its values stay out of the link
    link = dict(app.query_params)
    assert link["cmp_from"] == "upload"
    assert not any("rw_original" in str(v) or "gadre" in str(v) for v in link.values())


RELEASED_GADRE = (
    ROOT / "tests" / "fixtures" / "real-logs" / "gadre-2024" / "gadre2024_final_losses.csv"
)


def cli_compare(path: Path, *flags: str) -> dict:
    """``compare PATH PATH`` of c4_original (A) against rw_original (B) at 1e20 FLOP, as JSON."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(
            ["compare", str(path), str(path), "--where-a", "dataset=c4_original",
             "--where-b", "dataset=rw_original", "--at-compute", "1e20", "--json", *flags]
        )  # fmt: skip
    assert status == 0
    return json.loads(out.getvalue())


def test_the_released_file_compares_on_each_of_its_losses_as_the_command_line_does():
    """Gadre et al.'s final losses as released (no column named 'loss': loss_c4_val and seven
    other evaluation sets) read as the fit page and ``compare`` read them: the guessed loss,
    then another picked, each shows the command line's multiplier and interval."""
    app = AppTest.from_string(SCRIPT, default_timeout=240)
    app.query_params["cmp_from"] = "upload"
    app.session_state[UPLOAD_KEY] = (RELEASED_GADRE.name, RELEASED_GADRE.read_bytes())
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    picker = app.selectbox(key="cmp_up_loss")
    assert picker.value == "loss_c4_val"
    assert "loss_paloma_c4_en" in picker.options
    app.selectbox(key="cmp_up_b_0").set_value("rw_original").run()
    shown = {m.label: m.value for m in app.metric}
    cli = cli_compare(RELEASED_GADRE)
    assert cli["loss_column"] == "loss_c4_val"
    assert shown["m at 1e20 FLOP, 95% CI"] == shown_multiplier(cli)
    app.selectbox(key="cmp_up_loss").set_value("loss_paloma_c4_en").run()
    assert not app.exception, [e.value for e in app.exception]
    shown = {m.label: m.value for m in app.metric}
    paloma = cli_compare(RELEASED_GADRE, "--column", "loss=loss_paloma_c4_en")
    assert paloma["multiplier"] != cli["multiplier"]
    assert shown["m at 1e20 FLOP, 95% CI"] == shown_multiplier(paloma)


def test_an_uploaded_file_without_a_loss_column_is_refused_naming_its_headers():
    app = AppTest.from_string(SCRIPT, default_timeout=240)
    app.query_params["cmp_from"] = "upload"
    app.session_state[UPLOAD_KEY] = ("acc.csv", b"params,tokens,dataset,acc\n1e8,2e9,a,0.3\n")
    app.run()
    assert not app.exception
    text = app.warning[0].value
    assert "no loss column" in text and "'acc'" in text and "'dataset'" in text


def test_an_uploaded_file_with_one_sweep_is_refused_with_why(tmp_path: Path):
    app = AppTest.from_string(SCRIPT, default_timeout=240)
    app.query_params["cmp_from"] = "upload"
    app.session_state[UPLOAD_KEY] = ("one.csv", b"params,tokens,loss\n1e8,2e9,3.1\n2e8,4e9,2.9\n")
    app.run()
    assert not app.exception
    assert "holds one sweep" in app.warning[0].value


def test_sweeps_of_two_files_share_no_loss_scale():
    app = open_view(cmp_a="gadre-2024", cmp_b="olmo-ladder")
    assert not app.metric
    assert "share no loss scale" in app.warning[0].value


def test_a_sweep_whose_runs_leave_e_and_a_open_gives_no_multiplier():
    app = open_view(
        cmp_a="olmo-ladder",
        cmp_b="olmo-ladder",
        **{"cmp_a_olmo-ladder_schedule": "cosine", "cmp_b_olmo-ladder_schedule": "decay"},
    )
    assert not app.metric
    text = app.warning[0].value
    assert "not determined" in text and "sweep A" in text


def test_a_bad_link_value_falls_back_with_a_note():
    app = open_view(cmp_b="gadre-2024", **{"cmp_b_gadre-2024_dataset": "nope"}, cmp_c="1e400")
    notes = app.warning[0].value.replace("\\", "")  # the note escapes Markdown
    assert "cmp_b_gadre-2024_dataset" in notes and "cmp_c" in notes
    assert app.selectbox(key="w_cmp_b_gadre-2024_dataset").value == "rw_original"


def test_chart_marks_extrapolated_budgets_and_draws_the_band():
    law = get_law("epoch-2024")
    n = np.repeat([3e7, 6e7, 1.2e8, 2.5e8, 5e8, 1e9], 5)
    d = n * np.tile([5.0, 10.0, 20.0, 40.0, 80.0], 6)
    table = pd.DataFrame(
        {"run": range(30), "n_params": n, "n_tokens": d, "compute_flops": 6 * n * d}
    )
    loss = np.asarray(law.loss(n, d))
    noise = np.random.default_rng(0).normal(scale=0.003, size=(2, 30))
    result = compare_tables(
        table.assign(loss=loss * np.exp(noise[0])),
        table.assign(loss=loss * np.exp(noise[1])),
        n_boot=200,
    )
    fig = comparison_figure(result)
    names = [t.name for t in fig.data]
    assert names[:4] == ["95% interval", "m(C)", "m(C), extrapolated", "m = 1: equal compute"]
    solid = np.array(fig.data[1].y, dtype=float)
    flags = np.array([p.extrapolated for p in result.grid])
    assert np.all(np.isnan(solid[flags])) and np.all(np.isfinite(solid[~flags]))
    # one shaded rectangle per stretch of extrapolated budgets, covering each of them
    stretches = sum(bool(f) and (i == 0 or not flags[i - 1]) for i, f in enumerate(flags))
    shaded = [s for s in fig.layout.shapes if s.type == "rect"]
    assert stretches >= 1 and len(shaded) == stretches
    for point in (p for p in result.grid if p.extrapolated):
        assert any(s.x0 <= point.compute_flops <= s.x1 for s in shaded)
    # a dotted line at every crossover of the point estimate
    lines = [s.x0 for s in fig.layout.shapes if s.type == "line" and s.line.dash == "dot"]
    assert lines == list(result.crossover.budgets)
