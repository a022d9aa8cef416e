"""Accounts service with in-memory fakes: registration by PIN, postcode or
name, one-time codes, lockout, passwords, users and roles, audit trail."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from typing import Any

import pytest

from heatportal.documents.account_emails import account_code_email, pin_sms
from heatportal.domain.accounts import AuditEntry
from heatportal.domain.errors import Conflict, Forbidden, RateLimited, TransientFailure, Unauthorized, ValidationFailed
from heatportal.domain.model import Address, Customer, Membership, Meter, MeterKind, Role
from heatportal.domain.money import EnergyUnit
from heatportal.domain.profile import load_profile
from heatportal.domain.secrets import hash_secret
from heatportal.i18n import translate
from heatportal.services.access import AccessService, Principal, Scope
from heatportal.services.accounts.codes import OneTimeCodes
from heatportal.services.accounts.credentials import CredentialService
from heatportal.services.accounts.forgotten_number import ForgottenNumberService
from heatportal.services.accounts.joining import Joining
from heatportal.services.accounts.links import LinkService
from heatportal.services.accounts.registration import RegistrationService
from heatportal.services.accounts.search import CustomerSearch
from heatportal.services.accounts.users import CustomerUserService
from heatportal.services.ratelimit import Limit, RateLimiter
from tests.fakes.accounts import InMemoryAccountStore
from tests.fakes.clock import FixedClock
from tests.fakes.customer_records import InMemoryCustomerRecords
from tests.fakes.customers import InMemoryCustomerRepository
from tests.fakes.identity import FakeIdentityAdmin
from tests.fakes.messaging import InMemoryMailer, InMemorySmsSender
from tests.fakes.ratelimit import InMemoryRateLimitStore

PIN = "482913"
PASSWORD = "secret-123"


@dataclass
class Setup:
    """The account services over one set of fakes, as the composition root wires them."""

    registration: RegistrationService
    credentials: CredentialService
    links: LinkService
    users: CustomerUserService
    forgotten: ForgottenNumberService
    search: CustomerSearch
    access: AccessService
    store: InMemoryAccountStore
    identity: FakeIdentityAdmin
    mailer: InMemoryMailer
    clock: FixedClock
    customers: InMemoryCustomerRepository
    sms: InMemorySmsSender
    link_notices: list[tuple[str, str]]
    """(customer number, e-mail of who linked it) of each link the customer was told of"""

    def scope(self, who: Principal, number: str) -> Scope:
        return self.access.scope(who, number)

    def code(self, recipient: str) -> str:
        mail = [m for m in self.mailer.sent if m.recipient == recipient][-1]
        match = re.search(r": (\d{6})\n", mail.text)
        assert match, mail.text
        return match.group(1)


def build(profile_id: str = "no", store: InMemoryAccountStore | None = None) -> Setup:
    profile = load_profile(profile_id)
    store = store or InMemoryAccountStore()
    identity, mailer, clock, customers = (
        FakeIdentityAdmin(),
        InMemoryMailer(),
        FixedClock(date(2026, 3, 2)),
        InMemoryCustomerRepository(),
    )
    store.customers = customers
    sms = InMemorySmsSender()
    access = AccessService(InMemoryCustomerRecords(store, customers))
    limiter = RateLimiter(InMemoryRateLimitStore())
    codes = OneTimeCodes(store, mailer, partial(account_code_email, profile=profile), clock)
    joining = Joining(store, identity, clock)
    url = "https://portal.example/"
    link_notices: list[tuple[str, str]] = []
    return Setup(
        registration=RegistrationService(
            profile=profile,
            customers=customers,
            store=store,
            codes=codes,
            joining=joining,
            limiter=limiter,
            clock=clock,
            portal_url=url,
        ),
        credentials=CredentialService(
            profile=profile, store=store, identity=identity, access=access, codes=codes, limiter=limiter, clock=clock
        ),
        links=LinkService(
            profile=profile,
            customers=customers,
            store=store,
            identity=identity,
            limiter=limiter,
            clock=clock,
            notify=lambda customer, email: link_notices.append((customer.number, email)),
        ),
        users=CustomerUserService(
            store=store, identity=identity, codes=codes, joining=joining, limiter=limiter, clock=clock, portal_url=url
        ),
        forgotten=ForgottenNumberService(
            profile=profile,
            customers=customers,
            store=store,
            codes=codes,
            limiter=limiter,
            clock=clock,
            portal_url=url,
            sms=sms,
            render_pin_sms=partial(pin_sms, profile=profile),
        ),
        search=CustomerSearch(profile=profile, customers=customers, store=store),
        access=access,
        store=store,
        identity=identity,
        mailer=mailer,
        clock=clock,
        customers=customers,
        sms=sms,
        link_notices=link_notices,
    )


def customer(s: Setup, number: str = "100200", *, name: str = "Kari Nordmann", postcode: str = "2000") -> Customer:
    return s.customers.add_customer(
        Customer(
            number=number,
            name=name,
            email=f"post-{number}@example.com",
            language="nb",
            address=Address(street="Fjordveien 1", postcode=postcode, city="Lillestrøm", country="NO"),
            phone="+47 912 34 567",
            pin_hash=hash_secret(PIN),
        )
    )


def register(s: Setup, number: str = "100200", email: str = "kari@example.com", pin: str = PIN) -> str:
    return s.registration.start_registration(number, email, "10.0.0.1", pin=pin).id


def test_registration_by_pin_creates_the_first_administrator_after_the_emailed_code():
    s = build()
    customer(s)
    pending = register(s, email=" Kari@Example.com ")
    mail = s.mailer.sent[0]
    assert mail.recipient == "kari@example.com"
    assert mail.subject == translate("email.account.register.subject", "nb", utility=load_profile("no").name)
    assert s.store.list_members("100200") == []  # nothing granted before the code

    membership = s.registration.complete_registration(pending, s.code("kari@example.com"), PASSWORD, PASSWORD)

    assert (membership.role, membership.email) == (Role.ADMIN, "kari@example.com")
    assert s.identity.users["kari@example.com"]["password"] == PASSWORD
    assert [(a.action, a.subject) for a in s.store.audit] == [("registered", "kari@example.com")]
    assert s.store.challenges == {}


@pytest.mark.parametrize(
    ("number", "pin", "already_registered"),
    [("999999", PIN, False), ("100200", "000000", False), ("100200", PIN, True)],
    ids=["unknown number", "wrong PIN", "already registered"],
)
def test_every_refusal_is_the_same_registration_failed(number, pin, already_registered):
    s = build()
    customer(s)
    if already_registered:
        s.store.add(Membership(user_id="u1", customer_number="100200", role=Role.ADMIN, email="first@example.com"))
    with pytest.raises(Unauthorized) as refused:
        register(s, number=number, pin=pin)
    assert (refused.value.code, refused.value.message) == (
        "registration_failed",
        "We could not confirm your customer relationship.",
    )
    assert s.mailer.sent == []


def test_six_wrong_pins_in_a_row_lock_the_number_even_for_the_right_pin():
    s = build()
    customer(s)
    customer(s, "100201")
    for _ in range(6):
        with pytest.raises(Unauthorized):
            register(s, pin="111111")
    with pytest.raises(RateLimited) as locked:
        register(s)
    assert locked.value.params["retry_after"] == 24 * 3600
    assert register(s, number="100201", email="other@example.com")  # another customer is unaffected
    s.clock.set_today(date(2026, 3, 3))  # a day later the lock is over
    assert register(s)


def test_a_right_pin_resets_the_count_of_wrong_ones():
    s = build()
    customer(s)
    for _ in range(5):
        with pytest.raises(Unauthorized):
            register(s, pin="111111")
    register(s)
    for _ in range(5):
        with pytest.raises(Unauthorized):
            register(s, pin="111111")
    assert register(s)  # 5 + 5 wrong, but never six in a row


def test_dutch_registration_checks_the_postcode_format_then_the_postcode():
    s = build("nl")
    customer(s, "14159265359", postcode="1234AB")
    with pytest.raises(ValidationFailed) as bad:
        s.registration.start_registration("14159265359", "jan@example.nl", "ip", postcode="1234 ab")
    assert bad.value.code == "postcode_invalid"
    with pytest.raises(Unauthorized):
        s.registration.start_registration("14159265359", "jan@example.nl", "ip", postcode="1234AC")
    assert s.registration.start_registration("14159265359", "jan@example.nl", "ip", postcode="1234AB").id


def test_german_registration_by_customer_number_and_name():
    s = build("de")
    customer(s, "0012345/1", name="Jürgen  Müller")
    with pytest.raises(ValidationFailed) as bad:
        s.registration.start_registration("12345", "j@example.de", "ip", name="Jürgen Müller")
    assert bad.value.code == "customer_number_invalid"
    with pytest.raises(Unauthorized):
        s.registration.start_registration("0012345/1", "j@example.de", "ip", name="Hans Müller")
    assert s.registration.start_registration("0012345/1", "j@example.de", "ip", name="jurgen muller").id


def test_a_registration_that_failed_half_way_completes_on_retry_without_duplicates():
    s = build()
    customer(s)
    pending = register(s)
    code = s.code("kari@example.com")
    s.store.fail_next.append(TransientFailure("DynamoDB unavailable"))
    with pytest.raises(TransientFailure):
        s.registration.complete_registration(pending, code, PASSWORD, PASSWORD)
    assert s.store.list_members("100200") == []  # no half-written access

    membership = s.registration.complete_registration(pending, code, PASSWORD, PASSWORD)

    assert len(s.identity.users) == 1
    assert s.store.list_members("100200") == [membership]
    assert len(s.store.audit) == 1


def test_codes_expire_and_allow_five_wrong_guesses():
    s = build()
    customer(s)
    pending = register(s)
    code = s.code("kari@example.com")
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        with pytest.raises(ValidationFailed, match="wrong or has expired"):
            s.registration.complete_registration(pending, wrong, PASSWORD, PASSWORD)
    with pytest.raises(ValidationFailed) as used_up:
        s.registration.complete_registration(pending, code, PASSWORD, PASSWORD)
    assert used_up.value.code == "code_invalid"

    fresh = register(s, email="again@example.com")
    s.clock.set_today(date(2026, 3, 3))
    with pytest.raises(ValidationFailed):
        s.registration.complete_registration(fresh, s.code("again@example.com"), PASSWORD, PASSWORD)


def test_password_rules_are_checked_before_the_code_is_spent():
    s = build()
    customer(s)
    pending = register(s)
    code = s.code("kari@example.com")
    with pytest.raises(ValidationFailed) as short:
        s.registration.complete_registration(pending, code, "short1", "short1")
    assert short.value.code == "password_too_short"
    with pytest.raises(ValidationFailed) as differ:
        s.registration.complete_registration(pending, code, PASSWORD, PASSWORD + "x")
    assert differ.value.code == "passwords_differ"
    unchanged = s.store.get_challenge(pending)
    assert unchanged is not None and unchanged.attempts == 0


def test_login_with_customer_number_where_the_profile_allows_it():
    s = build("de")
    s.identity.add_user("admin@example.de", PASSWORD)
    s.store.add(Membership(user_id="u1", customer_number="0012345/1", role=Role.ADMIN, email="admin@example.de"))
    auth = s.identity.authenticate
    assert s.credentials.login("0012345/1", PASSWORD, "ip", auth) == "tokens-for-admin@example.de"
    assert s.credentials.login("Admin@Example.de", PASSWORD, "ip", auth) == "tokens-for-admin@example.de"
    with pytest.raises(Unauthorized) as unknown:
        s.credentials.login("0099999/1", PASSWORD, "ip", auth)
    assert unknown.value.code == "login_failed"
    no = build("no")
    no.store.add(Membership(user_id="u1", customer_number="100200", role=Role.ADMIN, email="admin@example.de"))
    # Norway logs in by e-mail only: a number is no sign-in name there, not even passed on to Cognito.
    assert no.credentials.login_username("100200").endswith("@invalid")


def test_ten_failed_logins_lock_the_username():
    s = build()
    s.identity.add_user("kari@example.com", PASSWORD)
    for _ in range(10):
        with pytest.raises(Unauthorized):
            s.credentials.login("kari@example.com", "wrong", "ip", s.identity.authenticate)
    with pytest.raises(RateLimited):
        s.credentials.login("kari@example.com", PASSWORD, "ip", s.identity.authenticate)


def test_forgot_password_mails_known_users_only_and_reset_signs_out_everywhere():
    s = build()
    s.identity.add_user("kari@example.com", PASSWORD)
    s.credentials.forgot_password("nobody@example.com", "en", "ip")
    assert s.mailer.sent == []
    s.credentials.forgot_password("kari@example.com", "sv", "ip")
    assert s.mailer.sent[0].subject == translate("email.account.reset.subject", "sv", utility=load_profile("no").name)
    with pytest.raises(ValidationFailed):
        s.credentials.reset_password("nobody@example.com", "123456", "new-pass-1", "new-pass-1")
    s.credentials.reset_password("kari@example.com", s.code("kari@example.com"), "new-pass-1", "new-pass-1")
    assert s.identity.users["kari@example.com"]["password"] == "new-pass-1"
    assert s.identity.signed_out == ["kari@example.com"]


def _admin(s: Setup, number: str = "100200", email: str = "admin@example.com") -> Principal:
    sub = s.identity.add_user(email, PASSWORD)
    s.store.add(Membership(user_id=sub, customer_number=number, role=Role.ADMIN, email=email))
    return Principal(user_id=sub, email=email)


def test_the_last_administrator_cannot_remove_or_demote_itself():
    s = build()
    customer(s)
    admin = _admin(s)
    for change in (
        lambda: s.users.change_role(s.scope(admin, "100200"), admin.user_id, Role.FULL),
        lambda: s.users.remove_user(s.scope(admin, "100200"), admin.user_id),
    ):
        with pytest.raises(Conflict) as refused:
            change()
        assert refused.value.code == "last_admin"
    assert s.store.audit == []


def test_two_admins_demoting_each_other_at_once_leave_one_admin():
    class RacingStore(InMemoryAccountStore):
        """The first write loses to a concurrent demotion of the other admin."""

        def write_access_change(self, customer_number: str, version: int, audit: AuditEntry, **changes: Any) -> bool:
            if self.lose_races:
                self.lose_races = 0
                other = self.members[(customer_number, racer.user_id)]
                self.add(other.model_copy(update={"role": Role.READ}))
                self.versions[customer_number] = version + 1
                return False
            return super().write_access_change(customer_number, version, audit, **changes)

    s = build(store=RacingStore())
    customer(s)
    first = _admin(s)
    racer = _admin(s, email="racer@example.com")
    s.store.lose_races = 1
    with pytest.raises(Conflict) as refused:
        s.users.change_role(s.scope(racer, "100200"), first.user_id, Role.READ)
    assert refused.value.code == "last_admin"
    assert [m.role for m in s.store.list_members("100200")].count(Role.ADMIN) == 1


def test_invitation_for_a_new_person_then_role_change_and_audit():
    s = build()
    customer(s)
    admin = _admin(s)
    pending = s.users.invite(s.scope(admin, "100200"), "Kollega@Example.com", Role.READ)
    assert [i.email for i in s.users.users(s.scope(admin, "100200"))[1]] == ["kollega@example.com"]
    with pytest.raises(ValidationFailed):
        s.users.accept_invitation(pending.id, s.code("kollega@example.com"), PASSWORD, None)  # no confirmation
    joined = s.users.accept_invitation(pending.id, s.code("kollega@example.com"), PASSWORD, PASSWORD)
    assert joined.role == Role.READ
    s.users.change_role(s.scope(admin, "100200"), joined.user_id, Role.FULL)
    assert [(a.action, a.actor, a.role, a.previous_role) for a in s.users.audit(s.scope(admin, "100200"))] == [
        ("role_changed", "admin@example.com", Role.FULL, Role.READ),
        ("joined", "kollega@example.com", Role.READ, None),
        ("invited", "admin@example.com", Role.READ, None),
    ]
    with pytest.raises(Conflict) as twice:
        s.users.invite(s.scope(admin, "100200"), "kollega@example.com", Role.READ)
    assert twice.value.code == "user_exists"


def test_an_existing_user_accepts_with_the_current_password_which_stays():
    s = build()
    customer(s)
    admin = _admin(s)
    s.identity.add_user("known@example.com", "old-pass-1")
    pending = s.users.invite(s.scope(admin, "100200"), "known@example.com", Role.FULL)
    code = s.code("known@example.com")
    with pytest.raises(Unauthorized):
        s.users.accept_invitation(pending.id, code, "attacker-1", "attacker-1")
    assert s.users.accept_invitation(pending.id, code, "old-pass-1", None).role == Role.FULL
    assert s.identity.users["known@example.com"]["password"] == "old-pass-1"


def test_staff_see_users_but_do_not_change_them_and_other_roles_see_nothing():
    s = build()
    customer(s)
    admin = _admin(s)
    staff = Principal(user_id="staff-1", email="staff@utility.example", groups=frozenset({"staff"}))
    assert [m.email for m in s.users.users(s.scope(staff, "100200"))[0]] == ["admin@example.com"]
    with pytest.raises(Forbidden):
        s.users.invite(s.scope(staff, "100200"), "x@example.com", Role.READ)
    reader = Principal(user_id="r1", email="reader@example.com")
    s.store.add(Membership(user_id="r1", customer_number="100200", role=Role.FULL, email="reader@example.com"))
    with pytest.raises(Forbidden):
        s.users.users(s.scope(reader, "100200"))
    with pytest.raises(Forbidden):
        s.users.remove_user(s.scope(reader, "100200"), admin.user_id)


def test_rate_limit_windows_end():
    limiter = RateLimiter(InMemoryRateLimitStore())
    limit = Limit("t", 2, 60)
    clock = FixedClock(date(2026, 1, 1))
    limiter.hit(limit, "k", clock.now())
    limiter.hit(limit, "k", clock.now())
    with pytest.raises(RateLimited) as refused:
        limiter.hit(limit, "k", clock.now())
    assert refused.value.params["retry_after"] == 60
    assert limiter.hit(limit, "k", clock.now() + timedelta(seconds=61)) == 1


def test_forgotten_customer_number_goes_only_to_the_address_on_record_with_a_new_pin():
    s = build()
    customer(s)
    s.forgotten.forgot_customer_number("someone-else@example.com", None, None, "ip")
    s.forgotten.forgot_customer_number("post-100200@example.com", None, "100201", "ip")  # wrong number given
    assert (s.mailer.sent, s.sms.sent) == ([], [])

    s.forgotten.forgot_customer_number("Post-100200@example.com", None, None, "ip")
    mail = s.mailer.sent[0]
    assert mail.recipient == "post-100200@example.com"
    assert "100200" in mail.text
    new_pin = s.code("post-100200@example.com")
    with pytest.raises(Unauthorized):
        register(s)  # the old PIN letter no longer works
    assert register(s, pin=new_pin)


def test_forgotten_pin_by_sms_needs_the_customer_number_and_the_mobile_on_record():
    s = build()
    customer(s)
    s.forgotten.forgot_customer_number(None, "912 34 567", None, "ip")  # no number: no index by phone
    s.forgotten.forgot_customer_number(None, "912 34 999", "100200", "ip")  # not the number on record
    assert s.sms.sent == []
    s.forgotten.forgot_customer_number(None, "912 34 567", "100200", "ip")
    [(phone, text)] = s.sms.sent
    assert phone == "+4791234567"
    pin = re.search(r"(\d{6})\.$", text)
    assert pin and "100200" in text
    assert register(s, pin=pin.group(1))
    with pytest.raises(ValidationFailed) as missing:
        s.forgotten.forgot_customer_number(" ", None, None, "ip")
    assert missing.value.code == "contact_missing"
    for _ in range(3):  # five requests to one mobile number per hour
        s.forgotten.forgot_customer_number(None, "912 34 567", "100200", "ip")
    with pytest.raises(RateLimited):
        s.forgotten.forgot_customer_number(None, "912 34 567", "100200", "ip")


def _meter(s: Setup, number: str) -> str:
    meter = Meter(
        number=f"M{number}",
        customer_number=number,
        facility_id="F1",
        kind=MeterKind.HEAT,
        unit=EnergyUnit.KWH,
        decimals=0,
        installed_on=date(2020, 1, 1),
    )
    s.customers.add_meter(meter)
    return meter.number


def test_staff_find_customers_by_number_email_and_meter_only():
    s = build("de")
    customer(s, "0012345/1")
    meter = _meter(s, "0012345/1")
    staff = Principal(user_id="s1", email="ks@utility.example", groups=frozenset({"staff"}))
    for query in ("0012345-1", "0012345/1", "POST-0012345/1@example.com", meter):
        assert [c.number for c in s.search.find_customers(staff, query)] == ["0012345/1"], query
    assert s.search.find_customers(staff, "Kari Nordmann") == []  # this setup has no name index
    with pytest.raises(Forbidden):
        s.search.find_customers(Principal(user_id="u", email="kari@example.com"), "0012345/1")


def test_email_change_waits_for_the_code_from_the_new_address_and_follows_memberships():
    s = build()
    customer(s)
    me = _admin(s)
    with pytest.raises(ValidationFailed) as wrong:
        s.credentials.start_email_change(me, "guess-123", "new@example.com", "en")
    assert wrong.value.code == "old_password_wrong"
    pending = s.credentials.start_email_change(me, PASSWORD, "New@Example.com", "de")
    assert s.mailer.sent[-1].recipient == "new@example.com"
    assert "admin@example.com" in s.identity.users  # nothing changed before the code
    intruder = Principal(user_id="someone-else", email="x@example.com")
    with pytest.raises(ValidationFailed):
        s.credentials.confirm_email_change(intruder, pending.id, s.code("new@example.com"))
    assert s.credentials.confirm_email_change(me, pending.id, s.code("new@example.com")) == "new@example.com"
    assert "new@example.com" in s.identity.users and "admin@example.com" not in s.identity.users
    assert [m.email for m in s.store.list_members("100200")] == ["new@example.com"]
    assert s.identity.signed_out == ["new@example.com"]
