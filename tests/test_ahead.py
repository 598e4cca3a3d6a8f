"""dashboard.ahead: the fit page's rollout scorecard started in a job as soon as the fit is known,
collected when the page reaches it; the same scorecard as computed in order."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
import streamlit as st
from page_charts import chart_specs
from streamlit.testing.v1 import AppTest

from dashboard import ahead, jobs
from dashboard import fit_session as fs

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "pages" / "6_Fit_your_runs.py")
GADRE = ROOT / "tests" / "fixtures" / "real-logs" / "gadre-2024" / "gadre2024_final_losses.csv"


def _pid() -> int:
    return os.getpid()


def _sleep(seconds: float) -> str:
    time.sleep(seconds)
    return "woke"


@pytest.fixture(autouse=True)
def _fresh() -> None:
    """A warm fork server (as on a server where the fit page was opened), nothing started."""
    jobs.prestart()
    deadline = time.monotonic() + 120
    while not jobs.warm() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert jobs.warm()
    ahead._SEEN.clear()
    ahead._PENDING.clear()
    st.cache_data.clear()
    st.cache_resource.clear()


def _free_slots() -> int:
    """How many heavy slots can be taken now (each is given back)."""
    taken = 0
    while fs.HEAVY_SLOTS.acquire(blocking=False):
        taken += 1
    for _ in range(taken):
        fs.HEAVY_SLOTS.release()
    return taken


def test_a_step_started_ahead_runs_in_a_job_and_is_collected_once() -> None:
    assert ahead.start(("pid", 1), _pid, what="a test step")
    assert not ahead.start(("pid", 1), _pid, what="a test step")  # once per key
    pid = ahead.collect(("pid", 1))
    assert isinstance(pid, int) and pid != os.getpid()
    assert ahead.collect(("pid", 1)) is ahead.MISSING
    assert ahead.collect(("never started",)) is ahead.MISSING
    assert _free_slots() == fs.MAX_HEAVY_JOBS


def test_a_job_that_fails_itself_is_computed_in_order() -> None:
    """A function the job cannot carry (a closure does not pickle) fails in the thread:
    `collect` says MISSING, so the page computes the step itself."""
    local = lambda: 1  # noqa: E731
    assert ahead.start(("closure",), local, what="a test step")
    assert ahead.collect(("closure",)) is ahead.MISSING
    assert _free_slots() == fs.MAX_HEAVY_JOBS


def test_a_cold_fork_server_means_computed_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """Before the fork server has run its first job (it is still importing), a step started
    ahead would wait for the imports: it is computed in order instead."""
    monkeypatch.setattr(jobs, "_WARM", threading.Event())
    assert not jobs.warm()
    assert not ahead.start(("pid", 3), _pid, what="a test step")
    assert ahead.collect(("pid", 3)) is ahead.MISSING
    assert _free_slots() == fs.MAX_HEAVY_JOBS


def test_without_a_free_slot_nothing_starts_ahead() -> None:
    taken = 0
    while fs.HEAVY_SLOTS.acquire(blocking=False):
        taken += 1
    try:
        assert taken == fs.MAX_HEAVY_JOBS
        assert not ahead.start(("pid", 2), _pid, what="a test step")
        assert ahead.collect(("pid", 2)) is ahead.MISSING
    finally:
        for _ in range(taken):
            fs.HEAVY_SLOTS.release()


def test_a_step_past_its_budget_says_so_as_in_order_and_frees_its_slot(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(fs, "JOB_SECONDS", 0.5)
    assert ahead.start(("sleep",), _sleep, 30.0, what="The test step")
    message = ahead.collect(("sleep",))
    assert message.startswith("The test step took longer than its 0.5 s budget")
    assert message.endswith(fs.TOO_LARGE_ADVICE)
    assert _free_slots() == fs.MAX_HEAVY_JOBS


def _upload_gadre() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=90)
    at.session_state[fs.UPLOAD_FILES_KEY] = [(GADRE.name, GADRE.read_bytes())]
    at.run()
    assert not at.exception, at.exception
    return at


def _extras(at: AppTest) -> tuple[list[str], dict[str, str], list[dict]]:
    """The rollout scorecard's caption, the metrics (the extrapolation check's among them)
    and every chart."""
    captions = [c.value for c in at.caption if c.value.startswith("Rollout scorecard")]
    return captions, {m.label: m.value for m in at.metric}, chart_specs(at)


def test_fit_page_shows_the_steps_started_ahead_as_computed_in_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Gadre et al.'s runs uploaded: the extrapolation check and the rollout scorecard were
    started ahead and collected from their jobs (not recomputed), and the page is the one the
    in-order computation gives."""
    collected: list[object] = []
    real_collect = ahead.collect

    def spy(key):  # type: ignore[no-untyped-def]
        got = real_collect(key)
        if got is not ahead.MISSING:
            collected.append(key[0])
        return got

    monkeypatch.setattr(ahead, "collect", spy)
    at = _upload_gadre()
    assert sorted(collected) == ["extrapolation", "rollout"]
    # what remains started is the checks one quantile step either side (as slots allowed)
    assert {key[0] for key in ahead._PENDING} <= {"extrapolation"}
    assert {key[-1] for key in ahead._PENDING} <= {0.75, 0.85}
    shown = _extras(at)
    assert len(shown[0]) == 1 and "Held-out runs" in shown[1]

    st.cache_data.clear()
    st.cache_resource.clear()
    monkeypatch.setattr(ahead, "start", lambda *args, **kwargs: False)
    assert _extras(_upload_gadre()) == shown


