"""The reading report as text (``python -m scaling_core read``, and above a ``fit``): formats,
roles, runs with where each number came from, runs lacking values, rows dropped, notes.

Long lists are cut at ``max_runs`` lines with a count of the rest; the counts agree with the
lists: a run all of whose rows the validation drops is counted as dropped, not usable.
"""

from __future__ import annotations

from typing import Any


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 table``, ``2 tables``, ``1,200 runs``."""
    return f"{count:,} {word if count == 1 else (many or word + 's')}"


def _cut(lines: list[str], limit: int | None, what: str) -> list[str]:
    if limit is None or len(lines) <= limit:
        return lines
    rest = len(lines) - limit
    more = f"{rest:,} more {what if rest == 1 else what + 's'}"
    return [*lines[:limit], f"  … and {more}; --verbose or --json for all"]


def runs_summary(read: Any, max_runs: int | None = 20) -> str:
    """`scaling_core.runs.collect.RunsRead` as text; at most ``max_runs`` lines per list."""
    formats = ", ".join(f"{k} ×{v}" for k, v in read.sources.formats.items())
    lines = [
        f"Read {plural(len(read.sources.tables), 'table')} ({formats}); "
        f"{plural(read.n_rows_read, 'row')}."
    ]
    lines += [f"  skipped {name}: {why}" for name, why in read.sources.skipped]
    lines += [f"  renamed {name}: {how}" for name, how in read.sources.renamed]
    lines += [f"  could not read {name}: {message}" for name, message in read.sources.problems]
    lines.append("Roles (change with --column ROLE=NAME):")
    lines += [f"  {line}" for line in read.mapping.describe()]
    losses = read.mapping.candidates.get("loss", [])
    if len(losses) > 1:
        lines.append(f"Loss candidates ({len(losses)}):")
        lines += [
            f"  {read.mapping.shown(c)}"
            + ("  (perplexity: read as log(ppl))" if c in read.mapping.perplexity else "")
            for c in losses
        ]
    per_run = read.per_run
    complete = per_run[per_run["needs"] == ""]
    kept = set() if read.log is None else set(read.log.runs["run"].astype(str))
    usable = complete[complete["run"].astype(str).isin(kept)]
    invalid = complete[~complete["run"].astype(str).isin(kept)]
    counts = [f"{len(per_run):,} found", f"{len(usable):,} usable"]
    if len(invalid):
        counts.append(f"{len(invalid):,} with every row dropped (see Dropped rows)")
    counts.append(f"{len(read.lacking):,} lacking values")
    lines.append("Runs: " + ", ".join(counts))
    lines += _cut(
        [
            f"  {r.run}: params {r.params:.4g} ({r.params_source}); tokens "
            f"{r.tokens:.4g} ({r.tokens_source}); final loss {r.final_loss:.4f}"
            for r in usable.itertuples(index=False)
        ],
        max_runs,
        "run",
    )
    if len(read.lacking):
        lines.append(
            "Runs lacking values (give them with --runs-meta FILE: "
            "run,params,tokens,tokens_per_step):"
        )
        lines += _cut(
            [f"  {r.run}: needs {r.needs}" for r in read.lacking.itertuples(index=False)],
            max_runs,
            "run",
        )
    if read.n_dropped:
        lines.append(f"Dropped rows ({read.n_dropped:,}):")
        shown = read.dropped if max_runs is None else read.dropped[: max(max_runs, 50)]
        lines += [f"  {f} line {ln}: {why}" for f, ln, why in shown]
        if read.n_dropped > len(shown):
            rest = read.n_dropped - len(shown)
            lines.append(f"  … and {rest:,} more {'row' if rest == 1 else 'rows'}; --json for all")
    if read.notes:
        lines.append("Notes:")
        lines += [f"  - {n}" for n in read.notes]
    return "\n".join(lines)
