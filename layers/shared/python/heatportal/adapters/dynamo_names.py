"""The customer name index on the single table: staff find a customer by
name without a Scan (keys and access pattern in docs/data-model.md).

One small item per distinct word of the folded name (domain.name_search),
written with the customer (``customer_with_name_items``; the demo loader and
every other writer of customers use it). A name query reads, per query word
(at most three), one Query on the word's partition with
``begins_with(SK, word)``, capped; the best matches are then read with one
BatchGetItem. A customer's name changes only with ``rename``, one transaction
that updates the profile and swaps the tokens.
"""

from __future__ import annotations

from typing import Any

from heatportal.adapters import dynamo_keys as keys
from heatportal.adapters.dynamo import DynamoTable, customer_from_item, customer_item, dump_item
from heatportal.domain.model import Customer
from heatportal.domain.name_search import name_tokens, partition_of


def name_index_items(customer: Customer) -> list[dict[str, Any]]:
    return [
        {
            **keys.name_token(partition_of(token), token, customer.number).item(),
            "type": "name_token",
            "customer_number": customer.number,
            "name": customer.name,
        }
        for token in name_tokens(customer.name)
    ]


def customer_with_name_items(customer: Customer) -> list[dict[str, Any]]:
    """The customer's profile item and its name tokens: what a writer of customers puts."""
    return [customer_item(customer), *name_index_items(customer)]


class DynamoNameIndex:
    """Implements services.accounts.NameIndex."""

    def __init__(self, table: DynamoTable) -> None:
        self.table = table

    def name_matches(self, word: str, limit: int) -> list[tuple[str, str]]:
        items = self.table.query(keys.name_pk(partition_of(word)), sk_prefix=word, limit=limit)
        return [(i["customer_number"], i["name"]) for i in items]

    def get_customers(self, numbers: list[str]) -> list[Customer]:
        found = {
            customer.number: customer
            for customer in (
                customer_from_item(i) for i in self.table.batch_get([keys.customer(n) for n in numbers]).values()
            )
        }
        return [found[n] for n in numbers if n in found]

    def rename(self, customer: Customer, new_name: str) -> Customer:
        """Change the customer's name on record and its tokens in one transaction."""
        renamed = customer.model_copy(update={"name": new_name})
        old = {(i["PK"], i["SK"]) for i in name_index_items(customer)}
        new = {(i["PK"], i["SK"]): i for i in name_index_items(renamed)}
        name = self.table.name
        actions: list[dict[str, Any]] = [
            {
                "Update": {
                    "TableName": name,
                    "Key": dump_item(keys.customer(customer.number).item()),
                    "UpdateExpression": "SET #n = :n",
                    "ConditionExpression": "attribute_exists(PK)",
                    "ExpressionAttributeNames": {"#n": "name"},
                    "ExpressionAttributeValues": dump_item({":n": new_name}),
                }
            }
        ]
        actions += [
            {"Delete": {"TableName": name, "Key": dump_item(keys.Key(pk, sk).item())}}
            for pk, sk in sorted(old - set(new))
        ]
        actions += [{"Put": {"TableName": name, "Item": dump_item(item)}} for item in new.values()]
        self.table.call("transact_write_items", TransactItems=actions)
        return renamed
