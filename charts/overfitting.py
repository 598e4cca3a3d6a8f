"""Overfitting and data-limit figures: Kaplan's δL collapse (Figure 9 right), the data needed to
keep overfitting small, and the loss of repeated epochs at a fixed budget (Muennighoff et al. 2023).
Data in, go.Figure out; figures are assembled as one dict so that a slider move stays fast."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from charts.format import format_count, format_loss, format_scientific
from charts.style import (
    LEGEND_BELOW,
    MODEBAR_PX,
    RUN_LABEL,
    Overlay,
    base_layout,
    log_axis_dict,
    run_marker,
    widen_axis,
    with_overlay,
)

#: Colours for model sizes, small → large (viridis, readable on white).
SIZE_COLOURS: tuple[str, ...] = (
    "#440154",
    "#414487",
    "#2a788e",
    "#22a884",
    "#7ad151",
    "#bddf26",
    "#fde725",
)
_SIZE_SYMBOLS: tuple[str, ...] = (
    "circle",
    "square",
    "diamond",
    "triangle-up",
    "cross",
    "x",
    "star",
)


@dataclass(frozen=True)
class OverfitCurve:
    """δL(N, D) of one model size over a range of D, with Kaplan's abscissa N^(α_N/α_D)/D."""

    n_params: float
    n_tokens: np.ndarray
    variable: np.ndarray
    overfit: np.ndarray


def _percent(value: float) -> str:
    return f"{100 * value:.3g}%"


def overfitting_figure(
    curves: list[OverfitCurve],
    *,
    tolerance: float,
    point: tuple[float, float, float, float] | None,
    exponent_ratio: float,
    height: int = 440,
) -> go.Figure:
    """δL = L(N, D)/L(N, ∞) − 1 against N^(α_N/α_D)/D for several sizes (Kaplan et al. 2020, Fig. 9 right).

    ``point`` is (N, D, abscissa, δL) of the chosen run (`overfitting_run`; None: no run);
    ``tolerance`` is drawn as a dashed line.
    All sizes fall on one curve: the overfitting penalty depends on N and D only through the ratio.
    Each size is drawn as markers over a thin grey line through all of them.
    """
    xs_all = np.concatenate([c.variable for c in curves])
    order = np.argsort(xs_all)
    traces: list[dict] = [
        {
            "type": "scatter",
            "x": xs_all[order],
            "y": np.concatenate([c.overfit for c in curves])[order],
            "mode": "lines",
            "line": {"color": "#bbbbbb", "width": 1.5},
            "name": "eq. 4.3",
            "hoverinfo": "skip",
        }
    ]
    for index, curve in enumerate(curves):
        colour = SIZE_COLOURS[min(index, len(SIZE_COLOURS) - 1)]
        keep = curve.overfit > 0
        traces.append(
            {
                "type": "scatter",
                "x": curve.variable[keep],
                "y": curve.overfit[keep],
                "mode": "markers",
                "marker": {
                    "size": 7,
                    "color": colour,
                    "symbol": _SIZE_SYMBOLS[index % len(_SIZE_SYMBOLS)],
                    "opacity": 0.85,
                },
                "name": f"N = {format_count(curve.n_params)}",
                "customdata": np.stack(
                    [
                        [format_count(d) for d in curve.n_tokens[keep]],
                        [_percent(v) for v in curve.overfit[keep]],
                    ],
                    axis=-1,
                ),
                "hovertemplate": (
                    f"N {format_count(curve.n_params)} · D %{{customdata[0]}}"
                    "<br>δL %{customdata[1]}<extra></extra>"
                ),
            }
        )
    x_lo, x_hi, y_lo, y_hi = _overfitting_extent(curves, tolerance, point)
    layout = base_layout(title="Overfitting penalty collapses onto one curve", height=height)
    layout.update(
        legend=LEGEND_BELOW,
        shapes=[
            {
                "type": "line",
                "xref": "x domain",
                "yref": "y",
                "x0": 0,
                "x1": 1,
                "y0": tolerance,
                "y1": tolerance,
                "line": {"dash": "dash", "color": "#d62728", "width": 1.5},
            }
        ],
        annotations=[
            {
                "text": f"tolerance δL = {_percent(tolerance)}",
                "xref": "x domain",
                "yref": "y",
                "x": 0.99,
                "y": float(np.log10(tolerance)),
                "xanchor": "right",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"color": "#d62728"},
            }
        ],
        xaxis=log_axis_dict(
            x_lo,
            x_hi,
            f"N^{exponent_ratio:.3g} / D  (N non-embedding params, D tokens)",
            format_scientific,
        ),
        yaxis=log_axis_dict(y_lo, y_hi, "δL = L(N, D) / L(N, ∞) − 1", _percent),
    )
    fig = go.Figure(data=traces, layout=layout)
    if point is None:
        return fig
    return with_overlay(fig, overfitting_run(curves, tolerance=tolerance, point=point))


