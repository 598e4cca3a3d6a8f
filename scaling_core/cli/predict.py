"""``predict``: the loss a law gives for N parameters (and D tokens)."""

from __future__ import annotations

import argparse
from typing import Any

from scaling_core.cli.args import UsageError, emit, quantity
from scaling_core.laws import KaplanLaw
from scaling_core.presets import get_law


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
    emit(
        payload,
        args.json,
        [
            f"law     {law.key}",
            f"params  {args.params:.4g}",
            f"tokens  {tokens_text}",
            f"loss    {loss:.4f} nats/token   [{basis}]",
        ],
    )


def add_predict_command(subparsers: Any) -> None:
    """Register ``predict``."""
    predict = subparsers.add_parser("predict", help="predicted loss for N parameters and D tokens")
    predict.add_argument("--law", required=True, help="preset name, see `laws`")
    predict.add_argument("--params", required=True, type=quantity("params"), help="N, e.g. 1.5B")
    predict.add_argument("--tokens", type=quantity("tokens"), help="D, e.g. 300B (omit: unlimited)")
    predict.add_argument("--json", action="store_true", help="print one JSON object")
    predict.set_defaults(handler=cmd_predict)
