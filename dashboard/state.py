"""Cross-page state: one place for the values the pages share and for their URL form.

Every persistent control stores its value under its own key in ``st.session_state`` (not the
widget's key, which Streamlit forgets when a page is left) and mirrors it in the query string,
so that copying the address reproduces the view.  Uploaded data never enters the URL.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import streamlit as st

from charts.format import escape_markdown, format_scientific
from scaling_core.presets import PRESETS

#: Longest link value read at all; longer text is refused before it is parsed (the longest valid
#: value, every law key joined by commas, is about 400 characters).
MAX_LINK_VALUE_CHARS = 2_000
#: Characters of a refused value quoted in the note about it.
NOTE_VALUE_CHARS = 40

#: A value written with six significant digits may sit this far (relative) outside a slider's
#: range and still be its end.
BOUNDS_SLACK = 1e-6

_NOTES_KEY = "link_notes"
#: Session key of the sidebar slot a `dashboard.live.live_section` reserved for the share link
#: in the current full run (`dashboard.widgets.share_link` fills it).
LINK_SLOT_KEY = "share_link_slot"
#: Session key of what this run's share link does not carry (set by a page, e.g. the fit page
#: showing an upload; shown under the link by `dashboard.widgets.share_link`).
LINK_CAVEAT_KEY = "share_link_caveat"
#: Session key of the set of parameters the current run has read (the page's own parameters).
READ_KEY = "link_params_read"


@dataclass(frozen=True)
class Param:
    """How one persistent value is read from and written to the query string.

    ``parse`` turns the link's text into a value and raises ValueError when it cannot;
    ``options`` (the values a picker offers), ``bounds`` (a slider's range, ends included) and
    ``valid`` (any other test) are the checks the widget itself would apply; ``expected`` says in
    words what a valid value looks like, for the note shown when a link's value is refused.
    """

    key: str
    default: Any
    parse: Callable[[str], Any]
    dump: Callable[[Any], str]
    valid: Callable[[Any], bool] | None = None
    options: tuple[Any, ...] = ()
    bounds: tuple[float, float] | None = None
    expected: str = ""
    label: str = ""
    #: The parts of a link's text that ``parse`` leaves out while keeping the rest (unknown
    #: names in a list): a note names them, as for a refused value.
    left_out: Callable[[str], list[str]] | None = None

    def read(self, text: str) -> Any:
        """The value a link's ``text`` stands for; ValueError if this control cannot show it."""
        if not isinstance(text, str) or len(text) > MAX_LINK_VALUE_CHARS:
            raise ValueError("too long")
        value = self.parse(text)
        if self.options and value not in self.options:
            raise ValueError(text)
        if self.bounds is not None:
            low, high = self.bounds
            if not low - BOUNDS_SLACK * abs(low) <= value <= high + BOUNDS_SLACK * abs(high):
                raise ValueError(text)
        if self.valid is not None and not self.valid(value):
            raise ValueError(text)
        return value


_REGISTRY: dict[str, Param] = {}


def _widget_key(key: str) -> str:
    return f"w_{key}"


def parse_float(text: str) -> float:
    """A finite float from the URL (``3e21``, ``0.4``); raises ValueError otherwise (inf, nan,
    1e400, a 100,000-digit number, empty or non-numeric text)."""
    if len(text) > 100:
        raise ValueError("too long for a number")
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def parse_int(text: str) -> int:
    """A whole number from the URL (``2``, or ``2.0``); raises ValueError otherwise."""
    stripped = text.strip()
    if len(stripped) > 30:
        raise ValueError("too long for a whole number")
    try:
        return int(stripped)
    except ValueError:
        value = parse_float(stripped)
    if not value.is_integer():
        raise ValueError(text)
    return int(value)


def dump_float(value: float) -> str:
    """Short URL form of a float: 3e21, 1.5e9, 0.4."""
    if value == 0 or 1e-3 <= abs(value) < 1e4:
        return f"{value:.6g}"
    return format_scientific(value, 6)


def parse_bool(text: str) -> bool:
    """'1'/'true' → True, '0'/'false' → False."""
    lowered = text.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(text)


def dump_bool(value: bool) -> str:
    """URL form of a bool: 1 or 0."""
    return "1" if value else "0"


def register(param: Param) -> Param:
    """Remember how a key round-trips through the URL; the latest description of a key wins
    (a widget's range or options may depend on the session, e.g. the user's own fits)."""
    _REGISTRY[param.key] = param
    return param


def registered() -> dict[str, Param]:
    """Every parameter registered so far, by key (the fuzz test over links reads this)."""
    return dict(_REGISTRY)


def shorten(text: str, limit: int = NOTE_VALUE_CHARS) -> str:
    """A link value as a note may quote it: at most ``limit`` characters, control and
    direction-changing characters written as escapes, and the length of what was cut."""
    head = "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode() for ch in text[:limit]
    )
    return head if len(text) <= limit else f"{head}… ({len(text):,} characters)"


