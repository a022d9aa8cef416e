"""Customer names as search tokens (customer service finds a customer by name).

A name is folded the way people type it at a counter: lower case, accents
dropped, and the Nordic and German letters that do not decompose written in
plain letters, so "Ødegård" is found by "odegard", "ødegård" and "Ode".
Tokens are the words of the folded name; a query matches a customer when its
words are prefixes of the customer's words.
"""

from __future__ import annotations

import re
import unicodedata

# Letters that Unicode does not decompose into a base letter and an accent.
_PLAIN = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "đ": "d", "ð": "d", "ł": "l", "þ": "th", "ı": "i"})
_WORD = re.compile(r"[0-9a-z]+")
MIN_TOKEN = 2
MAX_QUERY_TOKENS = 3
PARTITION_LETTERS = 2


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.translate(_PLAIN)


def name_tokens(name: str) -> list[str]:
    """The distinct words of a name, folded, in order (``"Bauer, Michael"`` -> bauer, michael)."""
    return list(dict.fromkeys(w for w in _WORD.findall(fold(name)) if len(w) >= MIN_TOKEN))


def query_tokens(query: str) -> list[str]:
    """The words of a name query worth a lookup: at most three, longest first
    (the longest word narrows the search most)."""
    words = name_tokens(query)
    return sorted(words, key=len, reverse=True)[:MAX_QUERY_TOKENS]


def partition_of(token: str) -> str:
    """The index partition of a token: its first letters, so a prefix query of
    at least ``MIN_TOKEN`` letters reads one partition."""
    return token[:PARTITION_LETTERS]


def matched_words(query: list[str], name: str) -> int:
    """How many query words are a prefix of some word of ``name``."""
    words = name_tokens(name)
    return sum(1 for q in query if any(w.startswith(q) for w in words))
