"""Figures of the batch-size page: B_crit against loss, and the steps/tokens trade-off."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from charts.format import format_count
from charts.plan import dense_log_axis
from charts.style import (
    Overlay,
    base_layout,
    law_colour,
    legend_key,
    log_axis_dict,
    point_label,
    point_marker,
    widen_axis,
    with_overlay,
)
from scaling_core.batch import TradeOff

YOUR_BATCH_COLOUR = "#ff4b4b"
PORIAN_COLOUR = law_colour("porian-2024-tuned")
DEEPSEEK_COLOUR = "#8c564b"
KAPLAN_COLOUR = law_colour("kaplan-2020")


def _tokens(value: float) -> str:
    return f"{format_count(value)} tokens"


def _times(value: float) -> str:
    return f"{format_count(value)}×"


def critical_batch_figure(
    loss: np.ndarray,
    b_crit: np.ndarray,
    *,
    target_loss: float | None = None,
    batch_tokens: float | None = None,
    porian_batch_tokens: float | None = None,
    deepseek_batch_tokens: float | None = None,
) -> go.Figure:
    """Kaplan's B_crit(L) over loss, the target loss marked, and the batch sizes to compare
    (`critical_batch_marks`; only the curve when the values are not given, as the page keeps it).
    Assembled as one dict (a figure built by updates took three times as long).
    """
    x_range = (float(loss.min()), float(loss.max()))
    traces = [
        {
            "type": "scatter",
            "x": loss,
            "y": b_crit,
            "mode": "lines",
            "line": {"color": KAPLAN_COLOUR, "width": 3},
            "name": "Kaplan B_crit(L) = 2e8 / L^(1/0.21)",
            "customdata": [_tokens(b) for b in b_crit],
            "hovertemplate": "loss %{x:.3f} nats/token<br>B_crit %{customdata}<extra></extra>",
        },
        # the target loss's marker (`critical_batch_marks`) in the legend
        legend_key("target loss", symbol="circle", fill="white", outline_width=2),
    ]
    low, high = _critical_extent(b_crit, ())
    layout = base_layout(title="Critical batch size against loss", height=460)
    layout.update(
        legend={"orientation": "h", "y": -0.22, "x": 0},
        xaxis={"title": {"text": "target loss L (nats/token)"}, "range": list(x_range)},
        yaxis=log_axis_dict(low, high, "batch size B (tokens)"),
    )
    fig = go.Figure(data=traces, layout=layout)
    if (
        target_loss is None
        or batch_tokens is None
        or porian_batch_tokens is None
        or deepseek_batch_tokens is None
    ):
        return fig
    marks = critical_batch_marks(
        loss,
        b_crit,
        target_loss=target_loss,
        batch_tokens=batch_tokens,
        porian_batch_tokens=porian_batch_tokens,
        deepseek_batch_tokens=deepseek_batch_tokens,
    )
    return with_overlay(fig, marks)


def _critical_extent(b_crit: np.ndarray, batches: tuple[float, ...]) -> tuple[float, float]:
    values = np.concatenate([b_crit, np.asarray(batches, dtype=float)])
    return float(values.min()) / 1.5, float(values.max()) * 1.5


def critical_batch_marks(
    loss: np.ndarray,
    b_crit: np.ndarray,
    *,
    target_loss: float,
    batch_tokens: float,
    porian_batch_tokens: float,
    deepseek_batch_tokens: float,
) -> Overlay:
    """What the run and batch sliders move on `critical_batch_figure`: horizontal lines at the
    chosen batch, Porian et al.'s B*(N) and DeepSeek's B_opt(C), each labelled with its value,
    and the target loss on the curve; the batch axis widens when a line leaves the curve's."""
    x_lo, x_hi = float(loss.min()), float(loss.max())
    batches = (batch_tokens, porian_batch_tokens, deepseek_batch_tokens)
    low, high = _critical_extent(b_crit, batches)  # the batch axis's range, widened or not
    lines = (
        (batch_tokens, "your batch", YOUR_BATCH_COLOUR, "solid"),
        (porian_batch_tokens, "Porian B*(N)", PORIAN_COLOUR, "dash"),
        (deepseek_batch_tokens, "DeepSeek B_opt(C)", DEEPSEEK_COLOUR, "dot"),
    )
    heights = [float(np.log(value / low) / np.log(high / low)) for value, *_ in lines]
    shapes, labels = [], []
    for (value, name, colour, dash), bottom in zip(lines, stacked_labels(heights), strict=True):
        shapes.append(
            {
                "type": "line",
                "xref": "x domain",
                "yref": "y",
                "x0": 0,
                "x1": 1,
                "y0": value,
                "y1": value,
                "line": {"color": colour, "width": 2, "dash": dash},
                "showlegend": True,
                "name": name,
            }
        )
        labels.append(
            {
                "text": _tokens(value),
                "xref": "x domain",
                "yref": "y domain",
                "x": 1,
                "y": bottom,
                "xanchor": "right",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 11, "color": colour},
                "bgcolor": "rgba(255,255,255,0.8)",
                "hovertext": f"{name}: {_tokens(value)}",
            }
        )
    overlay: Overlay = {"shapes": shapes, "annotations": labels}
    if x_lo <= target_loss <= x_hi:
        b_target = float(np.interp(target_loss, loss, b_crit))
        overlay["shapes"].append(
            point_marker(
                target_loss,
                b_target,
                symbol="circle",
                fill="white",
                name="target loss",
                outline_width=2,
            )
        )
        overlay["annotations"].append(
            point_label(
                (target_loss, float(np.log10(b_target))),
                f"target loss {target_loss:.3f}",
                f"target loss {target_loss:.3f} nats/token<br>B_crit {_tokens(b_target)}",
            )
        )
    widen_axis(overlay, "yaxis", _critical_extent(b_crit, batches), _critical_extent(b_crit, ()))
    return overlay


