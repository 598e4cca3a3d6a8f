"""Heavy work of one visitor in a separate process with its own time and memory limits.

A Streamlit server runs every session in one Python process: a large upload read and fitted in
that process holds the interpreter lock for seconds (the other sessions' reruns wait) and, if it
needs more memory than the host has, takes every session down with it.  `run_isolated` runs a
function in a fresh child interpreter instead (``python -m dashboard.jobs``; the function,
its arguments and its result cross a pipe pickled), with

* an address-space limit (``RLIMIT_AS``) of the child's size once the numeric core is imported
  plus ``memory_mb``: a job that wants more gets a `MemoryError` in the child, reported as
  `JobTooLarge`;
* a wall-clock limit of ``timeout_s``: past it the child is killed, reported as `JobTooLarge`.

The parent only waits on a pipe, so the server keeps serving everyone else meanwhile.  Starting
the child costs about a second (the imports of numpy, pandas and scipy), which is why only
large uploads take this path.  The function and its arguments and result must be picklable (a
module-level function of an importable module).
"""

from __future__ import annotations

import os
import pickle
import resource
import subprocess
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

ROOT = Path(__file__).resolve().parents[1]

#: Modules the child imports before its memory limit is set (their size is not the job's).
PRELOAD: tuple[str, ...] = (
    "numpy",
    "pandas",
    "scipy.optimize",
    "scaling_core.runs",
    "scaling_core.fit",
)


class JobTooLarge(RuntimeError):
    """A job that ran out of its time or memory budget; the message says which budget."""


def _address_space_bytes() -> int:
    """This process's current virtual size (Linux /proc), or 0 where it cannot be read."""
    try:
        with open(f"/proc/{os.getpid()}/statm", encoding="ascii") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _worker() -> None:
    """Child side: read (func, args, memory_mb) pickled on stdin, answer on stdout."""
    out = sys.stdout.buffer
    try:
        func, args, memory_mb = pickle.load(sys.stdin.buffer)
        for name in PRELOAD:
            __import__(name)
        base = _address_space_bytes()
        if base:
            limit = base + int(memory_mb * 1024 * 1024)
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        message: tuple[str, Any] = ("ok", func(*args))
    except MemoryError:
        message = ("memory", None)
    except BaseException as exc:  # every failure goes back to the parent
        message = ("error", (type(exc).__name__, str(exc), traceback.format_exc()))
    try:
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        data = pickle.dumps(("memory", None))
    out.write(data)
    out.flush()


def run_isolated(
    func: Callable[..., T], *args: Any, timeout_s: float, memory_mb: float, what: str = "this job"
) -> T:
    """``func(*args)`` in a child interpreter with ``timeout_s`` seconds and ``memory_mb`` MiB.

    Returns the function's result.  Raises `JobTooLarge` when the child runs out of time or
    memory (or dies).  Functions meant for it report a user's bad input in their result (as
    `dashboard.fit_session.analyse` does), so an exception in the child is a bug: it comes back
    as a RuntimeError naming the exception and its message.
    """
    request = pickle.dumps((func, args, memory_mb), protocol=pickle.HIGHEST_PROTOCOL)
    env = dict(os.environ)
    # The child imports what the parent can: the project root, then the parent's own path.
    paths = [str(ROOT), *(p for p in sys.path if p and os.path.isdir(p))]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    env.setdefault("OMP_NUM_THREADS", "1")  # one job, one core: the server keeps the other
    # glibc reserves up to 64 MiB of address space per thread arena, unused but counted by
    # RLIMIT_AS: with many threads (pyarrow's pool, BLAS) a job well within its memory was
    # refused in some environments (the OLMo history upload in a fresh venv). Two arenas make
    # the budget measure what the job uses.
    env.setdefault("MALLOC_ARENA_MAX", "2")
    process = subprocess.Popen(
        [sys.executable, "-m", "dashboard.jobs"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
        env=env,
    )
    try:
        answer, _ = process.communicate(request, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise JobTooLarge(
            f"{what} took longer than its {timeout_s:g} s budget and was stopped"
        ) from None
    try:
        status, payload = pickle.loads(answer)
    except Exception as exc:  # an empty or cut answer: the child died (killed, out of memory)
        raise JobTooLarge(
            f"{what} stopped before it finished (it may have needed more than its "
            f"{memory_mb:,.0f} MiB memory budget)"
        ) from exc
    if status == "ok":
        return payload
    if status == "memory":
        raise JobTooLarge(f"{what} needed more than its {memory_mb:,.0f} MiB memory budget")
    name, message, _trace = payload
    raise RuntimeError(f"{name}: {message}")


if __name__ == "__main__":
    _worker()
