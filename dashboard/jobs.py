"""Heavy work of one visitor in a separate process with its own time and memory limits.

A Streamlit server runs every session in one Python process: a large upload read and fitted in
that process holds the interpreter lock for seconds (the other sessions' reruns wait) and, if it
needs more memory than the host has, takes every session down with it.  `run_isolated` runs a
function in a child process instead (the function, its arguments and its result cross a pipe
pickled), with

* an address-space limit (``RLIMIT_AS``) of the child's size once the numeric core is imported
  and the arguments are unpickled, plus ``memory_mb``: a job that wants more gets a
  `MemoryError` in the child, reported as `JobTooLarge`;
* a wall-clock limit of ``timeout_s``: past it the child is killed, reported as `JobTooLarge`.

The children are forked from one pre-started process (`multiprocessing`'s fork server) that
has imported numpy, pandas, scipy and the numeric core once (`PRELOAD`): a job starts in a few
milliseconds instead of the second a fresh interpreter spends on those imports, and each job is
still its own process with its own limits, killed on its own.  The fork server is started with
``OMP_NUM_THREADS=1`` (one job, one core: the server keeps the other) and
``MALLOC_ARENA_MAX=2`` (see `_SERVER_ENV`); `prestart` starts it in the background (the fit page
does when it is first opened), else the first job does.  The parent only waits on a pipe, so
the server keeps serving everyone else meanwhile.  The function and its arguments and result
must be picklable (a module-level function of an importable module).
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import resource
import threading
import traceback
from collections.abc import Callable
from multiprocessing import forkserver
from multiprocessing.connection import Connection
from typing import Any, TypeVar

T = TypeVar("T")

#: Modules the fork server imports once; every job's child starts with them (their size is not
#: the job's: the limit is set on top of the child's size).
PRELOAD: tuple[str, ...] = (
    "numpy",
    "pandas",
    "scipy.optimize",
    "scaling_core.runs",
    "scaling_core.fit",
)
#: The fork server's environment, which its children inherit.  glibc reserves up to 64 MiB of
#: address space per thread arena, unused but counted by RLIMIT_AS: with many threads
#: (pyarrow's pool, BLAS) a job well within its memory was refused in some environments (the
#: OLMo history upload in a fresh venv).  Two arenas make the budget measure what the job uses.
#: A value the host already sets is kept.
_SERVER_ENV = {"OMP_NUM_THREADS": "1", "MALLOC_ARENA_MAX": "2"}
_START_LOCK = threading.Lock()


class JobTooLarge(RuntimeError):
    """A job that ran out of its time or memory budget; the message says which budget."""


def _address_space_bytes() -> int:
    """This process's current virtual size (Linux /proc), or 0 where it cannot be read."""
    try:
        with open(f"/proc/{os.getpid()}/statm", encoding="ascii") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _ensure_server() -> Any:
    """The fork-server context, its server running (started, or restarted after it died, with
    `PRELOAD` and `_SERVER_ENV`)."""
    context = multiprocessing.get_context("forkserver")
    with _START_LOCK:
        context.set_forkserver_preload(list(PRELOAD))
        saved = {name: os.environ.get(name) for name in _SERVER_ENV}
        try:
            for name, value in _SERVER_ENV.items():
                os.environ.setdefault(name, value)
            forkserver.ensure_running()
        finally:  # the server process's own environment is left as it was
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
    return context


def prestart() -> None:
    """Start the fork server in the background, so that the first large upload does not wait
    for its imports."""
    threading.Thread(target=_ensure_server, name="jobs-prestart", daemon=True).start()


def _job(answer: Connection, func: Callable[..., Any], args: tuple, memory_mb: float) -> None:
    """Child side: set this job's memory limit, run ``func(*args)``, answer on the pipe."""
    try:
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
    answer.send_bytes(data)
    answer.close()


def run_isolated(
    func: Callable[..., T], *args: Any, timeout_s: float, memory_mb: float, what: str = "this job"
) -> T:
    """``func(*args)`` in a child process with ``timeout_s`` seconds and ``memory_mb`` MiB.

    Returns the function's result.  Raises `JobTooLarge` when the child runs out of time or
    memory (or dies).  Functions meant for it report a user's bad input in their result (as
    `dashboard.fit_session.analyse` does), so an exception in the child is a bug: it comes back
    as a RuntimeError naming the exception and its message.
    """
    context = _ensure_server()
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_job, args=(send, func, args, memory_mb), daemon=True)
    try:
        process.start()
        send.close()
        if not receive.poll(timeout_s):
            raise JobTooLarge(f"{what} took longer than its {timeout_s:g} s budget and was stopped")
        try:
            answer = receive.recv_bytes()
        except (EOFError, OSError):  # the child died before it answered
            answer = b""
    finally:
        receive.close()
        send.close()
        if process.pid is not None:  # started
            if process.is_alive():
                process.kill()
            process.join(timeout=10)
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
