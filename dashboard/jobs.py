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

The children are forked from one pre-started process, the fork server (``python -m
dashboard.jobs FD``), that has imported numpy, pandas, scipy and the numeric core once
(`PRELOAD`): a job starts in milliseconds instead of the second (idle; ten on a loaded machine)
a fresh interpreter spends on those imports, and each job is still a process of its own with
its own limits, killed on its own.  For each job the server receives one end of a new socket
pair (SCM_RIGHTS), forks, and answers with the child's pid; the request and the answer then
go straight between the child and the caller.  The server runs with ``OMP_NUM_THREADS=1`` (one
job, one core: the server keeps the other) and ``MALLOC_ARENA_MAX=2`` (`_SERVER_ENV`);
`prestart` starts it in the background (the fit page does when it is first opened), else the
first job does, and a server that died is started again.  The parent only waits on a pipe, so
the server keeps serving everyone else meanwhile.  The function and its arguments and result
must be picklable (a module-level function of an importable module).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

ROOT = Path(__file__).resolve().parents[1]

#: Modules the fork server imports once; every job's child starts with them (their size is not
#: the job's: the limit is set on top of the child's size).  See also `_warm_up`.
PRELOAD: tuple[str, ...] = (
    "numpy",
    "pandas",
    "pyarrow",
    "scipy.optimize",
    "scaling_core.runs",
    "scaling_core.fit",
    # The modules whose functions the fit page runs as jobs: unpickling a job's function
    # imports its module, and these import Streamlit (about 0.6 s idle in every child, 2.5 s
    # of an OLMo history upload's four steps).  `tests/test_jobs.py` checks the list.
    "dashboard.fit_mapping",
    "dashboard.fit_rollout",
)
#: The fork server's environment, which its children inherit (a value the host sets is kept).
#: glibc reserves up to 64 MiB of address space per thread arena, unused but counted by
#: RLIMIT_AS: with many threads (pyarrow's pool, BLAS) a job well within its memory was refused
#: in some environments (the OLMo history upload in a fresh venv).  Two arenas make the budget
#: measure what the job uses.
_SERVER_ENV = {"OMP_NUM_THREADS": "1", "MALLOC_ARENA_MAX": "2"}
_PID_BYTES = 8


class JobTooLarge(RuntimeError):
    """A job that ran out of its time or memory budget; the message says which budget."""


