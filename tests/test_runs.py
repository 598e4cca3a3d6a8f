"""Tests for scaling_core.runs: reading run logs into tidy tables plus a report."""

from __future__ import annotations

import doctest
import importlib
import io
import math
import pkgutil
import types

import numpy as np
import pandas as pd
import pytest

import scaling_core.runs
from scaling_core.runs import (
    MAX_STORED_DROPPED,
    ColumnMapping,
    DroppedRow,
    RunLog,
    RunLogError,
    read_run_log,
    snapshot_losses,
)
from scaling_core.runs.numbers import _parse_number_series


def read(text: str, **kwargs: object) -> RunLog:
    """Read CSV text given as a str (encoded to UTF-8 bytes, like an upload)."""
    return read_run_log(text.encode("utf-8"), **kwargs)  # type: ignore[arg-type]


def roles(log: RunLog) -> dict[str, str]:
    return {c.role: c.source for c in log.report.columns}


# --------------------------------------------------------------------------- headers

PARAM_HEADERS = [
    "params",
    "n_params",
    "N",
    "num_params",
    "parameters",
    "model_size",
    "Model Size",
    "non_embedding_params",
    "nonembedding_params",
    "PARAMS",
    "Num Params",
]
TOKEN_HEADERS = [
    "tokens",
    "D",
    "n_tokens",
    "training_tokens",
    "train_tokens",
    "tokens_seen",
    "num_tokens",
    "data",
    "Tokens",
]
COMPUTE_HEADERS = [
    "flops",
    "compute",
    "C",
    "Training FLOP",
    "train_flops",
    "compute_flops",
    "FLOPs",
]
LOSS_HEADERS = [
    "loss",
    "val_loss",
    "eval/loss",
    "validation_loss",
    "eval_loss",
    "train_loss",
    "final_loss",
    "test_loss",
    "loss_final",
    "valid/loss",
    "Val Loss",
]
RUN_HEADERS = ["run", "run_id", "name", "run_name", "id", "model", "experiment"]


@pytest.mark.parametrize("header", PARAM_HEADERS)
def test_param_header_variants(header: str) -> None:
    log = read(f"{header},tokens,loss\n1e8,2e9,3.0\n")
    assert roles(log)["n_params"] == header
    assert log.runs["n_params"].tolist() == [1e8]


@pytest.mark.parametrize("header", TOKEN_HEADERS)
def test_token_header_variants(header: str) -> None:
    log = read(f"params,{header},loss\n1e8,2e9,3.0\n")
    assert roles(log)["n_tokens"] == header
    assert log.runs["n_tokens"].tolist() == [2e9]


@pytest.mark.parametrize("header", COMPUTE_HEADERS)
def test_compute_header_variants_derive_tokens(header: str) -> None:
    log = read(f"params,{header},loss\n1e8,1.2e18,3.0\n")
    assert roles(log)["compute_flops"] == header
    # D = C / (6 N) = 1.2e18 / 6e8 = 2e9
    assert log.runs["n_tokens"].tolist() == pytest.approx([2e9])
    assert log.runs["compute_flops"].tolist() == [1.2e18]
    assert any("compute/(6·params)" in note for note in log.report.notes)


@pytest.mark.parametrize("header", LOSS_HEADERS)
def test_loss_header_variants(header: str) -> None:
    log = read(f"params,tokens,{header}\n1e8,2e9,3.25\n")
    assert roles(log)["loss"] == header
    assert log.runs["loss"].tolist() == [3.25]


@pytest.mark.parametrize("header", RUN_HEADERS)
def test_run_header_variants(header: str) -> None:
    log = read(f"{header},params,tokens,loss\nsmall-1,1e8,2e9,3.0\n")
    assert roles(log)["run"] == header
    assert log.runs["run"].tolist() == ["small-1"]


@pytest.mark.parametrize(
    ("header", "role"),
    [
        ("batch_size", "batch_size"),
        ("bs", "batch_size"),
        ("batch_tokens", "batch_tokens"),
        ("tokens_per_batch", "batch_tokens"),
        ("lr", "learning_rate"),
        ("learning_rate", "learning_rate"),
        ("n_layer", "n_layer"),
        ("layers", "n_layer"),
        ("depth", "n_layer"),
        ("d_model", "d_model"),
        ("width", "d_model"),
        ("hidden_size", "d_model"),
    ],
)
def test_optional_header_variants(header: str, role: str) -> None:
    log = read(f"params,tokens,loss,{header}\n1e8,2e9,3.0,512\n")
    assert roles(log)[role] == header
    column = "batch_size" if role == "batch_tokens" else role
    assert log.runs[column].tolist() == [512.0]


