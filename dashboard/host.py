"""Limits the operator of a shared host can set without editing code.

Each is read once, at start-up, from an environment variable ``SCALING_EXPLORER_<NAME>``
(with Docker: ``docker run -e SCALING_EXPLORER_JOB_MEMORY_MB=512 …``; on Streamlit Community
Cloud, a root-level entry of the app's secrets, which Streamlit exports as an environment
variable).  A value that is not a number within the setting's range is ignored, with a warning
in the server's log naming it, and the default is used.
"""

from __future__ import annotations

import logging
import math
import os

ENV_PREFIX = "SCALING_EXPLORER_"

_log = logging.getLogger(__name__)


def host_setting(
    name: str, default: float, *, low: float, high: float, integer: bool = False
) -> float:
    """``SCALING_EXPLORER_<name>`` from the environment when it is a number in [low, high]
    (a whole number when ``integer``: 2.9 jobs is not rounded down in silence), else
    ``default``."""
    variable = ENV_PREFIX + name
    text = os.environ.get(variable)
    if text is None or not text.strip():
        return default
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (low <= value <= high) or (integer and value != int(value)):
        kind = "a whole number" if integer else "a number"
        _log.warning(
            "%s=%r is not %s from %g to %g; using %g", variable, text, kind, low, high, default
        )
        return default
    return value
