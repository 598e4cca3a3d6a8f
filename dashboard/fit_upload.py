"""The fit page's session and upload handling: where the data comes from (an upload kept in the
session, or a sample named in the URL) and the per-session caches of reading and fitting it.

Where the data comes from (first match wins):

1. uploads (several files, zips included), copied as (name, bytes) pairs into
   ``st.session_state["fit_upload_files"]`` by the uploader's callback; a single file may also
   be given as bytes under ``"fit_upload_bytes"`` (and its name under ``"fit_upload_name"``).
   Tests put bytes there directly: AppTest cannot drive ``st.file_uploader``.  Uploaded bytes live only in the session (the
   caches holding them are per session too); they are never written to disk or put in a URL.
2. a sample file chosen by its button, recorded as ``f_sample=<file name>`` in the session
   and the URL so that a link to a sample view reproduces it.  Only names of files in
   ``sample_data/`` are accepted.

Large uploads are read and fitted by `dashboard.fit_session.run_heavy` (a child process with
its own time and memory budget).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st
from streamlit import runtime

from dashboard import ahead
from dashboard.fit_rollout import rollout_options, start_rollout
from dashboard.fit_session import (
    BOOTSTRAP_KEY,
    HEAVY_BYTES,
    MAX_ROWS,
    SAMPLE_KEY,
    SESSION_CACHE_ENTRIES,
    UPLOAD_BYTES_KEY,
    UPLOAD_FILES_KEY,
    UPLOAD_NAME_KEY,
    FitOptions,
    FitOutcome,
    digest,
    extrapolation,
    fit_log,
    no_usable_runs,
    read_upload,
    run_heavy,
    sample_bytes,
    sample_names,
    upload_refusal,
)
from dashboard.jobs import prestart
from dashboard.shared_cache import by_content
from dashboard.state import Param, current, forget_note, link_value, register
from scaling_core.fit import (
    ExtrapolationResult,
)
from scaling_core.runs import RunLog, RunLogError, RunsRead
from scaling_core.runs.archive import expanded_size

if runtime.exists():  # a real server: large uploads' fork server starts while the visitor picks
    prestart()

#: ``f_sample`` round-trips through the URL; an upload never does. A name that is not one of
#: `sample_names` falls back to no sample, with the note every refused link value gets.
SAMPLE_PARAM = register(
    Param(
        SAMPLE_KEY,
        "",
        str,
        str,
        options=tuple(sample_names()),
        expected="the name of a sample offered on this page",
        label="Sample",
    )
)
#: Link keys of the columns chosen for a sample's roles start with this
#: (``f_col_loss=results.3.loss``); an upload's column names never go into the link.
ROLE_LINK_PREFIX = "f_col_"
_UPLOADER_COUNTER = "fit_uploader_generation"
_DIGEST_KEY = "fit_upload_digest"
#: Why the last upload was refused on its sizes (shown under the uploader).
UPLOAD_REFUSED_KEY = "fit_upload_refused"


@dataclass(frozen=True)
class Source:
    """The bytes the page fits and where they came from ("upload" or "sample")."""

    name: str
    data: bytes
    digest: str
    kind: str
    files: tuple[tuple[str, bytes], ...] = ()

    @property
    def all_files(self) -> tuple[tuple[str, bytes], ...]:
        """(name, bytes) of every file of this source."""
        return self.files or ((self.name, self.data),)


def uploader_key() -> str:
    """The uploader's widget key; loading a sample moves to a new key, which clears it."""
    return f"fit_uploader_{st.session_state.get(_UPLOADER_COUNTER, 0)}"


def forget_sample() -> None:
    """Drop the chosen sample from the session and the address bar."""
    st.session_state.pop(SAMPLE_KEY, None)
    if SAMPLE_KEY in st.query_params:
        del st.query_params[SAMPLE_KEY]


def forget_upload() -> None:
    """Drop the uploaded bytes from the session."""
    for key in (UPLOAD_BYTES_KEY, UPLOAD_NAME_KEY, UPLOAD_FILES_KEY, _DIGEST_KEY):
        st.session_state.pop(key, None)


