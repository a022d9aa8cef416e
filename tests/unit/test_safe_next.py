"""``safe_next``: whatever a person (or an attacker's link) puts in ``next``,
the answer is a path on this site that a browser cannot read as another
host: no scheme, no host, no backslash, no control character anywhere."""

from __future__ import annotations

import unicodedata
from urllib.parse import urljoin, urlsplit

from hypothesis import given
from hypothesis import strategies as st

from heatportal.web.redirects import safe_next

SITE = "https://portal.example/"


def _browser_reading(target: str) -> str:
    """How a WHATWG browser reads a Location: tabs and newlines dropped,
    leading and trailing C0 controls and spaces trimmed, backslash as slash."""
    cleaned = "".join(c for c in target if c not in "\t\n\r").strip(
        "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f "
    )
    return cleaned.replace("\\", "/")


@given(
    st.text(max_size=60)
    | st.sampled_from(["/\t/evil.example", "/%09/x", "//a", "/\\a", "https://a/"]).flatmap(
        lambda s: st.builds(lambda p, q: p + s + q, st.text(max_size=3), st.text(max_size=3))
    )
)
def test_the_answer_never_leaves_the_site(target: str) -> None:
    answer = safe_next(target)
    assert answer.startswith("/")
    assert not any(unicodedata.category(c) in {"Cc", "Cf", "Zl", "Zp"} for c in answer)
    assert "\\" not in answer
    parts = urlsplit(answer)
    assert (parts.scheme, parts.netloc) == ("", "")
    assert urlsplit(urljoin(SITE, _browser_reading(answer))).netloc == "portal.example"


def test_paths_on_the_site_are_kept() -> None:
    for target in ("/", "/meters/M1?submitted=1", "/invoices#open", "/account/users?customer=100-1"):
        assert safe_next(target) == target


def test_the_known_tricks_go_home() -> None:
    for target in (None, "", "meters", "//evil", "/\\evil", "/\t/evil", "/\x00/evil", "https://evil/", "/\u202e/x"):
        assert safe_next(target) == "/"
