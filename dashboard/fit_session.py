"""Glue between the fit page and `scaling_core`: the page's options, reading and fitting within
the page's budgets, and what the page shows about a fit.

The page calls these functions; the benchmark (`benchmarks/bench_upload.py`) calls the same
pure ones without Streamlit.  The numbers all come from `scaling_core.runs` and
`scaling_core.fit`; this module holds the page's options and budgets, runs large uploads in a
child process (`run_heavy`), and evaluates the fitted law along the lines a chart draws.  The
session's uploads, samples and caches are `dashboard.fit_upload`.  The page's
sections are drawn by `dashboard.fit_view`, its tables built by `charts.fit_tables`.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from charts.format import format_count, format_flops
from dashboard.host import host_setting
from dashboard.jobs import JobTooLarge, run_isolated
from scaling_core.fit import (
    DEFAULT_DELTA,
    BootstrapResult,
    ExtrapolationResult,
    FitError,
    FitResult,
    Identifiability,
    bootstrap_fit,
    collinear_tokens_per_param,
    extrapolation_check,
    fit,
)
from scaling_core.fit.points import choose_points, snapshot_points
from scaling_core.fit.sweeps import select_rows, sweep_columns
from scaling_core.published import OTHER_REAL_LABELS, real_sample_paths, sweep_for_path
from scaling_core.runs import RunLog, RunLogError, RunsRead, read_run_log
from scaling_core.runs.factors import SweepFactors
from scaling_core.runs.limits import LIMITS, LimitExceeded, ReadBudget, delimited_shape
from scaling_core.wording import for_page

SAMPLE_DIR = Path(__file__).resolve().parents[1] / "sample_data"
#: The limits of one upload are those of every read (`scaling_core.runs.limits`, the README's
#: table), the same as the command line's: data rows, bytes of one file (the same 50 MiB as
#: ``server.maxUploadSize`` in .streamlit/config.toml) and cells (text cells cost ~60 bytes
#: each in memory, so one upload's table stays under ~300 MB).
MAX_ROWS = LIMITS.rows
MAX_BYTES = LIMITS.file_bytes
MAX_CELLS = LIMITS.cells
#: The limits as the page states them beside the uploader.  A file over the per-file limit is
#: refused by `upload_refusal` with a message naming it; only one past the uploader's own cap
#: (``server.maxUploadSize``, set to the per-upload limit) is stopped by the uploader, marked red.
UPLOAD_LIMITS_TEXT = (
    f"Limits: {LIMITS.file_bytes // 2**20} MiB per file, {LIMITS.upload_bytes // 2**20} MiB "
    f"per upload (the uploader marks a larger file red and does not send it), {LIMITS.expanded_bytes // 2**20} MiB "
    f"once unzipped, {LIMITS.rows:,} data rows and {LIMITS.cells:,} cells in all."
)
#: Work budget of one bootstrap on the page, in refits × runs (each refit polishes every run):
#: 20,000,000 is 200 refits of 100,000 runs, about 30 s on one core of the benchmark machine.
MAX_BOOTSTRAP_WORK = 20_000_000
#: Fewest bootstrap refits behind an interval the page shows (the ends of a 95% interval are
#: then the 25th most extreme refits on each side, not a handful).
MIN_BOOTSTRAP_DRAWS = 1000
#: Uploads that expand to more than this (zip members at their declared size, which reading
#: enforces) are read, mapped and fitted in a child process (`dashboard.jobs`)
#: with `JOB_SECONDS` and `JOB_MEMORY_MB` per step, after waiting for one of `MAX_HEAVY_JOBS`
#: slots: the server process never holds their working memory, nor the interpreter lock while
#: they run, and a few visitors with big files cannot together exhaust the host.
HEAVY_BYTES = 2 * 1024 * 1024
MAX_HEAVY_JOBS = int(host_setting("MAX_HEAVY_JOBS", 2, low=1, high=64, integer=True))
#: Results of each step (files read, columns mapped, fit, leave-out check) a session keeps:
#: the latest two (a rerun asks for at most two of a step: the automatic mapping and the
#: one with the user's edits).  A small file's step reruns in milliseconds; a large upload's
#: results are 14-40 MB each, so this bounds what one visitor's big file holds in the server
#: (about 0.3 GB for the 250,000-run CSV; README).
SESSION_CACHE_ENTRIES = 2
#: The slots large uploads' steps (and steps started ahead, `dashboard.ahead`) run in.
HEAVY_SLOTS = threading.BoundedSemaphore(MAX_HEAVY_JOBS)
#: Time and memory budget of each step (read, map, fit, leave-out check) of a large upload.
#: These three can be set per host (`dashboard.host`; README, hosting section).
JOB_SECONDS = host_setting("JOB_SECONDS", 120.0, low=5.0, high=3600.0)
JOB_MEMORY_MB = host_setting("JOB_MEMORY_MB", 1024.0, low=256.0, high=65536.0)
#: What to do when a step runs out of its budget.
TOO_LARGE_ADVICE = (
    "Subsample the runs (e.g. every 10th, or fewer runs per compute budget), split the file "
    "by sweep, or fit it with the command-line tool on your own machine (README, 'Command "
    "line'), which has no such limit."
)


def run_budgeted(
    func: Callable[..., Any], *args: Any, what: str, too_large: Callable[[str], Any]
) -> Any:
    """``func(*args)`` in a child process within the page's budgets, in a heavy slot the caller
    holds; when it runs out of time or memory, ``too_large(message)`` (the message says which
    budget and what to do)."""
    try:
        return run_isolated(func, *args, timeout_s=JOB_SECONDS, memory_mb=JOB_MEMORY_MB, what=what)
    except JobTooLarge as exc:
        return too_large(f"{exc}. {TOO_LARGE_ADVICE}")


def run_heavy(
    func: Callable[..., Any], *args: Any, what: str, too_large: Callable[[str], Any]
) -> Any:
    """`run_budgeted` after waiting for a heavy slot."""
    with HEAVY_SLOTS:
        return run_budgeted(func, *args, what=what, too_large=too_large)


#: Session keys: the uploaded bytes and file name (also the test seam), the chosen sample.
UPLOAD_BYTES_KEY = "fit_upload_bytes"
UPLOAD_NAME_KEY = "fit_upload_name"
UPLOAD_FILES_KEY = "fit_upload_files"
SAMPLE_KEY = "f_sample"
#: Session key of the last bootstrap run (its inputs and result).
BOOTSTRAP_KEY = "fit_bootstrap"

FORM_LABELS: dict[str, str] = {
    "auto": "Automatic: Chinchilla, or power in N when the runs fix only that",
    "chinchilla": "Chinchilla: E + A/N^α + B/D^β",
    "kaplan": "Kaplan: [(N_c/N)^(α_N/α_D) + D_c/D]^α_D",
    "power-n": "Power in N: E + A/N^α",
    "power-c": "Power in C: E + (C_c/C)^α_C",
}
GROUPINGS: dict[str, str] = {
    "auto": "automatic",
    "compute": "compute budget C",
    "tokens": "training tokens D",
    "ratio": "tokens per parameter D/N",
}


# --------------------------------------------------------------------------- options


@dataclass(frozen=True)
class FitOptions:
    """What the page's controls ask of the fit (the cache key of a fit is these + the bytes)."""

    #: "auto" fits the Chinchilla form or falls back to power in N (`scaling_core.fit.fit_auto`).
    form: str = "auto"
    delta: float | None = DEFAULT_DELTA
    exclude_highest_loss: int = 0
    fixed_e: float | None = None
    points: str = "final"  # "final": last point of each run; "snapshots": IsoFLOP snapshots
    #: One sweep of a file holding several: (column, value) pairs, see `select_log`.
    where: tuple[tuple[str, str], ...] = ()

    def kwargs(self) -> dict[str, Any]:
        """Keyword arguments for `scaling_core.fit.fit` (and bootstrap / extrapolation)."""
        out: dict[str, Any] = {
            "delta": self.delta,
            "exclude_highest_loss": int(self.exclude_highest_loss),
        }
        if self.fixed_e is not None and self.form != "kaplan":
            out["fixed"] = {"E": float(self.fixed_e)}
        if self.form == "power-c":
            out["offset"] = True  # L = E + (C_c/C)^α_C; E = 0 is Kaplan's eq. 1.3
        return out

    def key(self) -> tuple:
        """Hashable form for st.cache_data."""
        return (
            self.form,
            self.delta,
            int(self.exclude_highest_loss),
            self.fixed_e,
            self.points,
            tuple(self.where),
        )


