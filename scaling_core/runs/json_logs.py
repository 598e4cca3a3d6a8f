"""JSON Lines and JSON logs: records (a list of objects, or one object per line) and single
nested objects, flattened with dotted keys (``hyperparameters.params``; list items by index,
``results.0.loss``), read with the standard ``json`` module and `pandas.json_normalize`.

A list of objects often holds one evaluation per item: Gadre et al. 2024's run files
(arXiv:2403.08540) list the final checkpoint's loss on eight validation sets as ``results.0``
... ``results.7``, each naming its set in ``val_data`` and its size in ``tokens``.
`list_item_sets` reads those names, so that ``results.1.loss`` can be shown as C4 eval's loss.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from scaling_core.runs.limits import LIMITS, Limits
from scaling_core.runs.loss_lists import last_of_loss_lists
from scaling_core.runs.raw import RawTable, RecordTable, run_name_from_path
from scaling_core.runs.report import RunLogError, _show


def _number_hook(convert: type, limits: Limits, source: str) -> Any:
    """A json ``parse_int``/``parse_float`` that refuses numbers longer than the limit (Python
    refuses to convert integers of more than 4,300 digits, with a message about its own
    settings; a user needs to hear which file holds the number)."""

    def parse(text: str) -> Any:
        if len(text) > limits.number_chars:
            raise RunLogError(
                f"{source}: a number of {len(text):,} characters ({_show(text, 24)}); the limit "
                f"is {limits.number_chars} characters per number"
            )
        return convert(text)

    return parse


def check_nesting(value: Any, source: str, limits: Limits = LIMITS) -> None:
    """Refuse a parsed document nested deeper than ``limits.json_depth`` levels or holding more
    values than ``limits.cells`` (YAML aliases can make a small file a huge tree); walked
    without recursion, so the check itself cannot overflow the stack."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    seen = 0
    while stack:
        item, depth = stack.pop()
        if depth > limits.json_depth:
            raise RunLogError(
                f"{source}: nested more than {limits.json_depth} levels deep; the limit is "
                f"{limits.json_depth} levels"
            )
        children = item.values() if isinstance(item, dict) else item
        for child in children:
            seen += 1
            if isinstance(child, (dict, list)):
                stack.append((child, depth + 1))
        if seen > limits.cells:
            raise RunLogError(
                f"{source}: more than {limits.cells:,} values; the limit is {limits.cells:,} "
                "cells per upload"
            )


def loads(text: str, source: str, limits: Limits = LIMITS, repeated: set[str] | None = None) -> Any:
    """`json.loads` within the limits on nesting and number length; `json.JSONDecodeError`
    for text that is not JSON, `RunLogError` past the limits (the file is refused).

    A key repeated within one object keeps every value: the first under its name, the next
    as ``key.1``, ``key.2`` (as pandas names repeated CSV headers), and the key is added to
    ``repeated`` so the reader can say so (plain `json.loads` keeps the last in silence)."""

    def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out = dict(pairs)
        if len(out) == len(pairs):
            return out
        out = {}
        for key, value in pairs:
            name, n = key, 0
            while name in out:
                n += 1
                name = f"{key}.{n}"
            if n and repeated is not None:
                repeated.add(key)
            out[name] = value
        return out

    try:
        value = json.loads(
            text,
            parse_int=_number_hook(int, limits, source),
            parse_float=_number_hook(float, limits, source),
            object_pairs_hook=pairs_hook,
        )
    except RecursionError:
        raise RunLogError(
            f"{source}: JSON nested more than {limits.json_depth} levels deep; the limit is "
            f"{limits.json_depth} levels"
        ) from None
    if isinstance(value, (dict, list)):
        check_nesting(value, source, limits)
    return value


def repeated_keys_note(source: str, repeated: set[str]) -> list[str]:
    """The note for keys repeated within an object (see `loads`), or none."""
    if not repeated:
        return []
    names = sorted(repeated)
    shown = ", ".join(repr(n) for n in names[:5]) + ("…" if len(names) > 5 else "")
    return [
        f"{source}: an object repeats the key {shown}; every value is kept, the later ones "
        "as key.1, key.2"
    ]


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


def _records_frame(records: list[dict[str, Any]], source: str) -> tuple[pd.DataFrame, list[str]]:
    """The records as one frame (nested keys dotted), and notes on loss lists read
    (`scaling_core.runs.loss_lists`)."""
    frame, notes = last_of_loss_lists(pd.json_normalize(records, sep="."), source)
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
    return frame, notes


