"""AppTest of the compute-optimal frontier page and direct tests of its figure builders."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest
from page_charts import chart_json, chart_specs
from streamlit.testing.v1 import AppTest

from charts.format import format_compute, format_count, format_loss, format_ratio
from charts.frontier import (
    IsoFlopCurve,
    LawCurve,
    budget_overlay,
    frontier_figure,
    isoflop_figure,
    porian_figure,
)
from charts.style import with_overlay
from dashboard.state import COMPARE_LAWS
from scaling_core.allocation import compute_optimal, compute_optimal_frontier
from scaling_core.presets import get_law

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "pages" / "2_Compute-optimal_frontier.py")
DEFAULT_LAWS = list(COMPARE_LAWS.default)


def run_page(compute: float | None = None, **query: str) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=30)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    if compute is not None:
        at.select_slider(key="w_fc").set_value(compute)
        at.run()
    assert not at.exception, at.exception
    return at


def allocation_table(at: AppTest):  # type: ignore[no-untyped-def]
    return at.table[0].value  # indexed by the law


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def check_table_against_core(at: AppTest, keys: list[str], compute: float) -> None:
    table = allocation_table(at)
    assert len(table) == len(keys)
    for key in keys:
        law = get_law(key)
        optimum = compute_optimal(law, compute)
        row = table.loc[law.label]
        assert row["N_opt (params)"] == format_count(float(optimum.n_params))
        assert row["D_opt (tokens)"] == format_count(float(optimum.n_tokens))
        assert row["Tokens / param"] == format_ratio(float(optimum.tokens_per_param))
        assert row["L_opt (nats/token)"] == format_loss(float(optimum.loss))


def test_defaults_show_the_core_numbers() -> None:
    at = run_page()
    check_table_against_core(at, DEFAULT_LAWS, 1e22)
    epoch = compute_optimal(get_law("epoch-2024"), 1e22)
    assert allocation_table(at).loc[get_law("epoch-2024").label, "N_opt (params)"] == (
        format_count(float(epoch.n_params))
    )
    # the allocation-only Porian law has no loss, and the page says so
    assert allocation_table(at).loc[get_law("porian-2024-tuned").label, "L_opt (nats/token)"] == "—"
    assert any("No loss for allocation-only laws" in info.value for info in at.info)
    # spread across the compared laws
    n_opts = [float(compute_optimal(get_law(k), 1e22).n_params) for k in DEFAULT_LAWS]
    d_opts = [float(compute_optimal(get_law(k), 1e22).n_tokens) for k in DEFAULT_LAWS]
    shown = metrics(at)
    assert shown["Spread of N_opt (max / min)"] == f"{max(n_opts) / min(n_opts):.1f}×"
    assert shown["Spread of D_opt (max / min)"] == f"{max(d_opts) / min(d_opts):.1f}×"
    # Porian et al.: tuned step by default
    assert shown["a on RefinedWeb"] == "0.497"
    assert shown["a on OpenWebText2"] == "0.518"
    assert shown["N_opt at Chinchilla's budget (RefinedWeb)"] == "77B"
    assert len(chart_json(at)) == 5  # 3 + the live Table 1's optima and profiles
    assert at.latex  # the closed-form equation is shown


@pytest.mark.parametrize("compute", [1e17, 1e27])
def test_extreme_budgets(compute: float) -> None:
    at = run_page(compute)
    check_table_against_core(at, DEFAULT_LAWS, compute)
    assert format_compute(compute, "FLOP") in at.subheader[0].value


def test_porian_table_and_step_choice() -> None:
    at = run_page(pstep="porian-2024-kaplan")
    shown = metrics(at)
    assert shown["a on RefinedWeb"] == "0.835"
    assert shown["N_opt at Chinchilla's budget (RefinedWeb)"] == "3T"
    porian = at.dataframe[1].value  # after the Approach-3 checks
    assert list(porian["a, RefinedWeb (95% CI)"][:5]) == [
        "0.835 (0.82, 0.85)",
        "0.706 (0.69, 0.72)",
        "0.602 (0.59, 0.62)",
        "0.571 (0.56, 0.59)",
        "0.497 (0.49, 0.50)",
    ]
    assert len(porian) == 5  # Porian's steps only: the reference exponents are a table apart
    assert porian["a, OpenWebText2 (95% CI)"][4] == "0.518 (0.49, 0.54)"
    references = at.dataframe[2].value
    assert list(references["a (interval)"][:3]) == ["0.73", "0.88", "0.50 (0.488, 0.502)"]
    assert references["a (interval)"][4] == "0.46 (0.454, 0.455) *"  # as printed, commented
    assert any("excludes the rounded estimate 0.46" in c.value for c in at.caption)
    # N_opt at Chinchilla's budget, where the chart's dots and the metric are, not at the slider
    tuned = compute_optimal(get_law("porian-2024-tuned"), 5.88e23)
    assert porian["N_opt (RefinedWeb)"][4] == format_count(float(tuned.n_params))
    kaplan = compute_optimal(get_law("porian-2024-kaplan"), 5.88e23)
    assert porian["N_opt (RefinedWeb)"][0] == shown["N_opt at Chinchilla's budget (RefinedWeb)"]
    assert format_count(float(kaplan.n_params)) == "3T"


def test_tokens_per_param_never_rounds_to_zero_and_the_spread_names_its_extremes() -> None:
    at = run_page(1e27, laws=f"kaplan-2020-frontier,{','.join(DEFAULT_LAWS)}")
    table = allocation_table(at)
    kaplan = compute_optimal(get_law("kaplan-2020-frontier"), 1e27)
    ratio = float(kaplan.tokens_per_param)
    assert ratio < 0.05  # Kaplan's frontier at 1e27 FLOP: far fewer tokens than parameters
    shown = table.loc[get_law("kaplan-2020-frontier").label, "Tokens / param"]
    assert shown == format_ratio(ratio) and float(shown) > 0
    caption = next(c.value for c in at.caption if "Tokens per parameter run from" in c.value)
    assert f"{format_ratio(ratio)} ({get_law('kaplan-2020-frontier').label})" in caption


def test_pf_days_unit_in_labels() -> None:
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.session_state["unit"] = "PF-days"
    at.run()
    assert not at.exception
    assert "PF-days" in at.select_slider(key="w_fc").label
    assert "116 PF-days" in at.subheader[0].value  # 1e22 FLOP / 8.64e19 = 115.7
    spec = chart_specs(at)[0]
    assert spec["layout"]["xaxis3"]["title"]["text"] == "compute C (PF-days)"
    x = spec["data"][0]["x"]  # plotly ships numpy arrays base64-encoded
    first = np.frombuffer(base64.b64decode(x["bdata"]), dtype=x["dtype"])[0]
    assert first == pytest.approx(1e17 / 8.64e19)
    # 1e17-1e27 FLOP is 0.00116-1.16e7 PF-days: one style, not "…, 100, 1000, 1e4, 1e5";
    # four labels at most on a panel (every third decade), a grid line at every decade
    for axis in ("xaxis", "xaxis2", "xaxis3", "xaxis4"):
        assert spec["layout"][axis]["ticktext"] == ["1e0", "1e3", "1e6"], axis
        minor = spec["layout"][axis]["minor"]["tickvals"]
        assert np.allclose(np.log10(minor), range(-2, 8)), axis
    porian = next(
        spec["layout"]
        for spec in chart_specs(at)
        if "after each correction" in spec["layout"]["title"]["text"]
    )
    assert porian["yaxis"]["ticktext"][-2:] == ["100T", "1,000T"]  # was "100T", "1e15"


def test_only_allocation_laws_and_a_single_law() -> None:
    at = run_page(laws="porian-2024-tuned,chinchilla-2022-approach1")
    assert any("None of the compared laws has a loss" in info.value for info in at.info)
    assert len(chart_json(at)) == 4  # 2 + the live Table 1's optima and profiles
    at = run_page(laws="epoch-2024")
    assert any("two or more laws" in info.value for info in at.info)
    check_table_against_core(at, ["epoch-2024"], 1e22)


# ------------------------------------------------------------------ figure builders
def _curve(key: str) -> LawCurve:
    law = get_law(key)
    f = compute_optimal_frontier(law, 1e17, 1e27, 50)
    return LawCurve(key, law.label, f.compute_flops, f.n_params, f.n_tokens, f.loss)


def test_frontier_figure_panels_axes_and_marker() -> None:
    epoch = compute_optimal(get_law("epoch-2024"), 1e21)
    tuned = compute_optimal(get_law("porian-2024-tuned"), 1e21)
    fig = frontier_figure(
        [_curve("epoch-2024"), _curve("porian-2024-tuned")],
        chosen_compute=1e21,
        chosen={
            "epoch-2024": (float(epoch.n_params), float(epoch.n_tokens), float(epoch.loss)),
            "porian-2024-tuned": (float(tuned.n_params), float(tuned.n_tokens), float("nan")),
        },
    )
    # epoch: 4 panels; porian: 3 panels (no loss)
    assert len(fig.data) == 7
    assert [t.name for t in fig.data if t.showlegend] == [
        get_law("epoch-2024").label,
        get_law("porian-2024-tuned").label,
    ]
    for axis in ("xaxis", "xaxis2", "xaxis3", "xaxis4", "yaxis", "yaxis2", "yaxis3"):
        assert fig.layout[axis].type == "log", axis
        assert fig.layout[axis].ticktext, axis
    assert fig.layout.xaxis3.title.text == "compute C (FLOP)"
    assert fig.layout.yaxis.title.text == "parameters"
    assert fig.layout.yaxis2.title.text == "training tokens"
    assert fig.layout.yaxis4.title.text == "loss (nats/token)"
    lines = [shape for shape in fig.layout.shapes if shape.type == "line"]
    assert len(lines) == 4 and all(shape.x0 == 1e21 for shape in lines)
    marks = {(s.xref, s.fillcolor): s for s in fig.layout.shapes if s.type == "path"}
    # epoch in 4 panels, porian in 3 (its loss is not finite)
    assert len(marks) == 7 and all(s.xanchor == 1e21 for s in marks.values())
    epoch_colour = fig.data[0].line.color
    assert marks[("x", epoch_colour)].yanchor == float(epoch.n_params)
    assert marks[("x4", epoch_colour)].yanchor == float(epoch.loss)  # the loss panel
    assert "C %{customdata[0]}" in fig.data[0].hovertemplate
    assert fig.data[0].customdata[0][0] == "1e17 FLOP"


def test_frontier_figure_without_loss_laws_says_so() -> None:
    fig = frontier_figure([_curve("porian-2024-tuned")], chosen_compute=1e21, unit="PF-days")
    assert any("no law with a loss" in a.text for a in fig.layout.annotations)
    assert fig.data[0].x[0] == pytest.approx(1e17 / 8.64e19)


def test_isoflop_figure_marks_each_minimum() -> None:
    law = get_law("epoch-2024")
    n_grid = np.geomspace(1e8, 1e11, 40)
    loss = law.loss(n_grid, 1e21 / (6 * n_grid))
    opt = compute_optimal(law, 1e21)
    curve = IsoFlopCurve(
        "epoch-2024", law.label, n_grid, loss, float(opt.n_params), float(opt.loss)
    )
    fig = isoflop_figure([curve], compute_flops=1e21)
    assert [t.mode for t in fig.data] == ["lines", "markers"]
    assert fig.data[1].marker.symbol == "star"
    assert fig.data[1].x[0] == pytest.approx(float(opt.n_params))
    assert fig.layout.xaxis.type == "log"
    assert fig.layout.xaxis.title.text == "parameters N (D = C / 6N)"
    assert fig.layout.yaxis.title.text == "final loss (nats/token)"
    assert "1e21 FLOP" in fig.layout.title.text


@pytest.mark.parametrize("count", [1, 5])
def test_optima_legend_sits_in_a_bottom_margin_grown_for_it(count: int) -> None:
    """Porian's N*(C) chart: the legend is anchored to the bottom of the figure, under the x
    axis, in a margin that grows by one line per series (the plot keeps its height); it sat
    inside the plot, over the small budgets' points (browser check: tests/test_browser.py)."""
    from charts.isoflop import LEGEND_LINE_PX, X_AXIS_PX, OptimaSeries, optima_figure

    compute = np.geomspace(1e16, 3e19, 8)
    series = [
        OptimaSeries(f"({i}) step: a = 0.5", compute, 0.1 * compute**0.5, None, 0.5, 0.1, "#000")
        for i in range(count)
    ]
    fig = optima_figure(series, title="N*(C)", height=480)
    legend, margin = fig.layout.legend, fig.layout.margin
    assert (legend.yref, legend.y, legend.yanchor, legend.x, legend.xanchor) == (
        "container",
        0,
        "bottom",
        0,
        "left",
    )
    assert margin.b >= X_AXIS_PX + LEGEND_LINE_PX * count
    assert fig.layout.height - margin.b == 480 - X_AXIS_PX  # the plot keeps its share