def test_header_matching_ignores_case_punctuation_and_spacing() -> None:
    log = read("  N_Params ,Training/Tokens,EVAL LOSS\n1e8,2e9,3.0\n")
    assert roles(log) == {
        "n_params": "N_Params",
        "n_tokens": "Training/Tokens",
        "loss": "EVAL LOSS",
    }


def test_validation_loss_preferred_over_train_loss_and_reported() -> None:
    log = read("params,tokens,train_loss,val_loss\n1e8,2e9,2.9,3.1\n")
    assert roles(log)["loss"] == "val_loss"
    assert log.runs["loss"].tolist() == [3.1]
    assert "train_loss" in log.report.ignored_columns
    assert any("val_loss" in n and "train_loss" in n for n in log.report.notes)
    # the unused loss stays available as an extra column
    assert log.runs["train_loss"].tolist() == [2.9]


def test_duplicate_header_uses_first_and_says_so() -> None:
    log = read("params,tokens,loss,loss\n1e8,2e9,3.0,9.0\n")
    assert log.runs["loss"].tolist() == [3.0]
    assert any("appears more than once" in n and "'loss'" in n for n in log.report.notes)


def test_ignored_columns_are_listed_and_kept() -> None:
    log = read("params,tokens,loss,notes,seed\n1e8,2e9,3.0,first try,1\n")
    assert log.report.ignored_columns == ["notes", "seed"]
    assert log.runs["notes"].tolist() == ["first try"]


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.5e9", 1.5e9),
        ("1.5B", 1.5e9),
        ("1.5b", 1.5e9),
        ("300M", 3e8),
        ("300m", 3e8),
        ("2T", 2e12),
        ("70k", 7e4),
        ("70K", 7e4),
        ("1.2e+21", 1.2e21),
        ("1_000", 1000.0),
        ("  42  ", 42.0),
        ("3G", 3e9),
        ("1.5 B", 1.5e9),
        ("2bn", 2e9),
        ("1,500,000", 1.5e6),
        ("1,500,000.5", 1500000.5),
        ("2,41", 2.41),
        ("5%", 0.05),
        (".5", 0.5),
        ("-3", -3.0),
    ],
)
def test_parse_number_series_values(text: str, expected: float) -> None:
    parsed = _parse_number_series(pd.Series(["1", text, "2"], dtype="str"))
    assert parsed.values[1] == pytest.approx(expected)
    assert not parsed.unparsed.any() and not parsed.missing.any()


def test_parse_number_series_flags_missing_text_and_nan() -> None:
    parsed = _parse_number_series(pd.Series(["1", "", "abc", "nan", "1B B", None], dtype=object))
    assert parsed.missing.tolist() == [False, True, False, False, False, True]
    assert parsed.unparsed.tolist() == [False, False, True, False, True, False]
    assert math.isnan(parsed.values[3])


def test_parse_number_series_semicolon_file_reads_single_comma_as_decimal() -> None:
    parsed = _parse_number_series(pd.Series(["1,500", "1.234,5", "2"]), semicolon_file=True)
    assert parsed.values.tolist() == pytest.approx([1.5, 1234.5, 2.0])


def test_parse_number_series_numeric_dtype_fast_path() -> None:
    parsed = _parse_number_series(pd.Series([1.0, np.nan, 3.0]))
    assert parsed.missing.tolist() == [False, True, False]
    assert parsed.values[2] == 3.0


def test_suffix_values_in_file_are_parsed_and_noted() -> None:
    log = read("params,tokens,loss\n1.5B,300B,2.1\n300M,2T,2.5\n70k,1_000_000,9\n")
    assert log.runs["n_params"].tolist() == [1.5e9, 3e8, 7e4]
    assert log.runs["n_tokens"].tolist() == [3e11, 2e12, 1e6]
    assert any("suffixes" in n for n in log.report.notes)


