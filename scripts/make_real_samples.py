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


def _loss_columns(raw: pd.DataFrame, prefix: str, default: str) -> dict[str, pd.Series]:
    """``loss`` = the default validation set, then ``loss_<set>`` for every other one."""
    out = {"loss": raw[prefix + default]}
    for column in raw.columns:
        if column.startswith(prefix) and column != prefix + default:
            out["loss_" + column[len(prefix) :]] = raw[column]
    return out


def make_olmo_ladder(source: Path, out: Path) -> None:
    """OLMo model ladder (Bhagia et al. 2024): per-checkpoint losses of 5 sizes x 5 lengths (Apache-2.0)."""
    raw = pd.read_csv(source / "olmo_ladder_curves.csv")
    schedule = raw["source"].map(
        {
            "peteish-moreeval": "cosine",
            "peteish-moreeval-decay": "decay",
            "peteish-moreeval-const": "const",
        }
    )
    if schedule.isna().any():
        raise ValueError(f"unknown OLMo source {sorted(set(raw['source'][schedule.isna()]))}")
    suffix = schedule.map({"cosine": "", "decay": "-decay", "const": "-const"})
    tidy = pd.DataFrame(
        {
            "run": raw["run"] + suffix,
            "schedule": schedule,
            "size": raw["size"],
            "chinchilla_multiple": raw["chinchilla_multiple"],
            "rerun": raw["rerun"].astype(bool),
            "n_params": raw["N"],
            "step": raw["step"],
            "n_tokens": raw["tokens"],
            **_loss_columns(raw, "loss_", "c4_en"),
        }
    )
    tidy = tidy.sort_values(["schedule", "run", "step"], kind="stable")
    _write_rounded(tidy, out / "olmo_ladder_curves.csv")
    shutil.copyfile(source / "LICENSE", out / "LICENSE")
    _provenance(
        out,
        """
# OLMo model ladder (REAL data)

Source: https://github.com/allenai/OLMo, directory `scripts/scaling/data/` on branch `ladder-1xC`,
commit 9bc064c72b1439640993e7ff28238e7b8f855aee (W&B history CSVs of the ladder runs,
`peteish-moreeval`, `-decay`, `-const`). Paper: A. Bhagia, J. Liu et al., "Establishing Task
Scaling Laws via Compute-Efficient Model Ladders", arXiv:2412.04403 (2024).

Licence: Apache-2.0 (`LICENSE`, copied from the repository). Changes (Apache-2.0 section 4b): the
per-run W&B CSVs were joined into one tidy table, columns renamed and values rounded as below.

Derived by `scripts/make_real_samples.py` from the joined table of those CSVs
(`olmo_ladder_curves.csv`): one row per evaluated checkpoint. Columns: `run` (size-kxC, with
`-decay`/`-const` for the variant schedules), `schedule` (cosine = the ladder runs, decay = their
learning-rate decay branches, const = constant-LR runs), `size`, `chinchilla_multiple` (k in k x 20
tokens per parameter), `rerun`, `n_params` (parameter counts from `MODEL_PARAMS` in OLMo's
`scripts/scaling/flops_calculation.py`: 190M = 190,354,176 ... 3B = 3,169,537,280), `step`,
`n_tokens` (`throughput/total_tokens`), `loss` = the C4 (en) validation cross-entropy
(`eval/c4_en-validation/CrossEntropyLoss`), and `loss_<set>` for the ten other validation sets.
Losses rounded to 6 significant digits. `olmo_ladder_curves.csv`: 5 sizes (190M-3B) x 0.5-10 x
Chinchilla tokens.

`olmo_ladder_downstream.csv`: the task metrics of the same 30 cosine ladder runs, from their W&B
history CSVs (`wandb-history/<size>-<k>xC[-rerun].csv`: the `peteish-moreeval` runs, the same
steps, tokens and C4 losses as `olmo_ladder_curves.csv`), one row per evaluated checkpoint. Columns: `run` (the file's name), `n_params` (as
above), `step` (`_step`), `n_tokens` (`throughput/total_tokens`), `loss` (the C4 validation
cross-entropy), and for each task both its bits per byte of the correct answer
(`eval/downstream_bpb/<task>_rc_5shot_bpb`) and its accuracy (`eval/downstream/<task>_rc_5shot_len_norm`,
`_acc` for BoolQ), under the W&B names. Values rounded to 6 significant digits; rows without any
task value dropped. Used by `python -m scaling_core downstream` and the page "Ladders: tasks and
comparisons" (Bhagia et al.'s two-step task prediction).
""",
    )
    make_olmo_downstream(source, out, raw)


