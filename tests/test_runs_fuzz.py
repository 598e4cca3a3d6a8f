"""Property tests: read_run_log returns a usable RunLog or raises RunLogError, nothing else."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scaling_core.runs import RunLog, RunLogError, read_run_log

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

KNOWN_HEADERS = [
    "params",
    "N",
    "Params (M)",
    "tokens",
    "D",
    "tokens (B)",
    "flops",
    "C",
    "loss",
    "val_loss",
    "train_loss",
    "eval/loss",
    "run",
    "name",
    "step",
    "_step",
    "batch_size",
    "batch_tokens",
    "seq_len",
    "lr",
    "n_layer",
    "d_model",
    "notes",
    "loss",
    "",
    " ",
    "x",
]
REQUIRED_CHOICES = [
    ["params", "N", "Params (M)", "model_size"],
    ["tokens", "D", "tokens (B)", "flops", "C"],
    ["loss", "val_loss", "eval/loss"],
]
JUNK_VALUES = [
    "",
    " ",
    "1",
    "0",
    "-1",
    "1e9",
    "1.5B",
    "300M",
    "2T",
    "70k",
    "1_000",
    "nan",
    "inf",
    "-inf",
    "1e400",
    "1e-400",
    "abc",
    '"1,500,000"',
    "2,41",
    "5%",
    "NA",
    "True",
    '"',
    "''",
    "1.5 B",
    "…",
    "é",
    "\t",
    ";",
    "0x10",
    "1e",
    ".",
    "-",
    "B",
    "999999999999999999999999",
    "1,5",
    "a",
    "b",
]


def check(content: bytes | str) -> None:
    """The contract: a RunLog whose kept values are finite and positive, or RunLogError."""
    try:
        log = read_run_log(content)
    except RunLogError as error:
        message = str(error)
        assert message and "\n" not in message
        assert "internal error" not in message, message
        return
    assert isinstance(log, RunLog)
    report = log.report
    assert report.n_rows_kept >= 1
    assert report.n_rows_kept + report.n_dropped == report.n_rows_read
    assert len(report.dropped) == min(report.n_dropped, 1000)
    tables = [log.runs] if log.curves is None else [log.runs, log.curves]
    for table in tables:
        numbers = table[["n_params", "n_tokens", "compute_flops", "loss"]].to_numpy(dtype=float)
        assert np.isfinite(numbers).all() and (numbers > 0).all()
        assert table["run"].map(lambda r: isinstance(r, str) and r != "").all()
    assert len(log.runs) <= report.n_rows_kept
    assert all(d.line >= 2 for d in report.dropped)
    assert isinstance(report.summary(), str)


@FUZZ
@given(st.binary(max_size=400))
def test_random_bytes(content: bytes) -> None:
    check(content)


@FUZZ
@given(st.text(max_size=300))
def test_random_text(content: str) -> None:
    check(content.encode("utf-8"))


@st.composite
def tables(draw: st.DrawFn) -> bytes:
    """Tables with recognisable or random headers and junk or plausible values."""
    delimiter = draw(st.sampled_from([",", "\t", ";"]))
    header_strategy = st.one_of(st.sampled_from(KNOWN_HEADERS), st.text(max_size=8))
    headers = draw(st.lists(header_strategy, min_size=1, max_size=7))
    if draw(st.booleans()):  # make the required roles present half of the time
        required = [draw(st.sampled_from(names)) for names in REQUIRED_CHOICES]
        headers = draw(st.permutations(required + headers[:3]))
    value = st.one_of(
        st.sampled_from(JUNK_VALUES),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.integers(-10, 10**12).map(str),
        st.text(max_size=5),
    )
    n_rows = draw(st.integers(0, 8))
    rows = []
    for _ in range(n_rows):
        n_fields = draw(
            st.sampled_from([len(headers), len(headers), len(headers) - 1, len(headers) + 1])
        )
        rows.append(delimiter.join(draw(value) for _ in range(max(n_fields, 0))))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = newline.join([delimiter.join(headers), *rows])
    if draw(st.booleans()):
        text += newline
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1"]))
    return text.encode(encoding, errors="replace")


@FUZZ
@given(tables())
def test_random_tables(content: bytes) -> None:
    check(content)


@st.composite
def plausible_logs(draw: st.DrawFn) -> str:
    """Mostly valid run logs (runs or curves) with a few junk cells sprinkled in."""
    curves = draw(st.booleans())
    headers = (
        ["run", "step", "tokens", "params", "loss"] if curves else ["name", "N", "D", "val_loss"]
    )
    good = st.floats(1e-3, 1e13).map(lambda v: f"{v:.6g}")
    cell = st.one_of(good, good, good, st.sampled_from(JUNK_VALUES))
    lines = [",".join(headers)]
    for i in range(draw(st.integers(1, 12))):
        run = draw(st.sampled_from(["a", "b", "c"])) if curves else f"r{i}"
        lines.append(",".join([run] + [draw(cell) for _ in headers[1:]]))
    return "\n".join(lines) + "\n"


@FUZZ
@given(plausible_logs())
def test_plausible_logs(content: str) -> None:
    check(content.encode())
