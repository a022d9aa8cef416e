"""Alerts API: a customer's facilities' alert settings, its notifications and
its monthly consumption information. Routes translate; services decide."""

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field

from heatportal import composition
from heatportal.domain.alerts import UNIT, AlertRule, Channel, Measure, Season, Supply
from heatportal.domain.consumption_info import ConsumptionInfo, ConsumptionInfoLine
from heatportal.web.api import CustomerPath, OrgPath, build_resolver, customer_to_path, principal
from heatportal.web.fields import DecimalText
from heatportal.web.scope import customer_scope, scope_of

if TYPE_CHECKING:  # the service modules load with the first request, not at cold start
    from heatportal.services.alerts.inbox import NotificationEntry
    from heatportal.services.alerts.settings import FacilityAlerts, RuleInput

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = build_resolver(logger)

GroupPath = Annotated[str, Path(pattern=r"^[0-9A-Za-z_-]{1,40}$", description="Group id")]
FacilityPath = Annotated[str, Path(pattern=r"^[0-9A-Za-z_-]{1,40}$", description="Facility id")]
MonthPath = Annotated[str, Path(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")]
# Text or a JSON number, bounded either way (a JSON number skips the text pattern).
Threshold = Annotated[Decimal, DecimalText(1, 6), Field(ge=0, le=999999, decimal_places=1)]


class RuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    supply: Supply
    measure: Measure
    channels: list[Channel] = Field(max_length=3, description="portal, email, sms")
    summer: Threshold | None = Field(default=None, description="Summer limit (°C or kW) of a seasonal measure")
    winter: Threshold | None = Field(default=None, description="Winter limit (°C or kW) of a seasonal measure")
    percent: Threshold | None = Field(default=None, description="above_expected: more than this % above expected")
    days: int | None = Field(default=None, ge=0, le=1000, description="above_expected: over this many days")
    hours: int | None = Field(default=None, ge=0, le=10000, description="no_data: for this many hours")


class AlertSettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rules: list[RuleIn] = Field(max_length=12, description="One per supply and measure; empty: nothing watched")
    email_to: list[Annotated[str, Field(max_length=320)]] = Field(
        default_factory=list, max_length=10, description="Empty: the customer's e-mail on record"
    )
    sms_to: list[Annotated[str, Field(max_length=32)]] = Field(
        default_factory=list, max_length=10, description="Empty: the customer's mobile on record"
    )


class RuleOut(BaseModel):
    supply: Supply
    measure: Measure
    unit: str = Field(description="°C, kW, % or h")
    channels: list[Channel]
    summer: Decimal | None
    winter: Decimal | None
    percent: Decimal | None
    days: int | None
    hours: int | None

    @classmethod
    def of(cls, rule: AlertRule) -> "RuleOut":
        return cls(
            supply=rule.supply,
            measure=rule.measure,
            unit=UNIT[rule.measure],
            channels=sorted(rule.channels),
            summer=rule.summer,
            winter=rule.winter,
            percent=rule.percent,
            days=rule.days,
            hours=rule.hours,
        )


class FacilityAlertsOut(BaseModel):
    facility_id: str
    facility_name: str
    supplies: list[Supply] = Field(description="What the facility's meters measure")
    rules: list[RuleOut]
    email_to: list[str]
    sms_to: list[str]
    updated_at: datetime | None
    updated_by: str | None

    @classmethod
    def of(cls, entry: "FacilityAlerts") -> "FacilityAlertsOut":
        settings = entry.settings
        return cls(
            facility_id=entry.facility.id,
            facility_name=entry.facility.name,
            supplies=list(entry.supplies),
            rules=[RuleOut.of(r) for r in settings.rules] if settings else [],
            email_to=list(settings.email_to) if settings else [],
            sms_to=list(settings.sms_to) if settings else [],
            updated_at=settings.updated_at if settings else None,
            updated_by=settings.updated_by if settings else None,
        )


class GroupAlertsOut(BaseModel):
    group_id: str
    group_name: str
    facilities: list[FacilityAlertsOut] = Field(description="The group's facilities set, with what each stores now")
    left_as_they_are: list[str] = Field(description="Facilities of the group the caller may only see")


class NotificationOut(BaseModel):
    id: str
    kind: str = Field(description="breach, normal (back to normal) or monthly_info")
    unread: bool
    facility_id: str | None
    facility_name: str | None
    day: date
    created_at: datetime
    link: str = Field(description="The portal page that shows it")
    meter_number: str | None
    supply: Supply | None
    measure: Measure | None
    value: Decimal | None
    threshold: Decimal | None
    unit: str | None
    season: Season | None
    since: date | None = Field(description="Back to normal: the day the breach began")
    expected: Decimal | None = Field(description="above_expected: kWh the weather explains")
    actual: Decimal | None = Field(description="above_expected: kWh measured")
    month: str | None = Field(description="monthly_info: YYYY-MM")

    @classmethod
    def of(cls, entry: "NotificationEntry") -> "NotificationOut":
        n = entry.notification
        return cls(
            id=n.id,
            kind=n.kind,
            unread=entry.unread,
            facility_id=n.facility_id,
            facility_name=entry.facility_name,
            day=n.day,
            created_at=n.created_at,
            link=n.link(),
            meter_number=n.meter_number,
            supply=n.supply,
            measure=n.measure,
            value=n.value,
            threshold=n.threshold,
            unit=UNIT[n.measure] if n.measure else None,
            season=n.season,
            since=n.since,
            expected=n.expected,
            actual=n.actual,
            month=n.month,
        )


class CompanyNotificationOut(NotificationOut):
    customer_number: str
    customer_path: str = Field(description="The customer number as the customer routes write it")


class CompanyNotificationsOut(BaseModel):
    notifications: list[CompanyNotificationOut] = Field(description="Newest first, at most 50")
    customers: int = Field(description="Customers read")
    left_out: int = Field(description="Customers beyond the 100 read")


class NotificationsOut(BaseModel):
    unread: int
    notifications: list[NotificationOut] = Field(description="Newest first, at most 50")


class SeenOut(BaseModel):
    unread: int


class ConsumptionInfoMonthsOut(BaseModel):
    months: list[str] = Field(description="Months with information, newest first (YYYY-MM)")


class ConsumptionInfoLineOut(BaseModel):
    meter_number: str
    facility_id: str
    kind: str
    unit: str = Field(description="kWh, or m3 for hot tap water")
    quantity: Decimal
    estimated: bool = Field(description="Days without data were estimated")
    previous_month: Decimal | None
    last_year: Decimal | None = Field(description="The same month a year earlier")
    corrected: Decimal | None = Field(description="Weather-corrected (heat)")
    last_year_corrected: Decimal | None
    benchmark: Decimal | None = Field(description="The average customer of the same category, the same month")

    @classmethod
    def of(cls, line: ConsumptionInfoLine) -> "ConsumptionInfoLineOut":
        return cls(
            meter_number=line.meter_number,
            facility_id=line.facility_id,
            kind=line.kind.value,
            unit=line.unit,
            quantity=line.quantity,
            estimated=line.estimated,
            previous_month=line.previous_month,
            last_year=line.last_year,
            corrected=line.corrected,
            last_year_corrected=line.last_year_corrected,
            benchmark=line.benchmark,
        )


class ConsumptionInfoOut(BaseModel):
    month: str
    created_at: datetime
    lines: list[ConsumptionInfoLineOut]

    @classmethod
    def of(cls, info: ConsumptionInfo) -> "ConsumptionInfoOut":
        return cls(
            month=info.month, created_at=info.created_at, lines=[ConsumptionInfoLineOut.of(x) for x in info.lines]
        )


@app.get("/api/customers/<customer>/alerts")
@tracer.capture_method
def list_alerts(customer: CustomerPath) -> list[FacilityAlertsOut]:
    scope = customer_scope(app, customer)
    return [FacilityAlertsOut.of(entry) for entry in composition.alert_settings_service().overview(scope)]


def _rules(body: AlertSettingsIn) -> list["RuleInput"]:
    from heatportal.services.alerts.settings import RuleInput

    return [
        RuleInput(
            supply=r.supply,
            measure=r.measure,
            channels=frozenset(r.channels),
            summer=r.summer,
            winter=r.winter,
            percent=r.percent,
            days=r.days,
            hours=r.hours,
        )
        for r in body.rules
    ]


@app.put("/api/customers/<customer>/alerts/<facility>")
@tracer.capture_method
def set_alerts(customer: CustomerPath, facility: FacilityPath, body: AlertSettingsIn) -> FacilityAlertsOut:
    scope = customer_scope(app, customer)
    service = composition.alert_settings_service()
    [saved] = service.save(scope, [facility], _rules(body), body.email_to, body.sms_to)
    return FacilityAlertsOut.of(saved)


@app.put("/api/portfolio/groups/<group>/alerts")
@tracer.capture_method
def set_group_alerts(group: GroupPath, body: AlertSettingsIn) -> GroupAlertsOut:
    """The same settings for every facility of the caller's group they may
    set (administrators and full access); the facilities they only see are
    left as they are and listed."""
    who = principal(app)
    links = composition.access().links_of(who)
    portfolio = composition.portfolio_access().portfolio(who, links=links)
    groups = composition.facility_service().settings(portfolio)
    done = composition.alert_settings_service().save_group(
        portfolio,
        groups,
        group,
        _rules(body),
        body.email_to,
        body.sms_to,
        lambda number: scope_of(who, number, organisations=links.organisations),
    )
    return GroupAlertsOut(
        group_id=done.group_id,
        group_name=done.group_name,
        facilities=[FacilityAlertsOut.of(entry) for entry in done.saved],
        left_as_they_are=[f.id for f in done.skipped],
    )


@app.get("/api/customers/<customer>/notifications")
@tracer.capture_method
def list_notifications(customer: CustomerPath) -> NotificationsOut:
    from heatportal.services.alerts.inbox import unread_of

    scope = customer_scope(app, customer)
    entries = composition.notification_service().list(scope)
    return NotificationsOut(unread=unread_of(scope), notifications=[NotificationOut.of(e) for e in entries])


@app.get("/api/organisations/<org>/notifications")
@tracer.capture_method
def company_notifications(org: OrgPath) -> CompanyNotificationsOut:
    from heatportal.services.alerts.inbox import NotificationEntry

    found = composition.notification_service().of_company(principal(app), org)
    return CompanyNotificationsOut(
        notifications=[
            CompanyNotificationOut(
                **NotificationOut.of(NotificationEntry(n, False, n.facility_name)).model_dump(),
                customer_number=n.customer_number,
                customer_path=customer_to_path(n.customer_number),
            )
            for n in found.notifications
        ],
        customers=found.customers,
        left_out=found.left_out,
    )


@app.post("/api/customers/<customer>/notifications/seen")
@tracer.capture_method
def mark_notifications_seen(customer: CustomerPath) -> SeenOut:
    composition.notification_service().mark_seen(customer_scope(app, customer))
    return SeenOut(unread=0)


@app.get("/api/customers/<customer>/consumption-info")
@tracer.capture_method
def consumption_info_months(customer: CustomerPath) -> ConsumptionInfoMonthsOut:
    months = composition.consumption_info_service().months(customer_scope(app, customer))
    return ConsumptionInfoMonthsOut(months=months)


@app.get("/api/customers/<customer>/consumption-info/<month>")
@tracer.capture_method
def consumption_info_month(customer: CustomerPath, month: MonthPath) -> ConsumptionInfoOut:
    info = composition.consumption_info_service().month(customer_scope(app, customer), month)
    return ConsumptionInfoOut.of(info)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
