"""sample_data/: every file ingests, fits back near its generating law, and is reproducible."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest

from scaling_core.fit import fit_approach1, fit_approach2, fit_chinchilla, fit_kaplan
from scaling_core.runs import read_run_log

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "sample_data"
FILES = ("isoflop_sweep.csv", "learning_curves.csv", "kaplan_sweep.csv", "messy_runs.csv")
EPOCH_A = 0.3658 / (0.3478 + 0.3658)  # 0.5126, Besiroglu et al. 2024


def load_script():
    spec = importlib.util.spec_from_file_location(
        "make_sample_data", ROOT / "scripts" / "make_sample_data.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_files_are_exactly_what_the_script_writes(tmp_path: Path) -> None:
    written = load_script().write_all(tmp_path)
    assert set(written) == set(FILES)
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name


def test_readme_labels_every_file_synthetic_with_its_law_and_command() -> None:
    text = (DATA / "README.md").read_text(encoding="utf-8")
    assert "SYNTHETIC" in text
    assert "python scripts/make_sample_data.py" in text
    for name in FILES:
        assert name in text
    for constant in ("1.8172", "482.01", "2085.43", "0.3478", "0.3658", "6.4e13", "1.8e13"):
        assert constant in text


@pytest.mark.parametrize("name", FILES)
def test_every_file_ingests(name: str) -> None:
    log = read_run_log(DATA / name)
    assert len(log.runs) >= 12
    assert {"run", "n_params", "n_tokens", "compute_flops", "loss"} <= set(log.runs.columns)


def test_isoflop_sweep_fits_back_to_the_epoch_allocation_exponent() -> None:
    log = read_run_log(DATA / "isoflop_sweep.csv")
    assert len(log.runs) == 54
    approach3 = fit_chinchilla(log)
    assert approach3.converged
    assert approach3.allocation_exponents[0] == pytest.approx(EPOCH_A, abs=0.05)
    assert approach3.params["E"] == pytest.approx(1.8172, abs=0.1)
    assert approach3.rms_residual == pytest.approx(0.007, rel=0.3)
    approach2 = fit_approach2(log)
    assert len(approach2.points) == 6
    assert approach2.a == pytest.approx(EPOCH_A, abs=0.05)


def test_learning_curves_give_the_allocation_exponent_by_approach1() -> None:
    log = read_run_log(DATA / "learning_curves.csv")
    assert log.curves is not None and len(log.curves) == 960 and len(log.runs) == 12
    approach1 = fit_approach1(log)
    assert approach1.a == pytest.approx(EPOCH_A, abs=0.05)


def test_kaplan_sweep_fits_back_to_kaplan_table2_constants() -> None:
    log = read_run_log(DATA / "kaplan_sweep.csv")
    mapping = {c.source: c.role for c in log.report.columns}
    assert mapping["Model Size"] == "n_params" and mapping["Training Tokens"] == "n_tokens"
    result = fit_kaplan(log)
    p = result.params
    assert p["alpha_n"] == pytest.approx(0.076, abs=0.005)
    assert p["alpha_d"] == pytest.approx(0.103, abs=0.005)
    assert abs(math.log(p["n_c"] / 6.4e13)) < math.log(1.5)
    assert abs(math.log(p["d_c"] / 1.8e13)) < math.log(1.5)
    law = result.law
    truth = ((6.4e13 / 1e9) ** (0.076 / 0.103) + 1.8e13 / 2e10) ** 0.103
    assert float(law.loss(1e9, 2e10)) == pytest.approx(truth, rel=0.005)


def test_messy_file_keeps_the_good_runs_and_reports_each_dropped_line() -> None:
    log = read_run_log(DATA / "messy_runs.csv")
    report = log.report
    assert report.n_rows_kept == 24 and len(log.runs) == 24
    reasons = {d.line: d.reason for d in report.dropped}
    assert set(reasons) == {27, 28, 29, 30}
    assert "diverged" in reasons[27]
    assert "positive" in reasons[28]
    assert "NaN" in reasons[29] or "finite" in reasons[29]
    assert "n_tokens" in reasons[30]
    assert "line 27" in report.summary()
    # Good rows written three ways all parse: 1e8 params at 10, 20, 40 tokens per parameter.
    first = log.runs.sort_values("line").iloc[:3]
    np.testing.assert_allclose(first["n_params"], 1e8)
    np.testing.assert_allclose(first["n_tokens"], [1e9, 2e9, 4e9])
    assert fit_chinchilla(log).converged
