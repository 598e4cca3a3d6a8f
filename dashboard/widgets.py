"""Widgets that keep their value across pages and in the URL: log sliders and law pickers."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence

import streamlit as st

from charts.format import format_count, log_grid
from dashboard.state import (
    COMPARE_LAWS,
    COMPUTE_UNIT,
    PRIMARY_LAW,
    Param,
    available_laws,
    current,
    dump_bool,
    dump_float,
    parse_bool,
    parse_float,
    parse_int,
    prepare_widget,
    unshared_fits_in_link,
)

#: How a multiselect with nothing chosen is written in a link.
NONE_CHOSEN = "none"


def _nearest(values: Sequence[float], target: float) -> float:
    return min(values, key=lambda v: abs(math.log(v) - math.log(target)))


def _one_of(options: Sequence[str], shown: int = 6) -> str:
    """What a picker accepts, in words: "one of FLOP, PF-days"."""
    names = [str(o) for o in options]
    if len(names) <= shown:
        return "one of " + ", ".join(names)
    return "one of " + ", ".join(names[:shown]) + f" and {len(names) - shown} more"


def log_slider(
    label: str,
    key: str,
    low: float,
    high: float,
    default: float,
    *,
    formatter: Callable[[float], str] = format_count,
    per_decade: int = 10,
    help: str | None = None,
    container=st,
    extra: Sequence[float] = (),
) -> float:
    """A slider over readable log-spaced values (1, 1.2, 1.5, 2, … per decade) between low and
    high, and the ``extra`` values a reader checks against a paper (Chinchilla's 5.76e23 FLOP).

    Labels use ``formatter`` (1.2B, 3e21 FLOP); the value persists across pages and in the URL.
    A link's value inside the range snaps to the nearest grid value; one outside it falls back to
    ``default`` with a note (`dashboard.state.link_value`).
    """
    grid = sorted(
        {*log_grid(low, high, per_decade), *(float(v) for v in extra if low <= v <= high)}
    )
    param = Param(
        key,
        default,
        parse_float,
        dump_float,
        bounds=(grid[0], grid[-1]),
        expected=f"a number from {dump_float(grid[0])} to {dump_float(grid[-1])}",
        label=label,
    )
    value = current(param)
    snapped = _nearest(grid, value)
    st.session_state[key] = snapped
    widget_key, store = prepare_widget(param, snapped)
    return float(
        container.select_slider(
            label, options=grid, key=widget_key, on_change=store, format_func=formatter, help=help
        )
    )


def number_slider(
    label: str,
    key: str,
    low: float,
    high: float,
    default: float,
    step: float,
    *,
    help: str | None = None,
    container=st,
) -> float:
    """A linear slider that persists across pages and in the URL."""
    param = Param(
        key,
        default,
        parse_float,
        dump_float,
        bounds=(low, high),
        expected=f"a number from {dump_float(low)} to {dump_float(high)}",
        label=label,
    )
    value = min(max(current(param), low), high)
    st.session_state[key] = value
    widget_key, store = prepare_widget(param, value)
    return float(
        container.slider(
            label,
            min_value=low,
            max_value=high,
            step=step,
            key=widget_key,
            on_change=store,
            help=help,
        )
    )


def int_slider(
    label: str,
    key: str,
    low: int,
    high: int,
    default: int,
    *,
    help: str | None = None,
    container=st,
) -> int:
    """An integer slider (shown as 2, not 2.00) that persists across pages and in the URL."""
    param = Param(
        key,
        default,
        parse_int,
        str,
        bounds=(low, high),
        expected=f"a whole number from {low} to {high}",
        label=label,
    )
    value = current(param)
    try:
        value = int(min(max(int(value), low), high))
    except (TypeError, ValueError):
        value = default
    st.session_state[key] = value
    widget_key, store = prepare_widget(param, value)
    return int(
        container.slider(
            label,
            min_value=low,
            max_value=high,
            step=1,
            key=widget_key,
            on_change=store,
            help=help,
        )
    )


def toggle(label: str, key: str, default: bool, *, help: str | None = None, container=st) -> bool:
    """A checkbox that persists across pages and in the URL."""
    param = Param(key, default, parse_bool, dump_bool, expected="1 or 0", label=label)
    value = bool(current(param))
    widget_key, store = prepare_widget(param, value)
    return bool(container.checkbox(label, key=widget_key, on_change=store, help=help))


def choice(
    label: str,
    key: str,
    options: Sequence[str],
    default: str,
    *,
    format_func: Callable[[str], str] = str,
    help: str | None = None,
    container=st,
    radio: bool = False,
) -> str:
    """A select box (or, with ``radio``, a row of radio buttons) that persists across pages
    and in the URL."""
    param = Param(
        key,
        default,
        str,
        str,
        options=tuple(options),
        expected=_one_of(options),
        label=label,
    )
    value = current(param)
    if value not in options:
        value = default if default in options else options[0]
        st.session_state[key] = value
    widget_key, store = prepare_widget(param, value)
    kind = functools.partial(container.radio, horizontal=True) if radio else container.selectbox
    return str(
        kind(
            label,
            options=list(options),
            key=widget_key,
            on_change=store,
            format_func=format_func,
            help=help,
        )
    )


def multi_choice(
    label: str,
    key: str,
    options: Sequence[str],
    default: Sequence[str],
    *,
    format_func: Callable[[str], str] = str,
    help: str | None = None,
    container=st,
) -> list[str]:
    """A multiselect that persists across pages and in the URL (names joined by commas; an
    empty choice is written ``none``).  A link naming anything that is not an option, or
    nothing at all, falls back to ``default`` with a note."""
    names = tuple(options)

    def parse(text: str) -> list[str]:
        if text == NONE_CHOSEN:
            return []
        picked = list(dict.fromkeys(text.split(",")))
        if not picked or any(t not in names for t in picked):
            raise ValueError(text)
        return picked

    def dump(value: Sequence[str]) -> str:
        return ",".join(value) or NONE_CHOSEN

    param = Param(
        key,
        list(default),
        parse,
        dump,
        expected=f"names separated by commas, each {_one_of(options)}, or {NONE_CHOSEN}",
        label=label,
    )
    value = [v for v in current(param) if v in names]
    st.session_state[key] = value
    widget_key, store = prepare_widget(param, value)
    return list(
        container.multiselect(
            label,
            options=list(options),
            key=widget_key,
            on_change=store,
            format_func=format_func,
            help=help,
        )
    )


#: Row height of tables whose names must show whole: Streamlit wraps a cell's text only in rows
#: taller than 4rem (64 px); 68 px holds three lines ("…(RefinedWe" was cut on one line).
WRAP_ROW_HEIGHT = 68


def law_label(key: str) -> str:
    """A short readable name of a law key for the sidebar pickers (full labels in charts)."""
    from charts.style import SHORT_LABELS

    law = available_laws().get(key)
    if law is None:
        return key
    short = SHORT_LABELS.get(key, law.label)
    return f"{short} (unreliable)" if "(unreliable)" in law.label and key in SHORT_LABELS else short


def show_every_chip(widget_key: str) -> None:
    """Let the multiselect ``widget_key`` show every chosen chip, each with its whole name.

    Streamlit caps a multiselect at 4.5 rows of chips and scrolls the rest; in the sidebar each
    law takes a row, so the sixth default law was cut in half and the rest hidden. It also cuts
    a name wider than the chip with an ellipsis. The style lifts the cap and lets a long name
    wrap inside its chip, for this one widget (Streamlit gives its element the class
    ``st-key-<key>``); it takes no space: style-only HTML goes to Streamlit's event container.
    """
    scope = f".st-key-{widget_key}"
    st.html(
        "<style>"
        f"{scope} div:has(> [data-testid='stMultiSelectTagsContainer']) {{ max-height: none; }}"
        f"{scope} [data-tag] {{ height: auto; min-height: 28px; }}"
        f"{scope} [data-tag] > span {{ white-space: normal; line-height: 1.3; padding: 3px 0; }}"
        "</style>"
    )


def sidebar_controls() -> None:
    """Global controls shown on every page: the laws to compare, the main law, the compute unit."""
    laws = available_laws()
    loss_keys = [k for k, law in laws.items() if law.has_loss]
    missing_fits = unshared_fits_in_link()
    with st.sidebar:
        st.header("Laws")
        if missing_fits:
            st.info(
                "This link refers to a law fitted to someone's own runs, which links do not "
                "carry (the data stays with whoever uploaded it); the page shows the other "
                "laws instead. Load the same data on **Fit your runs** to add the fit here."
            )
        chosen = current(COMPARE_LAWS)
        chosen = [k for k in chosen if k in laws] or list(COMPARE_LAWS.default)
        st.session_state[COMPARE_LAWS.key] = chosen
        widget_key, store = prepare_widget(COMPARE_LAWS, chosen)
        st.multiselect(
            "Laws to compare",
            options=list(laws),
            key=widget_key,
            on_change=store,
            format_func=law_label,
            help="Shown side by side on the frontier and planning pages.",
        )
        show_every_chip(widget_key)
        choice(
            "Law for single-law views",
            PRIMARY_LAW.key,
            loss_keys,
            PRIMARY_LAW.default,
            format_func=law_label,
            help="The loss law drawn on the landscape, overfitting and batch pages.",
            container=st,
        )
        choice(
            "Compute unit",
            COMPUTE_UNIT.key,
            ["FLOP", "PF-days"],
            COMPUTE_UNIT.default,
            container=st,
        )


def compared_laws() -> list[str]:
    """Keys of the laws chosen for comparison (never empty)."""
    laws = available_laws()
    keys = [k for k in st.session_state.get(COMPARE_LAWS.key, COMPARE_LAWS.default) if k in laws]
    return keys or list(COMPARE_LAWS.default)


def primary_law():
    """The loss law chosen for single-law views."""
    laws = available_laws()
    key = st.session_state.get(PRIMARY_LAW.key, PRIMARY_LAW.default)
    law = laws.get(key)
    return law if law is not None and law.has_loss else laws[PRIMARY_LAW.default]


def share_link() -> None:
    """A copyable link that reopens this page with every control as it is now; in the sidebar
    slot the page's `dashboard.live.live_section` reserved, when it has one (kept for the
    sections' reruns until the next full run)."""
    from urllib.parse import urlencode

    from dashboard.state import LINK_CAVEAT_KEY, LINK_SLOT_KEY, query_string

    base = (st.context.url or "").split("?", 1)[0]
    link = f"{base}?{urlencode(query_string())}"
    slot = st.session_state.get(LINK_SLOT_KEY)
    with slot.container() if slot is not None else st.sidebar:
        st.caption("Link to this view (the address bar holds it too):")
        # a link, not st.code: st.code's highlighter (all of Prism's languages) took 0.35-0.45 s
        # of the browser's main thread on every page's first load, for one line of plain text
        st.markdown(f"[`{link}`]({link})", width="stretch")
        caveat = st.session_state.get(LINK_CAVEAT_KEY)
        if caveat:
            st.caption(caveat)


def range_notes(keys: Sequence[str], compute_flops: float) -> None:
    """A warning for each chosen law used beyond the budget its source allows (see
    `scaling_core.allocation.range_warnings`)."""
    from scaling_core.allocation import range_warnings

    laws = available_laws()
    for key, note in range_warnings({k: laws[k] for k in keys if k in laws}, compute_flops).items():
        st.warning(f"**{laws[key].label}** at this budget: {note}", icon=":material/warning:")
