"""Charts that a rerun updates in place (`dashboard.live_chart`, issue 18: sliders).

Streamlit's own chart is keyed by its figure, so every change tears it down and draws it anew;
a live chart keeps its element (its key) across reruns and hands the new figure to
``Plotly.react``.  Checked here in Streamlit's test harness (same element, new figure, and the
fallback when the component is unavailable) and in the browser (the same chart node survives a
slider move and shows the value the share link records)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from page_charts import chart_specs, drawn_json
from streamlit.testing.v1 import AppTest

from charts.format import format_count
from charts.landscape import RUN_LABEL
from dashboard import live_chart
from dashboard.live_chart import COMPONENT_NAME, PRELOAD_KEY
from tests.conftest import wait_for_app
from tests.page_charts import CHART_SELECTOR

ROOT = Path(__file__).resolve().parents[1]
OVERFITTING = str(ROOT / "pages" / "3_Overfitting_and_data_limits.py")


def _live_elements(at: AppTest) -> list:
    """The page's live charts (not the frame's Plotly preload, which has no figure)."""
    return [
        e
        for e in at.get("bidi_component")
        if e.proto.component_name == COMPONENT_NAME and "spec" in json.loads(e.proto.json)
    ]


def test_a_slider_move_updates_the_same_charts_with_new_figures() -> None:
    at = AppTest.from_file(OVERFITTING, default_timeout=120)
    at.run()
    before = _live_elements(at)
    assert len(before) == 3 and not at.get("plotly_chart")
    ids = [e.proto.id for e in before]
    specs = [drawn_json(json.loads(e.proto.json)) for e in before]
    sent = [json.loads(e.proto.json)["spec"] for e in before]
    assert len(set(ids)) == 3

    at.select_slider(key="w_ovn").set_value(1e10)
    at.run()
    after = _live_elements(at)
    assert not at.exception
    # Same elements (the browser keeps each chart and redraws what changed) ...
    assert [e.proto.id for e in after] == ids
    # ... with the figures of the new N: its marker moved on the two overfitting charts, the
    # repetition chart (other sliders) is unchanged.
    new_specs = [drawn_json(json.loads(e.proto.json)) for e in after]
    assert new_specs[0] != specs[0] and new_specs[1] != specs[1]
    assert new_specs[2] == specs[2]
    assert f"N {format_count(1e10)}" in new_specs[0] + new_specs[1]
    # The two figures the N slider marks are sent unchanged: the run is their overlay.
    assert [json.loads(e.proto.json)["spec"] for e in after] == sent


def test_without_the_component_the_page_draws_the_same_figures_with_streamlits_chart(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An older Streamlit (no ``st.components.v2``, or no Plotly module to borrow) falls back
    to `st.plotly_chart`, showing the same figures."""
    live = AppTest.from_file(OVERFITTING, default_timeout=120)
    live.run()
    monkeypatch.setattr(live_chart, "live_chart_available", lambda: False)
    monkeypatch.setattr("dashboard.layout.live_chart_available", lambda: False)
    plain = AppTest.from_file(OVERFITTING, default_timeout=120)
    plain.run()
    assert not plain.exception and not _live_elements(plain)
    assert len(plain.get("plotly_chart")) == 3
    assert chart_specs(plain) == chart_specs(live)


def test_an_overlay_with_a_value_that_is_not_finite_is_sent_as_json_with_null() -> None:
    """A run's value that is not finite must not break the page (a strict encoder raised) nor
    the browser (JSON has no NaN): it is sent as null, which Plotly leaves undrawn."""
    overlay = {"shapes": [{"type": "line", "x0": float("nan"), "y0": np.float64(2.5)}]}
    assert json.loads(live_chart.overlay_json(overlay)) == {
        "shapes": [{"type": "line", "x0": None, "y0": 2.5}]
    }


def test_the_plotly_module_is_found_in_this_streamlit() -> None:
    """The live chart borrows Streamlit's own Plotly.js (one lazily loaded module); if a new
    Streamlit renames it, charts fall back silently: this test says so loudly instead."""
    assert live_chart.live_chart_available()
    module = live_chart._plotly_module()
    assert module is not None and module.startswith("PlotlyChart.") and module.endswith(".js")