def test_header_units_scale_values() -> None:
    log = read("Params (M),tokens (B),compute (PF-days),loss\n125,2.5,1,3.0\n")
    assert log.runs["n_params"].tolist() == [125e6]
    assert log.runs["n_tokens"].tolist() == [2.5e9]
    assert log.runs["compute_flops"].tolist() == [8.64e19]
    assert any("'Params (M)'" in n and "scaled by 1e+06" in n for n in log.report.notes)


def test_header_unit_does_not_rescale_values_with_their_own_suffix() -> None:
    log = read("params (M),tokens,loss\n1.5B,2e9,3.0\n350,2e9,3.0\n")
    assert log.runs["n_params"].tolist() == [1.5e9, 3.5e8]


def test_header_unit_without_scale_leaves_values() -> None:
    log = read("params,tokens,Training FLOP (FLOPs),loss\n1e8,2e9,1.2e18,3.0\n")
    assert log.runs["compute_flops"].tolist() == [1.2e18]


def test_quoted_thousands_in_comma_file() -> None:
    log = read('params,tokens,loss\n"125,000,000","2,500,000,000",3.0\n')
    assert log.runs["n_params"].tolist() == [1.25e8]
    assert log.runs["n_tokens"].tolist() == [2.5e9]
    assert any("thousands" in n for n in log.report.notes)


# --------------------------------------------------------------------------- formats


def test_utf8_bom_is_stripped() -> None:
    log = read_run_log(b"\xef\xbb\xbfparams,tokens,loss\n1e8,2e9,3.0\n")
    assert roles(log)["n_params"] == "params"


def test_latin1_fallback_is_noted() -> None:
    log = read_run_log("run,params,tokens,loss\nmodèle,1e8,2e9,3.0\n".encode("latin-1"))
    assert log.runs["run"].tolist() == ["modèle"]
    assert any("Latin-1" in n for n in log.report.notes)


def test_utf16_with_bom() -> None:
    log = read_run_log("params\ttokens\tloss\n1e8\t2e9\t3.0\n".encode("utf-16"))
    assert log.runs["loss"].tolist() == [3.0]


def test_tsv() -> None:
    log = read("params\ttokens\tloss\n1e8\t2e9\t3.0\n2e8\t4e9\t2.5\n")
    assert log.report.delimiter == "\t"
    assert log.runs["loss"].tolist() == [3.0, 2.5]


def test_semicolon_with_decimal_commas() -> None:
    log = read("params;tokens;loss\n1,25e8;2e9;3,5\n")
    assert log.report.delimiter == ";"
    assert log.runs["n_params"].tolist() == [1.25e8]
    assert log.runs["loss"].tolist() == [3.5]
    assert any("decimal comma" in n for n in log.report.notes)


def test_crlf_line_endings_and_blank_lines_keep_line_numbers() -> None:
    log = read("params,tokens,loss\r\n1e8,2e9,3.0\r\n\r\n2e8,x,2.5\r\n4e8,8e9,2.2\r\n")
    assert log.runs["line"].tolist() == [2, 5]
    assert log.report.dropped == [DroppedRow(4, "n_tokens 'x' is not a number")]


def test_sources_path_text_bytes_and_file_objects(tmp_path: pytest.TempPathFactory) -> None:
    text = "params,tokens,loss\n1e8,2e9,3.0\n"
    path = tmp_path / "runs.csv"  # type: ignore[operator]
    path.write_text(text)
    for source in (
        path,
        str(path),
        text,
        text.encode(),
        io.BytesIO(text.encode()),
        io.StringIO(text),
    ):
        assert read_run_log(source).runs["loss"].tolist() == [3.0]


def test_missing_path_is_a_run_log_error(tmp_path: pytest.TempPathFactory) -> None:
    with pytest.raises(RunLogError, match="cannot open"):
        read_run_log(tmp_path / "nope.csv")  # type: ignore[operator]


# --------------------------------------------------------------------------- derivations


def test_compute_defaults_to_six_n_d() -> None:
    log = read("params,tokens,loss\n1e8,2e9,3.0\n")
    assert log.runs["compute_flops"].tolist() == [6 * 1e8 * 2e9]


