"""Shared fixtures: a real Streamlit server on 127.0.0.1 and Debian's Chromium via Playwright."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard.live_chart import PRELOAD_KEY
from tests.app_server import CHROMIUM_ARGS, start_server, stop_server

ROOT = Path(__file__).resolve().parents[1]
#: Pages let unexpected exceptions through in tests (dashboard.layout.RAISE_ENV), so a test sees
#: a failure as an exception rather than as the visitor's message; tests/test_limits.py checks
#: the visitor's side with it unset.
os.environ.setdefault("SCALING_EXPLORER_RAISE", "1")
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
#: Real, licensed logs as their authors released them: the in-repo copy, or REAL_LOGS.
REAL_LOGS = Path(
    os.environ.get("REAL_LOGS", Path(__file__).resolve().parent / "fixtures" / "real-logs")
)


def olmo_histories_zip() -> bytes:
    """The OLMo ladder's 41 W&B history files zipped as a user would upload the folder
    (7.9 MB once expanded: a large upload)."""
    import io
    import zipfile

    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted((REAL_LOGS / "olmo-ladder" / "wandb-history").iterdir()):
            archive.write(path, f"wandb-history/{path.name}")
    return packed.getvalue()


CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")


def _chromium_path() -> str | None:
    override = os.environ.get("CHROMIUM_PATH")
    if override and Path(override).exists():
        return override
    for candidate in CHROMIUM_CANDIDATES:
        if Path(candidate).exists():
            return candidate
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def app_server() -> Iterator[str]:
    """`streamlit run app.py` on 127.0.0.1 and a free port; yields the base URL."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")  # one log per pytest-xdist worker
    log = (ROOT / "artifacts").joinpath(f"streamlit-{worker}.log")
    log.parent.mkdir(parents=True, exist_ok=True)
    try:
        process, base = start_server(log)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    try:
        yield base
    finally:
        stop_server(process)


#: The longest test files (measured with --durations on a clean clone), run first: with whole
#: files per pytest-xdist worker (--dist loadfile) a long file started last was the run's tail.
LONGEST_FIRST = (
    "test_browser_screens.py",
    "test_browser_screens_phone.py",
    "test_links.py",
    "test_browser_fit.py",
    "test_browser_fit_logs.py",
    "test_coverage.py",
    "test_page_links.py",
    "test_browser_live.py",
    "test_load.py",
    "test_browser_published.py",
    "test_browser.py",
    "test_live_chart.py",
    "test_page_cli_agree.py",
    "test_page_hostile.py",
    "test_downstream.py",
    "test_page_compare.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Order the files longest first (the same order in every worker); the rest as collected."""
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


def browser_missing(reason: str) -> None:
    """Skip a browser test with ``reason``; in CI (``CI=true``) fail instead, so that a CI
    machine without the browser cannot pass by skipping the browser tests."""
    if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
        pytest.fail(f"browser tests cannot run in CI: {reason}")
    pytest.skip(reason)


def require_browser() -> str:
    """Chromium's path and playwright's presence, or `browser_missing`."""
    executable = _chromium_path()
    if executable is None:
        browser_missing("no Chromium found (apt-get install chromium, or set CHROMIUM_PATH)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        browser_missing("the playwright package is not installed (pip install -e '.[test]')")
    return str(executable)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Headless Chromium driven by Playwright; skips with the reason when either is missing
    (fails in CI)."""
    executable = require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture()
def page(browser, app_server):  # type: ignore[no-untyped-def]
    """A fresh browser context and page, 1400×2600, that only talks to 127.0.0.1.

    Streamlit scrolls an inner container, so a full-page screenshot is only as tall as the
    window: the window is tall enough to show a page's charts.
    """
    context = browser.new_context(viewport={"width": 1400, "height": 2600})
    context.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith(
                ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")
            )
            else route.abort()
        ),
    )
    tab = context.new_page()
    try:
        yield tab
    finally:
        context.close()


def screenshot(tab, name: str) -> Path:  # type: ignore[no-untyped-def]
    """Save a full-page screenshot under artifacts/screenshots/ and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    tab.screenshot(path=str(path), full_page=True)
    return path


def wait_for_app(tab, timeout_ms: int = 45_000) -> None:  # type: ignore[no-untyped-def]
    """Wait until the script run has finished and every element and Plotly chart has drawn:
    Streamlit's charts and the live charts (`dashboard.live_chart`), whose component element
    arrives before its script has made the chart's box, so each component element (but the
    frame's Plotly preload) must hold a drawn chart."""
    tab.wait_for_selector("h1", timeout=timeout_ms)
    tab.wait_for_function(
        """(preload) => !document.querySelector('[data-testid="stStatusWidget"]')
              && document.querySelectorAll('[data-testid="stSkeleton"]').length === 0
              && Array.from(document.querySelectorAll('[data-testid="stPlotlyChart"]'))
                   .every(chart => chart.querySelector('.main-svg'))
              && Array.from(document.querySelectorAll('.stBidiComponent'))
                   .filter(element => !element.closest('.st-key-' + preload))
                   .every(element => element.querySelector('.main-svg'))""",
        arg=PRELOAD_KEY,
        timeout=timeout_ms,
    )
    tab.evaluate(QUIET)  # then until nothing on the page has changed for a moment


#: Resolves once the document has not changed for 250 ms (at most 5 s): what is drawn after
#: the run has finished (a chart's relayout, a table's columns) is drawn.
QUIET = """() => new Promise((resolve) => {
    let timer;
    const observer = new MutationObserver(() => { clearTimeout(timer); timer = setTimeout(done, 250); });
    function done() { observer.disconnect(); resolve(); }
    observer.observe(document, {subtree: true, childList: true, attributes: true,
                                characterData: true});
    timer = setTimeout(done, 250);
    setTimeout(done, 5000);
})"""


@pytest.fixture(scope="session", autouse=True)
def _scan_components_once() -> Iterator[None]:
    """Every new AppTest scans all installed packages for Streamlit components (about half of
    the CPU time of opening a page, measured in tests/test_links.py); the installed packages do
    not change during a test run, so the suite scans once."""
    try:
        from streamlit.components.v2 import manifest_scanner
    except ImportError:  # another Streamlit version: nothing to share
        yield
        return
    real = manifest_scanner.scan_component_manifests
    found = real()
    manifest_scanner.scan_component_manifests = lambda *a, **k: list(found)
    try:
        yield
    finally:
        manifest_scanner.scan_component_manifests = real
