"""AppTest of the fit page (samples by link, uploads through the session seam, malformed files)
and direct tests of its figure builders and glue.

AppTest cannot drive st.file_uploader, so uploads are injected as bytes under
``st.session_state["fit_upload_bytes"]``, which the page honours as the uploader's callback
would have stored them.  The browser test (tests/test_browser_fit.py) uses the real uploader.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
import streamlit as st
from page_charts import chart_json, chart_specs
from streamlit.testing.v1 import AppTest

from charts import fit_tables as ft
from charts.fit import (
    RunGroup,
    extrapolation_figure,
    isoflop_figure,
    learning_curves_figure,
    residuals_figure,
)
from dashboard import fit_groups as fg
from dashboard import fit_session as fs
from dashboard import fit_upload as fu
from dashboard import fit_view as fv
from scaling_core.fit import extrapolation_check, fit
from scaling_core.fit import points as fp
from scaling_core.runs import RunLogError, read_run_log, read_runs, snapshot_losses

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "pages" / "6_Fit_your_runs.py")
SAMPLES = ROOT / "sample_data"
SAMPLE_NAMES = ["isoflop_sweep.csv", "kaplan_sweep.csv", "learning_curves.csv", "messy_runs.csv"]


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    """Each test starts without cached parses or fits (AppTests share the process)."""
    st.cache_data.clear()
    st.cache_resource.clear()


def run_page(
    *,
    sample: str | None = None,
    upload: bytes | None = None,
    runs_table: bool = False,
    **params: str,
) -> AppTest:
    """The fit page run once; ``runs_table`` opens the runs table (built only when open)."""
    at = AppTest.from_file(PAGE, default_timeout=60)
    if runs_table:
        at.session_state[fv.RUNS_TABLE_KEY] = True
    if sample is not None:
        at.query_params["f_sample"] = sample
    for key, value in params.items():
        at.query_params[key] = value
    if upload is not None:
        at.session_state[fs.UPLOAD_BYTES_KEY] = upload
        at.session_state[fs.UPLOAD_NAME_KEY] = "my_runs.csv"
    at.run()
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def core_fit(name: str, form: str = "chinchilla", **options):  # type: ignore[no-untyped-def]
    """The fit scaling_core gives for a sample file with the page's default options: the
    finished runs, or for learning curves their IsoFLOP snapshots at the page's budgets."""
    log = read_run_log(SAMPLES / name)
    options.setdefault("delta", 1e-3)
    if form == "power-c":
        options.setdefault("offset", True)
    runs = log.runs
    if log.curves is not None:
        runs = snapshot_losses(log.curves, compute_flops=fp.snapshot_budgets(log.curves))
    return fit(runs, form, **options)


def assert_controls(at: AppTest) -> None:
    """The page still offers every way forward: form, sample picker and button."""
    assert at.selectbox(key="w_f_form").value in fs.FORM_LABELS
    assert at.selectbox(key="fit_sample_pick").options
    assert at.button(key="fit_load_sample")


# ------------------------------------------------------------------------- samples


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_each_sample_shows_the_core_fit(name: str) -> None:
    at = run_page(sample=name)
    assert not at.exception
    assert not at.error
    result = core_fit(name)
    shown = metrics(at)
    for param, value in result.params.items():
        assert shown[param] == ft.format_param(value), param
    # the law offered to the other pages is exactly the core's fit
    law = at.session_state["user_laws"]["your-fit"]
    assert (law.E, law.A, law.B, law.alpha, law.beta) == tuple(
        result.params[k] for k in ("E", "A", "B", "alpha", "beta")
    )
    n_charts = len(chart_json(at))
    # + the rollout scorecard's chart wherever it could be computed (its caption says so)
    rollout_shown = any(c.value.startswith("Rollout scorecard") for c in at.caption)
    assert n_charts == (4 if name == "learning_curves.csv" else 3) + rollout_shown
    assert at.query_params["f_sample"] == name
    assert_controls(at)


def test_learning_curves_at_one_ratio_warn_when_fitting_final_points() -> None:
    at = run_page(sample="learning_curves.csv")
    assert at.selectbox(key="w_f_points").value == "auto"  # resolved: every run ends at D/N 60
    assert any("Fit to (automatic): IsoFLOP snapshots" in c.value for c in at.caption)
    assert not at.warning
    at = run_page(sample="learning_curves.csv", f_points="final", f_form="chinchilla")
    assert not at.exception
    log = read_run_log(SAMPLES / "learning_curves.csv")
    result = fit(log.runs, "chinchilla", delta=1e-3)
    # N and D move together: no constant of the two-term law is shown as a number
    assert metrics(at)["beta"] == metrics(at)["alpha"] == ft.NO_VALUE
    # every warning of the core, escaped, and why the final points are ill-posed
    assert result.warnings() and not result.converged
    box = next(w.value for w in at.warning if "Not offered in the sidebar" in w.value)
    for warning in result.warnings():
        assert ft.escape_markdown(warning) in box
    assert "last logged point of each run" in box and "60 tokens per parameter" in box
    # a is not determined, so the fit is not offered to pages that would draw its frontier
    assert at.session_state["user_laws"] == {}
    assert not any("Now selectable" in c.value for c in at.caption)
    # the automatic form falls back to the power law in N along that ratio, and says so
    at = run_page(sample="learning_curves.csv", f_points="final")
    assert any(
        "Automatic form" in i.value and "60 tokens per parameter" in i.value for i in at.info
    )
    assert "beta" not in metrics(at)


