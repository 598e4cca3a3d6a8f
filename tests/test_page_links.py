"""Every choice in the link (issue 21, item 1): on each page, every control is moved away from
its default, the link the page then writes is opened in a fresh session, and the second page
must show exactly what the first did: every control's value and every text, number, table and
chart title on the page.

The reference is the first session's page itself, set by hand; the second page is built only
from the query string (`st.query_params` after the first run), as a visitor opening a shared
link would. A control whose value does not reach the link shows up as a difference.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from page_charts import chart_specs
from streamlit.testing.v1 import AppTest

from dashboard import state

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]
#: Controls that are not choices about the view: the sample picker before its button is
#: pressed (the button loads it, and the loaded sample is in the link as ``f_sample``).
NOT_A_VIEW = ("fit_sample_pick", "fit_uploader")
#: The links a page is first opened with (the fit page's controls appear once a file is
#: loaded: Gadre et al.'s table has a sweep picker and several loss columns).
START = {
    "6_Fit_your_runs.py": {"f_sample": "real/gadre-2024/gadre2024_final_losses.csv"},
}
WIDGETS = ("selectbox", "select_slider", "slider", "multiselect", "checkbox", "toggle", "radio")


def open_page(page: Path, query: dict[str, Any]) -> AppTest:
    at = AppTest.from_file(str(page), default_timeout=180)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, (page.name, at.exception)
    return at


def controls(at: AppTest) -> list[Any]:
    found = []
    for kind in WIDGETS:
        for widget in getattr(at, kind):
            key = str(widget.key or "")
            if key.startswith(NOT_A_VIEW) or widget.disabled:
                continue
            found.append(widget)
    return found


def move(widget: Any) -> bool:
    """Set ``widget`` to a value other than its current one; False if it has no other."""
    kind = type(widget).__name__
    if kind in ("Checkbox", "Toggle"):
        widget.set_value(not widget.value)
    elif kind == "Multiselect":  # drop the first chosen item (a list of one is left alone)
        if len(widget.value) < 2:
            return False
        widget.set_value(list(widget.value)[1:])
    elif kind == "Slider":
        widget.set_value(widget.max if widget.value != widget.max else widget.min)
    elif kind == "SelectSlider":  # the raw grid's ends are the bounds of the link parameter
        param = state.registered()[str(widget.key).removeprefix("w_")]
        low, high = param.bounds
        widget.set_value(low if widget.value == pytest.approx(high) else high)
    else:
        options = list(widget.options)
        if len(options) < 2:
            return False
        now = options.index(str(widget.format_func(widget.value)))
        pick = len(options) - 1 if now != len(options) - 1 else 0
        if kind == "Radio":  # no select_index: set the option's label, as the browser sends it
            widget.set_value(options[pick])
        else:
            widget.select_index(pick)
    return True


def set_everything(at: AppTest, page: Path) -> list[str]:
    """Move every control once, all that are showing in one run; then those the moves revealed,
    again in one run (at most three rounds). A run per control took the suite past its time."""
    moved: list[str] = []
    for _ in range(3):
        fresh = [w for w in controls(at) if (w.key or w.label) not in moved]
        if not fresh:
            break
        moved.extend(str(w.key or w.label) for w in fresh)
        if [w for w in fresh if move(w)]:
            at.run()
            assert not at.exception, (page.name, moved, at.exception)
    return moved


def view(at: AppTest) -> dict[str, Any]:
    """What the page shows: every control's value and every text element, table and chart."""
    shown: dict[str, Any] = {}
    for widget in controls(at):
        shown[f"{type(widget).__name__}:{widget.label}"] = repr(widget.value)
    for kind in ("markdown", "caption", "metric", "info", "warning", "error", "title"):
        shown[kind] = [
            repr(getattr(e, "value", e)) for e in getattr(at, kind) if not is_share_link(e)
        ]
    shown["metric labels"] = [m.label for m in at.metric]
    shown["tables"] = [e.value.to_csv() for e in at.dataframe]
    shown["charts"] = [chart_titles(spec) for spec in chart_specs(at)]
    return shown


def is_share_link(element: Any) -> bool:
    """The sidebar's link to the view (`dashboard.widgets.share_link`: a markdown link whose
    text is the link as code); the link itself is compared as the query parameters."""
    value = str(getattr(element, "value", ""))
    return value.startswith("[`") and "`](" in value


def chart_titles(spec: dict) -> str:
    """A chart's title, axis titles and trace names (its data follow from them and the page)."""
    layout = spec.get("layout", {})
    names = [t.get("name") for t in spec.get("data", [])]
    return json.dumps([layout.get("title"), layout.get("xaxis", {}).get("title"), names])


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_a_link_made_after_setting_every_control_reopens_the_same_view(page: Path) -> None:
    at = open_page(page, START.get(page.name, {}))
    moved = set_everything(at, page)
    assert moved, f"{page.name}: no control found"
    link = {k: at.query_params[k] for k in at.query_params}
    again = open_page(page, link)
    first, second = view(at), view(again)
    for part in first:
        assert first[part] == second.get(part), (page.name, part, link)


def test_a_link_to_a_picked_sweep_reopens_the_same_fit() -> None:
    """The issue's case: Gadre et al.'s table opens on c4_original; after picking rw_original
    the link reopens rw_original with the same fit, not c4_original. The run counts are
    counted in the file itself."""
    import pandas as pd

    table = pd.read_csv(ROOT / "sample_data" / START["6_Fit_your_runs.py"]["f_sample"])
    assert (table["dataset"] == "c4_original").sum() == 34
    assert (table["dataset"] == "rw_original").sum() == 35
    page = ROOT / "pages" / "6_Fit_your_runs.py"
    at = open_page(page, START[page.name])
    assert "Fitting the 34 of 104 runs where dataset = c4_original" in captions(at)
    at.selectbox(key="w_f_where_dataset").set_value("rw_original").run()
    assert "Fitting the 35 of 104 runs where dataset = rw_original" in captions(at)
    link = {k: at.query_params[k] for k in at.query_params}
    assert link["f_where_dataset"] == "rw_original"
    again = open_page(page, link)
    assert "Fitting the 35 of 104 runs where dataset = rw_original" in captions(again)
    assert {m.label: m.value for m in again.metric} == {m.label: m.value for m in at.metric}
    assert not again.warning or "This link" not in str([w.value for w in again.warning])


def test_published_sweeps_link_keeps_the_sweeps_and_their_pickers() -> None:
    """Published sweeps: the chosen sweeps and each one's pickers come back from the link."""
    page = ROOT / "pages" / "7_Published_sweeps.py"
    at = open_page(page, {})
    at.multiselect(key="w_ps_sweeps").set_value(["gadre-2024"]).run()
    at.selectbox(key="w_ps_gadre-2024_dataset").set_value("rw_original").run()
    link = {k: at.query_params[k] for k in at.query_params}
    assert link["ps_sweeps"] == "gadre-2024"
    again = open_page(page, link)
    assert again.multiselect(key="w_ps_sweeps").value == ["gadre-2024"]
    assert again.selectbox(key="w_ps_gadre-2024_dataset").value == "rw_original"
    assert [m.value for m in again.metric] == [m.value for m in at.metric]
    none = open_page(page, {"ps_sweeps": "none"})
    assert none.multiselect(key="w_ps_sweeps").value == []


def captions(at: AppTest) -> str:
    return " ".join(c.value for c in at.caption).replace("\\", "")