def make_olmo_downstream(source: Path, out: Path, curves: pd.DataFrame) -> None:
    """The OLMo ladder's task bits-per-byte and accuracy per checkpoint (Bhagia et al. 2024)."""
    sizes = curves.drop_duplicates("size").set_index("size")["N"]
    frames = []
    for run in sorted(curves.loc[curves["source"] == "peteish-moreeval", "run"].unique()):
        raw = pd.read_csv(source / "wandb-history" / f"{run}.csv")
        task_columns = [
            c
            for c in raw.columns
            if (c.startswith("eval/downstream_bpb/") and c.endswith("_rc_5shot_bpb"))
            or (
                c.startswith("eval/downstream/")
                and c.endswith(("_rc_5shot_len_norm", "_rc_5shot_acc"))
            )
        ]
        frame = pd.DataFrame(
            {
                "run": run,
                "n_params": int(sizes[run.split("-")[0]]),
                "step": raw["_step"],
                "n_tokens": raw["throughput/total_tokens"],
                "loss": raw["eval/c4_en-validation/CrossEntropyLoss"],
            }
        )
        frame[task_columns] = raw[task_columns]
        frames.append(frame[raw[task_columns].notna().any(axis=1)])
    tidy = pd.concat(frames, ignore_index=True)
    _write_rounded(tidy, out / "olmo_ladder_downstream.csv")


def make_gadre(source: Path, out: Path) -> None:
    """Gadre et al. 2024: 104 final losses on 8 validation sets, 3 datasets (MIT)."""
    raw = pd.read_csv(source / "gadre2024_final_losses.csv")
    tidy = pd.DataFrame(
        {
            "run": raw["name"],
            "dataset": raw["dataset"],
            "architecture": raw["model"],
            "n_params": raw["params"],
            "n_params_no_embed": raw["params_no_embed"],
            "n_tokens": raw["tokens"],
            "chinchilla_multiplier": raw["chinchilla_multiplier"],
            "learning_rate": raw["lr"],
            "weight_decay": raw["wd"],
            "warmup_steps": raw["warmup"],
            "batch_size": raw["global_bs"],
            "seed": raw["seed"],
            **_loss_columns(raw, "loss_", "c4_val"),
        }
    )
    _write_rounded(tidy, out / "gadre2024_final_losses.csv")
    shutil.copyfile(source / "LICENSE.txt", out / "LICENSE.txt")
    _provenance(
        out,
        """
# Gadre et al. 2024: over-trained models, final losses (REAL data)

Source: https://github.com/mlfoundations/scaling, commit a003c4913793ac2ae7ef87b28ecb562955d026d5,
files `exp_data/models/*.json` (one per run). Paper: S. Y. Gadre et al., "Language models scale
reliably with over-training and on downstream tasks", arXiv:2403.08540 (2024).

Licence: MIT (`LICENSE.txt`, copied from the repository).

Derived by `scripts/make_real_samples.py` from the tidy table of those JSON files
(`gadre2024_final_losses.csv`, 104 runs): columns renamed (`name` → `run`, `params` → `n_params`,
`tokens` → `n_tokens`, `lr` → `learning_rate`, `wd` → `weight_decay`, `warmup` → `warmup_steps`,
`global_bs` → `batch_size`, `model` → `architecture`), `flops_6ND` dropped (C = 6ND is recomputed), `loss` = the C4
validation loss (`loss_c4_val`, the loss of the paper's main fits) and `loss_<set>` for the seven
other evaluation sets; losses rounded to 6 significant digits. `dataset` (c4_original, rpj,
rw_original) tells the three sweeps apart; `chinchilla_multiplier` M gives D ≈ 20·M·N.
""",
    )


