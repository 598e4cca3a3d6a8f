"""``python -m scaling_core rollout PATH...``: the rollout scorecard of a law form on run logs.

For every cutoff with at least 3 distinct sizes (or compute budgets, ``--axis compute``) and 5
runs at or below it, fit the form to those runs and predict every larger run
(`scaling_core.fit.rollout`, OLMo-core's ``ScalingLawRollout`` method).  ``--compare-forms``
prints one table of the summary numbers for Chinchilla's form, Gadre et al. 2024's 4-parameter
form and a power law in N, each with over-estimate penalty 1 and 10.

The sources (``--column``, ``--runs-meta``, ``--where``) are read as by ``read`` and ``fit``;
like ``fit``, a file holding several sweeps is refused unless ``--where`` picks one (or
``--pool``).  Bad input exits with status 2 and one line on stderr.

Examples
--------
``python -m scaling_core rollout sample_data/real/gadre-2024/gadre2024_final_losses.csv
--where dataset=c4_original --json``
``python -m scaling_core rollout sample_data/real/olmo-ladder/olmo_ladder_curves.csv
--where schedule=cosine --compare-forms``
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from scaling_core.cli.args import float_at_least, json_safe

ROLLOUT_FORM_CHOICES = ("chinchilla", "gadre", "power-n")


class RolloutCommandError(ValueError):
    """A rollout that scores nothing; one line, exit status 2."""


def add_rollout_command(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``rollout PATH... [options]`` and return its parser."""
    parser = subparsers.add_parser(
        "rollout",
        help="rollout scorecard: fit the smaller runs, predict every larger one, at every cutoff",
        description=(
            "Order the runs by N (or C); at every cutoff with >= 3 distinct sizes and >= 5 runs "
            "at or below it, fit the form to those runs and predict every larger run; "
            "relative error (predicted - observed)/observed, weights 1/(1 + ln(x/x_cut)) as "
            "OLMo-core's ScalingLawRollout."
        ),
    )
    from scaling_core.cli.read import add_source_arguments

    add_source_arguments(parser)
    parser.add_argument(
        "--axis",
        choices=("params", "compute"),
        default="params",
        help="order the runs by parameters N (default) or compute C",
    )
    parser.add_argument(
        "--form",
        choices=ROLLOUT_FORM_CHOICES,
        default="chinchilla",
        help="chinchilla (E + A/N^alpha + B/D^beta), gadre (the same with alpha = beta, "
        "Gadre et al. 2024) or power-n (E + A/N^alpha)",
    )
    parser.add_argument(
        "--overestimate-penalty",
        type=float_at_least("--overestimate-penalty", 1.0, strict=False),
        default=1.0,
        metavar="P",
        help="weight of over-predicted runs in the fit's Huber sum (OLMo-core's "
        "overestimate_penalty; default 1, symmetric)",
    )
    parser.add_argument(
        "--compare-forms",
        action="store_true",
        help="one table: chinchilla, gadre and power-n, each with penalty 1 and 10",
    )
    parser.add_argument(
        "--pool",
        action="store_true",
        help="roll out the rows as one law even when columns such as dataset split them",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=cmd_rollout)
    return parser


def cmd_rollout(args: argparse.Namespace) -> None:
    """Read PATH..., roll the form out (or compare forms), print a table or one JSON object."""
    from scaling_core.cli.fit import _refuse_pooled_sweeps
    from scaling_core.cli.read import read_usable
    from scaling_core.fit.rollout import compare_forms, rollout
    from scaling_core.fit.sweeps import parse_where

    read = read_usable(args)
    runs = read.log.runs
    if not args.pool:
        _refuse_pooled_sweeps(runs)
    source = {
        "file": str(args.paths[0]) if len(args.paths) == 1 else [str(p) for p in args.paths],
        "where": dict(parse_where(args.where)),
    }
    if args.compare_forms:
        rows = compare_forms(runs, axis=args.axis)
        if args.json:
            print(json.dumps(json_safe({"axis": args.axis, "table": rows, **source})))
        else:
            print(comparison_text(rows, args.axis))
        return
    card = rollout(runs, args.form, axis=args.axis, overestimate_penalty=args.overestimate_penalty)
    if not card.scored:
        hint = ""
        if args.form != "power-n" and runs["n_tokens"].nunique() == 1:
            hint = "; every run has the same D, so try --form power-n"
        raise RolloutCommandError(
            f"no cutoff could be fitted with the {args.form} form "
            f"({len(card.cutoffs)} tried): {card.cutoffs[0].error}{hint}"
        )
    if args.json:
        print(json.dumps(json_safe({**card.to_dict(), **source})))
    else:
        print(card.report())


def comparison_text(rows: list[dict[str, Any]], axis: str) -> str:
    """The ``--compare-forms`` table as aligned text (errors in percent)."""
    head = (
        f"{'form':<11} {'penalty':>7} {'cutoffs':>7} {'mean |err|':>10} {'signed':>8} "
        f"{'weighted':>9} {'max |err|':>9}"
    )
    lines = [f"Rollout by {'N' if axis == 'params' else 'C'}: forms x overestimate penalty", head]
    for row in rows:
        start = f"{row['form']:<11} {row['overestimate_penalty']:>7g}"
        if row.get("error") or not row.get("n_cutoffs"):
            reason = row.get("error") or "every cutoff's fit failed"
            lines.append(f"{start}   {reason}")
            continue
        lines.append(
            f"{start} {row['n_cutoffs']:>7d} {row['mean_abs_error']:>10.2%} "
            f"{row['mean_signed_error']:>+8.2%} {row['weighted_abs_error']:>9.2%} "
            f"{row['max_abs_error']:>9.2%}"
        )
    return "\n".join(lines)