def _note(param: Param, text: str, why: str = "", shown: str | None = None) -> None:
    """Remember that the link's value for ``param`` was refused (or, with ``shown``, what it
    kept of it); `link_notes` shows it."""
    notes = st.session_state.setdefault(_NOTES_KEY, {})
    notes[param.key] = (param, shorten(text), why, shown)


def link_value(param: Param) -> Any:
    """The value the link gives ``param``, or its default when the link has none; a value the
    control cannot show (not a number, inf, nan, 1e400, out of range, not an option, given twice
    with different values) falls back to the default with a note, never an error."""
    register(param)
    st.session_state.setdefault(READ_KEY, set()).add(param.key)
    values = st.query_params.get_all(param.key)
    if not values:
        return param.default
    if len(set(values)) > 1:
        _note(param, values[-1], f"given {len(values)} times with different values")
        return param.default
    try:
        value = param.read(values[-1])
    except Exception:  # an edited or stale link falls back to the default, never an error
        _note(param, values[-1])
        return param.default
    left_out = param.left_out(values[-1]) if param.left_out is not None else []
    if left_out:
        _note(param, ", ".join(left_out), "not one of the options, left out", param.dump(value))
    return value


def current(param: Param) -> Any:
    """The value of a persistent control: session state, else the URL, else its default."""
    register(param)
    if param.key in st.session_state:
        st.session_state.setdefault(READ_KEY, set()).add(param.key)
        return st.session_state[param.key]
    value = link_value(param)
    st.session_state[param.key] = value
    return value


def start_run() -> None:
    """Forget which parameters the previous run read, and the previous run's share-link slot
    (called first by every page)."""
    st.session_state[READ_KEY] = set()
    st.session_state.pop(LINK_SLOT_KEY, None)
    st.session_state.pop(LINK_CAVEAT_KEY, None)


def link_notes() -> list[str]:
    """One Markdown line per link value this run's controls refused: the parameter, the value
    (shortened), what it should be and the default shown instead. A note stays until the
    control is changed."""
    notes = st.session_state.get(_NOTES_KEY, {})
    read = st.session_state.get(READ_KEY, set())
    lines = []
    for key, (param, text, why, shown) in notes.items():
        if key not in read:
            continue
        name = f"**{escape_markdown(key)}**"
        if param.label:
            name += f" ({escape_markdown(param.label)})"
        reason = why or (f"expected {param.expected}" if param.expected else "not valid here")
        if shown is not None:  # part of the value kept
            kept = shorten(shown, 2 * NOTE_VALUE_CHARS)
            lines.append(
                f"{name}: “{escape_markdown(text)}” {escape_markdown(reason)}; "
                f"showing {escape_markdown(kept)}."
            )
            continue
        default = shorten(param.dump(param.default), 2 * NOTE_VALUE_CHARS)
        lines.append(
            f"{name} = “{escape_markdown(text)}”: {escape_markdown(reason)}; "
            f"showing the default{', ' + escape_markdown(default) if default else ''}."
        )
    return lines


def link_note_keys() -> frozenset[str]:
    """The parameters whose link value was refused and whose note still stands."""
    return frozenset(st.session_state.get(_NOTES_KEY, {}))


