"""DynamoDB items of published documents (keys in docs/data-model.md): a
document for one customer or one of its facilities lives in the customer's
partition (read with the customer's record), a document for everyone in the
utility's partition; the documents a person has opened are one item per
person and customer holding a set of ids."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from heatportal.adapters import dynamo_keys as keys
from heatportal.adapters.dynamo import DynamoTable, dump_item
from heatportal.domain.document_store import PublishedDocument

# How many documents for everyone a page lists (newest first).
UTILITY_DOCUMENTS_SHOWN = 50


def document_item(document: PublishedDocument) -> dict[str, Any]:
    key = (
        keys.utility_document(document.published_at, document.id)
        if document.customer_number is None
        else keys.customer_document(document.customer_number, document.published_at, document.id)
    )
    return {
        **key.item(),
        "type": "document",
        "id": document.id,
        "doc_type": document.type.value,
        "title": document.title,
        "audience": document.audience,
        "customer_number": document.customer_number,
        "facility_id": document.facility_id,
        "key": document.key,
        "filename": document.filename,
        "size": document.size,
        "published_at": document.published_at.isoformat(),
        "published_by": document.published_by,
    }


def document_from_item(item: dict[str, Any]) -> PublishedDocument:
    return PublishedDocument(
        id=item["id"],
        type=item["doc_type"],
        title=item["title"],
        audience=item["audience"],
        customer_number=item.get("customer_number"),
        facility_id=item.get("facility_id"),
        key=item["key"],
        filename=item["filename"],
        size=int(item["size"]),
        published_at=datetime.fromisoformat(item["published_at"]),
        published_by=item["published_by"],
    )


def opened_from_item(item: dict[str, Any]) -> tuple[str, frozenset[str]]:
    """(user id, the ids of the documents the person opened)."""
    return item["user_id"], frozenset(item.get("documents") or ())


class DynamoPublishedDocuments:
    """Implements services.document_store.PublishedDocuments."""

    def __init__(self, table: DynamoTable) -> None:
        self.table = table

    def put_document(self, document: PublishedDocument) -> None:
        self.table.put(document_item(document), condition="attribute_not_exists(PK)")

    def utility_documents(self) -> list[PublishedDocument]:
        """Documents for every customer, newest first."""
        items = self.table.query(keys.UTILITY, sk_prefix=keys.DOCUMENTS, forward=False, limit=UTILITY_DOCUMENTS_SHOWN)
        return [document_from_item(i) for i in items]

    def mark_opened(self, customer_number: str, user_id: str, document_id: str) -> None:
        self.table.call(
            "update_item",
            TableName=self.table.name,
            Key=dump_item(keys.documents_opened(customer_number, user_id).item()),
            UpdateExpression="ADD documents :id SET #t = :type, user_id = :user",
            ExpressionAttributeNames={"#t": "type"},
            ExpressionAttributeValues={
                ":id": {"SS": [document_id]},
                ":type": {"S": "documents_opened"},
                ":user": {"S": user_id},
            },
        )
