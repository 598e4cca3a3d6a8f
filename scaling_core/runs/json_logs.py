"""JSON Lines and JSON logs: records (a list of objects, or one object per line) and single
nested objects, flattened with dotted keys (``hyperparameters.params``; list items by index,
``results.0.loss``), read with the standard ``json`` module and `pandas.json_normalize`.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from scaling_core.runs.raw import RawTable, run_name_from_path
from scaling_core.runs.report import RunLogError, _show


def _text(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RunLogError(
            f"{source}: not UTF-8 text (byte {exc.start:,}); JSON must be UTF-8"
        ) from exc


def flatten(value: Any, prefix: str = "", out: dict[str, Any] | None = None) -> dict[str, Any]:
    """Nested objects to one level with dotted keys; lists of objects by index; other lists as text."""
    out = {} if out is None else out
    if isinstance(value, dict):
        for key, item in value.items():
            flatten(item, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        for i, item in enumerate(value):
            flatten(item, f"{prefix}.{i}" if prefix else str(i), out)
    elif isinstance(value, list):
        out[prefix or "value"] = json.dumps(value)[:200]
    else:
        out[prefix or "value"] = value
    return out


def _records_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.json_normalize(records, sep=".")
    nested = [
        c
        for c in frame.columns
        if frame[c].dtype == object and frame[c].map(lambda v: isinstance(v, (list, dict))).any()
    ]
    if nested:
        flat = pd.DataFrame(
            [
                flatten({c: r for c, r in zip(nested, row, strict=True)})
                for row in frame[nested].itertuples(index=False)
            ]
        )
        frame = pd.concat([frame.drop(columns=nested), flat], axis=1)
    return frame


def read_json_lines(data: bytes, source: str) -> list[RawTable]:
    """One object per line; a line that is not a JSON object is reported, the others kept."""
    records: list[dict[str, Any]] = []
    lines: list[int] = []
    bad: list[str] = []
    for number, line in enumerate(_text(data, source).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            bad.append(f"line {number}: {exc.msg} at column {exc.colno}")
            continue
        if not isinstance(record, dict):
            bad.append(f"line {number}: a {type(record).__name__}, not an object")
            continue
        records.append(record)
        lines.append(number)
    if not records:
        first = f" ({bad[0]})" if bad else ""
        raise RunLogError(f"{source}: no JSON object lines{first}")
    table = RawTable(
        _records_frame(records), source, "jsonl", run_name_from_path(source), np.asarray(lines)
    )
    if bad:
        more = f" and {len(bad) - 3} more" if len(bad) > 3 else ""
        table.notes.append(
            f"{source}: skipped {len(bad)} lines that are not JSON objects: "
            + "; ".join(bad[:3])
            + more
        )
    return [table]


def parse_json(data: bytes, source: str) -> Any:
    """The parsed document, or one line naming where it breaks."""
    try:
        return json.loads(_text(data, source))
    except json.JSONDecodeError as exc:
        tail = data.rstrip()[-1:]
        end = (
            " (the file looks truncated: it does not end with } or ])"
            if tail not in (b"}", b"]")
            else ""
        )
        raise RunLogError(
            f"{source}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}{end}"
        ) from exc
    except RecursionError as exc:
        raise RunLogError(f"{source}: JSON nested too deeply") from exc


def read_json(data: bytes, source: str, document: Any | None = None) -> list[RawTable]:
    """A JSON array of records, an object of equal-length columns, or one nested object (one run)."""
    doc = parse_json(data, source) if document is None else document
    name = run_name_from_path(source)
    if isinstance(doc, list):
        records = [r for r in doc if isinstance(r, dict)]
        if not records:
            raise RunLogError(f"{source}: a JSON array without objects; expected records")
        if len(records) < len(doc):
            raise RunLogError(
                f"{source}: item {next(i for i, r in enumerate(doc) if not isinstance(r, dict))} "
                "of the JSON array is not an object"
            )
        frame = _records_frame(records)
        return [RawTable(frame, source, "json", name, np.arange(1, len(frame) + 1))]
    if isinstance(doc, dict):
        lists = [v for v in doc.values() if isinstance(v, list)]
        columnar = doc and len(lists) == len(doc) and len({len(v) for v in lists}) == 1
        if columnar and not any(isinstance(x, (dict, list)) for v in lists for x in v[:5]):
            frame = pd.DataFrame(doc)
            return [RawTable(frame, source, "json", name, np.arange(1, len(frame) + 1))]
        frame = pd.DataFrame([flatten(doc)])
        return [RawTable(frame, source, "json", name, np.asarray([1]))]
    raise RunLogError(f"{source}: JSON holds a {type(doc).__name__} ({_show(doc)}), not records")