def on_upload() -> None:
    """Uploader callback: keep the file's bytes in the session (not on disk, not in the URL)."""
    uploaded = st.session_state.get(uploader_key())
    st.session_state.pop(BOOTSTRAP_KEY, None)
    if isinstance(uploaded, list):
        uploaded = [u for u in uploaded if u is not None]
    elif uploaded is not None:
        uploaded = [uploaded]
    st.session_state.pop(UPLOAD_REFUSED_KEY, None)
    if not uploaded:
        forget_upload()
        return
    forget_upload()
    refusal = upload_refusal([(u.name, int(u.size)) for u in uploaded])
    if refusal is not None:  # refused on the sizes, before any byte is copied or read
        st.session_state[UPLOAD_REFUSED_KEY] = refusal
        return
    st.session_state[UPLOAD_FILES_KEY] = [(u.name, u.getvalue()) for u in uploaded]
    forget_sample()


def load_sample(name: str) -> None:
    """Sample button callback: record the sample (session and URL) and clear any upload."""
    if name not in sample_names():
        return
    forget_upload()
    st.session_state.pop(BOOTSTRAP_KEY, None)
    st.session_state[SAMPLE_KEY] = name
    st.session_state[_UPLOADER_COUNTER] = st.session_state.get(_UPLOADER_COUNTER, 0) + 1


SAMPLE_PICK_KEY = "fit_sample_pick"


def load_picked_sample() -> None:
    """Sample button callback: load the sample currently shown in the picker."""
    load_sample(str(st.session_state.get(SAMPLE_PICK_KEY, "")))


_PICK_SHOWS_KEY = "fit_sample_pick_shows"


def sync_sample_pick(source: Source | None) -> None:
    """Make the sample picker show the sample the page displays when that sample changes (a
    link with ``f_sample``, a new session) or the picker was reset (the page was left and
    reopened); a pick not yet loaded with the button is kept.  Call before the picker."""
    if source is None or source.kind != "sample":
        return
    if (
        SAMPLE_PICK_KEY not in st.session_state
        or st.session_state.get(_PICK_SHOWS_KEY) != source.name
    ):
        st.session_state[SAMPLE_PICK_KEY] = source.name
        st.session_state[_PICK_SHOWS_KEY] = source.name


def chosen_sample() -> str | None:
    """The sample named by the session or the link, if it is one of `sample_names`."""
    if SAMPLE_KEY in st.session_state:
        value = st.session_state[SAMPLE_KEY]
    else:
        value = link_value(SAMPLE_PARAM)
    if value and value in sample_names():
        st.session_state[SAMPLE_KEY] = value
        return str(value)
    forget_sample()
    return None


def _upload_digest(data: bytes) -> str:
    cached = st.session_state.get(_DIGEST_KEY)
    if cached is not None and cached[0] is data:
        return cached[1]
    value = digest(data)
    st.session_state[_DIGEST_KEY] = (data, value)
    return value


def current_source() -> Source | None:
    """The data to fit: the uploaded files in the session, else the chosen sample, else None."""
    files = st.session_state.get(UPLOAD_FILES_KEY)
    if files:
        pairs = tuple((str(n), bytes(b)) for n, b in files)
        joined = hashlib.sha256()
        for n, b in pairs:
            joined.update(n.encode() + b"\0" + digest(b).encode())
        if SAMPLE_KEY in st.session_state or SAMPLE_KEY in st.query_params:
            forget_sample()
        names = [n for n, _ in pairs]
        name = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        return Source(name, pairs[0][1], joined.hexdigest(), "upload", pairs)
    data = st.session_state.get(UPLOAD_BYTES_KEY)
    if isinstance(data, (bytes, bytearray)):
        data = bytes(data) if isinstance(data, bytearray) else data
        name = str(st.session_state.get(UPLOAD_NAME_KEY, "uploaded file"))
        if SAMPLE_KEY in st.session_state or SAMPLE_KEY in st.query_params:
            forget_sample()  # the link must not point at a sample while an upload is shown
        return Source(name, data, _upload_digest(data), "upload")
    name = chosen_sample()
    if name is None:
        return None
    content = sample_bytes(name)
    return Source(name, content, digest(content), "sample")


def read_or_message(data: bytes, max_rows: int) -> RunLog | str:
    """`read_upload`, or the `RunLogError` message."""
    try:
        return read_upload(data, max_rows=max_rows)
    except RunLogError as exc:
        return str(exc)


