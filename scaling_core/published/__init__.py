"""The released sweeps the product ships: the catalogue (`catalogue`), their fits (`fits`) and
Porian et al.'s Table 1 recomputed from their points (`porian_live`)."""

from scaling_core.published.catalogue import (
    OTHER_REAL_LABELS,
    PUBLISHED_SWEEPS,
    SAMPLE_DIR,
    SWEEPS_BY_KEY,
    PublishedSweep,
    real_sample_paths,
    sweep_for_path,
)

__all__ = [
    "OTHER_REAL_LABELS",
    "PUBLISHED_SWEEPS",
    "SAMPLE_DIR",
    "SWEEPS_BY_KEY",
    "PublishedSweep",
    "real_sample_paths",
    "sweep_for_path",
]
