"""``python -m scaling_core compare A B``: two sweeps compared as a compute multiplier.

A and B are each a path (a file, a folder or a zip of run logs in any format ``read`` knows).
Both are read with the source options of ``read`` (``--where`` for both, ``--where-a`` and
``--where-b`` for one side, so one file holding several sweeps can be compared with itself),
fitted as ``fit`` fits them (the automatic form, the cluster bootstrap with ``--bootstrap``
refits each, at least 1,000) and compared by `scaling_core.compare`: the multiplier
m(C) = C_B(L*_A(C)) / C, how much compute B's compute-optimal frontier needs to reach the
loss A's reaches with C, on a grid of budgets and at ``--at-compute``, with its bootstrap
interval, and the crossover budget where m crosses 1.

``--column loss=NAME`` names the loss; given several times it compares each (Paloma subsets),
one entry of ``per_loss`` each, the first also at the top level.  Without it each sweep's loss
is the one ``read`` guesses, and the two must be the same column: a multiplier compares two
sweeps on one loss scale.

Examples
--------
``python -m scaling_core compare gadre2024_final_losses.csv gadre2024_final_losses.csv
--where-a dataset=c4_original --where-b dataset=rw_original --json``
"""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

from scaling_core.cli.args import count, float_at_least, json_safe, positive_float

CONVENTION = (
    "m(C) = C_B(L*_A(C)) / C: the compute B's compute-optimal frontier needs to reach the loss "
    "A's frontier reaches with C, per unit of C (m > 1: B needs more compute than A; "
    "Hoffmann et al. 2022 eq. 4 for each frontier)"
)


class CompareCommandError(ValueError):
    """A compare option or input the user can correct; one line, exit status 2."""


