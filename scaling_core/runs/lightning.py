"""PyTorch Lightning ``CSVLogger`` output: ``<name>/version_<n>/metrics.csv`` (the sorted union
of logged keys incl. ``step`` and ``epoch``; training and validation rows interleave with
blanks) and ``hparams.yaml`` beside it, read with PyYAML's safe loader as the run's config.
One run per folder, named ``<name>/version_<n>``.
"""

from __future__ import annotations

import os
from typing import Any

from scaling_core.runs.json_logs import check_nesting, flatten
from scaling_core.runs.limits import LIMITS
from scaling_core.runs.raw import RawTable, read_delimited
from scaling_core.runs.report import RunLogError


def is_lightning_metrics(name: str) -> bool:
    """``metrics.csv`` is the file name CSVLogger writes."""
    return os.path.basename(name) == "metrics.csv"


def read_hparams(data: bytes, source: str) -> dict[str, Any]:
    """hparams.yaml as a flat dict (dotted keys); unsafe YAML tags are refused with a message."""
    import yaml

    try:
        doc = yaml.safe_load(data.decode("utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        first = str(exc).splitlines()[0]
        raise RunLogError(f"{source}: cannot read the YAML ({first})") from exc
    except RecursionError:
        raise RunLogError(
            f"{source}: YAML nested more than {LIMITS.json_depth} levels deep; the limit is "
            f"{LIMITS.json_depth} levels"
        ) from None
    if isinstance(doc, (dict, list)):
        check_nesting(doc, source)
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise RunLogError(f"{source}: hparams.yaml holds a {type(doc).__name__}, not a mapping")
    return {k: v for k, v in flatten(doc).items() if isinstance(v, (int, float, str, bool))}


def _run_name(source: str) -> str:
    folder = os.path.dirname(source)
    version = os.path.basename(folder)
    name = os.path.basename(os.path.dirname(folder))
    return f"{name}/{version}" if name and version else version or source


def read_lightning(data: bytes, source: str, hparams: dict[str, Any] | None) -> list[RawTable]:
    """metrics.csv with its hparams.yaml (if given) as config."""
    frame, lines, _ = read_delimited(data, source)
    header_notes = list(frame.attrs.pop("notes", []))
    if frame.empty:
        raise RunLogError(f"{source}: metrics.csv has a header but no rows")
    table = RawTable(frame, source, "lightning", _run_name(source), lines, dict(hparams or {}))
    table.notes += header_notes
    if hparams is None:
        table.notes.append(f"{source}: no hparams.yaml beside it; no config read")
    return [table]
