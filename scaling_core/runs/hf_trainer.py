"""Hugging Face Transformers ``trainer_state.json``: the ``log_history`` entries (training rows
with ``loss``, evaluation rows with ``eval_loss``, a final row with ``train_loss``, the mean over
training, not a final loss), one run per file, named after the folder above ``checkpoint-*``.
Top-level fields (``train_batch_size``, ``num_input_tokens_seen``, ``total_flos``) become the
run's configuration. Key sets follow ``transformers`` ``TrainerState`` (see ``FORMATS.md``).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd

from scaling_core.runs.raw import RawTable
from scaling_core.runs.report import RunLogError


def is_trainer_state(doc: Any) -> bool:
    """Whether a parsed JSON document is a trainer_state.json."""
    return isinstance(doc, dict) and isinstance(doc.get("log_history"), list)


def _run_name(source: str) -> str:
    folder = os.path.dirname(source)
    parent = os.path.basename(folder)
    if parent.startswith("checkpoint-") and os.path.dirname(folder):
        parent = os.path.basename(os.path.dirname(folder))
    return parent or os.path.basename(source)


def read_trainer_state(doc: dict[str, Any], source: str) -> list[RawTable]:
    """The log_history as rows; evaluation and training entries interleave (sparse columns)."""
    entries = [e for e in doc["log_history"] if isinstance(e, dict)]
    if not entries:
        raise RunLogError(f"{source}: trainer_state.json has an empty log_history (nothing logged)")
    frame = pd.json_normalize(entries, sep=".")
    if "train_loss" in frame:
        # The final entry's train_loss is the mean over all of training; keep it out of the
        # loss candidates by naming it for what it is.
        frame = frame.rename(columns={"train_loss": "train_loss_mean_over_training"})
    config = {
        k: v
        for k, v in doc.items()
        if k != "log_history" and isinstance(v, (int, float, str, bool)) and v is not None
    }
    table = RawTable(
        frame, source, "hf-trainer-state", _run_name(source), np.arange(1, len(frame) + 1), config
    )
    table.notes.append(f"{source}: log_history entry numbers are given instead of line numbers")
    return [table]
