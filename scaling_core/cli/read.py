"""``python -m scaling_core read PATH...``: read run logs of any supported format and print the
report (formats detected, each role's column, runs found with params/tokens/loss and their
sources, runs lacking values, rows dropped with reasons). The same source options serve ``fit``
and ``isoflop``.

Examples
--------
``python -m scaling_core read ../shared/real-logs/olmo-ladder/wandb-history``
``python -m scaling_core read logs.zip --column loss=eval/loss --runs-meta sizes.csv --json``
``python -m scaling_core read runs.csv --where dataset=c4 --verbose``
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from scaling_core.cli.args import json_safe
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
        "--where",
        action="append",
        default=[],
        metavar="COLUMN=VALUE",
        help="keep rows whose COLUMN equals VALUE (repeatable): one sweep of a multi-sweep file",
    )
    add_reading_options(parser)


def add_reading_options(parser: argparse.ArgumentParser, *, lists_runs: bool = True) -> None:
    """How runs are read, whatever the paths: --runs-meta, --embeddings, --tuning, --wide,
    --unfinished-as-final and, for a command that lists the runs (``lists_runs``), --verbose
    (``compare`` takes the others with its own two paths and prints no run list)."""
    parser.add_argument(
        "--runs-meta",
        metavar="FILE",
        default=None,
        help="CSV with run plus any of params, tokens, tokens_per_step: fills what logs lack",
    )
    if lists_runs:
        parser.add_argument(
            "--verbose", action="store_true", help="list every run (default: the first 20)"
        )
    parser.add_argument(
        "--embeddings",
        action="store_true",
        help="count parameters from a config with the embedding and head matrices (V·d each, "
        "as Hoffmann et al. count); default: non-embedding 12·L·d² (Kaplan et al. 2020 sec. 2.1)",
    )
    parser.add_argument("--no-embeddings", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--tuning",
        choices=("best", "all"),
        default="best",
        help="runs that repeat one (N, D) under several learning rates, batch sizes, warmups or "
        "weight decays: fit the best of each (N, D) (best, the envelope; default) or all",
    )
    parser.add_argument(
        "--wide",
        choices=("auto", "tokens", "params", "step", "no"),
        default="auto",
        help="a wide table (one column per data size, model size or step, named 1B, 2B, ... or "
        "step_1000, ...): what its column names are; auto (default) reads it from the names or "
        "the other columns, no reads the columns as they are",
    )
    parser.add_argument(
        "--unfinished-as-final",
        action="store_true",
        help="use the last point of a run that stopped before its end (a Trainer folder without "
        "trainer_state.json) as if it were final",
    )


def read_from_args(args: argparse.Namespace) -> Any:
    """`scaling_core.runs.read_runs` for the parsed source options, on the rows ``--where``
    keeps (`scaling_core.fit.sweeps.select_rows` on the files' own columns); a note says how
    many rows that kept."""
    import os

    from scaling_core.fit.sweeps import parse_where, select_loaded
    from scaling_core.runs import RunLogError, parse_column_flags
    from scaling_core.runs.collect import build_runs, load, mapping_for, melt_loaded
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
    loaded = melt_loaded(load(args.paths), args.wide)
    selected = ""
    if where:
        rows = len(loaded.frame)
        loaded = select_loaded(loaded, where)
        chosen = " ".join(f"{k}={v}" for k, v in where.items())
        selected = f"--where {chosen}: {len(loaded.frame):,} of {rows:,} rows kept"
    read = build_runs(
        loaded,
        mapping_for(loaded, columns),
        runs_meta=meta,
        count_embeddings=args.embeddings and not args.no_embeddings,
        unfinished_as_final=args.unfinished_as_final,
        tuning=args.tuning,
    )
    if selected:
        read.notes.insert(0, selected)
        if read.log is not None:
            read.log.report.notes.insert(0, selected)
    return read


def read_usable(args: argparse.Namespace) -> Any:
    """`read_from_args`, refusing a read in which no run has params, tokens and a loss."""
    from scaling_core.runs import RunLogError

    read = read_from_args(args)  # RunLogError (a ValueError) names the file, line or column
    if read.log is None:
        raise RunLogError(f"{read.nothing_usable()}; see the read command")
    return read


def read_payload(read: Any) -> dict[str, Any]:
    """The JSON keys ``fit`` and ``isoflop`` share: files, roles, the sweep and setting
    columns of what was read (after ``--where``), runs_lacking and report."""
    report = read.log.report
    return {
        "files": sorted({t.source for t in read.sources.tables}),
        "roles": dict(read.mapping.columns),
        **read.factors.to_dict(),
        "runs_lacking": [
            {"run": r.run, "needs": r.needs} for r in read.lacking.itertuples(index=False)
        ],
        "report": {
            "shape": report.shape,
            "n_rows_read": report.n_rows_read,
            "n_rows_kept": report.n_rows_kept,
            "n_dropped": report.n_dropped,
            "dropped": [{"line": d.line, "reason": d.reason} for d in report.dropped],
            "columns": {c.source: c.role for c in report.columns},
            "notes": list(report.notes),
            "summary": report.summary(),
        },
    }


def cmd_read(args: argparse.Namespace) -> None:
    """Print the reading report, or one JSON object."""
    result = read_from_args(args)
    if args.json:
        print(json.dumps(json_safe(result.to_dict())))
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