def forget_note(key: str) -> None:
    """Drop the note about ``key`` (its control was changed)."""
    st.session_state.get(_NOTES_KEY, {}).pop(key, None)


def prepare_widget(param: Param, value: Any) -> tuple[str, Callable[[], None]]:
    """Set the widget's own key to ``value`` and return (widget key, on_change callback).

    The callback copies the widget's value into the persistent key when the user moves it.
    """
    widget_key = _widget_key(param.key)
    st.session_state[widget_key] = value

    def store() -> None:
        st.session_state[param.key] = st.session_state[widget_key]
        forget_note(param.key)

    return widget_key, store


def query_string(values: dict[str, Any] | None = None) -> dict[str, str]:
    """URL form of every registered value in session state (or of ``values``)."""
    source = st.session_state if values is None else values
    out: dict[str, str] = {}
    for key, param in _REGISTRY.items():
        if key in source:
            out[key] = param.dump(source[key])
    return out


def sync_query_params() -> None:
    """Write every persistent value into the address bar (called once per run by app.py)."""
    wanted = query_string()
    for key, text in wanted.items():
        if st.query_params.get_all(key) != [text]:
            st.query_params[key] = text


# ---------------------------------------------------------------- global controls
LAW_KEYS: tuple[str, ...] = tuple(PRESETS)
LOSS_LAW_KEYS: tuple[str, ...] = tuple(k for k, law in PRESETS.items() if law.has_loss)


def _parse_keys(text: str) -> list[str]:
    """Law keys from a link; unknown names are skipped (a stale link keeps what it can), and a
    name given twice counts once."""
    keys = [k for k in text.split(",") if k in PRESETS or k.startswith(USER_FIT_PREFIX)]
    keys = list(dict.fromkeys(keys))
    if not keys:
        raise ValueError(text)
    return keys


#: Keys of laws fitted to the user's runs start with this; they live only in the session.
USER_FIT_PREFIX = "your-fit"


#: The laws compared by default (issue 21): Hoffmann et al.'s Approach 3 fit with its
#: unrounded constants, Besiroglu et al.'s refit of the same data and Porian et al.'s tuned
#: allocation, three fits a researcher would set side by side today. Kaplan et al.'s frontier
#: (N_opt ∝ C^0.73, far from the other three) is opt-in and carries its warning when chosen.
def _unknown_keys(text: str) -> list[str]:
    """The names in a link's list of laws that are not laws (`_parse_keys` skips them)."""
    return [
        k
        for k in dict.fromkeys(text.split(","))
        if k and k not in PRESETS and not k.startswith(USER_FIT_PREFIX)
    ]


COMPARE_LAWS = Param(
    "laws",
    ["chinchilla-2022-unrounded", "epoch-2024", "porian-2024-tuned"],
    _parse_keys,
    ",".join,
    expected="law names separated by commas, such as epoch-2024,chinchilla-2022",
    label="Laws to compare",
    left_out=_unknown_keys,
)
PRIMARY_LAW = Param("law", "epoch-2024", str, str)
COMPUTE_UNIT = Param("unit", "FLOP", str, str)

#: Session key holding the user's fitted laws ({key: law}); set by the fit page, never in the URL.
USER_LAWS = "user_laws"


def unshared_fits_in_link() -> list[str]:
    """Law keys a link asks for that name a fit of someone's runs missing from this session.

    Fits are never put in links (the data stays with whoever uploaded it), so a link made
    while a fit was selected cannot show that fit elsewhere; the sidebar says so.
    """
    requested: list[str] = []
    for key in (COMPARE_LAWS.key, PRIMARY_LAW.key):
        for text in st.query_params.get_all(key):
            if len(text) <= MAX_LINK_VALUE_CHARS:  # longer values are refused unread
                requested += text.split(",")
    laws = available_laws()
    return sorted({k for k in requested if k.startswith(USER_FIT_PREFIX) and k not in laws})


def available_laws() -> dict[str, Any]:
    """The published presets plus the laws fitted to the user's runs in this session."""
    laws: dict[str, Any] = dict(PRESETS)
    laws.update(st.session_state.get(USER_LAWS, {}))
    return laws
