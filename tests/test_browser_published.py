"""In a real browser: the published-sweeps page, the frontier page's live Table 1 and the fit
page's real samples; screenshots under artifacts/screenshots/."""

from __future__ import annotations

import pytest

from tests.conftest import screenshot, wait_for_app
from tests.page_charts import CHART_SELECTOR

pytestmark = pytest.mark.browser


def test_published_sweeps_page_fits_olmo_and_gadre(page, app_server) -> None:
    page.goto(f"{app_server}/Published_sweeps")
    wait_for_app(page, timeout_ms=90_000)
    assert "published sweeps" in page.locator("h1").first.inner_text().lower()
    assert page.locator('[data-testid="stException"]').count() == 0
    body = page.locator("body").inner_text()
    assert "OLMo model ladder (Bhagia et al. 2024)" in body
    assert "Leave-out check: fitted to the runs below 2B parameters" in body
    # two leave-out charts, two rollout charts and the frontier
    assert page.locator('[data-testid="stPlotlyChart"]').count() == 5
    assert "Rollout scorecard (OLMo-core's ScalingLawRollout method)" in body
    screenshot(page, "published-sweeps")


def test_frontier_page_live_table1(page, app_server) -> None:
    page.goto(f"{app_server}/Compute-optimal_frontier?pstep=porian-2024-head")
    wait_for_app(page, timeout_ms=90_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    heading = page.get_by_text("Table 1, recomputed from Porian et al.'s released IsoFLOP points")
    heading.scroll_into_view_if_needed()
    assert heading.count() == 1
    body = page.locator("body").inner_text()
    assert "IsoFLOP profiles of step (b)" in body or "N*(C) per budget" in body
    screenshot(page, "frontier-live-table1")
    page.locator(CHART_SELECTOR).last.scroll_into_view_if_needed()
    wait_for_app(page)
    screenshot(page, "frontier-live-profiles")


def test_fit_page_opens_a_real_sample_on_one_sweep(page, app_server) -> None:
    page.goto(f"{app_server}/Fit_your_runs?f_sample=real/porian-2024/porian2024_isoflop_points.csv")
    wait_for_app(page, timeout_ms=90_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    body = page.locator("body").inner_text()
    assert "This file holds several sweeps" in body
    assert "Fitting the 121 of 1,745 runs where dataset = rw" in body
    screenshot(page, "fit-real-sample")