def test_compute_fills_missing_tokens_per_row() -> None:
    log = read("params,tokens,flops,loss\n1e8,2e9,,3.0\n1e8,,6e18,2.8\n")
    assert log.runs["n_tokens"].tolist() == pytest.approx([2e9, 1e10])
    assert log.runs["compute_flops"].tolist() == pytest.approx([1.2e18, 6e18])
    assert log.report.n_rows_kept == 2


def test_unreadable_tokens_replaced_by_compute_are_named() -> None:
    log = read("params,tokens,flops,loss\n1e8,lots,6e18,2.8\n")
    assert log.runs["n_tokens"].tolist() == pytest.approx([1e10])
    assert any("'tokens': 1 unreadable values" in n and "lines 2" in n for n in log.report.notes)


def test_compute_far_from_six_n_d_is_noted() -> None:
    log = read("params,tokens,flops,loss\n1e8,2e9,1.2e15,3.0\n")
    assert any("check its units" in n for n in log.report.notes)


# --------------------------------------------------------------------------- validation


def test_dropped_rows_have_line_numbers_and_reasons() -> None:
    text = (
        "run,params,tokens,loss\n"  # line 1
        "a,1e8,2e9,3.0\n"  # 2 ok
        "b,1e8,2e9,abc\n"  # 3
        "c,-5,2e9,3.0\n"  # 4
        "d,1e8,,3.0\n"  # 5
        "e,1e8,inf,3.0\n"  # 6
        "f,0,2e9,nan\n"  # 7
        "g,2e8,4e9,2.5\n"  # 8 ok
    )
    log = read(text)
    assert log.runs["run"].tolist() == ["a", "g"]
    assert log.runs["line"].tolist() == [2, 8]
    assert log.report.dropped == [
        DroppedRow(3, "loss 'abc' is not a number"),
        DroppedRow(4, "n_params -5 is not positive"),
        DroppedRow(5, "missing n_tokens"),
        DroppedRow(6, "n_tokens 'inf' is not finite"),
        DroppedRow(7, "n_params 0 is not positive; loss 'nan' is not finite"),
    ]
    assert (log.report.n_rows_read, log.report.n_rows_kept) == (7, 2)
    assert "line 4: n_params -5 is not positive" in log.report.summary()


def test_numeric_column_problems_reported_in_float_columns() -> None:
    log = read("params,tokens,loss\n1e8,2e9,3.0\n1e8,-2e9,3.0\n")
    assert log.report.dropped == [DroppedRow(3, "n_tokens -2e+09 is not positive")]


def test_ragged_row_is_dropped_with_its_line() -> None:
    log = read("params,tokens,loss\n1e8,2e9,3.0\n1e8,2e9,3.0,extra\n2e8,4e9,2.5\n")
    assert log.report.dropped == [DroppedRow(3, "row has 4 fields; the header has 3")]
    assert log.runs["line"].tolist() == [2, 4]


def test_short_row_is_reported_as_missing_values() -> None:
    log = read("params,tokens,loss\n1e8,2e9\n2e8,4e9,2.5\n")
    assert log.report.dropped == [DroppedRow(2, "missing loss")]


def test_bad_optional_values_are_blanked_not_dropped() -> None:
    log = read("params,tokens,loss,lr\n1e8,2e9,3.0,fast\n2e8,4e9,2.5,3e-4\n")
    assert log.report.n_rows_kept == 2
    assert np.isnan(log.runs["learning_rate"].iloc[0])
    assert any("'lr'" in n and "line" in n for n in log.report.notes)


def test_dropped_list_is_capped_but_counted() -> None:
    rows = "".join("1e8,2e9,bad\n" for _ in range(MAX_STORED_DROPPED + 50))
    log = read("params,tokens,loss\n1e8,2e9,3.0\n" + rows)
    assert len(log.report.dropped) == MAX_STORED_DROPPED
    assert log.report.n_dropped == MAX_STORED_DROPPED + 50
    assert "and 50 more" in log.report.summary()


# --------------------------------------------------------------------------- errors


def test_missing_columns_error_names_roles_and_headers() -> None:
    with pytest.raises(RunLogError) as info:
        read("params,steps_per_sec,val_loss\n1e8,3,2.0\n")
    message = str(info.value)
    assert "tokens or compute" in message
    assert "'params', 'steps_per_sec', 'val_loss'" in message
    assert "\n" not in message


