"""Write the SYNTHETIC run logs in ``sample_data/`` (deterministic: re-running gives the same bytes).

Usage: ``python scripts/make_sample_data.py [--out sample_data]``

Files
-----
isoflop_sweep.csv     IsoFLOP sweep: 6 compute budgets × 9 model sizes, losses from the Epoch AI
                      refit of the Chinchilla form (Besiroglu et al. 2024) × lognormal noise 0.7%.
learning_curves.csv   12 runs × 80 logged evaluations: L(N, D_seen) of the same law + a transient
                      1.2·exp(−D_seen/3e8) + lognormal noise 0.5%.
kaplan_sweep.csv      7 model sizes × 6 token counts from Kaplan et al. 2020 eq. 1.5 (Table 2
                      constants) × lognormal noise 0.3%, headers in a spreadsheet style.
messy_runs.csv        24 runs of the Epoch law in a deliberately messy export (BOM, 1.5B/300M
                      values, quoted thousands, a blank line, text in a loss cell, a negative
                      parameter count, NaN, an unnamed extra column).

See sample_data/README.md for the constants and noise of each file.
"""

from __future__ import annotations

import argparse
import csv
import io
from pathlib import Path

import numpy as np

SEED = 20240417

#: Besiroglu et al. 2024 (arXiv:2404.10102), Epoch AI refit of Hoffmann et al. 2022 eq. 2.
EPOCH = {"E": 1.8172, "A": 482.01, "B": 2085.43, "alpha": 0.3478, "beta": 0.3658}
#: Kaplan et al. 2020 (arXiv:2001.08361), eq. 1.5 with the section-4 fit (Table 2).
KAPLAN = {"alpha_n": 0.076, "alpha_d": 0.103, "n_c": 6.4e13, "d_c": 1.8e13}

BUDGETS = (6e18, 1e19, 3e19, 6e19, 1e20, 3e20)
ISOFLOP_NOISE = 0.007
CURVE_NOISE = 0.005
KAPLAN_NOISE = 0.003
TRANSIENT = (1.2, 3e8)  # amplitude (nats), token scale of exp(−D_seen/scale)


def epoch_loss(n_params: np.ndarray, n_tokens: np.ndarray) -> np.ndarray:
    """L = E + A/N^α + B/D^β with the Epoch AI constants (Besiroglu et al. 2024)."""
    p = EPOCH
    return p["E"] + p["A"] / n_params ** p["alpha"] + p["B"] / n_tokens ** p["beta"]


def kaplan_loss(n_params: np.ndarray, n_tokens: np.ndarray) -> np.ndarray:
    """L = [(N_c/N)^(α_N/α_D) + D_c/D]^α_D (Kaplan et al. 2020, eq. 1.5, Table 2)."""
    k = KAPLAN
    return ((k["n_c"] / n_params) ** (k["alpha_n"] / k["alpha_d"]) + k["d_c"] / n_tokens) ** k[
        "alpha_d"
    ]


