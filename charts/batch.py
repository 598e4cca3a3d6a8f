"""Figures of the batch-size page: B_crit against loss, and the steps/tokens trade-off."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from charts.format import format_count
from charts.plan import dense_log_axis
from charts.style import base_layout, law_colour, log_axis_dict
from scaling_core.batch import TradeOff

YOUR_BATCH_COLOUR = "#ff4b4b"
PORIAN_COLOUR = law_colour("porian-2024-tuned")
DEEPSEEK_COLOUR = "#8c564b"
KAPLAN_COLOUR = law_colour("kaplan-2020")


def _tokens(value: float) -> str:
    return f"{format_count(value)} tokens"


def _times(value: float) -> str:
    return f"{format_count(value)}×"


def _hline(x_range: tuple[float, float], y: float, name: str, colour: str, dash: str) -> dict:
    return {
        "type": "scatter",
        "x": list(x_range),
        "y": [y, y],
        "mode": "lines",
        "line": {"color": colour, "width": 2, "dash": dash},
        "name": f"{name}: {_tokens(y)}",
        "hovertemplate": f"{name}<br>{_tokens(y)}<extra></extra>",
    }


def critical_batch_figure(
    loss: np.ndarray,
    b_crit: np.ndarray,
    *,
    target_loss: float,
    batch_tokens: float,
    porian_batch_tokens: float,
    deepseek_batch_tokens: float,
) -> go.Figure:
    """Kaplan's B_crit(L) over loss, the target loss marked, and the batch sizes to compare.

    Horizontal lines: the chosen batch, Porian et al.'s B*(N) and DeepSeek's B_opt(C).
    Assembled as one dict (a figure built by updates took three times as long on each move).
    """
    x_range = (float(loss.min()), float(loss.max()))
    b_target = float(np.interp(target_loss, loss, b_crit)) if x_range[0] <= target_loss else None
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
        _hline(x_range, batch_tokens, "your batch", YOUR_BATCH_COLOUR, "solid"),
        _hline(x_range, porian_batch_tokens, "Porian B*(N)", PORIAN_COLOUR, "dash"),
        _hline(x_range, deepseek_batch_tokens, "DeepSeek B_opt(C)", DEEPSEEK_COLOUR, "dot"),
    ]
    if b_target is not None and target_loss <= x_range[1]:
        traces.append(
            {
                "type": "scatter",
                "x": [target_loss],
                "y": [b_target],
                "mode": "markers",
                "marker": {"size": 13, "color": "white", "line": {"color": "black", "width": 2}},
                "name": f"target loss {target_loss:.3f}",
                "hovertemplate": (
                    f"target loss {target_loss:.3f} nats/token<br>B_crit {_tokens(b_target)}"
                    "<extra></extra>"
                ),
            }
        )
    values = np.concatenate([b_crit, [batch_tokens, porian_batch_tokens, deepseek_batch_tokens]])
    low, high = float(values.min()) / 1.5, float(values.max()) * 1.5
    layout = base_layout(title="Critical batch size against loss", height=460)
    layout.update(
        legend={"orientation": "h", "y": -0.22, "x": 0},
        xaxis={"title": {"text": "target loss L (nats/token)"}, "range": list(x_range)},
        yaxis=log_axis_dict(low, high, "batch size B (tokens)"),
    )
    return go.Figure(data=traces, layout=layout)


def tradeoff_figure(
    tradeoff: TradeOff,
    *,
    b_crit: float,
    batch_tokens: float,
    porian_batch_tokens: float,
    axis_max: float | None = None,
) -> go.Figure:
    """The hyperbola (S/S_min − 1)(E/E_min − 1) = 1 traced by the batch size B.

    Markers: the chosen batch, B = B_crit (twice the minimum steps and data) and Porian's B*(N).
    Both axes run from 1× to ``axis_max`` (default: a power of ten at least 3× the largest
    marker's ratio, between 10× and 100,000×).  Assembled as one dict, as `critical_batch_figure`.
    """
    if axis_max is None:
        ratios = [1.0 + b_crit / b for b in (batch_tokens, porian_batch_tokens)]
        ratios += [1.0 + b / b_crit for b in (batch_tokens, porian_batch_tokens)]
        axis_max = float(np.clip(10 ** np.ceil(np.log10(3 * max(ratios))), 10.0, 1e5))
    keep = (tradeoff.steps_over_min <= axis_max) & (tradeoff.tokens_over_min <= axis_max)
    traces = [
        {
            "type": "scatter",
            "x": tradeoff.tokens_over_min[keep],
            "y": tradeoff.steps_over_min[keep],
            "mode": "lines",
            "line": {"color": KAPLAN_COLOUR, "width": 3},
            "name": "(S/S_min − 1)(E/E_min − 1) = 1",
            "customdata": [_tokens(b) for b in tradeoff.batch_tokens[keep]],
            "hovertemplate": (
                "B %{customdata}<br>E/E_min %{x:.3g}×<br>S/S_min %{y:.3g}×<extra></extra>"
            ),
        }
    ]

    def point(batch: float, name: str, colour: str, symbol: str) -> None:
        steps_ratio = 1.0 + b_crit / batch
        tokens_ratio = 1.0 + batch / b_crit
        if steps_ratio > axis_max or tokens_ratio > axis_max:
            return
        traces.append(
            {
                "type": "scatter",
                "x": [tokens_ratio],
                "y": [steps_ratio],
                "mode": "markers",
                "marker": {
                    "size": 14,
                    "color": colour,
                    "symbol": symbol,
                    "line": {"color": "black", "width": 1},
                },
                "name": f"{name}: {_tokens(batch)}",
                "hovertemplate": (
                    f"{name}: B {_tokens(batch)}<br>E/E_min {tokens_ratio:.3g}×"
                    f"<br>S/S_min {steps_ratio:.3g}×<extra></extra>"
                ),
            }
        )

    point(b_crit, "B = B_crit", "white", "diamond")
    point(porian_batch_tokens, "Porian B*(N)", PORIAN_COLOUR, "square")
    point(batch_tokens, "your batch", YOUR_BATCH_COLOUR, "circle")
    layout = base_layout(title="Steps against data at the target loss", height=460)
    layout.update(
        legend={"orientation": "h", "y": -0.22, "x": 0},
        xaxis=dense_log_axis(
            1.0, axis_max, "tokens processed E / E_min (×, data efficiency)", _times
        ),
        yaxis=dense_log_axis(1.0, axis_max, "optimiser steps S / S_min (×)", _times),
    )
    return go.Figure(data=traces, layout=layout)