def test_missing_loss_error() -> None:
    with pytest.raises(RunLogError, match=r"loss.*headers found: 'N', 'D'"):
        read("N,D\n1e8,2e9\n")


def test_long_header_lists_are_truncated() -> None:
    headers = ",".join(f"col{i}" for i in range(40))
    with pytest.raises(RunLogError, match=r"\(28 more\)"):
        read(headers + "\n" + ",".join("1" for _ in range(40)) + "\n")


def test_step_without_tokens_says_what_is_missing() -> None:
    with pytest.raises(RunLogError, match="step column 'step' but no tokens, compute or batch"):
        read("run,step,params,loss\na,1,1e8,3\na,2,1e8,2\n")


@pytest.mark.parametrize(
    ("content", "pattern"),
    [
        (b"", "empty"),
        (b"\n\n  \n", "empty"),
        (b"params,tokens,loss\n", "no data rows"),
        (b"\x00\x01\x02binary", "NUL"),
        (b"PK\x03\x04rest", "Excel"),
        (b"params,tokens,loss\nx,y,z\n", "no usable rows.*line 2"),
    ],
)
def test_unusable_files_raise_one_clear_error(content: bytes, pattern: str) -> None:
    with pytest.raises(RunLogError, match=pattern):
        read_run_log(content)


def test_single_row_file_works() -> None:
    log = read("params,tokens,loss\n1e8,2e9,3.0")
    assert log.report.n_rows_kept == 1


def test_row_and_byte_limits() -> None:
    text = "params,tokens,loss\n" + "1e8,2e9,3.0\n" * 11
    with pytest.raises(RunLogError, match="file has 11 rows; the limit is 10"):
        read(text, max_rows=10)
    assert read(text, max_rows=11).report.n_rows_kept == 11
    with pytest.raises(RunLogError, match="the limit is 100"):
        read(text, max_bytes=100)
    with pytest.raises(RunLogError, match="the limit is 100"):
        read_run_log(io.BytesIO(text.encode()), max_bytes=100)


def test_run_log_error_is_a_value_error_with_one_line() -> None:
    assert issubclass(RunLogError, ValueError)
    assert str(RunLogError("a\nb  c")) == "a b c"


# --------------------------------------------------------------------------- curves

CURVES = (
    "run,step,tokens_seen,params,val_loss\n"
    "small,0,0,1e8,10.0\n"  # line 2: 0 tokens -> dropped
    "small,100,1e9,1e8,4.0\n"
    "small,200,4e9,1e8,1.0\n"
    "big,100,1e9,4e8,5.0\n"
    "big,200,2e9,4e8,3.0\n"
    "big,300,3e9,4e8,2.0\n"
)


def test_curves_detected_and_final_loss_per_run() -> None:
    log = read(CURVES)
    assert log.report.shape == "curves"
    assert log.curves is not None and len(log.curves) == 5
    assert list(log.curves.columns) == [
        "run",
        "step",
        "n_tokens",
        "loss",
        "n_params",
        "compute_flops",
        "line",
    ]
    runs = log.runs.set_index("run")
    assert runs.loc["small", "loss"] == 1.0 and runs.loc["small", "n_tokens"] == 4e9
    assert runs.loc["big", "loss"] == 2.0 and runs.loc["big", "n_tokens"] == 3e9
    assert runs.loc["big", "compute_flops"] == 6 * 4e8 * 3e9
    assert log.report.dropped == [DroppedRow(2, "n_tokens 0 is not positive")]


def test_final_row_is_max_tokens_not_last_line() -> None:
    log = read("run,tokens,params,loss\na,2e9,1e8,2.0\na,1e9,1e8,3.0\n")
    assert log.runs["loss"].tolist() == [2.0]


def test_curves_tokens_from_step_times_batch_tokens() -> None:
    log = read("run,step,batch_tokens,params,loss\na,1,5e5,1e8,4\na,2,5e5,1e8,3\n")
    assert log.curves is not None
    assert log.curves["n_tokens"].tolist() == [5e5, 1e6]
    assert any("'step' × 'batch_tokens'" in n for n in log.report.notes)


