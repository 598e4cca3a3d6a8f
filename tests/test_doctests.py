"""The examples in the numeric core's and the chart builders' docstrings run and print what they
say (a wrong example in `scaling_core.downstream` went unnoticed while nothing ran them)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import charts
import scaling_core


def _modules() -> list[str]:
    names = []
    for package in (scaling_core, charts):
        for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            if not info.name.endswith("__main__"):  # runs the command line when imported
                names.append(info.name)
    return sorted(names)


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
