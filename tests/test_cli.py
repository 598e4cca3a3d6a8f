"""The command line: outputs, JSON shape and one-line errors with exit status 2."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from scaling_core.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_laws_lists_presets(capsys) -> None:
    status, out, _ = run(capsys, "laws", "--json")
    assert status == 0
    keys = [row["key"] for row in json.loads(out)["laws"]]
    assert {"kaplan-2020", "chinchilla-2022", "epoch-2024"} <= set(keys)
    assert any(k.startswith("porian-2024-") for k in keys)


def test_predict_kaplan_without_tokens_is_eq_1_1(capsys) -> None:
    status, out, _ = run(capsys, "predict", "--law", "kaplan-2020", "--params", "1.5B", "--json")
    assert status == 0
    payload = json.loads(out)
    assert set(payload) == {"law", "params", "tokens", "loss"}
    assert payload["tokens"] is None
    assert payload["loss"] == pytest.approx(2.3036, abs=1e-4)


def test_predict_kaplan_with_tokens_is_eq_1_5(capsys) -> None:
    status, out, _ = run(
        capsys, "predict", "--law", "kaplan-2020", "--params", "1e9", "--tokens", "20B", "--json"
    )
    assert status == 0
    assert json.loads(out)["loss"] == pytest.approx(2.3739, abs=1e-4)


def test_optimal_json(capsys) -> None:
    status, out, _ = run(
        capsys, "optimal", "--law", "chinchilla-2022", "--compute", "5.76e23", "--json"
    )
    assert status == 0
    payload = json.loads(out)
    assert set(payload) == {"law", "compute", "params", "tokens", "loss", "tokens_per_param"}
    assert payload["params"] == pytest.approx(3.219e10, rel=1e-3)
    assert payload["tokens_per_param"] == pytest.approx(92.6, abs=0.1)


def test_optimal_text_for_allocation_only_law(capsys) -> None:
    status, out, _ = run(capsys, "optimal", "--law", "porian-2024-tuned", "--compute", "5.88e23")
    assert status == 0
    assert "not given by this law" in out


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["predict", "--law", "nope", "--params", "1e9"], "unknown law 'nope'"),
        (["predict", "--law", "kaplan-2020", "--params", "-5"], "params must be positive"),
        (["predict", "--law", "kaplan-2020", "--params", "abc"], "params 'abc' is not a number"),
        (["predict", "--law", "kaplan-2020"], "--params"),
        (["optimal", "--law", "epoch-2024", "--compute", "0"], "compute must be positive"),
        (["predict", "--law", "porian-2024-tuned", "--params", "1e9"], "allocation only"),
        ([], "command"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, argv: list[str], needle: str) -> None:
    status, out, err = run(capsys, *argv)
    assert status == 2
    assert out == ""
    assert err.count("\n") == 1
    assert needle in err
    assert "Traceback" not in err


def test_module_entry_point_runs() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "scaling_core",
            "optimal",
            "--law",
            "epoch-2024",
            "--compute",
            "1e21",
            "--json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["loss"] == pytest.approx(2.3055, abs=1e-4)
    bad = subprocess.run(
        [sys.executable, "-m", "scaling_core", "predict", "--law", "x"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
