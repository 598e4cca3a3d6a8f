"""AppTest of the overfitting and data-limits page and direct tests of its figure builders."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from page_charts import chart_json
from streamlit.testing.v1 import AppTest

from charts.format import format_count, format_loss
from charts.overfitting import (
    OverfitCurve,
    data_requirement_figure,
    data_requirement_run,
    overfitting_figure,
    repetition_figure,
)
from charts.style import with_overlay
from scaling_core.allocation import compute_optimal
from scaling_core.data_constrained import data_constrained_optimal, repetition_cost
from scaling_core.presets import get_law

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "pages" / "3_Overfitting_and_data_limits.py")
KAPLAN = get_law("kaplan-2020")
MUENNIGHOFF = get_law("muennighoff-2023")


def percent(value: float) -> str:
    return f"{100 * value:.3g}%"


def run_page(**sliders: float) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=30).run()
    for key, value in sliders.items():
        if key == "ovtol":
            at.slider(key="w_ovtol").set_value(value)
        else:
            at.select_slider(key=f"w_{key}").set_value(value)
    if sliders:
        at.run()
    assert not at.exception, at.exception
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def check_against_core(
    at: AppTest, n: float, d: float, tolerance: float, unique: float, compute: float
) -> None:
    shown = metrics(at)
    assert shown["Overfitting δL at this N, D"] == percent(float(KAPLAN.overfitting(n, d)))
    assert shown[f"Tokens for δL ≤ {percent(tolerance)}"] == format_count(
        float(KAPLAN.tokens_for_overfitting(n, tolerance))
    )
    assert shown["Rule of thumb 5e3·N^0.74"] == format_count(float(KAPLAN.data_requirement(n)))
    steps = float(KAPLAN.early_stopping_steps(n, d))
    expected_steps = f"{format_count(steps)} steps" if np.isfinite(steps) else "no stop needed"
    assert shown["Early stopping after at least"] == expected_steps

    optimum = data_constrained_optimal(MUENNIGHOFF, compute, unique)
    assert shown["Data-constrained N"] == format_count(float(optimum.n_params))
    assert shown["Data-constrained D"] == f"{format_count(float(optimum.n_tokens))} tokens"
    assert shown["Epochs"] == f"{float(optimum.epochs):.3g}"
    assert shown["Loss (nats/token)"] == format_loss(float(optimum.loss))

    plans = at.table[0].value
    free = compute_optimal(MUENNIGHOFF, compute)
    unlimited = plans.loc["Unlimited unique data (compute-optimal)"]
    assert unlimited["N (params)"] == format_count(float(free.n_params))
    assert unlimited["Loss (nats/token)"] == format_loss(float(free.loss))
    epochs = max(1.0, float(free.n_tokens) / unique)
    repeated = repetition_cost(MUENNIGHOFF, float(free.n_params), float(free.n_tokens), [epochs])
    same = plans.loc["Same N and D, repeating U_D"]
    assert same["Epochs over U_D"] == f"{epochs:.3g}"
    assert same["Loss (nats/token)"] == format_loss(float(repeated.loss[0]))
    constrained = plans.loc["Data-constrained optimum (re-allocated)"]
    assert constrained["D (tokens)"] == format_count(float(optimum.n_tokens))


def test_defaults_show_the_core_numbers() -> None:
    at = run_page()
    check_against_core(at, 5e8, 2e10, 0.02, 2.5e10, 1e22)
    assert any("Within tolerance" in s.value for s in at.success)
    free = compute_optimal(MUENNIGHOFF, 1e22)
    cost = repetition_cost(MUENNIGHOFF, float(free.n_params), float(free.n_tokens), [4.0])
    text = next(m.value for m in at.markdown if "Four epochs cost little" in m.value)
    assert f"{float(cost.loss_increase[0]):.4f} nats/token" in text
    assert percent(float(cost.data_value[0])) in text
    assert percent(float(cost.compute_equivalent[0] / 1e22)) in text
    assert len(chart_json(at)) == 3
    assert len(at.latex) == 2


@pytest.mark.parametrize(
    "values",
    [
        {"ovn": 1e6, "ovd": 1e7, "ovtol": 0.5, "dcu": 1e8, "dcc": 1e18},
        {"ovn": 1e12, "ovd": 1e13, "ovtol": 20.0, "dcu": 1e13, "dcc": 1e25},
        {"ovn": 1e12, "ovd": 1e7, "ovtol": 0.5, "dcu": 1e8, "dcc": 1e25},
        {"ovn": 1e6, "ovd": 1e13, "ovtol": 20.0, "dcu": 1e13, "dcc": 1e18},
    ],
)
def test_extreme_sliders(values: dict[str, float]) -> None:
    at = run_page(**values)
    check_against_core(
        at, values["ovn"], values["ovd"], values["ovtol"] / 100, values["dcu"], values["dcc"]
    )
    outside_kaplan = values["ovn"] > 1.5e9 or values["ovd"] < 2.1e7 or values["ovd"] > 2.2e10
    assert any("Extrapolation beyond" in i.value for i in at.info) == outside_kaplan


def test_overfit_and_heavy_repetition_warnings() -> None:
    at = run_page(ovn=1e12, ovd=1e7, dcu=1e8, dcc=1e25)
    warnings = [w.value for w in at.warning]
    assert any("This run overfits" in w for w in warnings)
    assert any("worth almost nothing" in w for w in warnings)


def test_ample_unique_data_needs_no_repetition() -> None:
    at = run_page(dcu=1e13, dcc=1e18)
    assert any("no repetition is needed" in i.value for i in at.info)
    assert (
        metrics(at)["Epochs"]
        == f"{float(data_constrained_optimal(MUENNIGHOFF, 1e18, 1e13).epochs):.3g}"
    )


# ------------------------------------------------------------------ figure builders
def test_overfitting_figure_axes_and_traces() -> None:
    tokens = np.geomspace(1e8, 1e11, 10)
    curves = [
        OverfitCurve(
            n,
            tokens,
            KAPLAN.overfitting_variable(n, tokens),
            KAPLAN.overfitting(n, tokens),
        )
        for n in (1e7, 1e9)
    ]
    point = (1e9, 2e10, float(KAPLAN.overfitting_variable(1e9, 2e10)), 0.02)
    fig = overfitting_figure(curves, tolerance=0.02, point=point, exponent_ratio=0.076 / 0.103)
    assert [t.name for t in fig.data] == ["eq. 4.3", "N = 10M", "N = 1B"]
    (run,) = [a for a in fig.layout.annotations if a.text == "your run"]
    assert (run.x, run.y) == pytest.approx((math.log10(point[2]), math.log10(0.02)))
    assert [s.xanchor for s in fig.layout.shapes if s.xsizemode == "pixel"] == [point[2]] * 2
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"
    assert fig.layout.xaxis.title.text.startswith("N^0.738 / D")
    assert fig.layout.yaxis.title.text == "δL = L(N, D) / L(N, ∞) − 1"
    assert "%" in fig.layout.yaxis.ticktext[0]
    assert fig.layout.shapes[0].y0 == 0.02
    assert fig.data[1].customdata[0][0] == "100M"


def test_data_requirement_figure() -> None:
    n_grid = np.geomspace(1e6, 1e12, 20)
    fig = data_requirement_figure(
        n_grid,
        KAPLAN.tokens_for_overfitting(n_grid, 0.02),
        KAPLAN.data_requirement(n_grid),
        tolerance=0.02,
        point=(1e9, 2e10),
    )
    assert [t.name for t in fig.data] == [
        "δL ≤ 2% (eq. 4.3)",
        "D ≳ 5e3·N^0.74 (eq. 4.4; nearly the same line)",
        "20 tokens per parameter",
    ]
    (run,) = [a for a in fig.layout.annotations if a.text == "your run"]
    assert (run.x, run.y) == pytest.approx((9.0, math.log10(2e10)))
    assert "N 1B · D 20B" in run.hovertext
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"
    assert fig.layout.xaxis.title.text == "parameters N (non-embedding)"
    assert fig.layout.yaxis.title.text == "training tokens D"
    assert "1B" in fig.layout.xaxis.ticktext


def test_repetition_figure() -> None:
    free = compute_optimal(MUENNIGHOFF, 1e22)
    cost = repetition_cost(
        MUENNIGHOFF, float(free.n_params), float(free.n_tokens), np.geomspace(1, 100, 30)
    )
    fig = repetition_figure(
        cost.epochs,
        cost.loss,
        cost.compute_equivalent / 1e22,
        loss_unique=cost.loss_unique,
        current=(7.2, 2.22),
        optimum=(9.5, 2.21, 7e9, 2.4e11),
    )
    assert len(fig.data) == 4
    assert fig.data[1].yaxis == "y2"
    assert fig.data[3].marker.symbol == "star"
    assert fig.layout.xaxis.type == "log"
    assert fig.layout.xaxis.title.text == "epochs over the unique data (D / U_D)"
    assert list(fig.layout.xaxis.tickvals[:4]) == [1, 2, 4, 8]
    assert fig.layout.yaxis.title.text == "final loss (nats/token)"
    assert fig.layout.yaxis2.ticktext[-1] == "100%"
    assert fig.layout.shapes[0].y0 == cost.loss_unique


def test_caption_gives_muennighoff_figure1_not_the_readme_optimum_as_the_paper() -> None:
    """Figure 1 of Muennighoff et al. 2023 is 6.34B on 242B tokens against 8.67B on 178B."""
    at = run_page()
    captions = " ".join(caption.value for caption in at.caption)
    assert "6.34B parameters on 242B tokens" in captions
    assert "8.67B on 178B" in captions
    assert "2.22564 against 2.22696" in captions
    assert "(datablations README), not a figure of the paper" in captions
    assert "example (8.67B parameters × 178B tokens, 25B unique) re-allocates" not in captions


def test_each_section_rebuilds_only_its_own_figures(monkeypatch) -> None:
    """A repeated-data slider leaves the overfitting figures as they were, and the other way
    round (dashboard.kept_figure); N and D only move the run drawn over the overfitting
    figures, the tolerance rebuilds them; every figure shows its own sliders' values."""
    import charts.overfitting

    builds: list[str] = []
    for name in ("overfitting_figure", "data_requirement_figure", "repetition_figure"):
        real = getattr(charts.overfitting, name)

        def counting(*args, _real=real, _name=name, **kwargs):  # type: ignore[no-untyped-def]
            builds.append(_name)
            return _real(*args, **kwargs)

        monkeypatch.setattr(charts.overfitting, name, counting)
    at = AppTest.from_file(PAGE, default_timeout=30).run()
    assert sorted(builds) == ["data_requirement_figure", "overfitting_figure", "repetition_figure"]
    builds.clear()
    at.select_slider(key="w_dcu").set_value(1e12)
    at.run()
    assert builds == ["repetition_figure"]
    builds.clear()
    at.select_slider(key="w_ovn").set_value(1e10)
    at.run()
    assert builds == []  # N moves only the run drawn over both overfitting figures
    assert not at.exception
    specs = chart_json(at)
    assert len(specs) == 3
    assert f"N {format_count(1e10)}" in specs[0] and f"N {format_count(1e10)}" in specs[1]
    at.slider(key="w_ovtol").set_value(5.0)
    at.run()
    assert sorted(builds) == ["data_requirement_figure", "overfitting_figure"]
    assert "δL ≤ 5%" in chart_json(at)[1]


