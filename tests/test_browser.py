"""End to end in a real browser: every page opens, a slider moves, screenshots are saved."""

from __future__ import annotations

import re

import pytest

from tests.conftest import SCREENSHOTS, screenshot, wait_for_app
from tests.page_charts import CHART_SELECTOR

pytestmark = pytest.mark.browser

# Every page opening without an exception, under its heading, is checked at two screen sizes
# by tests/test_browser_screens.py (which opens every page anyway).


def test_landscape_slider_moves_the_readout(page, app_server) -> None:
    page.goto(f"{app_server}/Loss_landscape")
    wait_for_app(page)
    metric = page.locator('[data-testid="stMetricValue"]').first
    before = metric.inner_text()
    slider = page.get_by_role("slider").first
    slider.focus()
    for _ in range(5):
        slider.press("ArrowRight")
    wait_for_app(page)
    page.wait_for_function(
        "(old) => document.querySelector('[data-testid=\"stMetricValue\"]').innerText !== old",
        arg=before,
        timeout=15_000,
    )
    assert metric.inner_text() != before
    assert re.search(r"n=", page.url)
    screenshot(page, "landscape-after-slider")


@pytest.mark.parametrize("width", [1400, 1000])
def test_porian_optima_legend_sits_below_the_plot(page, app_server, width: int) -> None:
    """The legend of Porian's N*(C) chart covered the small budgets' points; it now sits under
    the x axis, clear of the plot, every point and the axis title, at both widths."""
    page.set_viewport_size({"width": width, "height": 2600})
    page.goto(f"{app_server}/Compute-optimal_frontier")
    wait_for_app(page)
    chart = page.locator(CHART_SELECTOR).filter(has_text="N*(C) per budget")
    chart.scroll_into_view_if_needed()
    boxes = chart.evaluate(
        """el => {
            const box = e => { const r = e.getBoundingClientRect();
                               return [r.left, r.top, r.right, r.bottom]; };
            return {
                legend: box(el.querySelector('g.legend')),
                plot: box(el.querySelector('.nsewdrag')),
                title: box(el.querySelector('.g-xtitle')),
                figure: box(el.querySelector('.main-svg')),
                points: Array.from(el.querySelectorAll('.scatterlayer .point')).map(box),
            };
        }"""
    )
    left, top, right, bottom = boxes["legend"]
    assert top >= boxes["title"][3] and top >= boxes["plot"][3], boxes
    assert bottom <= boxes["figure"][3] + 0.5 and right <= boxes["figure"][2] + 0.5, boxes
    assert boxes["points"], "no points drawn"
    for p_left, p_top, p_right, p_bottom in boxes["points"]:
        assert p_right < left or p_left > right or p_bottom < top or p_top > bottom
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    chart.screenshot(path=str(SCREENSHOTS / f"frontier-optima-legend-{width}.png"))


@pytest.mark.parametrize("laws", [None, "all"])
def test_every_chosen_law_is_visible_in_the_sidebar(page, app_server, laws: str | None) -> None:
    """Each chip of "Laws to compare" lies wholly inside the picker, which has nothing left to
    scroll to, and shows its whole short name. With six laws chosen the sixth was once hidden
    and the fifth cut in half; "all" picks every published law."""
    from scaling_core.presets import PRESETS

    chosen = list(PRESETS) if laws == "all" else None
    page.set_viewport_size({"width": 1400, "height": 1400})
    page.goto(f"{app_server}/Loss_landscape" + (f"?laws={','.join(chosen)}" if chosen else ""))
    wait_for_app(page)
    picker = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelectTagsContainer"]')
    state = picker.evaluate(
        """el => {
            const box = e => { const r = e.getBoundingClientRect();
                               return [r.left, r.top, r.right, r.bottom]; };
            const field = el.parentElement;
            return {
                field: box(field),
                hidden: field.scrollHeight - field.clientHeight + el.scrollHeight - el.clientHeight,
                chips: Array.from(el.querySelectorAll('[data-tag]')).map(c => {
                    const text = c.querySelector('span');
                    return { label: c.getAttribute('aria-label'), box: box(c),
                             cut: text.scrollWidth - text.clientWidth };
                }),
            };
        }"""
    )
    assert len(state["chips"]) == (len(chosen) if chosen else 3)  # the three default laws
    assert state["hidden"] <= 1, state
    left, top, right, bottom = state["field"]
    for chip in state["chips"]:
        c_left, c_top, c_right, c_bottom = chip["box"]
        assert left <= c_left and c_right <= right and top <= c_top and c_bottom <= bottom, chip
        assert chip["cut"] <= 0, chip  # the name is not cut short with an ellipsis
    assert "Porian: + tuned" in [chip["label"] for chip in state["chips"]]
    page.locator('[data-testid="stSidebar"]').screenshot(
        path=str(SCREENSHOTS / f"sidebar-laws-{laws or 'default'}.png")
    )
