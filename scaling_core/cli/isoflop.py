"""``python -m scaling_core isoflop PATH...``: the compute-optimal exponents of an IsoFLOP sweep.

Registered by `scaling_core.cli.build_parser` through `add_isoflop_command`.  Prints the
exponents a (N_opt ∝ C^a) and b (D_opt ∝ C^b), their 95% intervals when bootstrapped, and each
budget with its N_opt or the reason it was left out.  ``--method parabola`` is Hoffmann et al.
2022's Approach 2 (section 3.2) with edge budgets left out; ``--method akima`` is Porian et al.
2024's estimator (arXiv:2406.19146).  PATH... and the source options (``--column``,
``--runs-meta``, ``--where``, ``--verbose``) are those of ``read`` and ``fit``
(`scaling_core.cli.read`): files, folders or zips of any format the readers know;
``--where COLUMN=VALUE`` picks one sweep of a file that holds several.

Examples
--------
``python -m scaling_core isoflop sample_data/isoflop_sweep.csv --bootstrap 500``
``python -m scaling_core isoflop sample_data/real/porian-2024/porian2024_isoflop_points.csv
--method akima --seed-noise 0.002 --where dataset=rw --where hparams=tuned --where loss_type=val
--where counting=standard --json``
``python -m scaling_core isoflop porian-2024.zip --method akima --where dataset=owt2 ...``
"""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

from scaling_core.cli.args import count, json_safe, positive_float


class IsoflopCommandError(ValueError):
    """An option the user can correct; one line, exit status 2."""


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
    from scaling_core.cli.read import add_source_arguments

    add_source_arguments(cmd)
    cmd.add_argument("--method", choices=("parabola", "akima"), default="parabola")
    cmd.add_argument(
        "--bootstrap",
        type=count("--bootstrap"),
        default=0,
        metavar="K",
        help="bootstrap replicates for 95%% intervals: each budget's sizes resampled and seed "
        "noise added (akima: default 1000)",
    )
    cmd.add_argument(
        "--seed-noise",
        type=positive_float("--seed-noise"),
        default=None,
        metavar="NATS",
        help="loss s.d. between seeds for the bootstrap (default 0.01; Porian: 0.002 on RefinedWeb)",
    )
    cmd.add_argument(
        "--window",
        type=positive_float("--window"),
        default=8.0,
        metavar="X",
        help="parabola: fit sizes within a factor X of the best one (default 8; 0 would be all)",
    )
    cmd.add_argument("--seed", type=int, default=0, help="bootstrap random seed (default 0)")
    cmd.add_argument("--json", action="store_true", help="print one JSON object")
    cmd.set_defaults(handler=cmd_isoflop)
    return cmd


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
    """Read PATH... as ``read`` does, fit the sweep, print the reading report and the exponents
    with each budget, or one JSON object."""
    from scaling_core.cli.read import read_payload, read_usable
    from scaling_core.fit.sweeps import fit_isoflop, parse_where

    where = parse_where(args.where)
    if args.method == "akima" and 0 < args.bootstrap < 20:
        raise IsoflopCommandError("--bootstrap must be >= 20 for --method akima")
    if args.bootstrap == 1:
        raise IsoflopCommandError("--bootstrap needs at least 2 replicates (or 0 for none)")
    window = args.window if args.window > 1 else None
    read = read_usable(args)  # --where has kept the rows of one sweep
    runs = read.log.runs
    nominal = "nominal_budget" if "nominal_budget" in runs.columns else None
    fit = fit_isoflop(
        runs,
        args.method,
        budget_column=nominal,
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
        "n_runs": len(runs),
        "bootstrap": fit.n_bootstrap,
        "seed_noise": fit.seed_noise,
        "interval_basis": fit.interval_basis or None,
        "interval_assumes": fit.interval_assumes or None,
        "window": window if fit.method == "parabola" else None,
        "notes": list(fit.notes),
        **read_payload(read),
    }
    if args.json:
        print(json.dumps(json_safe(payload)))
        return
    what = (
        "Porian et al. 2024's estimator (Akima minima, seed-noise bootstrap, weighted fit)"
        if fit.method == "akima"
        else "Approach 2 of Hoffmann et al. 2022 (parabolas in log N"
        + (f" within x{window:g} of the best size)" if window else ")")
    )
    n_files = runs["file"].nunique()
    lines = [
        read.summary(None if args.verbose else 20),
        "",
        f"IsoFLOP sweep: {len(runs):,} runs from {n_files} file{'s' if n_files != 1 else ''}"
        + (" where " + " ".join(f"{k}={v}" for k, v in where.items()) if where else ""),
        f"method: {what}",
    ]

    def ci(pair: tuple[float, float] | None) -> str:
        if not pair:
            return ""
        return f"  (95% {pair[0]:.3f}-{pair[1]:.3f}; {fit.interval_assumes})"

    lines += [
        f"a = {fit.a:.4f}{ci(fit.a_interval)}   N_opt = {fit.n_coefficient:.4g} * C^a",
        f"b = {fit.b:.4f}{ci(fit.b_interval)}   D_opt = {fit.d_coefficient:.4g} * C^b",
    ]
    if fit.a_interval:
        lines.append(f"intervals: {fit.interval_basis}")
    lines += [
        f"note: {note}" + ("; --seed-noise NATS sets it" if "(assumed default)" in note else "")
        for note in fit.notes
    ]
    lines += ["budgets:", *_budget_lines(fit)]
    if not math.isfinite(fit.a):
        raise IsoflopCommandError("the fit gave no finite exponent")
    print("\n".join(lines))
