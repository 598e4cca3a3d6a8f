"""The frame every page shares: page config, global sidebar controls, URL sync and share link."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

import plotly.graph_objects as go
import streamlit as st

from charts import fit_tables as ft
from charts.style import Overlay, fixed_margins, with_overlay
from dashboard.live_chart import (
    PRELOAD_KEY,
    is_frozen,
    live_chart_available,
    preload_plotly,
    show_live_chart,
)
from dashboard.state import link_notes, start_run, sync_query_params
from dashboard.widgets import share_link, sidebar_controls


@contextmanager
def page(title: str) -> Iterator[None]:
    """Set up a page titled ``title`` with the global controls; on exit, mirror state in the URL.

    Usage in ``pages/*.py``::

        with page("Loss landscape"):
            ...  # widgets -> scaling_core -> charts -> st.plotly_chart
    """
    st.set_page_config(page_title=f"{title} · Scaling-law explorer", page_icon="📈", layout="wide")
    st.html(SCREEN_CSS)
    preload_plotly()  # while the script computes; hidden by SCREEN_CSS
    with failure_boundary(title):
        start_run()
        sidebar_controls()
        st.title(title)
        notes_slot = st.container()
        try:
            yield
        except Exception:
            show_link_notes(notes_slot)  # a failing page still says which link values it refused
            raise
        show_link_notes(notes_slot)
        sync_query_params()
        share_link()


#: Style for any screen width (tests/test_browser_screens.py looks at 1400 and 390 px):
#: a page link's text wraps instead of being cut at the window's edge (Streamlit keeps it on
#: one line), e.g. the overview's links on a phone; on a narrow screen a displayed formula is
#: set smaller, and one still wider than the column scrolls inside its own box (it was cut).
#: The uploader's "100MB per file" is hidden: that is Streamlit's cap (server.maxUploadSize),
#: not the 50 MiB per file the page refuses beyond and states under the uploader.  The frame's
#: Plotly preload (`dashboard.live_chart.preload_plotly`) takes no room.
SCREEN_CSS = """<style>
[data-testid="stFileUploaderDropzoneInstructions"] { display: none; }
[data-testid="stPageLink-NavLink"] span,
[data-testid="stPageLink-NavLink"] [data-testid="stMarkdownContainer"],
[data-testid="stPageLink-NavLink"] p { white-space: normal; overflow: visible; }
[data-testid="stPageLink-NavLink"] { height: auto; }
.katex-display { overflow-x: auto; overflow-y: hidden; }
@media (max-width: 640px) { .katex-display > .katex { font-size: 0.9em; } }
.st-key-PRELOAD { display: none; }
</style>""".replace("PRELOAD", PRELOAD_KEY)

LOG = logging.getLogger("scaling_explorer")
#: Set (tests/conftest.py does) to let a page's unexpected exception through, so that tests see
#: it as an exception instead of the visitor's message.
RAISE_ENV = "SCALING_EXPLORER_RAISE"


def failure_message(title: str, exc: BaseException) -> str:
    """What a visitor reads when page ``title`` fails unexpectedly: what failed and what to
    try; the exception's type only (its message and traceback go to the server log)."""
    return (
        f"Something went wrong while drawing the {title} page ({type(exc).__name__}); the "
        "rest of the app is unaffected. Try other values, or open the page again from the "
        "navigation (that resets its link). The details are in the server's log."
    )


@contextmanager
def failure_boundary(title: str) -> Iterator[None]:
    """A page's one exception boundary: anything unexpected becomes a short message on the
    page and a traceback in the server log, never a traceback for the visitor.  Streamlit's
    own control flow (rerun, stop) derives from BaseException and passes through."""
    try:
        yield
    except Exception as exc:
        if os.environ.get(RAISE_ENV):
            raise
        LOG.exception("page %r failed", title)
        st.error(failure_message(title, exc), icon=":material/error:")


def show_link_notes(container) -> None:  # type: ignore[no-untyped-def]
    """Under the title: which of the link's values the page could not use, each with what it
    shows instead: the default, or what it kept of a list (`dashboard.state.link_notes`)."""
    lines = link_notes()
    if not lines:
        return
    head = (  # each line says what the page shows instead
        "This link has a value the page cannot use:"
        if len(lines) == 1
        else "This link has values the page cannot use:"
    )
    container.warning(
        head + "\n" + "\n".join(f"- {line}" for line in lines), icon=":material/link_off:"
    )


def show_chart(  # type: ignore[no-untyped-def]
    where, fig: go.Figure, *, live: str | None = None, overlay: Overlay | None = None, **kwargs
) -> None:
    """``where.plotly_chart(fig)`` (``where``: ``st``, a column or another container) with the
    figure's margins fixed (`charts.style.fixed_margins`: a third less browser work on every
    redraw), as wide as its column unless ``width`` says otherwise.

    With ``live`` (a name unique on the page) the chart is a `dashboard.live_chart`: a rerun
    updates it in place (``Plotly.react``) instead of drawing it anew, which is what a slider
    that moves a marker or a curve needs; ``overlay`` (`charts.style.Overlay`) is what
    the slider moves, drawn over a figure kept unchanged (`dashboard.kept_figure`, read-only)."""
    if live is not None and not kwargs and live_chart_available():
        show_live_chart(where, fig if is_frozen(fig) else fixed_margins(fig), live, overlay)
        return
    kwargs.setdefault("width", "stretch")
    where.plotly_chart(fixed_margins(with_overlay(fig, overlay)), **kwargs)


#: Most rows `show_table` draws as a static table when asked to (``static``): all of them on the
#: page, scrolling inside a box past `STATIC_TABLE_VISIBLE_ROWS`.
STATIC_TABLE_ROWS = 200
#: Rows a static table shows before it scrolls inside its box (header sticky).
STATIC_TABLE_VISIBLE_ROWS = 15
#: Height in pixels of a static table's row of one line in Streamlit's theme (measured: 30).
_STATIC_ROW_PX = 31
#: A number column's alignment; !important: the table sets each text cell left-aligned in its
#: own style attribute.
_RIGHT = "text-align: right !important"


def show_table(shown, *, static: bool = False) -> None:  # type: ignore[no-untyped-def]
    """A `ft.display_runs` table (numbers as text) with its number columns right-aligned.

    ``static`` (for a table inside a `dashboard.live.live_section`): up to `STATIC_TABLE_ROWS`
    rows are an HTML table (`st.table`) instead of the grid.  The grid draws on a canvas and
    brings its cells up to date some 150-190 ms after the rest of a rerun (measured on the fit
    page's quantile slider: 470 ms to a settled page with the grid, 280 ms without); a static
    table is drawn with the rest.  Its cells are Markdown, so the text columns (run names from
    the visitor's file) are escaped."""
    if static and len(shown) <= STATIC_TABLE_ROWS:
        numeric = shown.attrs.get("numeric_columns", [])
        cells = shown.copy()
        for column in cells.columns:
            if column not in numeric:
                cells[column] = [ft.escape_markdown(v) for v in cells[column]]
        places = [list(cells.columns).index(c) for c in numeric]
        styled = cells.style.set_table_styles(  # by column: cheaper than cell by cell
            [{"selector": f"td.col{i}, th.col{i}", "props": _RIGHT} for i in places]
        )
        rows = min(len(shown), STATIC_TABLE_VISIBLE_ROWS) + 1
        st.table(
            styled,
            hide_index=True,
            height="content" if len(shown) <= STATIC_TABLE_VISIBLE_ROWS else rows * _STATIC_ROW_PX,
        )
    else:
        _grid(shown)
    total = shown.attrs.get("total_rows", len(shown))
    if total > len(shown):
        st.caption(f"Showing the first {len(shown):,} of {total:,} rows.")


def _grid(shown) -> None:  # type: ignore[no-untyped-def]
    """`show_table`'s grid (`st.dataframe`), number columns right-aligned."""
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        column_config={
            h: st.column_config.TextColumn(h, alignment="right")
            for h in shown.attrs.get("numeric_columns", [])
        },
    )
