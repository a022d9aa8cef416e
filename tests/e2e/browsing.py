"""What every browser journey does the same way: leave the login form for the
page the person lands on (each role lands on its own), and switch the
language with the header's list of languages."""

from __future__ import annotations

from typing import Any


def signed_in(page: Any) -> None:
    """Wait until the login form has sent the person on: customers to the start
    page, customer service to the customer search, a company to its portfolio."""
    page.wait_for_url(lambda url: "/login" not in url)


def choose_language(page: Any, code: str) -> None:
    """Open the header's language list (the one in sight) and pick ``code``."""
    switch = page.locator("details.lang:visible").first
    switch.locator("summary").click()
    switch.locator(f"button[name=lang][value={code}]").click()
    page.wait_for_function(f"document.documentElement.lang === '{code}'")
