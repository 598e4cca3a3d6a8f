"""Every page on a phone screen (390 × 844): the half of tests/test_browser_screens.py that
runs in a file of its own, so that the suite's two workers (whole files each) open the desktop
and the phone screens at the same time."""

from __future__ import annotations

import pytest

from tests.test_browser_screens import PHONE, screen_problems

pytestmark = pytest.mark.browser


def test_every_page_on_a_phone(browser, app_server) -> None:  # type: ignore[no-untyped-def]
    problems = screen_problems(browser, app_server, *PHONE)
    assert not problems, "\n".join(problems)
