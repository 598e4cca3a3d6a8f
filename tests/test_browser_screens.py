"""Every page on a desktop and a phone screen (issue 21, item 6), in one browser on one server.

Saves a screenshot of every page at 1400×900 and at 390×844 into artifacts/screenshots/screens/
for review, and checks what a reader would see go wrong: the first navigation entry without a
name, a page wider than a phone's screen, a link text cut at the screen's edge, a plot narrower
than the column it sits in, a plot's toolbar over its title, a chart's label over another
label, or a label without a box of its own over a curve (read from the drawn SVG: each label's
box, and points along each curve's path).
"""

from __future__ import annotations

import pytest

from dashboard.navigation import OVERVIEW_TITLE, PAGES
from tests.conftest import SCREENSHOTS, wait_for_app

pytestmark = pytest.mark.browser

#: The two screens (width, height); the pages: the overview at the root, then every page of the
#: navigation.
DESKTOP = (1400, 900)
PHONE = (390, 844)
PATHS = ("", *(p.url_path for p in PAGES))
#: Each page's heading (its h1): the overview's, then each page's navigation name.
HEADINGS = dict(zip(PATHS, ("Scaling-law explorer", *(p.title for p in PAGES)), strict=True))
FOLDER = SCREENSHOTS / "screens"

#: Per page: how wide the page is against the window, and each plot's width against the block
#: that holds it, its title's box and its toolbar's box.
MEASURE = """() => {
    const box = e => { if (!e) return null; const r = e.getBoundingClientRect();
                       return [r.left, r.top, r.right, r.bottom]; };
    const main = document.querySelector('[data-testid="stMain"]');
    const plots = Array.from(document.querySelectorAll('[data-testid="stPlotlyChart"], [data-testid="liveChart"]'))
        .filter(el => el.offsetParent !== null)
        .map(el => ({
            figure: el.querySelector('.main-svg') ?
                el.querySelector('.main-svg').getBoundingClientRect().width : 0,
            block: (b => { const s = getComputedStyle(b); return b.getBoundingClientRect().width
                - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight)
                - parseFloat(s.borderLeftWidth) - parseFloat(s.borderRightWidth); })(
                el.closest('[data-testid="stVerticalBlock"]')),
            title: box(el.querySelector('.gtitle')),
            toolbar: box(el.querySelector('.modebar')),
        }));
    const clipped = Array.from(
        document.querySelectorAll('[data-testid="stPageLink-NavLink"] [data-testid="stMarkdownContainer"]'))
        .filter(e => e.scrollWidth > e.clientWidth + 1 || e.getBoundingClientRect().right > window.innerWidth)
        .map(e => e.innerText);
    const inter = (a, b) => !(a.right <= b.left || b.right <= a.left || a.bottom <= b.top
                              || b.bottom <= a.top);
    const labels = [];  // what a reader cannot read: labels on labels, unboxed labels on curves
    document.querySelectorAll('.js-plotly-plot').forEach((plot, i) => {
        if (plot.offsetParent === null) return;
        const title = (plot.querySelector('.gtitle') || {}).textContent || `plot ${i}`;
        const found = [];
        const add = (el, boxed) => { const r = el.getBoundingClientRect();
            if (r.width > 0 && el.textContent.trim()) found.push({text: el.textContent.trim(), r, boxed}); };
        plot.querySelectorAll('.annotation').forEach(a => {  // boxed: a background of its own
            const bg = a.querySelector('rect.bg');
            const style = bg ? getComputedStyle(bg) : null;
            const text = a.querySelector('.annotation-text');
            if (text) add(text, !!style && style.fill !== 'none' && parseFloat(style.fillOpacity) > 0.3);
        });
        plot.querySelectorAll('.shapelayer text').forEach(t => add(t, false));
        plot.querySelectorAll('.contourlabels text').forEach(t => add(t, true));  // haloed
        for (let a = 0; a < found.length; a++) for (let b = a + 1; b < found.length; b++)
            if (inter(found[a].r, found[b].r))
                labels.push(`${title}: "${found[a].text}" over "${found[b].text}"`);
        const loose = found.filter(l => !l.boxed);
        plot.querySelectorAll('.scatterlayer .js-line').forEach(path => {
            const length = loose.length ? path.getTotalLength() : 0;
            if (!length) return;
            const m = path.getScreenCTM();
            const points = Array.from({length: 401}, (_, k) => path.getPointAtLength(length * k / 400))
                .map(q => [m.a * q.x + m.c * q.y + m.e, m.b * q.x + m.d * q.y + m.f]);
            loose.forEach(l => { if (points.some(([x, y]) => x > l.r.left && x < l.r.right
                                                 && y > l.r.top && y < l.r.bottom))
                labels.push(`${title}: "${l.text}" over a curve`); });
        });
    });
    return {
        labels: labels,
        clipped: clipped,
        inner: window.innerWidth,
        document: document.documentElement.scrollWidth,
        main: main ? main.scrollWidth : 0,
        mainClient: main ? main.clientWidth : 0,
        plots: plots,
    };
}"""