# ----------------------------------------------------------------------------- in the browser

PROBE = """() => {
    const box = document.querySelector('[data-testid="liveChart"]');
    window.__chartBefore = box;
    window.__contourBefore = box && box.querySelector('.contourlayer > g');
    window.__calcBefore = box && box.calcdata;
    window.__gridBefore = box && box.data[0].z;
    return box !== null && box.classList.contains('js-plotly-plot');
}"""

READ_BACK = """(label) => {
    const box = document.querySelector('[data-testid="liveChart"]');
    const run = box._fullLayout.annotations.find(a => a.text === label);
    return {same: box === window.__chartBefore,
            sameContour: box.querySelector('.contourlayer > g') === window.__contourBefore,
            sameCalc: box.calcdata === window.__calcBefore,
            sameGrid: box.data[0].z === window.__gridBefore,
            n: Math.pow(10, run.y), d: Math.pow(10, run.x), streamlitCharts:
                document.querySelectorAll('[data-testid="stPlotlyChart"]').length};
}"""


@pytest.mark.browser
def test_a_slider_move_redraws_the_landscape_in_place(page, app_server) -> None:
    page.goto(f"{app_server}/Loss_landscape")
    wait_for_app(page)
    assert page.evaluate(PROBE)
    start = page.evaluate(READ_BACK, RUN_LABEL)
    slider = page.get_by_role("slider").first
    slider.focus()
    for _ in range(3):
        slider.press("ArrowRight")
    page.wait_for_function(
        "([label, old]) => { const b = document.querySelector('[data-testid=\"liveChart\"]');"
        " const r = b && b._fullLayout && b._fullLayout.annotations.find(a => a.text === label);"
        " return r && Math.abs(Math.pow(10, r.y) - old) > 1; }",
        arg=[RUN_LABEL, start["n"]],
        timeout=30_000,
    )
    wait_for_app(page)
    shown = page.evaluate(READ_BACK, RUN_LABEL)
    # The same chart node, updated: Streamlit's own chart would have been replaced.  Its contour
    # map did not change, and Plotly.react kept it (a chart drawn anew draws it again) ...
    assert shown["same"] and shown["streamlitCharts"] == 0
    assert shown["sameContour"]
    # ... without recomputing it: the grid is the array drawn before (not decoded again) and
    # Plotly kept its computed traces (a changed trace, or data decoded anew, recomputes all).
    assert shown["sameGrid"] and shown["sameCalc"]
    # The marker sits at the N and D the share link records (the server's state, read back).
    link = parse_qs(urlsplit(page.url).query)
    assert math.isclose(shown["n"], float(link["n"][0]), rel_tol=1e-9)
    assert shown["n"] > start["n"]
    assert math.isclose(shown["d"], start["d"], rel_tol=1e-9)


@pytest.mark.browser
def test_a_rebuilt_figure_hands_plotly_the_arrays_it_drew_before(page, app_server) -> None:
    """The tolerance slider rebuilds the overfitting figure (its tolerance line and label),
    whose curves are the same: the browser decodes the new figure but hands Plotly the arrays
    it drew before, so Plotly redraws the line and label without recomputing the curves."""
    page.goto(f"{app_server}/Overfitting_and_data_limits")
    wait_for_app(page)
    probe = """() => {
        const box = document.querySelector('[data-testid="liveChart"]');
        return {label: box._fullLayout.annotations.map(a => a.text).join(' '),
                sameCurve: box.data[1].x === window.__curveBefore,
                sameCalc: box.calcdata === window.__calcBefore};
    }"""
    page.evaluate(
        """() => { const box = document.querySelector('[data-testid="liveChart"]');
                   window.__curveBefore = box.data[1].x; window.__calcBefore = box.calcdata; }"""
    )
    before = page.evaluate(probe)
    assert "tolerance δL = 2%" in before["label"]
    tolerance = page.get_by_role("slider").nth(2)
    tolerance.focus()
    tolerance.press("ArrowRight")
    page.wait_for_function(
        """() => document.querySelector('[data-testid="liveChart"]')._fullLayout.annotations
                   .some(a => a.text === 'tolerance δL = 2.5%')""",
        timeout=30_000,
    )
    wait_for_app(page)
    after = page.evaluate(probe)
    assert after["sameCurve"] and after["sameCalc"]
    assert parse_qs(urlsplit(page.url).query)["ovtol"] == ["2.5"]


