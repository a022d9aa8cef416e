"""DynamoDB adapter: one table, designed access patterns, explicit item mapping.

The data model (every entity's keys, the indexes, the access patterns) is in
docs/data-model.md; its keys are built by ``adapters.dynamo_keys`` and
nowhere else. This module holds the table wrapper and the customer, facility,
meter, membership, reading, daily-consumption and invoice items with their
public mappers (``<entity>_item`` to store, ``<entity>_from_item`` to read).

Meters with several registers: the meter item lists its secondary registers
(``registers``, absent on a one-register meter) and a reading item carries
their values in the same item (map ``registers``): no key of its own.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError
from pydantic import BaseModel

from heatportal.adapters import dynamo_keys as keys
from heatportal.adapters.aws import transient_as_failure
from heatportal.domain.contracts import current_meter
from heatportal.domain.errors import Conflict, TransientFailure
from heatportal.domain.model import (
    Address,
    BillingPeriod,
    ConsumptionComparison,
    Customer,
    DailyConsumption,
    DirectDebitNotice,
    Facility,
    Invoice,
    InvoiceLine,
    LineNote,
    Membership,
    Meter,
    MeterPeriodValue,
    Reading,
    Register,
    VatAmount,
)
from heatportal.ports import NewInvoice, PdfStored, StoredInvoice

_SER = TypeSerializer()
_DE = TypeDeserializer()
# A transaction's actions: 100 at most (one counter update and two puts per invoice).
INVOICES_PER_TRANSACTION = 49
BATCH_GET_KEYS = 100


def dump_item(item: dict[str, Any]) -> dict[str, Any]:
    """An item (or a key, or expression values) in DynamoDB's typed form; None attributes are left out."""
    return {k: _SER.serialize(v) for k, v in item.items() if v is not None}


def load_item(item: dict[str, Any]) -> dict[str, Any]:
    """An item from DynamoDB's typed form to plain values (numbers as Decimal)."""
    return {k: _DE.deserialize(v) for k, v in item.items()}


def conditional_check_failed(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class DynamoTable:
    """Thin wrapper that counts requests (for the request budgets in tests and bench)."""

    def __init__(self, client: Any, table_name: str) -> None:
        self.client = client
        self.name = table_name
        self.requests = 0

    def call(self, operation: str, **kwargs: Any) -> Any:
        self.requests += 1
        return transient_as_failure(f"DynamoDB {operation}", lambda: getattr(self.client, operation)(**kwargs))

    def get(self, key: keys.Key, consistent: bool = False) -> dict[str, Any] | None:
        resp = self.call("get_item", TableName=self.name, Key=dump_item(key.item()), ConsistentRead=consistent)
        return load_item(resp["Item"]) if "Item" in resp else None

    def delete(self, key: keys.Key) -> None:
        self.call("delete_item", TableName=self.name, Key=dump_item(key.item()))

    def query(
        self,
        pk: str,
        *,
        sk_prefix: str | None = None,
        sk_between: tuple[str, str] | None = None,
        index: str | None = None,
        forward: bool = True,
        limit: int | None = None,
        types: tuple[str, ...] | None = None,
    ) -> list[dict[str, Any]]:
        """Items under ``pk`` (on ``index``), paginated; ``types`` keeps only
        items of those types (a filter: still one request per page read)."""
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
            "ExpressionAttributeValues": dump_item(values),
            "ScanIndexForward": forward,
        }
        if index:
            kwargs["IndexName"] = index
        if types:
            names["#type"] = "type"
            kinds = {f":type{n}": kind for n, kind in enumerate(types)}
            kwargs["FilterExpression"] = f"#type IN ({', '.join(kinds)})"
            kwargs["ExpressionAttributeValues"] = dump_item({**values, **kinds})
        items: list[dict[str, Any]] = []
        while True:
            if limit is not None:
                kwargs["Limit"] = limit - len(items)
            resp = self.call("query", **kwargs)
            items.extend(load_item(i) for i in resp.get("Items", []))
            if "LastEvaluatedKey" not in resp or (limit is not None and len(items) >= limit):
                return items
            kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]

    def put(self, item: dict[str, Any], condition: str | None = None) -> None:
        kwargs: dict[str, Any] = {"TableName": self.name, "Item": dump_item(item)}
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

    def batch_get(self, item_keys: Iterable[keys.Key], consistent: bool = False) -> dict[keys.Key, dict[str, Any]]:
        """The items stored under ``item_keys`` (BatchGetItem, 100 keys a request,
        unprocessed keys asked again); absent items are left out."""
        wanted = list(dict.fromkeys(item_keys))
        found: dict[keys.Key, dict[str, Any]] = {}
        for start in range(0, len(wanted), BATCH_GET_KEYS):
            request: dict[str, Any] = {
                self.name: {
                    "Keys": [dump_item(k.item()) for k in wanted[start : start + BATCH_GET_KEYS]],
                    "ConsistentRead": consistent,
                }
            }
            for attempt in range(10):
                resp = self.call("batch_get_item", RequestItems=request)
                for raw in resp.get("Responses", {}).get(self.name, []):
                    item = load_item(raw)
                    found[keys.Key(item["PK"], item["SK"])] = item
                request = resp.get("UnprocessedKeys") or {}
                if not request:
                    break
                time.sleep(random.uniform(0, 0.05 * 2**attempt))  # noqa: S311 - jitter, not a secret
            else:
                raise TransientFailure("DynamoDB kept keys of a BatchGetItem unprocessed")
        return found

    def batch_put(self, items: list[dict[str, Any]]) -> None:
        for start in range(0, len(items), 25):
            chunk = [{"PutRequest": {"Item": dump_item(i)}} for i in items[start : start + 25]]
            pending: dict[str, Any] = {self.name: chunk}
            while pending:
                resp = self.call("batch_write_item", RequestItems=pending)
                pending = resp.get("UnprocessedItems") or {}


