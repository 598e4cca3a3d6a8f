"""The fit page's files and mapping step: reading several uploads of any format (cached per
session), each role's column (guessed, with a picker), the loss candidates, and the per-run table
(`st.data_editor`) where missing parameter or token counts are filled in. The numbers come from
`scaling_core.runs`; the editor's table is built by `charts.fit_tables.per_run_table`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from charts import fit_tables as ft
from dashboard import fit_session as fs
from dashboard import fit_upload as fu
from dashboard.widgets import choice, toggle
from scaling_core.runs import (
    FROM_FILE,
    ROLES,
    Loaded,
    RoleMapping,
    RunLogError,
    RunsRead,
    apply_overrides,
    build_runs,
    guess_roles,
    load,
    melt_loaded,
    read_runs_meta,
)
from scaling_core.runs.archive import expanded_size
from scaling_core.runs.summary import plural
from scaling_core.runs.wide import WIDE_CHOICES, detect_wide
from scaling_core.wording import for_page

# ------------------------------------------------------------------ reading (plain Python)


def load_files(files: tuple[tuple[str, bytes], ...]) -> Loaded:
    """Every uploaded file (zips opened) read by its format and combined; `RunLogError` when
    none could be read, or when the upload passes a limit of one read (`Limits`: bytes as
    given and once expanded, files, rows, columns, cells; counted over all files and archive
    members together, and before parsing where the bytes allow)."""
    return load(list(files))


def mapping_of(loaded: Loaded, overrides: dict[str, str | None]) -> RoleMapping:
    """The guessed roles with the user's choices applied."""
    mapping = guess_roles(loaded.frame)
    return apply_overrides(mapping, overrides, loaded.names) if overrides else mapping


def read_mapped(
    loaded: Loaded,
    overrides: dict[str, str | None],
    runs_meta: pd.DataFrame | None = None,
    *,
    count_embeddings: bool = False,
    max_rows: int | None = None,
    unfinished_as_final: bool = False,
    tuning: str = "best",
) -> RunsRead:
    """Per-run values and the validated table for one mapping (and per-run edits): the same
    `build_runs` as the command line's ``read``, ``fit`` and ``isoflop``."""
    return build_runs(
        loaded,
        mapping_of(loaded, overrides),
        runs_meta=runs_meta,
        count_embeddings=count_embeddings,
        max_rows=fs.MAX_ROWS if max_rows is None else max_rows,
        unfinished_as_final=unfinished_as_final,
        tuning=tuning,
    )


def load_or_message(files: tuple[tuple[str, bytes], ...]) -> Loaded | str:
    """`load_files`, or the `RunLogError` message."""
    try:
        return load_files(files)
    except RunLogError as exc:
        return for_page(exc)  # the page's wording (issue 21)


def read_or_message(
    loaded: Loaded,
    overrides: dict[str, str | None],
    runs_meta: pd.DataFrame | None,
    count_embeddings: bool,
    unfinished_as_final: bool = False,
    tuning: str = "best",
) -> RunsRead | str:
    """`read_mapped`, or the `RunLogError` message."""
    try:
        return read_mapped(
            loaded,
            overrides,
            runs_meta,
            count_embeddings=count_embeddings,
            unfinished_as_final=unfinished_as_final,
            tuning=tuning,
        )
    except RunLogError as exc:
        return for_page(exc)  # the page's wording (issue 21)


@st.cache_resource(
    max_entries=fs.SESSION_CACHE_ENTRIES,
    ttl=3600,
    show_spinner="Reading the files…",
    scope="session",
)
def cached_loaded(file_digest: str, _files: tuple[tuple[str, bytes], ...]) -> Loaded | str:
    """The files of this content read and combined, or the `RunLogError` message (large
    uploads are read by `fit_session.run_heavy`: large once expanded, whatever their size on
    the wire)."""
    if expanded_size(_files) <= fs.HEAVY_BYTES:
        return load_or_message(_files)
    return fs.run_heavy(load_or_message, _files, what="Reading the files", too_large=str)


def loaded_for(source: fu.Source) -> Loaded | str:
    """`cached_loaded` of the source."""
    return cached_loaded(source.digest, source.all_files)


def meta_key(runs_meta: pd.DataFrame | None) -> str:
    """A cache key for the per-run edits."""
    if runs_meta is None or runs_meta.empty:
        return ""
    return hashlib.sha256(runs_meta.to_csv(index=False).encode()).hexdigest()


