"""Shared look of the dashboard's figures: layout defaults and readable log axes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

from charts.format import format_count, log_ticks

#: Plotly's white look, layout part only, built once.  Naming "plotly_white" in each layout
#: made plotly deep-copy its whole template (trace defaults included) for every figure: about
#: 14 ms of a figure's build and most of a page rerun on the server.  In the app Streamlit's
#: theme styles the chart; the template shapes the downloaded HTML.
WHITE_TEMPLATE: go.layout.Template = go.layout.Template(layout=pio.templates["plotly_white"].layout)

#: ... and registered as plotly's default, which plotly attaches to each new figure without
#: validating it again: ~0.5 ms a figure where a template in the layout cost ~3 ms (a copy and
#: a validation of the template per figure).  The figures' JSON is the same either way
#: (tests/test_format.py).  Every figure of this app comes from `charts`, which imports this.
pio.templates["scaling_explorer"] = WHITE_TEMPLATE
pio.templates.default = "scaling_explorer"

#: Paul Tol's "muted" qualitative scheme (P. Tol, "Colour Schemes", SRON/EPS/TN/09-002, 2021,
#: fig. 4 and https://personal.sron.nl/~pault/): nine hues chosen to stay apart for readers
#: with the common forms of colour blindness, with his note that they suit lines on white.
#: Black is added for the user's own fits. tests/test_style.py measures the CIEDE2000
#: distance between every two, as printed and under simulated deuteranopia and protanopia.
TOL_MUTED: dict[str, str] = {
    "rose": "#CC6677",
    "indigo": "#332288",
    "sand": "#DDCC77",
    "green": "#117733",
    "cyan": "#88CCEE",
    "wine": "#882255",
    "teal": "#44AA99",
    "olive": "#999933",
    "purple": "#AA4499",
}
#: One colour per source (paper or released sweep): every law and sweep fit of a source takes
#: its colour, and fits of one source are told apart by their line style (`LAW_STYLES`).
SOURCE_COLOURS: dict[str, str] = {
    "kaplan": TOL_MUTED["sand"],
    "hoffmann": TOL_MUTED["rose"],
    "epoch": TOL_MUTED["green"],
    "muennighoff": TOL_MUTED["wine"],
    "porian": TOL_MUTED["indigo"],
    "olmo": TOL_MUTED["cyan"],
    "gadre": TOL_MUTED["teal"],
    "gemstones": TOL_MUTED["purple"],
    "pythia": TOL_MUTED["olive"],
    "user": "#000000",
}
#: (source, plotly line dash) of every law preset and published sweep, by key: the same on
#: every page.  Sardana & Frankle use Hoffmann et al.'s form and constants, so they share its
#: colour; a sweep fitted here shares its authors' colour when they also published a law.
LAW_STYLES: dict[str, tuple[str, str]] = {
    "kaplan-2020": ("kaplan", "solid"),
    "kaplan-2020-frontier": ("kaplan", "dash"),
    "chinchilla-2022-unrounded": ("hoffmann", "solid"),
    "chinchilla-2022": ("hoffmann", "dash"),
    "chinchilla-2022-approach1": ("hoffmann", "dot"),
    "chinchilla-2022-approach2": ("hoffmann", "dashdot"),
    "sardana-frankle-2023": ("hoffmann", "longdash"),
    "epoch-2024": ("epoch", "solid"),
    "muennighoff-2023": ("muennighoff", "solid"),
    "porian-2024-tuned": ("porian", "solid"),
    "porian-2024-kaplan": ("porian", "dot"),
    "porian-2024-head": ("porian", "dash"),
    "porian-2024-warmup": ("porian", "dashdot"),
    "porian-2024-cosine": ("porian", "longdash"),
    # published sweeps fitted on the Published sweeps page (`sweep_key` of their keys)
    "sweep:olmo-ladder": ("olmo", "solid"),
    "sweep:gadre-2024": ("gadre", "solid"),
    "sweep:gemstones-cooldown": ("gemstones", "solid"),
    "sweep:pythia": ("pythia", "solid"),
    "sweep:muennighoff-2023": ("muennighoff", "dot"),
    "sweep:porian-2024": ("porian", "longdashdot"),
    # the user's own fits (Fit your runs)
    "your-fit": ("user", "solid"),
    "your-fit-kaplan": ("user", "dash"),
}
#: Colours per law key, stable across pages so a law keeps its colour everywhere.
LAW_COLOURS: dict[str, str] = {
    key: SOURCE_COLOURS[source] for key, (source, _) in LAW_STYLES.items()
}
#: Keys not listed (none today) cycle through the scheme's hues in a dotted line.
_FALLBACK = tuple(TOL_MUTED.values())


#: One colour per step of Porian et al. 2024's Table 1, in order (a) Kaplan reproduction to
#: (e) tuned, on every chart that draws the steps side by side (the frontier page's N_opt(C)
#: per step, the per-budget optima of the frontier and Published pages): the steps share
#: Porian's colour elsewhere, told apart by line style, which points and error bars cannot
#: show and which left five lines of one colour on one chart.  (e) keeps Porian's colour;
#: none is a colour of a law drawn beside them (Chinchilla's rose, Epoch AI's green).
PORIAN_STEP_COLOURS: dict[str, str] = {
    "porian-2024-kaplan": "#E69F00",
    "porian-2024-head": "#0072B2",
    "porian-2024-warmup": "#D55E00",
    "porian-2024-cosine": "#8C564B",
    "porian-2024-tuned": SOURCE_COLOURS["porian"],
}


def sweep_key(key: str) -> str:
    """The style key of our fit of published sweep ``key`` (distinct from its authors' law)."""
    return f"sweep:{key}"


def law_colour(key: str, index: int = 0) -> str:
    """The colour of a law's (or sweep fit's) traces, the same on every chart."""
    if key in LAW_COLOURS:
        return LAW_COLOURS[key]
    return _FALLBACK[index % len(_FALLBACK)]


#: The marker of a law drawn as a point (the plan page's recommendations), one per line style,
#: so that fits of one source stay apart where there is no line.
DASH_MARKERS: dict[str, str] = {
    "solid": "circle",
    "dash": "square",
    "dot": "diamond",
    "dashdot": "triangle-up",
    "longdash": "pentagon",
    "longdashdot": "hexagram",
}


def law_marker(key: str) -> str:
    """The marker symbol of a law drawn as a point (see `DASH_MARKERS`)."""
    return DASH_MARKERS[law_dash(key)]


def law_dash(key: str) -> str:
    """The line style of a law's traces: fits of one source share a colour, not a style."""
    return LAW_STYLES.get(key, ("", "dot"))[1]


#: Short names for the sidebar pickers, whose chips cut long labels (the full label is in the
#: legends and tables).
SHORT_LABELS: dict[str, str] = {
    "kaplan-2020": "Kaplan 2020 (eq. 1.5)",
    "kaplan-2020-frontier": "Kaplan 2020 frontier",
    "chinchilla-2022": "Chinchilla A3 (eq. 10)",
    "chinchilla-2022-unrounded": "Chin. A3 (unrounded)",
    "chinchilla-2022-approach1": "Chinchilla A1",
    "chinchilla-2022-approach2": "Chinchilla A2",
    "epoch-2024": "Epoch 2024",
    "muennighoff-2023": "Muennighoff 2023",
    "sardana-frankle-2023": "Sardana & Frankle 2023",
    "porian-2024-kaplan": "Porian: Kaplan setup",
    "porian-2024-head": "Porian: + head",
    "porian-2024-warmup": "Porian: + warmup",
    "porian-2024-cosine": "Porian: + cosine",
    "porian-2024-tuned": "Porian: + tuned",
    "your-fit": "Your fit",
    "your-fit-kaplan": "Your fit (Kaplan)",
}


#: A legend of a few entries under the x axis, flowing into rows: on the right it took a
#: third of a phone's plot (the extrapolation check's points had 80 px).
LEGEND_BELOW = {"orientation": "h", "yanchor": "top", "y": -0.25, "x": 0, "xanchor": "left"}

#: A slim colour bar titled above it (Plotly's default, 30 px with its title along the side,
#: took 60 px of a phone's 358 px plot).
SLIM_COLORBAR = {"thickness": 12, "xpad": 6}

#: Height of the band at a figure's top kept free for Plotly's toolbar (26 px tall, 2 px from the
#: top; the title's box reached 4 px into it at 28, measured in Chromium).
MODEBAR_PX = 36


def base_layout(*, title: str, height: int = 460) -> dict:
    """Layout defaults: title, margins, readable fonts, white template, unified legend.

    The title hangs below a band of ``MODEBAR_PX`` at the figure's top, where Plotly's toolbar
    appears on hover: on a phone a long title reached under the toolbar and was hidden by it.
    """
    return {
        "title": {
            "text": title,
            "x": 0.0,
            "xanchor": "left",
            "yref": "container",
            "y": 1.0,
            "yanchor": "top",
            "pad": {"t": MODEBAR_PX},
            "font": {"size": 16},
        },
        "height": height,
        "margin": {"l": 70, "r": 20, "t": MODEBAR_PX + 34, "b": 60},
        "font": {"size": 13},
        "hoverlabel": {"font": {"size": 12}},
    }


def fixed_margins(fig: go.Figure) -> go.Figure:
    """Turn off Plotly's automatic margins on every 2-D axis that does not ask for them, in
    place, and return ``fig``.

    With ``automargin`` (Plotly's default in its white template) every redraw measures each
    tick label's box in the browser and then lays the figure out a second time: on the
    overfitting page that was a third of a slider move's redraw (0.55 s against 0.37 s without
    it, Chromium, `benchmarks/bench_browser.py`).  The margins of `base_layout` (70 px left,
    60 below) hold the dashboard's tick labels and axis titles; a figure that needs more sets
    its own margin, or ``automargin=True`` on that axis, which is kept.
    """
    layout = fig.layout
    for name in layout:
        if name.startswith(("xaxis", "yaxis")) and layout[name].automargin is None:
            layout[name].automargin = False
    return fig


def log_axis_extent(
    low: float,
    high: float,
    formatter: Callable[[float], str] = format_count,
    *,
    max_labels: int | None = None,
) -> dict:
    """The range and tick labels of a log axis from low to high (`log_axis_dict`'s): what an
    `Overlay` changes when a marker moves outside the axis's range."""
    ticks, text = log_ticks(low, high, formatter, max_labels=max_labels)
    return {
        "range": [float(np.log10(low)), float(np.log10(high))],
        "tickvals": ticks,
        "ticktext": text,
    }


def widen_axis(
    overlay: Overlay,
    axis: str,
    extent: tuple[float, float],
    bare: tuple[float, float],
    formatter: Callable[[float], str] = format_count,
) -> None:
    """Give ``overlay`` the log axis ``axis`` ("xaxis", "yaxis") from ``extent`` when it differs
    from ``bare``, the figure's own: only when what the overlay marks lies outside the figure's
    data, since a changed axis makes Plotly redraw the whole chart."""
    if extent != bare:
        overlay[axis] = log_axis_extent(*extent, formatter)


def log_axis_dict(
    low: float,
    high: float,
    title: str,
    formatter: Callable[[float], str] = format_count,
    *,
    max_labels: int | None = None,
) -> dict:
    """A log axis from low to high with readable ticks, as a layout dict (cheaper than updates).

    With ``max_labels`` (`charts.format.log_ticks`) the labels are thinned, kept level, and
    every decade keeps its grid line: a narrow panel (a phone's 2 × 2 grid) no longer turns
    eleven labels on end into its axis title."""
    axis = {
        "title": {"text": title},
        "type": "log",
        **log_axis_extent(low, high, formatter, max_labels=max_labels),
        "showgrid": True,
    }
    if max_labels is not None:
        decades = log_ticks(low, high, formatter)[0]
        axis["tickangle"] = 0
        axis["minor"] = {"tickvals": decades, "showgrid": True, "ticks": ""}
    return axis


def apply_log_axis(
    fig: go.Figure,
    axis: str,
    low: float,
    high: float,
    title: str,
    *,
    formatter: Callable[[float], str] = format_count,
    log_coordinates: bool = False,
    row: int | None = None,
    col: int | None = None,
) -> None:
    """Make ``axis`` ("x" or "y") a log axis from low to high with readable tick labels.

    With ``log_coordinates`` the traces are plotted in log10 units on a linear axis (contour
    maps); otherwise the axis itself is logarithmic.
    """
    ticks, text = log_ticks(low, high, formatter)
    update = {"title": {"text": title}, "ticktext": text, "showgrid": True}
    if log_coordinates:
        update.update(
            tickvals=list(np.log10(ticks)), range=[np.log10(low), np.log10(high)], type="linear"
        )
    else:
        update.update(tickvals=ticks, type="log", range=[np.log10(low), np.log10(high)])
    kwargs = {} if row is None else {"row": row, "col": col}
    if axis == "x":
        fig.update_xaxes(**update, **kwargs)
    else:
        fig.update_yaxes(**update, **kwargs)


#: What a slider moves on a figure, drawn over it: layout ``shapes`` and ``annotations`` added
#: after the figure's own, and axis dicts (``xaxis``, ``yaxis``) merged into the figure's.
#: Plain JSON values; `dashboard.live_chart.show_live_chart` sends it beside a figure kept
#: unchanged, and the browser redraws only what it changes.
Overlay = dict[str, Any]

#: Label of the chosen run's marker on every chart that marks it.
RUN_LABEL = "your run"


def with_overlay(fig: go.Figure, overlay: Overlay | None) -> go.Figure:
    """A copy of ``fig`` with ``overlay`` drawn over it (what a live chart shows), or ``fig``
    itself when there is none."""
    if not overlay:
        return fig
    out = go.Figure(fig)
    for name, value in overlay.items():
        if name in ("shapes", "annotations"):
            out.layout[name] = tuple(out.layout[name]) + tuple(value)
        else:
            out.layout[name].update(value)
    return out


def _pixel_path(x: float, y: float, path: str) -> dict:
    """A layout shape drawn by ``path`` in pixels around data coordinates (``x``, ``y``)."""
    return {
        "type": "path",
        "xref": "x",
        "yref": "y",
        "xsizemode": "pixel",
        "ysizemode": "pixel",
        "xanchor": x,
        "yanchor": y,
        "path": path,
    }


def error_bar(x: float, low: float, high: float, *, colour: str, width: float = 1.5) -> list[dict]:
    """A vertical error bar from ``low`` to ``high`` at ``x`` (data coordinates) with 8-pixel
    caps, as layout shapes: three lines in ``colour``."""
    line = {"color": colour, "width": width}
    return [
        {"type": "line", "xref": "x", "yref": "y", "x0": x, "x1": x, "y0": low, "y1": high,
         "line": line},
        {**_pixel_path(x, low, "M-4,0H4"), "line": line},
        {**_pixel_path(x, high, "M-4,0H4"), "line": line},
    ]  # fmt: skip


def point_label(at: tuple[float, float], text: str, hovertext: str) -> dict:
    """An annotation ``text`` just right of a marker at ``at`` (where Plotly places
    annotations: log10 of the value on a log axis), ``hovertext`` on hover."""
    return {
        "x": at[0],
        "y": at[1],
        "xref": "x",
        "yref": "y",
        "text": text,
        "showarrow": False,
        "xanchor": "left",
        "xshift": 10,
        "font": {"size": 12, "color": "black"},
        "bgcolor": "rgba(255,255,255,0.75)",
        "hovertext": hovertext,
    }


def run_marker(
    x: float,
    y: float,
    *,
    label_at: tuple[float, float],
    hovertext: str,
    colour: str = "#d62728",
) -> Overlay:
    """The chosen run as an overlay: a cross 12 px wide in ``colour`` outlined in black, at data
    coordinates (``x``, ``y``), and a "your run" label beside it (`point_label`) with
    ``hovertext``.  A shape, not a marker trace: Plotly redraws a moved shape alone, while a
    changed trace makes it recompute and redraw every trace of the chart."""
    cross = _pixel_path(x, y, "M-6,-6L6,6M-6,6L6,-6")
    return {
        "shapes": [
            {**cross, "line": {"color": "black", "width": 5}},
            {**cross, "line": {"color": colour, "width": 2.5}},
        ],
        "annotations": [point_label(label_at, RUN_LABEL, hovertext)],
    }


def _symbol_path(symbol: str, radius: float) -> str:
    """SVG path of a marker symbol (circle, square, diamond) ``radius`` pixels around a point;
    the circle a 24-gon (a pixel-sized path draws no arcs, and a pixel-sized circle shape came
    out squashed on a chart with one log axis)."""
    if symbol == "square":
        r = 0.92 * radius
        return f"M{-r:.2f},{-r:.2f}H{r:.2f}V{r:.2f}H{-r:.2f}Z"
    if symbol == "diamond":
        r = 1.23 * radius
        return f"M0,{-r:.2f}L{r:.2f},0L0,{r:.2f}L{-r:.2f},0Z"
    angles = 2 * np.pi * np.arange(24) / 24
    points = "L".join(f"{radius * np.cos(a):.2f},{radius * np.sin(a):.2f}" for a in angles)
    return f"M{points}Z"


def legend_key(
    name: str,
    *,
    symbol: str,
    fill: str,
    outline: str = "black",
    outline_width: float = 1.0,
    radius: float = 6.5,
) -> dict:
    """A legend entry drawn like a `point_marker` of the same arguments: a trace with no point
    (a figure kept while a slider moves the marker carries it, so the legend stays put)."""
    return {
        "type": "scatter",
        "x": [None],
        "y": [None],
        "mode": "markers",
        "marker": {
            "symbol": symbol,
            "size": 2 * radius * (1.23 if symbol == "diamond" else 1.0),
            "color": fill,
            "line": {"color": outline, "width": outline_width},
        },
        "name": name,
        "hoverinfo": "skip",
    }


def point_marker(
    x: float,
    y: float,
    *,
    symbol: str,
    fill: str,
    name: str,
    outline: str = "black",
    outline_width: float = 1.0,
    radius: float = 6.5,
    showlegend: bool = False,
) -> dict:
    """A marker as a layout shape (pixel-sized, filled, outlined: a circle, square or diamond)
    ``radius`` pixels wide at data coordinates (``x``, ``y``), named ``name``: what a slider
    moves on a figure drawn once.  Its legend entry is a `legend_key` trace in that figure:
    Plotly draws a shape's own legend entry as one generic symbol whatever the shape (with
    ``showlegend``, the shape is listed so all the same)."""
    return {
        **_pixel_path(x, y, _symbol_path(symbol, radius)),
        "fillcolor": fill,
        "line": {"color": outline, "width": outline_width},
        "showlegend": showlegend,
        "name": name,
    }
