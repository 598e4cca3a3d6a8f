"""Which reader a file needs, chosen by name and content; one entry for paths and uploads.

Each format is one module (``csv_logs`` incl. W&B CSV exports, ``json_logs``, ``hf_trainer``,
``lightning``, ``tensorboard_logs``, ``mlflow_store``; ``archive`` for zips and folders); a new
tracker format is a new module plus one branch in `_read_one`. A file that cannot be read is
listed with its message and the others are still read; a file that is no log at all (a licence,
a README) is listed as skipped.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass, field

from scaling_core.runs import (
    archive,
    csv_logs,
    hf_trainer,
    json_logs,
    lightning,
    mlflow_store,
    tensorboard_logs,
)
from scaling_core.runs.limits import LIMITS, LimitExceeded, Limits, ReadBudget, delimited_shape
from scaling_core.runs.raw import RawTable
from scaling_core.runs.report import RunLogError

_TEXT_TABLES = (".csv", ".tsv", ".txt", ".dat", ".tab")
_NOT_LOGS = (
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".pdf",
    ".pt",
    ".bin",
    ".safetensors",
    ".ckpt",
    ".pkl",
    ".pickle",
    ".xz",
    ".npy",
    ".npz",
    ".h5",
    ".ipynb",
    ".py",
    ".md",
    ".html",
)


@dataclass
class SourceSet:
    """The tables read from everything given, files skipped (with why) and files that failed."""

    tables: list[RawTable] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)
    #: Names given to more than one file, and how they were told apart (all were read).
    renamed: list[tuple[str, str]] = field(default_factory=list)

    @property
    def formats(self) -> dict[str, int]:
        """How many tables of each format were read."""
        counts: dict[str, int] = {}
        for table in self.tables:
            counts[table.fmt] = counts.get(table.fmt, 0) + 1
        return counts


def _read_one(
    name: str, data: bytes, hparams: dict[str, dict], limits: Limits = LIMITS
) -> list[RawTable]:
    lower = name.lower()
    if lower.endswith((".jsonl", ".ndjson")):
        return json_logs.read_json_lines(data, name, limits)
    if _is_json(name, data):
        repeated: set[str] = set()
        doc = json_logs.parse_json(data, name, limits, repeated)
        if hf_trainer.is_trainer_state(doc):
            tables = hf_trainer.read_trainer_state(doc, name)
        else:
            tables = json_logs.read_json(data, name, doc)
        if tables:
            tables[0].notes += json_logs.repeated_keys_note(name, repeated)
        return tables
    if lightning.is_lightning_metrics(name):
        return lightning.read_lightning(data, name, hparams.get(posixpath.dirname(name)))
    return csv_logs.read_csv_log(data, name)


def _skip_reason(name: str) -> str | None:
    base = posixpath.basename(name).lower()
    if base in archive.SKIP_NAMES or base.startswith("license") or base.startswith("._"):
        return "not a run log (licence, readme or metadata)"
    if "__macosx/" in name.lower():
        return "macOS archive metadata"
    if base.endswith(_NOT_LOGS):
        return "not a run log format (" + os.path.splitext(base)[1] + ")"
    if base.endswith((".yaml", ".yml")):
        return "a config file without a Lightning metrics.csv beside it"
    return None


def read_sources(
    items: Sequence[tuple[str, bytes]],
    budget: ReadBudget | None = None,
    *,
    given_counted: bool = False,
) -> SourceSet:
    """Read uploads or files given as (name, bytes); zips are opened (safely) first.

    Everything is charged to one `ReadBudget` (a new one unless given): the files as given
    (unless ``given_counted``: `read_paths` counted them from disk), every file and archive
    member once expanded, and every table's rows and cells.  The first limit crossed raises
    `LimitExceeded` for the whole read; a file that is merely unreadable is listed in
    ``problems`` and the others are still read."""
    out = SourceSet()
    budget = ReadBudget() if budget is None else budget
    files: list[tuple[str, bytes]] = []
    for name, data in items:
        name = name.replace("\\", "/")
        if not given_counted:
            budget.add_given(name, len(data))
        if archive.is_zip(name, data):
            try:
                members = archive.read_zip(data, name, budget)
            except LimitExceeded:
                raise
            except RunLogError as exc:
                out.problems.append((name, str(exc)))
                continue
            for member, content in members:
                if archive.is_zip(member, content):
                    out.skipped.append((member, "a zip inside a zip; unpack it first"))
                else:
                    files.append((member, content))
        elif archive.is_gzip(data):
            try:
                inner, content = archive.read_gzip(data, name, budget)
            except LimitExceeded:
                raise
            except RunLogError as exc:
                out.problems.append((name, str(exc)))
                continue
            if archive.is_zip(inner, content) or archive.is_gzip(content):
                out.skipped.append((name, "an archive inside a gzip file; unpack it first"))
            else:
                files.append((inner, content))
        else:
            budget.add_expanded(name, len(data))
            files.append((name, data))
    files = _distinct_names(files, out)
    names = [n for n, _ in files]
    data_by_name = dict(files)
    mlflow_runs = mlflow_store.split_mlflow(names)
    claimed: set[str] = set()
    for run_dir, kinds in sorted(mlflow_runs.items()):
        members = {m for kind in kinds.values() for m in kind.values()}
        claimed |= members
        try:
            table = mlflow_store.read_mlflow_run(run_dir, kinds, data_by_name)
        except RunLogError as exc:
            out.problems.append((run_dir, str(exc)))
        else:
            _charge(budget, [table])
            out.tables.append(table)
    hparams: dict[str, dict] = {}
    metrics_dirs = {posixpath.dirname(n) for n in names if lightning.is_lightning_metrics(n)}
    for name in names:
        if posixpath.basename(name) == "hparams.yaml" and posixpath.dirname(name) in metrics_dirs:
            claimed.add(name)
            try:
                hparams[posixpath.dirname(name)] = lightning.read_hparams(data_by_name[name], name)
            except RunLogError as exc:
                out.problems.append((name, str(exc)))
    for folder in hf_trainer.output_folders(names, tensorboard_logs).values():
        members = [*folder.states, *folder.events, *([folder.config] if folder.config else [])]
        claimed |= set(members)
        try:
            table = hf_trainer.read_output_folder(
                folder, data_by_name, budget.limits, tensorboard_logs, json_logs.parse_json
            )
        except LimitExceeded:
            raise
        except RunLogError as exc:
            out.problems.append((folder.folder or members[0], str(exc)))
        else:
            _charge(budget, [table])
            out.tables.append(table)
    # A run's event files share its folder; files given without one (uploaded alone) are
    # grouped by the process that wrote them, so two runs' files are not read as one.
    events: dict[tuple[str, ...], list[tuple[str, bytes]]] = {}
    for name in names:
        if name not in claimed and tensorboard_logs.is_event_file(name):
            folder = posixpath.dirname(name)
            writer = None if folder else tensorboard_logs.writer_of(name)
            key = (folder,) if folder else ("", *(writer or (name,)))
            events.setdefault(key, []).append((name, data_by_name[name]))
            claimed.add(name)
    for key, group in sorted(events.items()):
        folder = key[0]
        run = posixpath.basename(folder) or posixpath.basename(group[0][0]).rsplit(".", 1)[0]
        try:
            tables = tensorboard_logs.read_event_files(group, run)
        except RunLogError as exc:
            out.problems.append((folder or group[0][0], str(exc)))
        else:
            if not folder and len(key) == 3:
                tables[0].notes.append(
                    f"{', '.join(n for n, _ in group)}: event files without their run folder, "
                    f"read as one run per process that wrote them (host {key[1]}, pid "
                    f"{key[2]}); upload the run folders, zipped, to keep the runs' names"
                )
            _charge(budget, tables)
            out.tables += tables
    for name, data in files:
        if name in claimed:
            continue
        reason = _skip_reason(name)
        if reason:
            out.skipped.append((name, reason))
            continue
        estimate = _estimate_rows(name, data)
        if estimate:
            budget.add_rows(name, *estimate, estimate=True)  # refused before it is parsed
        try:
            tables = _read_one(name, data, hparams, budget.limits)
        except LimitExceeded:
            raise
        except RunLogError as exc:
            out.problems.append((name, str(exc)))
            tables = []
        if estimate:
            budget.take_back_rows(*estimate)
        _charge(budget, tables)
        out.tables += tables
    _unique_run_names(out.tables)
    return out


def _distinct_names(files: list[tuple[str, bytes]], out: SourceSet) -> list[tuple[str, bytes]]:
    """Files given under one name (two uploads both called ``trainer_state.json``) are told
    apart as ``name (2).ext`` and so on, never merged or dropped; the notes say so."""
    seen: dict[str, int] = {}
    distinct = []
    for name, data in files:
        count = seen.get(name, 0) + 1
        seen[name] = count
        if count > 1:
            stem, ext = os.path.splitext(name)
            name = f"{stem} ({count}){ext}"
        distinct.append((name, data))
    repeated = sorted(n for n, c in seen.items() if c > 1)
    if repeated:
        out.renamed += [
            (
                n,
                f"{seen[n]} files share this name; all read, as separate runs numbered (2), (3), ...",
            )
            for n in repeated
        ]
    return distinct


def _is_json(name: str, data: bytes) -> bool:
    lower = name.lower()
    return lower.endswith((".json", ".jsonl", ".ndjson")) or (
        not os.path.splitext(lower)[1] and data.lstrip()[:1] in (b"{", b"[")
    )


def _estimate_rows(name: str, data: bytes) -> tuple[int, int] | None:
    """(rows, columns) of a file counted on its bytes, for the formats where lines are rows:
    delimited text (data lines, header fields) and JSON Lines (lines, one column)."""
    lower = name.lower()
    if lower.endswith((".jsonl", ".ndjson")):
        return data.count(b"\n") + (0 if data.endswith(b"\n") else 1), 1
    if _is_json(name, data):
        return None
    return delimited_shape(data)


def _charge(budget: ReadBudget, tables: Sequence[RawTable]) -> None:
    """Charge the exact rows and columns of parsed tables to the read's budget."""
    for table in tables:
        budget.add_rows(table.source, *table.shape)