#: Height of a batch line's value label as a fraction of the critical-batch plot's height: an
#: 11 px label in its box is about 16 px, on a plot 180-230 px high (a phone's legend takes
#: more rows, so its plot is lower).
LABEL_HEIGHT = 0.09


def stacked_labels(heights: list[float], label_height: float = LABEL_HEIGHT) -> list[float]:
    """Where each horizontal line's label goes, as the bottom of its box in fractions of the
    plot's height, for lines at ``heights`` (same units): just above its line, else just below
    it, wherever the box meets no other label and crosses no other line; failing both, under
    the lowest label placed so far, so that no two labels ever overlap.  Labels are all at the
    plot's right end, where Kaplan's B_crit(L), falling with the loss, is lowest, away from the
    lines (their labels had sat on the curve at the left)."""
    bottoms = [0.0] * len(heights)
    placed: list[float] = []

    def free(index: int, bottom: float) -> bool:
        top = bottom + label_height
        return (
            bottom >= 0
            and top <= 1
            and all(abs(bottom - other) >= label_height for other in placed)
            and not any(bottom < heights[j] < top for j in range(len(heights)) if j != index)
        )

    for index in sorted(range(len(heights)), key=lambda i: -heights[i]):
        height = heights[index]
        above, below = height, height - label_height
        ceiling = min(placed, default=1.0)
        bottoms[index] = next(
            (b for b in (above, below) if free(index, b)), min(height, ceiling - label_height)
        )
        placed.append(bottoms[index])
    return bottoms


def tradeoff_axis_max(b_crit: float, batch_tokens: float, porian_batch_tokens: float) -> float:
    """The trade-off figure's axes' end: a power of ten at least 3× the largest marker's ratio,
    between 10× and 100,000×."""
    ratios = [1.0 + b_crit / b for b in (batch_tokens, porian_batch_tokens)]
    ratios += [1.0 + b / b_crit for b in (batch_tokens, porian_batch_tokens)]
    return float(np.clip(10 ** np.ceil(np.log10(3 * max(ratios))), 10.0, 1e5))


#: The markers on the trade-off hyperbola, in `tradeoff_marks`' order: name, fill, symbol.
_TRADEOFF_MARKS = (
    ("B = B_crit", "white", "diamond"),
    ("Porian B*(N)", PORIAN_COLOUR, "square"),
    ("your batch", YOUR_BATCH_COLOUR, "circle"),
)


