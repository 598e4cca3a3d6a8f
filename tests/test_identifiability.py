"""Which constants a set of runs determines (`scaling_core.fit.identifiability`), through the core,
the command line and the fit page.

The designs are built so that the truth is known independently of the code under test: runs at
one D cannot carry a D exponent (the data hold one number per D), runs at one tokens-per-
parameter ratio cannot separate the N and D terms, and a well-posed IsoFLOP grid generated from
the Epoch AI law (Besiroglu et al. 2024) must give that law's a = β/(α+β) back.  The curvature
check is compared with a Monte Carlo of the same design with fresh noise (a second way to get
the spread of the estimates).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from page_charts import chart_json

from scaling_core.fit import fit
from scaling_core.fit.identifiability import count_levels, describe_design

ROOT = Path(__file__).resolve().parents[1]
GADRE = ROOT / "tests" / "fixtures" / "real-logs" / "gadre-2024" / "gadre2024_final_losses.csv"
GEMSTONES_COOL_END = (
    ROOT
    / "tests"
    / "fixtures"
    / "real-logs"
    / "gemstones-2025"
    / "wandb_df_for_fitting_cool_end.jsonl"
)
#: Besiroglu et al. 2024 (arXiv:2404.10102), their refit of Chinchilla's Approach 3.
EPOCH = {"E": 1.8172, "A": 482.01, "B": 2085.43, "alpha": 0.3478, "beta": 0.3658}
EPOCH_A = EPOCH["beta"] / (EPOCH["alpha"] + EPOCH["beta"])  # 0.5126 (Hoffmann et al. eq. 4)
SIX = {"E", "A", "B", "alpha", "beta", "a"}


def epoch_loss(n: np.ndarray, d: np.ndarray) -> np.ndarray:
    return EPOCH["E"] + EPOCH["A"] / n ** EPOCH["alpha"] + EPOCH["B"] / d ** EPOCH["beta"]


def runs(n: np.ndarray, d: np.ndarray, noise: float, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    loss = epoch_loss(n, d) * np.exp(noise * rng.standard_normal(len(n)))
    return pd.DataFrame(
        {"run": [f"r{i}" for i in range(len(n))], "n_params": n, "n_tokens": d, "loss": loss}
    )


def isoflop_grid() -> tuple[np.ndarray, np.ndarray]:
    """Five budgets 1e18-1e21 FLOP, model sizes 10M-10B kept where 2 < D/N < 2000 (60 runs)."""
    rows = []
    for c in np.geomspace(1e18, 1e21, 5):
        for n in np.geomspace(1e7, 1e10, 25):
            d = c / (6 * n)
            if 2 < d / n < 2000:
                rows.append((n, d))
    grid = np.array(rows)
    return grid[:, 0], grid[:, 1]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scaling_core", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def cli_json(*args: str) -> dict:
    done = cli("fit", *args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def write(frame: pd.DataFrame, path: Path) -> str:
    frame.rename(columns={"n_params": "params", "n_tokens": "tokens"}).to_csv(path, index=False)
    return str(path)


# ------------------------------------------------------------------------- the design


def test_levels_and_design_of_hand_built_runs() -> None:
    # 1 and 1.05 are one level (within 10%), 1.2 another, 2 and 2.1 a third
    assert count_levels([1.0, 1.05, 1.2, 2.0, 2.1]) == 3
    design = describe_design(np.geomspace(5e7, 2e9, 14), np.r_[np.full(13, 20e9), 18e9])
    assert (design.d_levels, design.d_range) == (2, (18e9, 20e9))
    assert design.n_ok and not design.d_ok and design.collinear_ratio is None
    n = np.geomspace(5e7, 2e9, 6)
    assert describe_design(n, 20 * n).collinear_ratio == pytest.approx(20)


# ------------------------------------------------------------------------- cannot determine


def test_thirteen_runs_at_20b_and_one_at_18b_leave_beta_and_a_undetermined(tmp_path) -> None:
    """The issue's case: 13 runs on 20B tokens and one on 18B.  Forced to the Chinchilla form,
    the JSON says beta, B and a are not determined, derived a and b (and N_opt, and their
    bootstrap intervals) are null, and a warning names the missing part and the runs that would
    supply it."""
    table = runs(np.geomspace(5e7, 2e9, 14), np.r_[np.full(13, 20e9), 18e9], noise=0.005)
    path = write(table, tmp_path / "cooldown_end.csv")
    payload = cli_json(path, "--form", "chinchilla", "--bootstrap", "40", "--compute", "1e22")
    assert payload["form"] == "chinchilla" and set(payload["determined"]) == SIX
    assert payload["determined"]["alpha"] is True
    assert not any(payload["determined"][k] for k in ("beta", "B", "a", "E"))
    derived = ("a", "b", "n_opt", "d_opt", "tokens_per_param")
    assert payload["derived"] == dict.fromkeys(derived)
    assert all(payload["derived_intervals"][k] is None for k in derived)
    text = " ".join(payload["warnings"])
    assert "2 token counts, 18B to 20B (1.1x)" in text and "beta and B are not determined" in text
    assert "runs at 3 or more token counts spread over at least 4x would determine them" in text
    report = cli("fit", path, "--form", "chinchilla").stdout
    assert (
        "a, b   not determined by these runs" in report and "a = beta/(alpha+beta) =" not in report
    )


def test_a_single_d_falls_back_to_power_in_n_and_recovers_the_law(tmp_path) -> None:
    """All runs at 20B tokens: the Chinchilla form cannot be fitted (exit 2, one line naming
    the column), and the automatic form fits E' + A/N^alpha instead, saying so.  At one D the
    Epoch law is exactly such a power law with E' = E + B/D^beta, so its alpha and E' come back."""
    table = runs(np.geomspace(5e7, 2e9, 14), np.full(14, 20e9), noise=0.001)
    path = write(table, tmp_path / "one_d.csv")
    forced = cli("fit", path, "--form", "chinchilla")
    assert forced.returncode == 2 and forced.stderr.count("\n") == 1
    assert "n_tokens" in forced.stderr and "Traceback" not in forced.stderr
    payload = cli_json(path)
    assert payload["requested_form"] == "auto" and payload["form"] == "power-n"
    assert "all runs share one D (20B tokens)" in payload["fallback"]
    assert "--form chinchilla" in payload["fallback"]
    assert payload["determined"] == {
        "E": True, "A": True, "alpha": True, "B": False, "beta": False, "a": False
    }  # fmt: skip
    assert payload["derived"] == {"a": None, "b": None}
    assert payload["params"]["alpha"] == pytest.approx(EPOCH["alpha"], abs=0.02)
    e_at_d = EPOCH["E"] + EPOCH["B"] / 20e9 ** EPOCH["beta"]
    assert payload["params"]["E"] == pytest.approx(e_at_d, abs=0.03)
    assert any("all runs share one D (20B tokens)" in w for w in payload["warnings"])


def test_constant_tokens_per_param_determines_nothing_of_the_two_term_law(tmp_path) -> None:
    """D = 20·N for every run: N and D move together, so no constant of the Chinchilla form
    and not a; the automatic form falls back to power in N along that ratio and says so."""
    n = np.geomspace(5e7, 2e9, 14)
    path = write(runs(n, 20 * n, noise=0.005), tmp_path / "collinear.csv")
    forced = cli_json(path, "--form", "chinchilla")
    assert forced["determined"] == dict.fromkeys(SIX, False)
    assert forced["derived"]["a"] is None and forced["derived"]["b"] is None
    assert any("N and D move together" in w and "IsoFLOP grid" in w for w in forced["warnings"])
    auto = cli_json(path)
    assert auto["form"] == "power-n" and "20 tokens per parameter" in auto["fallback"]


def test_an_exponent_at_its_bound_is_not_determined() -> None:
    from dataclasses import replace

    result = fit(runs(*isoflop_grid(), noise=0.005), "chinchilla")
    steep = replace(result, params={**result.params, "beta": 7.4})
    assert not steep.determined["beta"] and not steep.determined["a"]
    assert any("beta = 7.4 lies outside 0-2" in w for w in steep.warnings())


# ------------------------------------------------------------------------- well posed


def test_gadre_c4_determines_alpha_beta_and_a() -> None:
    payload = cli_json(str(GADRE), "--where", "dataset=c4_original")
    assert payload["form"] == "chinchilla" and payload["fallback"] is None
    assert all(payload["determined"][k] for k in ("alpha", "beta", "a"))
    assert 0.45 <= payload["derived"]["a"] <= 0.57


def test_a_synthetic_isoflop_grid_determines_everything_and_gives_the_law_back() -> None:
    n, d = isoflop_grid()
    exact = fit(runs(n, d, noise=0.0), "auto")
    assert exact.form == "chinchilla" and exact.fallback is None
    assert exact.determined == dict.fromkeys(SIX, True)
    assert exact.allocation_exponents[0] == pytest.approx(EPOCH_A, abs=1e-4)
    assert exact.warnings() == []
    from scaling_core.fit import bootstrap_fit

    boot = bootstrap_fit(runs(n, d, noise=0.005, seed=1), n_boot=60, seed=0)
    ident = boot.fit.identifiability.with_intervals(boot.intervals)
    assert ident.determined == dict.fromkeys(SIX, True), ident.reasons
    assert boot.fit.allocation_exponents[0] == pytest.approx(EPOCH_A, abs=0.03)


def test_curvature_half_widths_match_a_monte_carlo_of_the_same_design() -> None:
    """The 95% half-widths from the objective's curvature against 1.96 × the spread of 40
    refits of the same grid with fresh 1% noise (an independent estimate of the same spread)."""
    n, d = isoflop_grid()
    reference = fit(runs(n, d, noise=0.01, seed=100), "chinchilla", delta=None)
    half = reference.identifiability.half_widths
    estimates = [
        fit(runs(n, d, noise=0.01, seed=seed), "chinchilla", delta=None) for seed in range(40)
    ]
    alphas = np.array([f.params["alpha"] for f in estimates])
    a_values = np.array([f.allocation_exponents[0] for f in estimates])
    for name, values in (("alpha", alphas), ("a", a_values)):
        ratio = half[name] / (1.96 * values.std(ddof=1))
        assert 0.6 < ratio < 1.6, (name, half[name], values.std(ddof=1))


def test_bootstrap_intervals_spanning_most_of_the_range_undetermine() -> None:
    result = fit(runs(*isoflop_grid(), noise=0.005), "chinchilla")
    ident = result.identifiability
    assert ident.with_intervals({"a": (0.45, 0.58)}) is ident
    wide = ident.with_intervals({"a": (0.1, 0.9), "beta": (0.2, 2.5)})
    assert not wide.determined["a"] and not wide.determined["beta"] and not wide.determined["B"]
    assert wide.determined["alpha"]
    assert any("bootstrap intervals of a, beta" in w for w in wide.warnings)
    assert any(w.startswith("a = beta/(alpha+beta) is not determined") for w in wide.warnings)


# ------------------------------------------------------------------------- the fit page


def test_fit_page_with_gemstones_cool_end_reads_not_determined_and_no_n_opt() -> None:
    """Gemstones' end-of-cooldown export as uploaded: 19 runs at 110B tokens, one at 99B.  The
    page falls back to power in N and says so; forced to the Chinchilla form it shows beta, B,
    E and a as not determined, marks no compute-optimal size and offers no law."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from dashboard import fit_session as fs

    st.cache_data.clear()
    data = GEMSTONES_COOL_END.read_bytes()
    pages = {}
    for form in ("auto", "chinchilla"):
        at = AppTest.from_file(str(ROOT / "pages" / "6_Fit_your_runs.py"), default_timeout=120)
        at.query_params["f_form"] = form
        at.session_state[fs.UPLOAD_BYTES_KEY] = data
        at.session_state[fs.UPLOAD_NAME_KEY] = GEMSTONES_COOL_END.name
        at.run()
        assert not at.exception and not at.error
        pages[form] = at
    auto = pages["auto"]
    shown = {m.label: m.value for m in auto.metric}
    assert "beta" not in shown and "alpha" in shown  # the power law in N was fitted
    assert any("Automatic form" in i.value and "99B to 110B" in i.value for i in auto.info)
    forced = pages["chinchilla"]
    shown = {m.label: m.value for m in forced.metric}
    assert shown["beta"] == shown["B"] == shown["E"] == "—"
    assert sum("not determined by these runs" in c.value for c in forced.caption) >= 3
    derived = next(t.value for t in forced.table if "quantity" in t.value.columns)
    assert set(derived["value"]) == {"not determined by these runs"}
    for at in pages.values():
        assert at.session_state["user_laws"] == {}
        texts = [m.label + m.value for m in at.metric] + [c.value for c in at.caption]
        texts += [str(t.value.to_dict()) for t in at.table]
        assert not any("N_opt =" in t or "N_opt at" in t for t in texts)
        assert any("No compute-optimal size is marked" in c.value for c in at.caption)
        iso = chart_json(at)[0]
        assert "diamond" not in iso