def wandb_collinear_csv(ratio: float = 60.0, seed: int = 0) -> bytes:
    """A W&B-style export: 6 runs × 20 evals from the Epoch law with 0.5% noise, every run
    ending at ``ratio`` tokens per parameter (so the final points have N and D collinear)."""
    rng = np.random.default_rng(seed)
    lines = ["run_id,_step,_runtime,params,train/loss,eval/loss,tokens"]
    for i, n in enumerate(np.geomspace(5e7, 1.6e9, 6)):
        for d in np.geomspace(ratio * n / 30, ratio * n, 20):
            loss = (1.8172 + 482.01 / n**0.3478 + 2085.43 / d**0.3658) * (
                1 + 0.005 * rng.standard_normal()
            )
            step = int(d // 2**19) + 1
            lines.append(
                f"wb-{i},{step},{12.5 * step:.1f},{n:.0f},{1.01 * loss:.5f},{loss:.5f},{d:.0f}"
            )
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize("fix_e", ["0", "1"], ids=["free-E", "fixed-E"])
def test_unphysical_fit_is_a_warning_not_a_traceback(fix_e: str) -> None:
    at = run_page(
        upload=wandb_collinear_csv(), f_points="final", f_fix_e=fix_e, f_form="chinchilla"
    )
    assert not at.exception
    assert not at.error
    params = {m.label: m.value for m in at.metric}
    assert params["alpha"] == params["beta"] == ft.NO_VALUE  # shown, not as a number
    assert sum(c.value == f"{ft.NOT_DETERMINED}; see the warnings" for c in at.caption) >= 2
    box = next(w.value for w in at.warning if "Not offered in the sidebar" in w.value)
    assert "exponents must be positive" in box and "is not positive" in box
    assert "60 tokens per parameter" in box
    assert at.session_state["user_laws"] == {}
    assert not any("Now selectable" in c.value for c in at.caption)
    # the rest of the page still renders: charts (the rollout scorecard's too), downloads, the
    # share link in the sidebar
    assert len(chart_json(at)) == 5
    assert len(at.get("download_button")) >= 4
    assert any("f_points=final" in m.value for m in at.sidebar.markdown)


def test_collinear_learning_curves_fit_snapshots_by_default() -> None:
    at = run_page(upload=wandb_collinear_csv())
    assert not at.exception and not at.warning
    assert at.selectbox(key="w_f_points").value == "auto"
    assert any("Fit to (automatic): IsoFLOP snapshots" in c.value for c in at.caption)
    (law,) = at.session_state["user_laws"].values()
    assert law.label == "Your fit (Chinchilla form, Approach 3)" and law.beta > 0


def test_offered_laws_refuse_unusable_and_flag_unreliable_fits() -> None:
    log = fs.read_upload(wandb_collinear_csv())
    bad = fs.fit_runs(log.runs, fs.FitOptions(form="chinchilla"))
    laws, refused = fs.offered_laws(bad)
    assert laws == {} and refused and "exponents must be positive" in refused
    assert fs.session_laws(bad) == {}
    assert fs.refusal_reason(refused, bad.warnings()).endswith("exponents must be positive)")
    collinear = read_run_log(SAMPLES / "learning_curves.csv").runs
    laws, refused = fs.offered_laws(fs.fit_runs(collinear, fs.FitOptions(form="chinchilla")))
    assert laws == {} and "a = beta/(alpha+beta) is not determined" in refused
    good = core_fit("isoflop_sweep.csv")
    shaky = replace(good, converged=False, message="maximum number of iterations reached")
    laws, refused = fs.offered_laws(shaky)
    assert refused is None and laws["your-fit"].label.endswith(fs.UNRELIABLE)
    assert not good.warnings()
    assert fs.offered_laws(good)[0]["your-fit"].label == "Your fit (Chinchilla form, Approach 3)"


def test_tables_and_metrics_read_as_text() -> None:
    """Every number in the page's grids is text as the rest of the app writes it (no 21-digit
    integers, no int/float mix), and metric values are short enough not to be cut off."""
    for name in ("isoflop_sweep.csv", "learning_curves.csv"):
        at = run_page(sample=name, runs_table=True)
        # a static table (drawn with the rest of a rerun, unlike the grid): see show_table
        extrap = next(t.value for t in at.table if "observed" in t.value.columns)
        assert list(extrap.columns) == [
            "run", "N (params)", "D (tokens)", "C (FLOP)", "observed", "predicted", "error"
        ]  # fmt: skip
        runs = next(df.value for df in at.dataframe if "line" in df.value.columns)
        for table in (extrap, runs):
            for column in table.columns:
                assert all(isinstance(v, str) for v in table[column]), (name, column)
            assert all(re.fullmatch(r"\d(\.\d+)?e\d+", c) for c in table["C (FLOP)"])
            assert all(re.fullmatch(r"\d+(\.\d+)?[kMBT]?", n) for n in table["N (params)"])
        assert all(re.fullmatch(r"\d\.\d{4}", v) for v in extrap["observed"])
        assert all(re.fullmatch(r"[+-]\d+\.\d\d%", v) for v in extrap["error"])
        shown = metrics(at)
        assert all(len(v) <= 11 for v in shown.values()), shown
        assert "Read as" not in shown
    assert metrics(run_page(sample="isoflop_sweep.csv"))["Objective"] == "2.4e-4"
    check = next(t.value for t in run_page(sample="isoflop_sweep.csv").table
                 if "observed" in t.value.columns)  # fmt: skip
    assert check["C (FLOP)"].iloc[0] == "3e20" and check["N (params)"].iloc[0] == "264M"
    # the file's notes are a list that wraps, not cells of a narrow grid
    at = run_page(sample="learning_curves.csv")
    assert any(m.value.startswith("- read as learning curves") for m in at.markdown)
    assert not any("note" in df.value.columns for df in at.dataframe)


def test_runs_table_is_built_when_opened() -> None:
    # Closed (the default), the expander names how many runs and holds no table; opened
    # (it reruns the page), it holds every run of the file, one row each.
    runs = pd.read_csv(ROOT / "sample_data" / "isoflop_sweep.csv")
    at = run_page(sample="isoflop_sweep.csv")
    box = next(e for e in at.expander if e.label.startswith("Runs table"))
    assert box.label == f"Runs table ({len(runs):,} runs)"
    assert not any("line" in df.value.columns for df in at.dataframe)
    at.session_state[fv.RUNS_TABLE_KEY] = True
    at.run()
    table = next(df.value for df in at.dataframe if "line" in df.value.columns)
    assert len(table) == len(runs)
    assert table["line"].tolist() == [f"{i:,}" for i in range(2, len(runs) + 2)]


def test_display_runs_formats_every_number() -> None:
    table = pd.DataFrame(
        {
            "run": [1, 2],
            "n_params": [264_000_000, 1.5e9],
            "n_tokens": [189_400_000_000, 3e10],
            "compute_flops": [3e20, 1.48352998047744e21],
            "loss": [2.5, 2.34567],
            "extra": [71540.0, np.nan],
            "note": ["a", None],
        }
    )
    shown = ft.display_runs(table)
    assert shown.to_dict("list") == {
        "run": ["1", "2"],
        "N (params)": ["264M", "1.5B"],
        "D (tokens)": ["189B", "30B"],
        "C (FLOP)": ["3e20", "1.48e21"],
        "loss": ["2.5000", "2.3457"],
        "extra": ["7.154e4", "—"],
        "note": ["a", ""],
    }
    assert shown.attrs["numeric_columns"] == [
        "N (params)",
        "D (tokens)",
        "C (FLOP)",
        "loss",
        "extra",
    ]
    rows = ft.extrapolation_rows(table.assign(predicted=[2.6, 2.3], relative_error=[0.04, -0.02]))
    assert (
        rows["error"].tolist() == ["+4.00%", "-2.00%"]
        and "observed" in rows.attrs["numeric_columns"]
    )


def test_no_data_says_what_to_do() -> None:
    at = run_page()
    assert not at.exception
    assert any("load a file or a sample to see the fit" in i.value.lower() for i in at.info)
    assert at.session_state["user_laws"] == {}
    assert_controls(at)


def test_messy_report_lists_dropped_lines() -> None:
    at = run_page(sample="messy_runs.csv")
    dropped = next(df.value for df in at.dataframe if "reason" in df.value.columns)
    assert dropped["line"].tolist() == [27, 28, 29, 30]
    assert "diverged" in dropped["reason"].iloc[0]
    columns = next(df.value for df in at.dataframe if "read as" in df.value.columns)
    assert dict(zip(columns["column in the file"], columns["read as"], strict=True))[
        "Val Loss"
    ] == ("loss")
    assert metrics(at)["Rows dropped"] == "4"


def test_link_with_options_reproduces_the_fit() -> None:
    at = run_page(sample="kaplan_sweep.csv", f_form="kaplan", f_k="2", f_delta="0.01")
    assert not at.exception
    result = core_fit("kaplan_sweep.csv", "kaplan", delta=0.01, exclude_highest_loss=2)
    shown = metrics(at)
    for param, value in result.params.items():
        assert shown[param] == ft.format_param(value), param
    assert shown["Runs excluded"] == "2"
    assert set(at.session_state["user_laws"]) == {"your-fit-kaplan"}
    assert at.query_params["f_k"] == "2"
    assert at.query_params["f_form"] == "kaplan"


def test_fixed_e_and_power_forms() -> None:
    at = run_page(sample="isoflop_sweep.csv", f_fix_e="1", f_e="1.8")
    result = core_fit("isoflop_sweep.csv", fixed={"E": 1.8})
    assert metrics(at)["alpha"] == ft.format_param(result.params["alpha"])
    assert metrics(at)["E"] == "1.8"
    at = run_page(sample="isoflop_sweep.csv", f_form="power-c")
    assert not at.exception
    result = core_fit("isoflop_sweep.csv", "power-c")
    # L(C) pooled over every size of each budget: alpha_c = 0.137 +- 0.158 reaches 0
    assert not result.determined["alpha_c"]
    assert metrics(at)["alpha_c"] == ft.NO_VALUE
    assert at.session_state["user_laws"] == {}  # a power law has no law family


def test_bad_link_values_are_ignored() -> None:
    at = run_page(sample="../../etc/passwd", f_form="nope", f_k="banana")
    assert not at.exception
    # one note names each refused value (issue 19: links fall back with a note); the path is
    # quoted as text, never opened
    note = " ".join(w.value for w in at.warning).replace("\\", "")
    for key in ("f_sample", "f_form", "f_k"):
        assert f"**{key}**" in note
    assert "“../../etc/passwd”" in note and "root:" not in note
    assert "f_sample" not in at.query_params
    assert at.selectbox(key="w_f_form").value == "auto"
    assert at.slider(key="w_f_k").value == 0


# ------------------------------------------------------------------------- uploads


def test_upload_through_the_session_seam() -> None:
    data = (SAMPLES / "isoflop_sweep.csv").read_bytes()
    at = run_page(upload=data, f_sample="kaplan_sweep.csv")
    assert not at.exception
    assert any("uploaded file" in c.value for c in at.caption)
    assert metrics(at)["alpha"] == ft.format_param(core_fit("isoflop_sweep.csv").params["alpha"])
    assert "f_sample" not in at.query_params  # the upload wins and the link forgets the sample
    assert all(b"run_name" not in str(v).encode() for v in at.query_params.values())


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b"\x89\x00\x01binary\x00junk\xff\xfe", "binary"),
        (b"PK\x03\x04\x14\x00\x06\x00", "zip"),
        (b"params,tokens,val_loss\n", "no data rows"),
        (b"params,tokens\n1e9,2e10\n3e9,6e10\n", "loss"),
        (b"params,tokens,loss\n1e9,2e10,abc\n", "line 2"),
    ],
    ids=["binary-junk", "zip", "header-only", "missing-loss-column", "no-usable-row"],
)
def test_malformed_upload_gives_a_message_not_a_traceback(data: bytes, needle: str) -> None:
    at = run_page(upload=data)
    assert not at.exception
    assert at.error, "expected an st.error"
    with pytest.raises(RunLogError) as info:
        read_run_log(data)
    message = at.error[0].value
    assert message.startswith("Could not use this file")
    assert needle.lower() in message.replace("\\", "").lower(), (message, str(info.value))
    assert not chart_json(at)
    assert at.session_state["user_laws"] == {}
    assert_controls(at)


