"""The app's pages, in navigation order: the one list `app.py` builds `st.navigation` from and
the overview page links from.  Adding a page is one `AppPage(...)` line in `PAGES`
(tests/test_navigation.py fails while a file in ``pages/`` is missing from it)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

#: What the navigation calls the first page (the landing page, at the app's root URL).
OVERVIEW_TITLE = "Overview"


def url_path(script: str) -> str:
    """The URL path Streamlit gave a ``pages/`` file before the app named its pages (e.g.
    ``pages/2_Compute-optimal_frontier.py`` -> ``Compute-optimal_frontier``): the file name
    without its order prefix and ``.py``, runs of ``_`` and spaces as one ``_``.  Set on every
    `st.Page` explicitly, so links shared before keep opening the same page."""
    name = PurePosixPath(script).name
    match = re.fullmatch(r"[0-9]*[_ -]*(.*)\.py", name)
    if match is None or not match.group(1).strip("_ "):
        raise ValueError(f"not a page script name: {script!r}")
    return re.sub(r"[_ ]+", "_", match.group(1)).strip("_")


@dataclass(frozen=True)
class AppPage:
    """One page: its script, its name in the navigation, icon, and what the overview says of it."""

    script: str  # relative to the repository root
    title: str
    icon: str
    blurb: str

    @property
    def url_path(self) -> str:
        """The page's URL path (`url_path`)."""
        return url_path(self.script)

    @property
    def link_label(self) -> str:
        """The overview's link text: the name, then what the page shows."""
        return f"{self.title}: {self.blurb}"


PAGES: tuple[AppPage, ...] = (
    AppPage("pages/1_Loss_landscape.py", "Loss landscape", ":material/map:", "L(N, D) and your run on it"),
    AppPage("pages/2_Compute-optimal_frontier.py", "Compute-optimal frontier", ":material/trending_up:", "N, D and loss against C"),
    AppPage("pages/3_Overfitting_and_data_limits.py", "Overfitting and data limits", ":material/repeat:", "repeated data, early stopping"),
    AppPage("pages/4_Batch_size_and_training_time.py", "Batch size and training time", ":material/timer:", "B_crit, steps, wall-clock"),
    AppPage("pages/5_Plan_a_run.py", "Plan a run", ":material/explore:", "from a GPU budget to N, D, batch size and loss"),
    AppPage("pages/6_Fit_your_runs.py", "Fit your runs", ":material/upload_file:", "upload a CSV, fit a law with intervals"),
    AppPage("pages/7_Published_sweeps.py", "Published sweeps", ":material/science:", "real runs from OLMo, Gadre, Gemstones, Muennighoff, Porian, fitted"),
    AppPage("pages/8_Ladders_tasks_and_comparisons.py", "Ladders: tasks and comparisons", ":material/stairs:", "task accuracy from a ladder, two sweeps as a compute multiplier"),
)  # fmt: skip