@st.cache_resource(
    max_entries=fs.SESSION_CACHE_ENTRIES,
    ttl=3600,
    show_spinner="Mapping the columns…",
    scope="session",
)
def cached_read(
    file_digest: str,
    overrides_key: tuple,
    edits_key: str,
    count_embeddings: bool,
    _loaded: Loaded,
    _runs_meta: pd.DataFrame | None,
    unfinished_as_final: bool = False,
    tuning: str = "best",
) -> RunsRead | str:
    """`read_mapped` for this content, mapping and per-run edits, or the error message (for
    many runs, by `fit_session.run_heavy`)."""
    args = (
        _loaded,
        dict(overrides_key),
        _runs_meta,
        count_embeddings,
        unfinished_as_final,
        tuning,
    )
    if len(_loaded.frame) * max(len(_loaded.frame.columns), 1) <= HEAVY_CELLS:
        return read_or_message(*args)
    return fs.run_heavy(read_or_message, *args, what="Mapping the columns", too_large=str)


#: Tables of more cells than this are mapped by `fit_session.run_heavy` (a 2 MB CSV holds
#: roughly this many).
HEAVY_CELLS = 200_000

NONE = "(none)"
#: Largest per-run table shown in the editor.
MAX_EDITOR_ROWS = 2_000
ROLE_LABELS = {
    "run": "Run",
    "params": "Parameters N",
    "tokens": "Tokens D",
    "compute": "Compute C",
    "step": "Step",
    "tokens_per_step": "Tokens per step",
    "loss": "Loss",
}
ROLE_HELP = {
    "run": "Which column names the run; '(file name)' makes each file (or folder) one run.",
    "params": "Leave '(none)' to take sizes from the config or the run names, or fill them in "
    "the per-run table below.",
    "tokens": "Tokens seen; without it, step × tokens per step or compute / (6N) is used.",
    "compute": "Training FLOP; used for tokens (C / 6N) only when no tokens column is chosen.",
    "step": "Optimizer step, used with tokens per step.",
    "tokens_per_step": "Batch size × sequence length, in tokens.",
    "loss": "The loss to fit; perplexity columns are read as log(ppl).",
}


@dataclass(frozen=True)
class Mapping:
    """What the user chose: role overrides, the embeddings choice and per-run edits."""

    overrides: tuple[tuple[str, str | None], ...]
    count_embeddings: bool
    runs_meta: pd.DataFrame | None
    unfinished_as_final: bool = False
    tuning: str = "best"

    @property
    def key(self) -> str:
        return (
            f"{self.overrides}/{self.count_embeddings}/{meta_key(self.runs_meta)}"
            f"{'/unfinished' if self.unfinished_as_final else ''}/{self.tuning}"
        )


def _role_key(source: fu.Source, role: str) -> str:
    return f"fit_role_{role}_{source.digest[:12]}"


def choose_roles(loaded: Loaded, source: fu.Source) -> tuple[tuple[str, str | None], ...]:
    """One picker per role, defaulting to the guess; returns the roles the user changed.
    A picker offers the columns and then the per-run values (hparams.yaml keys, MLflow params,
    a Trainer's config keys)."""
    guess = mapping_of(loaded, {})
    headers = loaded.headers
    formats = ", ".join(f"{k} ×{v}" for k, v in loaded.sources.formats.items())
    st.caption(
        f"Read {plural(len(loaded.sources.tables), 'table')} ({formats}), "
        f"{len(loaded.frame):,} rows, "
        f"{len(headers):,} columns. Each role's column is guessed; change any of them."
    )
    for name, message in loaded.sources.problems[:10]:
        st.warning(f"Could not use {ft.escape_markdown(name)}: {ft.escape_markdown(message)}")
    if len(loaded.sources.problems) > 10:
        st.warning(f"… and {len(loaded.sources.problems) - 10} more files could not be used.")
    if loaded.sources.skipped:
        skipped = "; ".join(f"{n} ({why})" for n, why in loaded.sources.skipped[:10])
        st.caption(f"Skipped: {ft.escape_markdown(skipped)}")
    if loaded.sources.renamed:
        renamed = "; ".join(f"{n} ({how})" for n, how in loaded.sources.renamed[:10])
        st.caption(f"Same names: {ft.escape_markdown(renamed)}")
    overrides: list[tuple[str, str | None]] = []
    columns = st.columns(4)
    for i, role in enumerate(ROLES):
        candidates = guess.candidates.get(role, [])
        others = [h for h in loaded.names if h not in candidates]  # columns, then per-run values
        options = [NONE, *candidates, *others]
        if role == "run" and FROM_FILE not in options:
            options.insert(1, FROM_FILE)
        default = guess.columns.get(role) or NONE
        key = _role_key(source, role)
        if key not in st.session_state or st.session_state[key] not in options:
            # a sample's columns come from the link (issue 21)
            st.session_state[key] = fu.linked_column(source, role, options, default)
        picked = columns[i % 4].selectbox(
            ROLE_LABELS[role],
            options,
            key=key,
            help=ROLE_HELP[role],
            format_func=lambda c, r=role, g=guess: (
                f"{c} (log of perplexity)"
                if r == "loss" and c in g.perplexity
                else (g.shown(c) if r == "loss" else c)
            ),
        )
        fu.keep_column(source, role, picked)
        if picked != default:
            overrides.append((role, None if picked == NONE else picked))
    losses = guess.candidates.get("loss", [])
    if len(losses) > 1:
        shown = ", ".join(
            "`"
            + c.replace("`", "'")
            + "`"
            + (f" ({ft.escape_markdown(guess.labels[c])})" if c in guess.labels else "")
            for c in losses[:12]
        )
        more = f" and {len(losses) - 12} more" if len(losses) > 12 else ""
        why = guess.reasons.get("loss")
        picked_loss = str(guess.columns["loss"]).replace("`", "'")
        chosen = f" Guessed `{picked_loss}`: {ft.escape_markdown(why)}." if why else ""
        st.caption(f"**{len(losses)} columns look like a loss:** {shown}{more}.{chosen}")
    return tuple(overrides)