def test_curves_tokens_from_step_batch_size_and_seq_len() -> None:
    log = read("run,step,batch_size,seq_len,params,loss\na,1,8,1024,1e8,4\na,2,8,1024,1e8,3\n")
    assert log.curves is not None
    assert log.curves["n_tokens"].tolist() == [8192.0, 16384.0]


def test_shape_override_reads_repeated_ids_as_runs() -> None:
    log = read(CURVES, shape="runs")
    assert log.report.shape == "runs" and log.curves is None
    assert len(log.runs) == 5


def test_unique_run_ids_are_finished_runs() -> None:
    log = read("run,tokens,params,loss\na,1e9,1e8,3\nb,2e9,1e8,2\n")
    assert log.report.shape == "runs"


# --------------------------------------------------------------------------- snapshots


def test_snapshot_interpolates_in_log_space() -> None:
    log = read(CURVES)
    assert log.curves is not None
    snap = snapshot_losses(log.curves, n_tokens=[2e9])
    by_run = snap.set_index("run")
    # small: between (1e9, 4.0) and (4e9, 1.0); 2e9 is halfway in log tokens, so
    # log L = (log 4 + log 1) / 2 -> L = 2.0. big: 2e9 is a logged point -> 3.0.
    assert by_run.loc["small", "loss"] == pytest.approx(2.0)
    assert by_run.loc["big", "loss"] == pytest.approx(3.0)
    assert by_run.loc["small", "compute_flops"] == pytest.approx(6 * 1e8 * 2e9)


def test_snapshot_by_compute_only_within_each_runs_range() -> None:
    log = read(CURVES)
    assert log.curves is not None
    # 2.4e18 FLOP: small (1e8 params) at 4e9 tokens (its last point, loss 1.0);
    # big (4e8 params) at 1e9 tokens (its first point, loss 5.0).
    snap = snapshot_losses(log.curves, compute_flops=[2.4e18, 1e30])
    assert snap["compute_flops"].tolist() == [2.4e18, 2.4e18]
    assert snap.set_index("run")["loss"].to_dict() == pytest.approx({"small": 1.0, "big": 5.0})
    assert snap["n_params"].tolist() == [1e8, 4e8]  # ordered by n_params within a budget


def test_snapshot_hand_computed_intermediate_value() -> None:
    curves = pd.DataFrame(
        {
            "run": ["r", "r"],
            "n_params": [1e8, 1e8],
            "n_tokens": [1e9, 1e10],
            "compute_flops": [6e17, 6e18],
            "loss": [3.0, 2.0],
        }
    )
    snap = snapshot_losses(curves, compute_flops=[6e17 * 10**0.25])
    expected = math.exp(0.75 * math.log(3.0) + 0.25 * math.log(2.0))
    assert snap["loss"].iloc[0] == pytest.approx(expected)
    assert snap["n_tokens"].iloc[0] == pytest.approx(1e9 * 10**0.25)


def test_snapshot_repeated_point_takes_the_later_row_and_rows_in_any_order() -> None:
    # A resumed run logs tokens 1e9 twice; the later row (loss 3.0) is the one kept, as a
    # tracker's history would be read.  Rows arrive out of order and interleaved with
    # another run: the interpolation sorts each run by tokens first.
    curves = pd.DataFrame(
        {
            "run": ["r", "q", "r", "r", "q"],
            "n_params": [1e8, 2e8, 1e8, 1e8, 2e8],
            "n_tokens": [1e10, 1e9, 1e9, 1e9, 1e10],
            "compute_flops": [6e18, 1.2e18, 6e17, 6e17, 1.2e19],
            "loss": [2.0, 4.0, 9.0, 3.0, 2.5],
        }
    )
    snap = snapshot_losses(curves, n_tokens=[1e9 * 10**0.25]).set_index("run")
    assert snap.loc["r", "loss"] == pytest.approx(
        math.exp(0.75 * math.log(3.0) + 0.25 * math.log(2.0))
    )
    assert snap.loc["q", "loss"] == pytest.approx(
        math.exp(0.75 * math.log(4.0) + 0.25 * math.log(2.5))
    )


def test_snapshot_outside_range_is_empty() -> None:
    log = read(CURVES)
    assert log.curves is not None
    snap = snapshot_losses(log.curves, n_tokens=[1.0])
    assert snap.empty and list(snap.columns) == [
        "run",
        "n_params",
        "n_tokens",
        "compute_flops",
        "loss",
    ]


