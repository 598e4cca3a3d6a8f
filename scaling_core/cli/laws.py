"""``laws``: list the preset laws with their sources."""

from __future__ import annotations

import argparse
import json
from typing import Any

from scaling_core.presets import PRESETS


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


def add_laws_command(subparsers: Any) -> None:
    """Register ``laws``."""
    laws = subparsers.add_parser("laws", help="list the preset laws")
    laws.add_argument("--json", action="store_true", help="print one JSON object")
    laws.set_defaults(handler=cmd_laws)
