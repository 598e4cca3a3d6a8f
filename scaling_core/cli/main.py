"""The command line's entry: ``python -m scaling_core {laws,predict,optimal,read,fit,isoflop,rollout,
compare,downstream} ...``.

Every command takes ``--json`` and then prints exactly one JSON object.  Bad input exits with
status 2 and one line on stderr naming the problem; never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence

from scaling_core.cli.args import EXIT_USAGE, Parser, UsageError
from scaling_core.laws import LawUnavailable
from scaling_core.presets import UnknownLaw
from scaling_core.units import QuantityError


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command."""
    parser = Parser(
        prog="python -m scaling_core",
        description="Scaling-law predictions and compute-optimal allocation from the command line.",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    from scaling_core.cli.compare import add_compare_command
    from scaling_core.cli.downstream import add_downstream_command
    from scaling_core.cli.fit import add_fit_command
    from scaling_core.cli.isoflop import add_isoflop_command
    from scaling_core.cli.laws import add_laws_command
    from scaling_core.cli.optimal import add_optimal_command
    from scaling_core.cli.predict import add_predict_command
    from scaling_core.cli.read import add_read_command
    from scaling_core.cli.rollout import add_rollout_command

    add_laws_command(sub)
    add_predict_command(sub)
    add_optimal_command(sub)
    add_read_command(sub)
    add_fit_command(sub)
    add_isoflop_command(sub)
    add_rollout_command(sub)
    add_compare_command(sub)
    add_downstream_command(sub)
    return parser


def _negative_values_attached(argv: Sequence[str] | None) -> list[str]:
    """``--compute -1e21`` as ``--compute=-1e21``: argparse takes ``-1e21`` for an option and
    says "expected one argument"; attached, the option's own check names the bad value."""
    items = list(sys.argv[1:] if argv is None else argv)
    out: list[str] = []
    for item in items:
        if out and out[-1].startswith("--") and "=" not in out[-1] and item.startswith("-"):
            try:
                float(item)
            except ValueError:
                pass
            else:
                out[-1] = f"{out[-1]}={item}"
                continue
        out.append(item)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 2 bad input or any failure).

    This is the command line's one exception boundary: a problem with the input is one line
    naming it; anything unexpected is one line saying what failed and what to try (the
    traceback only with ``SCALING_CORE_TRACEBACK=1``), never a traceback by default."""
    command = "the command"
    try:
        args = build_parser().parse_args(_negative_values_attached(argv))
        command = f"`{args.command}`"
        args.handler(args)
    except (UsageError, UnknownLaw, LawUnavailable, QuantityError, ValueError) as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"error: {message}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        return 0
    except MemoryError:
        print(
            f"error: {command} ran out of memory. Read fewer files or runs at once "
            "(the limits are in the README)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    except Exception as exc:
        if os.environ.get("SCALING_CORE_TRACEBACK"):
            traceback.print_exc()
        detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
        print(
            f"error: {command} failed unexpectedly ({type(exc).__name__}"
            + (f": {detail}" if detail else "")
            + "). Check the input named above; set SCALING_CORE_TRACEBACK=1 for the traceback "
            "and report it",
            file=sys.stderr,
        )
        return EXIT_USAGE
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
