"""The slider pages' live sections (`dashboard.live`, st.fragment) in a real browser: a slider
move reruns only its section (the server sends again that section's sliders and no other's,
and not the page's title: read from the websocket), a section inside another reruns with it and alone, yet the address
bar and the sidebar's share link follow every move, one link, and a refused link value's note
goes once its control moves."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from tests.conftest import wait_for_app

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]

#: Per page, the sliders moved in turn (None: the page's first) and the sliders the server must
#: send again for each: those of the moved slider's section, with the sections inside it, and
#: no others.
PAGES = [
    ("Loss_landscape", [(None, {"Parameters N", "Training tokens D"})]),
    ("Compute-optimal_frontier", [(None, {"Training compute C (FLOP)"})]),
    (
        "Overfitting_and_data_limits",
        [
            (
                None,
                {
                    "Parameters N (non-embedding)",
                    "Training tokens D",
                    "Tolerated overfitting δL (%)",
                },
            ),
            (
                "Unique tokens available U_D",
                {"Unique tokens available U_D", "Training compute C (FLOP)"},
            ),
        ],
    ),
    (
        "Batch_size_and_training_time",
        [
            (
                None,
                {
                    "Training compute C",
                    "Batch size B (tokens per step)",
                    "Model-FLOP utilisation (MFU)",
                },
            )
        ],
    ),
    (
        "Plan_a_run",
        [
            (
                None,
                {"Days of training", "Model-FLOP utilisation (MFU)", "Lifetime inference volume"},
            ),
            ("Lifetime inference volume", {"Lifetime inference volume"}),
        ],
    ),
    (
        "Ladders_tasks_and_comparisons",
        [("Budget C of sweep A (FLOP)", {"Budget C of sweep A (FLOP)"})],
    ),
]


def _address(page) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    # location.href, not page.url: Playwright's page.url can trail a history.replaceState
    return parse_qs(urlsplit(page.evaluate("location.href")).query)


def _links(page) -> list[dict[str, list[str]]]:  # type: ignore[no-untyped-def]
    codes = page.locator('[data-testid="stSidebar"] code').all_inner_texts()
    return [parse_qs(urlsplit(text.strip()).query) for text in codes if "?" in text]


def _sent(frames: list[bytes]) -> tuple[set[str], set[str]]:
    """Labels of the sliders and texts of the headings among the elements the server sent in
    ``frames``."""
    sliders, headings = set(), set()
    for frame in frames:
        if isinstance(frame, str):
            continue
        message = ForwardMsg()
        message.ParseFromString(frame)
        if message.WhichOneof("type") == "delta" and message.delta.HasField("new_element"):
            element = message.delta.new_element
            if element.WhichOneof("type") == "slider":
                sliders.add(element.slider.label)
            elif element.WhichOneof("type") == "heading":
                headings.add(element.heading.body)
    return sliders, headings


@pytest.mark.parametrize(("path", "moves"), PAGES)
def test_slider_moves_rerun_their_section_and_keep_the_link_current(
    page, app_server, path, moves
) -> None:  # type: ignore[no-untyped-def]
    frames: list[bytes] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda data: frames.append(data)))
    page.goto(f"{app_server}/{path}")
    wait_for_app(page, 180_000)
    title = page.locator("h1").first.inner_text().strip()
    for label, section in moves:
        before = _address(page)
        assert _links(page) == [before]
        slider = (
            page.get_by_role("slider", name=label) if label else page.get_by_role("slider").first
        )
        slider.focus()
        frames.clear()
        for _ in range(3):
            slider.press("ArrowRight")
        wait_for_app(page, 180_000)
        page.wait_for_function(
            "(old) => location.search !== old", arg=urlsplit(page.url).query, timeout=15_000
        )
        wait_for_app(page, 180_000)
        after = _address(page)
        changed = {k for k in after if after[k] != before.get(k)}
        assert len(changed) == 1, (label, before, after)  # the slider's own key, and only it
        assert _links(page) == [after]  # one link, the current one
        sliders, headings = _sent(frames)
        assert sliders == section, label
        assert title not in headings  # the page's title, outside every section: not rerun


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


def test_a_section_inside_another_still_moves_after_the_other_grew_above_it(
    page, app_server
) -> None:  # type: ignore[no-untyped-def]
    """The plan at 1000 days shows a warning above its results, which moved the inference
    section inside it: moving the inference volume then failed (Streamlit named the moved
    section a new fragment, with no sidebar place for the link). Now the volume moves, the
    inference plan follows, and the link with it."""
    page.goto(f"{app_server}/Plan_a_run")
    wait_for_app(page, 180_000)
    days = page.get_by_role("slider", name="Days of training")
    days.focus()
    days.press("End")
    page.get_by_text("more devices would finish sooner").wait_for(timeout=30_000)
    wait_for_app(page, 180_000)
    before = _address(page)
    volume = page.get_by_role("slider", name="Lifetime inference volume")
    volume.focus()
    volume.press("End")
    page.wait_for_function(
        "(old) => new URLSearchParams(location.search).get('p_inf') !== old",
        arg=(before.get("p_inf") or [None])[0],
        timeout=30_000,
    )
    wait_for_app(page, 180_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    after = _address(page)
    assert float(after["p_inf"][0]) == 1e16  # the slider's end
    assert _links(page) == [after]


def _held_out_in_download(html: str) -> int:
    """How many held-out runs the downloaded extrapolation chart (Plotly's HTML) predicts: the
    points of its trace "held out: predicted", read from the figure the HTML draws."""
    start = html.index("Plotly.newPlot(")
    rest = html[html.index(",", start) + 1 :].lstrip()  # after the chart's element id
    traces, _ = json.JSONDecoder().raw_decode(rest)
    (predicted,) = [t for t in traces if t.get("name") == "held out: predicted"]
    return len(predicted["customdata"])


def test_the_extrapolation_check_reruns_alone_and_its_download_follows(page, app_server) -> None:  # type: ignore[no-untyped-def]
    """The fit page's extrapolation check is a section: its quantile slider reruns it alone
    (only its slider sent again, not the page's title), the link follows, the held-out count
    changes as the core's check says, and the chart's download, drawn by the page's last full
    run, hands out the chart on display."""
    from scaling_core.fit.extrapolation import extrapolation_check
    from scaling_core.runs import read_run_log

    sample = "real/gadre-2024/gadre2024_final_losses.csv"
    frames: list[bytes] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda data: frames.append(data)))
    page.goto(f"{app_server}/Fit_your_runs?f_sample={sample}&f_q=0.5")
    wait_for_app(page, 180_000)
    held = page.locator('[data-testid="stMetric"]').filter(
        has=page.get_by_text("Held-out runs", exact=True)
    )
    before = int(held.locator('[data-testid="stMetricValue"]').inner_text().replace(",", ""))
    slider = page.get_by_role("slider", name="Fit runs up to this quantile")
    slider.focus()
    frames.clear()
    for _ in range(6):  # to 0.65 or past it, one press at a time
        shown = _address(page)["f_q"][0]
        if float(shown) >= 0.65:
            break
        slider.press("ArrowRight")
        # Streamlit drops a key press that lands while the slider is redrawn (the slider, the
        # link and the numbers then stay at the value before it, checked below): press again
        with contextlib.suppress(PlaywrightTimeout):
            page.wait_for_function(
                "(q) => new URLSearchParams(location.search).get('f_q') !== q",
                arg=shown,
                timeout=15_000,
            )
        wait_for_app(page, 180_000)
    quantile = float(_address(page)["f_q"][0])
    assert quantile >= 0.65
    assert (
        page.locator('[data-testid="stSliderThumbValue"]')
        .filter(has_text=f"{quantile:.2f}")
        .count()
        == 1
    )
    sliders, headings = _sent(frames)
    assert sliders == {"Fit runs up to this quantile"}
    assert "Fit your runs" not in headings
    assert _links(page) == [_address(page)]
    after = int(held.locator('[data-testid="stMetricValue"]').inner_text().replace(",", ""))
    runs = read_run_log(ROOT / "sample_data" / sample).runs
    runs = runs[runs["dataset"] == _address(page)["f_where_dataset"][0]]
    checks = [extrapolation_check(runs, "chinchilla", quantile=q) for q in (0.5, quantile)]
    assert (before, after) == tuple(len(c.holdout) for c in checks) and after < before
    # the held-out runs' table (static, drawn with the rest of the rerun): the core's held-out
    # runs, names as in the file (Markdown specials such as _ shown, not read as emphasis),
    # numbers right-aligned
    table = page.locator('[data-testid="stTable"]').filter(has_text="observed")
    names = [n.strip() for n in table.locator("tbody tr td:first-child").all_inner_texts()]
    assert sorted(names) == sorted(str(run) for run in checks[1].holdout["run"])
    assert any(set(name) & set("_-.") for name in names)
    cells = table.locator("tbody tr").first.locator("td")
    assert cells.nth(0).evaluate("e => getComputedStyle(e).textAlign") != "right"
    assert cells.nth(1).evaluate("e => getComputedStyle(e).textAlign") == "right"

    # Under load (CI's two cores shared with the server's jobs) a click on the popover just
    # opened was seen to start no download, once in a few runs; the popover is then closed
    # and opened again for one more click.
    for attempt in range(2):
        page.get_by_role("button", name="Charts (HTML)").click()
        try:
            with page.expect_download(timeout=30_000) as download:
                page.get_by_role("button", name="extrapolation").click()
            break
        except PlaywrightTimeout:
            if attempt:
                raise
            page.keyboard.press("Escape")
            wait_for_app(page, 60_000)
    html = Path(download.value.path()).read_text(encoding="utf-8")
    assert _held_out_in_download(html) == after
