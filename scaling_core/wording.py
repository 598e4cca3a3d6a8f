"""Messages in two wordings: the command line's (flags, ``python -m``) and the page's (its own
controls).  The core says what to do in both; each front end shows its own (issue 21).

A `Note` is the command-line text itself (a ``str``, so the CLI and every existing caller
print it unchanged) carrying the page's text in ``.page``; `RunLogError` keeps the page's text
of a `Note` it is raised with.  `for_page` gives the page's wording of any message.
"""

from __future__ import annotations


class Note(str):
    """A message whose ``str`` is the command line's wording and whose ``page`` is the web
    page's (the same text when none is given)."""

    page: str

    def __new__(cls, cli: str, page: str | None = None) -> Note:
        note = super().__new__(cls, cli)
        note.page = cli if page is None else page
        return note

    def __reduce__(self) -> tuple[type[Note], tuple[str, str]]:
        return (Note, (str(self), self.page))


def for_page(message: object) -> str:
    """The page's wording of a core message: a `Note`, an exception raised with one (its
    ``page`` attribute), or any other message as it is."""
    page = getattr(message, "page", None)
    return str(message) if page is None else str(page)