def _csv(rows: list[list[object]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def isoflop_sweep(rng: np.random.Generator) -> str:
    """9 sizes per budget, log-spaced over ×1/6 … ×6 around the 20-tokens-per-parameter size."""
    rows: list[list[object]] = [["run_name", "params", "tokens", "flops", "val_loss"]]
    for budget in BUDGETS:
        center = np.sqrt(budget / (6.0 * 20.0))
        for n in center * np.geomspace(1 / 6, 6, 9):
            n_params = float(f"{n:.3g}")
            n_tokens = round(budget / (6.0 * n_params))
            loss = float(epoch_loss(np.array(n_params), np.array(n_tokens)))
            loss *= float(np.exp(ISOFLOP_NOISE * rng.standard_normal()))
            rows.append(
                [
                    f"iso{budget:.0e}-{n_params:.3g}".replace("+", ""),
                    f"{n_params:.4g}",
                    n_tokens,
                    f"{budget:.3g}",
                    f"{loss:.5f}",
                ]
            )
    return _csv(rows)


def learning_curves(rng: np.random.Generator) -> str:
    """12 sizes; each run sees 60 tokens per parameter, evaluated every 1/80 of its steps."""
    rows: list[list[object]] = [["run_id", "n_params", "step", "tokens_seen", "eval/loss"]]
    batch_tokens = 2**19  # 0.5M tokens per step
    for i, n in enumerate(np.geomspace(4e7, 3e9, 12)):
        n_params = float(f"{n:.3g}")
        total_steps = int(np.ceil(60 * n_params / batch_tokens))
        for step in np.linspace(total_steps / 80, total_steps, 80).round().astype(int):
            seen = int(step) * batch_tokens
            loss = float(epoch_loss(np.array(n_params), np.array(float(seen))))
            loss += TRANSIENT[0] * np.exp(-seen / TRANSIENT[1])
            loss *= float(np.exp(CURVE_NOISE * rng.standard_normal()))
            rows.append([f"run-{i:02d}", f"{n_params:.3g}", int(step), seen, f"{loss:.5f}"])
    return _csv(rows)


def kaplan_sweep(rng: np.random.Generator) -> str:
    """Full grid of 7 sizes (1e6-1e9 non-embedding params) × 6 token counts (2e7-2e10)."""
    rows: list[list[object]] = [["Experiment", "Model Size", "Training Tokens", "Loss"]]
    for n in np.geomspace(1e6, 1e9, 7):
        for d in np.geomspace(2e7, 2e10, 6):
            n_params, n_tokens = float(f"{n:.3g}"), float(f"{d:.3g}")
            loss = float(kaplan_loss(np.array(n_params), np.array(n_tokens)))
            loss *= float(np.exp(KAPLAN_NOISE * rng.standard_normal()))
            rows.append(
                [
                    f"N{n_params:.2g} D{n_tokens:.2g}".replace("+", ""),
                    f"{n_params:.3g}",
                    f"{n_tokens:.3g}",
                    f"{loss:.4f}",
                ]
            )
    return _csv(rows)


def _human(value: float) -> str:
    for suffix, scale in (("T", 1e12), ("B", 1e9), ("M", 1e6)):
        if value >= scale:
            return f"{value / scale:.3g}{suffix}"
    return f"{value:.3g}"


def messy_runs(rng: np.random.Generator) -> str:
    """24 good runs in mixed notations, then the broken rows; see README for each problem.

    The first column has an empty header (a pandas index written by ``DataFrame.to_csv``).
    """
    lines = [",Run,Params,Tokens,Val Loss,Notes"]
    sizes = np.geomspace(1e8, 3e9, 8)
    ratios = (10, 20, 40)
    k = 0
    for n in sizes:
        for ratio in ratios:
            n_params = float(f"{n:.3g}")
            n_tokens = float(f"{ratio * n_params:.3g}")
            loss = float(epoch_loss(np.array(n_params), np.array(n_tokens)))
            loss *= float(np.exp(ISOFLOP_NOISE * rng.standard_normal()))
            style = k % 3
            if style == 0:
                params_text, tokens_text = _human(n_params), _human(n_tokens)
            elif style == 1:
                params_text, tokens_text = f'"{int(n_params):,}"', f"{n_tokens:.3e}"
            else:
                params_text, tokens_text = f"{n_params:.4g}", f'"{int(n_tokens):,}"'
            note = "" if k % 5 else "baseline"
            lines.append(f"{k},r{k:02d},{params_text},{tokens_text},{loss:.4f},{note}")
            k += 1
            if k == 9:
                lines.append("")  # a blank line in the middle of the data
    lines += [
        '24,r24,1.5B,30B,diverged,"loss went NaN at step 12,000"',
        "25,r25,-350M,7B,2.61,sign typo",
        "26,r26,700M,14B,NaN,",
        "27,r27,2.1B,,2.35,tokens not logged",
    ]
    return "\ufeff" + "\n".join(lines) + "\n"


def write_all(out: Path) -> dict[str, str]:
    """Write every file into ``out``; returns {file name: text}."""
    rng = np.random.default_rng(SEED)
    files = {
        "isoflop_sweep.csv": isoflop_sweep(rng),
        "learning_curves.csv": learning_curves(rng),
        "kaplan_sweep.csv": kaplan_sweep(rng),
        "messy_runs.csv": messy_runs(rng),
    }
    out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (out / name).write_text(text, encoding="utf-8", newline="")
    return files


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parents[1] / "sample_data"
    )
    args = parser.parse_args()
    for name, text in write_all(args.out).items():
        print(f"{args.out / name}: {text.count(chr(10))} lines")


if __name__ == "__main__":
    main()
