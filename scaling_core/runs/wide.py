"""Wide tables: one column per data size, model size or step, melted into one row per value.

Papers and notebooks often tabulate losses with one row per model size and one column per
token count (``params, 1B, 2B, 5B``), or one column per checkpoint (``model, step_1000,
step_2000``).  Such a table has no loss column: its losses sit under column names that are
numbers.  It is detected when two or more columns are named by a number (with a unit suffix
``k``, ``M``, ``B``/``G``, ``T``: ``1B`` -> 1e9) or by one shared prefix and a number
(``step_1000``, ``D=20B``), their cells are numbers, and no other column is a loss.  What the
numbers are (tokens, params or step) is read from the prefix or a word after the number
(``step_``, ``tokens``), else from the other columns (a params column makes the column names
token counts, a tokens column makes them model sizes), else the user says (``--wide``, or the
page's picker).  The melted table has ``run``, the other columns, the named role and ``loss``:
for tokens or params each cell is a finished run (``<row> @ <column>``); for step each row is
one run's learning curve.

>>> frame = pd.DataFrame({"params": ["1e8", "4e8"], "1B": ["3.1", "2.9"], "4B": ["2.9", "2.6"]})
>>> found = detect_wide(frame)
>>> found.columns, found.values, found.guess
(['1B', '4B'], [1000000000.0, 4000000000.0], 'tokens')
>>> melted = melt_wide(frame, found, "tokens")
>>> melted[["run", "params", "tokens", "loss"]].values.tolist()[:2]
[['params=1e8 @ 1B', '1e8', 1000000000.0, '3.1'], ['params=1e8 @ 4B', '1e8', 4000000000.0, '2.9']]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scaling_core.runs.mapping import INTERNAL, _role_of

#: What the column names of a wide table can be: the role they give, as ``--wide`` spells it.
WIDE_ROLES = ("tokens", "params", "step")
#: ``--wide`` and the page's picker: the guess, one of `WIDE_ROLES`, or not a wide table.
WIDE_CHOICES = ("auto", *WIDE_ROLES, "no")
_UNITS = {"": 1.0, "k": 1e3, "m": 1e6, "b": 1e9, "g": 1e9, "t": 1e12}
#: Words before or after the number that name the role.
_WORDS = {
    "step": "step",
    "steps": "step",
    "iter": "step",
    "iteration": "step",
    "tokens": "tokens",
    "toks": "tokens",
    "token": "tokens",
    "d": "tokens",
    "data": "tokens",
    "params": "params",
    "parameters": "params",
    "n": "params",
    "model": "params",
}
_NUMBERED = re.compile(
    r"^(?P<prefix>[A-Za-z][A-Za-z_ -]*?[ _=:-]?)?"
    r"(?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)"
    r"\s*(?P<unit>[kKmMbBgGtT])?"
    r"(?P<suffix>[ _-]?(?:tokens?|toks|params|parameters|steps?))?$"
)
#: Share of a wide column's non-blank cells that must be numbers.
NUMERIC_SHARE = 0.8


@dataclass(frozen=True)
class WideColumns:
    """The columns of a wide table named by numbers, the number each name gives, and the role
    the names suggest (None when nothing says which)."""

    columns: list[str]
    values: list[float]
    guess: str | None
    why: str

    def shown(self, limit: int = 4) -> str:
        """The column names, the first few (``1B, 2B, 5B``)."""
        more = f", … ({len(self.columns)} in all)" if len(self.columns) > limit else ""
        return ", ".join(self.columns[:limit]) + more


def _parse(header: str) -> tuple[str, float, str | None] | None:
    """(prefix, value, role its words name) of a header named by a number, else None."""
    if re.search(r"[A-Za-z_]\.", header):
        return None  # dotted keys are flattened JSON (results.1), not a column of a wide table
    if "/" in header:
        return None
    match = _NUMBERED.match(header.strip())
    if not match:
        return None
    prefix = (match.group("prefix") or "").strip()
    word = re.sub(r"[^a-z]", "", (prefix or match.group("suffix") or "").lower())
    role = _WORDS.get(word)  # None for another prefix: shared by the columns, it still marks them
    unit = (match.group("unit") or "").lower()
    return prefix.lower(), float(match.group("number")) * _UNITS[unit], role


def _numeric(column: pd.Series) -> bool:
    text = column.astype(str).str.strip()
    filled = text[(text != "") & column.notna().to_numpy() & (text.str.lower() != "nan")]
    if filled.empty:
        return False
    return float(pd.to_numeric(filled, errors="coerce").notna().mean()) >= NUMERIC_SHARE


def detect_wide(frame: pd.DataFrame) -> WideColumns | None:
    """The columns of ``frame`` that make it a wide table, or None (see the module)."""
    headers = [str(c) for c in frame.columns if str(c) not in INTERNAL]
    parsed = {h: _parse(h) for h in headers}
    numbered = [h for h in headers if parsed[h] is not None]
    if len(numbered) < 2:
        return None
    prefixes = {parsed[h][0] for h in numbered}  # type: ignore[index]
    if len(prefixes) != 1:
        return None
    numbered = [h for h in numbered if _numeric(frame[h])]
    values = [parsed[h][1] for h in numbered]  # type: ignore[index]
    if len(numbered) < 2 or len(set(values)) != len(values):
        return None
    others = [h for h in headers if h not in numbered]
    roles = {(_role_of(h) or ("", 0))[0] for h in others}
    if "loss" in roles:
        return None  # the losses have a column: the numbered columns are something else
    named = {parsed[h][2] for h in numbered} - {None}  # type: ignore[index]
    if len(named) == 1:
        guess: str | None = named.pop()
        why = f"their names say {guess}"
    elif "params" in roles and "tokens" not in roles:
        guess, why = "tokens", "another column holds params"
    elif "tokens" in roles and "params" not in roles:
        guess, why = "params", "another column holds tokens"
    else:
        guess, why = None, "nothing says what the numbers are"
    return WideColumns(numbered, values, guess, why)


def _role_column(frame: pd.DataFrame, role: str) -> str:
    return role if role not in frame.columns else f"{role} (column names)"


def _label(frame: pd.DataFrame, column: str) -> pd.Series:
    """A row's name from one column: its text, or ``column=value`` for a number (so that a
    run named by its size is not read as a number)."""
    cells = frame[column]
    if pd.api.types.is_numeric_dtype(cells.dtype):
        return pd.Series([f"{column}={v:g}" for v in cells], index=frame.index)
    text = cells.astype(str).str.strip()
    numbers = pd.to_numeric(text, errors="coerce")
    return text.where(numbers.isna(), f"{column}=" + text)


def melt_wide(frame: pd.DataFrame, wide: WideColumns, role: str) -> pd.DataFrame:
    """One row per non-blank cell of the wide columns: the row's other columns, ``run``, the
    column name's number under ``role`` and the cell under ``loss``."""
    if role not in WIDE_ROLES:
        raise ValueError(f"role must be one of {', '.join(WIDE_ROLES)}, got {role!r}")
    others = [c for c in frame.columns if c not in wide.columns]
    labels = [c for c in others if str(c) not in INTERNAL]
    if labels:
        row_label = _label(frame, labels[0])
        for c in labels[1:]:
            row_label = row_label + " " + _label(frame, c)
    else:
        row_label = pd.Series([f"row {i + 1}" for i in range(len(frame))], index=frame.index)
    parts = []
    role_column = _role_column(frame, role)
    loss_column = "loss" if "loss" not in frame.columns else "loss (cells)"
    run_column = "run" if "run" not in frame.columns else "run (wide)"
    for column, value in zip(wide.columns, wide.values, strict=True):
        cells = frame[column]
        text = cells.astype(str).str.strip()
        filled = (cells.notna() & (text != "") & (text.str.lower() != "nan")).to_numpy()
        part = frame.loc[filled, others].copy()
        if role == "step":
            part.insert(0, run_column, row_label[filled].to_numpy())
        else:
            part.insert(0, run_column, (row_label[filled] + f" @ {column}").to_numpy())
        part[role_column] = value
        part[loss_column] = cells[filled].to_numpy()
        part["__order__"] = np.flatnonzero(filled)
        parts.append(part)
    melted = pd.concat(parts, ignore_index=True)
    melted = melted.sort_values("__order__", kind="stable").drop(columns="__order__")
    return melted.reset_index(drop=True)
