"""The contract store (moving out and in, signing orders, the incoming party's
confirmation, new customer numbers) and the published documents: the fake and
the adapter agree."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from heatportal.domain.contracts import ContractTerms, ContractVersion, Supply
from heatportal.domain.document_store import DocumentType, PublishedDocument
from heatportal.domain.model import Address, Facility
from heatportal.domain.moving import IncomingParty, MoveIn, MoveInHandshake, MoveOut
from heatportal.domain.signing import CodeOrder, SigningOrder
from tests.builders import ADDRESS, a_customer, a_meter, a_reading
from tests.contract.ports.conftest import Ports

AT = datetime(2026, 3, 2, 9, tzinfo=UTC)
STARTED = date(2020, 1, 1)
MOVING = date(2026, 2, 28)
TERMS = ContractTerms(product="district_heating", options={"price_agreement": "spot"}, term_months=12)
FORWARD = Address(street="Nyveien 9", postcode="0460", city="Oslo", country="NO")


def outgoing(ports: Ports) -> tuple[Supply, MoveOut]:
    """Customer 100001 at facility F-100001 with meter M-1, and its move out."""
    ports.given.customer(a_customer("100001"))
    ports.given.facility(Facility(id="F-100001", customer_number="100001", name="Fjordveien 12", address=ADDRESS))
    meter = a_meter("M-1", "100001", installed_on=STARTED)
    ports.given.meter(meter)
    supply = Supply(customer_number="100001", facility_id="F-100001", started_on=STARTED)
    ended = supply.model_copy(update={"ended_on": MOVING, "forwarding_address": FORWARD})
    removed = meter.model_copy(update={"removed_on": MOVING})
    move = MoveOut(
        supply=ended,
        meters=(removed,),
        final_readings=(a_reading("M-1", MOVING, "1234"),),
        billing_address=FORWARD,
        final_invoice_due=MOVING + timedelta(weeks=6),
    )
    return supply, move


def test_moving_out_is_written_whole_once(ports: Ports) -> None:
    _supply, move = outgoing(ports)
    assert ports.contracts.move_out(move)

    [ended] = ports.contracts.supplies_of_customer("100001")
    assert (ended.ended_on, ended.forwarding_address) == (MOVING, FORWARD)
    assert ports.contracts.supplies_of_facility("F-100001") == [ended]
    assert [s.facility_id for s in ports.contracts.vacant_facilities()] == ["F-100001"]
    meter = ports.customers.find_meter("M-1")
    assert meter is not None and meter.removed_on == MOVING
    assert ports.readings.latest_reading("M-1") == a_reading("M-1", MOVING, "1234")
    customer = ports.customers.get_customer("100001")
    assert customer is not None
    assert (customer.address, customer.final_invoice_due) == (FORWARD, MOVING + timedelta(weeks=6))

    # Twice: refused, nothing changes (not even the deadline).
    later = move.model_copy(update={"final_invoice_due": MOVING + timedelta(weeks=9)})
    assert not ports.contracts.move_out(later)
    again = ports.customers.get_customer("100001")
    assert again is not None and again.final_invoice_due == MOVING + timedelta(weeks=6)

    ports.contracts.set_final_invoice(ended, 42, None)
    [billed] = ports.contracts.supplies_of_customer("100001")
    assert billed.final_invoice == 42
    settled = ports.customers.get_customer("100001")
    assert settled is not None and settled.final_invoice_due is None


def test_a_removed_meter_refuses_the_whole_move_out(ports: Ports) -> None:
    _supply, move = outgoing(ports)
    ports.given.meter(a_meter("M-1", "100001", installed_on=STARTED, removed_on=date(2025, 12, 31)))
    assert not ports.contracts.move_out(move)
    assert ports.contracts.supplies_of_customer("100001") == []
    assert ports.readings.latest_reading("M-1") is None
    customer = ports.customers.get_customer("100001")
    assert customer is not None and customer.address == ADDRESS


def test_moving_in_takes_the_vacant_home_over_once(ports: Ports) -> None:
    _supply, out = outgoing(ports)
    assert ports.contracts.move_out(out)
    number = str(ports.contracts.next_customer_number())
    assert int(str(ports.contracts.next_customer_number())) == int(number) + 1
    newcomer = a_customer(number, email="sanne@example.org")
    facility = Facility(id="F-100001", customer_number=number, name="Fjordveien 12", address=ADDRESS)
    supply = Supply(customer_number=number, facility_id="F-100001", started_on=MOVING)
    move = MoveIn(
        new_customer=newcomer,
        facility=facility,
        meters=(a_meter("M-1", number, installed_on=MOVING, start_value=Decimal(1234)),),
        supply=supply,
        version=ContractVersion(customer_number=number, facility_id="F-100001", valid_from=MOVING, terms=TERMS),
        readings=(),  # the outgoing party's final readings are the new meters' first
        previous=out.supply,
    )
    assert ports.contracts.move_in(move)

    assert ports.contracts.customer_exists(number)
    assert ports.contracts.vacant_facilities() == []
    assert [(s.customer_number, s.successor) for s in ports.contracts.supplies_of_facility("F-100001")] == [
        ("100001", number),
        (number, None),
    ]
    assert [v.valid_from for v in ports.contracts.contract_versions(number)] == [MOVING]
    # The home is taken: a second move in on the same previous supply writes nothing.
    other = str(ports.contracts.next_customer_number())
    second = move.model_copy(
        update={
            "new_customer": a_customer(other),
            "supply": supply.model_copy(update={"customer_number": other}),
            "meters": (a_meter("M-1", other, installed_on=MOVING),),
        }
    )
    assert not ports.contracts.move_in(second)
    assert not ports.contracts.customer_exists(other)
    assert not ports.contracts.create_customer(newcomer)
    assert ports.contracts.create_customer(a_customer(other))


def test_the_incoming_partys_code_counts_attempts_and_confirms_once(ports: Ports) -> None:
    handshake = MoveInHandshake(
        id="h-1",
        outgoing="100001",
        facility_id="F-100001",
        moving_on=MOVING,
        readings={"M-1": Decimal("1234.5")},
        incoming=IncomingParty(name="Sanne", email="sanne@example.org", language="nl"),
        code_hash="hash",
        created_at=AT,
        expires_at=int((AT + timedelta(days=14)).timestamp()),
    )
    ports.contracts.put_handshake(handshake)
    assert ports.contracts.get_handshake("h-1") == handshake
    assert ports.contracts.get_handshake("h-2") is None
    assert ports.contracts.count_handshake_attempt(handshake, 2)
    assert ports.contracts.count_handshake_attempt(handshake, 2)
    assert not ports.contracts.count_handshake_attempt(handshake, 2)
    stored = ports.contracts.get_handshake("h-1")
    assert stored is not None and stored.attempts == 2
    assert ports.contracts.confirm_handshake(handshake, "900001")
    assert not ports.contracts.confirm_handshake(handshake, "900002")
    confirmed = ports.contracts.get_handshake("h-1")
    assert confirmed is not None and confirmed.confirmed_as == "900001"


def signing_order(ref: str) -> SigningOrder:
    return SigningOrder(
        order_ref=ref,
        customer_number="100001",
        facility_id="F-100001",
        user_id="u-1",
        email="kari@example.no",
        method="bankid_se",
        valid_from=date(2026, 4, 1),
        terms=TERMS,
        started_at=AT,
        qr_start_token="t",
        qr_start_secret="s",
        expires_at=int((AT + timedelta(minutes=5)).timestamp()),
    )


def test_a_signing_order_completes_once_with_its_version(ports: Ports) -> None:
    ports.given.customer(a_customer("100001"))
    order = signing_order("o-1")
    ports.contracts.put_signing_order(order)
    assert ports.contracts.get_signing_order("100001", "o-1") == order
    assert ports.contracts.get_signing_order("100002", "o-1") is None
    version = ContractVersion(
        customer_number="100001",
        facility_id="F-100001",
        valid_from=date(2026, 4, 1),
        terms=TERMS,
        signed_by="Kari",
        signed_at=AT,
        signature_method="bankid_se",
        signature_reference="o-1",
        document_id="0123456789abcdef",
    )
    done = order.model_copy(update={"document_id": "0123456789abcdef"})
    assert ports.contracts.finish_signing_order(done, version)
    assert not ports.contracts.finish_signing_order(done, version)
    assert ports.contracts.contract_versions("100001") == [version]
    finished = ports.contracts.get_signing_order("100001", "o-1")
    assert finished is not None and (finished.status, finished.document_id) == ("complete", "0123456789abcdef")

    # A failed order stays failed; a finished one is not failed afterwards.
    ports.contracts.fail_signing_order(done, "userCancel")
    still = ports.contracts.get_signing_order("100001", "o-1")
    assert still is not None and still.status == "complete"
    other = signing_order("o-2")
    ports.contracts.put_signing_order(other)
    ports.contracts.fail_signing_order(other, "userCancel")
    failed = ports.contracts.get_signing_order("100001", "o-2")
    assert failed is not None and (failed.status, failed.hint) == ("failed", "userCancel")
    assert not ports.contracts.finish_signing_order(other, version)


def test_code_orders_are_stored_and_updated(ports: Ports) -> None:
    order = CodeOrder(
        order_ref="c-1",
        email="kari@example.no",
        code_hash="hash",
        visible="Avtale",
        hidden_digest="digest",
        started_at=AT,
    )
    ports.contracts.put_code_order(order)
    assert ports.contracts.get_code_order("c-1") == order
    tried = order.model_copy(update={"tries": 1})
    ports.contracts.update_code_order(tried)
    assert ports.contracts.get_code_order("c-1") == tried
    assert ports.contracts.get_code_order("c-2") is None


def document(doc_id: str, at: datetime, customer: str | None) -> PublishedDocument:
    return PublishedDocument(
        id=doc_id,
        type=DocumentType.LETTER,
        title="Brev",
        audience="customer" if customer else "everyone",
        customer_number=customer,
        key=f"documents/{doc_id}.pdf",
        filename="brev.pdf",
        size=100,
        published_at=at,
        published_by="staff@example.no",
    )


def test_published_documents_newest_first_per_audience_and_opened_per_person(ports: Ports) -> None:
    ports.given.customer(a_customer("100001"))
    older = document("0000000000000001", AT, "100001")
    newer = document("0000000000000002", AT + timedelta(hours=1), "100001")
    everyone = document("0000000000000003", AT, None)
    for doc in (older, newer, everyone, document("0000000000000004", AT, "100002")):
        ports.published.put_document(doc)
    ports.published.mark_opened("100001", "u-1", older.id)
    ports.published.mark_opened("100001", "u-1", newer.id)
    ports.published.mark_opened("100001", "u-1", newer.id)
    ports.published.mark_opened("100001", "u-2", older.id)

    record = ports.records.customer_record("100001")
    assert record.documents == (newer, older)
    assert record.opened == {"u-1": frozenset({older.id, newer.id}), "u-2": frozenset({older.id})}
    assert ports.published.utility_documents() == [everyone]
    assert ports.records.customer_record("100003").documents == ()


def test_the_record_carries_the_supplies_and_contract_versions(ports: Ports) -> None:
    _supply, move = outgoing(ports)
    version = ContractVersion(customer_number="100001", facility_id="F-100001", valid_from=STARTED, terms=TERMS)
    ports.contracts.put_contract_version(version)
    assert ports.contracts.move_out(move)
    record = ports.records.customer_record("100001")
    assert record.supplies == (move.supply,)
    assert record.contract_versions == (version,)
