"""TensorBoard event files (``events.out.tfevents.*``), read with TensorBoard's own
``EventAccumulator``: every scalar tag becomes a column, one row per step. Files in one folder
are one run (TensorBoard's convention), named after the folder. ``tensorboard`` is imported
only when an event file is read.
"""

from __future__ import annotations

import os
import tempfile

import numpy as np
import pandas as pd

from scaling_core.runs.raw import RawTable
from scaling_core.runs.report import RunLogError


def is_event_file(name: str) -> bool:
    """TensorBoard names its files ``events.out.tfevents.<time>.<host>...``."""
    return "tfevents" in os.path.basename(name)


def writer_of(name: str) -> tuple[str, str] | None:
    """(host, pid) of the process that wrote an event file, from its name ``events.out.
    tfevents.<time>.<host>.<pid>.<n>`` (one run's files share them; the host may hold dots),
    or None when the file is not named so."""
    parts = os.path.basename(name).partition("tfevents.")[2].split(".")
    if len(parts) < 4 or not parts[0].isdigit() or not parts[-2].isdigit():
        return None
    return ".".join(parts[1:-2]), parts[-2]


def _scalars(path: str) -> dict[str, list[tuple[int, float]]]:
    import logging

    from tensorboard.backend.event_processing import event_accumulator as ea
    from tensorboard.util import tensor_util

    logging.getLogger("tensorboard").setLevel(logging.ERROR)
    accumulator = ea.EventAccumulator(path, size_guidance={ea.SCALARS: 0, ea.TENSORS: 0})
    accumulator.Reload()
    tags = accumulator.Tags()
    out: dict[str, list[tuple[int, float]]] = {}
    for tag in tags.get("scalars", []):
        out[tag] = [(e.step, float(e.value)) for e in accumulator.Scalars(tag)]
    for tag in tags.get("tensors", []):
        points = []
        for event in accumulator.Tensors(tag):
            value = tensor_util.make_ndarray(event.tensor_proto)
            if value.size == 1 and np.issubdtype(value.dtype, np.number):
                points.append((event.step, float(value.reshape(-1)[0])))
        if points:
            out.setdefault(tag, points)
    return out


def read_event_files(files: list[tuple[str, bytes]], run: str) -> list[RawTable]:
    """The event files of one run (one folder) as one table: step plus one column per tag."""
    series: dict[str, dict[int, float]] = {}
    with tempfile.TemporaryDirectory(prefix="tb-") as folder:
        for i, (name, data) in enumerate(files):
            path = os.path.join(folder, f"events.out.tfevents.{i}")
            with open(path, "wb") as handle:
                handle.write(data)
            try:
                scalars = _scalars(path)
            except Exception as exc:  # a corrupt record raises from deep inside the reader
                raise RunLogError(f"{name}: not a readable TensorBoard event file ({exc})") from exc
            finally:
                os.remove(path)
            if not scalars:
                raise RunLogError(
                    f"{name}: no scalar values in this event file (truncated, empty, or not a "
                    "TensorBoard event file)"
                )
            for tag, points in scalars.items():
                column = series.setdefault(tag, {})
                for step, value in points:
                    column[step] = value  # a later file (a restart) overwrites a step
    frame = pd.DataFrame(series).sort_index()
    frame.index.name = "step"
    frame = frame.reset_index()
    source = files[0][0] if len(files) == 1 else os.path.dirname(files[0][0]) or files[0][0]
    table = RawTable(frame, source, "tensorboard", run, np.arange(1, len(frame) + 1))
    table.notes.append(f"{source}: TensorBoard rows are numbered by step order, not file lines")
    return [table]
