"""Analyses cached by content: one copy for every visitor when the content is a shipped sample,
one per session for an upload.

A hosted demo is mostly opened by links to its samples.  Per-session caches made every visitor
wait for the same fit, leave-out check and rollout scorecard of the same file (5-8 s a sample,
`benchmarks/bench_browser.py`); the shipped samples are public and few, so their results are
kept once for all sessions.  An upload stays in its own session's cache and leaves with it (its
results can be tens of MB: `fit_session.SESSION_CACHE_ENTRIES`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st

from dashboard.fit_session import digest, sample_bytes, sample_names

F = TypeVar("F", bound=Callable[..., Any])

#: Results kept per cached step for all visitors: each of the ten samples under about three
#: option sets.  A sample's fit is well under 1 MB pickled (Porian et al.'s 1,745 points:
#: 0.35 MB), so the four shared steps hold some tens of MB at most.
SHARED_ENTRIES = 32


@functools.cache
def shipped_digests() -> frozenset[str]:
    """SHA-256 of every shipped sample (`fit_session.sample_names`), read once."""
    return frozenset(digest(sample_bytes(name)) for name in sample_names())


def is_shipped(file_digest: str) -> bool:
    """Whether a cache key (a content digest, or ``digest/mapping...``) is a shipped sample's."""
    return file_digest.split("/", 1)[0] in shipped_digests()


def by_content(*, max_entries: int, ttl: int, show_spinner: str) -> Callable[[F], F]:
    """`st.cache_data` twice over a function whose first argument is a content digest: per
    session (``max_entries`` results), and for every session (`SHARED_ENTRIES`), used when the
    digest is a shipped sample's (`is_shipped`).  Arguments named with a leading underscore
    are not hashed in either."""

    def wrap(func: F) -> F:
        per_session = st.cache_data(
            max_entries=max_entries, ttl=ttl, show_spinner=show_spinner, scope="session"
        )(func)

        @functools.wraps(func)
        def for_everyone(*args: Any, **kwargs: Any) -> Any:
            return func(*args, **kwargs)

        for_everyone.__qualname__ = f"{func.__qualname__}.for_everyone"  # its own cache
        shared = st.cache_data(max_entries=SHARED_ENTRIES, ttl=ttl, show_spinner=show_spinner)(
            for_everyone
        )

        @functools.wraps(func)
        def call(file_digest: str, *args: Any, **kwargs: Any) -> Any:
            cached = shared if is_shipped(file_digest) else per_session
            return cached(file_digest, *args, **kwargs)

        call.per_session = per_session  # type: ignore[attr-defined]
        call.shared = shared  # type: ignore[attr-defined]
        return call  # type: ignore[return-value]

    return wrap
