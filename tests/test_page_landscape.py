"""AppTest of the home page and the loss landscape page: defaults, extremes, numbers equal the core's."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from page_charts import chart_json, chart_specs
from streamlit.testing.v1 import AppTest

from charts.format import format_count, format_flops, format_loss
from charts.landscape import RUN_LABEL, landscape_figure, place_run, run_overlay, surface_figure
from charts.style import with_overlay
from dashboard.live_chart import COMPONENT_NAME
from scaling_core.allocation import compute_optimal, loss_surface
from scaling_core.presets import get_law

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "pages" / "1_Loss_landscape.py")


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_home_page_links_every_page() -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30).run()
    assert not at.exception
    assert at.title[0].value == "Scaling-law explorer"
    links = [link.proto.page for link in at.get("page_link")]
    # one link per page file, by its URL path (the file name without the order prefix)
    expected = [p.stem.split("_", 1)[1] for p in sorted((ROOT / "pages").glob("*.py"))]
    assert links == expected
    table = at.dataframe[0].value
    epoch = table[table["Law"] == get_law("epoch-2024").label].iloc[0]
    assert epoch["N (params)"] == format_count(
        float(compute_optimal(get_law("epoch-2024"), 1e23).n_params)
    )


def test_defaults_show_the_core_numbers() -> None:
    at = AppTest.from_file(PAGE, default_timeout=30).run()
    assert not at.exception
    law = get_law("epoch-2024")
    shown = metrics(at)
    assert shown["Predicted loss (nats/token)"] == format_loss(float(law.loss(1e9, 2e10)))
    assert shown["Training compute"] == format_flops(6 * 1e9 * 2e10)
    optimum = compute_optimal(law, 6 * 1e9 * 2e10)
    assert shown["Compute-optimal loss at this C"] == format_loss(float(optimum.loss))
    assert len(chart_json(at)) == 1


def test_landscape_axes_read_in_one_style() -> None:
    """The token axis ends "…, 100T, 1,000T" (it read "…, 100T, 1e15"), in the map and the 3-D view."""
    at = AppTest.from_file(PAGE, default_timeout=30).run()
    layout = chart_specs(at)[0]["layout"]
    assert layout["xaxis"]["ticktext"] == [
        "100M",
        "1B",
        "10B",
        "100B",
        "1T",
        "10T",
        "100T",
        "1,000T",
    ]
    assert layout["yaxis"]["ticktext"] == ["1M", "10M", "100M", "1B", "10B", "100B", "1T", "10T"]
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.query_params["surface3d"] = "1"
    at.run()
    scene = chart_specs(at)[0]["layout"]["scene"]
    assert scene["xaxis"]["ticktext"][-2:] == ["100T", "1,000T"]


def test_compute_unit_from_the_sidebar() -> None:
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.query_params["unit"] = "PF-days"
    at.run()
    assert metrics(at)["Training compute"] == "1.39 PF-days"  # 1.2e20 / 8.64e19
    # the IsoFLOP lines are labelled in the same unit: 1e21 FLOP = 11.6 PF-days
    (spec,) = chart_specs(at)
    labels = {a["text"] for a in spec["layout"]["annotations"]}
    assert "11.6 PF-days" in labels and not any("FLOP" in text for text in labels)


@pytest.mark.parametrize(
    ("n_params", "n_tokens"), [(1e6, 1e8), (1e13, 1e15), (1e6, 1e15), (1e13, 1e8)]
)
def test_extreme_sliders(n_params: float, n_tokens: float) -> None:
    at = AppTest.from_file(PAGE, default_timeout=30).run()
    at.select_slider(key="w_n").set_value(n_params)
    at.select_slider(key="w_d").set_value(n_tokens)
    at.run()
    assert not at.exception
    law = get_law("epoch-2024")
    assert metrics(at)["Predicted loss (nats/token)"] == format_loss(
        float(law.loss(n_params, n_tokens))
    )


@pytest.mark.parametrize("key", ["kaplan-2020", "chinchilla-2022", "muennighoff-2023"])
def test_other_laws_and_3d_view(key: str) -> None:
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.query_params["law"] = key
    at.query_params["surface3d"] = "1"
    at.run()
    assert not at.exception
    assert metrics(at)["Predicted loss (nats/token)"] == format_loss(
        float(get_law(key).loss(1e9, 2e10))
    )


def test_url_state_round_trip() -> None:
    """State → query string → state: a link with n, d and law reopens the same numbers."""
    at = AppTest.from_file(PAGE, default_timeout=30).run()
    at.select_slider(key="w_n").set_value(3e10)
    at.run()
    params = dict(at.query_params)
    assert params["n"] == "3e10"
    fresh = AppTest.from_file(PAGE, default_timeout=30)
    for key, value in params.items():
        fresh.query_params[key] = value
    fresh.run()
    assert metrics(fresh) == metrics(at)


def test_bad_link_values_fall_back_to_defaults() -> None:
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.query_params["n"] = "banana"
    at.query_params["law"] = "no-such-law"
    at.query_params["laws"] = "x,y"
    at.run()
    assert not at.exception
    assert metrics(at)["Predicted loss (nats/token)"] == format_loss(
        float(get_law("epoch-2024").loss(1e9, 2e10))
    )


def test_markdown_escaping_of_labels() -> None:
    from charts.format import escape_markdown

    assert escape_markdown("<script>alert(1)</script>") == "\\<script\\>alert\\(1\\)\\</script\\>"
    assert escape_markdown("[click](http://x)") == "\\[click\\]\\(http://x\\)"


def test_link_to_someone_elses_fit_says_why_it_is_not_shown() -> None:
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.query_params["law"] = "your-fit"
    at.query_params["laws"] = "your-fit,chinchilla-2022,no-such-law"
    at.run()
    assert not at.exception
    assert any("fitted to someone's own runs" in box.value for box in at.sidebar.info)
    # the known law in the link is kept, the unknown and unshared ones are dropped
    assert at.session_state["laws"] == ["chinchilla-2022"]
    assert metrics(at)["Predicted loss (nats/token)"] == format_loss(
        float(get_law("epoch-2024").loss(1e9, 2e10))
    )


def test_sidebar_pickers_use_short_names() -> None:
    at = AppTest.from_file(PAGE, default_timeout=30).run()
    picker = at.sidebar.multiselect[0]
    assert {"Epoch 2024", "Chinchilla A3 (eq. 10)", "Porian: + tuned"} <= set(picker.options)
    assert max(len(option) for option in picker.options) <= 22


def _traces(at: AppTest) -> dict[str, dict]:
    spec = chart_specs(at)[0]
    return {trace.get("name", trace["type"]): trace for trace in spec["data"]}


def _run_label(at: AppTest) -> dict:
    """The "your run" annotation of the contour map as drawn (figure and overlay merged)."""
    layout = chart_specs(at)[0]["layout"]
    return next(item for item in layout["annotations"] if item["text"] == RUN_LABEL)


def _sent(at: AppTest) -> dict:
    """What the landscape's live chart element sends: the figure's JSON and its overlay."""
    element = next(
        e
        for e in at.get("bidi_component")
        if e.proto.component_name == COMPONENT_NAME and "spec" in json.loads(e.proto.json)
    )
    return json.loads(element.proto.json)


def test_slider_moves_only_the_marker_of_a_figure_built_once(monkeypatch) -> None:
    """The landscape is built once per law and view; a slider move only moves the run's marker,
    which is drawn over it (the figure's JSON sent is the very same)."""
    import dashboard.cache

    builds: list[str] = []
    real = dashboard.cache.landscape_figure

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        builds.append(kwargs["law_label"])
        return real(*args, **kwargs)

    monkeypatch.setattr(dashboard.cache, "landscape_figure", counting)
    at = AppTest.from_file(PAGE, default_timeout=30).run()
    before, sent_before = _traces(at), _sent(at)
    at.select_slider(key="w_n").set_value(3e10)
    at.select_slider(key="w_d").set_value(1e12)
    at.run()
    after, sent_after = _traces(at), _sent(at)
    assert len(builds) == 1
    label = _run_label(at)
    assert (label["x"], label["y"]) == pytest.approx((12.0, math.log10(3e10)))
    crosses = [s for s in chart_specs(at)[0]["layout"]["shapes"] if s.get("xsizemode") == "pixel"]
    assert len(crosses) == 2
    assert all((s["xanchor"], s["yanchor"]) == (label["x"], label["y"]) for s in crosses)
    loss = format_loss(float(get_law("epoch-2024").loss(3e10, 1e12)))
    assert f"loss {loss}" in label["hovertext"]
    assert after == before
    assert sent_after["spec"] == sent_before["spec"]
    assert sent_after["overlay"] != sent_before["overlay"]
    fresh = AppTest.from_file(PAGE, default_timeout=30)
    fresh.query_params["law"] = "chinchilla-2022"
    fresh.run()
    assert _traces(fresh)["loss"]["z"] != before["loss"]["z"]


def small_landscape(builder=None, *, point=(1e9, 2e10, 2.6), iso_flops=(1e21,)):  # type: ignore[no-untyped-def]
    """A 12 × 12 landscape (or, with ``builder=surface_figure``, surface) of the Epoch law."""
    builder = builder or landscape_figure
    law = get_law("epoch-2024")
    n_grid, d_grid = np.geomspace(1e6, 1e13, 12), np.geomspace(1e8, 1e15, 12)
    extra = (
        {
            "iso_flops": list(iso_flops),
            "optimal_n": np.geomspace(1e7, 1e12, 5),
            "optimal_d": np.geomspace(1e9, 1e14, 5),
        }
        if builder is landscape_figure
        else {}
    )
    return builder(
        n_grid, d_grid, loss_surface(law, n_grid, d_grid), point=point, law_label=law.label, **extra
    )


def test_placing_the_run_equals_building_the_figure_there() -> None:
    moved = place_run(small_landscape(surface_figure), (4e11, 3e13, 2.1))
    assert moved.to_json() == small_landscape(surface_figure, point=(4e11, 3e13, 2.1)).to_json()


def test_the_run_drawn_over_the_map_equals_the_map_built_with_it() -> None:
    """The page sends the map without the run and the run as an overlay; drawn together they
    are the figure built with the run (what a download or `st.plotly_chart` shows)."""
    point = (4e11, 3e13, 2.1)
    drawn = with_overlay(small_landscape(point=None), run_overlay(point))
    assert json.loads(drawn.to_json()) == json.loads(small_landscape(point=point).to_json())
    label = next(a for a in drawn.layout.annotations if a.text == RUN_LABEL)
    assert (label.x, label.y) == pytest.approx((math.log10(3e13), math.log10(4e11)))


def _luminance(colour: str) -> float:
    """WCAG 2.1 relative luminance of "white", "black", "#rrggbb" or "rgb(r, g, b)"."""
    from plotly.colors import hex_to_rgb, unlabel_rgb

    colour = {"white": "#ffffff", "black": "#000000"}.get(colour, colour)
    rgb = hex_to_rgb(colour) if colour.startswith("#") else unlabel_rgb(colour)
    linear = [
        c / 255 / 12.92 if c / 255 <= 0.03928 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb
    ]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(first: str, second: str) -> float:
    high, low = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contour_labels_read_on_both_ends_of_the_colour_map() -> None:
    """The numbers on the contour lines were white: 1.1:1 on Viridis_r's yellow (low loss), where
    most of the map is. They are dark with a halo in the contrasting colour (plotly's
    ``shadow="auto"``), so either the text or its halo stands out on every colour of the map."""
    fig = small_landscape()
    contour = fig.data[0]
    font = contour.contours.labelfont
    assert contour.contours.showlabels and font.shadow == "auto"
    # plotly's "auto" halo is white behind dark text, black behind light text
    halo = "#ffffff" if _luminance(font.color) < 0.5 else "#000000"
    scale = contour.colorscale  # Viridis_r as (position, colour) pairs
    for _, colour in scale:
        assert max(_contrast(font.color, colour), _contrast(halo, colour)) >= 4.5, colour
    assert _contrast(font.color, scale[0][1]) >= 4.5  # the yellow, low-loss end


def test_isoflop_labels_read_on_the_yellow_end_of_the_map() -> None:
    """The "1e24 FLOP" boxes are white on translucent black: over the lightest colour of the map
    the box must still be dark enough for 4.5:1 (at 35% black it was 3.0:1, at 60% 6.8:1)."""
    from plotly.colors import hex_to_rgb

    fig = small_landscape(iso_flops=(1e21, 1e24))
    lightest = hex_to_rgb(fig.data[0].colorscale[0][1])
    flop_labels = [a for a in fig.layout.annotations if a.text != RUN_LABEL]
    assert [a.text for a in flop_labels] == ["1e21 FLOP", "1e24 FLOP"]
    for label in fig.layout.annotations:
        *box, alpha = (float(v) for v in label.bgcolor.removeprefix("rgba(")[:-1].split(","))
        under = [round((1 - alpha) * c + alpha * b) for c, b in zip(lightest, box, strict=True)]
        assert _contrast(label.font.color, "rgb({}, {}, {})".format(*under)) >= 4.5