@by_content(max_entries=SESSION_CACHE_ENTRIES, ttl=3600, show_spinner="Reading the file…")
def cached_log(file_digest: str, max_rows: int, _data: bytes) -> RunLog | str:
    """The parsed log of the content with this SHA-256, or the `RunLogError` message (a large
    file is read by `run_heavy`)."""
    if expanded_size([("", _data)]) <= HEAVY_BYTES:
        return read_or_message(_data, max_rows)
    return run_heavy(read_or_message, _data, max_rows, what="Reading the file", too_large=str)


@by_content(max_entries=SESSION_CACHE_ENTRIES, ttl=3600, show_spinner="Fitting…")
def cached_fit(
    file_digest: str, options_key: tuple, _log: RunLog, heavy: bool = False
) -> FitOutcome:
    """`fit_log` of the content with this SHA-256 under these options (slider moves that do
    not change the options do not refit); ``heavy``: by `run_heavy`."""
    options = FitOptions(*options_key)
    if not heavy:
        return fit_log(_log, options)
    return run_heavy(
        fit_log,
        _log,
        options,
        what="The fit",
        too_large=lambda message: FitOutcome(log=_log, table=_log.runs, fit_error=message),
    )


@by_content(max_entries=SESSION_CACHE_ENTRIES, ttl=3600, show_spinner="Checking extrapolation…")
def cached_extrapolation(
    file_digest: str,
    options_key: tuple,
    by: str,
    quantile: float,
    _table: pd.DataFrame,
    heavy: bool = False,
) -> ExtrapolationResult | str:
    """`extrapolation` of the fitted table of this content under these options (a second fit,
    so for a large upload, ``heavy``, by `run_heavy` as the first fit is)."""
    started = ahead.collect(extrapolation_key(file_digest, options_key, by, quantile))
    if started is not ahead.MISSING:
        return started
    options = FitOptions(*options_key)
    if not heavy:
        return extrapolation(_table, options, by, quantile)
    return run_heavy(
        extrapolation, _table, options, by, quantile, what="The extrapolation check", too_large=str
    )


def extrapolation_key(file_digest: str, options_key: tuple, by: str, quantile: float) -> tuple:
    """What a check started ahead is collected by: `cached_extrapolation`'s hashed arguments."""
    return ("extrapolation", file_digest, options_key, by, float(quantile))


#: The extrapolation check's quantile slider: lowest, highest, step (`fit_checks`).
QUANTILE_SLIDER = (0.5, 0.95, 0.05)


def quantile_value(quantile: float) -> float:
    """A quantile as the check is computed and keyed: to 6 decimals, so that the slider's
    0.6000000000000001 and a neighbour's 0.55 + 0.05 are one check."""
    return round(float(quantile), 6)


def start_neighbours(
    digest: str,
    options: FitOptions,
    by: str,
    quantile: float,
    table: pd.DataFrame,
    previous: float | None,
) -> None:
    """Start ahead (`dashboard.ahead`, each in a job when a heavy slot is free) the checks one
    slider step either side of ``quantile``, the side the slider last moved to (from
    ``previous``) first: a key press on the slider then collects a check already made
    instead of fitting while the visitor waits (about 80 ms for Gadre et al.'s 34 C4 runs)."""
    low, high, step = QUANTILE_SLIDER
    sides = [quantile + step, quantile - step]
    if previous is not None and previous > quantile:
        sides.reverse()
    for side in sides:
        neighbour = quantile_value(side)
        if low - 1e-9 <= neighbour <= high + 1e-9:
            ahead.start(
                extrapolation_key(digest, options.key(), by, neighbour),
                extrapolation,
                table,
                options,
                by,
                neighbour,
                what="The extrapolation check",
            )


#: The extrapolation check's controls and their defaults (`fit_view.show_charts` draws them).
HOLDOUT_DEFAULTS: dict[str, Any] = {"f_by": "compute_flops", "f_q": 0.8}


def holdout_controls() -> tuple[str, float] | None:
    """The extrapolation check's controls as the page will read them, when known before they
    are drawn: their session values, or their defaults when neither the session nor the link
    sets them (a link's value is read only when its control is drawn)."""
    if all(key in st.session_state for key in HOLDOUT_DEFAULTS):
        return str(st.session_state["f_by"]), quantile_value(st.session_state["f_q"])
    if any(key in st.session_state or key in st.query_params for key in HOLDOUT_DEFAULTS):
        return None
    return HOLDOUT_DEFAULTS["f_by"], quantile_value(HOLDOUT_DEFAULTS["f_q"])


