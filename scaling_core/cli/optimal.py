"""``optimal``: compute-optimal N, D and loss of a law for a FLOP budget."""

from __future__ import annotations

import argparse
import math
from typing import Any

from scaling_core.allocation import compute_optimal
from scaling_core.cli.args import emit, quantity
from scaling_core.presets import get_law


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
    emit(
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


def add_optimal_command(subparsers: Any) -> None:
    """Register ``optimal``."""
    optimal = subparsers.add_parser("optimal", help="compute-optimal N and D for a FLOP budget")
    optimal.add_argument("--law", required=True, help="preset name, see `laws`")
    optimal.add_argument(
        "--compute", required=True, type=quantity("compute"), help="C in FLOP, e.g. 1e21"
    )
    optimal.add_argument("--json", action="store_true", help="print one JSON object")
    optimal.set_defaults(handler=cmd_optimal)
