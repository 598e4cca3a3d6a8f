"""The slider pages' live sections (`dashboard.live`, st.fragment) in a real browser: a slider
move reruns only the section, yet the address bar and the sidebar's share link follow it, one
link, and a refused link value's note goes once its control moves."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import wait_for_app

pytestmark = pytest.mark.browser

SLIDER_PAGES = [
    "Loss_landscape",
    "Compute-optimal_frontier",
    "Overfitting_and_data_limits",
    "Batch_size_and_training_time",
    "Plan_a_run",
]


def _address(page) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    # location.href, not page.url: Playwright's page.url can trail a history.replaceState
    return parse_qs(urlsplit(page.evaluate("location.href")).query)


def _links(page) -> list[dict[str, list[str]]]:  # type: ignore[no-untyped-def]
    codes = page.locator('[data-testid="stSidebar"] code').all_inner_texts()
    return [parse_qs(urlsplit(text.strip()).query) for text in codes if "?" in text]


@pytest.mark.parametrize("path", SLIDER_PAGES)
def test_a_slider_move_keeps_the_address_bar_and_the_share_link_current(
    page, app_server, path
) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{app_server}/{path}")
    wait_for_app(page, 180_000)
    before = _address(page)
    assert _links(page) == [before]
    slider = page.get_by_role("slider").first
    slider.focus()
    for _ in range(3):
        slider.press("ArrowRight")
    wait_for_app(page, 180_000)
    page.wait_for_function(
        "(old) => location.search !== old", arg=urlsplit(page.url).query, timeout=15_000
    )
    wait_for_app(page, 180_000)
    after = _address(page)
    changed = {k for k in after if after[k] != before.get(k)}
    assert len(changed) == 1, (before, after)  # the slider's own key, and only it
    assert _links(page) == [after]  # one link, the current one


def test_a_refused_link_value_note_goes_when_its_slider_moves(page, app_server) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{app_server}/Compute-optimal_frontier?fc=abc")
    wait_for_app(page, 180_000)
    note = page.locator('[data-testid="stAlert"]').filter(has_text="fc")
    assert note.count() == 1
    slider = page.get_by_role("slider").first
    slider.focus()
    slider.press("ArrowRight")
    wait_for_app(page, 180_000)
    page.wait_for_function(
        """() => !Array.from(document.querySelectorAll('[data-testid="stAlert"]'))
                   .some(a => a.innerText.includes('“abc”'))""",
        timeout=15_000,
    )
    assert _links(page) == [_address(page)]
