"""The rollout scorecard as a figure: each larger run's relative error, at every cutoff.

Data in (the predictions of `scaling_core.fit.rollout.RolloutResult.predictions`), a Plotly
figure out.  x: the predicted run's size N (or compute C), log axis with readable ticks; y:
(predicted − observed)/observed in percent; colour: the cutoff the fit stopped at (a run
predicted from several cutoffs appears once per cutoff).  Above zero the law over-predicts the
loss (pessimistic), below it promises a lower loss than the run reached.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from charts.fit import drawn_title, escape, thin
from charts.format import escape_markdown, format_count, format_flops, format_scientific
from charts.style import SLIM_COLORBAR, apply_log_axis, base_layout
from scaling_core.fit.rollout import RolloutResult

_AXES = {
    "params": ("n_params", "parameters N of the predicted run", format_count, format_count),
    "compute": ("compute_flops", "compute C of the predicted run (FLOP)", format_scientific,
                format_flops),
}  # fmt: skip
#: Most colour-bar ticks labelled with their cutoff; more cutoffs get ticks at powers of ten.
MAX_CUTOFF_TICKS = 8


def rollout_figure(
    predictions: pd.DataFrame,
    *,
    axis: str = "params",
    title: str = "Rollout: fit the runs up to each cutoff, predict every larger run",
    height: int = 420,
) -> go.Figure:
    """Relative error of every prediction against the predicted run's size, coloured by the
    cutoff (``fit_up_to``) of the fit that made it; a zero line marks a perfect prediction."""
    column, x_title, tick_format, hover_format = _AXES[axis]
    total = len(predictions)
    shown = predictions.iloc[thin(total)]
    x = shown[column].to_numpy(dtype=float)
    error = 100 * shown["relative_error"].to_numpy(dtype=float)
    cut = shown["fit_up_to"].to_numpy(dtype=float)
    n_fit = shown["n_fit"].to_numpy() if "n_fit" in shown else np.full(len(shown), -1)
    custom = np.column_stack(
        [
            [escape(r) for r in shown["run"]],
            [hover_format(v) for v in x],
            [hover_format(v) for v in cut],
            [f"{int(k)}" if k >= 0 else "?" for k in n_fit],
            [f"{v:.4f}" for v in shown["observed"]],
            [f"{v:.4f}" for v in shown["predicted"]],
        ]
    ) if len(shown) else np.empty((0, 6))  # fmt: skip
    cutoffs = np.unique(cut)
    if len(cutoffs) <= MAX_CUTOFF_TICKS:
        tick_values = cutoffs
    else:
        tick_values = 10.0 ** np.arange(np.ceil(np.log10(cutoffs[0])), np.log10(cutoffs[-1]) + 1)
    fig = go.Figure(
        go.Scatter(
            x=x,
            y=error,
            mode="markers",
            name="predicted run",
            marker={
                "size": 9,
                "color": np.log10(cut) if len(cut) else [],
                "colorscale": "Viridis",
                "line": {"width": 0.5, "color": "white"},
                "colorbar": {
                    **SLIM_COLORBAR,
                    "title": {"text": "fit up to", "side": "top"},
                    "tickvals": list(np.log10(tick_values)),
                    "ticktext": [tick_format(v) for v in tick_values],
                },
                "showscale": len(cutoffs) > 1,
            },
            customdata=custom,
            hovertemplate="%{customdata[0]} (%{customdata[1]})<br>fit up to %{customdata[2]} "
            "(%{customdata[3]} runs)<br>observed %{customdata[4]}, predicted %{customdata[5]} "
            "nats/token<br>error %{y:+.2f}%<extra></extra>",
        )
    )
    fig.add_hline(y=0, line={"color": "#666", "width": 1})
    fig.update_layout(
        **base_layout(title=drawn_title(title, len(shown), total, "predictions"), height=height),
        showlegend=False,
    )
    if len(x):
        low, high = float(np.min(x)) / 1.3, float(np.max(x)) * 1.3
        apply_log_axis(fig, "x", low, high, x_title, formatter=tick_format)
        span = max(float(np.max(np.abs(error))) * 1.1, 0.5)
        fig.update_yaxes(range=[-span, span])
    # Short enough for a 340 px chart on a phone; the hover gives both losses, the caption
    # the definition (predicted / observed − 1).
    fig.update_yaxes(title_text="prediction error", ticksuffix="%")
    return fig


def rollout_caption(card: RolloutResult) -> str:
    """What the rollout chart shows, with its summary numbers (or why there are none)."""
    s = card.summary()
    form = {
        "chinchilla": "The Chinchilla form",
        "power-n": "L(N) = E + A/N^α",
        "gadre": "Gadre et al.'s α = β form",
    }.get(card.form, card.form)
    failed = f" ({s['n_failed']} cutoffs could not be fitted)" if s["n_failed"] else ""
    if not s["n_cutoffs"]:
        reason = card.cutoffs[0].error if card.cutoffs else "no cutoff"
        return f"Rollout scorecard: no cutoff could be fitted: {escape_markdown(str(reason))}."
    return (
        f"Rollout scorecard (OLMo-core's ScalingLawRollout method): {form} fitted to the runs "
        f"up to each of {s['n_cutoffs']} sizes (≥ 3 sizes, ≥ 5 runs) predicts every larger run"
        f"{failed}; error = predicted / observed − 1 of the loss"
        f": mean |error| {s['mean_abs_error']:.1%}, mean signed error "
        f"{s['mean_signed_error']:+.1%} (positive: loss over-predicted), distance-weighted "
        f"{s['weighted_abs_error']:.1%}, largest {s['max_abs_error']:.1%}, over "
        f"{s['n_predictions']} predictions. Measured errors, not estimates: no interval."
    )
