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

from charts.format import format_scientific
from scaling_core.presets import PRESETS


@dataclass(frozen=True)
class Param:
    """How one persistent value is read from and written to the query string."""

    key: str
    default: Any
    parse: Callable[[str], Any]
    dump: Callable[[Any], str]


_REGISTRY: dict[str, Param] = {}


def _widget_key(key: str) -> str:
    return f"w_{key}"


def parse_float(text: str) -> float:
    """A positive finite float from the URL; raises ValueError otherwise."""
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


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
    """Remember how a key round-trips through the URL (idempotent)."""
    _REGISTRY.setdefault(param.key, param)
    return _REGISTRY[param.key]


def current(param: Param, *, valid: Callable[[Any], bool] = lambda _: True) -> Any:
    """The value of a persistent control: session state, else the URL, else its default."""
    register(param)
    if param.key in st.session_state:
        return st.session_state[param.key]
    value = param.default
    if param.key in st.query_params:
        try:
            candidate = param.parse(st.query_params[param.key])
            if valid(candidate):
                value = candidate
        except (ValueError, TypeError):
            pass  # an edited or stale link falls back to the default; never an error
    st.session_state[param.key] = value
    return value


def prepare_widget(param: Param, value: Any) -> tuple[str, Callable[[], None]]:
    """Set the widget's own key to ``value`` and return (widget key, on_change callback).

    The callback copies the widget's value into the persistent key when the user moves it.
    """
    widget_key = _widget_key(param.key)
    st.session_state[widget_key] = value

    def store() -> None:
        st.session_state[param.key] = st.session_state[widget_key]

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
        if st.query_params.get(key) != text:
            st.query_params[key] = text


# ---------------------------------------------------------------- global controls
LAW_KEYS: tuple[str, ...] = tuple(PRESETS)
LOSS_LAW_KEYS: tuple[str, ...] = tuple(k for k, law in PRESETS.items() if law.has_loss)


def _parse_keys(text: str) -> list[str]:
    """Law keys from a link; unknown names are skipped (a stale link keeps what it can)."""
    keys = [k for k in text.split(",") if k in PRESETS or k.startswith(USER_FIT_PREFIX)]
    if not keys:
        raise ValueError(text)
    return keys


#: Keys of laws fitted to the user's runs start with this; they live only in the session.
USER_FIT_PREFIX = "your-fit"

COMPARE_LAWS = Param(
    "laws",
    [
        "kaplan-2020",
        "kaplan-2020-frontier",
        "chinchilla-2022",
        "chinchilla-2022-unrounded",
        "epoch-2024",
        "porian-2024-tuned",
    ],
    _parse_keys,
    ",".join,
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
    if COMPARE_LAWS.key in st.query_params:
        requested += st.query_params[COMPARE_LAWS.key].split(",")
    if PRIMARY_LAW.key in st.query_params:
        requested.append(st.query_params[PRIMARY_LAW.key])
    laws = available_laws()
    return sorted({k for k in requested if k.startswith(USER_FIT_PREFIX) and k not in laws})


def available_laws() -> dict[str, Any]:
    """The published presets plus the laws fitted to the user's runs in this session."""
    laws: dict[str, Any] = dict(PRESETS)
    laws.update(st.session_state.get(USER_LAWS, {}))
    return laws
