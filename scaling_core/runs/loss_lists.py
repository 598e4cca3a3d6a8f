"""A loss logged as a list of evaluations inside one record: the run's final loss is the last.

Some sweeps write one JSON record per run with the run's evaluations in order as a list:
Pandey 2024's gzip sweep (arXiv:2405.16684, as collected in IBM's ColPret) has
``"valid_loss": [10.03, 10.02]`` and ``"train_loss": [...]`` beside ``model_size`` and
``token_ct``.  Read as text such a cell is no number; read as the list it is, its last item
is the loss at the end of training.  Only columns named like a loss (loss, nll, ppl,
perplexity) whose every non-blank cell is a non-empty list of numbers are read this way, and
the report says so.

>>> import pandas as pd
>>> frame = pd.DataFrame({"valid_loss": [[3.2, 3.0], [2.9, 2.7, 2.5]], "gzip": [[0.1, 0.2]] * 2})
>>> out, notes = last_of_loss_lists(frame, "runs.jsonl")
>>> out["valid_loss"].tolist(), out["gzip"].tolist()
([3.0, 2.5], [[0.1, 0.2], [0.1, 0.2]])
"""

from __future__ import annotations

import math
import re
from typing import Any

import pandas as pd

_LOSS_NAME = re.compile(r"loss|nll|ppl|perplexity", re.I)


def _numbers(value: Any) -> bool:
    """A non-empty list of finite numbers (booleans are no numbers)."""
    return (
        isinstance(value, list)
        and bool(value)
        and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
            for v in value
        )
    )


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def last_of_loss_lists(frame: pd.DataFrame, source: str) -> tuple[pd.DataFrame, list[str]]:
    """``frame`` with each loss column of number lists replaced by each list's last item, and
    the notes that say which columns and how long their lists are."""
    notes: list[str] = []
    out = frame
    for column in frame.columns:
        if frame[column].dtype != object or not _LOSS_NAME.search(str(column)):
            continue
        cells = frame[column]
        lists = cells.map(_numbers)
        if not lists.any() or not (lists | cells.map(_blank)).all():
            continue
        lengths = cells[lists].map(len)
        out = out.copy() if out is frame else out
        out[column] = [float(v[-1]) if ok else math.nan for v, ok in zip(cells, lists, strict=True)]
        span = (
            f"{lengths.min():,}"
            if lengths.min() == lengths.max()
            else f"{lengths.min():,}-{lengths.max():,}"
        )
        notes.append(
            f"{source}: {column!r} holds a list of {span} evaluations per record, in the order "
            f"logged; the last of each is read as the record's final {column}"
        )
    return out, notes