# --- item mapping -------------------------------------------------------------


def version_update(table_name: str, access: keys.Key, version: int) -> dict[str, Any]:
    """The transaction item that moves an access list's optimistic-lock version
    (``dynamo_keys.customer_access`` or ``org_access``) from ``version`` to the
    next, failing if it moved meanwhile."""
    return {
        "Update": {
            "TableName": table_name,
            "Key": dump_item(access.item()),
            "UpdateExpression": "SET version = :next, #t = :type",
            "ConditionExpression": "attribute_not_exists(PK)" if version == 0 else "version = :current",
            "ExpressionAttributeNames": {"#t": "type"},
            "ExpressionAttributeValues": dump_item(
                {":next": version + 1, ":type": "access", **({":current": version} if version else {})}
            ),
        }
    }


def _address_item(address: Address) -> dict[str, str]:
    return address.model_dump()


def customer_item(customer: Customer) -> dict[str, Any]:
    return {
        **keys.customer(customer.number).item(),
        **keys.account_to_bill(customer.number).item(),
        # Customers by e-mail on record (forgotten customer number, staff search).
        **(keys.by_contact_email(customer.email.strip().lower(), customer.number).item() if customer.email else {}),
        "type": "customer",
        "number": customer.number,
        "name": customer.name,
        "email": customer.email,
        "phone": customer.phone,
        "language": customer.language,
        "address": _address_item(customer.address),
        "org_number": customer.org_number,
        "pin_hash": customer.pin_hash,
        "final_invoice_due": customer.final_invoice_due.isoformat() if customer.final_invoice_due else None,
        "custom_terms": True if customer.custom_terms else None,
    }


def customer_from_item(item: dict[str, Any]) -> Customer:
    return Customer(
        number=item["number"],
        name=item["name"],
        email=item.get("email"),
        phone=item.get("phone"),
        language=item["language"],
        address=Address(**item["address"]),
        org_number=item.get("org_number"),
        pin_hash=item.get("pin_hash"),
        final_invoice_due=date.fromisoformat(item["final_invoice_due"]) if item.get("final_invoice_due") else None,
        custom_terms=bool(item.get("custom_terms", False)),
    )


def facility_item(facility: Facility) -> dict[str, Any]:
    return {
        **keys.facility(facility.customer_number, facility.id).item(),
        "type": "facility",
        "id": facility.id,
        "customer_number": facility.customer_number,
        "name": facility.name,
        "address": _address_item(facility.address),
    }


def facility_from_item(item: dict[str, Any]) -> Facility:
    return Facility(
        id=item["id"],
        customer_number=item["customer_number"],
        name=item["name"],
        address=Address(**item["address"]),
    )


def meter_item(meter: Meter) -> dict[str, Any]:
    return {
        **keys.meter(meter.customer_number, meter.number).item(),
        **keys.by_meter_number(meter.number, meter.customer_number).item(),
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
        "final_invoice_from": meter.final_invoice_from.isoformat() if meter.final_invoice_from else None,
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


def meter_from_item(item: dict[str, Any]) -> Meter:
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
        final_invoice_from=date.fromisoformat(item["final_invoice_from"]) if item.get("final_invoice_from") else None,
    )


