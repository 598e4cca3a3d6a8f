"""Tables for the published-sweeps page: each sweep's Chinchilla-form fit beside the published
laws (constants, a with its interval, N_opt and tokens per parameter at a budget, leave-out
error).  Data in, DataFrame out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from charts.format import format_count, format_ratio


@dataclass(frozen=True)
class SummaryRow:
    """One line of the comparison: a fitted sweep or a published law."""

    name: str
    kind: str  # "fit (N runs)" or "published"
    constants: str
    a: float | None
    a_interval: tuple[float, float] | None
    n_opt: float | None
    tokens_per_param: float | None
    leave_out: str = ""
    #: Why the allocation (a, N_opt, tokens per parameter) is not shown: the runs do not
    #: determine it.  Empty when it is determined.
    not_determined: str = ""


#: What the table shows where the runs do not determine the allocation.
NOT_DETERMINED = "not determined"


def summary_table(rows: Sequence[SummaryRow], compute_text: str) -> pd.DataFrame:
    """Rows as shown: constants, a (95% CI), N_opt and D/N at the budget, leave-out error; a row
    whose runs do not determine the allocation says `NOT_DETERMINED` in those three columns."""
    out = []
    for row in rows:
        a_text = "—" if row.a is None else f"{row.a:.3f}"
        if row.a_interval is not None:
            a_text += f" ({row.a_interval[0]:.2f}-{row.a_interval[1]:.2f})"
        if row.not_determined:
            out.append(
                {
                    "Sweep or law": row.name,
                    "What": row.kind,
                    "E, A, B, α, β": row.constants,
                    "a (95% CI)": NOT_DETERMINED,
                    f"N_opt at {compute_text}": NOT_DETERMINED,
                    "Tokens / param there": NOT_DETERMINED,
                    "Leave-out error": row.leave_out or "—",
                }
            )
            continue
        out.append(
            {
                "Sweep or law": row.name,
                "What": row.kind,
                "E, A, B, α, β": row.constants,
                "a (95% CI)": a_text,
                f"N_opt at {compute_text}": "—" if row.n_opt is None else format_count(row.n_opt),
                "Tokens / param there": "—"
                if row.tokens_per_param is None
                else format_ratio(row.tokens_per_param),
                "Leave-out error": row.leave_out or "—",
            }
        )
    return pd.DataFrame(out)


def constants_text(params: dict[str, float], determined: dict[str, bool] | None = None) -> str:
    """E, A, B, α, β of a Chinchilla-form law, compactly; "?" for a constant the runs do not
    determine (``determined``)."""
    determined = determined or {}
    formats = {"E": ".3g", "A": ".4g", "B": ".4g", "alpha": ".3f", "beta": ".3f"}
    return ", ".join(
        format(params[name], spec) if determined.get(name, True) else "?"
        for name, spec in formats.items()
    )