def test_porian_figure_highlights_the_step() -> None:
    steps = [_curve("porian-2024-kaplan"), _curve("porian-2024-tuned")]
    fig = porian_figure(
        steps,
        highlight="porian-2024-tuned",
        reference=[_curve("chinchilla-2022-approach1")],
        marker_compute=5.88e23,
        marker_n={"porian-2024-tuned": 77e9},
    )
    lines = [t for t in fig.data if t.mode == "lines"]
    assert [t.line.width for t in lines] == [2, 4, 2]
    assert lines[-1].line.dash == "dash"
    dots = [t for t in fig.data if t.mode == "markers"]
    assert len(dots) == 1 and dots[0].y[0] == 77e9
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"
    assert fig.layout.yaxis.title.text == "compute-optimal parameters N_opt"


def test_approach3_checks_on_the_page() -> None:
    """The expander states how each Chinchilla Approach-3 preset meets Table 2, Figure 4, Table A3."""
    at = run_page()
    checks = at.dataframe[0].value.set_index("Preset")
    assert list(checks.index) == [
        "chinchilla-2022",
        "chinchilla-2022-unrounded",
        "sardana-frankle-2023",
    ]
    assert checks.loc["chinchilla-2022-unrounded", "a (Table 2: 0.46)"] == "0.4565"
    assert checks.loc["chinchilla-2022-unrounded", "N_opt at 5.76e23 (Figure 4: 40B)"] == "40.4B"
    assert checks.loc["chinchilla-2022", "N_opt at 5.76e23 (Figure 4: 40B)"] == "32.2B"
    assert checks.loc["chinchilla-2022", "FLOP vs Table A3 (Approach 3)"] == "+57% to +122%"
    assert checks.loc["chinchilla-2022-unrounded", "FLOP vs Table A3 (Approach 3)"] == "+2% to +18%"
    assert checks.loc["sardana-frankle-2023", "FLOP vs Table A3 (Approach 3)"] == "-5% to +8%"
    captions = " ".join(c.value for c in at.caption)
    assert "does not contain its own point estimate" in captions


