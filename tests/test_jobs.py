"""dashboard.jobs: heavy work in a child process within a time and a memory budget."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

from dashboard.jobs import JobTooLarge, run_isolated


def _sum_of_squares(n: int) -> float:
    return float(np.sum(np.arange(n, dtype=float) ** 2))


def _allocate(mib: int) -> int:
    block = np.ones(mib * 1024 * 1024 // 8)
    return int(block.size)


def _sleep(seconds: float) -> str:
    time.sleep(seconds)
    return "woke"


def _fail(message: str) -> None:
    raise KeyError(message)


def _pid() -> int:
    return os.getpid()


def test_result_comes_back_from_another_process() -> None:
    assert run_isolated(_sum_of_squares, 1000, timeout_s=30, memory_mb=200) == pytest.approx(
        sum(i * i for i in range(1000))
    )
    assert run_isolated(_pid, timeout_s=30, memory_mb=100) != os.getpid()


def test_memory_beyond_the_budget_is_refused_and_the_caller_lives() -> None:
    assert run_isolated(_allocate, 50, timeout_s=30, memory_mb=400) == 50 * 1024 * 1024 // 8
    with pytest.raises(JobTooLarge, match="400 MiB memory budget"):
        run_isolated(_allocate, 2000, timeout_s=30, memory_mb=400, what="reading")
    assert run_isolated(_sum_of_squares, 10, timeout_s=30, memory_mb=100) == 285.0


def test_time_beyond_the_budget_stops_the_child() -> None:
    started = time.perf_counter()
    with pytest.raises(JobTooLarge, match="longer than its 1 s budget"):
        run_isolated(_sleep, 30.0, timeout_s=1, memory_mb=100, what="the fit")
    assert time.perf_counter() - started < 10


def test_an_exception_in_the_child_names_itself() -> None:
    with pytest.raises(RuntimeError, match="KeyError: 'boom'"):
        run_isolated(_fail, "boom", timeout_s=30, memory_mb=100)
