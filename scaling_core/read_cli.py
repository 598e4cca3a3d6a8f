"""``python -m scaling_core read PATH...``: read run logs of any supported format and print the
report (formats detected, each role's column, runs found with params/tokens/loss and their
sources, runs lacking values, rows dropped with reasons). The same source options serve ``fit``.

Examples
--------
``python -m scaling_core read ../shared/real-logs/olmo-ladder/wandb-history``
``python -m scaling_core read logs.zip --column loss=eval/loss --runs-meta sizes.csv --json``
"""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

from scaling_core.runs.mapping import ROLES


def add_source_arguments(parser: argparse.ArgumentParser) -> None:
    """PATH..., --column ROLE=NAME, --runs-meta FILE and the embeddings choice."""
    parser.add_argument(
        "paths", nargs="+", metavar="PATH", help="run logs: files, folders or zip archives"
    )
    parser.add_argument(
        "--column",
        action="append",
        default=[],
        metavar="ROLE=NAME",
        help=f"use column NAME for ROLE (one of: {', '.join(ROLES)}); repeatable",
    )
    parser.add_argument(
        "--runs-meta",
        metavar="FILE",
        default=None,
        help="CSV with run plus any of params, tokens, tokens_per_step: fills what logs lack",
    )
    parser.add_argument(
        "--no-embeddings",
        action="store_true",
        help="count parameters from config without the embedding and head matrices",
    )


def read_from_args(args: argparse.Namespace) -> Any:
    """`scaling_core.runs.read_runs` for the parsed source options."""
    import os

    from scaling_core.runs import RunLogError, parse_column_flags, read_runs

    columns = parse_column_flags(args.column)
    if args.runs_meta is not None and not os.path.isfile(args.runs_meta):
        raise RunLogError(f"--runs-meta: no such file {args.runs_meta!r}")
    return read_runs(
        args.paths,
        columns=columns,
        runs_meta=args.runs_meta,
        count_embeddings=not args.no_embeddings,
    )


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def cmd_read(args: argparse.Namespace) -> None:
    """Print the reading report, or one JSON object."""
    result = read_from_args(args)
    if args.json:
        print(json.dumps(_clean(result.to_dict())))
    else:
        print(result.summary())


def add_read_command(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``read PATH... [options]``."""
    read = subparsers.add_parser(
        "read",
        help="read run logs (CSV, JSON, W&B, HF trainer_state, Lightning, TensorBoard, MLflow, zip)",
        description="Read run logs and report what was read as what, per run and per row.",
    )
    add_source_arguments(read)
    read.add_argument("--json", action="store_true", help="print one JSON object")
    read.set_defaults(handler=cmd_read)
    return read
