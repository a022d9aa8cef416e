"""DynamoDB items of contracts and moving (keys and access patterns in
docs/data-model.md): a customer's supplies and contract versions (read with
the customer's record), signing orders, the facility's supply history
(GSI1 ``FACILITY#<id>``), facilities nobody has moved into yet (GSI2
``VACANT``), the incoming party's confirmation of a move, new customer
numbers.

Moving out is one transaction (the supply ended, each of the facility's
meters removed that day, its final reading stored); moving in is one
transaction (the new customer if new, the facility, its meters from the day,
the supply and its first contract version, the previous supply taken over).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from heatportal.adapters import dynamo_keys as keys
from heatportal.adapters.dynamo import (
    DynamoTable,
    conditional_check_failed,
    customer_item,
    dump_item,
    facility_item,
    meter_item,
    reading_item,
)
from heatportal.adapters.dynamo_accounts import audit_item
from heatportal.adapters.dynamo_names import name_index_items
from heatportal.domain.accounts import AuditEntry
from heatportal.domain.contracts import ContractTerms, ContractVersion, Supply
from heatportal.domain.model import Address, Customer, Reading
from heatportal.domain.moving import IncomingParty, MoveIn, MoveInHandshake, MoveOut
from heatportal.domain.signing import CodeOrder, SigningOrder


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _from_day(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def _moment(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _from_moment(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def supply_item(supply: Supply) -> dict[str, Any]:
    vacant = supply.ended_on is not None and supply.successor is None
    return {
        **keys.supply(supply.customer_number, supply.facility_id, supply.started_on).item(),
        **keys.by_facility_supply(supply.facility_id, supply.started_on, supply.customer_number).item(),
        **(keys.vacant_facility(supply.ended_on, supply.facility_id).item() if vacant and supply.ended_on else {}),
        "type": "supply",
        "customer_number": supply.customer_number,
        "facility_id": supply.facility_id,
        "started_on": supply.started_on.isoformat(),
        "ended_on": _day(supply.ended_on),
        "forwarding_address": supply.forwarding_address.model_dump() if supply.forwarding_address else None,
        "final_invoice_from": _day(supply.final_invoice_from),
        "final_invoice_due_by": _day(supply.final_invoice_due_by),
        "final_invoice": supply.final_invoice,
        "ended_by": supply.ended_by,
        "ended_at": _moment(supply.ended_at),
        "successor": supply.successor,
    }


def supply_from_item(item: dict[str, Any]) -> Supply:
    address = item.get("forwarding_address")
    return Supply(
        customer_number=item["customer_number"],
        facility_id=item["facility_id"],
        started_on=date.fromisoformat(item["started_on"]),
        ended_on=_from_day(item.get("ended_on")),
        forwarding_address=Address(**address) if address else None,
        final_invoice_from=_from_day(item.get("final_invoice_from")),
        final_invoice_due_by=_from_day(item.get("final_invoice_due_by")),
        final_invoice=int(item["final_invoice"]) if item.get("final_invoice") is not None else None,
        ended_by=item.get("ended_by"),
        ended_at=_from_moment(item.get("ended_at")),
        successor=item.get("successor"),
    )


def contract_version_item(version: ContractVersion) -> dict[str, Any]:
    return {
        **keys.contract_version(version.customer_number, version.facility_id, version.valid_from).item(),
        "type": "contract_version",
        "customer_number": version.customer_number,
        "facility_id": version.facility_id,
        "valid_from": version.valid_from.isoformat(),
        "product": version.terms.product,
        "options": dict(version.terms.options) or None,
        "term_months": version.terms.term_months,
        "signed_by": version.signed_by,
        "signed_at": _moment(version.signed_at),
        "signature_method": version.signature_method,
        "signature_reference": version.signature_reference,
        "document_id": version.document_id,
    }


def contract_version_from_item(item: dict[str, Any]) -> ContractVersion:
    return ContractVersion(
        customer_number=item["customer_number"],
        facility_id=item["facility_id"],
        valid_from=date.fromisoformat(item["valid_from"]),
        terms=ContractTerms(
            product=item["product"], options=dict(item.get("options") or {}), term_months=int(item["term_months"])
        ),
        signed_by=item.get("signed_by"),
        signed_at=_from_moment(item.get("signed_at")),
        signature_method=item.get("signature_method"),
        signature_reference=item.get("signature_reference"),
        document_id=item.get("document_id"),
    )


def signing_order_item(order: SigningOrder) -> dict[str, Any]:
    return {
        **keys.signing_order(order.customer_number, order.order_ref).item(),
        "type": "signing_order",
        "order_ref": order.order_ref,
        "customer_number": order.customer_number,
        "facility_id": order.facility_id,
        "user_id": order.user_id,
        "email": order.email,
        "method": order.method,
        "valid_from": order.valid_from.isoformat(),
        "product": order.terms.product,
        "options": dict(order.terms.options) or None,
        "term_months": order.terms.term_months,
        "started_at": order.started_at.isoformat(),
        "qr_start_token": order.qr_start_token,
        "qr_start_secret": order.qr_start_secret,
        "auto_start_token": order.auto_start_token,
        "status": order.status,
        "hint": order.hint,
        "document_id": order.document_id,
        "expires_at": order.expires_at,
    }


def signing_order_from_item(item: dict[str, Any]) -> SigningOrder:
    return SigningOrder(
        order_ref=item["order_ref"],
        customer_number=item["customer_number"],
        facility_id=item["facility_id"],
        user_id=item["user_id"],
        email=item["email"],
        method=item["method"],
        valid_from=date.fromisoformat(item["valid_from"]),
        terms=ContractTerms(
            product=item["product"], options=dict(item.get("options") or {}), term_months=int(item["term_months"])
        ),
        started_at=datetime.fromisoformat(item["started_at"]),
        qr_start_token=item.get("qr_start_token"),
        qr_start_secret=item.get("qr_start_secret"),
        auto_start_token=item.get("auto_start_token"),
        status=item.get("status", "pending"),
        hint=item.get("hint"),
        document_id=item.get("document_id"),
        expires_at=int(item["expires_at"]),
    )


def handshake_item(handshake: MoveInHandshake) -> dict[str, Any]:
    incoming = handshake.incoming
    return {
        **keys.move_in(handshake.id).item(),
        "type": "move_in_handshake",
        "id": handshake.id,
        "outgoing": handshake.outgoing,
        "facility_id": handshake.facility_id,
        "moving_on": handshake.moving_on.isoformat(),
        "readings": dict(handshake.readings),
        "incoming": incoming.model_dump(mode="json"),
        "code_hash": handshake.code_hash,
        "attempts": handshake.attempts,
        "created_at": handshake.created_at.isoformat(),
        "expires_at": handshake.expires_at,
        "confirmed_as": handshake.confirmed_as,
    }


def handshake_from_item(item: dict[str, Any]) -> MoveInHandshake:
    return MoveInHandshake(
        id=item["id"],
        outgoing=item["outgoing"],
        facility_id=item["facility_id"],
        moving_on=date.fromisoformat(item["moving_on"]),
        readings={number: Decimal(value) for number, value in (item.get("readings") or {}).items()},
        incoming=IncomingParty.model_validate(item["incoming"]),
        code_hash=item["code_hash"],
        attempts=int(item.get("attempts", 0)),
        created_at=datetime.fromisoformat(item["created_at"]),
        expires_at=int(item["expires_at"]),
        confirmed_as=item.get("confirmed_as"),
    )


class DynamoContractStore:
    """Implements services.contracts' ContractStore and SigningOrders and
    services.moving's MovingStore on the single table."""

    def __init__(self, table: DynamoTable) -> None:
        self.table = table

    # --- contract versions and signing orders -----------------------------------------
    def put_contract_version(self, version: ContractVersion) -> None:
        self.table.put(contract_version_item(version))

    def put_signing_order(self, order: SigningOrder) -> None:
        self.table.put(signing_order_item(order))

    def get_signing_order(self, customer_number: str, order_ref: str) -> SigningOrder | None:
        item = self.table.get(keys.signing_order(customer_number, order_ref), consistent=True)
        return signing_order_from_item(item) if item else None

    def finish_signing_order(self, order: SigningOrder, version: ContractVersion) -> bool:
        """The order completed and the new contract version, at once and once:
        False when the order was finished before (a second poll)."""
        return self.table.transact(
            [
                {
                    "Update": {
                        "TableName": self.table.name,
                        "Key": dump_item(keys.signing_order(order.customer_number, order.order_ref).item()),
                        "UpdateExpression": "SET #s = :done, document_id = :doc",
                        "ConditionExpression": "#s = :pending",
                        "ExpressionAttributeNames": {"#s": "status"},
                        "ExpressionAttributeValues": dump_item(
                            {":done": "complete", ":pending": "pending", ":doc": order.document_id or ""}
                        ),
                    }
                },
                {"Put": {"TableName": self.table.name, "Item": dump_item(contract_version_item(version))}},
                {
                    # Pricing reads the customer's contract versions only when this is set.
                    "Update": {
                        "TableName": self.table.name,
                        "Key": dump_item(keys.customer(order.customer_number).item()),
                        "UpdateExpression": "SET custom_terms = :yes",
                        "ConditionExpression": "attribute_exists(PK)",
                        "ExpressionAttributeValues": dump_item({":yes": True}),
                    }
                },
            ]
        )

    def contract_versions(self, customer_number: str) -> list[ContractVersion]:
        items = self.table.query(keys.customer_pk(customer_number), sk_prefix=keys.CONTRACT_VERSIONS)
        return [contract_version_from_item(i) for i in items]

    def fail_signing_order(self, order: SigningOrder, hint: str) -> None:
        try:
            self.table.call(
                "update_item",
                TableName=self.table.name,
                Key=dump_item(keys.signing_order(order.customer_number, order.order_ref).item()),
                UpdateExpression="SET #s = :failed, hint = :hint",
                ConditionExpression="#s = :pending",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues=dump_item({":failed": "failed", ":pending": "pending", ":hint": hint}),
            )
        except ClientError as error:
            if not conditional_check_failed(error):  # a second poll finished it first
                raise

    # --- the e-mail code signing method ------------------------------------------------
    def put_code_order(self, order: CodeOrder) -> None:
        self.update_code_order(order)

    def update_code_order(self, order: CodeOrder) -> None:
        expires = order.started_at.timestamp() + 3600
        self.table.put(
            {
                **keys.signing_code(order.order_ref).item(),
                "type": "signing_code",
                **order.model_dump(mode="json"),
                "expires_at": int(expires),
            }
        )

    def get_code_order(self, order_ref: str) -> CodeOrder | None:
        item = self.table.get(keys.signing_code(order_ref), consistent=True)
        if item is None:
            return None
        fields = {name: item[name] for name in CodeOrder.model_fields if name in item}
        return CodeOrder.model_validate({**fields, "tries": int(item.get("tries", 0))})

    def add_audit(self, entry: AuditEntry) -> None:
        self.table.put(audit_item(entry))

    # --- supplies ----------------------------------------------------------------------
    def supplies_of_customer(self, customer_number: str) -> list[Supply]:
        items = self.table.query(keys.customer_pk(customer_number), sk_prefix=keys.SUPPLIES)
        return [supply_from_item(i) for i in items]

    def supplies_of_facility(self, facility_id: str) -> list[Supply]:
        """Every supply at the facility, oldest first (GSI1 ``FACILITY#<id>``)."""
        items = self.table.query(keys.facility_pk(facility_id), index=keys.GSI1, sk_prefix=keys.SUPPLIES)
        return [supply_from_item(i) for i in items]

    def vacant_facilities(self) -> list[Supply]:
        """Ended supplies nobody has taken over, oldest move first (GSI2 ``VACANT``)."""
        return [supply_from_item(i) for i in self.table.query(keys.VACANT, index=keys.GSI2)]

    # --- moving out -----------------------------------------------------------------------
    def move_out(self, move: MoveOut) -> bool:
        """One transaction: the supply ended (absent or not ended yet), each
        meter removed that day with its final invoice start (if not removed
        yet), each final reading stored (unless an actual one is). False
        (nothing written) when a condition failed."""
        supply = supply_item(move.supply)
        items: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self.table.name,
                    "Item": dump_item(supply),
                    "ConditionExpression": "attribute_not_exists(PK) OR attribute_not_exists(ended_on)",
                }
            }
        ]
        for meter in move.meters:
            days = {":on": _day(move.supply.ended_on), ":from": _day(meter.final_invoice_from)}
            # A value of None is not stored (dump_item leaves it out), so it is not named either.
            named = {name: value for name, value in days.items() if value is not None}
            update = ", ".join(
                f"{field} = {name}"
                for field, name in (("removed_on", ":on"), ("final_invoice_from", ":from"))
                if name in named
            )
            items.append(
                {
                    "Update": {
                        "TableName": self.table.name,
                        "Key": dump_item(keys.meter(meter.customer_number, meter.number).item()),
                        "UpdateExpression": f"SET {update}",
                        "ConditionExpression": "attribute_exists(PK) AND attribute_not_exists(removed_on)",
                        "ExpressionAttributeValues": dump_item(named),
                    }
                }
            )
        for reading in move.final_readings:
            items.append(self._put_reading(reading))
        customer = "SET final_invoice_due = if_not_exists(final_invoice_due, :due)"
        values: dict[str, Any] = {":due": move.final_invoice_due.isoformat()}
        if move.billing_address is not None:
            customer += ", address = :address"
            values[":address"] = move.billing_address.model_dump()
        items.append(
            {
                "Update": {
                    "TableName": self.table.name,
                    "Key": dump_item(keys.customer(move.supply.customer_number).item()),
                    "UpdateExpression": customer,
                    "ConditionExpression": "attribute_exists(PK)",
                    "ExpressionAttributeValues": dump_item(values),
                }
            }
        )
        return self.table.transact(items)

    def set_final_invoice(self, supply: Supply, invoice_number: int, still_due: date | None) -> None:
        """The supply's final invoice issued; the customer's next deadline (None: none left)."""
        customer: dict[str, Any] = {
            "TableName": self.table.name,
            "Key": dump_item(keys.customer(supply.customer_number).item()),
            "UpdateExpression": "SET final_invoice_due = :due" if still_due else "REMOVE final_invoice_due",
        }
        if still_due:
            customer["ExpressionAttributeValues"] = dump_item({":due": still_due.isoformat()})
        self.table.transact(
            [
                {
                    "Update": {
                        "TableName": self.table.name,
                        "Key": dump_item(
                            keys.supply(supply.customer_number, supply.facility_id, supply.started_on).item()
                        ),
                        "UpdateExpression": "SET final_invoice = :n",
                        "ExpressionAttributeValues": dump_item({":n": invoice_number}),
                    }
                },
                {"Update": customer},
            ]
        )

    def _put_reading(self, reading: Reading) -> dict[str, Any]:
        # As DynamoRepository.add_reading: an estimate is replaced, an actual one kept.
        return {
            "Put": {
                "TableName": self.table.name,
                "Item": dump_item(reading_item(reading)),
                "ConditionExpression": "attribute_not_exists(PK) OR estimated = :yes",
                "ExpressionAttributeValues": dump_item({":yes": True}),
            }
        }

    # --- moving in ---------------------------------------------------------------------------
    def move_in(self, move: MoveIn) -> bool:
        """One transaction: the new customer (if absent), the facility, each
        meter from the day (if the customer has none of that number), the
        supply and its first contract version, the readings of the day (unless
        actual ones are stored), and the previous supply taken over (if it
        ended and nobody took it over yet). False (nothing written) otherwise."""
        items: list[dict[str, Any]] = []
        if move.new_customer is not None:
            items.append(self._put_if_absent(customer_item(move.new_customer)))
            items += [
                {"Put": {"TableName": self.table.name, "Item": dump_item(token)}}
                for token in name_index_items(move.new_customer)
            ]
        items.append({"Put": {"TableName": self.table.name, "Item": dump_item(facility_item(move.facility))}})
        items += [self._put_if_absent(meter_item(meter)) for meter in move.meters]
        items.append(self._put_if_absent(supply_item(move.supply)))
        items.append({"Put": {"TableName": self.table.name, "Item": dump_item(contract_version_item(move.version))}})
        items += [self._put_reading(reading) for reading in move.readings]
        if move.previous is not None:
            previous = move.previous
            items.append(
                {
                    "Update": {
                        "TableName": self.table.name,
                        "Key": dump_item(
                            keys.supply(previous.customer_number, previous.facility_id, previous.started_on).item()
                        ),
                        "UpdateExpression": "SET successor = :next REMOVE GSI2PK, GSI2SK",
                        "ConditionExpression": "attribute_exists(ended_on) AND attribute_not_exists(successor)",
                        "ExpressionAttributeValues": dump_item({":next": move.supply.customer_number}),
                    }
                }
            )
        return self.table.transact(items)

    def _put_if_absent(self, item: dict[str, Any]) -> dict[str, Any]:
        return {
            "Put": {
                "TableName": self.table.name,
                "Item": dump_item(item),
                "ConditionExpression": "attribute_not_exists(PK)",
            }
        }

    def create_customer(self, customer: Customer) -> bool:
        """The customer (if the number is free) with its name index, at once."""
        items = [self._put_if_absent(customer_item(customer))]
        items += [{"Put": {"TableName": self.table.name, "Item": dump_item(t)}} for t in name_index_items(customer)]
        return self.table.transact(items)

    def next_customer_number(self) -> int:
        """The next value of the customer number counter (an atomic ADD)."""
        resp = self.table.call(
            "update_item",
            TableName=self.table.name,
            Key=dump_item(keys.customer_number_counter().item()),
            UpdateExpression="ADD #v :one SET #t = :type",
            ExpressionAttributeNames={"#v": "value", "#t": "type"},
            ExpressionAttributeValues=dump_item({":one": 1, ":type": "counter"}),
            ReturnValues="UPDATED_NEW",
        )
        return int(resp["Attributes"]["value"]["N"])

    def customer_exists(self, number: str) -> bool:
        return self.table.get(keys.customer(number), consistent=True) is not None

    # --- the incoming party's confirmation -----------------------------------------------------
    def put_handshake(self, handshake: MoveInHandshake) -> None:
        self.table.put(handshake_item(handshake))

    def get_handshake(self, handshake_id: str) -> MoveInHandshake | None:
        item = self.table.get(keys.move_in(handshake_id), consistent=True)
        return handshake_from_item(item) if item else None

    def count_handshake_attempt(self, handshake: MoveInHandshake, max_attempts: int) -> bool:
        """One more wrong code; False when the attempts were used up already."""
        try:
            self.table.call(
                "update_item",
                TableName=self.table.name,
                Key=dump_item(keys.move_in(handshake.id).item()),
                UpdateExpression="ADD attempts :one",
                ConditionExpression="attempts < :max",
                ExpressionAttributeValues=dump_item({":one": 1, ":max": max_attempts}),
            )
        except ClientError as error:
            if conditional_check_failed(error):  # the attempts were used up
                return False
            raise
        return True

    def confirm_handshake(self, handshake: MoveInHandshake, customer_number: str) -> bool:
        """Marks it used by the customer it made; False if it was used before."""
        try:
            self.table.call(
                "update_item",
                TableName=self.table.name,
                Key=dump_item(keys.move_in(handshake.id).item()),
                UpdateExpression="SET confirmed_as = :c",
                ConditionExpression="attribute_exists(PK) AND attribute_not_exists(confirmed_as)",
                ExpressionAttributeValues=dump_item({":c": customer_number}),
            )
        except ClientError as error:
            if conditional_check_failed(error):  # confirmed before
                return False
            raise
        return True
