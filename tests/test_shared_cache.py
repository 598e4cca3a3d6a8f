"""Shipped samples' analyses are cached once for every visitor, uploads per session
(`dashboard.shared_cache`)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import dashboard.fit_rollout as fit_rollout
import dashboard.fit_upload as fit_upload
from dashboard import ahead
from dashboard.fit_session import SAMPLE_DIR, sample_names
from dashboard.shared_cache import is_shipped

PAGE = str(Path(__file__).resolve().parents[1] / "pages" / "6_Fit_your_runs.py")
SAMPLE = "real/gadre-2024/gadre2024_final_losses.csv"


def test_shipped_digests_are_the_samples_sha256() -> None:
    """Every sample's digest (hashlib on the file's bytes, computed here) is shipped, with or
    without a mapping suffix; the same bytes with one byte changed are not."""
    for name in sample_names():
        data = (SAMPLE_DIR / name).read_bytes()
        key = hashlib.sha256(data).hexdigest()
        assert is_shipped(key) and is_shipped(f"{key}/mapping")
        assert not is_shipped(hashlib.sha256(data + b"\n").hexdigest())


def _open(sample: str) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params["f_sample"] = sample
    at.run()
    assert not at.exception
    return at


def _count_analyses(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Count the page's fits and rollout scorecards, and give each AppTest run the session id
    of ``calls["visitor"]`` (AppTest runs every script in one fixed session)."""
    import streamlit.runtime.caching.cache_data_api as cache_data_api

    st.cache_data.clear()
    st.cache_resource.clear()
    calls: dict[str, Any] = {"fit": 0, "rollout": 0, "visitor": "visitor 1"}
    fit_log, page_rollout = fit_upload.fit_log, fit_rollout.page_rollout

    def counted_fit(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["fit"] += 1
        return fit_log(*args, **kwargs)

    def counted_rollout(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["rollout"] += 1
        return page_rollout(*args, **kwargs)

    # counted here, in the server's process: no step is started ahead in a job
    monkeypatch.setattr(ahead, "start", lambda *args, **kwargs: False)
    monkeypatch.setattr(fit_upload, "fit_log", counted_fit)
    monkeypatch.setattr(fit_rollout, "page_rollout", counted_rollout)
    monkeypatch.setattr(cache_data_api, "get_session_id_or_throw", lambda: calls["visitor"])
    return calls


def test_a_sample_is_fitted_once_for_two_visitors(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two sessions open the same sample: its fit and rollout scorecard run once; the second
    visitor's page shows the same numbers."""
    calls = _count_analyses(monkeypatch)
    first = _open(SAMPLE)
    assert calls["fit"] >= 1 and calls["rollout"] >= 1
    after_first = dict(calls)
    calls["visitor"] = after_first["visitor"] = "visitor 2"
    second = _open(SAMPLE)
    assert calls == after_first, "the second visitor refitted a shipped sample"
    assert [m.value for m in second.metric] == [m.value for m in first.metric]


def test_content_that_is_not_shipped_is_fitted_per_visitor(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same two visits with the content treated as an upload (not a shipped digest): each
    session fits it, and its results stay in that session."""
    import dashboard.shared_cache as shared_cache

    monkeypatch.setattr(shared_cache, "is_shipped", lambda file_digest: False)
    calls = _count_analyses(monkeypatch)
    _open(SAMPLE)
    once = calls["fit"]
    assert once >= 1
    calls["visitor"] = "visitor 2"
    _open(SAMPLE)
    assert calls["fit"] == 2 * once
