"""The fit page in a real browser: upload through the file uploader, then reopen a shared link.

Screenshots go to artifacts/screenshots/fit-*.png.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from charts.fit_tables import format_param
from dashboard.fit_session import FitOptions, fit_runs, read_upload
from tests.conftest import screenshot
from tests.page_charts import CHART_SELECTOR

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_data"


def wait_for_app(tab) -> None:  # type: ignore[no-untyped-def]
    tab.wait_for_selector("h1", timeout=30_000)
    tab.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000
    )
    tab.wait_for_timeout(800)


def shown_metrics(tab) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """{label: value} of every st.metric on the page."""
    out = {}
    for metric in tab.locator('[data-testid="stMetric"]').all():
        label = metric.locator('[data-testid="stMetricLabel"]').inner_text().strip()
        out[label] = metric.locator('[data-testid="stMetricValue"]').inner_text().strip()
    return out


def expected(name: str, **options: object) -> dict[str, str]:
    result = fit_runs(read_upload((SAMPLES / name).read_bytes()).runs, FitOptions(**options))
    return {key: format_param(value) for key, value in result.params.items()}


def wait_for_metric(tab, label: str) -> None:  # type: ignore[no-untyped-def]
    tab.locator('[data-testid="stMetricLabel"]', has_text=label).first.wait_for(timeout=60_000)
    wait_for_app(tab)


def test_upload_fits_and_shared_link_reproduces(page, app_server, browser) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{app_server}/Fit_your_runs")
    wait_for_app(page)
    assert "load a file or a sample" in page.inner_text("body").lower()

    page.locator('input[type="file"]').first.set_input_files(str(SAMPLES / "messy_runs.csv"))
    wait_for_metric(page, "alpha")
    shown = shown_metrics(page)
    want = expected("messy_runs.csv")
    assert shown["alpha"] == want["alpha"]
    assert shown["E"] == want["E"]
    assert shown["Rows dropped"] == "4"
    body = page.inner_text("body")
    assert "diverged" in body or page.locator('[data-testid="stDataFrame"]').count() >= 2
    assert "f_sample" not in page.url  # the upload is not in the link
    assert page.locator('[data-testid="stException"]').count() == 0
    page.set_viewport_size({"width": 1400, "height": 5200})
    page.wait_for_timeout(2000)  # let plotly finish drawing at the new size
    screenshot(page, "fit-upload-messy")
    # The runs table is built when its expander opens (a rerun): then it lists every run.
    runs_box = page.locator('[data-testid="stExpander"]', has_text="Runs table")
    assert runs_box.locator('[data-testid="stDataFrame"]').count() == 0
    runs_box.locator("summary").click()
    runs_box.locator('[data-testid="stDataFrame"]').wait_for(timeout=60_000)
    wait_for_app(page)
    n_runs = len(read_upload((SAMPLES / "messy_runs.csv").read_bytes()).runs)
    label = runs_box.locator("summary").inner_text().strip()
    assert label.endswith(f"({n_runs:,} runs)"), label
    assert page.locator('[data-testid="stException"]').count() == 0

    # A shared link to a sample view, opened in a fresh browser context (a colleague).
    link = f"{app_server}/Fit_your_runs?f_sample=isoflop_sweep.csv&f_k=2&f_form=chinchilla"
    # A tall window: Streamlit scrolls inside its own container, so a full-page screenshot
    # only holds what fits in the viewport.
    context = browser.new_context(viewport={"width": 1400, "height": 5200})
    try:
        colleague = context.new_page()
        colleague.goto(link)
        wait_for_metric(colleague, "alpha")
        shown = shown_metrics(colleague)
        want = expected("isoflop_sweep.csv", exclude_highest_loss=2)
        for name in ("E", "A", "B", "alpha", "beta"):
            assert shown[name] == want[name], name
        assert "f_k=2" in colleague.url
        assert colleague.locator('[data-testid="stException"]').count() == 0

        # Bootstrap with the page's K (1,000): the progress bar runs, then the intervals fill
        # the table.
        colleague.get_by_role("button", name="Run bootstrap").click()
        colleague.get_by_text("1,000 refits,", exact=False).wait_for(timeout=60_000)
        wait_for_app(colleague)
        table = colleague.locator('[data-testid="stTable"]').first.inner_text()
        assert "run the bootstrap" not in table and " – " in table
        colleague.wait_for_timeout(1500)
        screenshot(colleague, "fit-shared-isoflop")

        # A link to another sample: the picker shows that sample, not the first one.
        colleague.goto(f"{app_server}/Fit_your_runs?f_sample=kaplan_sweep.csv&f_form=kaplan")
        wait_for_metric(colleague, "alpha_n")
        picker = colleague.locator('[data-testid="stSelectbox"]', has_text="Or a sample")
        assert picker.locator("input").input_value() == "Synthetic · kaplan_sweep.csv"

        colleague.goto(f"{app_server}/Fit_your_runs?f_sample=learning_curves.csv")
        wait_for_metric(colleague, "alpha")
        colleague.wait_for_timeout(1500)
        assert colleague.locator('[data-testid="stException"]').count() == 0
        body = colleague.inner_text("body")
        assert "Snapshot fits are biased" in body and "poorly determined" in body
        assert shown_metrics(colleague)["Points used"] == "28"
        screenshot(colleague, "fit-learning-curves")
    finally:
        context.close()


def test_unphysical_fit_warns_and_keeps_the_page(page, app_server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A W&B export whose runs all end at 60 tokens/param, fitted at its final points in the
    Chinchilla form (forced: the automatic form falls back to power in N there): the
    fit comes out with a negative exponent; the page warns instead of a traceback and keeps
    its charts, downloads and share link."""
    from tests.test_page_fit import wandb_collinear_csv

    path = tmp_path / "wandb.csv"
    path.write_bytes(wandb_collinear_csv())
    page.set_viewport_size({"width": 1400, "height": 4800})
    page.goto(f"{app_server}/Fit_your_runs?f_points=final&f_form=chinchilla")
    wait_for_app(page)
    page.locator('input[type="file"]').first.set_input_files(str(path))
    wait_for_metric(page, "alpha")
    # the metrics come before the charts: on a loaded machine the run is still drawing them
    page.wait_for_function(
        "(charts) => document.querySelectorAll(charts).length >= 5",
        arg=CHART_SELECTOR,
        timeout=60_000,
    )
    page.wait_for_timeout(1500)
    assert page.locator('[data-testid="stException"]').count() == 0
    alert = page.locator('[data-testid="stAlert"]', has_text="Not offered in the sidebar")
    assert alert.count() == 1 and "is not positive" in alert.inner_text()
    # with the rollout chart; the extrapolation check's is a live chart (`dashboard.live_chart`)
    assert page.locator(CHART_SELECTOR).count() == 5
    assert page.get_by_role("button", name="Parameters (JSON)").count() == 1
    assert "f_points=final" in page.locator('[data-testid="stSidebar"] code').inner_text()
    screenshot(page, "fit-unphysical-wandb")


