"""Supplies, contract versions, signing orders, moves and published documents
in memory, over the customer and reading fakes, with the semantics of
``adapters.dynamo_contracts.DynamoContractStore`` and
``adapters.dynamo_documents.DynamoPublishedDocuments`` (held to them by
tests/contract/ports): a move is written whole or not at all; the previous
supply is taken over once; a signing order completes once."""

from __future__ import annotations

from datetime import date

from heatportal.domain.accounts import AuditEntry
from heatportal.domain.contracts import ContractVersion, Supply
from heatportal.domain.document_store import PublishedDocument
from heatportal.domain.model import Customer, Reading
from heatportal.domain.moving import MoveIn, MoveInHandshake, MoveOut
from heatportal.domain.signing import CodeOrder, SigningOrder
from heatportal.services.billing.pricing import ContractTerms
from heatportal.services.contracts.code_signing import CodeOrders
from heatportal.services.contracts.signing import SigningOrders
from heatportal.services.document_store import PublishedDocuments
from heatportal.services.moving.final_invoice import FinalInvoiceStore, SupplySource
from heatportal.services.moving.move_in import MoveInStore, NewCustomerStore
from heatportal.services.moving.move_out import MoveOutStore
from tests.fakes.customers import InMemoryCustomerRepository
from tests.fakes.readings import InMemoryReadingRepository