def _overlaps(a: list[float] | None, b: list[float] | None) -> bool:
    if a is None or b is None:
        return False
    return not (a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1])


def screen_problems(browser, app_server, width: int, height: int) -> list[str]:  # type: ignore[no-untyped-def]
    """Open every page at ``width`` × ``height``, save its screenshot and say what is wrong."""
    FOLDER.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    context = browser.new_context(viewport={"width": width, "height": height})
    context.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:"))
            else route.abort()
        ),
    )
    tab = context.new_page()
    try:
        for path in PATHS:
            tab.goto(f"{app_server}/{path}")
            wait_for_app(tab, timeout_ms=90_000)
            assert tab.locator('[data-testid="stException"]').count() == 0, path
            heading = tab.locator("h1").first.inner_text()
            assert HEADINGS[path].lower() in heading.lower(), (path, heading)
            tab.screenshot(path=str(FOLDER / f"{path or 'Overview'}-{width}.png"))
            found = tab.evaluate(MEASURE)
            where = f"{path or 'overview'} at {width} px"
            if found["document"] > found["inner"] or found["main"] > found["mainClient"]:
                problems.append(f"{where}: scrolls sideways ({found})")
            if found["clipped"]:
                problems.append(f"{where}: link texts cut {found['clipped']}")
            for plot in found["plots"]:
                if plot["figure"] < 0.97 * plot["block"]:
                    problems.append(f"{where}: plot {plot['figure']:.0f} px in {plot['block']:.0f}")
                if _overlaps(plot["title"], plot["toolbar"]):
                    problems.append(f"{where}: toolbar over the title {plot}")
            problems += [f"{where}: label {text}" for text in found["labels"]]
        if width >= 1000:  # the sidebar is open: the first navigation entry has a name
            tab.goto(f"{app_server}/")
            wait_for_app(tab)
            first = tab.locator('[data-testid="stSidebarNav"] a').first
            # the entry's text is its icon's ligature ("home"), then its name
            assert first.inner_text().split("\n")[-1].strip() == OVERVIEW_TITLE
    finally:
        context.close()
    return problems


def test_every_page_on_a_desktop(browser, app_server) -> None:  # type: ignore[no-untyped-def]
    """The desktop half; the phone's is tests/test_browser_screens_phone.py (a file of its own,
    so that the suite's two workers open the two screens at once)."""
    problems = screen_problems(browser, app_server, *DESKTOP)
    assert not problems, "\n".join(problems)


def test_a_file_over_the_per_file_limit_is_refused_with_its_name(
    page, app_server, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """Streamlit's uploader marked a file over 50 MB red and said nothing more; now it reaches
    the page, which refuses it on its size with the file's name, its size and the limit."""
    from scaling_core.runs.limits import LIMITS

    size = LIMITS.file_bytes + 10 * 2**20  # 60 MiB: over the file limit, under the upload cap
    page.goto(f"{app_server}/Fit_your_runs")
    wait_for_app(page)
    big = tmp_path / "too_big.csv"
    with big.open("wb") as handle:  # sparse: no 60 MiB written
        handle.truncate(size)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(big))
    refusal = page.get_by_text("Upload refused: too_big.csv: 60.0 MiB; the limit is 50.0 MiB")
    refusal.wait_for(timeout=60_000)
    FOLDER.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(FOLDER / "Fit_your_runs-refused-1400.png"))