def make_gemstones(source: Path, out: Path) -> None:
    """Gemstones (McLeish et al. 2025): 22 runs' checkpoints and their cooldown ends (MIT)."""
    hot = pd.read_csv(source / "gemstones_hot_checkpoints.csv")
    cool = pd.read_json(source / "wandb_df_for_fitting_cool_end.jsonl", lines=True)

    def tidy(raw: pd.DataFrame, run: pd.Series) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "run": run,
                "n_params": raw["params_active_precise"],
                "d_model": raw["width"],
                "n_layer": raw["depth"],
                "step": raw["step"],
                "n_tokens": raw["tokens"],
                "loss": raw["final_loss"],
            }
        )

    base = hot["run_name"].str.replace("_pretrain", "", regex=False)
    _write_rounded(tidy(hot, base), out / "gemstones_checkpoints.csv")
    cool_base = cool["run_name"].str.replace("_pretrain", "", regex=False)
    cool_run = (
        cool_base + "-cooldown@" + (cool["tokens"] / 1e9).round().astype(int).astype(str) + "B"
    )
    _write_rounded(tidy(cool, cool_run), out / "gemstones_cooldown_ends.csv")
    shutil.copyfile(source / "LICENSE", out / "LICENSE")
    _provenance(
        out,
        """
# Gemstones (McLeish et al. 2025) (REAL data)

Source: https://github.com/mcleish7/gemstone-scaling-laws, commit
5f420478f6057b0cbb4d13405fb10ca64675bccb, files `wandb_dfs/wandb_df_for_fitting_hot.jsonl` and
`wandb_dfs/wandb_df_for_fitting_cool_end.jsonl`. Paper: S. McLeish, J. Kirchenbauer et al.,
"Gemstones: A Model Suite for Multi-Faceted Scaling Laws", arXiv:2502.06857 (2025).

Licence: MIT (`LICENSE`, copied from the repository).

Derived by `scripts/make_real_samples.py`: columns renamed (`run_name` without `_pretrain` → `run`,
`params_active_precise` → `n_params`, `width` → `d_model`, `depth` → `n_layer`, `tokens` →
`n_tokens`, `final_loss` → `loss`), `num_nodes` and `seconds_per_step` dropped, losses rounded to 6
significant digits.
- `gemstones_checkpoints.csv`: 22 runs (48M-2B parameters, widths 256-3072, depths 3-80), 10
  checkpoints each up to 100B tokens, during training at constant learning rate ("hot").
- `gemstones_cooldown_ends.csv`: the end of each learning-rate cooldown branched off those runs,
  one row per branch (`run` = model-cooldown@<tokens>B): finished runs of 20 models at 10 lengths.
""",
    )


