"""Where a slider move's time goes in the browser: for the minimal app and each slider page, the
key press, the rerun request the page sends, the first and last of the server's messages as the
page's main thread takes them, the settled page (`bench_browser.settle`), and the main thread's
JavaScript time per move by bundle (Chromium's sampling profiler over all the moves, idle and
the browser's own style, layout and paint left out: Plotly, React, Emotion's styles,
Streamlit's markdown, ...; "(native)" is the DOM calls scripts make, such as forced layouts).

Chromium hands a WebSocket message to the page when its main thread is free, so "last message"
late after the request while the script is quick (`bench_pages.py`) means the page was busy
rendering the earlier ones. Run: ``python benchmarks/bench_slider_timeline.py [--moves 10]``
(needs Debian's chromium and the playwright package).
"""

from __future__ import annotations

import argparse
import collections
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from app_server import CHROMIUM_ARGS, start_server, stop_server  # noqa: E402
from bench_browser import OBSERVE, open_page, settle  # noqa: E402
from machine import describe_machine  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
#: (page, slider label or None for the first): the pages furthest from the minimal app.
PAGES = (
    ("Loss_landscape", None),
    ("Compute-optimal_frontier", None),
    ("Batch_size_and_training_time", None),
    ("Plan_a_run", None),
    ("Ladders_tasks_and_comparisons", "Budget C of sweep A (FLOP)"),
)
#: Page-clock timestamps of the rerun requests sent and of each message as the page takes it.
SOCKET = """
window.__socket = [];
const send = WebSocket.prototype.send;
WebSocket.prototype.send = function (data) {
  window.__socket.push(['send', performance.now()]);
  return send.call(this, data);
};
const listen = WebSocket.prototype.addEventListener;
WebSocket.prototype.addEventListener = function (type, handler, options) {
  if (type !== 'message') return listen.call(this, type, handler, options);
  return listen.call(this, type, (event) => {
    window.__socket.push(['message', performance.now()]);
    return handler(event);
  }, options);
};
"""
#: Bundles named in the JavaScript time (file name prefixes of Streamlit's static files).
BUNDLES = ("PlotlyChart", "react-dom", "emotion", "StreamlitMarkdown", "index", "Slider")


def bundle(url: str) -> str:
    name = url.rsplit("/", 1)[-1]
    return next((b for b in BUNDLES if name.startswith(b)), "other" if name else "(native)")


def measure(page, moves: int, label: str | None) -> dict:  # type: ignore[no-untyped-def]
    """Medians over ``moves`` key presses (right, then left: values already computed)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Profiler.enable")
    cdp.send("Profiler.setSamplingInterval", {"interval": 250})
    handle = page.get_by_role("slider", name=label) if label else page.get_by_role("slider").first
    handle.focus()
    rows = []
    cdp.send("Profiler.start")  # over all the moves; idle time is not counted
    for move in range(moves):
        time.sleep(0.3)
        page.evaluate("window.__socket = []")
        start = page.evaluate("performance.now()")
        handle.press("ArrowRight" if move % 2 == 0 else "ArrowLeft")
        settled = settle(page, start, 500) * 1000
        events = page.evaluate("window.__socket")
        sends = [t - start for kind, t in events if kind == "send"]
        messages = [t - start for kind, t in events if kind == "message"]
        if sends and messages:
            rows.append((sends[0], messages[0], messages[-1], len(messages), settled))
    profile = cdp.send("Profiler.stop")["profile"]
    busy: collections.Counter[str] = collections.Counter()
    frames = {node["id"]: node["callFrame"] for node in profile["nodes"]}
    for sample, delta in zip(profile["samples"], profile["timeDeltas"], strict=True):
        name = frames[sample]["functionName"]
        if name in ("(idle)", "(root)", "(program)"):  # (program): the browser's own work
            continue
        busy[name if name == "(garbage collector)" else bundle(frames[sample]["url"])] += (
            delta / 1000
        )
    n = len(rows)
    return {
        "request": statistics.median(r[0] for r in rows),
        "first": statistics.median(r[1] for r in rows),
        "last": statistics.median(r[2] for r in rows),
        "messages": statistics.median(r[3] for r in rows),
        "settled": statistics.median(r[4] for r in rows),
        "busy": {k: v / max(n, 1) for k, v in busy.most_common()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=10)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        minimal, minimal_base = start_server(
            Path(tmp) / "minimal.log", script=Path(__file__).resolve().parent / "minimal_app.py"
        )
        app, base = start_server(Path(tmp) / "app.log")
        results = []
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                for name, url, label in (
                    ("minimal app", minimal_base, None),
                    *((page, f"{base}/{page}", label) for page, label in PAGES),
                ):
                    context = browser.new_context(viewport={"width": 1400, "height": 900})
                    context.add_init_script(OBSERVE)
                    context.add_init_script(SOCKET)
                    page = context.new_page()
                    open_page(page, url, 800)
                    results.append((name, measure(page, args.moves, label)))
                    context.close()
                browser.close()
        finally:
            stop_server(minimal)
            stop_server(app)
    print(f"machine: {describe_machine()}; {time.strftime('%Y-%m-%d')}; {args.moves} moves each")
    print("ms after the key press (medians): request sent, first and last message taken, settled;")
    print("then the page's main-thread JavaScript per move by bundle (ms)")
    print("| Page | Request | First message | Last message | Messages | Settled | Main thread |")
    print("|---|---|---|---|---|---|---|")
    for name, r in results:
        busy = ", ".join(f"{k} {v:.0f}" for k, v in list(r["busy"].items())[:7])
        print(
            f"| {name} | {r['request']:.0f} | {r['first']:.0f} | {r['last']:.0f} | "
            f"{r['messages']:.0f} | {r['settled']:.0f} | {busy} |"
        )


if __name__ == "__main__":
    main()