def membership_item(membership: Membership) -> dict[str, Any]:
    return {
        **keys.membership(membership.customer_number, membership.user_id).item(),
        **keys.by_user_membership(membership.user_id, membership.customer_number).item(),
        "type": "membership",
        "user_id": membership.user_id,
        "customer_number": membership.customer_number,
        "role": membership.role.value,
        "email": membership.email,
        **({"linked_by_proof": True} if membership.linked_by_proof else {}),
    }


def membership_from_item(item: dict[str, Any]) -> Membership:
    return Membership(
        user_id=item["user_id"],
        customer_number=item["customer_number"],
        role=item["role"],
        email=item["email"],
        linked_by_proof=bool(item.get("linked_by_proof", False)),
    )


def reading_item(reading: Reading) -> dict[str, Any]:
    return {
        **keys.reading(reading.meter_number, reading.read_on).item(),
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


def reading_from_item(item: dict[str, Any]) -> Reading:
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
        **keys.daily(day.meter_number, day.day).item(),
        "type": "daily",
        "meter_number": day.meter_number,
        "day": day.day.isoformat(),
        "quantity": day.quantity,
        "mean_outdoor_temp": day.mean_outdoor_temp,
        "peak_load_kw": day.peak_load_kw,
        "mean_return_temp": day.mean_return_temp,
        "volume_m3": day.volume_m3,
        "mean_supply_temp": day.mean_supply_temp,
        "mean_flow_m3h": day.mean_flow_m3h,
        "max_flow_m3h": day.max_flow_m3h,
        # Absent means measured (most days, and items written before quality was recorded).
        "quality": None if day.quality == "measured" else day.quality,
    }


def daily_from_item(item: dict[str, Any]) -> DailyConsumption:
    return DailyConsumption(
        meter_number=item["meter_number"],
        day=date.fromisoformat(item["day"]),
        quantity=item["quantity"],
        mean_outdoor_temp=item.get("mean_outdoor_temp"),
        peak_load_kw=item.get("peak_load_kw"),
        mean_return_temp=item.get("mean_return_temp"),
        volume_m3=item.get("volume_m3"),
        mean_supply_temp=item.get("mean_supply_temp"),
        mean_flow_m3h=item.get("mean_flow_m3h"),
        max_flow_m3h=item.get("max_flow_m3h"),
        quality=item.get("quality") or "measured",
    )


def _json_or_none(value: BaseModel | None) -> str | None:
    return value.model_dump_json() if value is not None else None


def invoice_item(invoice: Invoice) -> dict[str, Any]:
    return {
        **keys.invoice(invoice.customer_number, invoice.number).item(),
        **keys.by_invoice_number(invoice.number, invoice.customer_number).item(),
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
        "supply_start": invoice.supply_start.isoformat() if invoice.supply_start else None,
        "supply_end": invoice.supply_end.isoformat() if invoice.supply_end else None,
        "vat_breakdown": json.dumps([v.model_dump(mode="json") for v in invoice.vat_breakdown]),
        "corrects": invoice.corrects,
        "credited_by": invoice.credited_by,
        "replaced_by": invoice.replaced_by,
        "credit_note": invoice.credit_note,
        "notes": json.dumps([n.model_dump(mode="json") for n in invoice.notes]),
        "direct_debit": _json_or_none(invoice.direct_debit),
        "comparison": _json_or_none(invoice.comparison),
    }


def _line(data: dict[str, Any]) -> InvoiceLine:
    # Lines stored before calculation notes existed carried an English "explanation".
    data.pop("explanation", None)
    return InvoiceLine.model_validate(data)


def _optional_int(value: Any) -> int | None:
    return int(value) if value is not None else None