def pending_edits(key: str, base: pd.DataFrame) -> pd.DataFrame | None:
    """The edits the editor ``key`` holds before it is drawn again (its widget state: the
    cells changed, by row position), as `ft.edits_to_meta` gives them once it is drawn."""
    state = st.session_state.get(key)
    changed = state.get("edited_rows") if isinstance(state, dict) else None
    if not changed:
        return None
    edited = base.copy()
    for row, cells in changed.items():
        position = int(row)
        if not 0 <= position < len(edited) or not isinstance(cells, dict):
            continue
        for column, value in cells.items():
            if column in ft.EDITABLE_RUN_COLUMNS:
                try:
                    edited.loc[position, column] = math.nan if value is None else float(value)
                except (TypeError, ValueError):  # not a number: the editor's own check says so
                    continue
    return ft.edits_to_meta(base, edited)


def edit_runs(
    read: RunsRead,
    source: fu.Source,
    run_column: str | None,
    with_edits: Callable[[pd.DataFrame], RunsRead | str],
) -> pd.DataFrame | None:
    """The per-run table in an editor; returns the user's edits as a runs-meta table.

    Its "where the numbers came from" and "needs" columns are those of the runs with the
    edits made so far (``with_edits`` reads the runs under them): an N typed over a size from
    a run's name says so, and a run its edits complete no longer lists what it needed."""
    per_run = read.per_run
    total = len(per_run)
    needs = per_run["needs"].astype(str) != "" if total else pd.Series([], dtype=bool)
    lacking = int(needs.sum())
    if total > MAX_EDITOR_ROWS:  # a browser grid of 250,000 rows helps nobody
        if not lacking:
            st.markdown(f"**Runs: {total:,} found, all usable**")
            st.caption(
                f"Every run has its parameters, tokens and a loss, so there is nothing to fill "
                f"in (the editor lists at most {MAX_EDITOR_ROWS:,} runs, those lacking values). "
                "To give other values for many runs, use a runs-meta table with the "
                "command-line tool (README, 'Command line')."
            )
            return None
        st.caption(
            f"{total:,} runs: the table below lists only runs that lack values (at most "
            f"{MAX_EDITOR_ROWS:,}); give many runs' values in a runs-meta table with the "
            "command-line tool (README, 'Command line')."
        )
        per_run = per_run[needs.to_numpy()].head(MAX_EDITOR_ROWS)
    base = ft.per_run_table(per_run).reset_index(drop=True)
    key = f"fit_runs_editor_{source.digest[:12]}_{run_column}"
    pending = pending_edits(key, base)
    if pending is not None and not isinstance(edited_read := with_edits(pending), str):
        base = ft.with_edited_provenance(base, edited_read.per_run, pending)
        lacking = int((edited_read.per_run["needs"].astype(str) != "").sum())
    st.markdown(
        f"**Runs: {total:,} found, {total - lacking:,} usable"
        + (f", {lacking:,} lacking values** (fill them in below)" if lacking else "**")
    )
    edited = st.data_editor(
        base,
        key=key,
        hide_index=True,
        width="stretch",
        placeholder="—",  # a missing value reads as the rest of the app writes none (issue 21)
        disabled=["run", "final_loss", "sources", "needs"],
        column_config={
            "run": st.column_config.TextColumn("run"),
            "params": st.column_config.NumberColumn("params", format="compact", min_value=0.0),
            "tokens": st.column_config.NumberColumn("tokens", format="compact", min_value=0.0),
            "tokens_per_step": st.column_config.NumberColumn(
                "tokens per step", format="compact", min_value=0.0
            ),
            "final_loss": st.column_config.NumberColumn("final loss", format="%.4f"),
            "sources": st.column_config.TextColumn("where the numbers came from"),
            "needs": st.column_config.TextColumn("needs"),
        },
    )
    return ft.edits_to_meta(base, edited)


