"""Time of reading tracker exports: the OLMo ladder's 42 W&B history files plus mapping, and a
50 MB W&B history export.

1. ``../shared/real-logs/olmo-ladder/wandb-history`` (42 CSV files, 4.2k rows, 117 columns):
   read every file by its format, combine, guess the roles, fill per-run values and validate
   (`scaling_core.runs.read_runs` with the c4 loss chosen), best of 5.
2. A W&B history download of about 50 MB generated in memory (one run; ``_step``,
   ``_runtime``, ``_timestamp``, ``train/loss``, eleven eval losses, token and FLOP counters,
   learning rate: the OLMo files' shape, 171k logged steps), read the same way, best of 3.
3. A folder of 100 Hugging Face Trainer output folders (50 copies of each of the two real ones
   in tests/fixtures/real-logs/hf-trainer-output: config.json, trainer_state.json, TensorBoard
   events), read with no options as 100 runs, best of 3 (issue 17: under 2 s).

Run: ``python benchmarks/bench_read.py [path-to-wandb-history]``
"""

from __future__ import annotations

import io
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.machine import describe_machine  # noqa: E402
from scaling_core.runs import read_runs  # noqa: E402

HISTORY = ROOT.parent / "shared" / "real-logs" / "olmo-ladder" / "wandb-history"
C4 = "eval/c4_en-validation/CrossEntropyLoss"
SETS = ["c4_en", "dolma_books", "dolma_common-crawl", "dolma_pes2o", "dolma_reddit",
        "dolma_stack", "dolma_wiki", "ice", "m2d2_s2orc", "pile", "wikitext_103"]  # fmt: skip


def history_export(n_steps: int = 171_000, seed: int = 3) -> bytes:
    """A one-run W&B history CSV shaped like the OLMo files, about 50 MB."""
    rng = np.random.default_rng(seed)
    step = np.arange(1, n_steps + 1)
    tokens = step * 1_048_576
    base = 2.0 + 400 / 7.6e8**0.34 + 410 / tokens.astype(float) ** 0.28
    columns = {
        "_step": step,
        "_runtime": step * 1.37,
        "_timestamp": 1.73e9 + step * 1.37,
        "train/CrossEntropyLoss": base * np.exp(0.02 * rng.standard_normal(n_steps)),
    }
    for name in SETS:
        columns[f"eval/{name}-validation/CrossEntropyLoss"] = base * rng.uniform(0.9, 1.1)
    columns["throughput/total_tokens"] = tokens
    columns["throughput/total_training_Gflops"] = tokens * 6 * 7.6e8 / 1e9
    columns["optim/learning_rate_group0"] = 4e-4 * np.minimum(1, step / 2000)
    buffer = io.StringIO()
    pd.DataFrame(columns).to_csv(buffer, index=False)
    return buffer.getvalue().encode()


def best(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    print(describe_machine())
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else HISTORY
    if folder.exists():
        result = read_runs([folder], columns={"loss": C4})
        used = int((result.per_run["needs"] == "").sum())
        seconds = best(lambda: read_runs([folder], columns={"loss": C4}), 5)
        print(
            f"OLMo wandb-history ({len(result.sources.tables)} files, {result.n_rows_read:,} rows, "
            f"{used} usable runs): read + map + validate {seconds * 1000:.0f} ms (best of 5)"
        )
    else:
        print(f"skipped the OLMo folder: {folder} not found")
    data = history_export()
    seconds = best(lambda: read_runs([("760M-history.csv", data)]), 3)
    result = read_runs([("760M-history.csv", data)])
    n_columns = data[: data.index(b"\n")].count(b",") + 1
    print(
        f"W&B history export {len(data) / 1e6:.1f} MB ({result.n_rows_read:,} rows, "
        f"{n_columns} columns): read + map + validate {seconds:.2f} s (best of 3)"
    )
    trainer_folders()


def trainer_folders(n_copies: int = 50) -> None:
    """Time reading ``2 * n_copies`` Trainer output folders copied from the real two."""
    import shutil
    import tempfile

    source = ROOT / "tests" / "fixtures" / "real-logs" / "hf-trainer-output"
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(n_copies):
            for run in ("gpt-d48l2-C3e13", "gpt-d64l3-C3e13"):
                shutil.copytree(source / run, Path(tmp) / f"{run}-{i}")
        result = read_runs([tmp])
        used = int((result.per_run["needs"] == "").sum())
        seconds = best(lambda: read_runs([tmp]), 3)
    print(
        f"{2 * n_copies} Trainer output folders ({used} usable runs): read + map + validate "
        f"{seconds:.2f} s (best of 3)"
    )


if __name__ == "__main__":
    main()
