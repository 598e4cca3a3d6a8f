"""The frame every page shares: page config, global sidebar controls, URL sync and share link."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from dashboard.state import sync_query_params
from dashboard.widgets import share_link, sidebar_controls


@contextmanager
def page(title: str) -> Iterator[None]:
    """Set up a page titled ``title`` with the global controls; on exit, mirror state in the URL.

    Usage in ``pages/*.py``::

        with page("Loss landscape"):
            ...  # widgets -> scaling_core -> charts -> st.plotly_chart
    """
    st.set_page_config(page_title=f"{title} · Scaling-law explorer", page_icon="📈", layout="wide")
    sidebar_controls()
    st.title(title)
    yield
    sync_query_params()
    share_link()