def test_fit_failure_keeps_the_report() -> None:
    data = b"params,tokens,loss\n1e8,2e9,3.1\n2e8,4e9,2.9\n4e8,8e9,2.7\n"
    at = run_page(upload=data)
    assert not at.exception
    assert any(e.value.startswith("The fit failed") for e in at.error)
    assert metrics(at)["Rows kept"] == "3"
    assert_controls(at)


def test_row_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fs, "MAX_ROWS", 10)
    at = run_page(upload=(SAMPLES / "isoflop_sweep.csv").read_bytes())
    assert not at.exception
    assert "limit is 10" in at.error[0].value.replace("\\", "")


def test_uploaded_text_is_escaped() -> None:
    hostile = (
        b"run,params,tokens,loss,[x](http://evil.example) <img src=x onerror=alert(1)>\n"
        + b"".join(
            f'"<b>=HYPERLINK(1)</b>{i}",{n:g},{20 * n:g},{2 + 300 / n**0.3:.4f},$x$\n'.encode()
            for i, n in enumerate(np.geomspace(1e7, 1e9, 6))
        )
    )
    at = run_page(upload=hostile, f_form="power-n")
    assert not at.exception
    for element in [*at.markdown, *at.caption, *at.error, *at.warning, *at.info]:
        assert "<img" not in element.value and "](http" not in element.value
    for spec in chart_json(at):
        assert "<b>=HYPERLINK" not in spec and "<img" not in spec


