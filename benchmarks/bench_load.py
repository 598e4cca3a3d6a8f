"""Load test against the real server: concurrent sessions moving sliders while one visitor
uploads the hostile files of issue 9 (tests/hostile_files.py).

Starts ``streamlit run app.py`` on a free 127.0.0.1 port, then runs, at once:

* ``sessions - 1`` websocket clients speaking Streamlit's own protocol (the messages a browser
  sends), spread over the pages with sliders (`SLIDER_PAGES`): each opens its page, waits until
  all have (first visits fill the server's caches), then moves the page's sliders ``moves``
  times, pausing a random time (mean ``--think`` seconds) after each update, as independent
  visitors do; ``--lockstep`` makes every session move at the same instant instead, the worst
  case.  The slider-to-update latency is the time from the rerun request to the server's
  ``script_finished`` message;
* one headless Chromium page (playwright, Debian's /usr/bin/chromium) on the fit page that
  uploads the 250,000-run CSV (13.7 MB) and then the 20,000-column CSV.

It prints p50/p95/max latency (overall and per page), errors, the server's RSS (before, peak,
after) and whether the server is still healthy.  Run:
``python benchmarks/bench_load.py [--sessions 20] [--moves 10] [--think 3] [--lockstep]
[--pages Loss_landscape,...] [--no-upload]``.  ``run_load`` is also called by
tests/test_load.py with a smaller load.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import hostile_files  # noqa: E402
import websockets  # noqa: E402
from app_server import CHROMIUM_ARGS, healthy, start_server  # noqa: E402
from machine import describe_machine  # noqa: E402
from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402
from streamlit.proto.WidgetStates_pb2 import WidgetState  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@dataclass
class LoadResult:
    latencies: list[float] = field(default_factory=list)
    latencies_by_page: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    rss_before: float = 0.0
    rss_peak: float = 0.0
    rss_after: float = 0.0
    alive_after: bool = False
    upload_messages: list[str] = field(default_factory=list)
    upload_seconds: list[float] = field(default_factory=list)
    #: Exception boxes the uploading page showed after each upload (none expected).
    upload_exceptions: list[int] = field(default_factory=list)

    def quantile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _rss_mib(pid: int) -> float:
    """Resident set size of a process and its children (MiB), from /proc."""
    total = 0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


class _Session:
    """One websocket session: rerun requests and the messages until the script finishes."""

    def __init__(self, ws: websockets.ClientConnection) -> None:
        self.ws = ws
        self.pages: dict[str, str] = {}
        self.sliders: list[tuple[str, float, float, float, list[str]]] = []  # + options
        self.exceptions: list[str] = []

    async def rerun(self, page_hash: str = "", widgets: list | None = None) -> float:
        msg = BackMsg()
        msg.rerun_script.query_string = ""
        msg.rerun_script.page_script_hash = page_hash
        for widget in widgets or []:
            msg.rerun_script.widget_states.widgets.append(widget)
        start = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        while True:
            raw = await asyncio.wait_for(self.ws.recv(), timeout=120)
            fwd = ForwardMsg()
            fwd.ParseFromString(raw)
            kind = fwd.WhichOneof("type")
            if kind in ("new_session", "navigation"):
                for page in getattr(fwd, kind).app_pages:
                    name = page.url_pathname or page.page_name
                    self.pages[name] = page.page_script_hash
            elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                element = fwd.delta.new_element
                which = element.WhichOneof("type")
                if which == "slider" and element.slider.id not in [s[0] for s in self.sliders]:
                    s = element.slider
                    self.sliders.append((s.id, s.min, s.max, s.step, list(s.options)))
                elif which == "exception":
                    self.exceptions.append(element.exception.message)
            elif kind == "script_finished":
                return time.perf_counter() - start


#: The pages with sliders, as their URL names contain them; sessions are spread over these.
SLIDER_PAGES: tuple[str, ...] = (
    "Loss_landscape",
    "Compute-optimal_frontier",
    "Overfitting_and_data_limits",
    "Batch_size_and_training_time",
    "Plan_a_run",
)


async def _slider_session(
    base: str,
    moves: int,
    index: int,
    result: LoadResult,
    *,
    think: float,
    lockstep: bool,
    page: str,
    loaded: asyncio.Barrier,
) -> None:
    """One visitor: opens ``page``, waits until every session has loaded its page (first visits
    fill the server's caches), then moves the page's sliders ``moves`` times.

    Independent visitors (the default) start at a random moment within ``think`` seconds and
    pause a random, exponentially distributed time of mean ``think`` after each update;
    ``lockstep`` visitors all move at once and pause exactly ``think`` (the worst case: every
    move of a round arrives in the same instant)."""
    url = base.replace("http", "ws") + "/_stcore/stream"
    rng = random.Random(index)
    waited = False
    try:
        async with websockets.connect(
            url, subprotocols=["streamlit"], max_size=None, open_timeout=60
        ) as ws:
            session = _Session(ws)
            await session.rerun()
            page_hash = next((h for n, h in session.pages.items() if page in n), "")
            session.sliders.clear()
            await session.rerun(page_hash)
            await loaded.wait()
            waited = True
            if not session.sliders:
                result.errors.append(f"session {index}: no slider on the page {page}")
                return
            if not lockstep:
                await asyncio.sleep(rng.uniform(0, think))
            for move in range(moves):
                sid, low, high, step, options = session.sliders[
                    (index + move) % len(session.sliders)
                ]
                state = WidgetState(id=sid)
                fraction = ((index * 7 + move * 3) % 10 + 0.5) / 10
                if options:  # a select_slider sends the chosen option's text
                    state.string_array_value.data.append(options[int(fraction * len(options))])
                else:
                    value = low + fraction * (high - low)
                    if step:
                        value = low + round((value - low) / step) * step
                    state.double_array_value.data.append(value)
                latency = await session.rerun(page_hash, [state])
                result.latencies.append(latency)
                result.latencies_by_page.setdefault(page, []).append(latency)
                await asyncio.sleep(think if lockstep else rng.expovariate(1 / think))
            result.errors += [f"session {index}: {e}" for e in session.exceptions]
    except Exception as exc:  # any failure is an error of the run, reported
        result.errors.append(f"session {index}: {type(exc).__name__}: {exc}")
        if not waited:
            await loaded.wait()  # never leave the others waiting at the barrier


def _hostile_upload(base: str, files: list[Path], result: LoadResult, started: threading.Event):
    """One Chromium page on the fit page uploading each file in turn."""
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM,
                args=CHROMIUM_ARGS,
            )
            page = browser.new_page(viewport={"width": 1200, "height": 1600})
            page.goto(f"{base}/Fit_your_runs", timeout=60_000)
            page.wait_for_selector('input[type="file"]', state="attached", timeout=60_000)
            started.set()
            for path in files:
                start = time.perf_counter()
                page.locator('input[type="file"]').first.set_input_files(str(path))
                page.wait_for_selector(  # the page names this file once it has rerun (the
                    f"text={path.name}",
                    timeout=180_000,  # uploader's chips cut long names)
                )
                page.wait_for_function(  # settled: no rerun running, and either a refusal
                    """() => !document.querySelector('[data-testid="stStatusWidget"]') && (
                        [...document.querySelectorAll('[data-testid="stAlert"]')].some(
                            a => /Could not use|refused/.test(a.innerText))
                        || document.querySelector('[data-testid="stMetric"]'))""",
                    timeout=180_000,  # or the fit's numbers are on the page
                )
                result.upload_seconds.append(time.perf_counter() - start)
                result.upload_exceptions.append(page.locator('[data-testid="stException"]').count())
                alerts = page.locator('[data-testid="stAlert"]').all_inner_texts()
                alerts = [a for a in alerts if "Could not use" in a or "refused" in a]
                result.upload_messages.append(alerts[0][:160] if alerts else "(no error shown)")
            browser.close()
    except Exception as exc:
        result.errors.append(f"hostile upload: {type(exc).__name__}: {exc}")
    finally:
        started.set()


def run_load(
    sessions: int = 20,
    moves: int = 10,
    rows: int = 250_000,
    *,
    think: float = 3.0,
    lockstep: bool = False,
    pages: tuple[str, ...] = SLIDER_PAGES,
    upload: bool = True,
    uploads: Sequence[tuple[str, bytes]] | None = None,
) -> LoadResult:
    """Start a server, run the load, stop the server; returns what was measured.

    ``sessions - 1`` visitors move sliders (session i on ``pages[i % len(pages)]``) while one
    more uploads the hostile files (when ``upload``): ``uploads`` as (file name, bytes), by
    default the 250,000-run CSV (``rows`` rows) and the 20,000-column CSV."""
    result = LoadResult()
    with tempfile.TemporaryDirectory() as tmp:
        if uploads is None:
            uploads = [
                ("finished_runs_250k.csv", hostile_files.finished_runs_csv(rows)),
                ("wide_20000_columns.csv", hostile_files.wide_csv()),
            ]
        upload_paths = []
        for name, content in uploads:
            upload_paths.append(Path(tmp) / name)
            upload_paths[-1].write_bytes(content)
        process, base = start_server(Path(tmp) / "streamlit.log")
        try:
            time.sleep(1.0)
            result.rss_before = _rss_mib(process.pid)
            peak = [result.rss_before]
            stop = threading.Event()

            def watch() -> None:
                while not stop.is_set():
                    peak[0] = max(peak[0], _rss_mib(process.pid))
                    time.sleep(0.1)

            watcher = threading.Thread(target=watch, daemon=True)
            watcher.start()
            started = threading.Event()
            uploader = threading.Thread(
                target=_hostile_upload, args=(base, upload_paths, result, started), daemon=True
            )
            if upload:
                uploader.start()
                started.wait(90)

            async def sliders() -> None:
                loaded = asyncio.Barrier(sessions - 1)
                await asyncio.gather(
                    *(
                        _slider_session(
                            base,
                            moves,
                            i,
                            result,
                            think=think,
                            lockstep=lockstep,
                            page=pages[i % len(pages)],
                            loaded=loaded,
                        )
                        for i in range(sessions - 1)
                    )
                )

            # A thread of its own for the event loop: the caller may already run one (pytest's
            # session-wide Playwright browser does, and asyncio.run refuses to nest).
            slider_thread = threading.Thread(target=lambda: asyncio.run(sliders()), daemon=True)
            slider_thread.start()
            slider_thread.join()
            if upload:
                uploader.join(300)
            stop.set()
            watcher.join()
            result.rss_peak = peak[0]
            time.sleep(1.0)
            result.rss_after = _rss_mib(process.pid)
            result.alive_after = healthy(base) and process.poll() is None
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--moves", type=int, default=10, help="slider moves per session")
    parser.add_argument("--think", type=float, default=3.0, help="mean pause after an update, s")
    parser.add_argument(
        "--lockstep", action="store_true", help="every session moves at the same instant"
    )
    parser.add_argument(
        "--pages",
        default=",".join(SLIDER_PAGES),
        help="comma-separated page names the sessions are spread over",
    )
    parser.add_argument("--no-upload", action="store_true", help="no hostile upload")
    parser.add_argument(
        "--members-zip",
        action="store_true",
        help="upload issue 19's zip (500 members of 1 MiB, ~1 MB on the wire) instead",
    )
    args = parser.parse_args()
    pages = tuple(args.pages.split(","))
    result = run_load(
        args.sessions,
        args.moves,
        think=args.think,
        lockstep=args.lockstep,
        pages=pages,
        upload=not args.no_upload,
        uploads=[("members.zip", hostile_files.members_zip())] if args.members_zip else None,
    )
    pattern = (
        f"all moving at once every {args.think:g} s"
        if args.lockstep
        else f"each pausing a random {args.think:g} s on average"
    )
    uploading = "" if args.no_upload else ", 1 uploading hostile files"
    print(f"machine: {describe_machine()}")
    print(
        f"{args.sessions} sessions ({args.sessions - 1} moving sliders, {pattern}, "
        f"over {len(pages)} page(s){uploading})"
    )
    print(
        f"slider-to-update latency over {len(result.latencies)} moves: "
        f"p50 {1000 * result.quantile(0.5):.0f} ms, p95 {1000 * result.quantile(0.95):.0f} ms, "
        f"max {1000 * max(result.latencies, default=float('nan')):.0f} ms"
    )
    for page, values in result.latencies_by_page.items():
        ordered = sorted(values)
        print(
            f"    {page:<30} p50 {1000 * ordered[len(ordered) // 2]:5.0f} ms, "
            f"p95 {1000 * ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]:5.0f} ms"
        )
    for seconds, message in zip(result.upload_seconds, result.upload_messages, strict=False):
        print(f"hostile upload handled in {seconds:.1f} s: {message}")
    print(
        f"server RSS: {result.rss_before:.0f} MiB idle, peak {result.rss_peak:.0f} MiB, "
        f"{result.rss_after:.0f} MiB after; alive after: {result.alive_after}"
    )
    print(f"errors: {len(result.errors)}")
    for error in result.errors[:10]:
        print("   ", error)


if __name__ == "__main__":
    main()