def test_live_table1_from_porians_points_sits_inside_every_published_interval() -> None:
    at = run_page()
    live = at.dataframe[-1].value.set_index("Step (cumulative)")
    assert len(live) == 5
    for column in ("RW: Δ", "OWT2: Δ"):
        assert all(text.endswith("✓") for text in live[column]), live[column]
        assert all(abs(float(text.split()[0])) <= 0.006 for text in live[column])
    assert live.iloc[0]["RW: paper"] == "0.835 (0.82-0.85)"
    assert live.iloc[0]["RW: ours"].startswith("0.83")
    assert live.iloc[1]["RW: budgets"] == "11/12"  # the smallest budget's minimum is at the edge
    optima = chart_specs(at)[-2]
    legend = [t.get("name", "") for t in optima["data"] if t.get("showlegend", True)]
    assert len(legend) == 5 and legend[0].startswith("(a) Reproducing Kaplan et al.: a = 0.83")
    assert optima["layout"]["xaxis"]["title"]["text"] == "training compute C (FLOP)"
    profiles = chart_specs(at)[-1]
    assert "IsoFLOP profiles of step (e)" in profiles["layout"]["title"]["text"]
    # an earlier step shows fewer fitted lines and the profiles of that step
    at.selectbox(key="w_pstep").set_value("porian-2024-head").run()
    optima = chart_specs(at)[-2]
    assert sum(1 for t in optima["data"] if t.get("mode") == "lines") == 2
    profiles = chart_specs(at)[-1]
    names = [t.get("name", "") for t in profiles["data"]]
    assert sum("(left out)" in n for n in names) == 1
    at.selectbox(key="w_p_live_ds").set_value("owt2").run()
    assert "OpenWebText2" in chart_specs(at)[-2]["layout"]["title"]["text"]