def test_a_run_outside_the_curves_widens_the_axes_and_one_inside_leaves_them() -> None:
    """The run is drawn over a figure built without it: inside the curves its overlay leaves
    the axes alone (a changed axis makes the browser redraw the whole chart), outside them it
    widens the axes to where the figure built with the run has them."""
    n_grid = np.geomspace(1e6, 1e12, 20)
    curves = (n_grid, KAPLAN.tokens_for_overfitting(n_grid, 0.02), KAPLAN.data_requirement(n_grid))
    bare = data_requirement_figure(*curves, tolerance=0.02, point=None)
    inside = data_requirement_run(*curves, point=(1e9, 2e10))
    assert set(inside) == {"shapes", "annotations"}
    outside = data_requirement_run(*curves, point=(1e9, 1e3))
    assert outside["yaxis"]["range"][0] < bare.layout.yaxis.range[0] - 4
    for point in ((1e9, 2e10), (1e9, 1e3)):
        built = data_requirement_figure(*curves, tolerance=0.02, point=point)
        drawn = with_overlay(bare, data_requirement_run(*curves, point=point))
        assert json.loads(drawn.to_json()) == json.loads(built.to_json())
        assert built.layout.yaxis.range[0] < math.log10(point[1]) < built.layout.yaxis.range[1]
