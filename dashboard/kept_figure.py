"""Figures kept per session between reruns, rebuilt only when what they show changes.

Building a Plotly figure (graph_objects validate and copy every array) costs far more than
serialising it: the loss landscape's 100 × 100 grid with its hover labels takes ~25 ms to build
and ~27 ms to serialise.  A slider that only moves a marker need pay neither: a read-only kept
figure is serialised once and the marker is drawn over it (`dashboard.layout.show_chart`'s
overlay).  Each session keeps its own figures (figures are mutable; sessions run in their own
threads), about 1.4 MB for the landscape with its JSON, dropped with the session.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

import plotly.graph_objects as go
import streamlit as st

from charts.style import fixed_margins
from dashboard.live_chart import freeze

_STATE_KEY = "_kept_figures"


def kept_figure(
    slot: str, signature: Hashable, build: Callable[[], go.Figure], *, read_only: bool = False
) -> go.Figure:
    """This session's figure for ``slot``: the one built last time when ``signature`` (all the
    inputs of ``build``) is unchanged, else ``build()``'s, kept for the next rerun.

    ``read_only``: the page never changes the figure (a slider moves only an overlay drawn
    over it, `dashboard.layout.show_chart`), so its JSON is computed once, when it is built
    (`dashboard.live_chart.freeze`)."""
    kept: dict[str, tuple[Hashable, go.Figure]] = st.session_state.setdefault(_STATE_KEY, {})
    held = kept.get(slot)
    if held is not None and held[0] == signature:
        return held[1]
    fig = freeze(fixed_margins(build())) if read_only else build()
    kept[slot] = (signature, fig)
    return fig


@st.cache_resource(max_entries=256, show_spinner=False)
def _shared(slot: str, signature: Hashable, _build: Callable[[], go.Figure]) -> go.Figure:
    return fixed_margins(_build())  # settled once here: the figure is read-only from now on


def shared_figure(slot: str, signature: Hashable, build: Callable[[], go.Figure]) -> go.Figure:
    """One figure for every session, built on first use per ``(slot, signature)`` — for figures
    fully determined by ``signature`` (no per-user marker).  Read-only: `st.plotly_chart` only
    reads a figure; never pass one to `charts.landscape.place_run` or other in-place updates."""
    return _shared(slot, signature, build)
