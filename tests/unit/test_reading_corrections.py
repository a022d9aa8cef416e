"""Staff corrections of stored readings and the confirmation email of a
submitted reading, with in-memory fakes."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from heatportal.documents.emails import RenderedEmail, reading_confirmation_email
from heatportal.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from heatportal.domain.model import Customer, Meter, Reading, ReadingSource, Role
from heatportal.domain.profile import load_profile
from heatportal.services.access import AccessService, Principal
from heatportal.services.reading_confirmations import ReadingConfirmations
from heatportal.services.reading_corrections import ReadingCorrectionService
from heatportal.services.readings import ReadingService
from tests.builders import a_customer, a_membership, a_meter, a_reading
from tests.fakes.clock import FixedClock
from tests.fakes.customers import InMemoryCustomerRepository, InMemoryMembershipRepository
from tests.fakes.messaging import InMemoryMailer
from tests.fakes.readings import InMemoryConfirmationMarkers, InMemoryReadingHistoryStore, InMemoryReadingRepository

CUSTOMER = "100001"
TODAY = date(2025, 6, 10)
STAFF = Principal(user_id="cs-1", email="kundeservice@fjordvarme.example", groups=frozenset({"staff"}))
OWNER = Principal(user_id="owner", email="kari@example.no")


class Setup:
    def __init__(self) -> None:
        self.clock = FixedClock(TODAY)
        self.customers = InMemoryCustomerRepository()
        self.customers.add_customer(a_customer(CUSTOMER))
        self.meter = self.customers.add_meter(a_meter("M-1", CUSTOMER, start_value=Decimal(1000)))
        self.readings = InMemoryReadingRepository()
        self.history = InMemoryReadingHistoryStore(self.readings)
        self.access = AccessService(InMemoryMembershipRepository(a_membership("owner", CUSTOMER, Role.ADMIN)))
        self.mailer = InMemoryMailer()
        self.markers = InMemoryConfirmationMarkers()
        self.confirmations = ReadingConfirmations(self.customers, self.markers, self.mailer, self.render)
        self.reading_service = ReadingService(
            self.customers, self.readings, self.access, self.clock, confirmations=self.confirmations
        )
        self.corrections = ReadingCorrectionService(
            self.reading_service, self.readings, self.history, self.access, self.clock
        )

    @staticmethod
    def render(customer: Customer, meter: Meter, reading: Reading) -> RenderedEmail:
        return reading_confirmation_email(
            customer, meter.number, reading.read_on, reading.value, meter.unit.value, load_profile("no")
        )

    def add(self, read_on: date, value: str, *, estimated: bool = False) -> None:
        self.readings.add_reading(a_reading("M-1", read_on, value, estimated=estimated))


@pytest.fixture
def setup() -> Setup:
    s = Setup()
    for month, value in ((1, "2000"), (2, "3000"), (3, "4000"), (4, "5000")):
        s.add(date(2025, month, 1), value)
    return s


# --- corrections ---------------------------------------------------------------


def test_staff_correction_replaces_the_value_and_keeps_the_old_version(setup: Setup):
    entry = setup.corrections.correct(STAFF, CUSTOMER, "M-1", date(2025, 2, 1), Decimal(2900), "  Feil   avlest ")

    assert entry.reading.value == Decimal(2900)
    assert entry.reading.source == ReadingSource.STAFF
    assert entry.reading.recorded_by == "cs-1"
    assert [(c.previous_value, c.value, c.reason) for c in entry.corrections] == [
        (Decimal(3000), Decimal(2900), "Feil avlest")
    ]
    listed = setup.corrections.list_readings(OWNER, CUSTOMER, "M-1")
    assert [(e.reading.value, len(e.corrections)) for e in listed] == [
        (Decimal(2000), 0),
        (Decimal(2900), 1),
        (Decimal(4000), 0),
        (Decimal(5000), 0),
    ]


def test_the_same_correction_again_records_nothing_more(setup: Setup):
    for _ in range(2):
        setup.corrections.correct(STAFF, CUSTOMER, "M-1", date(2025, 2, 1), Decimal(2900), "Feil")
    assert len(setup.history.history) == 1


def test_only_staff_may_correct(setup: Setup):
    with pytest.raises(Forbidden) as raised:
        setup.corrections.correct(OWNER, CUSTOMER, "M-1", date(2025, 2, 1), Decimal(2900), "Feil")
    assert raised.value.code == "correction_staff_only"
    assert setup.history.history == []


@pytest.mark.parametrize(
    ("day", "value", "reason", "code"),
    [
        (date(2025, 2, 1), "1999", "Feil", "reading_below_previous"),
        (date(2025, 2, 1), "4001", "Feil", "reading_above_next"),
        (date(2025, 1, 1), "999", "Feil", "reading_below_previous"),  # below the start value
        (date(2025, 2, 1), "2900.5", "Feil", "reading_too_many_decimals"),
        (date(2025, 2, 1), "NaN", "Feil", "reading_not_a_number"),
        (date(2025, 2, 1), "2900", " \t ", "correction_reason_required"),
    ],
)
def test_rejected_corrections_change_nothing(setup: Setup, day: date, value: str, reason: str, code: str):
    before = dict(setup.readings.readings)
    with pytest.raises(ValidationFailed) as raised:
        setup.corrections.correct(STAFF, CUSTOMER, "M-1", day, Decimal(value), reason)
    assert raised.value.code == code
    assert setup.readings.readings == before
    assert setup.history.history == []


def test_a_missing_reading_is_not_found(setup: Setup):
    with pytest.raises(NotFound) as raised:
        setup.corrections.correct(STAFF, CUSTOMER, "M-1", date(2025, 2, 2), Decimal(2900), "Feil")
    assert raised.value.code == "reading_not_found"


def test_estimates_do_not_bind_a_correction(setup: Setup):
    setup.add(date(2025, 3, 15), "4500", estimated=True)
    setup.corrections.correct(STAFF, CUSTOMER, "M-1", date(2025, 3, 1), Decimal(4700), "Feil")
    assert setup.readings.readings[("M-1", date(2025, 3, 1))].value == Decimal(4700)


def test_neighbours_far_away_still_bind(setup: Setup):
    """Readings more than the query window apart: the older and newer ones are
    still found, so a correction cannot jump over them."""
    far = date(2025, 4, 1) + timedelta(days=500)
    setup.clock.set_today(far + timedelta(days=5))
    setup.add(far, "9000")
    setup.add(far + timedelta(days=2), "9010")
    with pytest.raises(ValidationFailed) as below:
        setup.corrections.correct(STAFF, CUSTOMER, "M-1", far, Decimal(4999), "Feil")
    assert below.value.code == "reading_below_previous"
    with pytest.raises(ValidationFailed) as above:
        setup.corrections.correct(STAFF, CUSTOMER, "M-1", date(2025, 4, 1), Decimal(9001), "Feil")
    assert above.value.code == "reading_above_next"


def test_a_concurrent_change_is_a_conflict(setup: Setup):
    stale = setup.readings.readings[("M-1", date(2025, 2, 1))]
    setup.corrections.correct(STAFF, CUSTOMER, "M-1", date(2025, 2, 1), Decimal(2900), "Først")
    corrected = stale.model_copy(update={"value": Decimal(2800)})
    correction = setup.history.history[0].model_copy(update={"value": Decimal(2800)})
    with pytest.raises(Conflict) as raised:
        setup.history.replace_reading(stale, corrected, correction)
    assert raised.value.code == "reading_changed"
    assert setup.readings.readings[("M-1", date(2025, 2, 1))].value == Decimal(2900)


# --- confirmation email --------------------------------------------------------


def test_a_submission_is_confirmed_once_to_the_person_who_submitted(setup: Setup):
    owner = Principal(user_id="owner", email="eier@example.no")
    for _ in range(2):  # the retry stores nothing new and sends nothing new
        setup.reading_service.submit(owner, CUSTOMER, "M-1", Decimal(5300), None, confirmed=False)
    assert [m.recipient for m in setup.mailer.sent] == ["eier@example.no"]
    assert "M-1" in setup.mailer.sent[0].subject


def test_a_reading_entered_by_staff_is_confirmed_to_the_customer(setup: Setup):
    setup.reading_service.submit(STAFF, CUSTOMER, "M-1", Decimal(5300), None, confirmed=False)
    assert [m.recipient for m in setup.mailer.sent] == ["kari@example.no"]


def test_a_failed_email_keeps_the_reading_and_a_retry_sends_it(setup: Setup):
    setup.mailer.fail_next.append(ConnectionError("SES is down"))
    result = setup.reading_service.submit(OWNER, CUSTOMER, "M-1", Decimal(5300), None, confirmed=False)
    assert result.reading.value == Decimal(5300)
    assert setup.readings.readings[("M-1", TODAY)].value == Decimal(5300)
    assert setup.mailer.sent == []

    setup.reading_service.submit(OWNER, CUSTOMER, "M-1", Decimal(5300), None, confirmed=False)
    assert len(setup.mailer.sent) == 1


def test_a_marker_that_cannot_be_released_does_not_fail_the_submission(setup: Setup):
    setup.mailer.fail_next.append(ConnectionError("SES is down"))
    setup.markers.fail_release = True
    result = setup.reading_service.submit(OWNER, CUSTOMER, "M-1", Decimal(5300), None, confirmed=False)
    assert result.reading.value == Decimal(5300)


def test_a_rejected_reading_sends_nothing(setup: Setup):
    with pytest.raises(ValidationFailed):
        setup.reading_service.submit(OWNER, CUSTOMER, "M-1", Decimal(10), None, confirmed=False)
    assert setup.mailer.sent == []
    assert setup.markers.claimed == set()


def test_no_address_no_email(setup: Setup):
    setup.customers.add_customer(a_customer(CUSTOMER, email=None))
    setup.reading_service.submit(STAFF, CUSTOMER, "M-1", Decimal(5300), None, confirmed=False)
    assert setup.mailer.sent == []
    assert setup.markers.claimed == set()


# --- corrections on a register that wraps ----------------------------------------


def wrapping(setup: Setup) -> Setup:
    """The same meter with a 4-digit register: after 9999 it shows 0 again."""
    setup.meter = setup.customers.add_meter(setup.meter.model_copy(update={"register_digits": 4}))
    return setup


def test_a_correction_below_the_previous_reading_is_a_rollover_on_a_wrapping_register(setup: Setup):
    wrapping(setup)
    entry = setup.corrections.correct(STAFF, CUSTOMER, "M-1", date(2025, 4, 1), Decimal(500), "wrapped past 9999")
    assert entry.reading.value == Decimal(500)
    assert entry.reading.rollover is True


def test_a_correction_beyond_the_register_is_refused(setup: Setup):
    wrapping(setup)
    with pytest.raises(ValidationFailed) as refused:
        setup.corrections.correct(STAFF, CUSTOMER, "M-1", date(2025, 4, 1), Decimal(10000), "typo")
    assert refused.value.code == "reading_exceeds_register"


def test_a_correction_below_the_previous_reading_on_a_meter_of_unknown_size_is_still_refused(setup: Setup):
    with pytest.raises(ValidationFailed) as refused:
        setup.corrections.correct(STAFF, CUSTOMER, "M-1", date(2025, 4, 1), Decimal(500), "typo")
    assert refused.value.code == "reading_below_previous"
