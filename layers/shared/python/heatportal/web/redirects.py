"""Where the portal may send a browser after a form: a path on this site only.

Browsers are lenient readers of a ``Location``: they drop tabs and newlines
anywhere in it, trim control characters and spaces at its ends, and read a
backslash as a slash, so ``/<TAB>/evil.example`` and ``/\\evil.example`` both
become ``//evil.example``, another host. A target is therefore refused (and
the person sent to the start page) unless it parses as a bare path and holds
no character a browser might drop or reinterpret.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

HOME = "/"
# Control, format (bidi overrides, zero-width), line and paragraph separators.
_INVISIBLE = frozenset({"Cc", "Cf", "Zl", "Zp"})


def safe_next(target: str | None) -> str:
    """``target`` when it is a path on this site, otherwise ``/``."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return HOME
    if "\\" in target or any(c.isspace() or unicodedata.category(c) in _INVISIBLE for c in target):
        return HOME
    try:
        parts = urlsplit(target)
    except ValueError:
        return HOME
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith("//"):
        return HOME
    return target