def test_the_budget_drawn_over_the_frontier_equals_the_frontier_built_with_it() -> None:
    """The page sends the frontier without a budget and the budget as an overlay; drawn
    together they are the figure built at that budget."""
    curves = [_curve("epoch-2024"), _curve("porian-2024-tuned")]
    keys = [curve.key for curve in curves]

    def chosen(compute: float) -> dict[str, tuple[float, float, float]]:
        out = {}
        for key in keys:
            opt = compute_optimal(get_law(key), compute)
            out[key] = (float(opt.n_params), float(opt.n_tokens), float(opt.loss))
        return out

    bare = frontier_figure(curves, chosen_compute=None, unit="PF-days")
    assert not bare.layout.shapes
    drawn = with_overlay(bare, budget_overlay(keys, 3e24, chosen(3e24), "PF-days"))
    built = frontier_figure(curves, chosen_compute=3e24, chosen=chosen(3e24), unit="PF-days")
    assert json.loads(drawn.to_json()) == json.loads(built.to_json())
    # a law dropped from `chosen` loses its markers, the lines stay
    empty = budget_overlay(keys, 3e24, {}, "PF-days")["shapes"]
    assert [shape["type"] for shape in empty] == ["line"] * 4
    assert all(shape["x0"] == pytest.approx(3e24 / 8.64e19) for shape in empty)


