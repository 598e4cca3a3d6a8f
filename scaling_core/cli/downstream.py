"""``python -m scaling_core downstream PATH... --task NAME``: a task's accuracy predicted from a
ladder of small runs (Bhagia et al. 2024's two steps, `scaling_core.downstream`).

Step 1 fits the task loss of the ladder's final points in Chinchilla's form (α = β when the
runs leave a constant undetermined); step 2 fits a sigmoid from task loss to accuracy on the
ladder's checkpoints after the first 10%; the runs above ``--holdout-params-above`` are
predicted with intervals from one cluster bootstrap of both fits; the variance gate says
whether the task is too noisy to predict.  The sources (``--column``, ``--runs-meta``,
``--where``) are read as by ``read``.  Bad input exits with status 2 and one line on stderr.

Examples
--------
``python -m scaling_core downstream tests/fixtures/real-logs/olmo-ladder/wandb-history
--runs-meta examples/olmo_ladder_params.csv --task hellaswag --json``
``python -m scaling_core downstream sample_data/real/olmo-ladder/olmo_ladder_downstream.csv
--task arc_easy_val``
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from scaling_core.cli.args import count, json_safe, positive_float


def add_downstream_command(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``downstream PATH... --task NAME [options]`` and return its parser."""
    parser = subparsers.add_parser(
        "downstream",
        help="predict a task's accuracy for the larger runs from a ladder of small ones",
        description=(
            "Bhagia et al. 2024: task loss L(N, D) in Chinchilla's form on the ladder's final "
            "points, a sigmoid a/(1 + exp(-k(L - L0))) + b from task loss to accuracy on its "
            "checkpoints after the first 10%, chained to predict the held-out runs, with a "
            "cluster bootstrap of both steps and the variance gate."
        ),
    )
    from scaling_core.cli.read import add_source_arguments

    add_source_arguments(parser)
    parser.add_argument(
        "--task", default=None, metavar="NAME", help="the task (e.g. hellaswag, arc_easy_val)"
    )
    parser.add_argument(
        "--loss-column", default=None, metavar="C", help="the task-loss column (default: found)"
    )
    parser.add_argument(
        "--metric-column",
        default=None,
        metavar="C",
        help="the accuracy column (default: found; _len_norm before _acc)",
    )
    parser.add_argument(
        "--holdout-params-above",
        type=positive_float("--holdout-params-above"),
        default=1.3e9,
        metavar="N",
        help="fit the runs up to N parameters, predict the larger ones (default 1.3e9)",
    )
    parser.add_argument(
        "--step1-form",
        choices=("auto", "chinchilla", "gadre"),
        default="auto",
        help="auto (default): Chinchilla's form, alpha = beta when its constants are not "
        "determined; chinchilla or gadre (alpha = beta) to force one",
    )
    parser.add_argument(
        "--bootstrap",
        type=count("--bootstrap"),
        default=1000,
        metavar="K",
        help="bootstrap draws refitting both steps (default 1000; 0 for no interval)",
    )
    parser.add_argument("--seed", type=int, default=0, help="bootstrap random seed (default 0)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=cmd_downstream)
    return parser


def cmd_downstream(args: argparse.Namespace) -> None:
    """Read PATH..., predict the held-out runs' accuracy, print a report or one JSON object."""
    from scaling_core.cli.read import read_usable
    from scaling_core.downstream import (
        DownstreamError,
        nominal_sizes_note,
        predict_downstream,
        resolve_task,
    )
    from scaling_core.fit.base import FitError

    if args.bootstrap == 1:
        raise DownstreamError("--bootstrap needs at least 2 draws (or 0 for none)")
    read = read_usable(args)
    curves = read.log.curves
    if curves is None:
        raise DownstreamError(
            "the files hold one row per run: the downstream prediction needs every run's "
            "checkpoints (a step or tokens column per row)"
        )
    pair = resolve_task(list(curves.columns), args.task, args.loss_column, args.metric_column)
    try:
        result = predict_downstream(
            curves,
            pair,
            holdout_params_above=args.holdout_params_above,
            step1_form=args.step1_form,
            n_boot=args.bootstrap,
            seed=args.seed,
        )
    except FitError as exc:
        raise DownstreamError(f"step 1 ({pair.loss_column}): {exc}") from None
    payload = result.to_dict()
    if (nominal := nominal_sizes_note(read.per_run)) is not None:
        payload["notes"].append(f"{nominal}: give the exact counts with --runs-meta")
    payload["file"] = str(args.paths[0]) if len(args.paths) == 1 else [str(p) for p in args.paths]
    if args.json:
        print(json.dumps(json_safe(payload)))
        return
    print(report_text(payload))


def report_text(payload: dict[str, Any]) -> str:
    """The text report: both steps, the predictions with intervals, the summary, the gate."""
    s1, s2 = payload["step1"], payload["step2"]
    lines = [
        f"Task {payload['task']}: loss {payload['loss_column']}, accuracy {payload['metric_column']}",
        f"Step 1 ({s1['n_runs']} runs, mean of the last {s1['final_window']} checkpoints): "
        f"{s1['form_reason']}",
        "    " + ", ".join(f"{k} = {v:.4g}" for k, v in s1["params"].items()),
    ]
    for name, why in s1["not_determined_because"].items():
        lines.append(f"    {name} not determined: {why}")
    lines.append(
        f"Step 2 ({s2['n_points']} checkpoints of {s2['n_runs']} runs after the first "
        f"{100 * s2['warmup_fraction']:.0f}%): "
        + ", ".join(f"{k} = {v:.4g}" for k, v in s2["params"].items())
        + f"; rms {100 * s2['rms']:.2f} points"
    )
    boot = payload["bootstrap"]
    if payload["predictions"]:
        conf = f"{100 * boot['confidence']:g}%"
        lines.append(
            f"Runs above {payload['holdout_params_above']:.3g} parameters "
            f"(accuracy in %, {conf} interval from {boot['n_boot']} draws):"
        )
        for p in payload["predictions"]:
            low, high = p["interval"]
            band = (
                "no interval"
                if low is None or boot["n_boot"] == 0
                else f"[{100 * low:.1f}, {100 * high:.1f}]"
            )
            lines.append(
                f"    {p['run']:<16} predicted {100 * p['predicted']:5.1f}  {band:<14} "
                f"observed {100 * p['observed']:5.1f}"
            )
        summary = payload["summary"]
        lines.append(
            f"Mean |error| {100 * summary['mean_abs_error']:.2f} points over "
            f"{summary['n_configurations']} configurations (signed "
            f"{100 * summary['mean_signed_error']:+.2f}); {summary['inside_interval']} of "
            f"{summary['n_predictions']} observed values inside their intervals"
        )
    else:
        lines.append(f"No run above {payload['holdout_params_above']:.3g} parameters to predict")
    lines.append(f"Variance gate: {payload['gate']['verdict']}")
    lines.extend(f"Note: {n}" for n in payload["notes"])
    return "\n".join(lines)