# --------------------------------------------------------------------------- sources


def sample_names() -> list[str]:
    """Sample logs: the real sweeps first (``real/<source>/<file>.csv``, see
    `scaling_core.published`), then the synthetic files of sample_data/, sorted."""
    synthetic = sorted(
        p.name for p in SAMPLE_DIR.iterdir() if p.is_file() and p.suffix in (".csv", ".tsv")
    )
    return real_sample_paths() + synthetic


def sample_label(name: str) -> str:
    """How the picker shows a sample: ``Real · <sweep> — <file>`` or ``Synthetic · <file>``."""
    sweep = sweep_for_path(name)
    if sweep is not None:
        return f"Real · {sweep.label} — {Path(name).name}"
    if name in OTHER_REAL_LABELS:
        return f"Real · {OTHER_REAL_LABELS[name]} — {Path(name).name}"
    if name.startswith("real/"):
        return f"Real · {name.removeprefix('real/')}"
    return f"Synthetic · {name}"


def sample_bytes(name: str) -> bytes:
    """Content of a sample file; anything not in `sample_names` (paths, ``..``) is refused."""
    if name not in sample_names():
        raise ValueError(f"not a sample file: {name!r}")
    return (SAMPLE_DIR / name).read_bytes()


def digest(data: bytes) -> str:
    """SHA-256 of the content: the cache key of a file (the bytes are never a key)."""
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------- parse and fit