WIDE_LABELS = {
    "auto": "automatic",
    "tokens": "data sizes (tokens)",
    "params": "model sizes (params)",
    "step": "steps (one learning curve per row)",
    "no": "not a wide table: read the columns as they are",
}


def choose_wide(loaded: Loaded) -> tuple[Loaded | str, str]:
    """When the files hold a wide table (one column per data size, model size or step), a
    picker of what the column names are; the table melted accordingly (`melt_loaded`, as the
    command line's ``--wide``), or the message that asks for a choice."""
    found = detect_wide(loaded.frame)
    if found is None:
        return loaded, "auto"
    guessed = WIDE_LABELS[found.guess] if found.guess else "not known: choose one"
    picked = choice(  # persistent, in the link (issue 21)
        f"What the column names are ({found.shown(3)})",
        "f_wide",
        list(WIDE_CHOICES),
        "auto",
        format_func=lambda c: f"automatic ({guessed})" if c == "auto" else WIDE_LABELS[c],
        help="The table has one column per value of something (its names are numbers): "
        "its cells are losses. Say whether the names are data sizes, model sizes or steps; "
        "the table is then read as one row per loss.",
    )
    try:
        return melt_loaded(loaded, picked), picked
    except RunLogError as exc:
        return for_page(exc), picked


def _unfinished_switch(count: int) -> bool:
    """The switch that fits the last point of runs that stopped before their end."""
    return toggle(  # persistent, in the link (issue 21)
        f"Use the last point of the {count} unfinished run{'' if count == 1 else 's'} as final",
        "f_unfinished",
        False,
        help="A run that stopped before its end (a Trainer folder with events but no "
        "trainer_state.json, or a run its table marks unfinished: is_finished False, state "
        "crashed or running) has not reached the end of its schedule; by default it is "
        "listed but not fitted.",
    )


#: Session keys of the uploaded per-run values (the page's ``--runs-meta``): its bytes, name.
RUNS_META_BYTES_KEY = "fit_runs_meta_bytes"
RUNS_META_NAME_KEY = "fit_runs_meta_name"
_RUNS_META_UPLOADER = "fit_runs_meta_uploader"


def _store_runs_meta() -> None:
    """The per-run values file chosen (or removed) in the uploader, kept for reruns."""
    chosen = st.session_state.get(_RUNS_META_UPLOADER)
    st.session_state[RUNS_META_BYTES_KEY] = None if chosen is None else chosen.getvalue()
    st.session_state[RUNS_META_NAME_KEY] = None if chosen is None else chosen.name


def uploaded_runs_meta() -> pd.DataFrame | None:
    """The per-run values a visitor uploads (the command line's ``--runs-meta FILE``: a CSV
    of run plus any of params, tokens, tokens_per_step; ``1.28B`` is fine), read; None
    without one, or when it cannot be read (said on the page, naming the column or value)."""
    st.file_uploader(
        "Per-run values (optional): a CSV of run plus any of params, tokens, tokens_per_step",
        type=["csv", "txt"],
        key=_RUNS_META_UPLOADER,
        on_change=_store_runs_meta,
        help="The per-run table the command-line tool also reads: one row per run, e.g. "
        "'run,params' then '190M-1xC,190354176'. Its values replace what the logs give; the "
        "table below can still change single cells.",
    )
    data = st.session_state.get(RUNS_META_BYTES_KEY)
    if not data:
        return None
    try:
        return read_runs_meta(data)
    except RunLogError as exc:
        name = st.session_state.get(RUNS_META_NAME_KEY) or "the per-run values"
        why = str(for_page(exc)).removeprefix("runs-meta: ")  # the command line's name for it
        st.error(f"{ft.escape_markdown(name)} is not used: {ft.escape_markdown(why)}")
        return None