def test_held_out_run_names_show_as_written(page, app_server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Run names full of Markdown and HTML (a visitor's file) show in the extrapolation check's
    held-out table exactly as the file writes them: the table's cells are Markdown
    (`dashboard.layout.show_table`), so nothing in a name may turn into emphasis, a link,
    code, a formula or a tag."""
    import pandas as pd

    runs = pd.read_csv(SAMPLES / "isoflop_sweep.csv")
    runs["run_name"] = [f"*r{i}* _x_ [a](b) <i>c</i> `d` $e$ #{i} 1. - |" for i in range(len(runs))]
    path = tmp_path / "names.csv"
    runs.to_csv(path, index=False)
    page.set_viewport_size({"width": 1400, "height": 4800})
    page.goto(f"{app_server}/Fit_your_runs")
    wait_for_app(page)
    page.locator('input[type="file"]').first.set_input_files(str(path))
    wait_for_metric(page, "Held-out runs")
    table = page.locator('[data-testid="stTable"]').filter(has_text="observed")
    names = table.locator("tbody tr td:first-child")
    held = page.locator('[data-testid="stMetric"]').filter(
        has=page.get_by_text("Held-out runs", exact=True)
    )
    count = int(held.locator('[data-testid="stMetricValue"]').inner_text())
    assert count > 0 and names.count() == count
    shown = [n.strip() for n in names.all_inner_texts()]
    assert set(shown) <= set(runs["run_name"]), shown[:2]
    # no element made from a name: only the cell's own paragraph
    assert table.locator("tbody em, tbody a, tbody code, tbody i, tbody li, tbody h1").count() == 0
