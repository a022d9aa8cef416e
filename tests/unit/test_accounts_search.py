"""Staff find customers by name (folded words, prefixes, ranking, cap), and the
public code routes do the same work whether or not the address exists."""

from __future__ import annotations

import pytest

from heatportal.adapters.pacing import MinimumDuration
from heatportal.domain.errors import Forbidden, RateLimited, Unauthorized
from heatportal.domain.model import Address, Customer
from heatportal.domain.name_search import fold, matched_words, name_tokens, query_tokens
from heatportal.domain.secrets import hash_secret, verify_secret
from heatportal.services.access import Principal
from heatportal.services.accounts import credentials as credentials_module
from heatportal.services.accounts import forgotten_number as forgotten_number_module
from heatportal.services.accounts import proof as proof_module
from heatportal.services.accounts.common import PUBLIC_ANSWER_FLOOR, address_key
from heatportal.services.accounts.search import NAME_RESULTS
from tests.fakes.identity import FakeIdentityAdmin
from tests.fakes.name_index import InMemoryNameIndex
from tests.fakes.pacer import RecordingPacer
from tests.fakes.recorder import Recorder
from tests.unit.test_accounts import PASSWORD, Setup, build

STAFF = Principal(user_id="s1", email="ks@utility.example", groups=frozenset({"staff"}))


def _customer(s: Setup, number: str, name: str) -> Customer:
    return s.customers.add_customer(
        Customer(
            number=number,
            name=name,
            email=f"post-{number}@example.com",
            language="nb",
            address=Address(street="Fjordveien 1", postcode="2000", city="Lillestrøm", country="NO"),
        )
    )


def _with_names(s: Setup) -> InMemoryNameIndex:
    index = InMemoryNameIndex(s.customers)
    s.search.names = index
    return index


def test_names_fold_to_plain_lower_case_words():
    assert fold("Ødegård") == "odegard"
    assert name_tokens("Bauer, Michael") == ["bauer", "michael"]
    assert name_tokens("Æsir-Strauß AS") == ["aesir", "strauss", "as"]
    assert name_tokens("Jürgen Müller") == ["jurgen", "muller"]
    assert query_tokens("a Kari Nordmann Ødegård Li") == ["nordmann", "odegard", "kari"]
    assert matched_words(["ode", "ka"], "Kari Ødegård") == 2
    assert matched_words(["ode", "per"], "Kari Ødegård") == 1


@pytest.mark.parametrize("query", ["odegard", "Ødegård", "ødegård", "ODE", "kari ød"])
def test_staff_find_a_customer_by_name_with_or_without_nordic_letters(query):
    s = build()
    _with_names(s)
    _customer(s, "100200", "Kari Ødegård")
    _customer(s, "100300", "Ola Nordmann")
    assert [c.number for c in s.search.find_customers(STAFF, query)] == ["100200"]


def test_customers_matching_every_word_come_first_then_by_name_and_the_list_is_capped():
    s = build()
    index = _with_names(s)
    _customer(s, "100201", "Per Hansen")
    _customer(s, "100202", "Anne Hansen")
    _customer(s, "100203", "Per Olsen")
    _customer(s, "100204", "Hans Persson")
    found = s.search.find_customers(STAFF, "per hansen")
    # Both words: Per Hansen. One word each, by name: Anne Hansen, Hans Persson ("per"), Per Olsen.
    assert [c.name for c in found] == ["Per Hansen", "Anne Hansen", "Hans Persson", "Per Olsen"]
    # Two words, two index queries, one batch read of the customers.
    assert index.requests == 3

    for n in range(NAME_RESULTS + 5):
        _customer(s, f"2{n:05d}", f"Berit Berg {n}")
    assert len(s.search.find_customers(STAFF, "berg")) == NAME_RESULTS


def test_exact_hits_come_before_name_hits_and_e_mails_do_not_search_names():
    s = build()
    index = _with_names(s)
    _customer(s, "100200", "Kari Nordmann")
    _customer(s, "100300", "Kari Hansen")
    assert [c.number for c in s.search.find_customers(STAFF, "100300")] == ["100300"]
    before = index.requests
    assert [c.number for c in s.search.find_customers(STAFF, "post-100200@example.com")] == ["100200"]
    assert index.requests == before
    assert s.search.find_customers(STAFF, "x") == []  # one letter is no name query
    with pytest.raises(Forbidden):
        s.search.find_customers(Principal(user_id="u", email="kari@example.com"), "kari")


# --- forgot password: the same work for known and unknown addresses -----------------------


def _recorded(s: Setup, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], RecordingPacer]:
    log: list[str] = []
    pacer = RecordingPacer()
    for service in (s.credentials, s.forgotten):
        service.pacer = pacer
        service.store = Recorder(s.store, log, "table")
    s.credentials.identity = Recorder(s.identity, log, "cognito")
    real_hash = hash_secret

    def hash_and_log(secret: str) -> str:
        log.append("scrypt")
        assert pacer.open == 1, "the hashing happens inside the padded block"
        return real_hash(secret)

    monkeypatch.setattr(credentials_module, "hash_secret", hash_and_log)
    monkeypatch.setattr(forgotten_number_module, "hash_secret", hash_and_log)
    return log, pacer


