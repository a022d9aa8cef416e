"""Contracts (services.contracts) against in-memory fakes: the terms and the
price list they make, the annual cost estimate and the simulator line by
line, signing through the signing port (the e-mail code method, and a
BankID-protocol provider) to a new version that the bill follows, and the
profiles' offers, services and key figures all having their texts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from heatportal.domain.contracts import (
    ContractTerms,
    default_terms,
    price_list_with,
    terms_from_choices,
)
from heatportal.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from heatportal.domain.model import LANGUAGES, BillingPeriod, Facility, InvoiceKind, Role
from heatportal.domain.notices import Notice
from heatportal.domain.profile import PROFILE_IDS, EnergyPrice, FixedFee, SpotEnergyPrice, load_profile
from heatportal.domain.signing import Collected, Signer, SignStart, qr_content
from heatportal.i18n import catalog
from heatportal.services.access import AccessService, Principal, Scope
from heatportal.services.billing.reads import SPOT_KEPT_FOR
from heatportal.services.contracts.code_signing import EmailCodeSigning
from heatportal.services.contracts.contracts import ContractService
from heatportal.services.contracts.estimate import (
    AnnualEstimateService,
    ExpectedConsumption,
    compare,
)
from heatportal.services.contracts.signing import ContractSigning, SignRequest, fingerprint, first_days_ahead
from heatportal.services.document_store import DocumentStoreService
from heatportal.services.forecast import ForecastService
from heatportal.services.notices import Notices
from tests.builders import a_customer, a_membership, a_meter, a_reading
from tests.fakes.contracts import InMemoryContractStore, InMemoryPublishedDocuments
from tests.fakes.customer_records import InMemoryCustomerRecords
from tests.unit.test_billing_service import Billing
from tests.unit.test_moving import render

NO = load_profile("no")
ADMIN = Principal(user_id="u-admin", email="admin@example.no")
FULL = Principal(user_id="u-full", email="full@example.no")
STAFF = Principal(user_id="u-staff", email="ks@example.no", groups=frozenset({"staff"}))
TODAY = date(2025, 3, 14)


class FakeBankId:
    """A provider that follows BankID's protocol: pending until the test signs."""

    def __init__(self) -> None:
        self.orders: dict[str, str] = {}
        self.requests: list[SignRequest] = []

    def sign(self, request: SignRequest) -> SignStart:
        self.requests.append(request)
        ref = f"order-{len(self.requests)}"
        self.orders[ref] = "pending"
        return SignStart(order_ref=ref, auto_start_token="auto", qr_start_token="qr-token", qr_start_secret="qr-secret")

    def collect(self, order_ref: str) -> Collected:
        status = self.orders[order_ref]
        if status == "complete":
            signer = Signer(name="Karin Testsson", personal_number="199001012389", signature="PFNpZ25hdHVyZT4=")
            return Collected(order_ref=order_ref, status="complete", signer=signer)
        if status == "failed":
            return Collected(order_ref=order_ref, status="failed", hint="userCancel")
        return Collected(order_ref=order_ref, status="pending", hint="userSign")

    def cancel(self, order_ref: str) -> None:
        self.orders[order_ref] = "failed"

    def respond(self, order_ref: str, code: str) -> bool:
        raise Conflict("This signing method takes no code.", code="signing_no_code")


