"""The charts an AppTest page shows, in page order, whichever way they are drawn: Streamlit's
own `st.plotly_chart` or the charts a rerun updates in place (`dashboard.live_chart`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from dashboard.live_chart import COMPONENT_NAME, TEST_ID


def _elements(node: Any) -> Iterator[Any]:
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for index in sorted(children):
            yield from _elements(children[index])
    else:
        yield node


def chart_json(at: Any) -> list[str]:
    """Each chart's figure as the browser draws it, as JSON, top to bottom (sidebar first)."""
    found = []
    for element in _elements(at._tree):
        kind = getattr(element, "type", None)
        if kind == "plotly_chart":
            found.append(element.proto.spec)
        elif kind == "bidi_component" and element.proto.component_name == COMPONENT_NAME:
            data = json.loads(element.proto.json)
            if data.get("spec") is not None:  # not the frame's preload_plotly
                found.append(drawn_json(data))
    return found


def drawn_json(data: dict) -> str:
    """A live chart's figure as the browser draws it: its overlay's shapes and annotations (what
    a slider moves) after the figure's own, as the component's script merges them."""
    if not data.get("overlay"):
        return data["spec"]
    figure = json.loads(data["spec"])
    layout = figure.setdefault("layout", {})
    for name, value in json.loads(data["overlay"]).items():
        if name in ("shapes", "annotations"):
            layout[name] = layout.get(name, []) + value
        else:
            layout[name] = {**layout.get(name, {}), **value}
    return json.dumps(figure, ensure_ascii=False)


def chart_specs(at: Any) -> list[dict]:
    """Each chart's figure as a dict (``data`` and ``layout``), top to bottom."""
    return [json.loads(spec) for spec in chart_json(at)]


#: CSS selector of every chart's box in the browser, Streamlit's own and live charts alike.
CHART_SELECTOR = f'[data-testid="stPlotlyChart"], [data-testid="{TEST_ID}"]'
