"""Steps of the fit page started before the script reaches them, in a job beside it.

Once the fit is known, the extrapolation check (a second fit, `dashboard.fit_upload`) and the
rollout scorecard (one fit per cutoff, `dashboard.fit_rollout`) no longer depend on anything the
page shows before them.  Computed in order they wait for the report, the fit's numbers and the
IsoFLOP and residual charts; started when the fit is known, each in a child process
(`fit_session.run_budgeted`, the same time and memory budgets as every step), they run on the
server's other core meanwhile, and the cached step collects the result (`collect`) instead of
computing it.

A step starts ahead only when a heavy slot (`fit_session.MAX_HEAVY_JOBS`) is free at once and
the fork server is warm (`jobs.warm`; a sample opened by link reaches its fit while the server
still imports): otherwise it is computed in order, as before, and never waits for a slot or a
server it did not need.
Each key starts at most once in this process (a rerun finds the result in the page's cache), and
a result no rerun collects is dropped after `KEEP_SECONDS`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from typing import Any

from dashboard import fit_session as fs
from dashboard import jobs

_LOG = logging.getLogger(__name__)

#: Returned by `collect` when no step was started ahead under the key.
MISSING = object()
#: A result not collected within this long is dropped (the visitor left the page).
KEEP_SECONDS = 600.0
#: Keys remembered as started (bounded; an older key is simply computed in order again).
_SEEN_KEYS = 512

_LOCK = threading.Lock()
_PENDING: dict[Hashable, tuple[float, Future]] = {}
_SEEN: OrderedDict[Hashable, None] = OrderedDict()


def _run(future: Future, func: Callable[..., Any], args: tuple, what: str) -> None:
    """In a thread: the job in its slot; the slot is freed when it ends."""
    try:
        future.set_result(fs.run_budgeted(func, *args, what=what, too_large=str))
    except BaseException as exc:  # a failure of the job itself: `collect` computes in order
        future.set_exception(exc)
    finally:
        fs.HEAVY_SLOTS.release()


def start(key: Hashable, func: Callable[..., Any], *args: Any, what: str) -> bool:
    """Start ``func(*args)`` in a job now, to be collected under ``key``; False when it was not
    started (started before, or no heavy slot free at once)."""
    now = time.monotonic()
    with _LOCK:
        for old in [k for k, (t, _) in _PENDING.items() if now - t > KEEP_SECONDS]:
            del _PENDING[old]
        if key in _SEEN or not jobs.warm():  # a cold server: its imports would cost more
            return False
        if not fs.HEAVY_SLOTS.acquire(blocking=False):
            return False
        _SEEN[key] = None
        while len(_SEEN) > _SEEN_KEYS:
            _SEEN.popitem(last=False)
        future: Future = Future()
        _PENDING[key] = (now, future)
    threading.Thread(
        target=_run, args=(future, func, args, what), name="ahead", daemon=True
    ).start()
    return True


def collect(key: Hashable) -> Any:
    """The result of the step started under ``key`` (waiting for it to finish), or `MISSING`:
    none was started, or the job itself failed (logged; the caller computes the step in order,
    so starting ahead never changes what the page shows)."""
    with _LOCK:
        pending = _PENDING.pop(key, None)
    if pending is None:
        return MISSING
    try:
        return pending[1].result()
    except Exception:
        _LOG.warning("a step started ahead failed; computed in order", exc_info=True)
        return MISSING
