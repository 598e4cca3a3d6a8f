"""What a visitor waits for, in the browser: uploads to a settled fit page, samples opened by link,
slider moves on every slider page, each beside a minimal one-chart Streamlit app
(`minimal_app.py`) measured in the same run, same browser, same machine: every measurement is
paired with the minimal app's (its opening for uploads and samples, its slider rerun for
slider moves) taken right after it, and the ratio is the median of the pairs' ratios.

"Settled" is the last change to the page before it stays unchanged for ``--quiet`` ms with no
rerun running (Streamlit's status widget gone), no widget still a placeholder (a skeleton: the
browser was too busy to draw it) and at least one chart drawn: a
MutationObserver timestamps every DOM change, so the time is from the action to the last
change the visitor sees, not to the end of the quiet period.

Run: ``python benchmarks/bench_browser.py [--repeats 3] [--quiet 800] [--parts sliders]``
(needs Debian's chromium and the playwright package). Prints one line per measurement and the ratios to the
minimal app quoted in the README.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from app_server import CHROMIUM_ARGS, start_server, stop_server  # noqa: E402
from machine import describe_machine  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
REAL_LOGS = ROOT / "tests" / "fixtures" / "real-logs"
#: (page and link, slider moved: None for the page's first): every live section's first slider.
SLIDERS = (
    ("Loss_landscape", None),
    ("Compute-optimal_frontier", None),
    ("Overfitting_and_data_limits", None),
    ("Overfitting_and_data_limits", "Unique tokens available U_D"),
    ("Batch_size_and_training_time", None),
    ("Plan_a_run", None),
    ("Plan_a_run", "Lifetime inference volume"),
    ("Ladders_tasks_and_comparisons", "Budget C of sweep A (FLOP)"),
    # from 0.5, so that every move (always to the right) is a new check, computed
    ("Fit_your_runs?f_sample=real/gadre-2024/gadre2024_final_losses.csv&f_q=0.5",
     "Fit runs up to this quantile"),
)  # fmt: skip

OBSERVE = """
window.__lastChange = performance.now();
new MutationObserver(() => { window.__lastChange = performance.now(); })
  .observe(document, {subtree: true, childList: true, attributes: true,
                                      characterData: true});
