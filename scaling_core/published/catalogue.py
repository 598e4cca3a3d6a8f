"""The real sweeps the product ships (``sample_data/real/``) and what their authors report.

Each entry names the tidy file derived by ``scripts/make_real_samples.py``, the paper, the
licence, the columns that tell several sweeps of one file apart, the validation losses on offer
and the split used for a leave-out check.  The numbers the authors state and that their released
data determines are pinned in the tests (tests/test_published.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

#: Folder of the shipped samples (``sample_data/`` at the repository root).
SAMPLE_DIR: Path = Path(__file__).resolve().parents[2] / "sample_data"


@dataclass(frozen=True)
class PublishedSweep:
    """One shipped real sweep file and how to read it."""

    key: str
    path: str  # relative to sample_data/
    label: str
    paper: str
    arxiv: str
    licence: str
    what: str
    #: Column values that select the sweep shown by default (a file may hold several).
    default_where: dict[str, str] = field(default_factory=dict)
    #: Columns whose values tell the sweeps of the file apart.
    factors: tuple[str, ...] = ()
    #: What the ``loss`` column is, and the other loss columns (``loss_<set>``) on offer.
    loss_name: str = "validation loss"
    #: Fit the final point of each run (runs file) or the last checkpoint (curves file).
    curves: bool = False
    #: Leave-out check: fit runs with n_params below this, predict the others.
    holdout_below: float | None = None
    #: The published law its loss is comparable with (preset key), if any.
    compare_with: tuple[str, ...] = ()
    caveat: str = ""

    @property
    def file(self) -> Path:
        """Absolute path of the shipped file."""
        return SAMPLE_DIR / self.path

    @property
    def folder(self) -> Path:
        """Its folder (licence and PROVENANCE.md)."""
        return self.file.parent


PUBLISHED_SWEEPS: tuple[PublishedSweep, ...] = (
    PublishedSweep(
        key="olmo-ladder",
        path="real/olmo-ladder/olmo_ladder_curves.csv",
        label="OLMo model ladder (Bhagia et al. 2024)",
        paper="Bhagia, Liu et al. 2024, Establishing Task Scaling Laws via Compute-Efficient Model Ladders",
        arxiv="2412.04403",
        licence="Apache-2.0",
        what="5 sizes (190M-3B) x 0.5-10x Chinchilla tokens, checkpoints on 11 validation sets",
        default_where={"schedule": "cosine"},
        factors=("schedule",),
        loss_name="C4 (en) validation loss",
        curves=True,
        holdout_below=2e9,
        compare_with=("chinchilla-2022", "epoch-2024"),
    ),
    PublishedSweep(
        key="gadre-2024",
        path="real/gadre-2024/gadre2024_final_losses.csv",
        label="Over-training sweep (Gadre et al. 2024)",
        paper="Gadre et al. 2024, Language models scale reliably with over-training and on downstream tasks",
        arxiv="2403.08540",
        licence="MIT",
        what="104 final losses, 11M-6.9B parameters, 5-640 tokens per parameter, 3 datasets",
        default_where={"dataset": "c4_original"},
        factors=("dataset",),
        loss_name="C4 validation loss",
        holdout_below=1e9,
        compare_with=("chinchilla-2022", "epoch-2024"),
    ),
    PublishedSweep(
        key="gemstones-cooldown",
        path="real/gemstones-2025/gemstones_cooldown_ends.csv",
        label="Gemstones, cooled-down runs (McLeish et al. 2025)",
        paper="McLeish, Kirchenbauer et al. 2025, Gemstones: A Model Suite for Multi-Faceted Scaling Laws",
        arxiv="2502.06857",
        licence="MIT",
        what="20 models (50M-2B, widths 256-3072) cooled down at 10 lengths up to 100B tokens",
        loss_name="training loss at the end of each cooldown",
        holdout_below=1e9,
        compare_with=("chinchilla-2022", "epoch-2024"),
    ),
    PublishedSweep(
        key="muennighoff-2023",
        path="real/muennighoff-2023/datablations_final_val_losses.csv",
        label="Data-constrained runs (Muennighoff et al. 2023)",
        paper="Muennighoff et al. 2023, Scaling Data-Constrained Language Models",
        arxiv="2305.16264",
        licence="Apache-2.0",
        what="296 final losses, 7M-8.7B parameters, up to thousands of epochs of repeated data",
        default_where={"epochs": "1"},
        factors=("epochs",),
        loss_name="final validation loss",
        holdout_below=2e9,
        compare_with=("muennighoff-2023", "chinchilla-2022"),
        caveat="Runs that repeat data (epochs > 1) are not described by L(N, D); the default shows single-epoch runs.",
    ),
    PublishedSweep(
        key="porian-2024",
        path="real/porian-2024/porian2024_isoflop_points.csv",
        label="IsoFLOP points (Porian et al. 2024)",
        paper="Porian et al. 2024, Resolving Discrepancies in Compute-Optimal Scaling of Language Models",
        arxiv="2406.19146",
        licence="MIT",
        what="every IsoFLOP point of 15 configurations, 5M-900M parameters, 1.25e16-2.56e19 FLOP",
        default_where={
            "dataset": "rw",
            "hparams": "tuned",
            "warmup": "short",
            "decay": "const",
            "counting": "standard",
            "loss_type": "val",
        },
        factors=("dataset", "hparams", "warmup", "decay", "counting", "loss_type"),
        loss_name="loss at the budget (validation or smoothed training, see loss_type)",
        holdout_below=2e8,
        compare_with=("porian-2024-tuned", "chinchilla-2022-approach2"),
    ),
    PublishedSweep(
        key="pythia",
        path="real/pythia/pythia_lambada_checkpoints.csv",
        label="Pythia, LAMBADA loss (Biderman et al. 2023)",
        paper="Biderman et al. 2023, Pythia: A Suite for Analyzing Large Language Models",
        arxiv="2304.01373",
        licence="Apache-2.0",
        what="16 models (70M-12B), 26 checkpoints each, LAMBADA last-word loss",
        default_where={"variant": "standard"},
        factors=("variant",),
        loss_name="LAMBADA last-word loss (not the Pile loss)",
        curves=True,
        caveat="LAMBADA last-word loss, not the language-modelling loss: not comparable with the published laws.",
    ),
)

#: Same entries by key.
SWEEPS_BY_KEY: dict[str, PublishedSweep] = {s.key: s for s in PUBLISHED_SWEEPS}


def sweep_for_path(path: str) -> PublishedSweep | None:
    """The catalogue entry of a shipped file (path relative to sample_data/), if any."""
    for sweep in PUBLISHED_SWEEPS:
        if sweep.path == path:
            return sweep
    return None


#: Names of the shipped real files that are not catalogue sweeps (PROVENANCE.md of each folder).
OTHER_REAL_LABELS: dict[str, str] = {
    "real/gemstones-2025/gemstones_checkpoints.csv": (
        "Gemstones learning curves at constant LR (McLeish et al. 2025)"
    ),
    "real/olmo-ladder/olmo_ladder_downstream.csv": (
        "OLMo ladder task accuracy and bits per byte per checkpoint (Bhagia et al. 2024)"
    ),
    "real/pythia/pythia_lambada_checkpoints.csv": (
        "Pythia checkpoints, LAMBADA loss (Biderman et al. 2023)"
    ),
}


def real_sample_paths() -> list[str]:
    """Every shipped real CSV, catalogue entries first, then any other file under real/."""
    listed = [s.path for s in PUBLISHED_SWEEPS if s.file.is_file()]
    others = sorted(
        str(p.relative_to(SAMPLE_DIR)).replace("\\", "/")
        for p in (SAMPLE_DIR / "real").glob("*/*.csv")
    )
    return listed + [p for p in others if p not in listed]