def add_compare_command(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``compare A B [options]`` and return its parser."""
    from scaling_core.cli.read import add_reading_options
    from scaling_core.compare import DEFAULT_REACH, MIN_SHOWN_DRAWS

    parser = subparsers.add_parser(
        "compare",
        help="two sweeps as a compute multiplier: the compute B needs to reach A's loss",
        description=CONVENTION,
    )
    parser.add_argument("path_a", metavar="A", help="sweep A: a file, folder or zip of run logs")
    parser.add_argument("path_b", metavar="B", help="sweep B: a file, folder or zip of run logs")
    parser.add_argument(
        "--column",
        action="append",
        default=[],
        metavar="ROLE=NAME",
        help="use column NAME for ROLE in both sweeps; loss=NAME repeated compares each loss",
    )
    for flag, what in (
        ("--where", "both sweeps"),
        ("--where-a", "sweep A only"),
        ("--where-b", "sweep B only"),
    ):
        parser.add_argument(
            flag,
            action="append",
            default=[],
            metavar="COLUMN=VALUE",
            help=f"keep rows whose COLUMN equals VALUE, in {what} (repeatable)",
        )
    parser.add_argument(
        "--bootstrap",
        type=count("--bootstrap"),
        default=MIN_SHOWN_DRAWS,
        metavar="K",
        help=f"bootstrap refits per sweep (default and minimum {MIN_SHOWN_DRAWS:,}); runs "
        "sharing (N, D) are resampled together",
    )
    parser.add_argument(
        "--at-compute",
        type=positive_float("--at-compute"),
        default=None,
        metavar="C",
        help="A's budget in FLOP at which to read the multiplier (default: the largest budget "
        "neither fit extrapolates to)",
    )
    parser.add_argument(
        "--reach",
        type=float_at_least("--reach", 1.0, strict=False),
        default=DEFAULT_REACH,
        metavar="X",
        help=f"the grid of budgets runs to X times the largest run (default {DEFAULT_REACH:g}; "
        "beyond the runs it is marked extrapolated)",
    )
    parser.add_argument(
        "--confidence",
        type=positive_float("--confidence"),
        default=0.95,
        help="interval coverage (default 0.95)",
    )
    parser.add_argument("--seed", type=int, default=0, help="bootstrap random seed (default 0)")
    parser.add_argument(
        "--pool",
        action="store_true",
        help="fit each side's rows as one law even when columns such as dataset split them",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=cmd_compare)
    # the same reading as read, fit and the page, for both sweeps; no run list, so no --verbose
    add_reading_options(parser, lists_runs=False)
    return parser


def _loss_flags(flags: list[str]) -> tuple[list[str], list[str]]:
    """(the loss columns named with ``--column loss=NAME``, in order, once each; the other
    ``--column`` flags)."""
    losses: list[str] = []
    others: list[str] = []
    for flag in flags:
        role, sep, name = flag.partition("=")
        if sep and role.strip().replace("-", "_") == "loss":
            name = name.strip()
            if not name:
                raise CompareCommandError("--column loss= needs a column name")
            if name not in losses:
                losses.append(name)
        else:
            others.append(flag)
    return losses, others


def _side_args(args: argparse.Namespace, side: str, loss: str | None, others: list[str]) -> Any:
    """The source options of ``read`` for one side and one loss column."""
    path = args.path_a if side == "A" else args.path_b
    where = [*args.where, *(args.where_a if side == "A" else args.where_b)]
    return argparse.Namespace(
        **{
            **vars(args),  # every reading option of this command (--tuning, --wide, ...)
            "paths": [path],
            "column": [*others, *([f"loss={loss}"] if loss is not None else [])],
            "where": where,
            "verbose": False,
        }
    )


def _read_side(args: argparse.Namespace, side: str, loss: str | None, others: list[str]) -> Any:
    """The points ``fit`` would fit for one side (its reading, the sweep check, the automatic
    choice of final points or IsoFLOP snapshots), and the loss column read."""
    from scaling_core.cli.fit import _refuse_pooled_sweeps
    from scaling_core.cli.read import read_usable
    from scaling_core.fit.points import fit_points

    path = args.path_a if side == "A" else args.path_b
    try:
        read = read_usable(_side_args(args, side, loss, others))
        if not args.pool:
            _refuse_pooled_sweeps(read.log.runs)
    except ValueError as exc:
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        extra = (
            "; a multiplier needs the same loss in both sweeps"
            if loss is not None and "no column" in text
            else ""
        )
        flag = "--where-a" if side == "A" else "--where-b"
        if "--where" in text and flag not in text:
            extra += f" (for this sweep only: {flag})"
        raise CompareCommandError(f"sweep {side} ({path}): {text}{extra}") from None
    table, points = fit_points(read)
    return table, read.mapping.columns.get("loss"), points


def cmd_compare(args: argparse.Namespace) -> None:
    """Read both sweeps, fit each, compare them per loss column; print text or one JSON object."""
    from scaling_core.compare import MIN_SHOWN_DRAWS, CompareError, compare_tables
    from scaling_core.fit.sweeps import parse_where

    if not 0 < args.confidence < 1:
        raise CompareCommandError(f"--confidence must be between 0 and 1, got {args.confidence:g}")
    if args.bootstrap < MIN_SHOWN_DRAWS:
        raise CompareCommandError(
            f"--bootstrap must be at least {MIN_SHOWN_DRAWS:,} (every interval shown rests on "
            f"at least {MIN_SHOWN_DRAWS:,} refits), got {args.bootstrap}"
        )
    for flag in ("where", "where_a", "where_b"):
        parse_where(getattr(args, flag))  # a malformed COLUMN=VALUE is named before reading
    losses, others = _loss_flags(args.column)
    columns: list[str | None] = list(losses) or [None]
    per_loss: list[dict[str, Any]] = []
    comparisons = []
    for loss in columns:
        table_a, loss_a, points_a = _read_side(args, "A", loss, others)
        table_b, loss_b, points_b = _read_side(args, "B", loss, others)
        if loss is None and loss_a != loss_b:
            raise CompareCommandError(
                f"sweep A's loss is read from column {loss_a!r} and sweep B's from {loss_b!r}: "
                "the sweeps share no loss column, and a multiplier compares one loss scale; "
                "name one both have with --column loss=NAME"
            )
        try:
            comparison = compare_tables(
                table_a,
                table_b,
                loss_column=str(loss_a),
                n_boot=args.bootstrap,
                seed=args.seed,
                at_compute=args.at_compute,
                confidence=args.confidence,
                reach=args.reach,
            )
        except CompareError as exc:
            raise CompareCommandError(f"loss {loss_a!r}: {exc}") from None
        comparisons.append(comparison)
        entry = comparison.to_dict()
        entry["points"] = {"A": points_a, "B": points_b}
        per_loss.append(entry)
    first = per_loss[0]
    payload = {
        "multiplier": first["multiplier"],
        "interval": first["interval"],
        "at_compute": first["at_compute"],
        "crossover": first["crossover"],
        "extrapolated": first["extrapolated"],
        "loss_column": first["loss_column"],
        "determined": first["determined"],
        "not_determined_because": first["not_determined_because"],
        "confidence": args.confidence,
        "n_boot": args.bootstrap,
        "convention": CONVENTION,
        "sweeps": {
            "A": {"path": args.path_a, "where": dict(parse_where([*args.where, *args.where_a]))},
            "B": {"path": args.path_b, "where": dict(parse_where([*args.where, *args.where_b]))},
        },
        "per_loss": per_loss,
    }
    if args.json:
        print(json.dumps(json_safe(payload)))
        return
    print(comparison_text(payload, comparisons))


def _m(value: float | None) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "never (B's law does not reach this loss)"
    return f"{value:.3g}"


def comparison_text(payload: dict[str, Any], comparisons: list[Any]) -> str:
    """The text report: per loss column, the multiplier at the budget with its interval, the
    crossover, every fifth budget of the grid and the notes."""
    pct = f"{100 * payload['confidence']:g}%"
    lines = [f"Compute multiplier of B against A. {payload['convention']}."]
    for side in ("A", "B"):
        info = payload["sweeps"][side]
        where = " ".join(f"{k}={v}" for k, v in info["where"].items())
        lines.append(f"  {side}: {info['path']}" + (f" ({where})" if where else ""))
    for entry, comparison in zip(payload["per_loss"], comparisons, strict=True):
        lines.append("")
        lines.append(f"[[Loss {entry['loss_column']}]]")
        for side, fit in entry["fits"].items():
            lines.append(
                f"    {side}: {fit['form']} fit of {fit['n_runs']} runs; {fit['n_boot']:,} "
                f"refits, {fit['resampling']}"
            )
        if not entry["determined"]:
            lines.append("    multiplier not determined:")
            lines.extend(f"      - {why}" for why in entry["not_determined_because"])
            continue
        interval = entry["interval"]
        shown = (
            f" ({pct} {_m(interval[0])}-{_m(interval[1])})"
            if interval is not None and interval[0] is not None
            else ""
        )
        if interval is not None and interval[0] is not None and interval[1] is None:
            shown = f" ({pct} from {_m(interval[0])}, no upper bound: some refits never reach)"
        flag = "   EXTRAPOLATED" if entry["extrapolated"] else ""
        lines.append(
            f"    at C = {entry['at_compute']:.3g} FLOP: m = {_m(entry['multiplier'])}{shown}{flag}"
        )
        lines.append(f"    {entry['crossover']['text']}")
        lines.append(f"    {'C (FLOP)':>10} {'m':>9} {pct + ' interval':>22}")
        for point in comparison.grid[::5]:
            low, high = point.interval if point.interval is not None else (math.nan, math.nan)
            band = f"{low:.3g}-{high:.3g}" if math.isfinite(low) else "-"
            if math.isfinite(low) and not math.isfinite(high):
                band = f"{low:.3g}-inf"
            mark = "  extrapolated" if point.extrapolated else ""
            value = f"{point.multiplier:.3g}" if math.isfinite(point.multiplier) else "inf"
            lines.append(f"    {point.compute_flops:>10.3g} {value:>9} {band:>22}{mark}")
        lines.extend(f"    note: {note}" for note in entry["notes"])
    return "\n".join(lines)
