"""dashboard.jobs: heavy work in a child process within a time and a memory budget."""

from __future__ import annotations

import ast
import builtins
import importlib
import os
import time
from pathlib import Path

import numpy as np
import pytest

from dashboard.jobs import JobTooLarge, run_isolated

ROOT = Path(__file__).resolve().parents[1]


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


def _address_space_limit() -> tuple[int, int]:
    import resource

    return resource.getrlimit(resource.RLIMIT_AS)


def test_pooled_jobs_each_get_their_own_process_and_memory_limit() -> None:
    """Jobs are forked from one pre-started server, yet each is a process of its own whose
    address-space limit is its own budget on top of the same imported base: a second job's
    limit does not inherit the first's, and the server process keeps none of them."""
    before = _address_space_limit()
    small = run_isolated(_address_space_limit, timeout_s=30, memory_mb=300)
    large = run_isolated(_address_space_limit, timeout_s=30, memory_mb=900)
    small_again = run_isolated(_address_space_limit, timeout_s=30, memory_mb=300)
    mib = 1024 * 1024
    # the two budgets differ by 600 MiB; the base (the imported child) moves by a few MiB at most
    assert abs((large[0] - small[0]) - 600 * mib) < 16 * mib
    assert abs(small_again[0] - small[0]) < 16 * mib
    assert small[0] == small[1] and small[0] != before[0]  # the child is limited
    assert _address_space_limit() == before  # this process is not
    pids = {run_isolated(_pid, timeout_s=30, memory_mb=100) for _ in range(3)}
    assert len(pids) == 3 and os.getpid() not in pids


def _job_functions() -> dict[str, str]:
    """Every function the dashboard hands to `run_heavy` or `run_isolated`, read from the
    source (``name`` in ``run_heavy(name, ...)``), with the module that defines it; a name
    that is a parameter of the calling function (`run_heavy`'s own ``func``) is skipped."""
    found: dict[str, str] = {}
    for path in sorted((ROOT / "dashboard").glob("*.py")):
        module = importlib.import_module(f"dashboard.{path.stem}")
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for caller in ast.walk(tree):
            if not isinstance(caller, ast.FunctionDef):
                continue
            parameters = {arg.arg for arg in caller.args.args}
            for node in ast.walk(caller):
                if not (isinstance(node, ast.Call) and node.args):
                    continue
                callee = getattr(node.func, "attr", getattr(node.func, "id", None))
                first = node.args[0]
                if callee not in ("run_heavy", "run_isolated") or not isinstance(first, ast.Name):
                    continue
                if first.id not in parameters:  # a builtin (the warm-up's int) is in builtins
                    func = getattr(module, first.id, None) or getattr(builtins, first.id)
                    found[f"{path.stem}: {first.id}"] = func.__module__
    return found


def test_job_functions_are_imported_before_the_fork() -> None:
    """A job's child unpickles its function, which imports the function's module: the dashboard
    modules import Streamlit (0.6 s idle per job).  The fork server imports them once; a
    child must start with every job function's module already loaded."""
    jobs = _job_functions()
    assert len(jobs) >= 6, jobs  # read (file, files), map, fit, extrapolation check, rollout
    # builtins.eval pickles by name: the child imports nothing to run it
    in_child = set(
        run_isolated(eval, "sorted(__import__('sys').modules)", timeout_s=60, memory_mb=200)
    )
    missing = {job: module for job, module in jobs.items() if module not in in_child}
    assert not missing, f"modules a job's child would import first: {missing}"