def invoice_from_item(item: dict[str, Any]) -> Invoice:
    return Invoice(
        number=int(item["number"]),
        customer_number=item["customer_number"],
        kind=item["kind"],
        period=BillingPeriod.parse(item["period"]),
        issued_on=date.fromisoformat(item["issued_on"]),
        due_on=date.fromisoformat(item["due_on"]),
        currency=item["currency"],
        language=item["language"],
        lines=tuple(_line(line) for line in json.loads(item["lines"])),
        net_total=item["net_total"],
        vat_total=item["vat_total"],
        total=item["total"],
        payment_reference=item["payment_reference"],
        status=item["status"],
        pdf_key=item.get("pdf_key"),
        meter_values=tuple(MeterPeriodValue.model_validate(m) for m in json.loads(item.get("meter_values", "[]"))),
        supply_start=date.fromisoformat(item["supply_start"]) if item.get("supply_start") else None,
        supply_end=date.fromisoformat(item["supply_end"]) if item.get("supply_end") else None,
        vat_breakdown=tuple(VatAmount.model_validate(v) for v in json.loads(item.get("vat_breakdown", "[]"))),
        corrects=_optional_int(item.get("corrects")),
        credited_by=_optional_int(item.get("credited_by")),
        replaced_by=_optional_int(item.get("replaced_by")),
        credit_note=_optional_int(item.get("credit_note")),
        notes=tuple(LineNote.model_validate(n) for n in json.loads(item.get("notes", "[]"))),
        direct_debit=DirectDebitNotice.model_validate_json(item["direct_debit"]) if item.get("direct_debit") else None,
        comparison=ConsumptionComparison.model_validate_json(item["comparison"]) if item.get("comparison") else None,
    )


# --- repositories ---------------------------------------------------------------


def spot_prices_of_years(table: DynamoTable, zone: str, first: int, last: int) -> dict[str, Decimal]:
    """Month (YYYY-MM) -> the zone's average, January of ``first`` to December of ``last``: one Query."""
    lowest, highest = keys.spot_prices_of_year(first)[0], keys.spot_prices_of_year(last)[1]
    items = table.query(keys.spot_pk(zone), sk_between=(lowest, highest))
    return {keys.month_of_spot_price(str(i["SK"])): Decimal(i["price_per_kwh"]) for i in items}