def _overfitting_extent(
    curves: list[OverfitCurve],
    tolerance: float,
    point: tuple[float, float, float, float] | None,
) -> tuple[float, float, float, float]:
    """(x low, x high, y low, y high) of the overfitting figure: every size's points, the
    tolerance and the run (``point``), with room around them."""
    xs = [c.variable[c.overfit > 0] for c in curves]
    ys = [c.overfit[c.overfit > 0] for c in curves] + [np.array([tolerance])]
    if point is not None:
        xs.append(np.array([point[2]]))
        ys.append(np.array([max(point[3], 1e-5)]))
    x_all, y_all = np.concatenate(xs), np.concatenate(ys)
    return (
        float(x_all.min()) / 1.5,
        float(x_all.max()) * 1.5,
        max(float(y_all.min()) / 1.5, 1e-5),
        float(y_all.max()) * 1.5,
    )


def overfitting_run(
    curves: list[OverfitCurve], *, tolerance: float, point: tuple[float, float, float, float]
) -> Overlay:
    """The run ``point`` = (N, D, N^(α_N/α_D)/D, δL) on `overfitting_figure`: its marker, and the
    axes' extent with it when it lies outside the curves (what the N and D sliders change,
    drawn over the figure)."""
    n_point, d_point, x_point, overfit_point = point
    y_point = max(overfit_point, 1e-12)
    x_lo, x_hi, y_lo, y_hi = _overfitting_extent(curves, tolerance, point)
    bare = _overfitting_extent(curves, tolerance, None)
    overlay = run_marker(
        x_point,
        y_point,
        label_at=(float(np.log10(x_point)), float(np.log10(y_point))),
        hovertext=(
            f"{RUN_LABEL}: N {format_count(n_point)} · D {format_count(d_point)}"
            f"<br>δL {_percent(overfit_point)}"
        ),
    )
    widen_axis(overlay, "xaxis", (x_lo, x_hi), bare[:2], format_scientific)
    widen_axis(overlay, "yaxis", (y_lo, y_hi), bare[2:], _percent)
    return overlay


def data_requirement_figure(
    n_params: np.ndarray,
    tokens_needed: np.ndarray,
    tokens_rule: np.ndarray,
    *,
    tolerance: float,
    point: tuple[float, float] | None,
    height: int = 440,
) -> go.Figure:
    """Tokens needed to keep δL ≤ ``tolerance`` (eq. 4.3 inverted) and Kaplan's D ≳ 5e3·N^0.74 (eq. 4.4).

    A dotted 20-tokens-per-parameter line is drawn for scale (Chinchilla's rule of thumb);
    ``point`` is the chosen (N, D) (`data_requirement_run`; None: no run).
    """
    n_text = [format_count(n) for n in n_params]
    reference = 20.0 * n_params
    traces = [
        {
            "type": "scatter",
            "x": n_params,
            "y": tokens_needed,
            "mode": "lines",
            "line": {"color": "rgba(31,119,180,0.45)", "width": 9},
            "name": f"δL ≤ {_percent(tolerance)} (eq. 4.3)",
            "customdata": np.stack([n_text, [format_count(d) for d in tokens_needed]], axis=-1),
            "hovertemplate": "N %{customdata[0]}<br>D ≥ %{customdata[1]} tokens<extra></extra>",
        },
        {
            "type": "scatter",
            "x": n_params,
            "y": tokens_rule,
            "mode": "lines",
            "line": {"color": "#d95f02", "width": 2.5, "dash": "dash"},
            "name": "D ≳ 5e3·N^0.74 (eq. 4.4; nearly the same line)",
            "customdata": np.stack([n_text, [format_count(d) for d in tokens_rule]], axis=-1),
            "hovertemplate": "N %{customdata[0]}<br>D ≳ %{customdata[1]} tokens<extra></extra>",
        },
        {
            "type": "scatter",
            "x": n_params,
            "y": reference,
            "mode": "lines",
            "line": {"color": "#7f7f7f", "width": 1.5, "dash": "dot"},
            "name": "20 tokens per parameter",
            "hoverinfo": "skip",
        },
    ]
    n_lo, n_hi, d_lo, d_hi = _requirement_extent(n_params, tokens_needed, tokens_rule, point)
    layout = base_layout(title="Data needed to avoid overfitting", height=height)
    layout.update(
        legend=LEGEND_BELOW,  # inside the plot it covered half of it on a phone
        xaxis=log_axis_dict(n_lo, n_hi, "parameters N (non-embedding)"),
        yaxis=log_axis_dict(d_lo, d_hi, "training tokens D"),
    )
    fig = go.Figure(data=traces, layout=layout)
    if point is None:
        return fig
    return with_overlay(
        fig, data_requirement_run(n_params, tokens_needed, tokens_rule, point=point)
    )


