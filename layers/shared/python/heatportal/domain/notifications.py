"""What the portal shows under "Notifications": alerts that started or
ended, and the monthly consumption information, newest first, with an
unread count per person in the header.

Each customer has one inbox counter per facility (``*`` for what covers the
whole customer); a notification carries the counter's value after it
(``seq``), and each person keeps the counters they have seen. A person's
unread notifications are those above what they have seen, on the facilities
their scope covers. So the header's count comes from two small items read
with the customer's record, never from a list. Pure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from heatportal.domain.alerts import SECTION, Measure, Season, Supply, Transition
from heatportal.domain.model import Frozen

WHOLE_CUSTOMER = "*"
NotificationKind = Literal["breach", "normal", "monthly_info"]


class Notification(Frozen):
    customer_number: str
    id: str  # stable: the same event is one notification however often it is told
    kind: NotificationKind
    facility_id: str | None  # None: the whole customer (monthly information)
    facility_name: str | None = None  # as it was named when told
    day: date  # the day it is about (a month's information: the month's first day)
    created_at: datetime
    seq: int = 0
    meter_number: str | None = None
    supply: Supply | None = None
    measure: Measure | None = None
    value: Decimal | None = None
    threshold: Decimal | None = None
    season: Season | None = None
    since: date | None = None
    expected: Decimal | None = None
    actual: Decimal | None = None
    month: str | None = None  # monthly information: YYYY-MM

    @property
    def facility_key(self) -> str:
        return self.facility_id or WHOLE_CUSTOMER

    def link(self) -> str:
        """Where the portal shows what the notification is about: the analysis
        section of the facility and supply, or the month's information."""
        if self.kind == "monthly_info":
            return f"/consumption-info/{self.month}"
        section = SECTION[self.measure] if self.measure else "energy"
        supply = (self.supply or Supply.HEATING).value
        return f"/analysis?facility={self.facility_id}&supply={supply}&section={section}"


def alert_notification(
    customer_number: str, facility_id: str, facility_name: str, transition: Transition, at: datetime
) -> Notification:
    return Notification.model_validate(
        {
            "customer_number": customer_number,
            "id": transition.notice_id,
            "facility_id": facility_id,
            "facility_name": facility_name,
            "created_at": at,
            **transition.facts(),
        }
    )


def numbered(
    notifications: Iterable[Notification], inbox: Mapping[str, int]
) -> tuple[list[Notification], dict[str, int]]:
    """The notifications with their sequence numbers after ``inbox``'s
    counters, and the counters after them."""
    counters = dict(inbox)
    result = []
    for notification in notifications:
        counters[notification.facility_key] = counters.get(notification.facility_key, 0) + 1
        result.append(notification.model_copy(update={"seq": counters[notification.facility_key]}))
    return result, counters


def unread_count(inbox: Mapping[str, int], seen: Mapping[str, int], sees: Callable[[str], bool]) -> int:
    """Notifications above what the person has seen, on the facilities they see."""
    return sum(max(0, count - seen.get(key, 0)) for key, count in inbox.items() if key == WHOLE_CUSTOMER or sees(key))


def is_unread(notification: Notification, seen: Mapping[str, int]) -> bool:
    return notification.seq > seen.get(notification.facility_key, 0)