def _unique_run_names(tables: list[RawTable]) -> None:
    """Two files that would give one run name are told apart by their paths."""
    seen: dict[str, int] = {}
    for table in tables:
        seen[table.run] = seen.get(table.run, 0) + 1
    for table in tables:
        if seen[table.run] > 1 and table.fmt == "lightning":
            table.run = posixpath.dirname(table.source)  # the run is the version folder
        elif seen[table.run] > 1:
            stem = table.source
            for ext in (".csv", ".tsv", ".jsonl", ".json", ".txt"):
                stem = stem.removesuffix(ext)
            table.run = stem


#: Files that every run of a tracker names alike: given one by one, they keep their folder.
_GENERIC_NAMES = ("trainer_state.json", "metrics.csv", "hparams.yaml", "config.json")


def _given_name(path: str) -> str:
    """A file's name for the read: its base name, or ``folder/name`` for the names every run
    of a tracker shares (``gpt-a/trainer_state.json``), so that each stays its own run."""
    base = os.path.basename(path)
    if base in _GENERIC_NAMES or tensorboard_logs.is_event_file(base):
        folder = os.path.basename(os.path.dirname(os.path.abspath(path)))
        return f"{folder}/{base}" if folder else base
    return base


def read_paths(paths: Sequence[str | os.PathLike]) -> SourceSet:
    """Read files, folders (every file under them) and zips from disk."""
    budget = ReadBudget()
    items: list[tuple[str, bytes]] = []
    for path in paths:
        path = os.fspath(path)
        if os.path.isdir(path):
            items += archive.read_folder(path, budget)
        elif os.path.exists(path):
            items.append((_given_name(path), archive.read_file(path, budget)))
        else:
            raise RunLogError(f"no such file or folder: {path!r}")
    if not items:
        raise RunLogError("no files found in " + ", ".join(repr(os.fspath(p)) for p in paths))
    return read_sources(items, budget, given_counted=True)