def start_ahead(outcome: FitOutcome, source: Source, options: FitOptions) -> None:
    """Start the steps the page shows after the fit's report and charts, the extrapolation
    check and the rollout scorecard, as soon as the fit is known (`dashboard.ahead`: each in a
    job beside the page; `cached_extrapolation` and `fit_rollout.cached_rollout` collect
    them)."""
    if outcome.result is None or outcome.table is None or not len(outcome.table):
        return
    controls = holdout_controls()
    if controls is not None:
        key = extrapolation_key(source.digest, options.key(), *controls)
        ahead.start(
            key, extrapolation, outcome.table, options, *controls, what="The extrapolation check"
        )
    resolved = rollout_options(options, outcome.result.form)
    start_rollout(source.digest, resolved, outcome.table)


def outcome_for(
    source: Source, options: FitOptions, read: RunsRead | None = None, read_key: str = ""
) -> FitOutcome:
    """Fit (cached per content, mapping and per-run edits -- ``read_key`` -- and options) what
    was read; without ``read`` the source is read as one CSV file. Big uploads wait for one of
    `MAX_HEAVY_JOBS` slots."""
    if read is not None:
        if read.log is None:
            return FitOutcome(read_error=no_usable_runs(read))
        key = f"{source.digest}/{read_key}"
        return cached_fit(key, options.key(), read.log, fit_is_heavy(source, read.log))
    return _outcome(source, options)


#: A large upload's fit runs in a job (`run_heavy`) only when its log has more rows than this
#: (runs and learning-curve points): the OLMo ladder's 42 curves (3,599 rows, a 0.1 s fit)
#: spent longer pickling its log to a job and back than fitting it.
HEAVY_FIT_ROWS = 5_000


def fit_is_heavy(source: Source, log: RunLog) -> bool:
    """Whether the fit of ``log`` runs in a job: a large upload (`HEAVY_BYTES` once expanded)
    whose log has more than `HEAVY_FIT_ROWS` rows."""
    rows = len(log.runs) + (0 if log.curves is None else len(log.curves))
    return rows > HEAVY_FIT_ROWS and large_upload(source)


def large_upload(source: Source) -> bool:
    """Whether the source is a large upload (more than `HEAVY_BYTES` once expanded): its
    steps run in jobs (`run_heavy`)."""
    return source_bytes(source) > HEAVY_BYTES


def source_bytes(source: Source) -> int:
    """What the source's files expand to (zip members at their declared sizes)."""
    return expanded_size(source.all_files)


def source_log(source: Source) -> RunLog | str:
    """`cached_log` of the source (a large one read by `run_heavy`)."""
    return cached_log(source.digest, MAX_ROWS, source.data)


def _outcome(source: Source, options: FitOptions) -> FitOutcome:
    log = cached_log(source.digest, MAX_ROWS, source.data)
    if isinstance(log, str):
        return FitOutcome(read_error=log)
    return cached_fit(source.digest, options.key(), log, fit_is_heavy(source, log))


def role_link_key(role: str) -> str:
    """Link key of a sample's column for ``role`` (``f_col_loss=results.3.loss``)."""
    return f"{ROLE_LINK_PREFIX}{role}"


def linked_column(source: Source, role: str, options: list[str], guess: str) -> str:
    """The column a sample opens on for ``role``: the link's when it names one of the file's
    columns (else the guess, with a note), the guess for an upload."""
    if source.kind != "sample":
        return guess
    param = Param(
        role_link_key(role),
        guess,
        str,
        str,
        options=tuple(options),
        expected="the name of one of this sample's columns",
        label=role,
    )
    value = current(param)
    return value if value in options else guess


def keep_column(source: Source, role: str, picked: str) -> None:
    """Remember a sample's column for ``role`` for the link (`linked_column` reads it back)."""
    if source.kind != "sample":
        return
    key = role_link_key(role)
    if st.session_state.get(key) != picked:
        forget_note(key)
    st.session_state[key] = picked
