"""``python -m scaling_core read PATH...``: read run logs of any supported format and print the
report (formats detected, each role's column, runs found with params/tokens/loss and their
sources, runs lacking values, rows dropped with reasons). The same source options serve ``fit``.

Examples
--------
``python -m scaling_core read ../shared/real-logs/olmo-ladder/wandb-history``
``python -m scaling_core read logs.zip --column loss=eval/loss --runs-meta sizes.csv --json``
``python -m scaling_core read runs.csv --where dataset=c4 --verbose``
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
        "--where",
        action="append",
        default=[],
        metavar="COLUMN=VALUE",
        help="keep rows whose COLUMN equals VALUE (repeatable): one sweep of a multi-sweep file",
    )
    parser.add_argument(
        "--verbose", action="store_true", help="list every run (default: the first 20)"
    )
    parser.add_argument(
        "--no-embeddings",
        action="store_true",
        help="count parameters from config without the embedding and head matrices",
    )


def read_from_args(args: argparse.Namespace) -> Any:
    """`scaling_core.runs.read_runs` for the parsed source options, on the rows ``--where``
    keeps (`scaling_core.fit.sweeps.select_rows`, as ``isoflop`` selects)."""
    import os

    from scaling_core.fit.sweeps import parse_where, select_rows
    from scaling_core.runs import RunLogError, parse_column_flags
    from scaling_core.runs.collect import build_runs, load, mapping_for
    from scaling_core.runs.meta import read_runs_meta

    columns = parse_column_flags(args.column)
    where = parse_where(args.where)
    meta = None
    if args.runs_meta is not None:
        if not os.path.isfile(args.runs_meta):
            raise RunLogError(f"--runs-meta: no such file {args.runs_meta!r}")
        with open(args.runs_meta, "rb") as handle:
            content = handle.read()
        try:
            content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise RunLogError(
                f"--runs-meta {args.runs_meta}: not a text CSV (byte 0x{content[exc.start]:02x} "
                f"at offset {exc.start}); give a CSV with run,params,tokens,tokens_per_step"
            ) from None
        meta = read_runs_meta(args.runs_meta)
    loaded = load(args.paths)
    if where:
        kept = select_rows(loaded.frame, where)
        loaded.frame = kept.reset_index(drop=True)
    return build_runs(
        loaded,
        mapping_for(loaded, columns),
        runs_meta=meta,
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
        print(result.summary(None if args.verbose else 20))


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
