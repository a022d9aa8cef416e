"""Monthly consumption information (EU 2023/1791, DE HKVO §6a) for every
customer with remotely read meters, by a monthly schedule: last month in kWh
against the month before, the same month a year earlier (weather-corrected)
and the average customer of the same category; kept in the portal (with a
notification) and told by the customer's channel (its e-mail on record, or
else an SMS), through the delivery outbox.

The run reads each customer's record once and each meter's monthly
aggregates once (one Query of 24 months); the category averages need every
customer's month, so the lines are built first and told after. Each
customer's month is stored once: a second run tells nothing more.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from heatportal.domain.consumption_info import (
    ConsumptionInfo,
    ConsumptionInfoLine,
    benchmarks,
    info_line,
    month_before,
    with_benchmark,
)
from heatportal.domain.customer_record import CustomerRecord
from heatportal.domain.errors import NotFound
from heatportal.domain.model import Customer, MeterKind, Role
from heatportal.domain.notifications import Notification, numbered
from heatportal.ports import Clock, CustomerRepository
from heatportal.services.access import CustomerRecords, Scope
from heatportal.services.alerts.ports import (
    ConsumptionInfoStore,
    Deliveries,
    MeterData,
    OutboundMessage,
    message_id,
)

INFORMED_KINDS = (MeterKind.HEAT, MeterKind.COOLING, MeterKind.HOT_WATER)
HISTORY_MONTHS = 24  # the weather correction fits its model on them
LIST_LENGTH = 24
PURPOSE = "consumption-info"

InfoEmailRenderer = Callable[[Customer, ConsumptionInfo, dict[str, str]], tuple[str, str, str]]
"""(subject, text, html) of the month's e-mail; the facilities' names by id."""
InfoSmsRenderer = Callable[[Customer, ConsumptionInfo], str]


@dataclass
class InformationRun:
    month: str
    customers: int = 0
    informed: int = 0  # customers whose month was stored now
    already_informed: int = 0
    emails: int = 0
    sms: int = 0
    unreachable: int = 0  # no e-mail and no phone on record: kept in the portal only
    benchmarks: dict[str, str] = field(default_factory=dict)


class ConsumptionInfoService:
    def __init__(
        self,
        customers: CustomerRepository,
        records: CustomerRecords,
        data: MeterData,
        store: ConsumptionInfoStore,
        deliveries: Deliveries,
        clock: Clock,
        *,
        station: str,
        timezone: str,
        min_customers: int,
        render_email: InfoEmailRenderer,
        render_sms: InfoSmsRenderer,
    ) -> None:
        self.customers = customers
        self.records = records
        self.data = data
        self.store = store
        self.deliveries = deliveries
        self.clock = clock
        self.station = station
        self.zone = ZoneInfo(timezone)
        self.min_customers = min_customers
        self.render_email = render_email
        self.render_sms = render_sms

    def previous_month(self) -> str:
        today = self.clock.now().astimezone(self.zone).date()
        return month_before(f"{today.year:04d}-{today.month:02d}")

    def run(self, month: str | None = None) -> InformationRun:
        month = month or self.previous_month()
        run = InformationRun(month=month)
        first = date(int(month[:4]), int(month[5:]), 1)
        drafts: list[tuple[CustomerRecord, list[ConsumptionInfoLine]]] = []
        for number in self.customers.list_account_numbers():
            record = self.records.customer_record(number)
            if record.customer is None:
                continue
            run.customers += 1
            business = record.customer.org_number is not None
            lines = []
            for meter in record.meters:
                if meter.kind not in INFORMED_KINDS or (meter.removed_on is not None and meter.removed_on <= first):
                    continue
                months = self.data.months(meter.number, month_before(month, HISTORY_MONTHS - 1), month)
                line = info_line(meter, months, month, self.station, business=business)
                if line is not None:
                    lines.append(line)
            if lines:
                lines.sort(key=lambda x: (INFORMED_KINDS.index(x.kind), x.meter_number))
                drafts.append((record, lines))
        averages = benchmarks((line for _, lines in drafts for line in lines), self.min_customers)
        run.benchmarks = {name: str(value) for name, value in sorted(averages.items())}
        now = self.clock.now()
        for record, lines in drafts:
            self._inform(
                run,
                record,
                ConsumptionInfo(
                    customer_number=record.number, month=month, created_at=now, lines=with_benchmark(lines, averages)
                ),
                now,
            )
        return run

    def _inform(self, run: InformationRun, record: CustomerRecord, info: ConsumptionInfo, now: datetime) -> None:
        customer = record.customer
        assert customer is not None
        # Queued before it is stored: a run that fails in between is retried
        # and queues again, and the outbox sends each message once.
        if customer.email:
            subject, text, html = self.render_email(customer, info, {f.id: f.name for f in record.facilities})
            message = OutboundMessage(
                message_id(PURPOSE, record.number, info.month, "email", customer.email),
                "email",
                customer.email,
                subject,
                text,
                html,
                customer_number=record.number,
                purpose=PURPOSE,
            )
        elif customer.phone:
            message = OutboundMessage(
                message_id(PURPOSE, record.number, info.month, "sms", customer.phone),
                "sms",
                customer.phone,
                "",
                self.render_sms(customer, info),
                customer_number=record.number,
                purpose=PURPOSE,
            )
        else:
            message = None
            run.unreachable += 1
        if message is not None and self.deliveries.queue(message):
            if message.channel == "email":
                run.emails += 1
            else:
                run.sms += 1
        [notification], _ = numbered(
            [
                Notification(
                    customer_number=record.number,
                    id=f"{info.first_day.isoformat()}#monthly#{info.month}",
                    kind="monthly_info",
                    facility_id=None,
                    day=info.first_day,
                    created_at=now,
                    month=info.month,
                )
            ],
            record.inbox,
        )
        if self.store.put_consumption_info(info, notification, record.inbox):
            run.informed += 1
        else:
            run.already_informed += 1

    # --- in the portal -------------------------------------------------------------------

    def months(self, scope: Scope) -> list[str]:
        """The months with information, newest first (one Query)."""
        grant = scope.require(Role.READ, companies="any")
        return self.store.consumption_info_months(grant.customer_number, LIST_LENGTH)

    def month(self, scope: Scope, month: str) -> ConsumptionInfo:
        """A month's information, with the lines of the facilities the person sees."""
        grant = scope.require(Role.READ, companies="any")
        info = self.store.consumption_info(grant.customer_number, month)
        if info is None:
            raise NotFound("There is no consumption information for this month.", code="consumption_info_not_found")
        return info.model_copy(update={"lines": tuple(line for line in info.lines if grant.sees(line.facility_id))})