@pytest.mark.browser
def test_plotly_is_loaded_before_the_first_chart(page, app_server) -> None:
    """The page frame loads Plotly.js once the browser is idle (`preload_plotly`): on the fit
    page it is ready before the visitor has chosen a file, and the frame's element takes no
    room."""
    page.goto(f"{app_server}/Fit_your_runs")
    wait_for_app(page)
    assert page.locator(CHART_SELECTOR).count() == 0
    page.wait_for_function("() => typeof window.Plotly === 'object'", timeout=30_000)
    preload = page.locator(f".st-key-{PRELOAD_KEY}")
    assert preload.count() == 1 and not preload.is_visible()


#: Counts, per live chart (its element's key), the Plotly calls that draw it from now on.
COUNT_DRAWS = """() => {
    const P = window.Plotly;
    window.__draws = {};
    for (const name of ['react', 'relayout', 'newPlot']) {
        const real = P[name];
        P[name] = function (box, ...rest) {
            const holder = box.closest && box.closest('[class*="st-key-"]');
            const key = holder ? holder.className.match(/st-key-([^ ]+)/)[1] : '?';
            window.__draws[key] = window.__draws[key] || [];
            window.__draws[key].push(name);
            return real.call(this, box, ...rest);
        };
    }
}"""

BUDGET_LINE = """() => {
    const box = document.querySelector('.st-key-frontier [data-testid="liveChart"]');
    return {x: box._fullLayout.shapes.filter(s => s.line.dash === 'dash').map(s => s.x0),
            calc: box.calcdata === window.__frontierCalc};
}"""


@pytest.mark.browser
def test_a_chart_redraws_only_what_changed(page, app_server) -> None:
    """The budget slider moves only the frontier chart's budget line and markers (shapes): the
    browser hands Plotly those shapes alone (``relayout``), keeps the computed curves, and draws
    the line at the budget the share link records; the IsoFLOP profiles, new curves, go to
    ``Plotly.react``.  A rerun that leaves a chart as it was drawn (another control of the page)
    costs that chart no Plotly call at all: its element keeps its key and its data."""
    page.goto(f"{app_server}/Compute-optimal_frontier")
    wait_for_app(page)
    page.evaluate(COUNT_DRAWS)
    page.evaluate(
        "() => { window.__frontierCalc = document.querySelector("
        "'.st-key-frontier [data-testid=\"liveChart\"]').calcdata; }"
    )
    before = page.evaluate(BUDGET_LINE)["x"]
    budget = page.get_by_role("slider").first
    budget.focus()
    budget.press("ArrowRight")
    page.wait_for_function(
        "(old) => { const b = document.querySelector('.st-key-frontier [data-testid=\"liveChart\"]');"
        " return b._fullLayout.shapes.some(s => s.line.dash === 'dash' && s.x0 !== old); }",
        arg=before[0],
        timeout=30_000,
    )
    wait_for_app(page)
    draws = page.evaluate("() => window.__draws")
    assert draws["frontier"] == ["relayout"]
    assert draws["isoflop"] == ["react"]
    line = page.evaluate(BUDGET_LINE)
    assert line["calc"]  # the four panels' curves were not computed again
    budget_flop = float(parse_qs(urlsplit(page.url).query)["fc"][0])
    assert budget_flop > before[0]
    assert len(line["x"]) == 4 and all(
        math.isclose(x, budget_flop, rel_tol=1e-9) for x in line["x"]
    )

    page.evaluate("() => { window.__draws = {}; }")
    dataset = page.locator('[data-testid="stSelectbox"]').filter(has_text="Dataset").first
    picker = dataset.get_by_role("combobox")
    picker.focus()
    picker.press("ArrowDown")  # opens the list (a click on this page's picker did not)
    page.get_by_role("option", name="OpenWebText2").click()
    page.wait_for_function("() => location.search.includes('p_live_ds=owt2')", timeout=30_000)
    wait_for_app(page)
    draws = page.evaluate("() => window.__draws")
    assert "react" in draws.get("porian-optima", [])
    assert "frontier" not in draws and "isoflop" not in draws