"""
SETTLED = """([quiet, charts]) => {
  const busy = document.querySelector('[data-testid="stStatusWidget"]')
    || document.querySelector('[data-testid="stSkeleton"]');
  const drawn = document.querySelectorAll('.js-plotly-plot .main-svg').length >= charts;
  return !busy && drawn && performance.now() - window.__lastChange > quiet;
}"""


def settle(
    page, start_ms: float, quiet: float, charts: int = 1, timeout_ms: int = 180_000
) -> float:  # type: ignore[no-untyped-def]
    """Seconds from ``start_ms`` (the page's performance.now()) to the page's last change."""
    page.wait_for_function(SETTLED, arg=[quiet, charts], timeout=timeout_ms, polling=50)
    return (page.evaluate("window.__lastChange") - start_ms) / 1000.0


def open_page(page, url: str, quiet: float, charts: int = 1) -> float:  # type: ignore[no-untyped-def]
    """Seconds from navigation start to the settled page."""
    page.goto(url, timeout=120_000)
    return settle(page, 0.0, quiet, charts)


def move_slider(page, quiet: float, label: str | None = None) -> float:  # type: ignore[no-untyped-def]
    """Seconds from a key press on the slider ``label`` (default: the first) to the settled page."""
    handle = page.get_by_role("slider", name=label) if label else page.get_by_role("slider").first
    handle.focus()
    start = page.evaluate("performance.now()")
    handle.press("ArrowRight")
    return settle(page, start, quiet)


def upload(page, files: list[Path], quiet: float) -> float:  # type: ignore[no-untyped-def]
    """Seconds from choosing the files to the settled fit page (its charts drawn)."""
    start = page.evaluate("performance.now()")
    page.locator('input[type="file"]').first.set_input_files([str(f) for f in files])
    page.wait_for_function(  # the rerun has started or already produced the fit's numbers
        """() => document.querySelector('[data-testid="stStatusWidget"]')
                 || document.querySelector('[data-testid="stMetric"]')""",
        timeout=60_000,
    )
    return settle(page, start, quiet, charts=2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quiet", type=float, default=800.0, help="ms without change = settled")
    parser.add_argument(
        "--parts",
        default="uploads,samples,sliders",
        help="which measurements, comma-separated (default: all three)",
    )
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        olmo_zip = Path(tmp) / "olmo-wandb-history.zip"
        with zipfile.ZipFile(olmo_zip, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted((REAL_LOGS / "olmo-ladder" / "wandb-history").iterdir()):
                archive.write(path, f"wandb-history/{path.name}")
        gadre = sorted((REAL_LOGS / "gadre-2024" / "runs-json").glob("*.json"))
        minimal, minimal_base = start_server(
            Path(tmp) / "minimal.log", script=Path(__file__).resolve().parent / "minimal_app.py"
        )
        app, base = start_server(Path(tmp) / "app.log")
        rows: list[tuple[str, float, float, float]] = []
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

                def fresh():  # type: ignore[no-untyped-def]
                    context = browser.new_context(viewport={"width": 1400, "height": 900})
                    context.add_init_script(OBSERVE)
                    return context, context.new_page()

                def minimal_open() -> float:
                    context, page = fresh()
                    try:
                        return open_page(page, minimal_base, args.quiet)
                    finally:
                        context.close()

                # The minimal app is measured beside every measurement (interleaved), so a
                # change of load during the run moves both sides of each ratio alike.
                min_context, min_page = fresh()
                open_page(min_page, minimal_base, args.quiet)

                def paired(measure: Callable[[], float], floor: Callable[[], float]):
                    """Medians of the measurement, of the minimal app beside it, and of ratios."""
                    pairs = [(measure(), floor()) for _ in range(args.repeats)]
                    values = [v for v, _ in pairs]
                    floors = [f for _, f in pairs]
                    ratios = [v / f for v, f in pairs]
                    return (
                        statistics.median(values),
                        statistics.median(floors),
                        statistics.median(ratios),
                        values,
                    )

                def minimal_move() -> float:
                    return move_slider(min_page, args.quiet)

                uploads = (
                    ("OLMo W&B zip (42 files)", [olmo_zip]),
                    (f"Gadre et al.'s {len(gadre)} JSON files", gadre),
                )
                for name, files in uploads if "uploads" in parts else ():

                    def measure(files: list[Path] = files) -> float:
                        context, page = fresh()
                        try:
                            open_page(page, f"{base}/Fit_your_runs", args.quiet, charts=0)
                            return upload(page, files, args.quiet)
                        finally:
                            context.close()

                    value, floor, ratio, values = paired(measure, minimal_open)
                    rows.append((f"upload: {name}", value, floor, ratio))
                    print(
                        f"upload {name}: {value:.2f} s ({', '.join(f'{v:.2f}' for v in values)});"
                        f" minimal app opens in {floor:.2f} s beside it; {ratio:.1f}x"
                    )

                from scaling_core.published import real_sample_paths

                for sample in real_sample_paths() if "samples" in parts else ():

                    def measure_sample(sample: str = sample) -> float:
                        context, page = fresh()
                        try:
                            return open_page(
                                page,
                                f"{base}/Fit_your_runs?f_sample={sample}",
                                args.quiet,
                                charts=2,
                            )
                        finally:
                            context.close()

                    value, floor, ratio, _ = paired(measure_sample, minimal_open)
                    rows.append((f"sample: {sample}", value, floor, ratio))
                    print(f"sample {sample}: {value:.2f} s; minimal {floor:.2f} s; {ratio:.1f}x")

                for slider_page, label in SLIDERS if "sliders" in parts else ():
                    context, page = fresh()
                    open_page(page, f"{base}/{slider_page}", args.quiet)
                    value, floor, ratio, values = paired(
                        lambda page=page, label=label: move_slider(page, args.quiet, label),
                        minimal_move,
                    )
                    context.close()
                    what = f"{slider_page}" + (f" ({label})" if label else "")
                    rows.append((f"slider: {what}", value, floor, ratio))
                    print(
                        f"slider {what}: {value:.2f} s ({', '.join(f'{v:.2f}' for v in values)});"
                        f" minimal app's rerun {floor:.2f} s; {ratio:.1f}x"
                    )
                min_context.close()
                browser.close()
        finally:
            stop_server(minimal)
            stop_server(app)
    print(f"\nmachine: {describe_machine()}; {time.strftime('%Y-%m-%d')}")
    print("| What | Seconds | Minimal app beside it | Ratio (median of pairs) |")
    print("|---|---|---|---|")
    for what, value, floor, ratio in rows:
        print(f"| {what} | {value:.2f} | {floor:.2f} | {ratio:.1f}x |")


if __name__ == "__main__":
    main()