def _requirement_extent(
    n_params: np.ndarray,
    tokens_needed: np.ndarray,
    tokens_rule: np.ndarray,
    point: tuple[float, float] | None,
) -> tuple[float, float, float, float]:
    """(N low, N high, D low, D high) of the data-requirement figure, the run included."""
    n_all = [float(n_params.min()), float(n_params.max())]
    d_all = [tokens_needed, tokens_rule, 20.0 * n_params]
    if point is not None:
        n_all.append(point[0])
        d_all.append(np.array([point[1]]))
    d_flat = np.concatenate(d_all)
    return min(n_all) / 1.4, max(n_all) * 1.4, float(d_flat.min()) / 1.5, float(d_flat.max()) * 1.5


def data_requirement_run(
    n_params: np.ndarray,
    tokens_needed: np.ndarray,
    tokens_rule: np.ndarray,
    *,
    point: tuple[float, float],
) -> Overlay:
    """The run ``point`` = (N, D) on `data_requirement_figure`: its marker, and the axes' extent
    with it when it lies outside the curves (what the N and D sliders change, drawn over the
    figure)."""
    n_point, d_point = point
    n_lo, n_hi, d_lo, d_hi = _requirement_extent(n_params, tokens_needed, tokens_rule, point)
    bare = _requirement_extent(n_params, tokens_needed, tokens_rule, None)
    overlay = run_marker(
        n_point,
        d_point,
        label_at=(float(np.log10(n_point)), float(np.log10(d_point))),
        hovertext=f"{RUN_LABEL}: N {format_count(n_point)} · D {format_count(d_point)}",
    )
    widen_axis(overlay, "xaxis", (n_lo, n_hi), bare[:2])
    widen_axis(overlay, "yaxis", (d_lo, d_hi), bare[2:])
    return overlay