PORIAN = ROOT / "tests" / "fixtures" / "real-logs" / "porian-2024" / "porian2024_isoflop_points.csv"
#: Porian et al.'s Kaplan-setup sweep on OpenWebText2, the first sweep of their file (the one
#: the command line names and the fit page opens on).
PORIAN_KAPLAN_SETUP = {
    "dataset": "owt2",
    "hparams": "base",
    "warmup": "long",
    "decay": "kaplan",
    "param_count": "kaplan",
    "loss_type": "train",
}


def test_an_allocation_whose_interval_leaves_0_to_1_is_not_determined() -> None:
    """Porian et al.'s Kaplan-setup sweep fitted to L(N, D): E at its bound 0, alpha not
    determined, and a = 0.86 with a curvature half-width of 0.23, so its 95% interval runs
    past 1 (D_opt shrinking as compute grows).  The page had shown a = 0.8584 as a plain
    value beside 'alpha: not determined' and marked each budget's optimum; the command line
    and the page now both leave a undetermined and say why."""
    from scaling_core.fit.sweeps import select_rows
    from scaling_core.runs import read_runs

    runs = select_rows(read_runs([PORIAN]).log.runs, PORIAN_KAPLAN_SETUP)
    result = fit(runs, form="chinchilla")
    a = result.params["beta"] / (result.params["alpha"] + result.params["beta"])
    half = result.identifiability.half_widths["a"]
    assert a + half > 1  # the curvature's own interval leaves 0-1
    assert not result.identifiability.determined["a"]
    where = [arg for k, v in PORIAN_KAPLAN_SETUP.items() for arg in ("--where", f"{k}={v}")]
    payload = cli_json(str(PORIAN), *where)
    assert payload["derived"] == {"a": None, "b": None}
    assert "leaves the range 0-1" in payload["not_determined_because"]["a"]

    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from dashboard import fit_session as fs

    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "pages" / "6_Fit_your_runs.py"), default_timeout=120)
    at.session_state[fs.UPLOAD_BYTES_KEY] = PORIAN.read_bytes()
    at.session_state[fs.UPLOAD_NAME_KEY] = PORIAN.name
    at.run()
    assert not at.exception
    derived = next(t.value for t in at.table if "quantity" in t.value.columns)
    assert set(derived["value"]) == {"not determined by these runs"}
    assert "leaves the range 0-1" in derived.set_index("quantity").loc["a", "interval"]
    assert any("No compute-optimal size is marked" in c.value for c in at.caption)
    assert "fitted optimum" not in chart_json(at)[0]