def merged_meta(uploaded: pd.DataFrame | None, edits: pd.DataFrame | None) -> pd.DataFrame | None:
    """The uploaded per-run values with the editor's changes over them (a cell changed in
    the editor wins; the file's other values stay)."""
    if uploaded is None or uploaded.empty:
        return edits
    if edits is None or edits.empty:
        return uploaded
    return edits.set_index("run").combine_first(uploaded.set_index("run")).reset_index()


def show_mapping(loaded: Loaded, source: fu.Source) -> tuple[RunsRead | str, Mapping]:
    """The mapping step; returns what was read under the user's mapping and edits."""
    melted, wide = choose_wide(loaded)
    if isinstance(melted, str):
        return melted, Mapping((), False, None)
    if melted is not loaded:  # the melted table is another content for the caches below
        loaded = melted
        melted_digest = hashlib.sha256(f"{source.digest}/wide={wide}".encode()).hexdigest()
        source = dataclasses.replace(source, digest=melted_digest)  # pickers keyed anew
    overrides = choose_roles(loaded, source)
    count_embeddings = toggle(  # persistent, in the link (issue 21)
        "Count embedding parameters when sizes come from a config",
        "f_embed",
        False,
        help="Off (the default): 12·L·d², non-embedding parameters as Kaplan et al. (2020, "
        "sec. 2.1) count them. On: plus the input embedding and output head (V·d each), as "
        "Hoffmann et al. count. A count the logs give is used as it is.",
    )
    unfinished = False
    if loaded.unfinished:
        unfinished = _unfinished_switch(len(loaded.unfinished))
    given = uploaded_runs_meta()
    given_key = meta_key(given)
    auto = cached_read(
        source.digest, overrides, given_key, count_embeddings, loaded, given, unfinished
    )
    if not loaded.unfinished and not isinstance(auto, str):
        # runs the table itself marks unfinished (is_finished False, state crashed / running)
        stopped = int(
            auto.per_run["needs"].astype(str).str.contains("a finish (", regex=False).sum()
        )
        if stopped and (unfinished := _unfinished_switch(stopped)):
            auto = cached_read(
                source.digest, overrides, given_key, count_embeddings, loaded, given, True
            )
    label = None if isinstance(auto, str) else auto.mapping.columns.get("run")
    if label and "sweep label" in auto.mapping.reasons.get("run", ""):  # type: ignore[union-attr]
        as_runs = toggle(  # persistent, in the link (issue 21)
            f"Read each value of '{label}' as one run (a learning curve)",
            "f_label_runs",
            False,
            help=f"Off (as read): '{label}' repeats over rows of different params, or rows whose "
            "step and tokens do not advance, so it labels a sweep and each row is a run. On: "
            "the same as picking it as the Run column above.",
        )
        if as_runs:
            overrides = (*overrides, ("run", label))
            auto = cached_read(
                source.digest, overrides, given_key, count_embeddings, loaded, given, unfinished
            )
    tuning = "best"
    if not isinstance(auto, str) and any("a tuning grid" in n for n in auto.notes):
        every = toggle(  # persistent, in the link (issue 21)
            "Fit every run of the tuning grid (not only the best of each size and token count)",
            "f_tuning_all",
            False,
            help="Runs repeat one (N, D) under several learning rates, batch sizes, warmups or "
            "weight decays. Off: the best run of each (N, D), the envelope the law describes. "
            "On: every run that did not diverge.",
        )
        if every:
            tuning = "all"
            auto = cached_read(
                source.digest,
                overrides,
                given_key,
                count_embeddings,
                loaded,
                given,
                unfinished,
                tuning,
            )
    if isinstance(auto, str):
        return auto, Mapping(overrides, count_embeddings, given, unfinished, tuning)
    run_column = dict(overrides).get("run", auto.mapping.columns.get("run"))

    def with_edits(edits: pd.DataFrame) -> RunsRead | str:
        meta = merged_meta(given, edits)
        return cached_read(
            source.digest,
            overrides,
            meta_key(meta),
            count_embeddings,
            loaded,
            meta,
            unfinished,
            tuning,
        )

    edits = edit_runs(auto, source, run_column, with_edits)
    meta = merged_meta(given, edits)
    mapping = Mapping(overrides, count_embeddings, meta, unfinished, tuning)
    if edits is None:
        return auto, mapping
    read = with_edits(edits)  # the editor's pending edits read the same (cached)
    if not isinstance(read, str):
        usable = int((read.per_run["needs"] == "").sum())
        still = len(read.per_run) - usable
        st.caption(
            f"**{usable} usable runs with your values**"
            + (f"; {still} still lacking" if still else "")
            + f" ({len(edits)} run{'' if len(edits) == 1 else 's'} edited)."
        )
    return read, mapping