def read_upload(
    data: bytes, *, max_rows: int | None = None, max_bytes: int | None = None
) -> RunLog:
    """`read_run_log` with the page's limits (`MAX_ROWS`, `MAX_BYTES` unless given, and
    `MAX_CELLS`); raises `RunLogError` with a readable message."""
    cells_check(data)
    return read_run_log(
        data,
        max_rows=MAX_ROWS if max_rows is None else max_rows,
        max_bytes=MAX_BYTES if max_bytes is None else max_bytes,
    )


def cells_check(data: bytes) -> None:
    """Refuse a file past the rows, columns or cells of one upload (`Limits`), counted on the
    bytes (lines × fields of the first line) before anything is parsed."""
    ReadBudget().add_rows("the file", *delimited_shape(data), estimate=True)


def upload_refusal(sizes: Sequence[tuple[str, int]]) -> str | None:
    """Why files of these (name, size in bytes) are refused as one upload (a file past the
    per-file limit, or together past the per-upload limit), or None: checked on the sizes the
    uploader reports, before the bytes are copied or read."""
    budget = ReadBudget()
    try:
        for name, size in sizes:
            budget.add_given(name, size)
    except LimitExceeded as exc:
        return str(exc)
    return None


def bootstrap_budget(n_runs: int, n_boot: int) -> str | None:
    """Why ``n_boot`` refits of ``n_runs`` runs exceed `MAX_BOOTSTRAP_WORK`, or None."""
    if n_runs * n_boot <= MAX_BOOTSTRAP_WORK:
        return None
    most = MAX_BOOTSTRAP_WORK // max(n_runs, 1)
    fewer = f"ask for at most {most:,} refits, or " if most >= MIN_BOOTSTRAP_DRAWS else ""
    return (
        f"{n_boot:,} refits of {n_runs:,} runs is more work than this server does for one "
        f"request ({MAX_BOOTSTRAP_WORK:,} run-refits); {fewer}bootstrap a random subsample of "
        "the runs, or bootstrap on your own machine with the command-line tool (README, 'Command line')"
    )


def select_log(log: RunLog, where: dict[str, str]) -> RunLog:
    """The runs (and their learning curves) whose columns take the given values: one sweep of a
    file that holds several (`scaling_core.fit.sweeps.select_rows`; raises `FitError`)."""
    runs = select_rows(log.runs, where)
    curves = log.curves
    if curves is not None:
        curves = curves[curves["run"].isin(set(runs["run"]))]
    return replace(log, runs=runs.reset_index(drop=True), curves=curves)