class InMemoryContractStore(
    MoveOutStore,
    MoveInStore,
    NewCustomerStore,
    FinalInvoiceStore,
    SupplySource,
    SigningOrders,
    CodeOrders,
    ContractTerms,
):
    def __init__(self, customers: InMemoryCustomerRepository, readings: InMemoryReadingRepository) -> None:
        self.customers = customers
        self.readings = readings
        self.supplies: dict[tuple[str, str, date], Supply] = {}
        self.versions: dict[tuple[str, str, date], ContractVersion] = {}
        self.orders: dict[tuple[str, str], SigningOrder] = {}
        self.code_orders: dict[str, CodeOrder] = {}
        self.handshakes: dict[str, MoveInHandshake] = {}
        self.audit: list[AuditEntry] = []
        self.counter = 0

    # --- supplies ----------------------------------------------------------------------
    def put_supply(self, supply: Supply) -> None:
        self.supplies[(supply.customer_number, supply.facility_id, supply.started_on)] = supply

    def supplies_of_customer(self, customer_number: str) -> list[Supply]:
        return sorted(
            (s for (c, _, _), s in self.supplies.items() if c == customer_number),
            key=lambda s: (s.facility_id, s.started_on),
        )

    def supplies_of_facility(self, facility_id: str) -> list[Supply]:
        return sorted((s for (_, f, _), s in self.supplies.items() if f == facility_id), key=lambda s: s.started_on)

    def vacant_facilities(self) -> list[Supply]:
        return sorted(
            (s for s in self.supplies.values() if s.ended_on is not None and s.successor is None),
            key=lambda s: (s.ended_on or date.min, s.facility_id),
        )

    def _reading_fits(self, reading: Reading) -> bool:
        stored = self.readings.readings.get((reading.meter_number, reading.read_on))
        return stored is None or stored.estimated

    # --- moving -----------------------------------------------------------------------------
    def move_out(self, move: MoveOut) -> bool:
        supply = move.supply
        known = self.supplies.get((supply.customer_number, supply.facility_id, supply.started_on))
        customer = self.customers.get_customer(supply.customer_number)
        meters = {(m.customer_number, m.number): m for m in self.customers.all_meters()}
        if (
            (known is not None and known.ended_on is not None)
            or customer is None
            or any(meters.get((m.customer_number, m.number)) is None for m in move.meters)
            or any(meters[(m.customer_number, m.number)].removed_on is not None for m in move.meters)
            or not all(self._reading_fits(r) for r in move.final_readings)
        ):
            return False
        self.put_supply(supply)
        for meter in move.meters:
            self.customers.update_meter(meter)
        for reading in move.final_readings:
            self.readings.add_reading(reading)
        update: dict[str, object] = {"final_invoice_due": customer.final_invoice_due or move.final_invoice_due}
        if move.billing_address is not None:
            update["address"] = move.billing_address
        self.customers.add_customer(customer.model_copy(update=update))
        return True

    def move_in(self, move: MoveIn) -> bool:
        previous = move.previous
        if move.new_customer is not None and self.customers.get_customer(move.new_customer.number) is not None:
            return False
        if previous is not None:
            held = self.supplies.get((previous.customer_number, previous.facility_id, previous.started_on))
            if held is None or held.ended_on is None or held.successor is not None:
                return False
        own = {(m.customer_number, m.number) for m in self.customers.all_meters()}
        if any((m.customer_number, m.number) in own for m in move.meters):
            return False
        if (move.supply.customer_number, move.supply.facility_id, move.supply.started_on) in self.supplies:
            return False
        if not all(self._reading_fits(r) for r in move.readings):
            return False
        if move.new_customer is not None:
            self.customers.add_customer(move.new_customer)
        facilities = self.customers.facilities.setdefault(move.facility.customer_number, [])
        facilities[:] = [f for f in facilities if f.id != move.facility.id] + [move.facility]
        for meter in move.meters:
            self.customers.add_meter(meter)
        self.put_supply(move.supply)
        self.versions[(move.version.customer_number, move.version.facility_id, move.version.valid_from)] = move.version
        for reading in move.readings:
            self.readings.add_reading(reading)
        if previous is not None:
            self.put_supply(previous.model_copy(update={"successor": move.supply.customer_number}))
        return True

    def set_final_invoice(self, supply: Supply, invoice_number: int, still_due: date | None) -> None:
        self.put_supply(supply.model_copy(update={"final_invoice": invoice_number}))
        customer = self.customers.get_customer(supply.customer_number)
        if customer is not None:
            self.customers.add_customer(customer.model_copy(update={"final_invoice_due": still_due}))

    def put_handshake(self, handshake: MoveInHandshake) -> None:
        self.handshakes[handshake.id] = handshake

    def get_handshake(self, handshake_id: str) -> MoveInHandshake | None:
        return self.handshakes.get(handshake_id)

    def count_handshake_attempt(self, handshake: MoveInHandshake, max_attempts: int) -> bool:
        stored = self.handshakes[handshake.id]
        if stored.attempts >= max_attempts:
            return False
        self.handshakes[handshake.id] = stored.model_copy(update={"attempts": stored.attempts + 1})
        return True

    def confirm_handshake(self, handshake: MoveInHandshake, customer_number: str) -> bool:
        stored = self.handshakes.get(handshake.id)
        if stored is None or stored.confirmed_as is not None:
            return False
        self.handshakes[handshake.id] = stored.model_copy(update={"confirmed_as": customer_number})
        return True

    def next_customer_number(self) -> int:
        self.counter += 1
        return self.counter

    def customer_exists(self, number: str) -> bool:
        return self.customers.get_customer(number) is not None

    def create_customer(self, customer: Customer) -> bool:
        if self.customers.get_customer(customer.number) is not None:
            return False
        self.customers.add_customer(customer)
        return True

    # --- contracts and signing -------------------------------------------------------------------
    def put_contract_version(self, version: ContractVersion) -> None:
        self.versions[(version.customer_number, version.facility_id, version.valid_from)] = version

    def put_signing_order(self, order: SigningOrder) -> None:
        self.orders[(order.customer_number, order.order_ref)] = order

    def get_signing_order(self, customer_number: str, order_ref: str) -> SigningOrder | None:
        return self.orders.get((customer_number, order_ref))

    def finish_signing_order(self, order: SigningOrder, version: ContractVersion) -> bool:
        stored = self.orders.get((order.customer_number, order.order_ref))
        if stored is None or stored.status != "pending":
            return False
        self.orders[(order.customer_number, order.order_ref)] = stored.model_copy(
            update={"status": "complete", "document_id": order.document_id}
        )
        self.put_contract_version(version)
        customer = self.customers.get_customer(order.customer_number)
        if customer is not None:
            self.customers.add_customer(customer.model_copy(update={"custom_terms": True}))
        return True

    def contract_versions(self, customer_number: str) -> list[ContractVersion]:
        return [v for (c, _, _), v in sorted(self.versions.items()) if c == customer_number]

    def fail_signing_order(self, order: SigningOrder, hint: str) -> None:
        stored = self.orders.get((order.customer_number, order.order_ref))
        if stored is not None and stored.status == "pending":
            self.orders[(order.customer_number, order.order_ref)] = stored.model_copy(
                update={"status": "failed", "hint": hint}
            )

    def add_audit(self, entry: AuditEntry) -> None:
        self.audit.append(entry)

    def put_code_order(self, order: CodeOrder) -> None:
        self.code_orders[order.order_ref] = order

    def get_code_order(self, order_ref: str) -> CodeOrder | None:
        return self.code_orders.get(order_ref)

    def update_code_order(self, order: CodeOrder) -> None:
        self.code_orders[order.order_ref] = order


class InMemoryPublishedDocuments(PublishedDocuments):
    def __init__(self) -> None:
        self.documents: list[PublishedDocument] = []
        self.opened: dict[tuple[str, str], set[str]] = {}
        self.utility_reads = 0

    def put_document(self, document: PublishedDocument) -> None:
        self.documents.append(document)

    def utility_documents(self) -> list[PublishedDocument]:
        self.utility_reads += 1
        return sorted(
            (d for d in self.documents if d.customer_number is None), key=lambda d: d.published_at, reverse=True
        )

    def customer_documents(self, customer_number: str) -> list[PublishedDocument]:
        return sorted(
            (d for d in self.documents if d.customer_number == customer_number),
            key=lambda d: d.published_at,
            reverse=True,
        )

    def mark_opened(self, customer_number: str, user_id: str, document_id: str) -> None:
        self.opened.setdefault((customer_number, user_id), set()).add(document_id)
