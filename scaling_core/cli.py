"""Command line over `scaling_core`: ``python -m scaling_core {laws,predict,optimal,read,fit,isoflop} ...``.

Every command takes ``--json`` and then prints exactly one JSON object.  Bad input exits with
status 2 and one line on stderr naming the problem; never a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from scaling_core.allocation import compute_optimal
from scaling_core.laws import KaplanLaw, LawUnavailable
from scaling_core.presets import PRESETS, UnknownLaw, get_law
from scaling_core.units import QuantityError, parse_positive

EXIT_USAGE = 2


class UsageError(Exception):
    """A problem with the command line the user can fix; printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse that reports errors as one line instead of the usage block."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _quantity(what: str) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            return parse_positive(text, what=what)
        except QuantityError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    parse.__name__ = what
    return parse


def _json_number(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def _emit(payload: dict[str, Any], as_json: bool, lines: Sequence[str]) -> None:
    if as_json:
        print(
            json.dumps(
                {k: _json_number(v) if isinstance(v, float) else v for k, v in payload.items()}
            )
        )
    else:
        print("\n".join(lines))


def cmd_laws(args: argparse.Namespace) -> None:
    """List the presets with their source."""
    rows = [
        {
            "key": law.key,
            "label": law.label,
            "kind": "loss" if law.has_loss else "allocation only",
            "source": str(law.source),
            "url": law.source.url,
        }
        for law in PRESETS.values()
    ]
    if args.json:
        print(json.dumps({"laws": rows}))
        return
    width = max(len(row["key"]) for row in rows)
    for row in rows:
        print(f"{row['key']:<{width}}  {row['label']} [{row['kind']}]")
        print(f"{'':<{width}}  {row['source']}")


def cmd_predict(args: argparse.Namespace) -> None:
    """Predicted loss for N parameters (and D tokens)."""
    law = get_law(args.law)
    if not law.has_loss:
        raise UsageError(f"law {law.key} gives the compute-optimal allocation only, no loss")
    if args.tokens is None:
        loss = float(law.loss_data_unlimited(args.params))
        basis = (
            "L(N), data unlimited (Kaplan et al. 2020, eq. 1.1)"
            if isinstance(law, KaplanLaw)
            else "E + A/N^alpha, data unlimited"
        )
    else:
        loss = float(law.loss(args.params, args.tokens))
        basis = "L(N, D)"
    payload = {"law": law.key, "params": args.params, "tokens": args.tokens, "loss": loss}
    tokens_text = "unlimited" if args.tokens is None else f"{args.tokens:.4g}"
    _emit(
        payload,
        args.json,
        [
            f"law     {law.key}",
            f"params  {args.params:.4g}",
            f"tokens  {tokens_text}",
            f"loss    {loss:.4f} nats/token   [{basis}]",
        ],
    )


def cmd_optimal(args: argparse.Namespace) -> None:
    """Compute-optimal N, D and loss for a budget of C FLOP."""
    law = get_law(args.law)
    opt = compute_optimal(law, args.compute)
    n_params = float(opt.n_params)
    n_tokens = float(opt.n_tokens)
    loss = float(opt.loss)
    payload = {
        "law": law.key,
        "compute": args.compute,
        "params": n_params,
        "tokens": n_tokens,
        "loss": loss,
        "tokens_per_param": n_tokens / n_params,
    }
    loss_text = f"{loss:.4f} nats/token" if math.isfinite(loss) else "not given by this law"
    _emit(
        payload,
        args.json,
        [
            f"law               {law.key}",
            f"compute           {args.compute:.4g} FLOP",
            f"params (N_opt)    {n_params:.4g}",
            f"tokens (D_opt)    {n_tokens:.4g}",
            f"loss              {loss_text}",
            f"tokens per param  {n_tokens / n_params:.3g}",
        ],
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command."""
    parser = _Parser(
        prog="python -m scaling_core",
        description="Scaling-law predictions and compute-optimal allocation from the command line.",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    laws = sub.add_parser("laws", help="list the preset laws")
    laws.add_argument("--json", action="store_true", help="print one JSON object")
    laws.set_defaults(handler=cmd_laws)

    predict = sub.add_parser("predict", help="predicted loss for N parameters and D tokens")
    predict.add_argument("--law", required=True, help="preset name, see `laws`")
    predict.add_argument("--params", required=True, type=_quantity("params"), help="N, e.g. 1.5B")
    predict.add_argument(
        "--tokens", type=_quantity("tokens"), help="D, e.g. 300B (omit: unlimited)"
    )
    predict.add_argument("--json", action="store_true", help="print one JSON object")
    predict.set_defaults(handler=cmd_predict)

    optimal = sub.add_parser("optimal", help="compute-optimal N and D for a FLOP budget")
    optimal.add_argument("--law", required=True, help="preset name, see `laws`")
    optimal.add_argument(
        "--compute", required=True, type=_quantity("compute"), help="C in FLOP, e.g. 1e21"
    )
    optimal.add_argument("--json", action="store_true", help="print one JSON object")
    optimal.set_defaults(handler=cmd_optimal)

    from scaling_core.fit_cli import add_fit_command
    from scaling_core.read_cli import add_read_command

    add_read_command(sub)
    add_fit_command(sub)
    from scaling_core.isoflop_cli import add_isoflop_command

    add_isoflop_command(sub)
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
    """Run the command line; returns the exit status (0 ok, 2 bad input)."""
    try:
        args = build_parser().parse_args(_negative_values_attached(argv))
        args.handler(args)
    except (UsageError, UnknownLaw, LawUnavailable, QuantityError, ValueError) as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"error: {message}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        return 0
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
