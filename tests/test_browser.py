"""End to end in a real browser: every page opens, a slider moves, screenshots are saved."""

from __future__ import annotations

import re

import pytest

from tests.conftest import screenshot, wait_for_app

pytestmark = pytest.mark.browser

PAGES = [
    ("", "Scaling-law explorer"),
    ("Loss_landscape", "Loss landscape"),
    ("Compute-optimal_frontier", "Compute-optimal frontier"),
    ("Overfitting_and_data_limits", "Overfitting and data limits"),
    ("Batch_size_and_training_time", "Batch size and training time"),
    ("Plan_a_run", "Plan a run"),
    ("Fit_your_runs", "Fit your runs"),
]


@pytest.mark.parametrize(("path", "heading"), PAGES)
def test_page_opens_without_error(page, app_server, path: str, heading: str) -> None:
    page.goto(f"{app_server}/{path}")
    wait_for_app(page)
    assert heading.lower() in page.locator("h1").first.inner_text().lower()
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, f"page-{path or 'home'}")


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
