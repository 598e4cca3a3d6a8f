"""The app's navigation (issue 21, item 6): one list of pages, named entries, old URLs kept."""

from __future__ import annotations

import tomllib
from pathlib import Path

from streamlit.testing.v1 import AppTest

from dashboard.navigation import OVERVIEW_TITLE, PAGES, url_path
from scaling_core.runs.limits import LIMITS

ROOT = Path(__file__).resolve().parents[1]

#: The URL paths Streamlit gave the pages/ files before the app named its pages, as shared in
#: links (written out by hand: a link made then must open the same page now).
OLD_URLS = {
    "pages/1_Loss_landscape.py": "Loss_landscape",
    "pages/2_Compute-optimal_frontier.py": "Compute-optimal_frontier",
    "pages/3_Overfitting_and_data_limits.py": "Overfitting_and_data_limits",
    "pages/4_Batch_size_and_training_time.py": "Batch_size_and_training_time",
    "pages/5_Plan_a_run.py": "Plan_a_run",
    "pages/6_Fit_your_runs.py": "Fit_your_runs",
    "pages/7_Published_sweeps.py": "Published_sweeps",
    "pages/8_Ladders_tasks_and_comparisons.py": "Ladders_tasks_and_comparisons",  # new, same rule
}


def test_every_page_file_is_in_the_one_list() -> None:
    """A file in pages/ that is not in `PAGES` would be unreachable under st.navigation."""
    files = {f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py")}
    listed = [p.script for p in PAGES]
    assert len(listed) == len(set(listed))
    assert set(listed) == files
    for entry in PAGES:
        assert (ROOT / entry.script).is_file(), entry.script
        assert entry.title and entry.blurb and entry.icon.startswith(":material/")


def test_url_paths_are_the_ones_links_were_shared_with() -> None:
    shown = {p.script: p.url_path for p in PAGES if p.script in OLD_URLS}
    assert shown == OLD_URLS
    # Streamlit's rule for a new file: order prefix and .py dropped, runs of _ and spaces as _
    assert url_path("pages/8_Ladders_tasks_and_comparisons.py") == "Ladders_tasks_and_comparisons"
    assert url_path("pages/10 - Two  words.py") == "Two_words"


def test_the_navigation_names_the_overview_and_registers_every_page_at_its_old_path() -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value == "Scaling-law explorer"  # the overview is the default page
    # What st.navigation registered, in order (AppTest keeps it to resolve switch_page; the
    # browser test reads the drawn navigation itself)
    registered = list(at._registered_pages.values())
    names = [p["page_name"] for p in registered]
    assert names[0] == OVERVIEW_TITLE and names[0] != "app"
    assert names[1:] == [p.title for p in PAGES]
    assert [p["url_pathname"] for p in registered] == ["", *OLD_URLS.values()]
    at.switch_page("pages/5_Plan_a_run.py").run()
    assert not at.exception and at.title[0].value == "Plan a run"


def test_the_uploader_lets_a_file_over_the_per_file_limit_reach_the_page() -> None:
    """Streamlit's own cap stops a file before the page sees it, with only a red mark; set at
    the per-upload budget, a file of 50-100 MiB reaches the page's message naming it."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    cap = config["server"]["maxUploadSize"] * 2**20
    assert LIMITS.file_bytes < cap <= LIMITS.upload_bytes