def read_json_lines(data: bytes, source: str, limits: Limits = LIMITS) -> list[RawTable]:
    """One object per line; a line that is not a JSON object is reported, the others kept.
    A line past the limits on nesting or number length refuses the file, naming the line."""
    records: list[dict[str, Any]] = []
    lines: list[int] = []
    bad: list[str] = []
    repeated: set[str] = set()
    for number, line in enumerate(_text(data, source).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = loads(line, f"{source} line {number}", limits, repeated)
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
    frame, list_notes = _records_frame(records, source)
    table = RawTable(frame, source, "jsonl", run_name_from_path(source), np.asarray(lines))
    table.notes += list_notes
    if bad:
        more = f" and {len(bad) - 3} more" if len(bad) > 3 else ""
        table.notes.append(
            f"{source}: skipped {len(bad)} lines that are not JSON objects: "
            + "; ".join(bad[:3])
            + more
        )
    table.notes += repeated_keys_note(source, repeated)
    return [table]


#: Python's JSON errors in words (its messages read as the start of a sentence it does not
#: finish: "Unterminated string starting at").
_JSON_ERRORS = {
    "Unterminated string starting at": "a string starts here and is never closed",
    "Expecting ',' delimiter": "a comma is missing here",
    "Expecting ':' delimiter": "a colon is missing here",
    "Expecting value": "a value is missing here",
    "Expecting property name enclosed in double quotes": "a key in double quotes is missing here",
    "Extra data": "more text follows the end of the document here",
    "Invalid control character at": "a control character (such as a raw line break) in a string",
}


def parse_json(
    data: bytes, source: str, limits: Limits = LIMITS, repeated: set[str] | None = None
) -> Any:
    """The parsed document, or one line naming where it breaks (keys repeated within an
    object are added to ``repeated``; see `loads`)."""
    try:
        return loads(_text(data, source), source, limits, repeated)
    except json.JSONDecodeError as exc:
        tail = data.rstrip()[-1:]
        end = (
            " (the file looks truncated: it does not end with } or ])"
            if tail not in (b"}", b"]")
            else ""
        )
        what = _JSON_ERRORS.get(exc.msg, exc.msg)
        if end and exc.lineno >= exc.doc.rstrip().count("\n") + 1:  # breaks on its last line
            what = "the document stops here, unfinished"  # not what Python expected next
        raise RunLogError(
            f"{source}: not valid JSON at line {exc.lineno}, column {exc.colno}: {what}{end}"
        ) from exc


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
        frame, list_notes = _records_frame(records, source)
        table = RawTable(frame, source, "json", name, np.arange(1, len(frame) + 1))
        table.notes += list_notes
        return [table]
    if isinstance(doc, dict):
        lists = [v for v in doc.values() if isinstance(v, list)]
        columnar = doc and len(lists) == len(doc) and len({len(v) for v in lists}) == 1
        if columnar and not any(isinstance(x, (dict, list)) for v in lists for x in v[:5]):
            frame = pd.DataFrame(doc)
            return [RawTable(frame, source, "json", name, np.arange(1, len(frame) + 1))]
        return [RecordTable(None, source, "json", name, np.asarray([1]), record=flatten(doc))]
    raise RunLogError(f"{source}: JSON holds a {type(doc).__name__} ({_show(doc)}), not records")


_ITEM = re.compile(r"^(?P<list>.+)\.(?P<index>\d+)\.(?P<field>[^.]+)$")
#: Fields of a list item that name the data it was evaluated on, most telling first.
_SET_FIELDS = ("val_data", "eval_data", "eval_set", "dataset", "dataset_name", "data", "split")
#: Fields of a list item that count the tokens it was evaluated on.
_TOKEN_FIELDS = ("tokens", "n_tokens", "num_tokens", "eval_tokens")


@dataclass(frozen=True)
class ItemSet:
    """The evaluation set of one list item: a short ``name``, the ``field`` and full ``value``
    it came from, and the ``tokens`` evaluated (NaN when the item does not say)."""

    name: str
    field: str
    value: str
    tokens: float

    @property
    def label(self) -> str:
        """``c4_val, 174,077,952 tokens``."""
        size = f", {self.tokens:,.0f} tokens" if np.isfinite(self.tokens) else ""
        return f"{self.name}{size}"


def _first_text(column: pd.Series) -> str | None:
    values = column.dropna()
    return None if values.empty else str(values.iloc[0])


def _set_name(value: str) -> str:
    """``["training/eval_data/c4_val/shard-{0..10}.tar"]`` → ``c4_val``: the folder of a data
    file (as the authors' own loader names Gadre et al.'s sets), else the value itself."""
    text = value
    try:
        parsed = json.loads(value)
    except (json.JSONDecodeError, TypeError):
        parsed = None
    if isinstance(parsed, list) and parsed and isinstance(parsed[0], str):
        text = parsed[0]
    parts = [p for p in text.replace("\\", "/").split("/") if p]
    if len(parts) >= 2 and "." in parts[-1]:
        return parts[-2]
    return parts[-1] if parts else text


def list_item_sets(frame: pd.DataFrame, headers: Sequence[str]) -> dict[str, ItemSet]:
    """For each header ``<list>.<i>.<field>`` whose list items name different evaluation sets
    (a field of `_SET_FIELDS`, text, a different value per item), that item's set.

    >>> frame = pd.DataFrame([flatten({"results": [
    ...     {"loss": 4.2, "tokens": 245760, "val_data": ["eval/openlm/shard_0.tar"]},
    ...     {"loss": 3.5, "tokens": 174077952, "val_data": ["eval/c4_val/shard-0.tar"]}]})])
    >>> list_item_sets(frame, ["results.0.loss", "results.1.loss"])["results.1.loss"].label
    'c4_val, 174,077,952 tokens'
    """
    items: dict[str, dict[str, str]] = {}  # list -> index -> header, for the headers asked about
    for header in headers:
        match = _ITEM.match(str(header))
        if match:
            items.setdefault(match["list"], {})[match["index"]] = str(header)
    out: dict[str, ItemSet] = {}
    for name, by_index in items.items():
        if len(by_index) < 2:
            continue
        for field in _SET_FIELDS:
            columns = {i: f"{name}.{i}.{field}" for i in by_index}
            if not all(c in frame.columns for c in columns.values()):
                continue
            values = {i: _first_text(frame[c]) for i, c in columns.items()}
            if None in values.values() or len(set(values.values())) < len(values):
                continue
            for i, header in by_index.items():
                tokens = math.nan
                for token_field in _TOKEN_FIELDS:
                    column = f"{name}.{i}.{token_field}"
                    if column in frame.columns:
                        counts = pd.to_numeric(frame[column], errors="coerce")
                        if counts.notna().any():
                            tokens = float(counts.median())
                            break
                value = str(values[i])
                out[header] = ItemSet(_set_name(value), f"{name}.{i}.{field}", value, tokens)
            break
    return out
