"""A part of a page that reruns alone when one of its own controls moves (`st.fragment`), with
the address bar and the sidebar's share link kept current.

A slider move normally reruns the whole page: the sidebar's law pickers, every chart and table,
and the browser redraws them all.  A page wraps the controls and what they change in
`live_section`; moving one of those reruns only that part.  The link stays current because a
fragment rerun ends as a page run does: every persistent value is written into the address bar
(`dashboard.state.sync_query_params`) and the share link is redrawn in its sidebar slot, which
the section reserves on every full run (`dashboard.widgets.share_link` fills it at the end of
a full run, when every control of the page has been read).

What a section changes must not be shown outside it, and a value it computes must not be used
after it by the page (a fragment rerun does not run the rest of the page).  Controls outside
the section, such as the sidebar's, rerun the whole page and the section with it.

A page may have several sections, one after the other or one inside another (a control that
changes only part of a section, e.g. the plan's inference volume): they share one sidebar slot
for the link, reserved outside them by the first section of a full run.  Streamlit lets a
fragment write to a container outside it only where it wrote during the last full run, so
every section writes an empty box into the slot on full runs, which the page's link then
fills.  Streamlit names a fragment by its place on the page, so a section inside another must
sit in a container the outer one makes before any output that comes and goes: moved by such
output during the outer one's rerun, it became a new fragment with no place reserved for the
link, and its next move failed (the plan's inference volume after a budget past a year).
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from functools import wraps
from typing import TypeVar

import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from dashboard.layout import failure_boundary
from dashboard.state import LINK_SLOT_KEY, link_note_keys, sync_query_params
from dashboard.widgets import share_link

T = TypeVar("T")

#: Session key of the link notes shown by the last full run (`_notes_changed`).
_NOTES_SHOWN_KEY = "live_notes_shown"
#: Whether a section is running in this thread: a section inside it is not what a rerun of
#: sections alone reruns, and leaves the link to the section that is.
_IN_SECTION: ContextVar[bool] = ContextVar("live_section_running", default=False)


def fragment_rerun() -> bool:
    """Whether this run reruns fragments only (a control inside a `live_section` moved)."""
    ctx = get_script_run_ctx()
    return bool(ctx is not None and ctx.fragment_ids_this_run)


def _notes_changed() -> bool:
    """Whether a link note shown under the page title was dropped since the last full run (its
    control was moved): the note sits outside the section, so the whole page must rerun."""
    shown = st.session_state.get(_NOTES_SHOWN_KEY, frozenset())
    return bool(shown - link_note_keys())


def _link_slot():  # type: ignore[no-untyped-def]
    """The sidebar slot of this run's share link: reserved by the first section of a full run
    (outside every section), kept for the reruns of sections until the next full run."""
    slot = st.session_state.get(LINK_SLOT_KEY)
    if slot is None:
        slot = st.session_state[LINK_SLOT_KEY] = st.sidebar.empty()
    return slot


def live_section(title: str, body: Callable[[], T]) -> T | None:
    """Run ``body`` as a fragment of page ``title`` and return its result (None when it failed;
    the visitor reads `dashboard.layout.failure_message`, as for a page).

    On a full run the section marks its place in the sidebar's link slot; rerun alone, it
    writes the address bar and the share link there itself."""
    slot = _link_slot()

    @st.fragment
    @wraps(body)  # the fragment's identity is the body's name: one body per section of a page
    def section() -> T | None:
        alone = fragment_rerun()
        root = alone and not _IN_SECTION.get()
        if root and _notes_changed():
            st.rerun(scope="app")
        result = None
        running = _IN_SECTION.set(True)
        try:
            with failure_boundary(title):
                result = body()
        finally:
            _IN_SECTION.reset(running)
        if not alone:  # the notes of the section's own controls are known once it has run
            st.session_state[_NOTES_SHOWN_KEY] = frozenset(link_note_keys())
            slot.container()  # where this section may write the link when it reruns alone
        elif root:
            sync_query_params()
            share_link()
        return result

    return section()
