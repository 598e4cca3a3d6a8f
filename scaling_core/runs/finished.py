"""Per-run values of tables that hold one row per run (finished runs), vectorised: parameters from a
column or a size in the run's name, tokens from a column, compute / 6N or step x tokens per step.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from scaling_core.runs.meta import (
    size_from_name,
)
from scaling_core.runs.report import (
    FLOP_PER_PARAM_TOKEN,
)
from scaling_core.wording import Note


def one_row_runs(
    frame: pd.DataFrame,
    cols: Mapping[str, str | None],
    values: dict[str, np.ndarray],
    runs: np.ndarray,
    loss: np.ndarray,
    blank_of: dict[str, np.ndarray],
    present: dict[str, set[str]],
    compute_label: str = "",
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """`build_runs`' per-run step for tables of one row per run, vectorised (the same
    choices as its loop: a column, else a size in the name; tokens from a column, else
    compute / 6N, else step × tokens per step).  A blank loss is left to the validation, which
    names its line."""
    n = len(frame)
    sources = frame["__source__"].astype(str).to_numpy()
    file_runs = frame["__run__"].astype(str).to_numpy()

    def in_file(role: str) -> np.ndarray:
        column = cols.get(role)
        if not column:
            return np.zeros(n, dtype=bool)
        has = {src: column in present.get(src, ()) for src in set(sources)}
        return np.array([has[src] for src in sources], dtype=bool)

    params_cell = in_file("params") & ~blank_of.get("params", np.ones(n, dtype=bool))
    params = np.where(params_cell, values["params"], np.nan)
    p_src = np.where(params_cell, f"column {cols.get('params')!r}", "").astype(object)
    sizes = pd.Series(runs).map(size_from_name).to_numpy(dtype=float)
    file_sizes = pd.Series(file_runs).map(size_from_name).to_numpy(dtype=float)
    sizes = np.where(np.isnan(sizes), file_sizes, sizes)
    by_name = ~params_cell & np.isfinite(sizes)
    params[by_name] = sizes[by_name]
    p_src[by_name] = "run name (nominal)"
    has_p = params_cell | by_name
    compute_label = compute_label or f"column {cols.get('compute')!r}"
    with np.errstate(invalid="ignore", divide="ignore"):
        from_cd = values["compute"] / (FLOP_PER_PARAM_TOKEN * values["tokens"])
    by_cd = ~has_p & np.isfinite(from_cd) & (from_cd > 0)  # N = C / (6·D)
    params[by_cd] = from_cd[by_cd]
    p_src[by_cd] = f"{compute_label} / (6·D)"
    has_p = has_p | by_cd
    tps = values["tokens_per_step"]
    tps_ok = np.isfinite(tps) & (tps > 0)
    tps_src = np.where(tps_ok, f"column {cols.get('tokens_per_step')!r}", "").astype(object)
    tokens = np.full(n, np.nan)
    t_src = np.full(n, "", dtype=object)
    from_column = in_file("tokens") | np.isfinite(values["tokens"])
    tokens[from_column] = values["tokens"][from_column]
    t_src[from_column] = f"column {cols.get('tokens')!r}"
    with np.errstate(invalid="ignore", divide="ignore"):
        compute = values["compute"] / (FLOP_PER_PARAM_TOKEN * params)
    from_compute = ~from_column & has_p & np.isfinite(values["compute"])
    tokens[from_compute] = compute[from_compute]
    t_src[from_compute] = f"{compute_label} / (6·N)"
    step = values["step"]
    from_steps = ~from_column & ~from_compute & tps_ok & np.isfinite(step)
    tokens[from_steps] = step[from_steps] * tps[from_steps]
    t_src[from_steps] = [f"step × tokens_per_step ({s})" for s in tps_src[from_steps]]
    needs = np.full(n, "", dtype=object)
    needs[~has_p] = "params"
    no_tokens = t_src == ""
    what = np.where(np.isfinite(step), "tokens (or tokens_per_step)", "tokens")
    needs[no_tokens] = np.where(
        needs[no_tokens] == "", what[no_tokens], "params, " + what[no_tokens]
    )
    if cols["loss"] not in set().union(*present.values()):
        needs[:] = np.where(needs == "", "loss values", needs + ", loss values")
    formats = frame["__format__"].astype(str).to_numpy()
    per_run = pd.DataFrame(
        {
            "run": runs.astype(str),
            "files": sources,
            "format": formats,
            "rows": np.isfinite(loss).astype(int),
            "params": params,
            "params_source": p_src.astype(str),
            "tokens": tokens,
            "tokens_source": t_src.astype(str),
            "tokens_per_step": np.where(tps_ok, tps, np.nan),
            "tokens_per_step_source": tps_src.astype(str),
            "final_loss": np.where(np.isfinite(loss), loss, np.nan),
            "needs": needs.astype(str),
        }
    )
    use = needs == ""
    return per_run, np.where(use, tokens, np.nan), np.where(use, params, np.nan), use


# ------------------------------------------------------------------ a run's own finished flag

#: Columns that say yes/no to "did this run finish" (OLMo-core's ladder table: ``is_finished``).
_FINISHED_FLAGS = ("is_finished", "finished", "is_complete", "completed", "is_done", "done")
#: Columns that name a tracker's run state (W&B's ``state``: finished, crashed, running, ...).
_STATE_COLUMNS = ("state", "run_state", "status", "run_status")
_TRUE = {"true", "1", "1.0", "yes", "y", "t"}
_FALSE = {"false", "0", "0.0", "no", "n", "f"}
#: Run states of a tracker export (W&B, MLflow); only these say a run did not reach its end.
_STOPPED_STATES = {"crashed", "running", "failed", "killed", "preempted", "preempting"}
_DONE_STATES = {"finished", "completed", "complete", "done", "succeeded", "success"}


def unfinished_by_status(frame: pd.DataFrame) -> tuple[str | None, np.ndarray]:
    """Per row, why its run did not finish by the table's own status column ("" when it did or
    says nothing): a yes/no column named like ``is_finished`` (False → stopped early) or a run
    state column (``state`` ∈ finished / crashed / running / ...).  A column is read only when
    every value in it is one of those words, so a ``status`` column meaning something else is
    left alone.  Returns the column read (None when there is none) and the reasons."""
    lower = {str(c).strip().lower(): c for c in frame.columns if not str(c).startswith("__")}
    for names, no, yes, says in (
        (_FINISHED_FLAGS, _FALSE, _TRUE, "False"),
        (_STATE_COLUMNS, _STOPPED_STATES, _DONE_STATES, ""),
    ):
        for name in names:
            column = lower.get(name)
            if column is None:
                continue
            text = frame[column].astype(str).str.strip().str.lower()
            blank = frame[column].isna() | text.isin({"", "nan", "none"})
            if blank.all() or not text[~blank].isin(no | yes).all():
                continue
            stopped = (~blank & text.isin(no)).to_numpy()
            reason = np.where(
                stopped,
                [f"{column!r} is {says or v}" for v in frame[column].astype(str)],
                "",
            ).astype(object)
            return str(column), reason
    return None, np.full(len(frame), "", dtype=object)


#: How an unfinished run is used anyway, in the command line's words and the page's (issue 21).
_USE_ANYWAY = "--unfinished-as-final (or the page's switch)"
_USE_ANYWAY_PAGE = "the switch 'Use the last point of the unfinished runs as final'"


def unfinished_need(why: str) -> str:
    """What an unfinished run lacks (the per-run table's words, the same on every front end)."""
    return f"a finish ({why})"


def lacking_note(text: str, any_unfinished: bool) -> Note:
    """The note on runs that lack values; when some lack a finish, the switch that uses their
    last point anyway, in the command line's words and the page's (issue 21)."""
    if not any_unfinished:
        return Note(text)
    tail = "; {} uses the last point of the unfinished ones"
    return Note(text + tail.format(_USE_ANYWAY), text + tail.format(_USE_ANYWAY_PAGE))


def finish_note(
    runs: np.ndarray, column: str, why: np.ndarray, unfinished_as_final: bool
) -> Note | None:
    """The note counting the runs a status column says did not finish (None: none did)."""
    stopped = len(set(runs[why != ""]))
    if not stopped:
        return None
    text = f"{stopped:,} {'run' if stopped == 1 else 'runs'} did not finish by column {column!r}"
    if unfinished_as_final:
        return Note(
            text + "; used as final (--unfinished-as-final)",
            text + "; used as final (the unfinished-runs switch)",
        )
    return Note(text)


def stop_unfinished(per_run: pd.DataFrame, use: np.ndarray, why: np.ndarray) -> np.ndarray:
    """One-row runs a status column marks unfinished (`unfinished_by_status`): their need is
    added to ``per_run`` in place and they leave ``use``, which is returned."""
    stopped = why != ""
    if not stopped.any():
        return use
    had = per_run["needs"].to_numpy(dtype=object)[stopped]
    per_run.loc[stopped, "needs"] = [
        f"{h}, {unfinished_need(w)}" if h else unfinished_need(w)
        for h, w in zip(had, why[stopped], strict=True)
    ]
    return use & ~stopped