def _quantile_slider(at: AppTest):  # type: ignore[no-untyped-def]
    return next(s for s in at.slider if s.label == "Fit runs up to this quantile")


def test_a_quantile_step_collects_the_check_started_ahead(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Once the check at a quantile is shown, the checks one slider step either side are
    started ahead: a step of the slider collects one (no fit while the visitor waits), and
    the page is the one computed in order."""
    at = _upload_gadre()  # the check at the default quantile, 0.8
    started = {key[-1] for key in ahead._SEEN if key[0] == "extrapolation"} - {0.8}
    assert started and started <= {0.75, 0.85}
    step = max(started)
    collected: list[object] = []
    real_collect = ahead.collect

    def spy(key):  # type: ignore[no-untyped-def]
        got = real_collect(key)
        if got is not ahead.MISSING:
            collected.append(key)
        return got

    monkeypatch.setattr(ahead, "collect", spy)
    _quantile_slider(at).set_value(step).run()
    assert not at.exception
    assert [key[-1] for key in collected] == [step]
    shown = _extras(at)

    st.cache_data.clear()
    st.cache_resource.clear()
    monkeypatch.setattr(ahead, "start", lambda *args, **kwargs: False)
    in_order = _upload_gadre()
    _quantile_slider(in_order).set_value(step).run()
    assert _extras(in_order) == shown
    assert shown[1]["Held-out runs"] != _extras(_upload_gadre())[1]["Held-out runs"]


def test_a_moved_holdout_control_is_not_guessed() -> None:
    """A link that sets the check's quantile: its value is read only when the control is
    drawn, so the check is not started ahead (it would be a job for another quantile)."""
    at = AppTest.from_file(PAGE, default_timeout=90)
    at.query_params["f_q"] = "0.6"
    at.session_state[fs.UPLOAD_FILES_KEY] = [(GADRE.name, GADRE.read_bytes())]
    at.run()
    assert not at.exception
    # the rollout, and (once the check at 0.6 is known) its neighbours, not the default's 0.8
    assert next(key[0] for key in ahead._SEEN) == "rollout"
    assert {key[-1] for key in ahead._SEEN if key[0] == "extrapolation"} <= {0.55, 0.65}


def _upload_olmo() -> AppTest:
    """The OLMo ladder's W&B history as one zip (7.9 MB once expanded: a large upload)."""
    from tests.conftest import olmo_histories_zip

    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state[fs.UPLOAD_FILES_KEY] = [("olmo.zip", olmo_histories_zip())]
    at.run()
    assert not at.exception, at.exception
    return at


def test_a_large_upload_with_a_small_log_is_fitted_in_the_page_alike(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A large upload is read and mapped in jobs; its fit runs in a job only when its log has
    more than HEAVY_FIT_ROWS rows (the OLMo ladder: 3,599).  Both ways show the same fit."""
    from dashboard import fit_upload as fu

    steps: list[str] = []
    real_run = fs.run_isolated

    def spy(func, *args, what: str = "", **kwargs):  # type: ignore[no-untyped-def]
        steps.append(what)
        return real_run(func, *args, what=what, **kwargs)

    monkeypatch.setattr(fs, "run_isolated", spy)
    monkeypatch.setattr(ahead, "start", lambda *args, **kwargs: False)  # every step in order
    in_page = _upload_olmo()
    assert {"Reading the files", "Mapping the columns"} <= set(steps)
    assert "The fit" not in steps
    shown = {m.label: m.value for m in in_page.metric}
    assert "alpha" in shown or "alpha_n" in shown or "E" in shown, shown

    steps.clear()
    st.cache_data.clear()
    st.cache_resource.clear()
    monkeypatch.setattr(fu, "HEAVY_FIT_ROWS", 3_000)
    in_job = _upload_olmo()
    assert "The fit" in steps
    assert {m.label: m.value for m in in_job.metric} == shown