def test_snapshot_needs_exactly_one_axis() -> None:
    log = read(CURVES)
    assert log.curves is not None
    with pytest.raises(ValueError, match="exactly one"):
        snapshot_losses(log.curves)
    with pytest.raises(ValueError, match="exactly one"):
        snapshot_losses(log.curves, compute_flops=[1e18], n_tokens=[1e9])


# --------------------------------------------------------------------------- report + size


def test_report_summary_and_mappings() -> None:
    log = read("params,tokens,loss,notes\n1e8,2e9,3.0,x\n")
    assert log.report.columns == [
        ColumnMapping("params", "n_params"),
        ColumnMapping("tokens", "n_tokens"),
        ColumnMapping("loss", "loss"),
    ]
    summary = log.report.summary()
    assert "finished runs" in summary and "'params' -> n_params" in summary
    assert "Not used: 'notes'" in summary


def test_hundred_thousand_rows_ingest() -> None:
    rng = np.random.default_rng(0)
    n = 100_000
    frame = pd.DataFrame(
        {
            "params": rng.uniform(1e7, 1e10, n),
            "tokens": rng.uniform(1e9, 1e12, n),
            "flops": rng.uniform(1e18, 1e22, n),
            "loss": rng.uniform(1.5, 5, n),
        }
    )
    csv_text = frame.to_csv(index=False)
    lines = csv_text.split("\n")
    lines[500] = "oops,1,2,3"  # file line 501
    log = read_run_log("\n".join(lines).encode())
    assert log.report.n_rows_read == n
    assert log.report.n_rows_kept == n - 1
    assert log.report.dropped == [DroppedRow(501, "n_params 'oops' is not a number")]
    assert log.runs["line"].iloc[-1] == n + 1
    assert np.isfinite(log.runs[["n_params", "n_tokens", "compute_flops", "loss"]]).all().all()


def _submodules(package: types.ModuleType) -> list[types.ModuleType]:
    return [
        importlib.import_module(f"{package.__name__}.{info.name}")
        for info in pkgutil.iter_modules(package.__path__)
    ]


def test_docstring_examples_run() -> None:
    attempted = failed = 0
    for module in (scaling_core.runs, *_submodules(scaling_core.runs)):
        result = doctest.testmod(module)
        attempted, failed = attempted + result.attempted, failed + result.failed
    assert attempted >= 5 and failed == 0


def test_text_column_named_like_a_role_missing_from_the_first_row_is_named_in_a_note() -> None:
    """A short first row (no cell under N) and text under N further down: N is passed over for
    params with an example from the row that has one (found by test_runs_fuzz; it was an
    IndexError reported as an internal error)."""
    log = read_run_log(b"params,tokens,loss,N\n1e9,2e10,2.5\n2e9,4e10,2.3,big\n")
    assert list(log.runs["n_params"]) == [1e9, 2e9]
    assert any(
        "'N' is named like n_params but holds text (e.g. 'big')" in n for n in log.report.notes
    )


def test_trailing_delimiter_on_header_keeps_rows_with_a_note_in_that_column() -> None:
    """'a,b,c,' headers: the empty header is an unnamed column; a value there loses no run."""
    log = read_run_log("params,tokens,loss,\n1e9,2e10,2.5,\n2e9,4e10,2.3,rerun\n3e9,6e10,2.2\n")
    assert list(log.runs["loss"]) == [2.5, 2.3, 2.2]
    assert log.report.dropped == []
    assert "column 4" in log.report.ignored_columns


def test_the_learning_curve_note_counts_runs_in_words() -> None:
    """Ten logged points of one run: '(1 run in 10 rows)', not '(1 runs in 10 rows)'."""
    one = "run,step,params,tokens,loss\n" + "".join(
        f"a,{i},1e8,{i * 1e6},{3 - i * 0.01}\n" for i in range(1, 11)
    )
    notes = [str(n) for n in read_run_log(one.encode()).report.notes]
    assert any("(1 run in 10 rows)" in n for n in notes)
    two = one + one.split("\n", 1)[1].replace("a,", "b,")
    assert any("(2 runs in 20 rows)" in str(n) for n in read_run_log(two.encode()).report.notes)
