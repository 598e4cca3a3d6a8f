"""One behaviour on the page and in the command line (issue 16, item 5): every sample and every
folder of the licensed real logs, opened on the fit page with every control at its default and
fitted by ``python -m scaling_core fit`` with the sweep the page chose, give the same fit: the
same form, points, number of runs, constants (as the page shows them, read back from the page)
and the same verdict on what the runs determine.

A file holding several sweeps is not pooled by either: the CLI refuses and names one sweep,
the page opens on one (the same one, or a shipped sample's catalogue sweep) and says so."""

from __future__ import annotations

import io
import json
import math
from contextlib import redirect_stdout
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import fit_session as fs
from scaling_core.cli import main
from tests.conftest import REAL_LOGS

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "pages" / "6_Fit_your_runs.py")
#: The page's names for the constants it shows as metrics.
CONSTANTS = ("E", "A", "B", "alpha", "beta", "C_c", "alpha_c", "n_c", "d_c", "alpha_n", "alpha_d")
#: Every folder of run logs (a folder without subfolders, or a subfolder), and every table
#: beside a subfolder (the OLMo ladder's tidy CSV beside its W&B folder).
FOLDERS = sorted(
    str(p.relative_to(REAL_LOGS))
    for p in REAL_LOGS.glob("*/*")
    if (p.is_dir() and not p.name.startswith("."))
    or (p.suffix in (".csv", ".jsonl") and any(c.is_dir() for c in p.parent.iterdir()))
) + sorted(
    str(p.relative_to(REAL_LOGS))
    for p in REAL_LOGS.iterdir()
    if p.is_dir() and not any(c.is_dir() for c in p.iterdir())
)


def _cli_fit(paths: list[str], where: dict[str, str]) -> dict:
    args = ["fit", *paths, "--json"]
    for column, value in where.items():
        args += ["--where", f"{column}={value}"]
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(args)
    assert code == 0, (paths, where)
    return json.loads(out.getvalue())


def _page_fit(at: AppTest) -> tuple[dict[str, str], dict[str, str]]:
    """The page's metrics (label -> shown text) and the sweep its pickers chose; on the way,
    the page shows no command-line flag or Python call (tests/test_page_words.py, issue 21)."""
    from tests.test_page_words import cli_words

    assert not at.exception, at.exception
    assert not cli_words(at)
    metrics = {m.label: m.value for m in at.metric}
    known = {"Law form", "Run", "Step", "Parameters N", "Tokens per step", "Tokens D", "Loss"}
    known |= {"Compute C", "Group runs by", "Hold out the largest runs by", "Fit to"}
    known |= {"Law for single-law views", "Compute unit"}
    where = {
        s.label: str(s.value)
        for s in at.selectbox
        if s.label not in known
        and not s.label.startswith(("Or a sample", "What the column names are"))
        and s.value != "all"
    }
    return metrics, where


def _compare(metrics: dict[str, str], cli: dict, captions: str) -> None:
    used = metrics.get("Runs used") or metrics["Points used"]  # snapshots are points, not runs
    assert used.replace(",", "") == str(cli["n_runs"])
    if cli["points_reason"]:  # learning curves: the page says what "automatic" fitted, alike
        assert f"Fit to (automatic): {cli['points_reason']}" in captions
    shown = {name: metrics[name] for name in CONSTANTS if name in metrics}
    assert set(shown) == set(cli["params"]) - set(cli["fixed"]), (shown, cli["params"])
    for name, text in shown.items():
        if not cli["determined"].get(name, True):
            assert text == "—", (name, text)  # the words "not determined" go under it
            continue
        value = cli["params"][name]
        page_value = float(text.replace(",", ""))
        mantissa = text.lower().split("e")[0]
        digits = len(mantissa.replace(".", "").replace("-", "").lstrip("0")) or 1
        assert math.isclose(page_value, value, rel_tol=10 ** (1 - digits) + 1e-9), (
            name,
            text,
            value,
        )


@pytest.mark.parametrize("sample", fs.sample_names())
def test_every_sample_fits_alike_on_the_page_and_in_the_cli(sample: str) -> None:
    at = AppTest.from_file(PAGE, default_timeout=180)
    at.query_params["f_sample"] = sample
    at.run()
    metrics, where = _page_fit(at)
    cli = _cli_fit([str(ROOT / "sample_data" / sample)], where)
    _compare(metrics, cli, " ".join(c.value for c in at.caption).replace("\\", ""))


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_real_log_folder_fits_alike_on_the_page_and_in_the_cli(folder: str) -> None:
    base = REAL_LOGS / folder
    files = (
        [(base.name, base.read_bytes())]
        if base.is_file()
        else [
            (f"{base.name}/{p.relative_to(base).as_posix()}", p.read_bytes())
            for p in sorted(base.rglob("*"))
            if p.is_file()
        ]
    )
    at = AppTest.from_file(PAGE, default_timeout=180)
    at.session_state["fit_upload_files"] = files
    at.run()
    metrics, where = _page_fit(at)
    if (
        "Runs used" not in metrics and "Points used" not in metrics
    ):  # nothing usable without a choice: both must say so
        text = " ".join(e.value for e in at.error) + " ".join(w.value for w in at.warning)
        assert text, f"{folder}: the page shows neither a fit nor why not"
        out = io.StringIO()
        with redirect_stdout(out):
            assert main(["fit", str(base), "--json"]) == 2
        return
    cli = _cli_fit([str(base)], where)
    _compare(metrics, cli, " ".join(c.value for c in at.caption).replace("\\", ""))


def test_several_sweeps_open_on_the_sweep_the_cli_names(capsys) -> None:  # type: ignore[no-untyped-def]
    """An upload of Gadre et al.'s table (three datasets) is not pooled: the CLI refuses and
    names dataset=c4_original; the page opens on that sweep and says what it fits."""
    data = (
        ROOT / "sample_data" / "real" / "gadre-2024" / "gadre2024_final_losses.csv"
    ).read_bytes()
    at = AppTest.from_file(PAGE, default_timeout=180)
    at.session_state["fit_upload_files"] = [("runs.csv", data)]
    at.run()
    _metrics, where = _page_fit(at)
    assert where == {"dataset": "c4_original"}
    captions = " ".join(c.value for c in at.caption)
    assert "Fitting the 34 of 104 runs where dataset = c4_original" in captions
    path = ROOT / "sample_data" / "real" / "gadre-2024" / "gadre2024_final_losses.csv"
    assert main(["fit", str(path)]) == 2
    assert "--where dataset=c4_original" in capsys.readouterr().err
