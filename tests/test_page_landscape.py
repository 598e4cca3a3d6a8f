"""AppTest of the home page and the loss landscape page: defaults, extremes, numbers equal the core's."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from charts.format import format_count, format_flops, format_loss
from scaling_core.allocation import compute_optimal
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
    assert len(at.get("plotly_chart")) == 1


def test_compute_unit_from_the_sidebar() -> None:
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.query_params["unit"] = "PF-days"
    at.run()
    assert metrics(at)["Training compute"] == "1.39 PF-days"  # 1.2e20 / 8.64e19


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