# ------------------------------------------------------------------------- interaction


def test_slider_moves_do_not_refit(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    original = fu.fit_log  # the name cached_fit calls

    def counting(log, options):  # type: ignore[no-untyped-def]
        calls.append(options)
        return original(log, options)

    monkeypatch.setattr(fu, "fit_log", counting)
    at = run_page(sample="isoflop_sweep.csv")
    assert len(calls) == 1
    at.slider(key="w_f_q").set_value(0.7).run()
    at.selectbox(key="w_f_group").set_value("ratio").run()
    assert not at.exception
    assert len(calls) == 1  # extrapolation and grouping do not refit
    at.select_slider(key="w_f_delta").set_value(0.01).run()
    assert len(calls) == 2
    assert at.query_params["f_q"] == "0.7"


def test_extrapolation_matches_the_core() -> None:
    at = run_page(sample="messy_runs.csv", f_q="0.75")
    log = read_run_log(SAMPLES / "messy_runs.csv")
    check = extrapolation_check(log.runs, "chinchilla", quantile=0.75, delta=1e-3)
    assert metrics(at)["Held-out runs"] == f"{len(check.holdout):,}"
    assert metrics(at)["Mean |error|, held-out (N, D)"] == (
        f"{100 * check.mean_abs_relative_error:.2f}%"
    )
    # what the mean is over, said beside it; the table sorted by the held-out axis (C)
    assert any(
        f"over the {check.n_configurations:,} held-out (N, D) configuration" in c.value
        and f"of {len(check.holdout):,} run" in c.value
        for c in at.caption
    )
    shown = next(t.value for t in at.table if "observed" in t.value.columns)
    flops = [float(c) for c in shown["C (FLOP)"]]
    assert flops == sorted(flops) and len(flops) == len(check.holdout)


def test_the_mean_error_says_it_is_over_configurations() -> None:
    """Muennighoff et al.'s runs repeat (N, D) under other unique-data budgets: the mean
    |error| (over configurations) is not the mean of the table's rows, and the caption says
    over how many configurations of how many runs it is taken, as the core counts them."""
    at = run_page(sample="real/muennighoff-2023/datablations_final_val_losses.csv")
    held = int(metrics(at)["Held-out runs"])
    table = next(t.value for t in at.table if "observed" in t.value.columns)
    errors = [abs(float(e.rstrip("%"))) for e in table["error"]]
    by_rows = f"{sum(errors) / len(errors):.2f}%"
    shown = metrics(at)["Mean |error|, held-out (N, D)"]
    assert len(table) == held and shown != by_rows
    log = read_run_log(SAMPLES / "real" / "muennighoff-2023" / "datablations_final_val_losses.csv")
    check = extrapolation_check(log.runs, "chinchilla", quantile=0.8)  # the page's default
    assert len(check.holdout) == held
    distinct = check.n_configurations
    caption = next(c.value for c in at.caption if "held-out (N, D)" in c.value)
    assert f"over the {distinct:,} held-out (N, D) configurations of {held:,} runs" in caption
    assert distinct < held


def test_sample_button_records_the_sample_in_the_link() -> None:
    at = run_page()
    at.selectbox(key="fit_sample_pick").set_value("kaplan_sweep.csv")
    at.button(key="fit_load_sample").click().run()
    assert not at.exception
    assert at.query_params["f_sample"] == "kaplan_sweep.csv"
    assert metrics(at)["Data rows read"] == "42"


def test_bootstrap_button_fills_the_intervals() -> None:
    at = run_page(sample="isoflop_sweep.csv")
    assert at.number_input(key="fit_n_boot").value == 1000  # the fewest the page offers
    at.button(key="fit_run_bootstrap").click().run()
    assert not at.exception
    state = at.session_state[fs.BOOTSTRAP_KEY]
    assert state["result"].n_boot == 1000
    assert any(state["result"].resampling in c.value for c in at.caption)
    table = next(t.value for t in at.table if "parameter" in t.value.columns)
    column = next(c for c in table.columns if "interval" in c)
    assert all("–" in cell for cell in table[column])
    low, high = state["result"].intervals["alpha"]
    assert low <= core_fit("isoflop_sweep.csv").params["alpha"] <= high


# ------------------------------------------------------------------------- glue and figures


def test_run_bootstrap_reports_progress() -> None:
    table = read_run_log(SAMPLES / "isoflop_sweep.csv").runs
    seen: list[tuple[int, int]] = []
    result = fs.run_bootstrap(table, fs.FitOptions(), 12, progress=lambda d, t: seen.append((d, t)))
    assert seen[0] == (0, 12) and seen[-1] == (12, 12)
    assert len(result.samples) + result.n_failed == 12
    assert set(result.intervals) >= {"E", "A", "B", "alpha", "beta", "a", "b"}


def test_predictions_table_marks_excluded_runs() -> None:
    table = read_run_log(SAMPLES / "isoflop_sweep.csv").runs
    result = fs.fit_runs(table, fs.FitOptions(exclude_highest_loss=3))
    predictions = fp.predictions_table(result, table)
    assert (~predictions["used_in_fit"]).sum() == 3
    used = predictions[predictions["used_in_fit"]]
    assert np.allclose(used["residual_log"].to_numpy(), result.residuals)


def test_grouping_is_chosen_per_file() -> None:
    kinds = {
        name: fp.choose_grouping(read_run_log(SAMPLES / name).runs)
        for name in ("isoflop_sweep.csv", "kaplan_sweep.csv", "messy_runs.csv")
    }
    assert kinds == {
        "isoflop_sweep.csv": "compute",
        "kaplan_sweep.csv": "tokens",
        "messy_runs.csv": "ratio",
    }


def _axis_title(axis: go.layout.XAxis | go.layout.YAxis) -> str:
    return axis.title.text or ""


def test_isoflop_figure() -> None:
    log = read_run_log(SAMPLES / "isoflop_sweep.csv")
    result = fs.fit_runs(log.runs, fs.FitOptions(exclude_highest_loss=1))
    groups = fg.isoflop_groups(log.runs, result, "compute")
    assert len(groups) == 6
    fig = isoflop_figure(groups)
    assert fig.layout.xaxis.type == "log"
    assert "parameters" in _axis_title(fig.layout.xaxis)
    assert "nats/token" in _axis_title(fig.layout.yaxis)
    assert "1B" in fig.layout.xaxis.ticktext
    legend = [t.name for t in fig.data if t.showlegend is not False]
    assert "C ≈ 6e18 FLOP" in legend and "fitted law" in legend
    assert "excluded from the fit" in legend
    # the fitted curve of a budget is the law along C = 6ND
    curve = next(t for t in fig.data if t.mode == "lines" and "6e18" in t.name)
    n = np.asarray(curve.x)
    assert np.allclose(curve.y, result.predict(n_params=n, compute_flops=np.full(len(n), 6e18)))


def test_residuals_and_extrapolation_figures() -> None:
    log = read_run_log(SAMPLES / "messy_runs.csv")
    result = fs.fit_runs(log.runs, fs.FitOptions())
    predictions = fp.predictions_table(result, log.runs)
    index, labels, _ = fg.group_runs(log.runs, "ratio")
    fig = residuals_figure(predictions, index, labels)
    assert fig.layout.xaxis.type == "log" and "FLOP" in _axis_title(fig.layout.xaxis)
    assert "%" in _axis_title(fig.layout.yaxis)
    assert {t.name for t in fig.data} == set(labels)
    check = extrapolation_check(log.runs, "chinchilla")
    train = log.runs[log.runs["compute_flops"] <= check.threshold]
    fig = extrapolation_figure(train, check.holdout, by="compute_flops", threshold=check.threshold)
    assert fig.layout.xaxis.type == "log" and "FLOP" in _axis_title(fig.layout.xaxis)
    names = {t.name for t in fig.data}
    assert {"held out: observed", "held out: predicted"} <= names
    fig = extrapolation_figure(
        train, check.holdout, by="compute_flops", threshold=check.threshold, x="n_params"
    )
    assert "parameters" in _axis_title(fig.layout.xaxis)


def test_learning_curves_figure_escapes_names() -> None:
    curves = pd.DataFrame(
        {
            "run": ["<script>a</script>"] * 3 + ["b"] * 3,
            "n_params": [1e8] * 3 + [1e9] * 3,
            "n_tokens": [1e8, 1e9, 1e10] * 2,
            "loss": [5.0, 3.5, 3.0, 4.5, 3.0, 2.5],
            "compute_flops": [6e16, 6e17, 6e18, 6e17, 6e18, 6e19],
        }
    )
    fig = learning_curves_figure(curves, predicted=np.full(6, 3.0))
    assert "<script>" not in fig.to_json()
    assert fig.layout.xaxis.type == "log" and "tokens" in _axis_title(fig.layout.xaxis)
    assert fig.data[0].name.startswith("&lt;script&gt;")  # sorted by N: the 100M run first


def test_group_curve_without_fit() -> None:
    group = RunGroup(
        "g",
        1.0,
        np.array([1e8, 1e9]),
        np.array([3.0, 2.8]),
        ["a", "b"],
        np.array([True, True]),
        np.geomspace(1e8, 1e9, 5),
        None,
    )
    fig = isoflop_figure([group], mark_minimum=False)
    assert [t.name for t in fig.data if t.mode == "markers"] == ["g"]


def test_parameter_json_round_trip() -> None:
    from dashboard.downloads import parameters_json

    result = core_fit("isoflop_sweep.csv")
    record = json.loads(parameters_json(result, source="isoflop_sweep.csv"))
    assert record["parameters"] == result.params


def test_fitted_law_appears_in_the_sidebar_of_other_pages() -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["f_sample"] = "isoflop_sweep.csv"
    at.switch_page("pages/6_Fit_your_runs.py").run()
    assert not at.exception
    at.switch_page("pages/2_Compute-optimal_frontier.py").run()
    assert not at.exception
    picker = at.sidebar.multiselect[0]
    assert "Your fit" in picker.options
    single = next(s for s in at.sidebar.selectbox if s.label == "Law for single-law views")
    assert "Your fit" in single.options


# ------------------------------------------------------------------------- QA2 findings


def test_sample_picker_shows_the_sample_from_the_link() -> None:
    at = run_page(sample="kaplan_sweep.csv", f_form="kaplan")
    assert at.selectbox(key="fit_sample_pick").value == "kaplan_sweep.csv"
    assert any("kaplan\\_sweep\\.csv" in c.value for c in at.caption)
    at.button(key="fit_load_sample").click().run()  # loads the file on display, not another
    assert at.query_params["f_sample"] == "kaplan_sweep.csv"
    assert metrics(at)["Data rows read"] == "42"
    # a pick not yet loaded is the user's: kept on reruns, the page keeps the shown file
    at.selectbox(key="fit_sample_pick").set_value("messy_runs.csv").run()
    at.slider(key="w_f_q").set_value(0.7).run()
    assert at.selectbox(key="fit_sample_pick").value == "messy_runs.csv"
    assert metrics(at)["Data rows read"] == "42"


def test_sample_picker_follows_the_sample_after_leaving_the_page() -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["f_sample"] = "messy_runs.csv"
    at.switch_page("pages/6_Fit_your_runs.py").run()
    assert at.selectbox(key="fit_sample_pick").value == "messy_runs.csv"
    at.switch_page("app.py").run()  # the picker's widget state is dropped here
    at.switch_page("pages/6_Fit_your_runs.py").run()
    assert not at.exception
    assert at.selectbox(key="fit_sample_pick").value == "messy_runs.csv"


def test_snapshot_fits_carry_the_schedule_caveat() -> None:
    at = run_page(sample="learning_curves.csv")
    caveat = [i.value for i in at.info if "Snapshot fits are biased" in i.value]
    assert caveat == [fs.SNAPSHOT_CAVEAT]
    assert "Hoffmann et al. 2022, §3.1" in caveat[0] and "transient" in caveat[0]
    for name, params in (("learning_curves.csv", {"f_points": "final"}), ("isoflop_sweep.csv", {})):
        at = run_page(sample=name, **params)
        assert not any("Snapshot fits are biased" in i.value for i in at.info), name


def test_snapshot_fits_count_points_not_runs() -> None:
    at = run_page(sample="learning_curves.csv", f_k="2")
    shown = {m.label: m for m in at.metric}
    assert "Runs used" not in shown and "Runs excluded" not in shown
    result = core_fit("learning_curves.csv", exclude_highest_loss=2)
    assert shown["Points used"].value == str(result.n_runs) == "26"
    assert shown["Points excluded"].value == "2"
    assert "learning curves of 12 runs" in shown["Points used"].proto.help
    at = run_page(sample="isoflop_sweep.csv")
    assert metrics(at)["Runs used"] == "54"


def test_few_runs_say_the_exponents_are_uncertain() -> None:
    at = run_page(sample="messy_runs.csv")
    note = next(i.value for i in at.info if "poorly determined" in i.value)
    assert "only 24 runs" in note and "Run bootstrap" in note
    at = run_page(sample="learning_curves.csv")
    assert any("only 28 snapshot points" in i.value for i in at.info)
    at = run_page(sample="isoflop_sweep.csv")  # 54 runs: no "few", but no intervals yet
    assert not any("poorly determined" in i.value for i in at.info)
    assert any("without intervals" in i.value for i in at.info)


def test_bootstrap_intervals_show_under_the_values() -> None:
    at = run_page(sample="messy_runs.csv")
    at.button(key="fit_run_bootstrap").click().run()
    assert not at.exception
    boot = at.session_state[fs.BOOTSTRAP_KEY]["result"]
    low, high = boot.intervals["alpha"]
    want = f"95%: {ft.format_param(low)} – {ft.format_param(high)}"
    assert want in [c.value for c in at.caption]
    notes = [i.value for i in at.info if "poorly determined" in i.value]
    assert len(notes) == 1 and "Quote the bootstrap intervals" in notes[0]
    at = run_page(sample="isoflop_sweep.csv")
    at.button(key="fit_run_bootstrap").click().run()
    assert not any("without intervals" in i.value for i in at.info)


def test_legends_write_counts_as_numbers() -> None:
    at = run_page(sample="kaplan_sweep.csv", f_form="kaplan")
    names = [t.get("name") or "" for spec in chart_specs(at) for t in spec["data"]]
    assert "D ≈ 320M tokens" in names and "D ≈ 1.3B tokens" in names
    assert not [n for n in names if re.search(r"\de[+-]?\d", n) and "FLOP" not in n]
    assert not [n for n in names if "e+" in n]
    from charts.fit import group_label

    assert group_label(3.17e8, "tokens") == "D ≈ 320M tokens"
    assert group_label(999.6e6, "tokens") == "D ≈ 1B tokens"
    assert group_label(1234.0, "ratio") == "D/N ≈ 1.2k"
    assert group_label(3.16e19, "compute") == "C ≈ 3.2e19 FLOP"


def test_the_runs_editor_writes_a_missing_value_as_a_dash() -> None:
    """Issue 21: blank or "—" for none, editors included (Streamlit writes "None" otherwise).
    The messy sample has runs lacking values, so the editor holds missing cells."""
    at = run_page(sample="messy_runs.csv")
    editors = [d for d in at.dataframe if d.proto.editing_mode]
    assert len(editors) == 1
    assert editors[0].value.isna().to_numpy().any()  # there is something to show as none
    assert editors[0].proto.placeholder == "—"


def test_the_share_link_says_it_does_not_carry_an_upload():
    """Under the sidebar's link: with an upload on display, that the link keeps the options
    and not the file; with a sample (which the link names), nothing. A link with the fit's
    options and no file says that links never carry files."""

    def sidebar_text(at: AppTest) -> str:
        return " ".join(c.value for c in at.sidebar.caption)

    uploaded = run_page(upload=(SAMPLES / "isoflop_sweep.csv").read_bytes())
    assert not uploaded.exception
    assert "not the uploaded file" in sidebar_text(uploaded)
    assert "f_sample" not in dict(uploaded.query_params)  # the file is not in the link
    sample = run_page(sample="isoflop_sweep.csv")
    assert "not the uploaded" not in sidebar_text(sample)
    assert dict(sample.query_params)["f_sample"] == "isoflop_sweep.csv"
    reopened = run_page(f_q="0.7", f_delta="0.01")
    assert "links never carry files" in " ".join(i.value for i in reopened.info)
    assert "links never carry" not in " ".join(i.value for i in run_page().info)


def test_a_failed_fit_draws_the_runs_without_claiming_a_fitted_law():
    """Two runs at one D (a synthetic pair; the Hugging Face Trainer pair in real-logs is the
    same shape): no form can be fitted. The IsoFLOP chart draws the runs without a 'fitted
    law' legend entry or title, and its N axis (57K to 150K) has more than one tick."""
    csv = b"run,params,tokens,loss\nd48,56640,4915200,2.777\nd64,150080,4915200,2.729\n"
    at = run_page(upload=csv)
    assert not at.exception
    shown = [e.value for e in [*at.error, *at.warning, *at.info]]
    assert any("cannot be fitted either" in text for text in shown), shown
    (spec,) = [s for s in chart_specs(at) if "model size" in s["layout"]["title"]["text"]]
    names = [t.get("name") for t in spec["data"]]
    assert (
        "fitted law" not in names and "with the fitted law" not in spec["layout"]["title"]["text"]
    )
    assert len(spec["layout"]["xaxis"]["tickvals"]) >= 3


def test_rows_neither_kept_nor_dropped_are_counted_on_the_page():
    """A Hugging Face trainer_state.json (real-logs): its log_history rows without an
    eval_loss are read but not used. The page's counts add up: read = kept + dropped + the
    rows it says are neither, which equals the count of log entries without eval_loss."""
    from tests.conftest import REAL_LOGS

    path = REAL_LOGS / "hf-trainer-output" / "gpt-d48l2-C3e13" / "trainer_state.json"
    history = json.loads(path.read_text())["log_history"]
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state[fs.UPLOAD_BYTES_KEY] = path.read_bytes()
    at.session_state[fs.UPLOAD_NAME_KEY] = "trainer_state.json"
    at.run()
    assert not at.exception
    shown = metrics(at)
    read, kept, dropped = (
        int(shown[k].replace(",", "")) for k in ("Data rows read", "Rows kept", "Rows dropped")
    )
    (caption,) = [c.value for c in at.caption if "neither kept nor dropped" in c.value]
    unused = int(caption.split(" of the rows read")[0].replace(",", ""))
    assert read == kept + dropped + unused
    assert unused == sum("eval_loss" not in entry for entry in history)


def test_an_undetermined_allocation_quotes_each_exponents_own_interval() -> None:
    """On the OLMo ladder's sample the bootstrap leaves a = beta/(alpha+beta) undetermined; the
    allocation table said so for a and b with a's interval under both.  b = 1 - a: its row now
    quotes its own interval, which is a's reflected about 1/2 (read from the bootstrap)."""
    at = run_page(sample="real/olmo-ladder/olmo_ladder_curves.csv")
    at.button(key="fit_run_bootstrap").click().run()
    assert not at.exception, at.exception
    boot = at.session_state[fs.BOOTSTRAP_KEY]["result"]
    table = next(t.value for t in at.table if "quantity" in t.value.columns).set_index("quantity")
    assert table.loc["a", "value"] == table.loc["b", "value"] == ft.NOT_DETERMINED
    a_low, a_high = boot.intervals["a"]
    b_low, b_high = boot.intervals["b"]
    assert b_low == pytest.approx(1 - a_high) and b_high == pytest.approx(1 - a_low)
    assert f"[{a_low:.3g}, {a_high:.3g}]" in table.loc["a", "interval"]
    assert f"[{b_low:.3g}, {b_high:.3g}]" in table.loc["b", "interval"]
    assert f"{a_low:.3g}" not in table.loc["b", "interval"]


def test_the_mapping_counts_one_table_in_the_singular() -> None:
    """'Read 1 tables (csv ×1)' read wrong to a reviewer (so did 'run id file names repeats',
    `test_runs_from_file_names_are_said_to_repeat_in_words`)."""
    at = run_page(sample="kaplan_sweep.csv")
    assert any(c.value.startswith("Read 1 table (csv ×1), ") for c in at.caption), [
        c.value for c in at.caption if c.value.startswith("Read")
    ]


def test_runs_from_file_names_are_said_to_repeat_in_words() -> None:
    """Learning curves whose run ids are the files' names: the note says so in words, where it
    read "run id file names repeats"."""
    from tests.test_page_fit_logs import FILES, HISTORY

    read = read_runs([HISTORY / name for name in FILES[:3]])
    (note,) = [str(n) for n in read.log.report.notes if "read as learning curves" in str(n)]
    assert note.startswith(
        "read as learning curves: the run ids taken from the file names repeat (3 runs in "
    )
