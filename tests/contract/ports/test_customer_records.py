"""CustomerRecords (the customer's record in one read, from which access is
decided and a page is drawn): the fake and the adapter agree."""

from __future__ import annotations

from datetime import UTC, datetime

from heatportal.domain.companies import CompanyGrant
from heatportal.domain.model import BillingPeriod, Facility, Role
from tests.builders import ADDRESS, a_customer, a_draft_invoice, a_membership, a_meter
from tests.contract.ports.conftest import Ports

AT = datetime(2026, 3, 2, 9, tzinfo=UTC)


def test_the_record_holds_profile_facilities_meters_members_and_grants_in_key_order(ports: Ports) -> None:
    ports.given.customer(a_customer("100001"))
    for facility_id in ("F-2", "F-1"):
        ports.given.facility(Facility(id=facility_id, customer_number="100001", name=facility_id, address=ADDRESS))
    for number in ("M-2", "M-1"):
        ports.given.meter(a_meter(number, "100001"))
    ports.given.membership(a_membership("per", "100001", Role.READ))
    ports.given.membership(a_membership("eva", "100001", Role.ADMIN))
    ports.given.membership(a_membership("eva", "100002", Role.ADMIN))  # another customer's
    grant = CompanyGrant("100001", "923609016", Role.FULL, frozenset({"F-2"}), "active", "eva@example.no", AT)
    ports.given.grant(grant)

    record = ports.records.customer_record("100001")

    assert record.customer == a_customer("100001")
    assert [f.id for f in record.facilities] == ["F-1", "F-2"]
    assert [m.number for m in record.meters] == ["M-1", "M-2"]
    assert [(m.user_id, m.role) for m in record.memberships] == [("eva", Role.ADMIN), ("per", Role.READ)]
    assert record.grants == (grant,)
    assert record.membership("per") == a_membership("per", "100001", Role.READ)
    assert record.invoices is None  # not asked for


def test_invoices_come_with_the_record_only_when_asked_and_newest_first(ports: Ports) -> None:
    ports.given.customer(a_customer("100001"))
    for month in (1, 2):
        period = BillingPeriod(year=2026, month=month)
        ports.invoices.create_invoice_once(
            a_draft_invoice("100001", period),
            kind_key="invoice",
            reference=lambda number: f"REF{number}",
        )

    record = ports.records.customer_record("100001", invoices=True)

    assert record.invoices is not None
    assert [i.period.month for i in record.invoices] == [2, 1]
    # Which invoice billed each period (the markers), so that pricing finds the previous bill in the record.
    assert record.billed == {
        ("2026-01", "invoice"): record.invoices[1].number,
        ("2026-02", "invoice"): record.invoices[0].number,
    }
    assert record.billed_invoice("2026-02", "invoice") == record.invoices[0]
    assert record.billed_invoice("2026-03", "invoice") is None
    assert record.billed_invoice("2026-02", "advance") is None
    plain = ports.records.customer_record("100001")
    assert (plain.invoices, plain.billed) == (None, None)


def test_an_unknown_customer_has_an_empty_record(ports: Ports) -> None:
    record = ports.records.customer_record("999999", invoices=True)
    assert (record.customer, record.facilities, record.meters, record.memberships, record.grants) == (
        None,
        (),
        (),
        (),
        (),
    )
    assert record.invoices == ()


def test_a_persons_memberships_are_listed_by_customer(ports: Ports) -> None:
    ports.given.membership(a_membership("per", "100002", Role.READ))
    ports.given.membership(a_membership("per", "100001", Role.ADMIN))
    assert [m.customer_number for m in ports.records.list_memberships("per")] == ["100001", "100002"]