def _address_space_bytes() -> int:
    """This process's current virtual size (Linux /proc), or 0 where it cannot be read."""
    try:
        with open(f"/proc/{os.getpid()}/statm", encoding="ascii") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _read_to_end(conn: socket.socket, deadline: float | None = None) -> bytes:
    """Everything ``conn`` sends until it closes; `TimeoutError` past ``deadline``."""
    chunks = []
    while True:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            conn.settimeout(remaining)
        chunk = conn.recv(1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


# ----------------------------------------------------------------------------- child side


def _run_job(conn: socket.socket) -> None:
    """In a forked child: read (func, args, memory_mb), set this job's memory limit on top of
    what the child holds now, run ``func(*args)``, send the pickled outcome back."""
    try:
        func, args, memory_mb = pickle.loads(_read_to_end(conn))
        base = _address_space_bytes()
        if base:
            limit = base + int(memory_mb * 1024 * 1024)
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        message: tuple[str, Any] = ("ok", func(*args))
    except MemoryError:
        message = ("memory", None)
    except BaseException as exc:  # every failure goes back to the caller
        message = ("error", (type(exc).__name__, str(exc), traceback.format_exc()))
    try:
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        data = pickle.dumps(("memory", None))
    conn.sendall(data)
    conn.close()


def _warm_up() -> None:
    """Reserve, in the fork server, the address space that libraries reserve on first use:
    pyarrow's memory pool takes about 1 GiB of address space at its first allocation (pandas
    converts through Arrow when the runs table is mapped).  Reserved inside a job, that alone
    took the OLMo ladder's mapping step past its 1,024 MiB budget, though its data needs under
    100 MiB; reserved here, it is part of every child's base, not of its budget."""
    import pandas as pd
    import pyarrow as pa

    pa.Table.from_pandas(pd.DataFrame({"run": ["a", "b"], "loss": [3.0, 2.9]})).to_pandas()


def _serve(fd: int) -> None:
    """The fork server: import `PRELOAD` and `_warm_up`, then fork one child per socket
    received on ``fd`` and answer with its pid; return when the caller closes ``fd``."""
    for name in PRELOAD:
        __import__(name)
    _warm_up()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # finished children are reaped at once
    server = socket.socket(fileno=fd)
    while True:
        try:
            message, fds, _flags, _addr = socket.recv_fds(server, 1, 1)
        except OSError:
            return
        if not message or not fds:
            return
        pid = os.fork()
        if pid == 0:  # the job's child
            status = 0
            try:
                server.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                _run_job(socket.socket(fileno=fds[0]))
            except BaseException:
                status = 1
            finally:
                os._exit(status)
        os.close(fds[0])
        server.sendall(pid.to_bytes(_PID_BYTES, "little"))


# ----------------------------------------------------------------------------- caller side


class _ForkServer:
    """The caller's handle on the fork server: started on first use, again if it died."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self._socket: socket.socket | None = None

    def _start(self) -> None:
        mine, theirs = socket.socketpair()
        env = dict(os.environ)
        for name, value in _SERVER_ENV.items():
            env.setdefault(name, value)
        # The server imports what the caller can: the project root, then the caller's path.
        paths = [str(ROOT), *(p for p in sys.path if p and os.path.isdir(p))]
        env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
        self._process = subprocess.Popen(
            [sys.executable, "-m", "dashboard.jobs", str(theirs.fileno())],
            pass_fds=[theirs.fileno()],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=ROOT,
            env=env,
        )
        theirs.close()
        self._socket = mine

    def _stop(self) -> None:
        if self._socket is not None:
            self._socket.close()
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
        self._socket = self._process = None

    def ensure_started(self) -> None:
        """Start the server unless it runs."""
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                self._stop()
                self._start()

    def fork(self) -> tuple[int, socket.socket]:
        """A new child of the server: its pid and the caller's end of a socket to it."""
        with self._lock:
            for _attempt in range(2):  # a server that died is started once more
                if self._process is None or self._process.poll() is not None:
                    self._stop()
                    self._start()
                mine, theirs = socket.socketpair()
                try:
                    assert self._socket is not None
                    socket.send_fds(self._socket, [b"j"], [theirs.fileno()])
                    self._socket.settimeout(None)
                    answer = b""
                    while len(answer) < _PID_BYTES:
                        chunk = self._socket.recv(_PID_BYTES - len(answer))
                        if not chunk:
                            raise ConnectionError("the fork server closed")
                        answer += chunk
                    return int.from_bytes(answer, "little"), mine
                except OSError:
                    mine.close()
                    self._stop()
                finally:
                    theirs.close()
        raise RuntimeError("the job server could not be started")


_SERVER = _ForkServer()


_WARM = threading.Event()


def _warm_start() -> None:
    """Start the server and fork one empty job through it: once that returns, the server has
    imported everything and answers in milliseconds."""
    try:
        run_isolated(int, timeout_s=300, memory_mb=256, what="the fork server's first job")
    except Exception:  # the first real job starts it again, and reports what failed
        return
    _WARM.set()


def prestart() -> None:
    """Start the fork server in the background, so that the first large upload does not wait
    for its imports (`warm` tells when it is ready)."""
    if not _WARM.is_set():
        threading.Thread(target=_warm_start, name="jobs-prestart", daemon=True).start()


def warm() -> bool:
    """Whether the fork server is up and has run a job (a job starts in milliseconds): work
    that is only worth a job when it starts at once (`dashboard.ahead`) asks first."""
    process = _SERVER._process
    return _WARM.is_set() and process is not None and process.poll() is None


def run_isolated(
    func: Callable[..., T], *args: Any, timeout_s: float, memory_mb: float, what: str = "this job"
) -> T:
    """``func(*args)`` in a child process with ``timeout_s`` seconds and ``memory_mb`` MiB.

    Returns the function's result.  Raises `JobTooLarge` when the child runs out of time or
    memory (or dies).  Functions meant for it report a user's bad input in their result (as
    `dashboard.fit_session.analyse` does), so an exception in the child is a bug: it comes back
    as a RuntimeError naming the exception and its message.
    """
    request = pickle.dumps((func, args, memory_mb), protocol=pickle.HIGHEST_PROTOCOL)
    pid, conn = _SERVER.fork()  # waits for the server's imports only when it just started
    deadline = time.monotonic() + timeout_s
    try:
        conn.settimeout(timeout_s)
        conn.sendall(request)
        conn.shutdown(socket.SHUT_WR)
        answer = _read_to_end(conn, deadline)
    except TimeoutError:
        _kill(pid)
        raise JobTooLarge(
            f"{what} took longer than its {timeout_s:g} s budget and was stopped"
        ) from None
    except OSError:  # the child died before it answered
        answer = b""
    finally:
        conn.close()
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


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # it ended meanwhile
        os.kill(pid, signal.SIGKILL)


if __name__ == "__main__":
    _serve(int(sys.argv[1]))
