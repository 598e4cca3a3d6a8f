"""The fit page's rollout scorecard: the page's form rolled out over the runs' sizes
(`scaling_core.fit.rollout`, OLMo-core's ScalingLawRollout method), cached per session.

Only the forms the scorecard knows (Chinchilla, power in N) and tables small enough for a page
rerun are rolled out here; anything else gets the reason and the command-line equivalent.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from dashboard import ahead
from dashboard.fit_session import SESSION_CACHE_ENTRIES, FitOptions, run_heavy
from dashboard.shared_cache import by_content
from scaling_core.fit.rollout import ROLLOUT_FORMS, RolloutResult, cutoff_values, rollout

#: Largest table and number of cutoffs the page rolls out (each cutoff is one fit, run in the
#: server's interpreter: the Gemstones sample's 17 cutoffs of up to 199 runs take about 4 s).
MAX_ROLLOUT_RUNS = 1_000
MAX_ROLLOUT_CUTOFFS = 20
CLI_HINT = "the command-line tool's rollout command (README, 'Command line')"


def page_rollout(table: pd.DataFrame, options: FitOptions) -> RolloutResult | str:
    """The rollout by N of the page's form with its Huber δ and fixed E, or why there is none."""
    if options.form not in ROLLOUT_FORMS:
        return (
            f"the scorecard covers the Chinchilla form and the power law in N, not {options.form}"
        )
    if len(table) > MAX_ROLLOUT_RUNS:
        return f"{len(table):,} runs is more than the page rolls out ({MAX_ROLLOUT_RUNS:,}); use {CLI_HINT}"
    cuts = cutoff_values(table, "params")
    if len(cuts) > MAX_ROLLOUT_CUTOFFS:
        return (
            f"{len(cuts)} cutoffs (one fit each) is more than the page computes "
            f"({MAX_ROLLOUT_CUTOFFS}); use {CLI_HINT}"
        )
    kwargs = {"delta": options.delta}
    if options.fixed_e is not None:
        kwargs["fixed"] = {"E": float(options.fixed_e)}
    try:
        return rollout(table, options.form, axis="params", **kwargs)
    except MemoryError:  # in a job: reported as its memory budget, with what to do
        raise
    except Exception as exc:  # FitError, or a numerical failure: shown, never a traceback
        return str(exc) or type(exc).__name__


def table_key(table: pd.DataFrame) -> str:
    """A cheap fingerprint of the fitted points (the runs a mapping edit may change)."""
    columns = [c for c in ("n_params", "n_tokens", "loss") if c in table.columns]
    return f"{len(table)}:{int(pd.util.hash_pandas_object(table[columns], index=False).sum())}"


@by_content(
    max_entries=SESSION_CACHE_ENTRIES,
    ttl=3600,
    show_spinner="Rolling the fit out over the run sizes…",
)
def cached_rollout(
    file_digest: str,
    options_key: tuple,
    fingerprint: str,
    _table: pd.DataFrame,
    heavy: bool = False,
) -> RolloutResult | str:
    """`page_rollout` of this content, options and fitted points (cached per session); for a
    large upload, ``heavy``, by `run_heavy` as its fit is (one fit per cutoff: seconds that
    would otherwise hold the server's interpreter)."""
    started = ahead.collect(rollout_key(file_digest, options_key, fingerprint))
    if started is not ahead.MISSING:
        return started
    options = FitOptions(*options_key)
    if not heavy:
        return page_rollout(_table, options)
    return run_heavy(page_rollout, _table, options, what="The rollout scorecard", too_large=str)


def rollout_key(file_digest: str, options_key: tuple, fingerprint: str) -> tuple:
    """What a rollout started ahead is collected by: `cached_rollout`'s hashed arguments."""
    return ("rollout", file_digest, options_key, fingerprint)


def rollout_options(options: FitOptions, fitted_form: str) -> FitOptions:
    """The options the scorecard rolls out: the automatic form rolls out the form it resolved
    to (chinchilla or power-n)."""
    return replace(options, form=fitted_form) if options.form == "auto" else options


def start_rollout(file_digest: str, options: FitOptions, table: pd.DataFrame) -> None:
    """Start `page_rollout` now, in a job beside the page (`dashboard.ahead`), for
    `cached_rollout` to collect when the page reaches the scorecard."""
    if options.form in ROLLOUT_FORMS:
        key = rollout_key(file_digest, options.key(), table_key(table))
        ahead.start(key, page_rollout, table, options, what="The rollout scorecard")
