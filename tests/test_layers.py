"""The layers import one way: pages -> dashboard -> charts -> scaling_core (DESIGN.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: What each layer must never import (top-level package names).
FORBIDDEN: dict[str, set[str]] = {
    "scaling_core": {"streamlit", "plotly", "charts", "dashboard", "pages"},
    "charts": {"streamlit", "dashboard", "pages"},
    "dashboard": {"pages"},
}


def _imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_run_one_way(layer: str) -> None:
    offending = {
        str(path.relative_to(ROOT)): sorted(_imported_packages(path) & FORBIDDEN[layer])
        for path in sorted((ROOT / layer).rglob("*.py"))
    }
    assert {k: v for k, v in offending.items() if v} == {}


def test_the_scan_sees_imports() -> None:
    """The check above would catch a page-level import (guards against a scan that sees none)."""
    page = ROOT / "pages" / "6_Fit_your_runs.py"
    assert {"streamlit", "dashboard", "scaling_core"} <= _imported_packages(page)
