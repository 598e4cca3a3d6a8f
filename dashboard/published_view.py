"""Sections of the published-sweeps page: one block per chosen sweep (its pickers, fit, leave-out
check, and where it differs from the authors), and the comparison with the published laws."""

from __future__ import annotations

import streamlit as st

from charts import fit_tables as ft
from charts.fit import extrapolation_figure
from charts.format import format_count, format_ratio
from charts.published import SummaryRow, constants_text
from charts.rollout import rollout_caption, rollout_figure
from dashboard.cache_published import sweep_fit, sweep_rollout_result, sweep_table
from dashboard.layout import show_chart
from dashboard.state import USER_LAWS, available_laws
from dashboard.widgets import choice
from scaling_core.fit.sweeps import sweep_columns
from scaling_core.published import SWEEPS_BY_KEY
from scaling_core.published.fits import SweepFit, loss_columns, sweep_runs

#: Bootstrap refits per sweep: 1,000 (refitted in batches, about 1 ms each; cached per choice).
N_BOOT = 1000


def sweep_block(key: str, compute: float) -> tuple[SweepFit | str, SummaryRow | None]:
    """Pickers, metrics, leave-out chart and notes of one sweep; returns its fit and summary row."""
    sweep = SWEEPS_BY_KEY[key]
    runs = sweep_table(key)
    st.markdown(
        f"**{sweep.label}** — {sweep.what}. [arXiv:{sweep.arxiv}](https://arxiv.org/abs/"
        f"{sweep.arxiv}), licence {sweep.licence}; file `sample_data/{sweep.path}` "
        "(provenance beside it)."
    )
    if sweep.caveat:
        st.info(sweep.caveat, icon=":material/info:")
    factors = [c for c in sweep.factors if c in runs.columns] or sweep_columns(runs)
    cols = st.columns(max(len(factors), 1) + 1)
    where = []
    for i, column in enumerate(factors):
        values = ["all", *sorted(runs[column].astype(str).str.strip().unique())]
        default = str(sweep.default_where.get(column, "all"))
        if default not in values:  # numeric defaults such as epochs = 1 show as "1.0"
            default = next((v for v in values if v != "all" and float_eq(v, default)), "all")
        value = choice(column, f"ps_{key}_{column}", values, default, container=cols[i])
        if value != "all":
            where.append((column, value))
    losses = loss_columns(runs)
    loss = choice(
        "Validation loss",
        f"ps_{key}_loss",
        losses,
        losses[0],
        container=cols[-1],
        format_func=lambda c: sweep.loss_name if c == "loss" else c.removeprefix("loss_"),
        help="The file's loss columns; the default is the one the authors fit.",
    )
    result = sweep_fit(key, tuple(where), loss, N_BOOT)
    if isinstance(result, str):
        st.warning(f"No Chinchilla-form fit for this choice: {ft.escape_markdown(result)}")
        rollout_section(key, tuple(where), loss)
        return result, None
    ident = result.identifiability
    constants = constants_text(result.fit.params, ident.determined)
    # Two metrics a row: a number with its interval (e.g. "51.5B (6.79B–252B)") is cut short
    # with an ellipsis in a quarter of the page at 1400 px (seen in Chromium).
    m = [*st.columns(2), *st.columns(2)]
    m[0].metric("Runs fitted", f"{result.n_runs}")
    if result.allocation_determined:
        # Every headline number with its 95% interval in the same type (the same bootstrap
        # draws: Hoffmann et al. 2022, eq. 4 per refit).
        a_lo, a_hi = result.boot.intervals["a"]
        around = result.boot.optimal_intervals(compute)
        n_lo, n_hi = around.get("n_opt", (float("nan"), float("nan")))
        t_lo, t_hi = around.get("tokens_per_param", (float("nan"), float("nan")))
        m[1].metric("a = β/(α+β), 95% CI", f"{result.a:.3f} ({a_lo:.2f}–{a_hi:.2f})")
        m[2].metric(
            f"N_opt at {compute:.0e} FLOP, 95% CI",
            f"{format_count(result.n_opt(compute))} ({format_count(n_lo)}–{format_count(n_hi)})",
        )
        m[3].metric(
            "Tokens / param there, 95% CI",
            f"{format_ratio(result.tokens_per_param(compute))} "
            f"({format_ratio(t_lo)}–{format_ratio(t_hi)})",
        )
        st.caption(
            f"L = E + A/N^α + B/D^β fitted as Hoffmann et al.'s Approach 3 to the final point of "
            f"each run; {result.boot.n_boot:,} bootstrap refits, {result.boot.resampling}. a 95% "
            f"CI {a_lo:.2f}-{a_hi:.2f}; E, A, B, α, β = {constants}"
            + (" (? not determined by these runs)." if "?" in constants else ".")
        )
    else:
        m[1].metric("a = β/(α+β)", "not determined", help=ident.reasons.get("a", ""))
        m[2].metric(f"N_opt at {compute:.0e} FLOP", "not determined")
        m[3].metric("Tokens / param there", "not determined")
        st.warning(
            "**No N_opt, tokens per parameter or compute-optimal curve from this sweep: the "
            "allocation exponent a is not determined by these runs.**\n\n"
            + "\n".join(f"- {ft.escape_markdown(w)}" for w in ident.warnings),
            icon="⚠️",
        )
        if result.fit.form == "power-n":
            lo_hi = result.boot.intervals
            st.caption(
                f"L = E + A/N^α (the form these runs determine) fitted to the final point of "
                f"each run; {result.boot.n_boot:,} bootstrap refits, {result.boot.resampling}. "
                + ", ".join(
                    f"{name} {result.fit.params[name]:.4g} ({lo_hi[name][0]:.3g}–"
                    f"{lo_hi[name][1]:.3g})"
                    for name in ("E", "A", "alpha")
                    if name in lo_hi
                )
                + f". {result.fit.fallback or ''}"
            )
        else:
            st.caption(
                f"L = E + A/N^α + B/D^β fitted as Hoffmann et al.'s Approach 3 to the final point "
                f"of each run; {result.boot.n_boot:,} bootstrap refits, {result.boot.resampling}. "
                f"E, A, B, α, β = {constants} (? not determined by these runs)."
            )
    leave = ""
    if result.leave_out is not None:
        check = result.leave_out
        leave = (
            f"{check.mean_abs_relative_error:.1%} mean ({check.mean_signed_relative_error:+.1%} "
            f"signed), {check.max_abs_relative_error:.1%} max, at N ≥ {format_count(check.threshold)}"
        )
        fitted = sweep_runs(runs, dict(where), loss)
        show_chart(
            st,
            extrapolation_figure(
                fitted[fitted["n_params"] < check.threshold],
                check.holdout,
                by="n_params",
                threshold=check.threshold,
            ),
            key=f"ps_{key}_leave_out",
        )
        under = (check.holdout["relative_error"] < 0).sum()
        st.caption(
            f"Leave-out check: fitted to the runs below {format_count(check.threshold)} "
            f"parameters, the {len(check.holdout)} larger runs ({check.n_configurations} "
            "distinct (N, D); reruns of one configuration averaged, so counted once) are "
            f"predicted with mean |error| {check.mean_abs_relative_error:.1%} and mean signed "
            f"error {check.mean_signed_relative_error:+.1%} (largest "
            f"{check.max_abs_relative_error:.1%}); {under} of {len(check.holdout)} predictions "
            "are below the observed loss."
        )
    elif result.leave_out_error:
        st.caption(f"No leave-out check: {ft.escape_markdown(result.leave_out_error)}")
    rollout_section(key, tuple(where), loss)
    for note in differences(key, result):
        st.markdown(f"- {note}")
    if not result.allocation_determined:
        row = SummaryRow(
            name=sweep.label,
            kind=f"fit ({result.n_runs} runs)",
            constants=constants,
            a=None,
            a_interval=None,
            n_opt=None,
            tokens_per_param=None,
            leave_out=leave,
            not_determined=ident.reasons.get("a", "not determined by these runs"),
        )
        return result, row
    row = SummaryRow(
        name=sweep.label,
        kind=f"fit ({result.n_runs} runs)",
        constants=constants,
        a=result.a,
        a_interval=result.boot.intervals["a"],
        n_opt=result.n_opt(compute),
        tokens_per_param=result.tokens_per_param(compute),
        leave_out=leave,
    )
    return result, row


