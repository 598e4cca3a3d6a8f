"""Hugging Face Transformers ``trainer_state.json``: the ``log_history`` entries (training rows
with ``loss``, evaluation rows with ``eval_loss``, a final row with ``train_loss``, the mean over
training, not a final loss), one run per file, named after the folder above ``checkpoint-*``.
Top-level fields (``train_batch_size``, ``num_input_tokens_seen``, ``total_flos``) become the
run's configuration. Key sets follow ``transformers`` ``TrainerState`` (see ``FORMATS.md``).
"""

from __future__ import annotations

import os
import posixpath
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scaling_core.runs.json_logs import flatten
from scaling_core.runs.limits import Limits
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


# ------------------------------------------------------------------ a Trainer's output_dir

#: TensorBoard's run folder under ``output_dir/runs/`` as the Trainer names it by default
#: (``logging_dir = output_dir/runs/<Mon><dd>_<HH-MM-SS>_<host>``).
_DATED_RUN = re.compile(r"^[A-Z][a-z]{2}\d{2}_\d{2}-\d{2}-\d{2}_")
#: Trainer ``output_dir`` members that are not logs and say nothing about the curve.
_FOLDER_FILES = ("config.json", "trainer_state.json")
#: Said of a run whose output folder has events but no ``trainer_state.json``.
UNFINISHED = (
    "events but no trainer_state.json (the Trainer writes one at each checkpoint and with "
    "save_state()): stopped before the end"
)


@dataclass
class OutputFolder:
    """One Trainer ``output_dir``: its trainer_state.json files (the folder's own first, then
    ``checkpoint-*`` copies), its model ``config.json`` and its TensorBoard event files."""

    folder: str
    states: list[str] = field(default_factory=list)
    config: str | None = None
    events: list[str] = field(default_factory=list)

    @property
    def run(self) -> str:
        """The run's name: the folder's (a loose trainer_state.json: its file stem)."""
        return posixpath.basename(self.folder) or self.folder


def _checkpoint_step(name: str) -> int:
    parent = posixpath.basename(posixpath.dirname(name))
    digits = parent.removeprefix("checkpoint-")
    return int(digits) if digits.isdigit() else -1


def output_folders(names: list[str], tensorboard: Any) -> dict[str, OutputFolder]:
    """The Trainer output folders among ``names`` (member names with ``/``).

    A folder is one when it holds ``trainer_state.json`` (itself or in ``checkpoint-*``), or
    TensorBoard events under ``runs/<dated folder>/`` or beside a ``config.json``. Loose
    ``trainer_state.json`` files given without a folder are each their own run."""
    folders: dict[str, OutputFolder] = {}
    configs = {posixpath.dirname(n) for n in names if posixpath.basename(n) == "config.json"}
    for name in names:
        base = posixpath.basename(name)
        parent = posixpath.dirname(name)
        if base == "trainer_state.json" or (base.startswith("trainer_state") and not parent):
            folder = parent
            if posixpath.basename(folder).startswith("checkpoint-"):
                folder = posixpath.dirname(folder)
            key = folder if folder else name.removesuffix(".json")
            folders.setdefault(key, OutputFolder(key)).states.append(name)
        elif tensorboard.is_event_file(name):
            holder = posixpath.dirname(parent)
            if posixpath.basename(holder) == "runs" and (
                _DATED_RUN.match(posixpath.basename(parent)) or posixpath.dirname(holder) in configs
            ):
                folder = posixpath.dirname(holder)
            elif parent in configs:
                folder = parent
            else:
                continue
            folders.setdefault(folder, OutputFolder(folder)).events.append(name)
    for folder in folders.values():
        folder.states.sort(
            key=lambda n: (posixpath.dirname(n) != folder.folder, -_checkpoint_step(n))
        )
        if folder.folder in configs:
            folder.config = posixpath.join(folder.folder, "config.json") if folder.folder else None
    return folders


def _stopped_early(doc: dict[str, Any], state: str) -> str:
    """Why a state file's run is unfinished ("" when it reached ``max_steps`` or says nothing):
    a checkpoint's copy, or a state saved before the last step."""
    step, planned = doc.get("global_step"), doc.get("max_steps")
    if not (isinstance(step, (int, float)) and isinstance(planned, (int, float)) and planned > 0):
        return ""
    if step >= planned:
        return ""
    return f"{state} stops at step {step:g} of max_steps {planned:g}: stopped before the end"


def _trainer_key(tag: str) -> str:
    """A TensorBoard tag back to the Trainer's log key: the Trainer's TensorBoard callback
    writes ``eval_loss`` as ``eval/loss`` and ``loss`` as ``train/loss``."""
    for prefix in ("eval", "test"):
        if tag.startswith(prefix + "/"):
            return f"{prefix}_{tag[len(prefix) + 1 :]}"
    return tag.removeprefix("train/")


def read_output_folder(
    folder: OutputFolder,
    data: dict[str, bytes],
    limits: Limits,
    tensorboard: Any,
    parse_json: Any,
) -> RawTable:
    """One output folder as one run: the final trainer_state.json's log_history (events and
    checkpoint copies hold the same points and are not read twice), else its TensorBoard events
    (marked unfinished); config.json and the state's top-level fields as the run's config."""
    notes: list[str] = []
    if folder.states:
        state = folder.states[0]
        doc = parse_json(data[state], state, limits)
        if not is_trainer_state(doc):
            raise RunLogError(f"{state}: no log_history list; not a Trainer state file")
        table = read_trainer_state(doc, state)[0]
        table.notes = []
        table.unfinished = _stopped_early(doc, state)
        if table.unfinished:
            notes.append(f"{folder.run}: unfinished run ({table.unfinished})")
        table.source = folder.folder if posixpath.dirname(state) else state
        skipped = folder.states[1:] + folder.events
        if skipped:
            notes.append(
                f"{folder.run}: read from {state}; {len(skipped)} other file"
                f"{'' if len(skipped) == 1 else 's'} of the folder (TensorBoard events, "
                "checkpoint copies) hold the same points and are not read twice"
            )
    else:
        table = tensorboard.read_event_files(
            [(n, data[n]) for n in sorted(folder.events)], folder.run
        )[0]
        table.frame.columns = [_trainer_key(str(c)) for c in table.frame.columns]
        table.source = folder.folder
        table.fmt = "hf-trainer-events"
        table.unfinished = UNFINISHED
        notes.append(f"{folder.run}: unfinished run ({UNFINISHED})")
    table.run = folder.run
    if folder.config:
        doc = parse_json(data[folder.config], folder.config, limits)
        if isinstance(doc, dict):
            for key, value in flatten(doc).items():
                if isinstance(value, (int, float, str, bool)) and value is not None:
                    table.config.setdefault(key, value)
    table.notes = notes
    return table
