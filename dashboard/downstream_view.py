"""Streamlit glue of the page "Ladders: tasks and comparisons": the ladder's checkpoints (the
shipped OLMo ladder or an upload) read once per session, and the two-step prediction of
`scaling_core.downstream` cached per (ladder, task, cut, form)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import streamlit as st

from scaling_core.downstream import (
    DownstreamError,
    DownstreamResult,
    nominal_sizes_note,
    predict_downstream,
)
from scaling_core.downstream import resolve_task as _resolve
from scaling_core.runs import RunLogError, read_runs

ROOT = Path(__file__).resolve().parents[1]
#: The shipped ladder: Bhagia et al.'s OLMo ladder with its task metrics (sample_data/real).
OLMO_DOWNSTREAM = ROOT / "sample_data" / "real" / "olmo-ladder" / "olmo_ladder_downstream.csv"
#: Bootstrap draws behind every interval on the page.
PAGE_BOOTSTRAP = 1000
#: Session key of the uploaded files: a list of (name, bytes).
UPLOAD_KEY = "lt_upload_files"


@st.cache_data(show_spinner="Reading the ladder…", max_entries=8)
def _curves_from(files: tuple[tuple[str, bytes], ...]) -> pd.DataFrame:
    read = read_runs(list(files))
    if read.log is None or read.log.curves is None:
        lacking = "; ".join(f"{r.run}: needs {r.needs}" for r in read.lacking.head(3).itertuples())
        raise DownstreamError(
            "these files hold no learning curves with params and tokens"
            + (f" ({lacking})" if lacking else "")
        )
    curves = read.log.curves
    curves.attrs["nominal_sizes"] = nominal_sizes_note(read.per_run)  # shown by the page
    return curves


def shipped_curves() -> pd.DataFrame:
    """The OLMo ladder's checkpoints with every task's bits per byte and accuracy."""
    return _curves_from(((OLMO_DOWNSTREAM.name, OLMO_DOWNSTREAM.read_bytes()),))


def uploaded_curves() -> pd.DataFrame | None:
    """The uploaded files' checkpoints, or None before an upload; a `DownstreamError` (or
    `RunLogError`) names what is wrong with the files."""
    files = st.session_state.get(UPLOAD_KEY)
    if not files:
        return None
    return _curves_from(tuple((str(n), bytes(b)) for n, b in files))


def store_upload() -> None:
    """The uploader's callback: keep the files' names and bytes in the session only."""
    uploaded = st.session_state.get("lt_uploader") or []
    st.session_state[UPLOAD_KEY] = [(f.name, f.getvalue()) for f in uploaded]


@st.cache_data(show_spinner="Fitting both steps with 1,000 bootstrap draws…", max_entries=32)
def _prediction(
    digest: str,
    _curves: pd.DataFrame,
    task: str,
    holdout_params_above: float,
    step1_form: str,
) -> DownstreamResult:
    pair = _resolve(list(_curves.columns), task)
    return predict_downstream(
        _curves,
        pair,
        holdout_params_above=holdout_params_above,
        step1_form=step1_form,
        n_boot=PAGE_BOOTSTRAP,
        seed=0,
    )


def prediction(
    curves: pd.DataFrame, task: str, holdout_params_above: float, step1_form: str
) -> DownstreamResult:
    """`predict_downstream` with the page's 1,000 draws (seed 0, as the command line's
    default), cached on the checkpoints' content."""
    digest = hashlib.sha256(pd.util.hash_pandas_object(curves, index=False).values).hexdigest()
    return _prediction(digest, curves, task, holdout_params_above, step1_form)


READ_ERRORS = (DownstreamError, RunLogError)