def rollout_section(key: str, where: tuple[tuple[str, str], ...], loss: str) -> None:
    """The sweep's rollout scorecard (`scaling_core.published.fits.sweep_rollout`): chart and
    one caption, or why there is none."""
    card = sweep_rollout_result(key, where, loss)
    if isinstance(card, str):
        st.caption(f"No rollout scorecard: {ft.escape_markdown(card)}")
        return
    show_chart(
        st,
        rollout_figure(card.predictions(), axis=card.axis, height=360),
        key=f"ps_{key}_rollout",
    )
    st.caption(rollout_caption(card))


def float_eq(text: str, other: str) -> bool:
    """Whether two cell texts are the same number (``"1.0"`` and ``"1"``)."""
    try:
        return float(text) == float(other)
    except ValueError:
        return False


def differences(key: str, result: SweepFit) -> list[str]:
    """Where our fit and the authors' differ, by how much and why (empty when nothing to say)."""
    from scaling_core.presets import get_law

    if key == "muennighoff-2023":
        theirs = get_law("muennighoff-2023")
        offset, shape = result.level_offset(theirs)
        return [
            "The `muennighoff-2023` constants were not fitted to these runs: Muennighoff et al. "
            "fitted them (their `utils/parametric_fit.ipynb`) to 54 points read off Chinchilla's "
            f"C4 IsoFLOP figure, with α = β (= {theirs.alpha:.3f}), and then fitted only the "
            "repetition constants R_D* and R_N* to their own runs. Compared with the runs "
            f"here they sit at a level offset of {offset:+.1%} (other models and tokenizer), "
            f"and {shape:.1%} apart on average once that offset is removed: a comparison of "
            "sources, not an error of either fit."
        ]
    if key == "gadre-2024":
        from scaling_core.fit import FitError
        from scaling_core.published.gadre import gadre_check

        try:
            theirs_check = gadre_check(result.table)
        except FitError as exc:
            return [f"Gadre et al.'s own check cannot be repeated on this selection: {exc}."]
        ours = result.leave_out
        ours_text = (
            f"our leave-out check (the Chinchilla form on the {ours.fit.n_runs} runs below "
            f"{ours.threshold:.2g} parameters) predicts {len(ours.holdout)} runs with mean "
            f"|error| {ours.mean_abs_relative_error:.2%}"
            if ours is not None
            else "our leave-out check could not be run"
        )
        each = ", ".join(
            f"{row.run.split('-', 1)[-1]} {row.relative_error:+.2%}"
            for row in theirs_check.holdout.itertuples(index=False)
        )
        return [
            "Gadre et al.'s own procedure (their law with α = β, least squares on the loss, "
            f"fitted to {theirs_check.n_fit} runs: the four smallest models at 20 tokens per "
            "parameter and the smallest at 320) predicts the "
            f"{len(theirs_check.holdout)} larger runs with mean |error| "
            f"{theirs_check.mean_abs_relative_error:.2%} ({each}); {ours_text}. Different fit "
            "sets and laws, so the two numbers answer different questions."
        ]
    if key == "porian-2024" and result.allocation_determined:
        return [
            "Porian et al. estimate a from IsoFLOP minima, not from a Chinchilla-form fit: the "
            "frontier page recomputes their Table 1 with their estimator (a = 0.497 for this "
            f"sweep); the L(N, D) fit here gives {result.a:.3f}, because the form's two power "
            "laws do not follow the curvature of their small-model profiles."
        ]
    return []


def law_rows(keys: list[str], compute: float, kind: str = "published") -> list[SummaryRow]:
    """Summary rows of laws (published presets or the session's own fit) at one budget."""
    from scaling_core.allocation import compute_optimal

    laws = available_laws()
    rows = []
    for key in keys:
        law = laws[key]
        optimum = compute_optimal(law, compute)
        params = {name: getattr(law, name, None) for name in ("E", "A", "B", "alpha", "beta")}
        has_form = all(isinstance(v, (int, float)) for v in params.values())
        rows.append(
            SummaryRow(
                name=law.label,
                kind=kind,
                constants=constants_text(params) if has_form else "—",
                a=params["beta"] / (params["alpha"] + params["beta"]) if has_form else None,
                a_interval=None,
                n_opt=float(optimum.n_params),
                tokens_per_param=float(optimum.tokens_per_param),
            )
        )
    return rows


def user_law_keys() -> list[str]:
    """Keys of the session's own fitted laws (from the fit page) that have a loss form."""
    return [k for k in st.session_state.get(USER_LAWS, {}) if k in available_laws()]
