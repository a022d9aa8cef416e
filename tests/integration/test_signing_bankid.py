"""The BankID relying-party adapter (API v6) against the local stack's own
BankID (infra.local.signing), which follows the same protocol: sign, collect
(pending with hints, complete with the signer, failed), cancel, one order at
a time per end user, the animated QR code checked by the "device"; then a
whole signing with the Swedish profile (BankID) through the contract
signing service, with its DynamoDB store and documents store."""

from __future__ import annotations

import base64
import time
from decimal import Decimal

import pytest
import requests

from heatportal import composition
from heatportal.adapters.bankid import BankIdRelyingParty
from heatportal.adapters.dynamo_contracts import DynamoContractStore
from heatportal.adapters.dynamo_customer_record import DynamoCustomerRecords
from heatportal.adapters.dynamo_documents import DynamoPublishedDocuments
from heatportal.domain.errors import Conflict, NotFound
from heatportal.domain.model import BillingPeriod
from heatportal.domain.profile import load_profile
from heatportal.domain.signing import qr_content
from heatportal.domain.tariff import MeterUsage
from heatportal.services.access import AccessService, Principal
from heatportal.services.billing.pricing import PricingService
from heatportal.services.contracts.contracts import ContractService
from heatportal.services.contracts.estimate import AnnualEstimateService, ExpectedConsumption
from heatportal.services.contracts.signing import ContractSigning, SignRequest, first_days_ahead
from heatportal.services.document_store import DocumentStoreService
from heatportal.services.forecast import ForecastService
from heatportal.services.readings import ReadingService
from tests.dates import local_today

SE = load_profile("se")


@pytest.fixture
def bankid(stack) -> BankIdRelyingParty:
    return BankIdRelyingParty(f"{stack.portal_url}/_local/bankid/rp/v6.0")


def device(stack, path: str, **body: str) -> requests.Response:
    return requests.post(f"{stack.portal_url}/_local/bankid/device{path}", json=body, timeout=10)


def request(ip: str, text: str = "Jag signerar avtalet") -> SignRequest:
    return SignRequest(end_user_ip=ip, visible=text, hidden=b"fingerprint", signer_email="a@example.se", language="sv")


def test_an_order_is_pending_until_the_device_scans_the_qr_code_and_signs(stack, bankid):
    started = bankid.sign(request("10.1.0.1", "Jag signerar **avtalet**"))
    assert started.qr_start_token and started.qr_start_secret and started.auto_start_token
    assert bankid.collect(started.order_ref).hint == "outstandingTransaction"
    # A made-up or stale QR code is not accepted.
    assert device(stack, "/scan", qr=f"bankid.{started.qr_start_token}.0.{'0' * 64}").status_code == 400
    assert (
        device(stack, "/scan", qr=qr_content(started.qr_start_token, started.qr_start_secret, 999)).status_code == 400
    )
    seconds = int(time.time() - stack.signing.orders[started.order_ref].started)
    scanned = device(stack, "/scan", qr=qr_content(started.qr_start_token, started.qr_start_secret, seconds))
    assert scanned.status_code == 200, scanned.text
    assert scanned.json()["text"] == "Jag signerar **avtalet**"
    assert bankid.collect(started.order_ref).hint == "userSign"
    signed = device(stack, f"/orders/{started.order_ref}/sign", name="Karin Testsson", personalNumber="199001012389")
    assert signed.json()["status"] == "complete"
    collected = bankid.collect(started.order_ref)
    assert collected.status == "complete"
    assert collected.signer is not None
    assert (collected.signer.name, collected.signer.personal_number) == ("Karin Testsson", "199001012389")
    assert "Jag signerar **avtalet**" in base64.b64decode(collected.signer.signature).decode()


