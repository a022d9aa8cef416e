"""DynamoDB adapter: one table, designed access patterns, explicit item mapping.

Key design (single table ``Table``; every request path is a GetItem, a Query on
a known key, or a transaction; never a Scan):

| entity              | PK                | SK                       | GSI1PK / GSI1SK          | GSI2PK / GSI2SK   |
|---------------------|-------------------|--------------------------|--------------------------|-------------------|
| customer            | CUST#<no>         | PROFILE                  | CONTACT#<email> / CUST#<no> | ACCOUNTS / <no> |
| facility            | CUST#<no>         | FAC#<id>                 |                          |                   |
| meter               | CUST#<no>         | METER#<meter>            | METER#<meter> / CUST#<no>|                   |
| membership          | CUST#<no>         | MEMBER#<user>            | USER#<user> / CUST#<no>  |                   |
| invoice             | CUST#<no>         | INV#<number:010d>        | INVOICE#<number> / ...   |                   |
| billed marker       | CUST#<no>         | BILLED#<period>#<kind>   |                          |                   |
| reading             | METER#<meter>     | READ#<yyyy-mm-dd>        |                          |                   |
| daily consumption   | METER#<meter>     | DAY#<yyyy-mm-dd>         |                          |                   |
| invoice counter     | COUNTER#INVOICE   | COUNTER                  |                          |                   |
| spot price          | SPOT#<zone>       | MONTH#<yyyy-mm>          |                          |                   |
| billing run         | RUN#<id>          | SUMMARY / FAIL#<no>      |                          |                   |
| name token          | NAME#<2 letters>  | <token>#<no>             |                          |                   |

Access patterns: customer page = Query PK=CUST#<no> (profile, facilities,
meters, memberships, invoices in one partition); membership check = GetItem
(CUST#<no>, MEMBER#<user>); a user's customers = Query GSI1 USER#<user>;
meter by number (SMS, links) = Query GSI1 METER#<meter>; readings and daily
consumption of a period = Query PK=METER#<meter> with SK BETWEEN; accounts to
bill = Query GSI2 ACCOUNTS (paginated, billing only); staff search by name =
Query PK=NAME#<first letters> SK begins_with <word> per word, then one
BatchGetItem (adapters.dynamo_names).

Meters with several registers: the meter item lists its secondary registers
(``registers``, absent on a one-register meter) and a reading item carries
their values in the same item (map ``registers``): no key of its own.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from heatportal.domain.errors import Conflict, TransientFailure
from heatportal.domain.model import (
    Address,
    BillingPeriod,
    Customer,
    DailyConsumption,
    Facility,
    Invoice,
    InvoiceLine,
    Membership,
    Meter,
    MeterPeriodValue,
    Reading,
    Register,
)
from heatportal.ports import StoredInvoice

_SER = TypeSerializer()
_DE = TypeDeserializer()
_TRANSIENT = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
}


def _dump(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _SER.serialize(v) for k, v in item.items() if v is not None}


def _load(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _DE.deserialize(v) for k, v in item.items()}


def _transient(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") in _TRANSIENT


class DynamoTable:
    """Thin wrapper that counts requests (for the request budgets in tests and bench)."""

    def __init__(self, client: Any, table_name: str) -> None:
        self.client = client
        self.name = table_name
        self.requests = 0

    def call(self, operation: str, **kwargs: Any) -> Any:
        self.requests += 1
        try:
            return getattr(self.client, operation)(**kwargs)
        except ClientError as error:
            if _transient(error):
                raise TransientFailure(f"DynamoDB {operation} throttled or unavailable") from error
            raise

    def get(self, pk: str, sk: str, consistent: bool = False) -> dict[str, Any] | None:
        resp = self.call(
            "get_item",
            TableName=self.name,
            Key=_dump({"PK": pk, "SK": sk}),
            ConsistentRead=consistent,
        )
        return _load(resp["Item"]) if "Item" in resp else None

    def query(
        self,
        pk: str,
        *,
        sk_prefix: str | None = None,
        sk_between: tuple[str, str] | None = None,
        index: str | None = None,
        forward: bool = True,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        pk_name = f"{index}PK" if index else "PK"
        sk_name = f"{index}SK" if index else "SK"
        condition = "#pk = :pk"
        names = {"#pk": pk_name}
        values: dict[str, Any] = {":pk": pk}
        if sk_prefix is not None:
            condition += " AND begins_with(#sk, :prefix)"
            names["#sk"] = sk_name
            values[":prefix"] = sk_prefix
        elif sk_between is not None:
            condition += " AND #sk BETWEEN :lo AND :hi"
            names["#sk"] = sk_name
            values[":lo"], values[":hi"] = sk_between
        kwargs: dict[str, Any] = {
            "TableName": self.name,
            "KeyConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": _dump(values),
            "ScanIndexForward": forward,
        }
        if index:
            kwargs["IndexName"] = index
        items: list[dict[str, Any]] = []
        while True:
            if limit is not None:
                kwargs["Limit"] = limit - len(items)
            resp = self.call("query", **kwargs)
            items.extend(_load(i) for i in resp.get("Items", []))
            if "LastEvaluatedKey" not in resp or (limit is not None and len(items) >= limit):
                return items
            kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]

    def put(self, item: dict[str, Any], condition: str | None = None) -> None:
        kwargs: dict[str, Any] = {"TableName": self.name, "Item": _dump(item)}
        if condition:
            kwargs["ConditionExpression"] = condition
        self.call("put_item", **kwargs)

    def transact(self, items: list[dict[str, Any]]) -> bool:
        """One TransactWriteItems; False when one of its conditions failed (a
        concurrent change: the caller re-reads and retries), other errors raise."""
        try:
            self.call("transact_write_items", TransactItems=items)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                raise
            reasons = [r.get("Code") for r in error.response.get("CancellationReasons", [])]
            if "ConditionalCheckFailed" in reasons:
                return False
            raise
        return True

    def batch_put(self, items: list[dict[str, Any]]) -> None:
        for start in range(0, len(items), 25):
            chunk = [{"PutRequest": {"Item": _dump(i)}} for i in items[start : start + 25]]
            pending: dict[str, Any] = {self.name: chunk}
            while pending:
                resp = self.call("batch_write_item", RequestItems=pending)
                pending = resp.get("UnprocessedItems") or {}


# --- item mapping -------------------------------------------------------------


def version_update(table_name: str, pk: str, version: int) -> dict[str, Any]:
    """The transaction item that moves an access list's optimistic-lock version
    (item ``pk`` / ACCESS) from ``version`` to the next, failing if it moved meanwhile."""
    return {
        "Update": {
            "TableName": table_name,
            "Key": _dump({"PK": pk, "SK": "ACCESS"}),
            "UpdateExpression": "SET version = :next, #t = :type",
            "ConditionExpression": "attribute_not_exists(PK)" if version == 0 else "version = :current",
            "ExpressionAttributeNames": {"#t": "type"},
            "ExpressionAttributeValues": _dump(
                {":next": version + 1, ":type": "access", **({":current": version} if version else {})}
            ),
        }
    }


def _address_item(address: Address) -> dict[str, str]:
    return address.model_dump()


def customer_item(customer: Customer) -> dict[str, Any]:
    return {
        "PK": f"CUST#{customer.number}",
        "SK": "PROFILE",
        "GSI2PK": "ACCOUNTS",
        "GSI2SK": customer.number,
        # Customers by e-mail on record (forgotten customer number, staff search).
        "GSI1PK": f"CONTACT#{customer.email.strip().lower()}" if customer.email else None,
        "GSI1SK": f"CUST#{customer.number}" if customer.email else None,
        "type": "customer",
        "number": customer.number,
        "name": customer.name,
        "email": customer.email,
        "phone": customer.phone,
        "language": customer.language,
        "address": _address_item(customer.address),
        "org_number": customer.org_number,
        "pin_hash": customer.pin_hash,
    }


def _customer(item: dict[str, Any]) -> Customer:
    return Customer(
        number=item["number"],
        name=item["name"],
        email=item.get("email"),
        phone=item.get("phone"),
        language=item["language"],
        address=Address(**item["address"]),
        org_number=item.get("org_number"),
        pin_hash=item.get("pin_hash"),
    )


def facility_item(facility: Facility) -> dict[str, Any]:
    return {
        "PK": f"CUST#{facility.customer_number}",
        "SK": f"FAC#{facility.id}",
        "type": "facility",
        "id": facility.id,
        "customer_number": facility.customer_number,
        "name": facility.name,
        "address": _address_item(facility.address),
    }


def _facility(item: dict[str, Any]) -> Facility:
    return Facility(
        id=item["id"],
        customer_number=item["customer_number"],
        name=item["name"],
        address=Address(**item["address"]),
    )


def meter_item(meter: Meter) -> dict[str, Any]:
    return {
        "PK": f"CUST#{meter.customer_number}",
        "SK": f"METER#{meter.number}",
        "GSI1PK": f"METER#{meter.number}",
        "GSI1SK": f"CUST#{meter.customer_number}",
        "type": "meter",
        "number": meter.number,
        "customer_number": meter.customer_number,
        "facility_id": meter.facility_id,
        "kind": meter.kind.value,
        "unit": meter.unit.value,
        "decimals": meter.decimals,
        "installed_on": meter.installed_on.isoformat(),
        "removed_on": meter.removed_on.isoformat() if meter.removed_on else None,
        "start_value": meter.start_value,
        "register_digits": meter.register_digits,
        # Secondary registers; absent on a one-register meter (and on every
        # item written before meters had them), which maps to ().
        "registers": [
            {
                "name": r.name.value,
                "unit": r.unit.value,
                "decimals": r.decimals,
                "start_value": r.start_value,
                "register_digits": r.register_digits,
            }
            for r in meter.registers
        ]
        or None,
    }


def _register(item: dict[str, Any]) -> Register:
    return Register(
        name=item["name"],
        unit=item["unit"],
        decimals=int(item["decimals"]),
        start_value=item.get("start_value", Decimal(0)),
        register_digits=int(item["register_digits"]) if item.get("register_digits") is not None else None,
    )


def _meter(item: dict[str, Any]) -> Meter:
    return Meter(
        number=item["number"],
        customer_number=item["customer_number"],
        facility_id=item["facility_id"],
        kind=item["kind"],
        unit=item["unit"],
        decimals=int(item["decimals"]),
        installed_on=date.fromisoformat(item["installed_on"]),
        removed_on=date.fromisoformat(item["removed_on"]) if item.get("removed_on") else None,
        start_value=item.get("start_value", Decimal(0)),
        register_digits=int(item["register_digits"]) if item.get("register_digits") is not None else None,
        registers=tuple(_register(r) for r in item.get("registers") or ()),
    )


def membership_item(membership: Membership) -> dict[str, Any]:
    return {
        "PK": f"CUST#{membership.customer_number}",
        "SK": f"MEMBER#{membership.user_id}",
        "GSI1PK": f"USER#{membership.user_id}",
        "GSI1SK": f"CUST#{membership.customer_number}",
        "type": "membership",
        "user_id": membership.user_id,
        "customer_number": membership.customer_number,
        "role": membership.role.value,
        "email": membership.email,
        **({"linked_by_proof": True} if membership.linked_by_proof else {}),
    }


def _membership(item: dict[str, Any]) -> Membership:
    return Membership(
        user_id=item["user_id"],
        customer_number=item["customer_number"],
        role=item["role"],
        email=item["email"],
        linked_by_proof=bool(item.get("linked_by_proof", False)),
    )


def reading_item(reading: Reading) -> dict[str, Any]:
    return {
        "PK": f"METER#{reading.meter_number}",
        "SK": f"READ#{reading.read_on.isoformat()}",
        "type": "reading",
        "meter_number": reading.meter_number,
        "read_on": reading.read_on.isoformat(),
        "value": reading.value,
        "source": reading.source.value,
        "estimated": reading.estimated,
        "recorded_at": reading.recorded_at.isoformat(),
        "recorded_by": reading.recorded_by,
        "rollover": reading.rollover,
        # Secondary register values in the same item (same key); absent when none.
        "registers": dict(reading.registers) or None,
        "register_rollovers": sorted(reading.register_rollovers) or None,
    }


def same_registers(existing: dict[str, Any], reading: Reading) -> bool:
    """A retry repeats the stored secondary values (or sends fewer of them)."""
    stored = existing.get("registers") or {}
    return all(name in stored and Decimal(stored[name]) == v for name, v in reading.registers.items())


def _reading(item: dict[str, Any]) -> Reading:
    return Reading(
        meter_number=item["meter_number"],
        read_on=date.fromisoformat(item["read_on"]),
        value=item["value"],
        source=item["source"],
        estimated=bool(item.get("estimated", False)),
        recorded_at=datetime.fromisoformat(item["recorded_at"]),
        recorded_by=item.get("recorded_by"),
        rollover=bool(item.get("rollover", False)),
        registers=dict(item.get("registers") or {}),
        register_rollovers=frozenset(item.get("register_rollovers") or ()),
    )


def daily_item(day: DailyConsumption) -> dict[str, Any]:
    return {
        "PK": f"METER#{day.meter_number}",
        "SK": f"DAY#{day.day.isoformat()}",
        "type": "daily",
        "meter_number": day.meter_number,
        "day": day.day.isoformat(),
        "quantity": day.quantity,
        "mean_outdoor_temp": day.mean_outdoor_temp,
        "peak_load_kw": day.peak_load_kw,
        "mean_return_temp": day.mean_return_temp,
        "volume_m3": day.volume_m3,
    }


def _daily(item: dict[str, Any]) -> DailyConsumption:
    return DailyConsumption(
        meter_number=item["meter_number"],
        day=date.fromisoformat(item["day"]),
        quantity=item["quantity"],
        mean_outdoor_temp=item.get("mean_outdoor_temp"),
        peak_load_kw=item.get("peak_load_kw"),
        mean_return_temp=item.get("mean_return_temp"),
        volume_m3=item.get("volume_m3"),
    )


def invoice_item(invoice: Invoice) -> dict[str, Any]:
    return {
        "PK": f"CUST#{invoice.customer_number}",
        "SK": f"INV#{invoice.number:010d}",
        "GSI1PK": f"INVOICE#{invoice.number}",
        "GSI1SK": f"CUST#{invoice.customer_number}",
        "type": "invoice",
        "number": invoice.number,
        "customer_number": invoice.customer_number,
        "kind": invoice.kind.value,
        "period": invoice.period.key,
        "issued_on": invoice.issued_on.isoformat(),
        "due_on": invoice.due_on.isoformat(),
        "currency": invoice.currency,
        "language": invoice.language,
        # Lines are stored as JSON text: Decimals are kept exact as strings.
        "lines": json.dumps([line.model_dump(mode="json") for line in invoice.lines]),
        "net_total": invoice.net_total,
        "vat_total": invoice.vat_total,
        "total": invoice.total,
        "payment_reference": invoice.payment_reference,
        "status": invoice.status.value,
        "pdf_key": invoice.pdf_key,
        "meter_values": json.dumps([m.model_dump(mode="json") for m in invoice.meter_values]),
    }


def _invoice(item: dict[str, Any]) -> Invoice:
    return Invoice(
        number=int(item["number"]),
        customer_number=item["customer_number"],
        kind=item["kind"],
        period=BillingPeriod.parse(item["period"]),
        issued_on=date.fromisoformat(item["issued_on"]),
        due_on=date.fromisoformat(item["due_on"]),
        currency=item["currency"],
        language=item["language"],
        lines=tuple(InvoiceLine.model_validate(line) for line in json.loads(item["lines"])),
        net_total=item["net_total"],
        vat_total=item["vat_total"],
        total=item["total"],
        payment_reference=item["payment_reference"],
        status=item["status"],
        pdf_key=item.get("pdf_key"),
        meter_values=tuple(MeterPeriodValue.model_validate(m) for m in json.loads(item.get("meter_values", "[]"))),
    )


# --- repositories ---------------------------------------------------------------


class DynamoRepository:
    """Implements the customer, membership, reading, invoice, spot-price and
    billing-run ports on the single table."""

    def __init__(self, table: DynamoTable) -> None:
        self.table = table

    # customers, facilities, meters
    def get_customer(self, number: str) -> Customer | None:
        item = self.table.get(f"CUST#{number}", "PROFILE")
        return _customer(item) if item else None

    def list_facilities(self, customer_number: str) -> list[Facility]:
        return [_facility(i) for i in self.table.query(f"CUST#{customer_number}", sk_prefix="FAC#")]

    def list_meters(self, customer_number: str) -> list[Meter]:
        return [_meter(i) for i in self.table.query(f"CUST#{customer_number}", sk_prefix="METER#")]

    def find_meter(self, meter_number: str) -> Meter | None:
        items = self.table.query(f"METER#{meter_number}", index="GSI1", limit=1)
        return _meter(items[0]) if items else None

    def list_account_numbers(self) -> list[str]:
        return [i["number"] for i in self.table.query("ACCOUNTS", index="GSI2")]

    # memberships
    def get_membership(self, user_id: str, customer_number: str) -> Membership | None:
        item = self.table.get(f"CUST#{customer_number}", f"MEMBER#{user_id}")
        return _membership(item) if item else None

    def list_memberships(self, user_id: str) -> list[Membership]:
        items = self.table.query(f"USER#{user_id}", index="GSI1", sk_prefix="CUST#")
        return [_membership(i) for i in items]

    # readings and consumption
    def list_readings(self, meter_number: str, start: date, end: date) -> list[Reading]:
        items = self.table.query(
            f"METER#{meter_number}",
            sk_between=(f"READ#{start.isoformat()}", f"READ#{end.isoformat()}"),
        )
        return [_reading(i) for i in items]

    def latest_reading(self, meter_number: str, before: date | None = None) -> Reading | None:
        upper = f"READ#{before.isoformat()}" if before else "READ#9999"
        items = self.table.query(f"METER#{meter_number}", sk_between=("READ#", upper), forward=False, limit=1)
        return _reading(items[0]) if items else None

    def add_reading(self, reading: Reading) -> Reading:
        try:
            # An estimate is replaced by the actual reading; an actual one is kept.
            self.table.call(
                "put_item",
                TableName=self.table.name,
                Item=_dump(reading_item(reading)),
                ConditionExpression="attribute_not_exists(PK) OR estimated = :yes",
                ExpressionAttributeValues=_dump({":yes": True}),
            )
            return reading
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
        existing = self.table.get(
            f"METER#{reading.meter_number}", f"READ#{reading.read_on.isoformat()}", consistent=True
        )
        if existing is not None and Decimal(existing["value"]) == reading.value and same_registers(existing, reading):
            return _reading(existing)  # a retry of the same submission: stored once
        raise Conflict(
            "A different reading is already recorded for this meter and date.",
            code="reading_duplicate",
            params={"date": reading.read_on.isoformat()},
        )

    def daily_consumption(self, meter_number: str, start: date, end: date) -> list[DailyConsumption]:
        last = date.fromordinal(end.toordinal() - 1)
        items = self.table.query(
            f"METER#{meter_number}",
            sk_between=(f"DAY#{start.isoformat()}", f"DAY#{last.isoformat()}"),
        )
        return [_daily(i) for i in items]

    # invoices
    def find_billed(self, customer_number: str, period: BillingPeriod, kind_key: str) -> Invoice | None:
        marker = self.table.get(f"CUST#{customer_number}", f"BILLED#{period.key}#{kind_key}", consistent=True)
        if marker is None:
            return None
        return self.get_invoice(customer_number, int(marker["invoice_number"]))

    def create_invoice_once(self, draft: Invoice, *, kind_key: str, reference: Callable[[int], str]) -> StoredInvoice:
        marker_key = {"PK": f"CUST#{draft.customer_number}", "SK": f"BILLED#{draft.period.key}#{kind_key}"}
        for _attempt in range(50):
            counter = self.table.get("COUNTER#INVOICE", "COUNTER", consistent=True)
            current = int(counter["value"]) if counter else 0
            number = current + 1
            invoice = draft.model_copy(update={"number": number, "payment_reference": reference(number)})
            if counter:
                counter_update = {
                    "Update": {
                        "TableName": self.table.name,
                        "Key": _dump({"PK": "COUNTER#INVOICE", "SK": "COUNTER"}),
                        "UpdateExpression": "SET #v = :next",
                        "ConditionExpression": "#v = :current",
                        "ExpressionAttributeNames": {"#v": "value"},
                        "ExpressionAttributeValues": _dump({":next": number, ":current": current}),
                    }
                }
            else:
                counter_update = {
                    "Put": {
                        "TableName": self.table.name,
                        "Item": _dump({"PK": "COUNTER#INVOICE", "SK": "COUNTER", "value": number}),
                        "ConditionExpression": "attribute_not_exists(PK)",
                    }
                }
            try:
                self.table.call(
                    "transact_write_items",
                    TransactItems=[
                        counter_update,
                        {
                            "Put": {
                                "TableName": self.table.name,
                                "Item": _dump({**marker_key, "type": "billed", "invoice_number": number}),
                                "ConditionExpression": "attribute_not_exists(PK)",
                            }
                        },
                        {
                            "Put": {
                                "TableName": self.table.name,
                                "Item": _dump(invoice_item(invoice)),
                                "ConditionExpression": "attribute_not_exists(PK)",
                            }
                        },
                    ],
                )
                return StoredInvoice(invoice=invoice, created=True)
            except ClientError as error:
                if error.response["Error"]["Code"] != "TransactionCanceledException":
                    raise
                reasons = [r.get("Code") for r in error.response.get("CancellationReasons", [])]
                if len(reasons) > 1 and reasons[1] == "ConditionalCheckFailed":
                    existing = self.find_billed(draft.customer_number, draft.period, kind_key)
                    if existing is None:  # marker without invoice cannot happen in one transaction
                        raise
                    return StoredInvoice(invoice=existing, created=False)
                # The counter moved under us (another account was billed): retry.
                continue
        raise TransientFailure("invoice number allocation kept conflicting")

    def get_invoice(self, customer_number: str, number: int) -> Invoice | None:
        item = self.table.get(f"CUST#{customer_number}", f"INV#{number:010d}")
        return _invoice(item) if item else None

    def list_invoices(self, customer_number: str) -> list[Invoice]:
        items = self.table.query(f"CUST#{customer_number}", sk_prefix="INV#", forward=False)
        return [_invoice(i) for i in items]

    def set_pdf_key(self, customer_number: str, number: int, key: str) -> None:
        self.table.call(
            "update_item",
            TableName=self.table.name,
            Key=_dump({"PK": f"CUST#{customer_number}", "SK": f"INV#{number:010d}"}),
            UpdateExpression="SET pdf_key = :k",
            ConditionExpression="attribute_exists(PK)",
            ExpressionAttributeValues=_dump({":k": key}),
        )

    def set_status(self, customer_number: str, number: int, status: str) -> None:
        self.table.call(
            "update_item",
            TableName=self.table.name,
            Key=_dump({"PK": f"CUST#{customer_number}", "SK": f"INV#{number:010d}"}),
            UpdateExpression="SET #s = :s",
            ConditionExpression="attribute_exists(PK)",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues=_dump({":s": status}),
        )

    def claim_email(self, customer_number: str, number: int) -> bool:
        try:
            self.table.call(
                "update_item",
                TableName=self.table.name,
                Key=_dump({"PK": f"CUST#{customer_number}", "SK": f"INV#{number:010d}"}),
                UpdateExpression="SET emailed_at = :now",
                ConditionExpression="attribute_exists(PK) AND attribute_not_exists(emailed_at)",
                ExpressionAttributeValues=_dump({":now": datetime.now(UTC).isoformat()}),
            )
            return True
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise

    def release_email_claim(self, customer_number: str, number: int) -> None:
        self.table.call(
            "update_item",
            TableName=self.table.name,
            Key=_dump({"PK": f"CUST#{customer_number}", "SK": f"INV#{number:010d}"}),
            UpdateExpression="REMOVE emailed_at",
        )

    # spot prices
    def spot_price(self, zone: str, month: str) -> Decimal | None:
        item = self.table.get(f"SPOT#{zone}", f"MONTH#{month}")
        return Decimal(item["price_per_kwh"]) if item else None

    def put_spot_price(self, zone: str, month: str, price: Decimal) -> None:
        self.table.put({"PK": f"SPOT#{zone}", "SK": f"MONTH#{month}", "type": "spot", "price_per_kwh": price})

    # billing runs
    def record_failure(self, run_id: str, period: str, customer_number: str, reason: str) -> None:
        self.table.put(
            {
                "PK": f"RUN#{run_id}",
                "SK": f"FAIL#{customer_number}",
                "type": "billing_failure",
                "period": period,
                "customer_number": customer_number,
                "reason": reason[:500],
            }
        )

    def list_failures(self, run_id: str) -> list[dict[str, str]]:
        return [
            {"customer_number": i["customer_number"], "reason": i["reason"]}
            for i in self.table.query(f"RUN#{run_id}", sk_prefix="FAIL#")
        ]

    def save_summary(self, run_id: str, summary: dict[str, object]) -> None:
        self.table.put({"PK": f"RUN#{run_id}", "SK": "SUMMARY", "type": "billing_run", "summary": json.dumps(summary)})

    def get_summary(self, run_id: str) -> dict[str, object] | None:
        item = self.table.get(f"RUN#{run_id}", "SUMMARY")
        return json.loads(item["summary"]) if item else None