def sweep_factors(log: RunLog, found: SweepFactors | None = None) -> dict[str, list[str]]:
    """Columns that tell several sweeps of a file apart, with their values (for the pickers);
    ``found``: the read's `SweepFactors` of these runs (`RunsRead.factors`), when the caller
    has it, else they are sorted here (`scaling_core.fit.sweeps.sweep_columns`)."""
    columns = found.columns if found is not None else sweep_columns(log.runs)
    return {column: sorted(log.runs[column].astype(str).str.strip().unique()) for column in columns}


def first_sweep(found: SweepFactors) -> dict[str, str]:
    """The sweep the command line names when a file holds several (its ``--where`` example):
    the page opens on it rather than pooling them."""
    return {str(k): str(v) for k, v in found.example.items()}


def snapshot_table(curves: pd.DataFrame) -> pd.DataFrame:
    """IsoFLOP snapshots of learning curves (`scaling_core.fit.points.snapshot_points`), the
    budgets in run names written as the page writes compute."""
    return snapshot_points(curves, label=format_flops)


def fit_table(log: RunLog, points: str = "final") -> pd.DataFrame:
    """The runs a fit sees: the finished runs, or IsoFLOP snapshots of the learning curves."""
    if points == "snapshots" and log.curves is not None:
        table = snapshot_table(log.curves)
        if len(table):
            return table
    return log.runs


#: Below this many runs (or points) the page says the exponents are poorly determined.
FEW_RUNS = 40

SNAPSHOT_CAVEAT = (
    "**Snapshot fits are biased.** Each snapshot is an intermediate checkpoint of one "
    "learning-rate schedule (e.g. cosine decayed to the run's final step), so its loss is "
    "higher than a run trained with a schedule matched to that budget would reach (Hoffmann "
    "et al. 2022, §3.1, whose Approach 1 uses matched schedules); the earliest points can "
    "also sit in the early-training transient. Treat the exponents as indicative."
)


def uncertainty_note(result: FitResult, points: bool, bootstrapped: bool) -> str | None:
    """Markdown saying the fitted values are loosely determined: with fewer than `FEW_RUNS`
    runs (``points``: snapshot points), or whenever no bootstrap has been run.  None when a
    bootstrap of enough runs is shown."""
    unit = "snapshot points" if points else "runs"
    if result.n_runs < FEW_RUNS:
        head = f"**Fitted to only {result.n_runs} {unit}: the exponents are poorly determined.**"
        if bootstrapped:
            return f"{head} Quote the bootstrap intervals under each value, not the values."
        return (
            f"{head} Refitting a resample of the same {unit} can move them a lot; press "
            "**Run bootstrap** below for 95% intervals before quoting any value."
        )
    if bootstrapped:
        return None
    return (
        "**Point estimates without intervals.** Press **Run bootstrap** below for 95% "
        "intervals before quoting any value."
    )


def fit_runs(table: pd.DataFrame, options: FitOptions) -> FitResult:
    """`scaling_core.fit.fit` of ``options.form`` with the page's options."""
    return fit(table, options.form, **options.kwargs())


@dataclass
class FitOutcome:
    """Everything the page shows about one file and one set of options; never raises."""

    log: RunLog | None = None
    read_error: str | None = None
    table: pd.DataFrame | None = None
    result: FitResult | None = None
    fit_error: str | None = None
    #: About the file and what was fitted (e.g. no snapshot budget found).
    notes: list[str] = field(default_factory=list)
    #: Whether ``table`` holds IsoFLOP snapshots of learning curves (several points per run).
    snapshots: bool = False
    #: Reasons not to trust the fit, shown under the fitted law: why the chosen points are
    #: ill-posed, then `FitResult.warnings` (empty for a fit with nothing to flag).
    warnings: list[str] = field(default_factory=list)


def _message(exc: BaseException) -> str:
    if isinstance(exc, (RunLogError, FitError)):
        return for_page(exc)
    return f"{type(exc).__name__}: {exc}"


def analyse(data: bytes, options: FitOptions, *, max_rows: int | None = None) -> FitOutcome:
    """Read, validate and fit (no bootstrap) one CSV file: the benchmark's code path."""
    try:
        log = read_upload(data, max_rows=max_rows)
    except RunLogError as exc:
        return FitOutcome(read_error=for_page(exc))
    return fit_log(log, options)


