"""``python -m scaling_core fit PATH...``: fit a scaling law to run logs from the command line.

Registered by `scaling_core.cli.build_parser` through `add_fit_command`.  The numeric work
is in `scaling_core.fit`; the sources are read by `scaling_core.cli.read.read_from_args`.  Both
(and pandas) are imported only when the command runs, so the other commands start fast.

Errors (an unreadable file, a column missing, a degenerate fit) are `ValueError` subclasses
with one-line messages; `scaling_core.cli.main` prints ``error: <message>`` and exits with
status 2.

Examples
--------
``python -m scaling_core fit sample_data/isoflop_sweep.csv --json``
``python -m scaling_core fit runs.csv --bootstrap 1000 --exclude-highest-loss 5 --seed 1``
``python -m scaling_core fit porian2024_isoflop_points.csv --where dataset=rw --where hparams=tuned``
``python -m scaling_core fit wandb-history/ --column loss=eval/c4_en-validation/CrossEntropyLoss
--holdout-params-above 2e9``

PATH may be files, folders or zips of any format `scaling_core.runs.read_runs` reads; the
source options (``--column``, ``--runs-meta``) are those of ``read``.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from typing import Any

from scaling_core.cli.args import count, json_safe, non_negative_float, positive_float

FIT_FORMS = ("auto", "chinchilla", "kaplan", "power-n", "power-c")


class FitCommandError(ValueError):
    """A fit option the user can correct; one line, exit status 2."""


def add_fit_command(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``fit PATH... [options]`` on the CLI's sub-parsers and return its parser."""
    fit = subparsers.add_parser(
        "fit",
        help="fit a scaling law (default: Chinchilla form, Approach 3) to run logs of any format",
        description=(
            "Fit L(N, D) = E + A/N^alpha + B/D^beta by Hoffmann et al. 2022's Approach 3 "
            "(Huber loss on log loss, App. D.2), or another form, to the runs in PATH..."
        ),
    )
    from scaling_core.cli.read import add_source_arguments

    add_source_arguments(fit)
    fit.add_argument(
        "--form",
        choices=FIT_FORMS,
        default="auto",
        help="law form to fit (default auto: the Chinchilla form, or a power law in N when the "
        "runs determine only that, e.g. all at one D; the JSON's fallback says so)",
    )
    fit.add_argument(
        "--bootstrap",
        type=count("--bootstrap"),
        default=0,
        metavar="K",
        help="bootstrap refits for percentile intervals (0: none); runs sharing (N, D), such as "
        "seeds, are resampled together",
    )
    fit.add_argument(
        "--exclude-highest-loss",
        type=count("--exclude-highest-loss"),
        default=0,
        metavar="K",
        help="drop the K highest-loss runs first (Besiroglu et al. 2024 drop 5)",
    )
    fit.add_argument(
        "--delta",
        type=positive_float("--delta"),
        default=1e-3,
        metavar="X",
        help="Huber threshold on log-loss residuals (default 1e-3, as Hoffmann et al. 2022)",
    )
    fit.add_argument(
        "--least-squares", action="store_true", help="least squares on log loss instead of Huber"
    )
    fit.add_argument(
        "--fix-E",
        dest="fix_E",
        type=non_negative_float("--fix-E"),
        default=None,
        metavar="VALUE",
        help="hold the irreducible loss E at VALUE",
    )
    fit.add_argument(
        "--offset",
        action="store_true",
        help="power-c: fit E + (C_c/C)^alpha_c instead of (C_c/C)^alpha_c",
    )
    fit.add_argument(
        "--confidence",
        type=positive_float("--confidence"),
        default=0.95,
        help="interval coverage for --bootstrap (default 0.95)",
    )
    fit.add_argument("--seed", type=int, default=0, help="bootstrap random seed (default 0)")
    fit.add_argument(
        "--compute",
        type=positive_float("--compute"),
        default=None,
        metavar="C",
        help="chinchilla: also report N_opt and D_opt at C FLOP",
    )
    fit.add_argument(
        "--holdout-params-above",
        type=positive_float("--holdout-params-above"),
        default=None,
        metavar="N",
        help="fit only runs with at most N parameters and report how well it predicts the rest",
    )
    fit.add_argument(
        "--points",
        choices=("auto", "final", "snapshots"),
        default="auto",
        help="learning curves: fit their last logged points or IsoFLOP snapshots along them; "
        "auto (default) snapshots only when every run ends at one tokens-per-parameter ratio "
        "(the fit page's 'automatic', the same rule)",
    )
    fit.add_argument(
        "--pool",
        action="store_true",
        help="fit the rows as one law even when columns such as dataset split them into sweeps",
    )
    fit.add_argument("--json", action="store_true", help="print one JSON object")
    fit.set_defaults(handler=cmd_fit)
    return fit


