"""The batch-size page in AppTest (defaults, extremes, read-outs = core) and its chart builders."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from page_charts import chart_json, chart_specs
from streamlit.testing.v1 import AppTest

from charts.batch import (
    LABEL_HEIGHT,
    critical_batch_figure,
    critical_batch_marks,
    stacked_labels,
    tradeoff_figure,
)
from charts.format import format_compute_value, format_count, format_loss
from charts.plan import format_duration, format_ratio
from charts.style import with_overlay
from scaling_core.allocation import compute_optimal
from scaling_core.planning import batch_plan, critical_batch_curve, tradeoff_curve
from scaling_core.presets import PRESETS

PAGE = str(Path(__file__).resolve().parents[1] / "pages" / "4_Batch_size_and_training_time.py")
OPTIMAL = "Compute-optimal model for a budget C"
CHOSEN = "Choose N and D"


def run_page(**session: object) -> AppTest:
    """Run the page once with the given persistent values in session state."""
    app = AppTest.from_file(PAGE, default_timeout=30)
    for key, value in session.items():
        app.session_state[key] = value
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def metrics(app: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


def expected_plan(law_key: str, n: float, d: float, batch: float, devices: float, mfu: float):
    return batch_plan(PRESETS[law_key], n, d, batch, "NVIDIA H100 SXM", devices, mfu)


def check_readouts(app: AppTest, plan) -> None:  # type: ignore[no-untyped-def]
    shown = metrics(app)
    assert shown["Target loss L(N, D)"] == f"{format_loss(plan.target_loss)} nats"
    assert shown["Kaplan B_crit(L)"] == f"{format_count(plan.b_crit)} tokens"
    assert shown["Porian B*(N)"] == f"{format_count(plan.porian_batch_tokens)} tokens"
    assert shown["DeepSeek B_opt(C)"] == f"{format_count(plan.deepseek_batch_tokens)} tokens"
    assert shown["Steps S = D/B"] == format_count(plan.steps.steps)
    assert shown["S_min"] == format_count(plan.steps.steps_min)
    assert shown["E_min (tokens)"] == format_count(plan.steps.tokens_min)
    assert shown["S / S_min"] == format_ratio(plan.steps.steps_over_min)
    assert shown["E / E_min"] == format_ratio(plan.steps.tokens_over_min)
    assert shown["Training compute 6ND (FLOP)"] == format_compute_value(plan.compute_flops)
    assert shown["Wall-clock"] == format_duration(plan.training_days)
    assert shown["Device-hours"] == format_count(plan.device_hours)


def test_defaults_match_core() -> None:
    app = run_page()
    assert "Batch size and training time" in app.title[0].value
    assert len(app.latex) >= 1
    law = PRESETS["epoch-2024"]  # the default primary law
    optimum = compute_optimal(law, 1e22)
    n, d = float(optimum.n_params), float(optimum.n_tokens)
    check_readouts(app, expected_plan("epoch-2024", n, d, 2e6, 256, 0.4))
    assert len(chart_json(app)) == 2


def test_chosen_n_and_d_with_kaplan() -> None:
    app = run_page(law="kaplan-2020", b_mode=CHOSEN, b_n=3e8, b_d=1e10, b_batch=5e5, b_mfu=0.5)
    check_readouts(app, expected_plan("kaplan-2020", 3e8, 1e10, 5e5, 256, 0.5))
    # no caveat about applying Kaplan's B_crit to another law's loss
    assert not any("another law's loss" in c.value for c in app.caption)


def test_slider_move_updates_readouts() -> None:
    app = run_page()
    app.select_slider(key="w_b_batch").set_value(1e4).run()
    assert not app.exception
    assert app.session_state["b_batch"] == 1e4
    optimum = compute_optimal(PRESETS["epoch-2024"], 1e22)
    plan = expected_plan(
        "epoch-2024", float(optimum.n_params), float(optimum.n_tokens), 1e4, 256, 0.4
    )
    check_readouts(app, plan)


@pytest.mark.parametrize(
    "session",
    [
        {"b_c": 1e17, "b_batch": 1e8, "b_dev": "1", "b_mfu": 0.05},
        {"b_c": 1e27, "b_batch": 1e4, "b_dev": "65536", "b_mfu": 0.8},
        {"b_mode": CHOSEN, "b_n": 1e6, "b_d": 1e8, "b_batch": 1e8, "law": "chinchilla-2022"},
        {"b_mode": CHOSEN, "b_n": 1e13, "b_d": 1e15, "b_batch": 1e4, "law": "kaplan-2020"},
        {"b_mode": CHOSEN, "b_n": 1e13, "b_d": 1e8, "b_batch": 1e4, "law": "epoch-2024"},
    ],
)
def test_extremes_render_without_exceptions(session: dict) -> None:
    app = run_page(**session)
    assert len(chart_json(app)) == 2
    assert all(value not in ("nan", "inf", "nan tokens") for value in metrics(app).values())


def test_batch_larger_than_run_warns() -> None:
    app = run_page(b_mode=CHOSEN, b_n=1e6, b_d=1e8, b_batch=1e8)
    assert any("fewer than one step" in w.value for w in app.warning)
    app = run_page(b_c=1e17, b_batch=1e7)
    assert any("optimiser steps" in w.value for w in app.warning)


def test_a_stale_url_value_falls_back() -> None:
    # an allocation-only law cannot be the primary law: the page uses the default loss law
    app = run_page(law="porian-2024-tuned")
    assert "Epoch AI" in " ".join(c.value for c in app.caption)


# ------------------------------------------------------------------------------ chart builders
#: The target loss and batch sizes of the critical-batch figure tests.
MARKS = {
    "target_loss": 2.5,
    "batch_tokens": 1e6,
    "porian_batch_tokens": 4e6,
    "deepseek_batch_tokens": 2e6,
}


def _shapes(fig) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return {shape.name: shape for shape in fig.layout.shapes if shape.name}


def test_critical_batch_figure() -> None:
    loss, b_crit = critical_batch_curve(1.5, 5.0)
    fig = critical_batch_figure(loss, b_crit, **MARKS)
    assert fig.data[0].name.startswith("Kaplan B_crit")
    lines = _shapes(fig)
    assert set(lines) == {"your batch", "Porian B*(N)", "DeepSeek B_opt(C)", "target loss"}
    labels = {a.hovertext.split(":")[0]: a for a in fig.layout.annotations if a.hovertext}
    for name, value in (("your batch", 1e6), ("Porian B*(N)", 4e6), ("DeepSeek B_opt(C)", 2e6)):
        assert lines[name].y0 == lines[name].y1 == value
        assert labels[name].text == f"{format_count(value)} tokens"
        assert labels[name].x == 1 and labels[name].xanchor == "right"  # at the right end
        assert lines[name].showlegend
    assert fig.layout.yaxis.type == "log"
    assert "tokens" in fig.layout.yaxis.title.text
    assert "nats/token" in fig.layout.xaxis.title.text
    assert all(isinstance(t, str) for t in fig.layout.yaxis.ticktext)
    target = lines["target loss"]
    assert target.xanchor == 2.5
    assert target.yanchor == pytest.approx(2e8 / 2.5 ** (1 / 0.21), rel=1e-3)
    (label,) = [a for a in fig.layout.annotations if a.text.startswith("target loss")]
    assert label.text == "target loss 2.500" and "B_crit" in label.hovertext
    assert "tokens" in fig.data[0].customdata[0]
    # each line's label sits on its line (the axis spans the curve's range, 1.5x either side)
    low, high = b_crit.min() / 1.5, b_crit.max() * 1.5
    for name, value in (("your batch", 1e6), ("Porian B*(N)", 4e6), ("DeepSeek B_opt(C)", 2e6)):
        assert labels[name].y == pytest.approx(math.log(value / low) / math.log(high / low))


@pytest.mark.parametrize("seed", range(200))
def test_batch_line_labels_never_overlap_and_sit_on_their_line_when_there_is_room(seed) -> None:  # type: ignore[no-untyped-def]
    """Over random lines, some coinciding: no two label boxes overlap, none leaves the plot's
    top, and a label whose line has room above it sits on its line."""
    rng = np.random.default_rng(seed)
    heights = list(rng.uniform(0, 1, 3))
    if seed % 4 == 0:
        heights[1] = heights[0]  # two lines at one batch size
    bottoms = stacked_labels(heights)
    for i in range(3):
        assert bottoms[i] + LABEL_HEIGHT <= 1 + 1e-12
        for j in range(i + 1, 3):
            assert abs(bottoms[i] - bottoms[j]) >= LABEL_HEIGHT - 1e-12, (heights, bottoms)
        # room: the top and every higher line more than three labels' heights away (a higher
        # label is pushed down by at most the two above it)
        room = heights[i] + 3 * LABEL_HEIGHT <= 1 and not any(
            heights[i] < heights[j] < heights[i] + 3 * LABEL_HEIGHT
            or (heights[j] == heights[i] and j < i)
            for j in range(3)
            if j != i
        )
        if room:
            assert bottoms[i] == heights[i], (heights, bottoms)
    spaced = sorted([0.0, *heights, 1.0])
    if all(b - a >= LABEL_HEIGHT for a, b in itertools.pairwise(spaced)):
        # lines a label's height apart and from the plot's edges: no label crosses another line
        for i in range(3):
            others = [h for j, h in enumerate(heights) if j != i]
            assert not any(bottoms[i] < h < bottoms[i] + LABEL_HEIGHT for h in others), (
                heights,
                bottoms,
            )


def test_the_batch_lines_widen_the_axis_only_when_they_leave_the_curve() -> None:
    loss, b_crit = critical_batch_curve(1.5, 5.0)
    bare = critical_batch_figure(loss, b_crit)
    inside = critical_batch_marks(loss, b_crit, **MARKS)
    assert "yaxis" not in inside
    far = {"target_loss": 2.5, "batch_tokens": 1e10, "porian_batch_tokens": 4e6}
    outside = critical_batch_marks(loss, b_crit, deepseek_batch_tokens=2e6, **far)
    assert outside["yaxis"]["range"][1] > math.log10(1e10)
    built = critical_batch_figure(loss, b_crit, deepseek_batch_tokens=2e6, **far)
    drawn = with_overlay(bare, outside)
    assert json.loads(drawn.to_json()) == json.loads(built.to_json())


def test_tradeoff_figure_points_lie_on_the_hyperbola() -> None:
    fig = tradeoff_figure(
        tradeoff_curve(2e6), b_crit=2e6, batch_tokens=5e5, porian_batch_tokens=8e6
    )
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"
    assert "E / E_min" in fig.layout.xaxis.title.text
    assert "S / S_min" in fig.layout.yaxis.title.text
    marks = _shapes(fig)
    assert set(marks) == {"B = B_crit", "Porian B*(N)", "your batch"}
    for mark in marks.values():
        x, y = mark.xanchor, mark.yanchor
        assert (x - 1) * (y - 1) == pytest.approx(1.0)
    assert (marks["B = B_crit"].xanchor, marks["B = B_crit"].yanchor) == (2.0, 2.0)
    assert marks["your batch"].yanchor == pytest.approx(1 + 2e6 / 5e5)
    (label,) = fig.layout.annotations
    assert label.text == f"your batch {format_count(5e5)} tokens"
    # the curve is the same for every B_crit (in units of it), its hover says so
    assert fig.data[0].hovertemplate.startswith("B = %{customdata} B_crit")
    assert fig.layout.xaxis.range[1] == pytest.approx(2.0)  # axes to 100x
    other = tradeoff_figure(tradeoff_curve(3e7), axis_max=100.0)
    assert np.allclose(other.data[0].x, fig.data[0].x) and np.allclose(
        other.data[0].y, fig.data[0].y
    )
    # the axes widen to keep a far-off batch in view
    wide = tradeoff_figure(
        tradeoff_curve(2e6), b_crit=2e6, batch_tokens=1e4, porian_batch_tokens=8e6
    )
    assert 10 ** wide.layout.yaxis.range[1] >= 1 + 2e6 / 1e4
    assert np.all(np.diff(fig.data[0].x) > 0)


def test_the_legend_shows_each_marker_as_it_is_drawn() -> None:
    """The trade-off chart's markers are shapes moved by the sliders; the legend lists each
    with its own symbol (a legend-only trace), and no shape adds a legend entry of its own
    (Plotly drew all three as one generic symbol)."""
    spec = chart_specs(run_page())[1]
    drawn = {s["name"]: s["path"] for s in spec["layout"]["shapes"] if s.get("type") == "path"}
    keys = {t["name"]: t["marker"]["symbol"] for t in spec["data"] if t.get("x") == [None]}
    assert keys == {"B = B_crit": "diamond", "Porian B*(N)": "square", "your batch": "circle"}
    assert set(drawn) <= set(keys)
    assert not any(s.get("showlegend") for s in spec["layout"]["shapes"] if s.get("type") == "path")
    # the diamond's path is a diamond (four vertices on the axes), the square's a square
    assert drawn["B = B_crit"].startswith("M0,") and drawn["Porian B*(N)"].count("H") == 2