def no_usable_runs(read: RunsRead) -> str:
    """Why nothing can be fitted: the runs and what each lacks."""
    shown = "; ".join(f"{r.run}: {r.needs}" for r in read.lacking.head(5).itertuples())
    more = f" (and {len(read.lacking) - 5} more)" if len(read.lacking) > 5 else ""
    return (
        f"no run has everything a fit needs ({shown}{more}); pick the columns above or fill "
        "the missing values in the per-run table"
    )


def _common_tokens_per_param(table: pd.DataFrame, form: str) -> float | None:
    """`collinear_tokens_per_param` of the runs, for the two-term forms only."""
    if form not in ("chinchilla", "kaplan"):
        return None
    return collinear_tokens_per_param(table["n_params"], table["n_tokens"])


def collinearity_note(table: pd.DataFrame, form: str) -> str | None:
    """A warning when every run has the same tokens per parameter: N and D then move together
    and a two-term law (chinchilla, kaplan) cannot tell its N term from its D term."""
    centre = _common_tokens_per_param(table, form)
    if centre is None:
        return None
    return (
        f"Every run has about {format_count(centre)} tokens per parameter, so N and D grow together and "
        f"the {form} form cannot separate its N and D terms: the exponents are not identified. "
        "Fit IsoFLOP snapshots of learning curves, add runs at other D/N, or use a power form."
    )


def final_points_note(table: pd.DataFrame, form: str) -> str | None:
    """Why fitting the last logged point of learning curves is ill-posed when every run ends
    at one tokens-per-parameter ratio (the page's "final" choice on a curves file)."""
    centre = _common_tokens_per_param(table, form)
    if centre is None:
        return None
    return (
        f"You are fitting the last logged point of each run, and every run ends at about "
        f"{format_count(centre)} tokens per parameter: along those points N and D grow together, so the "
        'fit cannot tell how loss falls with N from how it falls with D. Choose "IsoFLOP '
        'snapshots of the learning curves" under Fit to: they read every run at several '
        "compute budgets, where D/N differs from run to run."
    )


#: How the page's "Fit to" picker names its choices ("auto" is resolved by `auto_points`).
POINTS_LABELS = {
    "auto": "automatic: final points, or snapshots when every run ends at one D/N",
    "snapshots": "IsoFLOP snapshots of the learning curves",
    "final": "the last logged point of each run",
}


def auto_points(log: RunLog, where: tuple[tuple[str, str], ...] = ()) -> tuple[str, str]:
    """What "automatic" fits for this log (after ``where``), and why: the command line's rule
    (`scaling_core.fit.points.choose_points`), so both fit the same points."""
    if log.curves is None:
        return "final", ""
    try:
        runs = select_log(log, dict(where)).runs if where else log.runs
    except FitError:
        return "final", ""
    return choose_points(runs, has_curves=True)


def fit_log(log: RunLog, options: FitOptions) -> FitOutcome:
    """Fit an already read log; a failed fit keeps the log (its report and runs are shown).

    ``warnings`` lists why not to trust the fit: for learning curves fitted at their final
    points, why that is ill-posed; then `FitResult.warnings`.  When the fit failed there are no
    core warnings, so the one-ratio note (`collinearity_note`, the same check) stands in."""
    outcome = FitOutcome(log=log)
    if options.where:
        try:
            log = select_log(log, dict(options.where))
        except FitError as exc:
            outcome.fit_error = str(exc)
            return outcome
        outcome.log = log
    table = fit_table(log, options.points)
    if options.points == "snapshots" and table is log.runs and log.curves is not None:
        outcome.notes.append("no compute budget is covered by 3 runs; fitted the final points")
    outcome.table = table
    outcome.snapshots = log.curves is not None and table is not log.runs
    try:
        outcome.result = fit_runs(table, options)
    except MemoryError:  # in a job: reported as its memory budget, with what to do
        raise
    except Exception as exc:  # FitError, or a numerical failure: shown, never a traceback
        outcome.fit_error = _message(exc)
    core = list(outcome.result.warnings()) if outcome.result is not None else []
    form = outcome.result.form if outcome.result is not None else options.form
    if form == "auto":
        form = "chinchilla"  # the failed automatic fit tried the Chinchilla form first
    if log.curves is not None and options.points == "final":
        note = final_points_note(table, form)
    else:
        note = collinearity_note(table, form) if outcome.result is None else None
    outcome.warnings = ([note] if note else []) + core
    return outcome


