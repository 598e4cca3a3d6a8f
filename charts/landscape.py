"""Loss landscape figures: L(N, D) as a log-log contour map or a 3-D surface."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from charts.format import format_compute, format_count, log_ticks
from charts.style import (
    RUN_LABEL,
    SLIM_COLORBAR,
    Overlay,
    apply_log_axis,
    base_layout,
    run_marker,
    with_overlay,
)

#: Name of the trace that marks the chosen run on the 3-D surface (moved by `place_run`); the
#: contour map labels its marker the same (`run_overlay`).
RUN_TRACE = RUN_LABEL


def _grid_hover(n_params: np.ndarray, n_tokens: np.ndarray) -> np.ndarray:
    """'N 1.2B · D 20B' for every cell (rows N, columns D), formatted once per axis."""
    n_labels = np.array([f"N {format_count(n)}" for n in n_params])[:, None]
    d_labels = np.array([f" · D {format_count(d)}" for d in n_tokens])[None, :]
    # A fixed-width string array, not an object array: plotly copies data arrays when they are
    # set, and an object array is copied string by string (most of the figure's build time).
    return np.char.add(n_labels, d_labels)


#: The loss scale, slim and titled above (`SLIM_COLORBAR`): the default left a phone's map
#: 175 px wide. The units are in every hover.
LOSS_COLORBAR = {**SLIM_COLORBAR, "title": {"text": "loss", "side": "top"}}


def landscape_figure(
    n_params: np.ndarray,
    n_tokens: np.ndarray,
    loss: np.ndarray,
    *,
    iso_flops: list[float],
    optimal_n: np.ndarray,
    optimal_d: np.ndarray,
    point: tuple[float, float, float] | None,
    law_label: str,
    unit: str = "FLOP",
) -> go.Figure:
    """Contour map of ``loss`` (rows N, columns D) on log axes, with IsoFLOP lines C = 6ND
    labelled in the compute ``unit``, the compute-optimal path and the chosen run marked
    (`run_overlay`; none without ``point``)."""
    log_n, log_d = np.log10(n_params), np.log10(n_tokens)
    hover = _grid_hover(n_params, n_tokens)
    fig = go.Figure(
        go.Contour(
            x=log_d,
            y=log_n,
            z=loss,
            customdata=hover,
            hovertemplate="%{customdata}<br>loss %{z:.3f} nats/token<extra></extra>",
            colorscale="Viridis_r",
            # Dark numbers with a white halo (plotly's "auto" shadow): white ones vanished on the
            # yellow, low-loss part of Viridis_r, where the runs people care about sit.
            contours={
                "coloring": "heatmap",
                "showlabels": True,
                "labelfont": {"size": 11, "color": "#1a1a1a", "shadow": "auto"},
            },
            ncontours=24,
            colorbar=LOSS_COLORBAR,
            line={"width": 0.5},
            name="loss",
        )
    )
    d_lo, d_hi = float(n_tokens.min()), float(n_tokens.max())
    n_lo, n_hi = float(n_params.min()), float(n_params.max())
    for compute in iso_flops:
        d_line = np.geomspace(d_lo, d_hi, 60)
        n_line = compute / (6 * d_line)
        keep = (n_line >= n_lo) & (n_line <= n_hi)
        if keep.sum() < 2:
            continue
        fig.add_trace(
            go.Scatter(
                x=np.log10(d_line[keep]),
                y=np.log10(n_line[keep]),
                mode="lines",
                line={"color": "rgba(255,255,255,0.8)", "width": 1, "dash": "dot"},
                name=f"C = {format_compute(compute, unit)}",
                hovertemplate=f"IsoFLOP C = {format_compute(compute, unit)}<extra></extra>",
                showlegend=False,
            )
        )
        first = int(np.argmax(keep))  # where the line enters the map, at its top or left edge
        fig.add_annotation(
            x=np.log10(d_line[first]),
            y=np.log10(n_line[first]),
            text=format_compute(compute, unit),
            showarrow=False,
            xanchor="left",
            yanchor="top",
            font={"size": 10, "color": "white"},
            bgcolor="rgba(0,0,0,0.6)",
        )
    keep = (optimal_n >= n_lo) & (optimal_n <= n_hi) & (optimal_d >= d_lo) & (optimal_d <= d_hi)
    fig.add_trace(
        go.Scatter(
            x=np.log10(optimal_d[keep]),
            y=np.log10(optimal_n[keep]),
            mode="lines",
            line={"color": "#ff4b4b", "width": 3},
            name="compute-optimal path",
            customdata=[
                f"N {format_count(n)} · D {format_count(d)}"
                for n, d in zip(optimal_n[keep], optimal_d[keep], strict=True)
            ],
            hovertemplate="compute-optimal<br>%{customdata}<extra></extra>",
        )
    )
    fig.update_layout(**base_layout(title=f"Loss landscape: {law_label}", height=560))
    fig.update_layout(legend={"orientation": "h", "y": -0.18, "x": 0})
    apply_log_axis(fig, "x", d_lo, d_hi, "training tokens D", log_coordinates=True)
    apply_log_axis(fig, "y", n_lo, n_hi, "parameters N", log_coordinates=True)
    return fig if point is None else with_overlay(fig, run_overlay(point))


def run_overlay(point: tuple[float, float, float]) -> Overlay:
    """The chosen run (N, D, loss) on the contour map: a white cross labelled "your run", its
    numbers on hover (`charts.style.run_marker`), what the N and D sliders move, drawn over a
    landscape built once (a changed marker trace made Plotly recompute and redraw the whole
    contour map with its labels, about 200 ms a move)."""
    n_point, d_point, loss_point = point
    x, y = float(np.log10(d_point)), float(np.log10(n_point))  # the axes are log10 N and D
    return run_marker(
        x,
        y,
        label_at=(x, y),
        colour="white",
        hovertext=(
            f"{RUN_LABEL}<br>N {format_count(n_point)} · D {format_count(d_point)}"
            f"<br>loss {loss_point:.3f} nats/token"
        ),
    )


def surface_figure(
    n_params: np.ndarray,
    n_tokens: np.ndarray,
    loss: np.ndarray,
    *,
    point: tuple[float, float, float],
    law_label: str,
) -> go.Figure:
    """3-D surface of L(N, D) over log10 N and log10 D with the chosen run marked."""
    d_ticks, d_text = log_ticks(float(n_tokens.min()), float(n_tokens.max()))
    n_ticks, n_text = log_ticks(float(n_params.min()), float(n_params.max()))
    hover = _grid_hover(n_params, n_tokens)
    fig = go.Figure(
        [
            go.Surface(
                x=np.log10(n_tokens),
                y=np.log10(n_params),
                z=loss,
                customdata=hover,
                colorscale="Viridis_r",
                colorbar=LOSS_COLORBAR,
                hovertemplate="%{customdata}<br>loss %{z:.3f} nats/token<extra></extra>",
            ),
            go.Scatter3d(
                x=[],
                y=[],
                z=[],
                mode="markers",
                marker={"size": 6, "color": "red"},
                name=RUN_TRACE,
            ),
        ]
    )
    fig.update_layout(
        **base_layout(title=f"Loss surface: {law_label}", height=600),
        scene_camera={"eye": {"x": 1.6, "y": -1.6, "z": 0.9}},
        scene={
            "xaxis": {
                "title": {"text": "training tokens D"},
                "tickvals": np.log10(d_ticks),
                "ticktext": d_text,
            },
            "yaxis": {
                "title": {"text": "parameters N"},
                "tickvals": np.log10(n_ticks),
                "ticktext": n_text,
            },
            "zaxis": {"title": {"text": "loss (nats/token)"}},
        },
    )
    return place_run(fig, point)


def place_run(fig: go.Figure, point: tuple[float, float, float]) -> go.Figure:
    """Move the "your run" marker of a surface figure to (N, D, loss), in place.

    Everything else in the figure depends only on the law and the grid, so a page can keep
    one figure and call this on each slider move instead of building the figure again (the
    100 × 100 grid and its hover labels are most of a rerun's cost).  The contour map marks the
    run with `run_overlay` instead.
    """
    n_point, d_point, loss_point = point
    label = (
        f"your run<br>N {format_count(n_point)} · D {format_count(d_point)}"
        f"<br>loss {loss_point:.3f}<extra></extra>"
    )
    marker = next(trace for trace in fig.data if trace.name == RUN_TRACE)
    with fig.batch_update():
        if marker.type == "scatter3d":
            marker.update(x=[np.log10(d_point)], y=[np.log10(n_point)], z=[loss_point])
        else:
            marker.update(x=[np.log10(d_point)], y=[np.log10(n_point)])
        marker.hovertemplate = label
    return fig