def test_one_order_at_a_time_cancel_expiry_and_unknown_orders(stack, bankid):
    first = bankid.sign(request("10.1.0.2"))
    with pytest.raises(Conflict) as twice:
        bankid.sign(request("10.1.0.2"))
    assert twice.value.code == "signing_in_progress"
    bankid.cancel(first.order_ref)
    assert (bankid.collect(first.order_ref).status, bankid.collect(first.order_ref).hint) == ("failed", "cancelled")
    second = bankid.sign(request("10.1.0.2"))
    stack.signing.orders[second.order_ref].started -= 200  # three minutes and more: BankID gives up
    expired = bankid.collect(second.order_ref)
    assert (expired.status, expired.hint) == ("failed", "expiredTransaction")
    with pytest.raises(NotFound):
        bankid.collect("00000000-0000-0000-0000-000000000000")


def test_a_malformed_order_is_refused_as_bankid_does(stack):
    url = f"{stack.portal_url}/_local/bankid/rp/v6.0/sign"
    resp = requests.post(url, json={"userVisibleData": "not base64!!"}, timeout=10)
    assert (resp.status_code, resp.json()["errorCode"]) == (400, "invalidParameters")


def test_a_swedish_administrator_signs_with_bankid_end_to_end(stack, repo, seed, bankid):
    alice = seed(role="admin")
    table = repo.table
    store = DynamoContractStore(table)
    clock = composition.clock()
    readings = ReadingService(repo, clock)
    pricing = PricingService(SE, repo, repo, readings, repo, repo, contracts=store)
    contracts = ContractService(SE, clock)
    forecast = ForecastService(SE, repo, repo, pricing, clock)
    estimates = AnnualEstimateService(
        SE, contracts, ExpectedConsumption(SE, forecast, readings, clock), pricing, clock, lambda *a: b"%PDF"
    )
    documents = DocumentStoreService(DynamoPublishedDocuments(table), composition.documents(), repo, clock)
    signing = ContractSigning(
        SE,
        estimates,
        bankid,
        store,
        documents,
        composition.notices(),
        clock,
        lambda signed, profile, lang: b"%PDF-1.4 signed",
        stack.portal_url,
    )
    access = AccessService(DynamoCustomerRecords(table))
    admin = Principal(user_id=alice.user_id, email=alice.email)
    valid_from = first_days_ahead(local_today())[0]
    order = signing.start(
        access.scope(admin, alice.customer.number),
        f"F{alice.customer.number}",
        product=None,
        choices={"capacity": "subscribed_100", "price_agreement": "fixed_3y"},
        valid_from=valid_from,
        end_user_ip="10.1.0.3",
        language="sv",
    )
    qr = signing.qr(order)
    assert qr is not None and qr.startswith(f"bankid.{order.qr_start_token}.")
    scanned = device(stack, "/scan", qr=qr)
    assert scanned.status_code == 200, scanned.text
    assert "Abonnerad 100 kW" in scanned.json()["text"]
    device(stack, f"/orders/{order.order_ref}/sign")
    done = signing.poll(access.scope(admin, alice.customer.number), order.order_ref, "sv")
    assert done.status == "complete"
    record = DynamoCustomerRecords(table).customer_record(alice.customer.number)
    [version] = record.contract_versions
    assert version.valid_from == valid_from
    assert version.terms.options == {
        "price_agreement": "fixed_3y",
        "capacity": "subscribed_100",
        "green_heat": "standard",
    }
    assert (version.signature_method, version.signature_reference) == ("bankid_se", order.order_ref)
    assert version.signed_by == f"Karin Testsson <{alice.email}>"
    [document] = record.documents
    assert document.id == version.document_id
    assert record.customer is not None and record.customer.custom_terms
    # The bill of the month the version starts prices the subscribed power, not the measured one.
    period = BillingPeriod(year=valid_from.year, month=valid_from.month)
    usage = MeterUsage(alice.meter.number, alice.meter.kind, alice.meter.unit, Decimal(100))
    lists = pricing._contract_price_lists(record.customer, period, [usage], {alice.meter.number: alice.meter})
    assert lists is not None
    [(price_list, _usages)] = lists
    assert price_list is not None and "capacity=subscribed_100" in price_list.id
    assert not any(c.type == "capacity_charge" for c in price_list.components)
