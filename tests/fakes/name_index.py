"""The customer name index (``services.accounts.NameIndex``) computed from the
customers the customer repository holds, sorted like the table's sort key
(``adapters.dynamo_names.DynamoNameIndex``)."""

from __future__ import annotations

from heatportal.domain.model import Customer
from heatportal.domain.name_search import name_tokens, partition_of
from heatportal.services.accounts import NameIndex
from tests.fakes.customers import InMemoryCustomerRepository


class InMemoryNameIndex(NameIndex):
    def __init__(self, customers: InMemoryCustomerRepository) -> None:
        self.customers = customers
        self.requests = 0

    def name_matches(self, word: str, limit: int) -> list[tuple[str, str]]:
        self.requests += 1
        entries = sorted(
            (token, c.number, c.name)
            for c in self.customers.customers.values()
            for token in name_tokens(c.name)
            if partition_of(token) == partition_of(word)
        )
        return [(number, name) for token, number, name in entries if token.startswith(word)][:limit]

    def get_customers(self, numbers: list[str]) -> list[Customer]:
        self.requests += 1
        return [self.customers.customers[n] for n in numbers if n in self.customers.customers]
