"""``python -m scaling_core isoflop PATH...``: the compute-optimal exponents of an IsoFLOP sweep.

Registered by `scaling_core.cli.build_parser` through `add_isoflop_command`.  Prints the
exponents a (N_opt ∝ C^a) and b (D_opt ∝ C^b), their 95% intervals when bootstrapped, and each
budget with its N_opt or the reason it was left out.  ``--method parabola`` is Hoffmann et al.
2022's Approach 2 (section 3.2) with edge budgets left out; ``--method akima`` is Porian et al.
2024's estimator (arXiv:2406.19146).  Files are read by `scaling_core.runs.read_run_log`;
``--where COLUMN=VALUE`` picks one sweep of a file that holds several.

Examples
--------
``python -m scaling_core isoflop sample_data/isoflop_sweep.csv --bootstrap 500``
``python -m scaling_core isoflop sample_data/real/porian-2024/porian2024_isoflop_points.csv
--method akima --seed-noise 0.002 --where dataset=rw --where hparams=tuned --where loss_type=val
--where counting=standard --json``
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
from pathlib import Path
from typing import Any

from scaling_core.fit_cli import _count, _finite, _positive_float

#: Role names of ``--column ROLE=NAME`` and the header the reader knows each role by.
COLUMN_ROLES: dict[str, str] = {
    "run": "run",
    "params": "n_params",
    "tokens": "n_tokens",
    "compute": "compute_flops",
    "step": "step",
    "tokens_per_step": "batch_tokens",
    "loss": "loss",
}


class IsoflopCommandError(ValueError):
    """An option or file the user can correct; one line, exit status 2."""


def add_isoflop_command(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``isoflop PATH... [options]`` on the CLI's sub-parsers and return its parser."""
    cmd = subparsers.add_parser(
        "isoflop",
        help="compute-optimal exponents a, b of an IsoFLOP sweep (Approach 2 or Porian's estimator)",
        description=(
            "Per compute budget, the model size of lowest loss (a parabola in log N, Hoffmann et "
            "al. 2022 Approach 2, or an Akima spline, Porian et al. 2024), then N_opt = k*C^a. "
            "Budgets whose minimum lies at the edge of the sampled sizes are left out and listed."
        ),
    )
    cmd.add_argument("paths", nargs="+", metavar="PATH", help="CSV/TSV run logs (rows are joined)")
    cmd.add_argument("--method", choices=("parabola", "akima"), default="parabola")
    cmd.add_argument(
        "--where",
        action="append",
        default=[],
        metavar="COLUMN=VALUE",
        help="keep rows whose COLUMN equals VALUE (repeatable): one sweep of a multi-sweep file",
    )
    cmd.add_argument(
        "--column",
        action="append",
        default=[],
        metavar="ROLE=NAME",
        help=f"read column NAME as ROLE ({', '.join(COLUMN_ROLES)}); repeatable",
    )
    cmd.add_argument(
        "--bootstrap",
        type=_count("--bootstrap"),
        default=0,
        metavar="K",
        help="seed-noise bootstrap replicates for 95%% intervals (akima: default 1000)",
    )
    cmd.add_argument(
        "--seed-noise",
        type=_positive_float("--seed-noise"),
        default=None,
        metavar="NATS",
        help="loss s.d. between seeds for the bootstrap (default 0.01; Porian: 0.002 on RefinedWeb)",
    )
    cmd.add_argument(
        "--window",
        type=_positive_float("--window"),
        default=8.0,
        metavar="X",
        help="parabola: fit sizes within a factor X of the best one (default 8; 0 would be all)",
    )
    cmd.add_argument("--seed", type=int, default=0, help="bootstrap random seed (default 0)")
    cmd.add_argument("--json", action="store_true", help="print one JSON object")
    cmd.set_defaults(handler=cmd_isoflop)
    return cmd


