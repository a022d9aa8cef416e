"""Profile service with fakes: contact data, billing address and bank account
(password and confirmation e-mail), SEPA consent, contact form."""

from __future__ import annotations

from datetime import date
from functools import partial

import pytest

from heatportal.documents.account_emails import profile_notice_email
from heatportal.domain.errors import Forbidden, RateLimited, ValidationFailed
from heatportal.domain.model import Address, Customer, Membership, Role
from heatportal.domain.profile import load_profile
from heatportal.i18n import translate
from heatportal.services.access import AccessService, Principal
from heatportal.services.profile import ProfileService
from heatportal.services.ratelimit import RateLimiter
from tests.fakes.accounts import InMemoryAccountStore
from tests.fakes.clock import FixedClock
from tests.fakes.customers import InMemoryCustomerRepository
from tests.fakes.identity import FakeIdentityAdmin
from tests.fakes.messaging import InMemoryMailer
from tests.fakes.profile import InMemoryProfileStore
from tests.fakes.ratelimit import InMemoryRateLimitStore

PASSWORD = "secret-123"


def build(profile_id: str = "de", role: Role = Role.FULL):
    profile = load_profile(profile_id)
    customers, store, identity, mailer = (
        InMemoryCustomerRepository(),
        InMemoryAccountStore(),
        FakeIdentityAdmin(),
        InMemoryMailer(),
    )
    number = "0012345/1" if profile_id == "de" else "100200"
    customers.add_customer(
        Customer(
            number=number,
            name="Jürgen Müller",
            email="rechnung@example.de",
            language="de",
            address=Address(street="Hauptstr. 1", postcode="91560", city="Heilsbronn", country="DE"),
        )
    )
    sub = identity.add_user("juergen@example.de", PASSWORD)
    store.add(Membership(user_id=sub, customer_number=number, role=role, email="juergen@example.de"))
    profiles = InMemoryProfileStore(customers)
    service = ProfileService(
        profile=profile,
        customers=customers,
        store=profiles,
        identity=identity,
        access=AccessService(store),
        limiter=RateLimiter(InMemoryRateLimitStore()),
        mailer=mailer,
        render_notice=partial(profile_notice_email, profile=profile),
        clock=FixedClock(date(2026, 3, 2)),
    )
    return service, Principal(user_id=sub, email="juergen@example.de"), number, profiles, mailer


def test_bank_account_needs_a_valid_iban_sepa_consent_and_the_password():
    service, me, number, profiles, mailer = build()
    change = partial(service.change_bank_account, me, number, holder="Jürgen Müller", valid_from=date(2026, 4, 1))
    with pytest.raises(ValidationFailed) as bad:
        change(iban="DE89 3704 0044 0532 0130 01", sepa_mandate=True, password=PASSWORD)
    assert bad.value.code == "iban_invalid"
    with pytest.raises(ValidationFailed) as consent:
        change(iban="DE89 3704 0044 0532 0130 00", sepa_mandate=False, password=PASSWORD)
    assert consent.value.code == "sepa_consent_required"
    with pytest.raises(ValidationFailed) as password:
        change(iban="DE89 3704 0044 0532 0130 00", sepa_mandate=True, password="wrong-1")
    assert password.value.code == "old_password_wrong"
    with pytest.raises(ValidationFailed) as past:
        service.change_bank_account(
            me,
            number,
            iban="DE89370400440532013000",
            holder="J",
            valid_from=date(2026, 3, 1),
            sepa_mandate=True,
            password=PASSWORD,
        )
    assert past.value.code == "bank_date_past"
    assert profiles.banks == {} and mailer.sent == []

    account = change(iban="de89 3704 0044 0532 0130 00", sepa_mandate=True, password=PASSWORD)
    assert account.iban == "DE89370400440532013000"
    assert {m.recipient for m in mailer.sent} == {"rechnung@example.de", "juergen@example.de"}
    assert mailer.sent[0].subject == translate(
        "email.profile.bank_account.subject", "de", utility=load_profile("de").name
    )
    assert "DE89 3704 0044 0532 0130 00" in mailer.sent[0].text


def test_norwegian_bank_account_has_no_sepa_mandate():
    service, me, number, profiles, _ = build("no")
    service.change_bank_account(
        me,
        number,
        iban="NO9386011117947",
        holder="Kari",
        valid_from=date(2026, 4, 1),
        sepa_mandate=False,
        password=PASSWORD,
    )
    assert profiles.banks[(number, None)].sepa_mandate is False


def test_billing_address_change_checks_postcode_and_password_and_confirms_by_email():
    service, me, number, _, mailer = build()
    new = Address(street="Ringstr. 5", postcode="9156", city="Heilsbronn", country="DE")
    with pytest.raises(ValidationFailed) as postcode:
        service.change_billing_address(me, number, new, PASSWORD)
    assert postcode.value.code == "postcode_invalid"
    fixed = new.model_copy(update={"postcode": "91560"})
    with pytest.raises(ValidationFailed):
        service.change_billing_address(me, number, fixed, "wrong-1")
    customer = service.change_billing_address(me, number, fixed, PASSWORD)
    assert customer.address.street == "Ringstr. 5"
    assert "Ringstr. 5, 91560 Heilsbronn" in mailer.sent[0].text


def test_read_only_users_see_the_profile_but_do_not_change_it():
    service, me, number, _, _ = build(role=Role.READ)
    customer, bank = service.view(me, number)
    assert (customer.name, bank) == ("Jürgen Müller", None)
    with pytest.raises(Forbidden):
        service.change_contact(me, number, "neu@example.de", None)


def test_contact_data_on_record_and_the_contact_form():
    service, me, number, profiles, mailer = build()
    with pytest.raises(ValidationFailed) as phone:
        service.change_contact(me, number, None, "12")
    assert phone.value.code == "phone_invalid"
    customer = service.change_contact(me, number, "Neu@Example.de", "0151 23456789")
    assert (customer.email, customer.phone) == ("neu@example.de", "+4915123456789")

    request = service.contact(me, number, "Abschlag", "Bitte anpassen", "0151 23456789")
    assert list(profiles.requests.values()) == [request]
    assert mailer.sent[-1].recipient == "juergen@example.de"
    with pytest.raises(ValidationFailed):
        service.contact(me, number, "Abschlag", "Text", "")
    for _ in range(4):
        service.contact(me, number, "Abschlag", "Text", "0151 23456789")
    with pytest.raises(RateLimited):
        service.contact(me, number, "Abschlag", "Text", "0151 23456789")
