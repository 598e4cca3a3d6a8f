"""The ``fit`` command: JSON shape, options, one-line errors with exit status 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scaling_core.cli import main
from scaling_core.runs import read_run_log

ROOT = Path(__file__).resolve().parents[1]
ISOFLOP = str(ROOT / "sample_data" / "isoflop_sweep.csv")
KAPLAN = str(ROOT / "sample_data" / "kaplan_sweep.csv")
MESSY = str(ROOT / "sample_data" / "messy_runs.csv")
CHINCHILLA_PARAMS = {"E", "A", "B", "alpha", "beta"}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    status, out, err = run(capsys, "fit", *argv, "--json")
    assert status == 0, err
    assert out.count("\n") == 1  # exactly one JSON object
    return json.loads(out)


def test_default_is_chinchilla_approach3_with_the_documented_json_shape(capsys) -> None:
    payload = run_json(capsys, ISOFLOP)
    assert {"form", "params", "objective", "n_runs", "intervals", "report", "derived"} <= set(
        payload
    )
    assert payload["form"] == "chinchilla"
    assert set(payload["params"]) == CHINCHILLA_PARAMS
    assert payload["n_runs"] == 54
    assert payload["intervals"] == {}
    assert payload["objective"] > 0 and payload["objective_kind"] == "huber_sum"
    assert payload["delta"] == 1e-3
    p = payload["params"]
    assert payload["derived"]["a"] == pytest.approx(p["beta"] / (p["alpha"] + p["beta"]))
    assert payload["derived"]["a"] + payload["derived"]["b"] == pytest.approx(1.0)
    report = payload["report"]
    assert report["n_rows_kept"] == 54 and report["n_dropped"] == 0
    assert "kept 54" in report["summary"]


def test_objective_is_the_huber_sum_at_the_printed_params(capsys) -> None:
    from scipy.special import huber

    from scaling_core.runs import read_run_log

    payload = run_json(capsys, ISOFLOP)
    runs = read_run_log(ISOFLOP).runs
    p = payload["params"]
    predicted = (
        p["E"] + p["A"] / runs["n_params"] ** p["alpha"] + p["B"] / runs["n_tokens"] ** p["beta"]
    )
    r = np.log(predicted) - np.log(runs["loss"])
    assert payload["objective"] == pytest.approx(float(np.sum(huber(1e-3, r))), rel=1e-9)


def test_bootstrap_fills_intervals_for_every_parameter(capsys) -> None:
    payload = run_json(capsys, ISOFLOP, "--bootstrap", "30", "--seed", "2", "--confidence", "0.9")
    assert set(payload["intervals"]) == CHINCHILLA_PARAMS
    for name, (low, high) in payload["intervals"].items():
        assert low <= high, name
    assert set(payload["derived_intervals"]) >= {"a", "b"}
    n_runs = len(read_run_log(ISOFLOP).runs)
    assert payload["bootstrap"] == {
        "n_boot": 30,
        "n_failed": 0,
        "seed": 2,
        "resample": "clusters",
        "n_clusters": n_runs,  # one run per (N, D) in this file
        "resampling": f"clusters of runs sharing (N, D): {n_runs} clusters from {n_runs} runs",
    }
    assert payload["confidence"] == 0.9
    again = run_json(capsys, ISOFLOP, "--bootstrap", "30", "--seed", "2", "--confidence", "0.9")
    assert again["intervals"] == payload["intervals"]


def test_fit_options_reach_the_fit(capsys) -> None:
    fixed = run_json(capsys, ISOFLOP, "--fix-E", "1.8")
    assert fixed["params"]["E"] == 1.8 and fixed["fixed"] == {"E": 1.8}
    dropped = run_json(capsys, ISOFLOP, "--exclude-highest-loss", "5")
    assert dropped["n_runs"] == 49 and len(dropped["excluded"]) == 5
    wide = run_json(capsys, ISOFLOP, "--delta", "0.1")
    assert wide["delta"] == 0.1
    least = run_json(capsys, ISOFLOP, "--least-squares")
    assert least["delta"] is None and least["objective_kind"] == "least_squares"
    at = run_json(capsys, ISOFLOP, "--compute", "1e21")
    assert at["derived"]["n_opt"] * at["derived"]["d_opt"] * 6 == pytest.approx(1e21, rel=1e-9)


def test_other_forms(capsys) -> None:
    kaplan = run_json(capsys, KAPLAN, "--form", "kaplan")
    assert set(kaplan["params"]) == {"n_c", "d_c", "alpha_n", "alpha_d"}
    assert kaplan["params"]["alpha_d"] == pytest.approx(0.103, abs=0.01)
    assert kaplan["derived"] == {}
    power_n = run_json(capsys, ISOFLOP, "--form", "power-n")
    assert set(power_n["params"]) == {"E", "A", "alpha"}
    power_c = run_json(capsys, ISOFLOP, "--form", "power-c")
    assert power_c["params"]["E"] == 0.0 and power_c["fixed"] == {"E": 0.0}


def test_messy_file_fits_and_reports_the_dropped_lines(capsys) -> None:
    payload = run_json(capsys, MESSY)
    assert payload["n_runs"] == 24
    assert [d["line"] for d in payload["report"]["dropped"]] == [27, 28, 29, 30]
    status, out, _ = run(capsys, "fit", MESSY)
    assert status == 0
    assert "line 27: loss 'diverged' is not a number" in out
    assert "[[Parameters]]" in out


@pytest.mark.parametrize(
    ("content", "argv", "expected"),
    [
        (b"params,tokens\n1e9,2e10\n", (), "loss"),
        (b"", (), "empty"),
        (None, ("--confidence", "1.5"), "--confidence must be between 0 and 1"),
        (None, ("--form", "kaplan", "--fix-E", "1.7"), "--fix-E does not apply"),
        (None, ("--bootstrap", "-3"), "--bootstrap must be >= 0"),
        (None, ("--delta", "0"), "--delta must be positive"),
        (None, ("--form", "cubic"), "invalid choice"),
        (b"params,tokens,loss\n1e9,2e10,2.5\n2e9,4e10,2.4\n", (), "5 free parameters but only 2"),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, tmp_path, content, argv, expected) -> None:
    path = ISOFLOP
    if content is not None:
        file = tmp_path / "runs.csv"
        file.write_bytes(content)
        path = str(file)
    status, out, err = run(capsys, "fit", path, *argv, "--json")
    assert status == 2
    assert out == ""
    assert err.startswith("error: ") and err.count("\n") == 1
    assert expected in err
    assert "Traceback" not in err


def test_missing_file_exits_2(capsys, tmp_path) -> None:
    status, _, err = run(capsys, "fit", str(tmp_path / "nope.csv"))
    assert status == 2 and "nope.csv" in err


def test_python_dash_m_fit_json_works() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "scaling_core", "fit", "sample_data/isoflop_sweep.csv", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["form"] == "chinchilla" and set(payload["params"]) == CHINCHILLA_PARAMS


OLMO_CURVES = str(ROOT / "sample_data" / "real" / "olmo-ladder" / "olmo_ladder_curves.csv")
PORIAN = str(ROOT / "sample_data" / "real" / "porian-2024" / "porian2024_isoflop_points.csv")


def test_a_file_of_several_sweeps_is_refused_naming_columns_and_a_where(capsys) -> None:
    status, out, err = run(capsys, "fit", OLMO_CURVES)
    assert status == 2 and out == "" and err.count("\n") == 1
    assert "3 sweeps (column schedule varies)" in err and "--where schedule=" in err
    assert "--pool" in err


def test_where_picks_one_sweep_and_gives_the_published_sweeps_exponent(capsys) -> None:
    """The cosine runs alone: a = 0.370, as the published sweeps page fits the same file."""
    payload = run_json(capsys, OLMO_CURVES, "--where", "schedule=cosine")
    assert payload["n_runs"] == 30 and payload["where"] == {"schedule": "cosine"}
    assert abs(payload["derived"]["a"] - 0.370) < 0.005
    status, _, err = run(capsys, "fit", OLMO_CURVES, "--where", "schedule=cosin")
    assert status == 2 and "has no value 'cosin' (values: const, cosine, decay)" in err


def test_pool_fits_the_sweeps_together(capsys) -> None:
    import pandas as pd

    payload = run_json(capsys, OLMO_CURVES, "--pool")
    assert payload["n_runs"] == pd.read_csv(OLMO_CURVES)["run"].nunique() > 30
    assert payload["pooled"] is True


def test_text_report_lists_at_most_20_runs_unless_verbose(capsys) -> None:
    args = (
        PORIAN,
        "--where",
        "dataset=owt2",
        "--where",
        "hparams=tuned",
        "--where",
        "loss_type=val",
    )
    status, out, _ = run(capsys, "fit", *args)
    assert status == 0
    listed = [ln for ln in out.splitlines() if ln.startswith("  line ")]
    assert len(listed) == 20 and "… and 96 more runs; --verbose or --json for all" in out
    status, out, _ = run(capsys, "fit", *args, "--verbose")
    assert len([ln for ln in out.splitlines() if ln.startswith("  line ")]) == 116


def test_messy_report_counts_agree_with_the_dropped_rows(capsys) -> None:
    """r24-r27 have every row dropped (loss 'diverged', params negative, loss and tokens blank):
    counted as such, not as usable, and not listed with nan values."""
    status, out, _ = run(capsys, "read", MESSY)
    assert status == 0
    assert out.startswith("Read 1 table (csv ×1); 28 rows.")
    assert (
        "Runs: 28 found, 24 usable, 4 with every row dropped (see Dropped rows), 0 lacking" in out
    )
    assert "Dropped rows (4):" in out and "nan" not in out
    assert "1 row has no value in 'Val Loss'" in out


def test_runs_meta_that_is_not_text_is_one_line(capsys, tmp_path) -> None:
    binary = tmp_path / "sizes.csv"
    binary.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)))
    status, out, err = run(capsys, "read", MESSY, "--runs-meta", str(binary))
    assert status == 2 and out == "" and err.count("\n") == 1
    assert "--runs-meta" in err and "not a text CSV (byte 0xd0 at offset 0)" in err


def test_negative_compute_is_named(capsys) -> None:
    status, _, err = run(capsys, "optimal", "--law", "chinchilla-2022", "--compute", "-1e21")
    assert status == 2 and "compute must be positive, got '-1e21'" in err


def test_tokens_per_param_below_one_is_not_rounded_to_zero(capsys) -> None:
    status, out, _ = run(capsys, "optimal", "--law", "porian-2024-kaplan", "--compute", "1e21")
    line = next(ln for ln in out.splitlines() if ln.startswith("tokens per param"))
    assert status == 0 and float(line.split()[-1]) > 0


def test_bootstrap_resamples_seeds_of_one_config_together(capsys, tmp_path) -> None:
    """Three seeds per (N, D): the JSON and the text say how many clusters were drawn."""
    runs = read_run_log(ISOFLOP).runs[["n_params", "n_tokens", "loss"]]
    rng = np.random.default_rng(0)
    seeds = pd.concat(
        [runs.assign(run=[f"r{i}-s{s}" for i in range(len(runs))]) for s in range(3)]
    ).reset_index(drop=True)
    seeds["loss"] = seeds["loss"] * np.exp(0.003 * rng.standard_normal(len(seeds)))
    path = tmp_path / "seeds.csv"
    seeds.to_csv(path, index=False)
    payload = run_json(capsys, str(path), "--bootstrap", "20", "--compute", "1e21")
    n_configs = seeds.groupby(["n_params", "n_tokens"]).ngroups
    assert payload["bootstrap"]["n_clusters"] == n_configs == len(runs)
    assert payload["bootstrap"]["resampling"] == (
        f"clusters of runs sharing (N, D): {n_configs} clusters from {len(seeds)} runs"
    )
    assert {"a", "b", "n_opt", "d_opt", "tokens_per_param"} <= set(payload["derived_intervals"])
    status, out, _ = run(capsys, "fit", str(path), "--bootstrap", "20")
    assert status == 0
    assert f"resampled  clusters of runs sharing (N, D): {n_configs} clusters" in out


def test_fewer_than_1000_refits_are_flagged_in_text_and_json(capsys) -> None:
    """Percentile ends from 50 refits are Monte Carlo noise; 1,000 or more are not flagged."""
    for k in (50, 999, 1000):
        payload = run_json(capsys, ISOFLOP, "--bootstrap", str(k))
        flagged = any(f"only {k} bootstrap refits" in w for w in payload["warnings"])
        assert flagged == (k < 1000), (k, payload["warnings"])
    status, out, _ = run(capsys, "fit", ISOFLOP, "--bootstrap", "50")
    assert status == 0 and "only 50 bootstrap refits" in out


def test_the_command_line_process_keeps_temporaries_in_the_heap() -> None:
    """`python -m scaling_core` sets glibc's mmap threshold (a fresh 10,000-draw bootstrap
    paid ~1 s of page faults without it); under glibc mallopt accepts both settings, and the
    command still runs as a process."""
    import platform
    import subprocess
    import sys

    from scaling_core.cli.allocator import keep_temporaries_in_heap

    if sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc":
        assert keep_temporaries_in_heap() is True
    done = subprocess.run(
        [sys.executable, "-m", "scaling_core", "laws", "--json"], capture_output=True, text=True
    )
    assert done.returncode == 0 and done.stdout.lstrip().startswith("{")
