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


def summary_table(rows: Sequence[SummaryRow], compute_text: str) -> pd.DataFrame:
    """Rows as shown: constants, a (95% CI), N_opt and D/N at the budget, leave-out error."""
    out = []
    for row in rows:
        a_text = "–" if row.a is None else f"{row.a:.3f}"
        if row.a_interval is not None:
            a_text += f" ({row.a_interval[0]:.2f}-{row.a_interval[1]:.2f})"
        out.append(
            {
                "Sweep or law": row.name,
                "What": row.kind,
                "E, A, B, α, β": row.constants,
                "a (95% CI)": a_text,
                f"N_opt at {compute_text}": "–" if row.n_opt is None else format_count(row.n_opt),
                "Tokens / param there": "–"
                if row.tokens_per_param is None
                else format_ratio(row.tokens_per_param),
                "Leave-out error": row.leave_out or "–",
            }
        )
    return pd.DataFrame(out)


def constants_text(params: dict[str, float]) -> str:
    """E, A, B, α, β of a Chinchilla-form law, compactly."""
    return (
        f"{params['E']:.3g}, {params['A']:.4g}, {params['B']:.4g}, "
        f"{params['alpha']:.3f}, {params['beta']:.3f}"
    )