def tradeoff_figure(
    tradeoff: TradeOff,
    *,
    b_crit: float | None = None,
    batch_tokens: float | None = None,
    porian_batch_tokens: float | None = None,
    axis_max: float | None = None,
) -> go.Figure:
    """The hyperbola (S/S_min − 1)(E/E_min − 1) = 1 traced by the batch size B, in units of
    B_crit (the same for every run), and the chosen batch, B = B_crit (twice the minimum steps
    and data) and Porian's B*(N) on it (`tradeoff_marks`; none without ``b_crit``).

    Both axes run from 1× to ``axis_max`` (default: `tradeoff_axis_max`).  Assembled as one
    dict, as `critical_batch_figure`.
    """
    if axis_max is None:
        if b_crit is None or batch_tokens is None or porian_batch_tokens is None:
            raise ValueError("tradeoff_figure needs axis_max, or b_crit and both batch sizes")
        axis_max = tradeoff_axis_max(b_crit, batch_tokens, porian_batch_tokens)
    keep = (tradeoff.steps_over_min <= axis_max) & (tradeoff.tokens_over_min <= axis_max)
    traces = [
        {
            "type": "scatter",
            "x": tradeoff.tokens_over_min[keep],
            "y": tradeoff.steps_over_min[keep],
            "mode": "lines",
            "line": {"color": KAPLAN_COLOUR, "width": 3},
            "name": "(S/S_min − 1)(E/E_min − 1) = 1",
            "customdata": [f"{r:.3g}" for r in tradeoff.tokens_over_min[keep] - 1.0],
            "hovertemplate": (
                "B = %{customdata} B_crit<br>E/E_min %{x:.3g}×<br>S/S_min %{y:.3g}×<extra></extra>"
            ),
        },
        *(legend_key(name, symbol=symbol, fill=fill) for name, fill, symbol in _TRADEOFF_MARKS),
    ]
    layout = base_layout(title="Steps against data at the target loss", height=460)
    layout.update(
        legend={"orientation": "h", "y": -0.22, "x": 0},
        xaxis=dense_log_axis(
            1.0, axis_max, "tokens processed E / E_min (×, data efficiency)", _times
        ),
        yaxis=dense_log_axis(1.0, axis_max, "optimiser steps S / S_min (×)", _times),
    )
    fig = go.Figure(data=traces, layout=layout)
    if b_crit is None or batch_tokens is None or porian_batch_tokens is None:
        return fig
    return with_overlay(
        fig, tradeoff_marks(b_crit, batch_tokens, porian_batch_tokens, axis_max=axis_max)
    )


def tradeoff_marks(
    b_crit: float, batch_tokens: float, porian_batch_tokens: float, *, axis_max: float
) -> Overlay:
    """What the run and batch sliders move on `tradeoff_figure`: B = B_crit, Porian's B*(N)
    and the chosen batch on the hyperbola (a marker beyond ``axis_max`` is left out), the
    chosen batch labelled with its size and ratios."""
    shapes, annotations = [], []
    batches = (b_crit, porian_batch_tokens, batch_tokens)
    for batch, (name, fill, symbol) in zip(batches, _TRADEOFF_MARKS, strict=True):
        steps_ratio = 1.0 + b_crit / batch
        tokens_ratio = 1.0 + batch / b_crit
        if steps_ratio > axis_max or tokens_ratio > axis_max:
            continue
        shapes.append(point_marker(tokens_ratio, steps_ratio, symbol=symbol, fill=fill, name=name))
        if name == "your batch":
            annotations.append(
                point_label(
                    (float(np.log10(tokens_ratio)), float(np.log10(steps_ratio))),
                    f"your batch {_tokens(batch)}",
                    f"your batch: B {_tokens(batch)}<br>E/E_min {tokens_ratio:.3g}×"
                    f"<br>S/S_min {steps_ratio:.3g}×",
                )
            )
    return {"shapes": shapes, "annotations": annotations}
