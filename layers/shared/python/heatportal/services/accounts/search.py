"""Customer service finds a customer: by number, e-mail on record, meter number
or name (accents optional, "odeg" finds "Ødegård"), each on a designed key
(GetItem or index Query, never a Scan)."""

from __future__ import annotations

import re
from typing import Protocol

from heatportal.domain.errors import Forbidden
from heatportal.domain.model import Customer
from heatportal.domain.name_search import fold, matched_words, query_tokens
from heatportal.domain.profile import UtilityProfile
from heatportal.ports import CustomerRepository
from heatportal.services.access import Principal
from heatportal.services.accounts.common import AccountStore

NAME_RESULTS = 20
NAME_CANDIDATES_PER_WORD = 200


class NameIndex(Protocol):
    """Customers by the words of their name (adapters.dynamo_names)."""

    def name_matches(self, word: str, limit: int) -> list[tuple[str, str]]:
        """(customer number, name) of up to ``limit`` customers with a name word starting with ``word``."""
        ...

    def get_customers(self, numbers: list[str]) -> list[Customer]:
        """The customers with these numbers, in this order (one batch read)."""
        ...


class CustomerSearch:
    def __init__(
        self,
        *,
        profile: UtilityProfile,
        customers: CustomerRepository,
        store: AccountStore,
        names: NameIndex | None = None,
    ) -> None:
        self.profile = profile
        self.customers = customers
        self.store = store
        self.names = names

    def find_customers(self, principal: Principal, query: str) -> list[Customer]:
        """Exact hits (number, e-mail, meter) come first; name hits follow,
        those matching every word of the query before those matching fewer,
        then by name; at most NAME_RESULTS name hits."""
        if not principal.is_staff:
            raise Forbidden("Only customer service may search customers.", code="forbidden")
        text = query.strip()
        if not text:
            return []
        found: dict[str, Customer] = {}
        number = text.replace("-", "/") if "/" in self.profile.customer_number_pattern else text
        if re.fullmatch(self.profile.customer_number_pattern, number):
            by_number = self.customers.get_customer(number)
            if by_number is not None:
                found[by_number.number] = by_number
        if "@" in text:
            for by_email in self.store.customers_by_email(text.lower()):
                found[by_email.number] = by_email
            return sorted(found.values(), key=lambda c: c.number)
        meter = self.customers.find_meter(text)
        if meter is not None:
            by_meter = self.customers.get_customer(meter.customer_number)
            if by_meter is not None:
                found[by_meter.number] = by_meter
        exact = sorted(found.values(), key=lambda c: c.number)
        return exact + [c for c in self._find_by_name(text) if c.number not in found]

    def _find_by_name(self, text: str) -> list[Customer]:
        words = query_tokens(text)
        if self.names is None or not words or not any(c.isalpha() for c in text):
            return []
        names: dict[str, str] = {}
        for word in words:
            for customer_number, name in self.names.name_matches(word, NAME_CANDIDATES_PER_WORD):
                names[customer_number] = name
        ranked = sorted(
            ((matched_words(words, name), fold(name), number) for number, name in names.items()),
            key=lambda hit: (-hit[0], hit[1], hit[2]),
        )
        best = [number for score, _name, number in ranked if score > 0][:NAME_RESULTS]
        return self.names.get_customers(best) if best else []
