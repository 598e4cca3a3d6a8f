"""sample_data/real/: every shipped file has a licence that allows redistribution and a provenance note."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from tests.conftest import REAL_LOGS

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT / "sample_data" / "real"
#: Licences whose terms allow shipping the data with attribution.
REDISTRIBUTABLE = ("MIT License", "Permission is hereby granted, free of charge", "Apache License")
SOURCES = sorted(p for p in REAL.iterdir() if p.is_dir())


def test_there_are_real_samples() -> None:
    assert [p.name for p in SOURCES][:1] and (REAL / ".." / "README.md").exists()
    assert "real/" in (ROOT / "sample_data" / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("folder", SOURCES, ids=[p.name for p in SOURCES])
def test_every_real_source_has_licence_and_provenance(folder: Path) -> None:
    licences = [p for p in folder.iterdir() if p.name.upper().startswith("LICENSE")]
    assert len(licences) == 1, f"{folder.name}: one LICENSE file expected"
    text = licences[0].read_text(encoding="utf-8")
    assert any(marker in text for marker in REDISTRIBUTABLE), folder.name
    provenance = (folder / "PROVENANCE.md").read_text(encoding="utf-8")
    assert "https://github.com/" in provenance and "commit" in provenance
    assert "scripts/make_real_samples.py" in provenance and "arXiv:" in provenance
    data = [p for p in folder.iterdir() if p.name not in {licences[0].name, "PROVENANCE.md"}]
    assert data, f"{folder.name}: no data file"
    for path in data:
        assert path.suffix == ".csv", path
        assert path.name in provenance, f"{path.name} is not described in PROVENANCE.md"


def test_shipped_real_data_stays_small() -> None:
    total = sum(p.stat().st_size for p in REAL.rglob("*") if p.is_file())
    assert total < 4_000_000, f"sample_data/real is {total:,} bytes"


SHARED = REAL_LOGS


@pytest.mark.skipif(not SHARED.is_dir(), reason=f"released files not at {SHARED} (set REAL_LOGS)")
def test_script_rederives_the_shipped_files_byte_for_byte(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location(
        "make_real", ROOT / "scripts" / "make_real_samples.py"
    )
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    module.main(["--source", str(SHARED), "--out", str(tmp_path)])
    for folder in SOURCES:
        for path in folder.iterdir():
            assert (tmp_path / folder.name / path.name).read_bytes() == path.read_bytes(), path