def test_budget_slider_moves_the_markers_of_a_figure_built_once(monkeypatch) -> None:
    import dashboard.cache_frontier

    builds: list[int] = []
    real = dashboard.cache_frontier.frontier_figure

    def counting(curves, **kwargs):  # type: ignore[no-untyped-def]
        builds.append(len(curves))
        return real(curves, **kwargs)

    monkeypatch.setattr(dashboard.cache_frontier, "frontier_figure", counting)
    at = run_page(compute=1e24)
    at.select_slider(key="w_fc").set_value(1e19)
    at.run()
    assert builds == [len(DEFAULT_LAWS)]
    spec = chart_specs(at)[0]
    epoch = get_law("epoch-2024")
    colour = next(t["line"]["color"] for t in spec["data"] if t["name"] == epoch.label)
    marks = [
        shape
        for shape in spec["layout"]["shapes"]
        if shape["type"] == "path" and shape["xref"] == "x" and shape["fillcolor"] == colour
    ]
    assert [shape["xanchor"] for shape in marks] == [1e19]
    assert marks[0]["yanchor"] == pytest.approx(float(compute_optimal(epoch, 1e19).n_params))
    lines = [shape for shape in spec["layout"]["shapes"] if shape["type"] == "line"]
    assert {shape["x0"] for shape in lines} == {1e19}


def test_first_view_compares_chinchilla_unrounded_epoch_and_porian_without_kaplan() -> None:
    """Issue 21: the default comparison is the unrounded Chinchilla fit, Epoch's refit and
    Porian's tuned allocation; Kaplan's frontier (8.1x spread in N_opt with it) is opt-in."""
    at = run_page()
    table = allocation_table(at)
    keys = ["chinchilla-2022-unrounded", "epoch-2024", "porian-2024-tuned"]
    assert list(table.index) == [get_law(k).label for k in keys]
    compute = at.select_slider(key="w_fc").value
    check_table_against_core(at, keys, compute)
    n_opt = [float(compute_optimal(get_law(k), compute).n_params) for k in keys]
    assert max(n_opt) / min(n_opt) < 2  # the three agree within 2x; Kaplan's frontier does not