def extrapolation(
    table: pd.DataFrame, options: FitOptions, by: str, quantile: float
) -> ExtrapolationResult | str:
    """`extrapolation_check` with the page's options, or the reason it cannot be done."""
    try:
        return extrapolation_check(
            table, options.form, by=by, quantile=quantile, **options.kwargs()
        )
    except MemoryError:  # in a job: reported as its memory budget, with what to do
        raise
    except Exception as exc:
        return _message(exc)


# --------------------------------------------------------------------------- groups


# --------------------------------------------------------------------------- bootstrap


def run_bootstrap(
    table: pd.DataFrame,
    options: FitOptions,
    n_boot: int,
    *,
    seed: int = 0,
    confidence: float = 0.95,
    progress: Callable[[int, int], None] | None = None,
    form: str | None = None,
) -> BootstrapResult:
    """`bootstrap_fit` of the page's current fit options; ``progress(done, total)`` moves a bar.
    ``form`` is the form the fit resolved to (an "auto" fit's chinchilla or power-n).
    Raises `FitError` beyond `MAX_BOOTSTRAP_WORK`."""
    too_much = bootstrap_budget(len(table), max(int(n_boot), 2))
    if too_much:
        raise FitError(too_much)
    form = form or options.form
    if form == "auto":
        form = fit(table, "auto", **options.kwargs()).form
    return bootstrap_fit(
        table,
        form,
        n_boot=max(int(n_boot), 2),
        seed=seed,
        confidence=confidence,
        progress=progress,
        **options.kwargs(),
    )


# --------------------------------------------------------------------------- session law


#: Appended to the sidebar label of a fitted law that has warnings (did not converge, E at its
#: bound, a constant the runs leave loose): it stays usable on other pages, but never unflagged.
UNRELIABLE = " (unreliable)"


def fit_identifiability(result: FitResult, boot: BootstrapResult | None = None) -> Identifiability:
    """What the runs determine (`FitResult.identifiability`), with the bootstrap's intervals read
    in when one was run for this fit."""
    ident = result.identifiability
    if boot is not None and boot.fit.form == result.form:
        ident = ident.with_intervals(boot.intervals, boot.confidence)
    return ident


def offered_laws(
    result: FitResult | None, ident: Identifiability | None = None
) -> tuple[dict[str, Any], str | None]:
    """(``{key: law}`` for ``st.session_state["user_laws"]``, why nothing is offered or None).

    The chinchilla fit is offered as ``your-fit``, the kaplan fit as ``your-fit-kaplan``;
    power forms have no law family.  A fit whose exponents are not positive is refused with
    the reason from `FitResult.law`; so is a fit whose allocation (a) the runs do not
    determine (``ident``, default the fit's own `FitResult.identifiability`): the other pages
    would draw its N_opt and compute-optimal curve.  A fit with `FitResult.warnings` is
    offered with `UNRELIABLE` appended to its label."""
    if result is None or result.form not in ("chinchilla", "kaplan"):
        return {}, None
    try:
        law = result.law
    except (FitError, ValueError) as exc:
        return {}, str(exc)
    ident = ident or result.identifiability
    if not ident.allocation_determined:
        key = "a" if result.form == "chinchilla" else "alpha_n"
        why = ident.reasons.get(key) or ident.reasons.get("alpha_d", "")
        return {}, (
            "the allocation exponent a = beta/(alpha+beta) is not determined by these runs"
            + (f" ({why})" if why else "")
            + ", so no N_opt or compute-optimal curve may be drawn from it"
        )
    if result.warnings(ident):
        law = replace(law, label=law.label + UNRELIABLE)
    return {law.key: law}, None


def refusal_reason(refused: str, warnings: list[str]) -> str:
    """`offered_laws`' reason without the warning it quotes when ``warnings`` list it anyway
    ("the fit is not a usable law (beta = -0.105; exponents must be positive)")."""
    head, sep, tail = refused.partition("): ")
    return head + ")" if sep and tail in warnings else refused


def session_laws(result: FitResult | None) -> dict[str, Any]:
    """The laws of `offered_laws` (an unusable fit gives ``{}``; never raises)."""
    return offered_laws(result)[0]