def _fit_options(args: argparse.Namespace) -> dict[str, Any]:
    options: dict[str, Any] = {
        "delta": None if args.least_squares else args.delta,
        "exclude_highest_loss": args.exclude_highest_loss,
    }
    if args.fix_E is not None:
        if args.form == "kaplan":
            raise FitCommandError("--fix-E does not apply to the kaplan form (it has no E)")
        options["fixed"] = {"E": args.fix_E}
    if args.form == "power-c":
        options["offset"] = args.offset
    elif args.offset:
        raise FitCommandError("--offset applies to --form power-c only")
    return options


def _refuse_pooled_sweeps(runs: Any) -> None:
    """Refuse rows that hold several sweeps, as ``isoflop`` does, unless ``--pool`` is given."""
    from scaling_core.fit.base import FitError
    from scaling_core.fit.sweeps import check_one_sweep

    try:
        check_one_sweep(runs)
    except FitError as exc:
        raise FitCommandError(f"{exc} (or --pool to fit them as one law)") from None


def cmd_fit(args: argparse.Namespace) -> None:
    """Read PATH..., fit the chosen form, optionally bootstrap, print a report or one JSON object."""
    from scaling_core.cli.read import read_payload, read_usable
    from scaling_core.fit import bootstrap_fit, extrapolation_check, fit
    from scaling_core.fit.bootstrap import few_draws_note
    from scaling_core.fit.points import choose_points, points_table
    from scaling_core.fit.sweeps import parse_where

    if not 0 < args.confidence < 1:
        raise FitCommandError(f"--confidence must be between 0 and 1, got {args.confidence:g}")
    if args.bootstrap == 1:
        raise FitCommandError("--bootstrap needs at least 2 refits (or 0 for none)")
    if args.compute is not None and args.form not in ("chinchilla", "auto"):
        raise FitCommandError("--compute applies to --form chinchilla only")
    options = _fit_options(args)
    read = read_usable(args)
    log = read.log
    if not args.pool:
        _refuse_pooled_sweeps(log.runs)
    if args.points == "auto":
        points, points_reason = choose_points(log.runs, log.curves is not None)
    else:
        points, points_reason = args.points, "chosen with --points"
    table = points_table(log.runs, log.curves, points)
    holdout = None
    if args.holdout_params_above is not None and args.bootstrap:
        raise FitCommandError("--holdout-params-above and --bootstrap do not combine")
    chosen = fit(table, args.form, **options)  # "auto" resolves to the form it fitted
    form = chosen.form
    if args.holdout_params_above is not None:
        holdout = extrapolation_check(
            table, form, by="n_params", threshold=args.holdout_params_above, **options
        )
    boot = None
    if args.bootstrap:
        boot = bootstrap_fit(
            table,
            form,
            n_boot=args.bootstrap,
            seed=args.seed,
            confidence=args.confidence,
            compute_flops=args.compute,
            **options,
        )
        result = boot.fit
    elif holdout is not None:
        result = holdout.fit
    else:
        result = chosen
    if chosen.fallback and result.form == chosen.form:
        result = replace(result, fallback=chosen.fallback)
    ident = result.identifiability
    if boot is not None:
        ident = ident.with_intervals(boot.intervals, args.confidence)
    allocation = ident.allocation_determined

    derived: dict[str, float | None] = {}
    if result.form in ("chinchilla", "power-n", "power-c"):
        derived["a"] = derived["b"] = None
        if allocation:
            derived["a"], derived["b"] = result.allocation_exponents
        if args.compute is not None:
            derived["n_opt"] = derived["d_opt"] = derived["tokens_per_param"] = None
            if allocation:
                n_opt, d_opt = result.compute_optimal(args.compute)
                derived["n_opt"], derived["d_opt"] = float(n_opt), float(d_opt)
                derived["tokens_per_param"] = float(d_opt) / float(n_opt)
    intervals: dict[str, list[float]] = {}
    derived_intervals: dict[str, list[float] | None] = {}
    if boot is not None:
        for name, (low, high) in boot.intervals.items():
            if name in result.params:
                intervals[name] = [low, high]
            else:
                derived_intervals[name] = [low, high] if allocation else None
    draws_note = None if boot is None else few_draws_note(boot.n_boot)
    payload = {
        "file": str(args.paths[0]) if len(args.paths) == 1 else [str(p) for p in args.paths],
        "holdout": None
        if holdout is None
        else {
            "params_above": args.holdout_params_above,
            "n_runs": len(holdout.holdout),
            "n_configurations": holdout.n_configurations,
            "mean_abs_relative_error": holdout.mean_abs_relative_error,
            "mean_signed_relative_error": holdout.mean_signed_relative_error,
            "max_abs_relative_error": holdout.max_abs_relative_error,
            "runs": [
                {"run": str(r.run), "loss": float(r.loss), "predicted": float(r.predicted)}
                for r in holdout.holdout.itertuples(index=False)
            ],
        },
        "form": result.form,
        "requested_form": args.form,
        "fallback": None
        if result.fallback is None
        else f"{result.fallback} (--form chinchilla fits it anyway)",
        "determined": ident.determined,
        "not_determined_because": {
            k: v for k, v in ident.reasons.items() if not ident.determined[k]
        },
        "method": result.method,
        "params": result.params,
        "fixed": result.fixed,
        "objective": result.objective,
        "objective_kind": "least_squares" if result.delta is None else "huber_sum",
        "delta": result.delta,
        "n_runs": result.n_runs,
        "excluded": list(result.excluded),
        "converged": result.converged,
        "warnings": result.warnings(ident) + ([draws_note] if draws_note else []),
        "message": result.message,
        "derived": derived,
        "intervals": intervals,
        "derived_intervals": derived_intervals,
        "confidence": args.confidence if boot is not None else None,
        "bootstrap": None
        if boot is None
        else {
            "n_boot": boot.n_boot,
            "n_failed": boot.n_failed,
            "seed": boot.seed,
            "resample": boot.resample,
            "n_clusters": boot.n_clusters,
            "resampling": boot.resampling,
        },
        "residuals": {"rms": result.rms_residual, "max_abs": result.max_abs_residual},
        "where": dict(parse_where(args.where)),
        "pooled": bool(args.pool),
        "points": points,
        "points_reason": points_reason,
        **read_payload(read),
    }
    if args.json:
        print(json.dumps(json_safe(payload)))
        return
    print(read.summary(None if args.verbose else 20))
    print()
    if points_reason:
        print(f"Fitted points: {points_reason}")
    print(result.report(ident))
    if result.fallback:
        print("    (--form chinchilla fits the Chinchilla form anyway)")
    if boot is not None:
        print(bootstrap_text(boot, ident))
    if holdout is not None:
        print(holdout.report())
    if "n_opt" in derived:
        if derived["n_opt"] is None:
            print(
                f"    at C = {args.compute:.4g} FLOP: N_opt and D_opt not determined by these "
                f"runs ({ident.reasons.get('a', 'a is not determined')})"
            )
        else:
            print(
                f"    at C = {args.compute:.4g} FLOP: N_opt = {derived['n_opt']:.4g}, "
                f"D_opt = {derived['d_opt']:.4g}"
            )


def bootstrap_text(boot: Any, ident: Any) -> str:
    """The bootstrap section of the text report: each interval, or "not determined" for a
    derived quantity (a, b, N_opt, D_opt) the runs do not determine."""
    pct = f"{100 * boot.confidence:g}%"
    lines = [
        f"[[Bootstrap]] {boot.n_boot} refits, {boot.n_failed} failed; {pct} "
        f"percentile intervals (seed {boot.seed})",
        f"    resampled  {boot.resampling}",
    ]
    from scaling_core.fit.bootstrap import few_draws_note

    if (note := few_draws_note(boot.n_boot)) is not None:
        lines.append(f"    ({note})")
    point = {**boot.fit.params, **boot.derived}
    for name, (low, high) in boot.intervals.items():
        if name not in boot.fit.params and not ident.allocation_determined:
            lines.append(f"    {name:<8} not determined by these runs")
            continue
        flag = "" if ident.determined.get(name, True) else "   (not determined)"
        lines.append(
            f"    {name:<8} {point.get(name, float('nan')):.6g}  [{low:.6g}, {high:.6g}]{flag}"
        )
    return "\n".join(lines)