def test_the_kaplan_caption_appears_only_when_a_kaplan_law_is_compared() -> None:
    """The notes under the page's intro speak of the laws compared, not of laws left out."""

    def captions(at: AppTest) -> str:
        return " ".join(c.value for c in at.caption)

    drawn, embeddings = "Kaplan et al. 2020 is drawn", "Kaplan's N excludes embeddings"
    default = captions(run_page())
    assert drawn not in default and embeddings not in default
    assert "Allocation-only laws" in default  # Porian's tuned allocation is compared
    with_kaplan = captions(run_page(laws=f"kaplan-2020,{','.join(DEFAULT_LAWS)}"))
    assert drawn in with_kaplan and embeddings in with_kaplan
    frontier = captions(run_page(laws="kaplan-2020-frontier,epoch-2024"))
    assert drawn not in frontier and embeddings in frontier
    loss_only = captions(run_page(laws="chinchilla-2022-unrounded,epoch-2024"))
    assert "Allocation-only laws" not in loss_only and embeddings not in loss_only


def test_a_link_naming_an_unknown_law_among_known_ones_says_what_it_left_out() -> None:
    """laws=chinchilla-2022,foo-bar,chinchilla-2022-a1,epoch-2024 (a typo of
    chinchilla-2022-approach1 among them): the page compares the two laws it knows, and a note
    under the title names the two it left out and what it shows; the link keeps the two."""
    at = run_page(laws="chinchilla-2022,foo-bar,chinchilla-2022-a1,epoch-2024")
    table = allocation_table(at)
    assert list(table.index) == [get_law("chinchilla-2022").label, get_law("epoch-2024").label]
    (note,) = [w.value.replace("\\", "") for w in at.warning if "cannot use" in w.value]
    assert "“foo-bar, chinchilla-2022-a1” not one of the options, left out" in note
    assert "showing chinchilla-2022,epoch-2024" in note
    assert at.query_params["laws"] == "chinchilla-2022,epoch-2024"
    assert not [
        w for w in run_page(laws="chinchilla-2022,epoch-2024").warning if "cannot use" in w.value
    ]


def test_chinchillas_budget_can_be_read_exactly() -> None:
    """fc=5.76e23, Chinchilla's compute (Hoffmann et al. 2022, Table 3), stays 5.76e23 (it
    snapped to 6e23) and the table shows REFERENCE.md's check values there: eq. 10's N_opt
    3.219e10 and D_opt 2.982e12, Epoch's 7.225e10 and 1.329e12, the unrounded fit's 40.4B."""
    from scaling_core.units import parse_quantity

    at = run_page(laws="chinchilla-2022,epoch-2024,chinchilla-2022-unrounded", fc="5.76e23")
    assert at.query_params["fc"] == "5.76e23"
    table = allocation_table(at)
    for key, n_opt, d_opt in (
        ("chinchilla-2022", 3.219e10, 2.982e12),
        ("epoch-2024", 7.225e10, 1.329e12),
        ("chinchilla-2022-unrounded", 4.04e10, None),
    ):
        row = table.loc[get_law(key).label]
        assert parse_quantity(row["N_opt (params)"]) == pytest.approx(n_opt, rel=2e-3)
        if d_opt is not None:
            assert parse_quantity(row["D_opt (tokens)"]) == pytest.approx(d_opt, rel=2e-3)


def test_each_porian_step_has_one_colour_on_both_charts_that_draw_the_steps() -> None:
    """The frontier page draws Porian et al.'s five steps twice, as N_opt(C) laws and as the
    per-budget optima from their points: a step is the same colour on both, the five differ
    from one another and from the laws drawn beside them (the laws chart had drawn all five
    in Porian's one colour)."""
    at = run_page()
    specs = chart_specs(at)
    steps = next(s for s in specs if "after each correction" in s["layout"]["title"]["text"])
    optima = specs[-2]
    colours: dict[str, set[str]] = {}
    for spec in (steps, optima):
        for trace in spec["data"]:
            name = trace.get("name") or ""
            if name[:1] == "(" and name[2:3] == ")":
                colour = trace.get("line", {}).get("color") or trace["marker"]["color"]
                colours.setdefault(name[:3], set()).add(str(colour).lower())
    assert sorted(colours) == ["(a)", "(b)", "(c)", "(d)", "(e)"]
    assert all(len(c) == 1 for c in colours.values()), colours
    distinct = {next(iter(c)) for c in colours.values()}
    assert len(distinct) == 5
    references = {
        str(t["line"]["color"]).lower()
        for t in steps["data"]
        if t.get("mode") == "lines" and not (t.get("name") or "").startswith("(")
    }
    assert references and not references & distinct
