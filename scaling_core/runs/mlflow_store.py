"""MLflow file store: ``mlruns/<experiment>/<run_id>/metrics/<key>`` (one line per point,
``<timestamp_ms> <value> <step>``, two more fields when dataset-tagged), ``params/<key>`` (raw
strings, the run's config) and ``tags/mlflow.runName``. Layout as written by MLflow's
``FileStore`` (see ``FORMATS.md``). Each run becomes a table: ``step`` plus one column per metric.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from scaling_core.runs.raw import RawTable
from scaling_core.runs.report import RunLogError

_PART = re.compile(r"^(?P<run>(?:.*/)?[^/]+/[^/]+)/(?P<kind>metrics|params|tags)/(?P<key>.+)$")


def split_mlflow(names: list[str]) -> dict[str, dict[str, dict[str, str]]]:
    """``{run_dir: {kind: {key: member name}}}`` for members in an MLflow run layout."""
    runs: dict[str, dict[str, dict[str, str]]] = {}
    for name in names:
        match = _PART.match(name.replace("\\", "/"))
        if match:
            runs.setdefault(match["run"], {}).setdefault(match["kind"], {})[match["key"]] = name
    return {run: kinds for run, kinds in runs.items() if "metrics" in kinds}


def read_mlflow_run(
    run_dir: str, kinds: dict[str, dict[str, str]], data: dict[str, bytes]
) -> RawTable:
    """One run folder's metrics as a table (step, metrics) and its params as config."""
    columns: dict[str, dict[int, float]] = {}
    for key, member in kinds.get("metrics", {}).items():
        points: dict[int, float] = {}
        for number, line in enumerate(data[member].decode("utf-8", "replace").splitlines(), 1):
            fields = line.split()
            if not fields:
                continue
            if len(fields) not in (3, 5):
                raise RunLogError(
                    f"{member} line {number}: expected '<timestamp> <value> <step>', got "
                    f"{len(fields)} fields"
                )
            try:
                points[int(fields[2])] = float(fields[1])
            except ValueError as exc:
                raise RunLogError(f"{member} line {number}: {exc}") from exc
        columns[key] = points
    params = {
        key: data[member].decode("utf-8", "replace").strip()
        for key, member in kinds.get("params", {}).items()
    }
    tags = {
        key: data[member].decode("utf-8", "replace").strip()
        for key, member in kinds.get("tags", {}).items()
    }
    frame = pd.DataFrame(columns).sort_index()
    if frame.empty:
        raise RunLogError(f"{run_dir}: MLflow run has metric files but no points")
    frame.index.name = "step"
    frame = frame.reset_index()
    run = tags.get("mlflow.runName") or run_dir.rsplit("/", 1)[-1]
    table = RawTable(frame, run_dir, "mlflow", run, np.arange(1, len(frame) + 1), params)
    table.notes.append(f"{run_dir}: MLflow rows are numbered by step order")
    return table