def test_forgot_password_does_the_same_work_for_unknown_and_known_addresses(monkeypatch):
    s = build()
    s.identity.add_user("kari@example.com", PASSWORD)
    log, pacer = _recorded(s, monkeypatch)

    s.credentials.forgot_password("nobody@example.com", "nb", "10.0.0.1")
    unknown = list(log)
    log.clear()
    s.credentials.forgot_password("kari@example.com", "nb", "10.0.0.1")
    known = list(log)

    assert unknown == ["cognito.find_user", "scrypt", "table.get_challenge"]
    assert known == ["cognito.find_user", "scrypt", "table.put_challenge"]
    assert pacer.floors == [PUBLIC_ANSWER_FLOOR, PUBLIC_ANSWER_FLOOR]
    assert [m.recipient for m in s.mailer.sent] == ["kari@example.com"]
    assert list(s.store.challenges) == [f"reset-{address_key('kari@example.com')}"]


def test_forgot_customer_number_hashes_a_pin_whether_or_not_a_customer_matched(monkeypatch):
    s = build()
    _customer(s, "100200", "Kari Nordmann")
    log, pacer = _recorded(s, monkeypatch)

    s.forgotten.forgot_customer_number("nobody@example.com", None, None, "10.0.0.1")
    unknown = [e for e in log if e == "scrypt"]
    log.clear()
    s.forgotten.forgot_customer_number("post-100200@example.com", None, None, "10.0.0.1")
    known = [e for e in log if e == "scrypt"]

    assert unknown == known == ["scrypt"]
    assert pacer.floors == [PUBLIC_ANSWER_FLOOR, PUBLIC_ANSWER_FLOOR]
    assert [m.recipient for m in s.mailer.sent] == ["post-100200@example.com"]


def test_a_refused_request_is_padded_too():
    s = build()
    pacer = RecordingPacer()
    s.credentials.pacer = pacer
    for _ in range(5):
        s.credentials.forgot_password("nobody@example.com", "nb", "10.0.0.1")
    with pytest.raises(RateLimited):
        s.credentials.forgot_password("nobody@example.com", "nb", "10.0.0.1")
    assert len(pacer.floors) == 6 and pacer.open == 0


def test_minimum_duration_sleeps_what_is_left_even_after_an_error():
    ticks = iter([10.0, 10.1, 20.0, 20.5])
    slept: list[float] = []
    pacer = MinimumDuration(monotonic=lambda: next(ticks), sleep=slept.append)
    with pacer.at_least(0.4):
        pass
    with pytest.raises(RuntimeError), pacer.at_least(0.4):
        raise RuntimeError("boom")
    assert slept == [pytest.approx(0.3)]  # the second block already took 0.5 s


def test_login_with_an_unknown_customer_number_still_asks_cognito():
    s = build("de")
    identity = FakeIdentityAdmin()
    asked: list[str] = []

    def authenticate(username: str, password: str) -> str:
        asked.append(username)
        return identity.authenticate(username, password)

    with pytest.raises(Unauthorized):
        s.credentials.login("0099999/1", "whatever-1", "10.0.0.1", authenticate)
    assert len(asked) == 1 and asked[0].endswith("@invalid")


# --- registration: unknown number, wrong proof, already registered: the same work ----------


@pytest.mark.parametrize(
    ("profile_id", "proof", "hashes"), [("no", "pin", 1), ("nl", "postcode", 0), ("de", "name", 0)]
)
def test_a_refused_registration_does_the_same_work_whether_or_not_the_number_exists(
    monkeypatch, profile_id, proof, hashes
):
    s = build(profile_id)
    number = {"no": "100200", "nl": "14159265359", "de": "0012345/1"}[profile_id]
    unknown_number = {"no": "100999", "nl": "14159265300", "de": "0099999/1"}[profile_id]
    _customer(s, number, "Kari Nordmann")
    if profile_id == "no":
        s.customers.customers[number] = s.customers.customers[number].model_copy(
            update={"pin_hash": hash_secret("482913")}
        )
    wrong = {"pin": "000000", "postcode": "9999ZZ", "name": "Someone Else"}[proof]
    log: list[str] = []
    s.registration.customers = Recorder(s.customers, log, "table")
    s.registration.store = Recorder(s.store, log, "table")
    real_verify = verify_secret

    def verify_and_log(value: str, stored: str | None) -> bool:
        log.append("scrypt")
        return real_verify(value, stored)

    monkeypatch.setattr(proof_module, "verify_secret", verify_and_log)  # where the proof is checked
    paths = {}
    for label, candidate in (("unknown", unknown_number), ("wrong proof", number)):
        log.clear()
        with pytest.raises(Unauthorized):
            s.registration.start_registration(candidate, "kari@example.com", "10.0.0.1", **{proof: wrong})
        paths[label] = list(log)
    assert paths["unknown"] == paths["wrong proof"] == ["table.get_customer", *["scrypt"] * hashes]
