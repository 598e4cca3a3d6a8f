"""The repository deploys as it is: Dockerfile sources exist, Community Cloud finds its files."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_dockerfile_copies_only_what_exists_and_serves_the_app() -> None:
    lines = (ROOT / "Dockerfile").read_text().splitlines()
    copies = [line.split()[1:-1] for line in lines if line.startswith("COPY")]
    assert copies, "Dockerfile copies nothing"
    for sources in copies:
        for source in sources:
            assert (ROOT / source).exists(), f"Dockerfile copies missing {source}"
    assert any("streamlit" in line and "app.py" in line for line in lines if line.startswith("CMD"))
    ignored = (ROOT / ".dockerignore").read_text().split()
    for needed in ("scaling_core", "charts", "dashboard", "pages", "sample_data"):
        assert needed not in ignored


def test_community_cloud_files() -> None:
    """Community Cloud reads requirements.txt at the root and .streamlit/config.toml."""
    assert (ROOT / "requirements.txt").read_text().split("\n")[-2].strip() == "."
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert 0 < config["server"]["maxUploadSize"] <= 200
    assert (ROOT / "app.py").exists() and (ROOT / "pages").is_dir()


def test_a_plain_install_carries_every_subpackage() -> None:
    """Docker and Community Cloud run `pip install .` (not editable): every folder of Python
    code under the three packages (scaling_core.fit, scaling_core.runs included) must be in it."""
    from setuptools import find_namespace_packages

    find = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    packaged = set(find_namespace_packages(where=str(ROOT), include=find["find"]["include"]))
    roots = {"dashboard"} | {
        folder.name
        for folder in ROOT.iterdir()
        if (folder / "__init__.py").exists() and folder.name not in ("tests", "benchmarks")
    }
    needed = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for root in roots
        for path in (ROOT / root).rglob("*.py")
        if "__pycache__" not in path.parts
    }
    assert {"scaling_core.fit", "scaling_core.runs"} <= needed
    assert needed <= packaged