class Contracts:
    def __init__(self, provider: object | None = None) -> None:
        self.billing = Billing(profile=NO, today=TODAY)
        world = self.billing.world
        self.world = world
        self.store = InMemoryContractStore(world.customers, world.readings)
        self.published = InMemoryPublishedDocuments()
        self.billing.pricing.contracts = self.store
        self.notices = Notices(world.mailer, render)
        self.contracts = ContractService(NO, world.clock)
        forecast = ForecastService(NO, world.readings, world.invoices, self.billing.pricing, world.clock)
        expected = ExpectedConsumption(NO, forecast, self.billing.readings, world.clock)
        self.estimates = AnnualEstimateService(
            NO, self.contracts, expected, self.billing.pricing, world.clock, lambda *a: b"%PDF estimate"
        )
        self.documents = DocumentStoreService(self.published, world.documents, world.customers, world.clock)
        self.provider = provider or EmailCodeSigning(self.store, self.notices, world.clock)
        self.signing = ContractSigning(
            NO,
            self.estimates,
            self.provider,  # type: ignore[arg-type]  # a fake of the port
            self.store,
            self.documents,
            self.notices,
            world.clock,
            lambda signed, profile, lang: b"%PDF signed " + signed.fingerprint.encode(),
            "https://portal.example",
        )
        world.customers.add_customer(a_customer("100001"))
        world.customers.add_facility(
            Facility(id="F-100001", customer_number="100001", name="Fjordveien 12", address=a_customer().address)
        )
        meter = world.customers.add_meter(a_meter("M-1", "100001"))
        # 1500 kWh a month through 2024 and into 2025.
        for month in range(15):
            day = date(2024 + month // 12, month % 12 + 1, 1)
            world.readings.add_reading(a_reading(meter.number, day, str(10000 + 1500 * month)))
        world.memberships.add(a_membership(ADMIN.user_id, "100001", Role.ADMIN))
        world.memberships.add(a_membership(FULL.user_id, "100001", Role.FULL))
        for spot_month in ("2024-12", "2025-01", "2025-02", "2025-03", "2025-04"):
            self.billing.spot(spot_month, "0.90")

    def scope(self, who: Principal) -> Scope:
        records = InMemoryCustomerRecords(
            self.world.memberships,
            self.world.customers,
            invoices=self.world.invoices,
            contracts=self.store,
            documents=self.published,
        )
        return AccessService(records).scope(who, "100001")


@pytest.fixture
def contracts() -> Contracts:
    return Contracts()


def test_terms_from_picks_are_checked_and_a_price_agreement_sets_the_term():
    terms = terms_from_choices(NO.offer, None, {"price_agreement": "fixed_3y"})
    assert terms == ContractTerms(
        product="district_heating", options={"price_agreement": "fixed_3y", "green_heat": "standard"}, term_months=36
    )
    assert default_terms(NO.offer).is_default(NO.offer)
    for picks, field in (
        ({"price_agreement": "forever"}, "options.price_agreement"),
        ({"colour": "red"}, "options.colour"),
    ):
        with pytest.raises(ValidationFailed) as refused:
            terms_from_choices(NO.offer, None, picks)
        assert refused.value.fields[0]["field"] == field
    with pytest.raises(ValidationFailed):
        terms_from_choices(NO.offer, "district_cooling", {})


def test_options_are_written_into_the_price_list_the_engine_prices():
    base = NO.price_list_on(TODAY)
    fixed = price_list_with(
        base, terms_from_choices(NO.offer, None, {"price_agreement": "fixed_1y", "green_heat": "green"}), NO.offer
    )
    types = [c.type for c in fixed.components]
    assert "spot_energy" not in types  # replaced by the fixed price
    energy = [c for c in fixed.components if isinstance(c, EnergyPrice)]
    assert [(c.name, c.prices[0].price) for c in energy] == [
        (None, Decimal("0.9800")),
        ("Grønn varme", Decimal("0.0200")),
    ]
    assert any(isinstance(c, FixedFee) for c in fixed.components)  # the fixed fee stays
    assert price_list_with(base, default_terms(NO.offer), NO.offer) is base


def test_the_annual_estimate_is_twelve_months_priced_by_the_tariff(contracts):
    contract, estimate = contracts.estimates.estimate(contracts.scope(FULL), "F-100001")
    assert contract.implied and contract.supply.started_on == date(2020, 1, 1)
    assert estimate.first_month == BillingPeriod(year=2025, month=4)
    assert estimate.basis == {"M-1": "average"}  # read by hand: its mean daily use
    # 12 months of the fixed fee and the energy the meter is expected to use.
    fee = next(line for line in estimate.lines if line.component == "fixed_fee")
    assert (fee.quantity, fee.amount) == (Decimal(12), Decimal("1200.00"))
    energy = next(line for line in estimate.lines if line.component == "spot_energy")
    assert energy.quantity == estimate.quantities["M-1"]
    # The lines are on the price list's basis (the Norwegian private list includes VAT).
    assert estimate.price_list.prices_include_vat
    assert estimate.total == sum((line.amount for line in estimate.lines), Decimal(0))
    assert estimate.total == estimate.net_total + estimate.vat_total


def test_a_warm_container_prices_estimates_with_the_spot_average_it_read_within_a_minute(contracts):
    """The contract pages ask for the newest spot average on every visit: read
    once per minute per zone (SPOT_KEPT_FOR); a new month's import shows
    within the minute."""
    spot_prices, clock = contracts.world.spot_prices, contracts.world.clock
    energy = lambda: next(  # noqa: E731
        line
        for line in contracts.estimates.estimate(contracts.scope(FULL), "F-100001")[1].lines
        if line.component == "spot_energy"
    )
    before = spot_prices.gets
    first = energy()
    read_once = spot_prices.gets - before
    assert read_once >= 1
    contracts.billing.spot("2025-03", "1.80")  # imported meanwhile (the newest known month)
    contracts.billing.spot("2025-04", "1.80")
    assert energy().amount == first.amount and spot_prices.gets - before == read_once
    clock._now += SPOT_KEPT_FOR
    later = energy()
    assert spot_prices.gets - before > read_once
    assert later.quantity == first.quantity and later.amount > first.amount


def test_the_simulator_shows_each_lines_change(contracts):
    simulation = contracts.estimates.simulate(
        contracts.scope(FULL), "F-100001", None, {"price_agreement": "fixed_1y", "green_heat": "green"}
    )
    changes = {(c.text_key, tuple(c.text_params.items())): c for c in simulation.changes}
    spot = changes[("line.spot_energy", (("zone", "NO1"),))]
    assert spot.before is not None and spot.after is None  # the spot line goes
    fixed = changes[("invoice.component.energy", ())]
    assert fixed.before is None and fixed.after is not None
    assert fixed.after.unit_price == Decimal("0.9800")
    green = changes[("line.energy_named", (("name", "Grønn varme"),))]
    assert green.after is not None and green.after.amount == (green.after.quantity * Decimal("0.02")).quantize(
        Decimal("0.01")
    )
    fee = changes[("invoice.component.fixed_fee", (("name", "Fastledd"),))]
    assert fee.difference == 0
    assert simulation.difference == simulation.chosen.total - simulation.current.total
    assert (  # lines incl. VAT, as the Norwegian private list is
        sum((c.difference for c in simulation.changes), Decimal(0))
        == simulation.chosen.total - simulation.current.total
    )
    assert compare(simulation.current, simulation.current)[0].difference == 0


def test_signing_with_the_emailed_code_makes_a_new_version_the_bill_follows(contracts):
    first = first_days_ahead(TODAY)[0]
    assert first == date(2025, 4, 1)
    order = contracts.signing.start(
        contracts.scope(ADMIN),
        "F-100001",
        product=None,
        choices={"price_agreement": "fixed_1y"},
        valid_from=first,
        end_user_ip="10.0.0.1",
        language="nb",
    )
    assert contracts.signing.poll(contracts.scope(ADMIN), order.order_ref, "nb").hint == "userSign"
    mail = next(m for m in contracts.world.mailer.sent if m.subject == "signing.code")
    code = mail.text.split("code=")[1][:6]
    with pytest.raises(ValidationFailed):
        contracts.signing.respond(contracts.scope(ADMIN), order.order_ref, "000000" if code != "000000" else "111111")
    contracts.signing.respond(contracts.scope(ADMIN), order.order_ref, code)
    done = contracts.signing.poll(contracts.scope(ADMIN), order.order_ref, "nb")
    assert done.status == "complete"
    # Once: a second poll changes nothing.
    assert contracts.signing.poll(contracts.scope(ADMIN), order.order_ref, "nb").status == "complete"
    versions = contracts.store.contract_versions("100001")
    assert [(v.valid_from, v.terms.options["price_agreement"], v.signature_method) for v in versions] == [
        (first, "fixed_1y", "email_code")
    ]
    [document] = contracts.published.documents
    assert (document.type.value, document.facility_id, document.id) == ("contract", "F-100001", versions[0].document_id)
    assert contracts.world.documents.get(document.key).startswith(b"%PDF signed ")
    [audit] = contracts.store.audit
    assert (audit.action, audit.actor) == ("contract_signed", ADMIN.email)
    assert [m.subject for m in contracts.world.mailer.sent if m.recipient == ADMIN.email][-1] == "signing.done"
    # March is still billed at the spot price, April at the fixed price signed.
    contracts.world.readings.add_reading(a_reading("M-1", date(2025, 4, 1), str(10000 + 1500 * 15)))
    # Each month billed once it has ended and its readings cut-off has passed.
    march = contracts.billing.service.bill_account(
        "100001", BillingPeriod(year=2025, month=3), issued_on=date(2025, 4, 5)
    )[0]
    assert {line.component for line in march.lines} == {"spot_energy", "fixed_fee"}
    contracts.world.readings.add_reading(a_reading("M-1", date(2025, 5, 1), str(10000 + 1500 * 16)))
    april = contracts.billing.service.bill_account(
        "100001", BillingPeriod(year=2025, month=4), issued_on=date(2025, 5, 5)
    )[0]
    energy = next(line for line in april.lines if line.component == "energy")
    assert (energy.quantity, energy.unit_price, energy.amount) == (Decimal(1500), Decimal("0.9800"), Decimal("1470.00"))
    assert april.kind == InvoiceKind.INVOICE


def test_only_the_customers_administrators_sign_and_only_other_terms(contracts):
    first = first_days_ahead(TODAY)[0]
    for who in (FULL, STAFF):
        with pytest.raises(Forbidden):
            contracts.signing.start(
                contracts.scope(who),
                "F-100001",
                product=None,
                choices={"price_agreement": "fixed_1y"},
                valid_from=first,
                end_user_ip="10.0.0.1",
                language="nb",
            )
    with pytest.raises(ValidationFailed) as same:
        contracts.signing.start(
            contracts.scope(ADMIN),
            "F-100001",
            product=None,
            choices={},
            valid_from=first,
            end_user_ip="10.0.0.1",
            language="nb",
        )
    assert same.value.code == "signing_terms_unchanged"
    with pytest.raises(ValidationFailed) as mid_month:
        contracts.signing.start(
            contracts.scope(ADMIN),
            "F-100001",
            product=None,
            choices={"price_agreement": "fixed_1y"},
            valid_from=date(2025, 4, 15),
            end_user_ip="10.0.0.1",
            language="nb",
        )
    assert mid_month.value.code == "signing_date_invalid"
    assert contracts.store.orders == {}


def test_a_bankid_order_shows_the_animated_qr_and_completes_in_the_app():
    bankid = FakeBankId()
    contracts = Contracts(bankid)
    order = contracts.signing.start(
        contracts.scope(ADMIN),
        "F-100001",
        product=None,
        choices={"green_heat": "green"},
        valid_from=date(2025, 5, 1),
        end_user_ip="10.0.0.1",
        language="sv",
    )
    [request] = bankid.requests
    assert request.end_user_ip == "10.0.0.1"
    assert request.hidden == fingerprint("100001", "F-100001", date(2025, 5, 1), order.terms).encode()
    assert "Grön värme" in request.visible
    # The QR code changes with the seconds since the order started.
    assert contracts.signing.qr(order) == qr_content("qr-token", "qr-secret", 0)
    contracts.world.clock._now = order.started_at + timedelta(seconds=3)
    assert contracts.signing.qr(order) == qr_content("qr-token", "qr-secret", 3)
    assert contracts.signing.qr(order) != qr_content("qr-token", "qr-secret", 0)
    with pytest.raises(Conflict):
        contracts.signing.respond(contracts.scope(ADMIN), order.order_ref, "123456")
    bankid.orders[order.order_ref] = "complete"
    done = contracts.signing.poll(contracts.scope(ADMIN), order.order_ref, "sv")
    assert done.status == "complete"
    [version] = contracts.store.contract_versions("100001")
    assert version.signed_by == "Karin Testsson <admin@example.no>"
    # Another administrator cannot look at this person's order.
    other = Principal(user_id="u-other", email="other@example.no")
    contracts.world.memberships.add(a_membership(other.user_id, "100001", Role.ADMIN))
    with pytest.raises(NotFound):
        contracts.signing.order(contracts.scope(other), order.order_ref)


def test_a_cancelled_bankid_order_fails_without_a_version():
    bankid = FakeBankId()
    contracts = Contracts(bankid)
    order = contracts.signing.start(
        contracts.scope(ADMIN),
        "F-100001",
        product=None,
        choices={"green_heat": "green"},
        valid_from=date(2025, 5, 1),
        end_user_ip="10.0.0.1",
        language="nb",
    )
    cancelled = contracts.signing.cancel(contracts.scope(ADMIN), order.order_ref)
    assert (cancelled.status, cancelled.hint) == ("failed", "userCancel")
    assert contracts.signing.poll(contracts.scope(ADMIN), order.order_ref, "nb").status == "failed"
    assert contracts.store.contract_versions("100001") == []
    assert contracts.published.documents == []


def test_the_emailed_code_expires_and_allows_five_tries(contracts):
    first = first_days_ahead(TODAY)[0]
    order = contracts.signing.start(
        contracts.scope(ADMIN),
        "F-100001",
        product=None,
        choices={"green_heat": "green"},
        valid_from=first,
        end_user_ip="10.0.0.1",
        language="nb",
    )
    for _ in range(5):
        with pytest.raises(ValidationFailed):
            contracts.signing.respond(contracts.scope(ADMIN), order.order_ref, "999999")
    assert contracts.signing.poll(contracts.scope(ADMIN), order.order_ref, "nb").status == "failed"
    late = contracts.signing.start(
        contracts.scope(ADMIN),
        "F-100001",
        product=None,
        choices={"green_heat": "green"},
        valid_from=first,
        end_user_ip="10.0.0.1",
        language="nb",
    )
    contracts.world.clock._now = datetime(2025, 3, 14, 9, 4, tzinfo=UTC)
    polled = contracts.signing.poll(contracts.scope(ADMIN), late.order_ref, "nb")
    assert (polled.status, polled.hint) == ("failed", "expiredTransaction")


@pytest.mark.parametrize("profile_id", PROFILE_IDS)
def test_every_offer_service_and_key_figure_of_the_profiles_has_its_texts(profile_id):
    profile = load_profile(profile_id)
    keys = [f"offer.product.{p.id}" for p in profile.offer.products]
    keys += [f"offer.product.{p.id}.text" for p in profile.offer.products]
    for option in profile.offer.options:
        keys += [f"offer.option.{option.id}", f"offer.option.{option.id}.text"]
        keys += [f"offer.choice.{option.id}.{c.id}" for c in option.choices]
    for service in profile.services:
        keys += [f"service.{service.id}.name", f"service.{service.id}.text"]
        if service.price_unit:
            keys.append(f"services.price_from_{service.price_unit}")
    assert profile.sustainability is not None
    keys.append(f"sustainability.goal.{profile.sustainability.goal}")
    keys += [f"fuel.{carrier}" for year in profile.sustainability.years for carrier in year.fuel_mix]
    keys += [f"signing.method_{profile.signing.method}", f"simulator.sign_text_{profile.signing.method}"]
    keys += [
        f"moving.welcome_register_{profile.registration.value}",
        f"email.moving.welcome.register.{profile.registration.value}",
    ]
    for lang in LANGUAGES:
        assert [k for k in keys if k not in catalog(lang)] == [], lang


@pytest.mark.parametrize("profile_id", PROFILE_IDS)
def test_the_spot_indexed_option_replaces_only_what_the_list_has(profile_id):
    profile = load_profile(profile_id)
    base = profile.price_list_on(date(2026, 1, 1))
    for option in profile.offer.options:
        for choice in option.choices:
            for kind in choice.replaces:
                assert any(c.type == kind for c in base.components), (option.id, choice.id, kind)
    assert any(isinstance(c, SpotEnergyPrice) for c in base.components) == (profile_id == "no")


def test_the_bill_run_day_is_the_schedules_day():
    from infra.local.template import load_template

    cron = load_template()["Resources"]["MonthlyBillingSchedule"]["Properties"]["ScheduleExpression"]
    day = int(cron.removeprefix("cron(").split()[2])
    assert {load_profile(p).moving.bill_run_day for p in PROFILE_IDS} == {day}


def test_notice_kinds_used_have_subject_and_introduction():
    kinds = [
        "moving.incoming",
        "moving.out",
        "moving.in",
        "moving.welcome",
        "signing.done",
        "signing.code",
        "services.interest",
    ]
    for lang in LANGUAGES:
        for kind in kinds:
            assert f"email.{kind}.subject" in catalog(lang) and f"email.{kind}.intro" in catalog(lang)
    assert Notice(kind="x", language="nb", name="n").facts == []