class DynamoRepository:
    """Implements the customer, membership, reading, invoice and spot-price
    ports on the single table (bill runs: ``dynamo_runs``)."""

    def __init__(self, table: DynamoTable) -> None:
        self.table = table

    # customers, facilities, meters
    def get_customer(self, number: str) -> Customer | None:
        item = self.table.get(keys.customer(number))
        return customer_from_item(item) if item else None

    def list_facilities(self, customer_number: str) -> list[Facility]:
        items = self.table.query(keys.customer_pk(customer_number), sk_prefix=keys.FACILITIES)
        return [facility_from_item(i) for i in items]

    def list_meters(self, customer_number: str) -> list[Meter]:
        return [meter_from_item(i) for i in self.table.query(keys.customer_pk(customer_number), sk_prefix=keys.METERS)]

    def find_meter(self, meter_number: str) -> Meter | None:
        # After a move the number is on the old customer's meter (removed) and
        # the new one's: the meter in use, else the one removed last.
        meters = [meter_from_item(i) for i in self.table.query(keys.meter_pk(meter_number), index=keys.GSI1)]
        return current_meter(meters)

    def list_account_numbers(self) -> list[str]:
        """Every shard of the accounts index, one after the other, and the
        unsharded key customer items written before the shards still carry
        (until each is written again)."""
        partitions = [keys.accounts_pk(shard) for shard in range(keys.ACCOUNT_SHARDS)] + [keys.ACCOUNTS]
        numbers = {i["GSI2SK"] for pk in partitions for i in self.table.query(pk, index=keys.GSI2)}
        return sorted(numbers)

    # memberships
    def get_membership(self, user_id: str, customer_number: str) -> Membership | None:
        item = self.table.get(keys.membership(customer_number, user_id))
        return membership_from_item(item) if item else None

    def list_memberships(self, user_id: str) -> list[Membership]:
        items = self.table.query(keys.user_pk(user_id), index=keys.GSI1, sk_prefix=keys.CUSTOMERS)
        return [membership_from_item(i) for i in items]

    # readings and consumption
    def list_readings(self, meter_number: str, start: date, end: date) -> list[Reading]:
        items = self.table.query(keys.meter_pk(meter_number), sk_between=keys.readings_between(start, end))
        return [reading_from_item(i) for i in items]

    def latest_reading(self, meter_number: str, before: date | None = None) -> Reading | None:
        items = self.table.query(
            keys.meter_pk(meter_number), sk_between=keys.readings_up_to(before), forward=False, limit=1
        )
        return reading_from_item(items[0]) if items else None

    def add_reading(self, reading: Reading) -> Reading:
        try:
            # An estimate is replaced by the actual reading; an actual one is kept.
            self.table.call(
                "put_item",
                TableName=self.table.name,
                Item=dump_item(reading_item(reading)),
                ConditionExpression="attribute_not_exists(PK) OR estimated = :yes",
                ExpressionAttributeValues=dump_item({":yes": True}),
            )
            return reading
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
        existing = self.table.get(keys.reading(reading.meter_number, reading.read_on), consistent=True)
        if existing is not None and Decimal(existing["value"]) == reading.value and same_registers(existing, reading):
            return reading_from_item(existing)  # a retry of the same submission: stored once
        raise Conflict(
            "A different reading is already recorded for this meter and date.",
            code="reading_duplicate",
            params={"date": reading.read_on.isoformat()},
        )

    def daily_consumption(self, meter_number: str, start: date, end: date) -> list[DailyConsumption]:
        last = date.fromordinal(end.toordinal() - 1)
        items = self.table.query(keys.meter_pk(meter_number), sk_between=keys.days_between(start, last))
        return [daily_from_item(i) for i in items]

    # invoices
    def find_billed(self, customer_number: str, period: BillingPeriod, kind_key: str) -> Invoice | None:
        marker = self.table.get(keys.billed(customer_number, period.key, kind_key), consistent=True)
        if marker is None:
            return None
        return self.get_invoice(customer_number, int(marker["invoice_number"]))

    def create_invoice_once(self, draft: Invoice, *, kind_key: str, reference: Callable[[int], str]) -> StoredInvoice:
        return self.create_invoices_once([NewInvoice(draft, kind_key, reference)])[0]

    def create_invoices_once(self, new: Sequence[NewInvoice], *, created_by: str = "") -> list[StoredInvoice]:
        """Up to 49 invoices per TransactWriteItems: the counter moved from the
        number read to that number plus the invoices (``IF value = :read``),
        and per invoice its marker and the invoice item (each ``IF
        attribute_not_exists``). The counter is written once per transaction,
        not once per invoice. A cancelled transaction names its failed
        conditions: an existing marker drops that invoice (read back as billed
        before), a moved counter retries the rest with fresh numbers."""
        markers = [keys.billed(n.draft.customer_number, n.draft.period.key, n.kind_key) for n in new]
        if len(set(markers)) != len(markers):
            raise ValueError("the same customer, period and kind key twice in one call")
        stored: dict[int, StoredInvoice] = {}
        indexes = list(range(len(new)))
        for start in range(0, len(indexes), INVOICES_PER_TRANSACTION):
            chunk = indexes[start : start + INVOICES_PER_TRANSACTION]
            stored.update(self._store_numbered([(i, new[i]) for i in chunk], created_by))
        return [stored[i] for i in range(len(new))]

    def _store_numbered(self, todo: list[tuple[int, NewInvoice]], created_by: str) -> dict[int, StoredInvoice]:
        stored: dict[int, StoredInvoice] = {}
        counter_key = keys.invoice_counter()
        counter = self.table.get(counter_key, consistent=True)
        current, exists = (int(counter["value"]), True) if counter else (0, False)
        for attempt in range(50):
            if not todo:
                return stored
            numbered = [
                (
                    index,
                    n,
                    n.draft.model_copy(
                        update={"number": current + k + 1, "payment_reference": n.reference(current + k + 1)}
                    ),
                )
                for k, (index, n) in enumerate(todo)
            ]
            actions = [_counter_update(self.table.name, counter_key, current, len(todo), exists=exists)]
            for _index, n, invoice in numbered:
                marker = {
                    **keys.billed(invoice.customer_number, invoice.period.key, n.kind_key).item(),
                    "type": "billed",
                    "invoice_number": invoice.number,
                    "created_by": created_by or None,
                }
                actions.append(_put_new(self.table.name, marker))
                actions.append(_put_new(self.table.name, invoice_item(invoice)))
            try:
                self.table.call("transact_write_items", TransactItems=actions)
            except ClientError as error:
                if error.response["Error"]["Code"] != "TransactionCanceledException":
                    raise
                # Each failed condition comes back with the item as it is (ALL_OLD):
                # the counter's value, or the marker of an invoice billed before.
                reasons = error.response.get("CancellationReasons", [])
                failed: dict[int, dict[str, Any]] = {
                    k: dict(r.get("Item") or {})
                    for k, r in enumerate(reasons)
                    if r.get("Code") == "ConditionalCheckFailed"
                }
                billed = {todo[(k - 1) // 2][0]: item for k, item in failed.items() if k}
                for index, n in todo:
                    if index in billed:
                        stored[index] = self._billed_before(n, billed[index])
                todo = [(index, n) for index, n in todo if index not in billed]
                if failed.get(0):
                    current, exists = int(load_item(failed[0])["value"]), True  # another batch numbered first
                elif not billed:
                    # A conflict with a transaction in flight, or throttling: read again, after a pause.
                    time.sleep(random.uniform(0, min(0.5, 0.01 * 2**attempt)))  # noqa: S311 - jitter
                    counter = self.table.get(counter_key, consistent=True)
                    current, exists = (int(counter["value"]), True) if counter else (0, False)
                continue
            stored.update({index: StoredInvoice(invoice, True, created_by) for index, _n, invoice in numbered})
            return stored
        raise TransientFailure("invoice numbering kept conflicting")

    def _billed_before(self, new: NewInvoice, marker_item: dict[str, Any] | None = None) -> StoredInvoice:
        draft = new.draft
        if marker_item:
            marker: dict[str, Any] | None = load_item(marker_item)
        else:
            marker = self.table.get(keys.billed(draft.customer_number, draft.period.key, new.kind_key), consistent=True)
        invoice = self.get_invoice(draft.customer_number, int(marker["invoice_number"])) if marker else None
        if marker is None or invoice is None:  # marker and invoice are written in one transaction
            raise TransientFailure("an invoice marker was reported but cannot be read yet")
        return StoredInvoice(invoice, False, str(marker.get("created_by") or ""))

    def get_invoice(self, customer_number: str, number: int) -> Invoice | None:
        item = self.table.get(keys.invoice(customer_number, number))
        return invoice_from_item(item) if item else None

    def list_invoices(self, customer_number: str) -> list[Invoice]:
        items = self.table.query(keys.customer_pk(customer_number), sk_prefix=keys.INVOICES, forward=False)
        return [invoice_from_item(i) for i in items]

    def set_pdf_key(self, customer_number: str, number: int, key: str) -> None:
        self.table.call("update_item", **_pdf_key_update(self.table.name, PdfStored(customer_number, number, key)))

    def set_pdf_keys(self, stored: Sequence[PdfStored]) -> None:
        """One TransactWriteItems per 100 invoices (a request per batch, not per invoice)."""
        for start in range(0, len(stored), 100):
            chunk = stored[start : start + 100]
            self.table.call(
                "transact_write_items", TransactItems=[{"Update": _pdf_key_update(self.table.name, s)} for s in chunk]
            )

    def set_status(self, customer_number: str, number: int, status: str) -> None:
        self.table.call(
            "update_item",
            TableName=self.table.name,
            Key=dump_item(keys.invoice(customer_number, number).item()),
            UpdateExpression="SET #s = :s",
            ConditionExpression="attribute_exists(PK)",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues=dump_item({":s": status}),
        )

    # spot prices
    def spot_price(self, zone: str, month: str) -> Decimal | None:
        item = self.table.get(keys.spot_price(zone, month))
        return Decimal(item["price_per_kwh"]) if item else None

    def prices_of_years(self, zone: str, first: int, last: int) -> dict[str, Decimal]:
        return spot_prices_of_years(self.table, zone, first, last)

    def put_spot_price(self, zone: str, month: str, price: Decimal) -> None:
        self.table.put({**keys.spot_price(zone, month).item(), "type": "spot", "price_per_kwh": price})


def _put_new(table_name: str, item: dict[str, Any]) -> dict[str, Any]:
    return {
        "Put": {"TableName": table_name, "Item": dump_item(item), "ConditionExpression": "attribute_not_exists(PK)"}
    }


def _counter_update(table_name: str, key: keys.Key, current: int, count: int, *, exists: bool) -> dict[str, Any]:
    """The invoice counter moved from ``current`` by ``count``, if nobody moved it since it was read."""
    if not exists:
        return _put_new(table_name, {**key.item(), "value": current + count})
    return {
        "Update": {
            "TableName": table_name,
            "Key": dump_item(key.item()),
            "UpdateExpression": "SET #v = :next",
            "ConditionExpression": "#v = :current",
            "ExpressionAttributeNames": {"#v": "value"},
            "ExpressionAttributeValues": dump_item({":next": current + count, ":current": current}),
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    }


def _pdf_key_update(table_name: str, stored: PdfStored) -> dict[str, Any]:
    return {
        "TableName": table_name,
        "Key": dump_item(keys.invoice(stored.customer_number, stored.number).item()),
        "UpdateExpression": "SET pdf_key = :k",
        "ConditionExpression": "attribute_exists(PK)",
        "ExpressionAttributeValues": dump_item({":k": stored.key}),
    }
