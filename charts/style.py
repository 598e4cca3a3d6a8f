"""Shared look of the dashboard's figures: layout defaults and readable log axes."""

from __future__ import annotations

from collections.abc import Callable

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

#: Colours per law key, stable across pages so a law keeps its colour everywhere.
LAW_COLOURS: dict[str, str] = {
    "kaplan-2020": "#1f77b4",
    "kaplan-2020-frontier": "#bcbd22",
    "chinchilla-2022": "#d62728",
    "chinchilla-2022-unrounded": "#8b0000",
    "chinchilla-2022-approach1": "#ff7f0e",
    "chinchilla-2022-approach2": "#e377c2",
    "epoch-2024": "#2ca02c",
    "muennighoff-2023": "#8c564b",
    "sardana-frankle-2023": "#dbdb8d",
    "porian-2024-kaplan": "#9467bd",
    "porian-2024-head": "#a58bc9",
    "porian-2024-warmup": "#b9a3d6",
    "porian-2024-cosine": "#7f7f7f",
    "porian-2024-tuned": "#17becf",
}
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

#: The user's own fits: black and a dark magenta, used by no published law.
USER_FIT_COLOURS: dict[str, str] = {"your-fit": "#000000", "your-fit-kaplan": "#7b3294"}
_FALLBACK = ("#aec7e8", "#ffbb78", "#98df8a", "#c5b0d5")


def law_colour(key: str, index: int = 0) -> str:
    """The colour of a law's traces, the same on every chart; unknown keys cycle a fallback."""
    if key in LAW_COLOURS:
        return LAW_COLOURS[key]
    if key in USER_FIT_COLOURS:
        return USER_FIT_COLOURS[key]
    return _FALLBACK[index % len(_FALLBACK)]


def base_layout(*, title: str, height: int = 460) -> dict:
    """Layout defaults: title, margins, readable fonts, white template, unified legend."""
    return {
        "title": {"text": title, "x": 0.0, "xanchor": "left", "font": {"size": 16}},
        "height": height,
        "margin": {"l": 70, "r": 20, "t": 50, "b": 60},
        "font": {"size": 13},
        "hoverlabel": {"font": {"size": 12}},
    }


def log_axis_dict(
    low: float, high: float, title: str, formatter: Callable[[float], str] = format_count
) -> dict:
    """A log axis from low to high with readable ticks, as a layout dict (cheaper than updates)."""
    ticks, text = log_ticks(low, high, formatter)
    return {
        "title": {"text": title},
        "type": "log",
        "range": [float(np.log10(low)), float(np.log10(high))],
        "tickvals": ticks,
        "ticktext": text,
        "showgrid": True,
    }


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
