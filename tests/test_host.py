"""Host limits from the environment (dashboard.host): used when valid, ignored with a warning
naming the value otherwise, and read by the fit page's budgets at start-up."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from dashboard.host import host_setting

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("text", "expected"),
    [(None, 120.0), ("", 120.0), ("30", 30.0), (" 45.5 ", 45.5), ("3600", 3600.0)],
)
def test_a_valid_setting_is_used(monkeypatch: pytest.MonkeyPatch, text, expected) -> None:  # type: ignore[no-untyped-def]
    if text is None:
        monkeypatch.delenv("SCALING_EXPLORER_JOB_SECONDS", raising=False)
    else:
        monkeypatch.setenv("SCALING_EXPLORER_JOB_SECONDS", text)
    assert host_setting("JOB_SECONDS", 120.0, low=5.0, high=3600.0) == expected


@pytest.mark.parametrize("text", ["ten", "nan", "inf", "-5", "1", "1e9"])
def test_a_bad_setting_falls_back_and_says_so(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, text: str
) -> None:
    monkeypatch.setenv("SCALING_EXPLORER_JOB_SECONDS", text)
    with caplog.at_level(logging.WARNING, logger="dashboard.host"):
        assert host_setting("JOB_SECONDS", 120.0, low=5.0, high=3600.0) == 120.0
    assert f"SCALING_EXPLORER_JOB_SECONDS={text!r} is not a number from 5 to 3600" in caplog.text


def test_the_fit_pages_budgets_read_the_environment_at_start_up() -> None:
    code = (
        "from dashboard import fit_session as fs;"
        "print(fs.MAX_HEAVY_JOBS, fs.JOB_SECONDS, fs.JOB_MEMORY_MB)"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(ROOT),
        "SCALING_EXPLORER_MAX_HEAVY_JOBS": "1",
        "SCALING_EXPLORER_JOB_SECONDS": "60",
        "SCALING_EXPLORER_JOB_MEMORY_MB": "512",
    }
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr[-1000:]
    assert done.stdout.split() == ["1", "60.0", "512.0"]


@pytest.mark.parametrize(("text", "expected"), [("2.9", 2.0), ("3", 3.0), ("3.0", 3.0)])
def test_a_count_must_be_a_whole_number(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, text: str, expected: float
) -> None:
    """MAX_HEAVY_JOBS=2.9 was truncated to 2 in silence; it is now refused with the warning."""
    monkeypatch.setenv("SCALING_EXPLORER_MAX_HEAVY_JOBS", text)
    with caplog.at_level(logging.WARNING, logger="dashboard.host"):
        value = host_setting("MAX_HEAVY_JOBS", 2, low=1, high=64, integer=True)
    assert value == expected
    warned = f"SCALING_EXPLORER_MAX_HEAVY_JOBS={text!r} is not a whole number from 1 to 64"
    assert (warned in caplog.text) == (text == "2.9")