def make_muennighoff(source: Path, out: Path) -> None:
    """Muennighoff et al. 2023: 296 final losses with unique-token budgets and epochs (Apache-2.0)."""
    raw = pd.read_csv(source / "datablations_final_val_losses.csv")
    tidy = pd.DataFrame(
        {
            "run": raw["run_key"],
            "config": raw["name"],
            "n_params": raw["params"],
            "n_tokens": raw["tokens"],
            "unique_tokens": raw["unique_tokens"],
            "epochs": raw["epochs"],
            "c4_in_key": raw["c4_in_key"],
            "loss": raw["val_loss"],
        }
    )
    _write_rounded(tidy, out / "datablations_final_val_losses.csv")
    shutil.copyfile(source / "LICENSE.md", out / "LICENSE.md")
    _provenance(
        out,
        """
# Muennighoff et al. 2023: data-constrained runs (REAL data)

Source: https://github.com/huggingface/datablations, commit
13701315b163f1c54642b94ad237b2699187c3ee, `utils/parametric_fit.ipynb` (cell 1 lists every run's
final validation loss, tokens and parameters). Paper: N. Muennighoff et al., "Scaling
Data-Constrained Language Models", arXiv:2305.16264 (NeurIPS 2023).

Licence: Apache-2.0 (`LICENSE.md`, copied from the repository). Changes (Apache-2.0 section 4b):
the notebook's dictionaries were turned into one table, columns renamed, values rounded.

Derived by `scripts/make_real_samples.py` from the table the notebook's own cells 1-2 build
(`datablations_final_val_losses.csv`, 296 runs): `params` → `n_params`, `tokens` → `n_tokens`
(total tokens seen), `val_loss` → `loss` (final validation loss), `unique_tokens` and `epochs` =
n_tokens / unique_tokens kept, `run_key` → `run` (unique; repeated seeds of one configuration
end in `seed1`...) and `name` → `config`, `c4_in_key` as released (the run key names C4). Losses rounded to 6 significant digits. Runs with epochs > 1 repeat data, so L(N, D)
alone misfits them; fit `epochs == 1` for the Chinchilla form.
""",
    )


def make_pythia(source: Path, out: Path) -> None:
    """Pythia: LAMBADA loss at 26 checkpoints of 16 models (Apache-2.0)."""
    raw = pd.read_csv(source / "pythia_v1_lambada_by_checkpoint.csv")
    raw = raw[raw["step"] > 0]
    tidy = pd.DataFrame(
        {
            "run": raw["model"],
            "size": raw["size"],
            "variant": raw["variant"],
            "n_params": raw["params_total"],
            "nonembedding_count": raw["params_nonembedding"],
            "step": raw["step"],
            "n_tokens": raw["tokens"],
            "loss": raw["lambada_nll"],
            "lambada_accuracy": raw["lambada_acc"],
        }
    )
    _write_rounded(tidy, out / "pythia_lambada_checkpoints.csv")
    shutil.copyfile(source / "LICENSE", out / "LICENSE")
    _provenance(
        out,
        """
# Pythia: LAMBADA loss by checkpoint (REAL data; NOT the language-modelling loss)

Source: https://github.com/EleutherAI/pythia, commit a19eecb807ec2c79a39ebf18108816e6ffffc1d5,
`evals/pythia-v1/<model>/zero-shot/<size>_step<N>.json` (lm-evaluation-harness outputs). Paper:
S. Biderman et al., "Pythia: A Suite for Analyzing Large Language Models Across Training and
Scaling", arXiv:2304.01373 (2023).

Licence: Apache-2.0 (`LICENSE`, copied from the repository). Changes (Apache-2.0 section 4b): the
JSON outputs were gathered into one table, columns renamed, step 0 dropped, values rounded.

Derived by `scripts/make_real_samples.py` into `pythia_lambada_checkpoints.csv`: `loss` is the
LAMBADA last-word negative
log-likelihood (`lambada_nll`), NOT the Pile loss the Pythia runs were trained on, so fits to it are
not comparable with the published laws. `n_tokens` = step x 2,097,152 (1,024 sequences of 2,048
tokens); `n_params` = total parameters and `nonembedding_count` = non-embedding parameters, both
computed from the README's layer counts and widths (70M: 70,426,624 / 18,915,328). 16 models (8
sizes, standard and deduplicated Pile) x 26 checkpoints. Step 0 (untrained) dropped. Values
rounded to 6 significant digits.
""",
    )


def _write_rounded(frame: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, lineterminator="\n", float_format="%.6g")


MAKERS = {
    "porian-2024": make_porian,
    "olmo-ladder": make_olmo_ladder,
    "gadre-2024": make_gadre,
    "gemstones-2025": make_gemstones,
    "muennighoff-2023": make_muennighoff,
    "pythia": make_pythia,
}


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