def _parse_columns(items: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        role, sep, name = item.partition("=")
        role = role.strip()
        if not sep or not name:
            raise IsoflopCommandError(f"--column expects ROLE=NAME, got {item!r}")
        if role not in COLUMN_ROLES:
            raise IsoflopCommandError(
                f"--column: unknown role {role!r} (roles: {', '.join(COLUMN_ROLES)})"
            )
        out[role] = name
    return out


def _with_columns(path: str, columns: dict[str, str]) -> tuple[bytes, dict[str, str]]:
    """The file with its header renamed so that the reader takes NAME as ROLE, and the renames.

    A stop-gap until the reader takes role overrides itself: the named header becomes the
    reader's own name for the role and any other header the reader would take for that role
    gets an ``unused:`` prefix.
    """
    from scaling_core.runs.roles import _SYNONYMS, _split_header

    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise IsoflopCommandError(f"cannot read {path}: {exc.strerror or exc}") from None
    text = raw.decode("utf-8-sig", errors="replace")
    first, _, rest = text.partition("\n")
    delimiter = max((",", "\t", ";"), key=first.count)
    headers = next(csv.reader([first.rstrip("\r")], delimiter=delimiter))
    for role, name in columns.items():
        if name not in headers:
            shown = ", ".join(repr(h) for h in headers[:20])
            raise IsoflopCommandError(
                f"--column {role}={name}: {path} has no column {name!r} (columns: {shown})"
            )
    targets = {name: COLUMN_ROLES[role] for role, name in columns.items()}
    taken = {COLUMN_ROLES[role] for role in columns}
    renamed = []
    for header in headers:
        if header in targets:
            renamed.append(targets[header])
            continue
        key = _split_header(header)[0]
        if key in _SYNONYMS and _SYNONYMS[key][0] in taken:
            renamed.append(f"unused:{header}")
        else:
            renamed.append(header)
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerow(renamed)
    back = {new: old for new, old in zip(renamed, headers, strict=True) if new != old}
    return (buffer.getvalue() + rest).encode("utf-8"), back


def _read(paths: list[str], columns: dict[str, str]) -> tuple[Any, list[dict[str, Any]]]:
    import pandas as pd

    from scaling_core.runs import read_run_log

    frames, reports = [], []
    for path in paths:
        if not Path(path).is_file():
            raise IsoflopCommandError(f"no such file: {path}")
        back: dict[str, str] = {}
        if columns:
            content, back = _with_columns(path, columns)
            log = read_run_log(content)
        else:
            log = read_run_log(path)
        frame = log.runs.copy()
        if len(paths) > 1:
            frame["file"] = Path(path).name
            frame["run"] = Path(path).name + ":" + frame["run"].astype(str)
        frames.append(frame)
        report = log.report
        reports.append(
            {
                "path": path,
                "shape": report.shape,
                "n_rows_read": report.n_rows_read,
                "n_rows_kept": report.n_rows_kept,
                "n_dropped": report.n_dropped,
                "columns": {back.get(c.source, c.source): c.role for c in report.columns},
            }
        )
    return pd.concat(frames, ignore_index=True), reports


def _budget_lines(fit: Any) -> list[str]:
    lines = [
        f"  {'C (FLOP)':>10}  {'runs':>4}  {'sizes':>5}  {'N_opt':>9}  {'D_opt':>9}  {'D/N':>6}"
    ]
    for row in fit.budgets.itertuples():
        head = f"  {row.compute_flops:>10.3g}  {row.n_runs:>4}  {row.n_sizes:>5}"
        if row.used:
            d_opt = row.compute_flops / (6 * row.n_opt)
            lines.append(f"{head}  {row.n_opt:>9.3g}  {d_opt:>9.3g}  {d_opt / row.n_opt:>6.1f}")
        else:
            lines.append(f"{head}  left out: {row.reason}")
    return lines


def cmd_isoflop(args: argparse.Namespace) -> None:
    """Read PATH..., select, fit, print a report or one JSON object."""
    from scaling_core.fit.sweeps import fit_isoflop, parse_where

    columns = _parse_columns(args.column)
    where = parse_where(args.where)
    if args.method == "akima" and 0 < args.bootstrap < 20:
        raise IsoflopCommandError("--bootstrap must be >= 20 for --method akima")
    if args.bootstrap == 1:
        raise IsoflopCommandError("--bootstrap needs at least 2 replicates (or 0 for none)")
    window = args.window if args.window > 1 else None
    runs, reports = _read(args.paths, columns)
    fit = fit_isoflop(
        runs,
        args.method,
        where=where,
        n_bootstrap=args.bootstrap,
        seed_noise=args.seed_noise,
        window=window,
        seed=args.seed,
    )
    budgets = fit.budgets
    used = budgets[budgets["used"]]
    payload = {
        "paths": list(args.paths),
        "method": fit.method,
        "where": where,
        "a": fit.a,
        "b": fit.b,
        "a_interval": list(fit.a_interval) if fit.a_interval else None,
        "b_interval": list(fit.b_interval) if fit.b_interval else None,
        "n_coefficient": fit.n_coefficient,
        "d_coefficient": fit.d_coefficient,
        "budgets_used": [
            {"compute_flops": r.compute_flops, "n_opt": r.n_opt, "n_runs": r.n_runs}
            for r in used.itertuples()
        ],
        "budgets_left_out": [
            {"compute_flops": r.compute_flops, "reason": r.reason}
            for r in fit.budgets_left_out.itertuples()
        ],
        "n_budgets_used": fit.budgets_used,
        "bootstrap": fit.n_bootstrap,
        "seed_noise": fit.seed_noise,
        "window": window if fit.method == "parabola" else None,
        "notes": list(fit.notes),
        "files": reports,
    }
    if args.json:
        print(json.dumps(_finite(payload)))
        return
    what = (
        "Porian et al. 2024's estimator (Akima minima, seed-noise bootstrap, weighted fit)"
        if fit.method == "akima"
        else "Approach 2 of Hoffmann et al. 2022 (parabolas in log N"
        + (f" within x{window:g} of the best size)" if window else ")")
    )
    chosen = " ".join(f"{k}={v}" for k, v in where.items())
    rows = sum(r["n_rows_kept"] for r in reports)
    lines = [f"IsoFLOP sweep: {rows:,} rows from {len(reports)} file(s)"]
    if chosen:
        lines[0] += f"; {int(_mask(runs, where).sum()):,} where {chosen}"
    lines.append(f"method: {what}")

    def ci(pair: tuple[float, float] | None) -> str:
        return f"  (95% {pair[0]:.3f}-{pair[1]:.3f})" if pair else ""

    lines += [
        f"a = {fit.a:.4f}{ci(fit.a_interval)}   N_opt = {fit.n_coefficient:.4g} * C^a",
        f"b = {fit.b:.4f}{ci(fit.b_interval)}   D_opt = {fit.d_coefficient:.4g} * C^b",
    ]
    lines += [
        f"note: {note}" + ("; --seed-noise NATS sets it" if "(assumed default)" in note else "")
        for note in fit.notes
    ]
    lines += ["budgets:", *_budget_lines(fit)]
    if not math.isfinite(fit.a):
        raise IsoflopCommandError("the fit gave no finite exponent")
    print("\n".join(lines))


def _mask(runs: Any, where: dict[str, str]) -> Any:
    from scaling_core.fit.sweeps import select_rows

    return runs.index.isin(select_rows(runs, where).index)
