"""Words for the page, flags for the CLI (issue 21, item 4): every sample and every file of
the licensed real logs (each folder as a user would upload it), opened on the fit page, shows
no command-line flag (``--where``, ``--pool``, ``--column``...), no ``python -m`` command and
no Python call (``read_run_log(...)``) in any text on the page: messages, captions, metrics,
tables, widget labels and their help.  The page names its own controls instead."""

from __future__ import annotations

import re
from typing import Any

from streamlit.testing.v1 import AppTest

#: A flag (``--where``, ``--runs-meta``), a shell command, or a call of a snake_case Python
#: function or a dotted module path (``read_run_log(``, ``scaling_core.runs``).  A flag in
#: quotes is the file's own data quoted back (Gadre et al.'s logs record their training
#: command line, ``["--fsdp", ...]``), not the page's wording.
CLI_WORDS = re.compile(
    r"(?<![\w\"'-])--[a-z][a-z-]*|python3? -m|\b[a-z]+_[a-z_]+\(|\bscaling_core\.[a-z_.]+"
)


def page_texts(at: AppTest) -> list[str]:
    """Every text a visitor can read on the page (the sidebar's share link excepted: a URL)."""
    texts: list[str] = []
    for kind in ("markdown", "caption", "info", "warning", "error", "success", "title"):
        texts += [str(e.value) for e in getattr(at, kind)]
    for metric in at.metric:
        texts += [metric.label, str(metric.value), str(metric.proto.help)]
    for kind in ("selectbox", "multiselect", "slider", "select_slider", "checkbox", "toggle"):
        for widget in getattr(at, kind):
            texts += [str(widget.label), str(widget.help or "")]
            texts += [str(o) for o in getattr(widget, "options", [])[:50]]
    for frame in [*at.dataframe, *at.table, *at.get("arrow_data_frame")]:
        value: Any = frame.value
        texts += [str(c) for c in value.columns]
        texts += [str(v) for v in value.astype(str).to_numpy().ravel()[:5000]]
    return texts


def cli_words(at: AppTest) -> list[str]:
    assert not at.exception, at.exception
    found = []
    for text in page_texts(at):
        text = text.replace("\\", "")  # Markdown escapes (\-\-where reads as --where)
        found += [f"{m.group(0)!r} in {text[:160]!r}" for m in CLI_WORDS.finditer(text)]
    return found


# The scan itself runs in tests/test_page_cli_agree.py, on the same page runs that compare the
# page's fit with the command line's (every sample and every real-log folder), so each page is
# opened once for both checks.


def test_the_pattern_finds_what_the_issue_quotes() -> None:
    """The scan catches the issue's examples and passes the page's own notation."""
    for bad in (
        "--where COLUMN=VALUE",
        "with --pool",
        "read_run_log(..., shape='runs')",
        "python -m scaling_core fit FILE",
        "see scaling_core.runs.snapshot_losses",
    ):
        assert CLI_WORDS.search(bad), bad
    for fine in (
        '["--fsdp", "--fsdp-amp"]',
        "L(N, D) = E + A/N^α",
        "log(ppl)",
        "N_opt(C)",
        "190M-1B",
        "a 95% CI 0.4-0.5",
        "Fit to — automatic",
        "E (irreducible loss)",
    ):
        assert not CLI_WORDS.search(fine), fine


def test_a_note_keeps_both_wordings_through_pickling_and_errors() -> None:
    """The CLI prints the string (flags); the page reads ``for_page`` (its controls); both
    survive a cache or a child process (pickle) and a `RunLogError`."""
    import pickle

    from scaling_core.runs import RunLogError
    from scaling_core.runs.factors import sweep_factors
    from scaling_core.wording import Note, for_page

    note = pickle.loads(pickle.dumps(Note("use --pool", "set every picker to all")))
    assert str(note) == "use --pool" and for_page(note) == "set every picker to all"
    error = RunLogError(Note("name it with --column loss=NAME", "pick it as Loss"))
    assert "--column" in str(error) and for_page(error) == "pick it as Loss"
    assert for_page("plain text") == "plain text"
    import pandas as pd

    runs = pd.DataFrame(
        {
            "n_params": [1e8, 1e8, 2e8, 2e8],
            "n_tokens": [2e9, 2e9, 4e9, 4e9],
            "loss": [3.0, 3.1, 2.9, 3.0],
            "dataset": ["a", "b", "a", "b"],
        }
    )
    (line,) = sweep_factors(runs).notes()
    assert "--where dataset=a" in line and "--pool" in line
    assert not CLI_WORDS.search(for_page(line)) and "dataset = a" in for_page(line)
