"""Script run time of every dashboard page through streamlit.testing.v1.AppTest.

For each page: the first run (cold caches; modules already imported by an earlier page) and
the best rerun after moving its first slider one notch.  Run: ``python benchmarks/bench_pages.py``.
Target: under 150 ms per rerun on one core.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from streamlit.testing.v1 import AppTest

from scaling_core.units import parse_quantity

sys.path.insert(0, os.path.dirname(__file__))
from machine import describe_machine

ROOT = Path(__file__).resolve().parents[1]

#: Query strings that put a page in its working state (the fit page with a sample loaded).
PAGE_QUERY: dict[str, dict[str, str]] = {"6_Fit_your_runs.py": {"f_sample": "isoflop_sweep.csv"}}


def _neighbour(slider, step: int):  # type: ignore[no-untyped-def]
    """The value one notch away from the slider's current value (select or plain slider)."""
    options = list(getattr(slider, "options", []) or [])
    if options:
        values = [parse_quantity(label.split()[0]) for label in options]
        index = min(range(len(values)), key=lambda i: abs(values[i] - float(slider.value)))
        index = index + step if 0 <= index + step < len(values) else index - step
        return values[index]
    delta = (slider.step or (slider.max - slider.min) / 100) * step
    value = slider.value + delta
    return value if slider.min <= value <= slider.max else slider.value - delta


def time_page(path: Path, repeats: int = 6) -> tuple[float, float | None]:
    """(first-run ms, best rerun-after-slider ms, or None when the page has no slider)."""
    at = AppTest.from_file(str(path), default_timeout=60)
    for key, value in PAGE_QUERY.get(path.name, {}).items():
        at.query_params[key] = value
    start = time.perf_counter()
    at.run()
    first = (time.perf_counter() - start) * 1e3
    if at.exception:
        raise RuntimeError(f"{path.name}: {at.exception[0].message}")
    best: float | None = None
    for i in range(repeats):
        sliders = list(at.select_slider) or list(at.slider)
        if not sliders:
            return first, None
        sliders[0].set_value(_neighbour(sliders[0], 1 if i % 2 == 0 else -1))
        start = time.perf_counter()
        at.run()
        elapsed = (time.perf_counter() - start) * 1e3
        best = elapsed if best is None else min(best, elapsed)
    return first, best


def main() -> None:
    print(f"machine: {describe_machine()}")
    print(f"{'page':<40} {'first run':>10} {'rerun after slider':>20}")
    for path in [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]:
        first, rerun = time_page(path)
        rerun_text = "no slider" if rerun is None else f"{rerun:.0f} ms"
        query = "&".join(f"{k}={v}" for k, v in PAGE_QUERY.get(path.name, {}).items())
        print(f"{path.name:<40} {first:>7.0f} ms {rerun_text:>20}  {query}".rstrip())


if __name__ == "__main__":
    main()