def repetition_figure(
    epochs: np.ndarray,
    loss: np.ndarray,
    compute_share: np.ndarray,
    *,
    loss_unique: float,
    current: tuple[float, float],
    optimum: tuple[float, float, float, float],
    cheap_epochs: float = 4.0,
    height: int = 460,
) -> go.Figure:
    """Loss of the compute-optimal (N, D) when its D tokens are D/epochs unique tokens repeated.

    The unique-data loss is a dashed line; ``compute_share`` (right axis) is the fraction of the
    budget that fresh data would need for the same loss.  ``current`` is (epochs, loss) at the
    chosen unique-token count and ``optimum`` (epochs, loss, N, D) the re-allocated
    data-constrained optimum (Muennighoff et al. 2023).
    """
    loss_text = [format_loss(v) for v in loss]
    share_text = [f"{100 * v:.0f}%" for v in compute_share]
    epochs_text = [f"{e:.3g}" for e in epochs]
    traces = [
        {
            "type": "scatter",
            "x": epochs,
            "y": loss,
            "mode": "lines",
            "line": {"color": "#8c564b", "width": 3},
            "name": "repeating data (same N, D)",
            "customdata": np.stack([epochs_text, loss_text, share_text], axis=-1),
            "hovertemplate": (
                "%{customdata[0]} epochs<br>loss %{customdata[1]} nats/token"
                "<br>fresh data needs %{customdata[2]} of the compute<extra></extra>"
            ),
        },
        {
            "type": "scatter",
            "x": epochs,
            "y": compute_share,
            "yaxis": "y2",
            "mode": "lines",
            "line": {"color": "#7f7f7f", "width": 1.5, "dash": "dot"},
            "name": "fresh-data compute for the same loss (right axis)",
            "customdata": np.stack([epochs_text, share_text], axis=-1),
            "hovertemplate": (
                "%{customdata[0]} epochs: fresh data reaches this loss with "
                "%{customdata[1]} of the compute<extra></extra>"
            ),
        },
        {
            "type": "scatter",
            "x": [current[0]],
            "y": [current[1]],
            "mode": "markers",
            "marker": {"symbol": "x", "size": 13, "color": "#d62728"},
            "name": "your unique data, same N and D",
            "hovertemplate": (
                f"{current[0]:.3g} epochs<br>loss {format_loss(current[1])}<extra></extra>"
            ),
        },
        {
            "type": "scatter",
            "x": [optimum[0]],
            "y": [optimum[1]],
            "mode": "markers",
            "marker": {
                "symbol": "star",
                "size": 15,
                "color": "#2ca02c",
                "line": {"color": "black", "width": 1},
            },
            "name": "data-constrained optimum (re-allocated)",
            "hovertemplate": (
                f"re-allocated: N {format_count(optimum[2])} · D {format_count(optimum[3])}"
                f"<br>{optimum[0]:.3g} epochs · loss {format_loss(optimum[1])}<extra></extra>"
            ),
        },
    ]
    top_loss = float(np.nanmax(np.concatenate([loss, [current[1], optimum[1]]])))
    span = max(top_loss - loss_unique, 1e-3)
    x_hi = float(max(epochs.max(), optimum[0], current[0])) * 1.1
    if x_hi <= 4096:  # powers of two: 1, 2, 4 (Muennighoff's "4 epochs"), 8, …
        epoch_ticks = [2.0**k for k in range(int(np.log2(x_hi)) + 1)]
        epoch_text = [f"{t:g}" for t in epoch_ticks]
    else:  # very many epochs: decades, 1k, 1M
        epoch_ticks = [10.0**k for k in range(int(np.log10(x_hi)) + 1)]
        epoch_text = [format_count(t) for t in epoch_ticks]
    layout = base_layout(title="Loss against epochs at a fixed budget", height=height)
    layout.update(
        legend={"orientation": "h", "yanchor": "top", "y": -0.2, "x": 0},
        margin={"l": 70, "r": 70, "t": MODEBAR_PX + 34, "b": 120},
        shapes=[
            {
                "type": "line",
                "xref": "x domain",
                "yref": "y",
                "x0": 0,
                "x1": 1,
                "y0": loss_unique,
                "y1": loss_unique,
                "line": {"dash": "dash", "color": "#1f77b4", "width": 1.5},
            },
            {
                "type": "rect",
                "xref": "x",
                "yref": "y domain",
                "x0": 1.0,
                "x1": cheap_epochs,
                "y0": 0,
                "y1": 1,
                "fillcolor": "rgba(44,160,44,0.08)",
                "line": {"width": 0},
            },
        ],
        annotations=[
            {
                "text": f"unique data: {format_loss(loss_unique)}",
                "xref": "x domain",
                "yref": "y",
                # under the line's left end: the repeated-data curve rises from that line's
                # left end and crosses it nowhere, so nothing is drawn there (at its right end,
                # above it, the label sat on the curve on a phone)
                "x": 0.01,
                "y": loss_unique,
                "xanchor": "left",
                "yanchor": "top",
                "showarrow": False,
                "font": {"color": "#1f77b4"},
            },
            {
                "text": f"≤ {cheap_epochs:g} epochs",
                "xref": "x",
                "yref": "y domain",
                # halfway up the band: the loss curve and the unique-data label sit at its
                # foot, the fresh-data share falls from its top-left corner
                "x": float(np.log10(np.sqrt(cheap_epochs))),
                "y": 0.5,
                "yanchor": "middle",
                "showarrow": False,
                "font": {"color": "#2ca02c"},
            },
        ],
        xaxis={
            "title": {"text": "epochs over the unique data (D / U_D)"},
            "type": "log",
            "range": [0.0, float(np.log10(x_hi))],
            "tickvals": epoch_ticks,
            "ticktext": epoch_text,
            "showgrid": True,
        },
        yaxis={
            "title": {"text": "final loss (nats/token)"},
            "range": [loss_unique - 0.2 * span, top_loss + 0.08 * span],
        },
        yaxis2={
            "title": {"text": "fresh-data compute, % of C"},
            "overlaying": "y",
            "side": "right",
            "range": [0, 1.05],
            "tickvals": [0, 0.25, 0.5, 0.75, 1.0],
            "ticktext": ["0%", "25%", "50%", "75%", "100%"],
            "showgrid": False,
        },
    )
    return go.Figure(data=traces, layout=layout)
