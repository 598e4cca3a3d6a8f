"""Derive the REAL sample sweeps in ``sample_data/real/`` from the released files of their authors.

Usage: ``python scripts/make_real_samples.py [--source ../shared/real-logs] [--out sample_data/real]``

``--source`` is a folder holding each release as its authors published it (one sub-folder per
source with its licence and a SOURCE.txt naming the repository and commit).  Each ``make_*``
function reads one release and writes one tidy CSV whose headers the run reader recognises
(``n_params``, ``n_tokens``, ``compute_flops``, ``loss``), keeps the columns that tell the
sweeps of a file apart, copies the licence and writes ``PROVENANCE.md``.  Re-running gives the
same bytes.  Only releases whose licence allows redistribution are used.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def _write(frame: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, lineterminator="\n", float_format="%.10g")


def _provenance(out: Path, text: str) -> None:
    (out / "PROVENANCE.md").write_text(text.strip() + "\n", encoding="utf-8")


def make_porian(source: Path, out: Path) -> None:
    """Porian et al. 2024: every IsoFLOP point of their 15 configurations (MIT)."""
    raw = pd.read_csv(source / "porian2024_isoflop_points.csv")
    tidy = pd.DataFrame(
        {
            "dataset": raw["dataset"],
            "hparams": raw["hparams"],
            "warmup": raw["warmup"],
            "decay": raw["decay"],
            "counting": raw["param_count"],
            "loss_type": raw["loss_type"],
            "compute_flops": raw["flops_budget"],
            "n_params": raw["N"],
            "n_tokens": raw["D_tokens"],
            "loss": raw["loss"],
        }
    )
    _write(tidy, out / "porian2024_isoflop_points.csv")
    shutil.copyfile(source / "LICENSE", out / "LICENSE")
    _provenance(
        out,
        """
# Porian et al. 2024: IsoFLOP points (REAL data)

Source: https://github.com/formll/resolving-scaling-law-discrepancies, commit
0dc60d91b8a525858a3067fc9e4a46ff5374cc6f, files `data/summary_df*.pickle.xz` (the `data` frame of
each configuration: every model size and its loss at each IsoFLOP budget). Paper: T. Porian,
M. Wortsman, J. Jitsev, L. Schmidt, Y. Carmon, "Resolving Discrepancies in Compute-Optimal
Scaling of Language Models", arXiv:2406.19146 (NeurIPS 2024).

Licence: MIT (`LICENSE`, copied from the repository; its copyright line names "Scott Chacon and
others", boilerplate the authors copied; the authors' Hugging Face release is tagged MIT).

Derived by `scripts/make_real_samples.py` from the tidy table of those frames
(`porian2024_isoflop_points.csv`, 1,745 rows): columns renamed so that the run reader reads them
(`flops_budget` → `compute_flops`, `N` → `n_params`, `D_tokens` → `n_tokens`, and
`param_count` → `counting`, since a header `param_count` would be read as the parameter count);
the `source_file` column dropped (it repeats the configuration). Values unchanged.

15 configurations, told apart by `dataset` (rw = RefinedWeb, owt2 = OpenWebText2), `hparams`,
`warmup`, `decay`, `counting` (kaplan = no output head, as Kaplan et al.; standard = with head;
attention = with head and attention FLOPs) and `loss_type` (train = smoothed training loss, val =
validation loss). `n_tokens = compute_flops / (6·n_params)` exactly. Table 1's five steps are
`scaling_core.porian.TABLE1_CONFIGS`; for example the Kaplan reproduction on RefinedWeb is
`--where dataset=rw --where hparams=base --where warmup=long --where decay=kaplan --where counting=kaplan --where loss_type=train`.
""",
    )


MAKERS = {"porian-2024": make_porian}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=ROOT.parent / "shared" / "real-logs")
    parser.add_argument("--out", type=Path, default=ROOT / "sample_data" / "real")
    parser.add_argument("only", nargs="*", help="sources to make (default: all)")
    args = parser.parse_args(argv)
    for name, make in MAKERS.items():
        if args.only and name not in args.only:
            continue
        target = args.out / name
        target.mkdir(parents=True, exist_ok=True)
        make(args.source / name, target)
        print(f"wrote {target}")


if __name__ == "__main__":
    main()
