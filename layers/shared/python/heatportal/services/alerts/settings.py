"""A facility's alert settings: everyone who sees the facility sees them;
administrators and people with full access (a management company's too, on
the facilities it was granted) set them, for one facility or several at once
(a group). Every mistake is named with its field; nothing is stored unless
all of it is right."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from heatportal.domain.alerts import (
    DAYS_RANGE,
    HOURS_RANGE,
    MAX_RECIPIENTS,
    PERCENT_RANGE,
    POWER_RANGE,
    SEASONAL,
    TEMPERATURE_RANGE,
    TEMPERATURES,
    UNIT,
    AlertRule,
    AlertSettings,
    Channel,
    Measure,
    Supply,
    supply_of,
)
from heatportal.domain.contact import email_address, phone_number
from heatportal.domain.errors import Forbidden, NotFound, ValidationFailed
from heatportal.domain.facility_groups import PortfolioSettings
from heatportal.domain.model import Facility, Role
from heatportal.ports import Clock
from heatportal.services.access import Scope
from heatportal.services.alerts.ports import AlertSettingsStore
from heatportal.services.portfolio.scope import Portfolio, PortfolioFacility


@dataclass(frozen=True)
class RuleInput:
    """One measure as a person sets it (portal form or API body)."""

    supply: Supply
    measure: Measure
    channels: frozenset[Channel]
    summer: Decimal | None = None
    winter: Decimal | None = None
    percent: Decimal | None = None
    days: int | None = None
    hours: int | None = None


@dataclass(frozen=True)
class FacilityAlerts:
    facility: Facility
    supplies: tuple[Supply, ...]  # what its meters measure (none: nothing to watch yet)
    settings: AlertSettings | None


@dataclass(frozen=True)
class GroupAlerts:
    """A group's facilities set at once, and those left as they were (the
    person only sees them)."""

    group_id: str
    group_name: str
    saved: tuple[FacilityAlerts, ...]
    skipped: tuple[PortfolioFacility, ...]


def may_set(portfolio: Portfolio, facility: PortfolioFacility) -> bool:
    """Whether the person may change the facility's alerts (administrators and full access)."""
    try:
        portfolio.require(facility, Role.FULL)
    except Forbidden:
        return False
    return True


def suggested_rules(supply: Supply) -> list[RuleInput]:
    """What the settings form offers a facility without settings (eForsyning's
    defaults for consumption and return temperature; power depends on the
    building, so it starts empty)."""
    portal = frozenset({Channel.PORTAL, Channel.EMAIL})
    if supply == Supply.HEATING:
        summer, winter, weighted = (Decimal(45), Decimal(40), (Decimal(42), Decimal(38)))
    else:
        summer, winter, weighted = (Decimal(14), Decimal(12), (Decimal(15), Decimal(13)))
    return [
        RuleInput(supply, Measure.RETURN_TEMPERATURE, portal, summer=summer, winter=winter),
        RuleInput(supply, Measure.WEIGHTED_RETURN_TEMPERATURE, portal, summer=weighted[0], winter=weighted[1]),
        RuleInput(supply, Measure.ABOVE_EXPECTED, portal, percent=Decimal(20), days=30),
        RuleInput(supply, Measure.NO_DATA, portal, hours=48),
    ]


def _field(rule: RuleInput, name: str) -> str:
    return f"{rule.supply.value}.{rule.measure.value}.{name}"


def _problems(rule: RuleInput) -> list[dict[str, object]]:
    """What is wrong with one rule, each with its field and code."""
    found: list[dict[str, object]] = []

    def refuse(name: str, code: str, low: object = None, high: object = None) -> None:
        found.append({"field": _field(rule, name), "code": code, "min": low, "max": high, "unit": UNIT[rule.measure]})

    if not rule.channels:
        refuse("channels", "alert_channel_missing")
    if rule.measure in SEASONAL:
        if rule.summer is None and rule.winter is None:
            refuse("winter", "alert_threshold_missing")
        low, high = TEMPERATURE_RANGE if rule.measure in TEMPERATURES else POWER_RANGE
        for name, value in (("summer", rule.summer), ("winter", rule.winter)):
            if value is not None and not low <= value <= high:
                refuse(name, "alert_threshold_out_of_range", low, high)
    elif rule.measure == Measure.ABOVE_EXPECTED:
        if rule.percent is None or not PERCENT_RANGE[0] <= rule.percent <= PERCENT_RANGE[1]:
            refuse("percent", "alert_percent_out_of_range", *PERCENT_RANGE)
        if rule.days is None or not DAYS_RANGE[0] <= rule.days <= DAYS_RANGE[1]:
            refuse("days", "alert_days_out_of_range", *DAYS_RANGE)
    elif rule.hours is None or not HOURS_RANGE[0] <= rule.hours <= HOURS_RANGE[1]:
        refuse("hours", "alert_hours_out_of_range", *HOURS_RANGE)
    return found


class AlertSettingsService:
    def __init__(self, store: AlertSettingsStore, clock: Clock, *, country: str) -> None:
        self.store = store
        self.clock = clock
        self.country = country

    def overview(self, scope: Scope) -> list[FacilityAlerts]:
        """The alert settings of every facility the scope sees (one Query)."""
        grant = scope.require(Role.READ, companies="any")
        stored = {s.facility_id: s for s in self.store.settings_of(grant.customer_number)}
        return [
            FacilityAlerts(facility, _supplies(grant, facility.id), stored.get(facility.id))
            for facility in grant.record.facilities
            if grant.sees(facility.id)
        ]

    def save(
        self,
        scope: Scope,
        facility_ids: Sequence[str],
        rules: Sequence[RuleInput],
        email_to: Sequence[str] = (),
        sms_to: Sequence[str] = (),
    ) -> list[FacilityAlerts]:
        """The same settings for each facility named (several at once)."""
        checked = self._checked(scope, facility_ids, rules, email_to, sms_to)
        return self._store(checked)

    def save_group(
        self,
        portfolio: Portfolio,
        groups: PortfolioSettings,
        group_id: str,
        rules: Sequence[RuleInput],
        email_to: Sequence[str],
        sms_to: Sequence[str],
        scope_of: Callable[[str], Scope],
    ) -> GroupAlerts:
        """One setting for every facility of the person's group they may set
        (administrators and full access; the facilities they only see are left
        as they are and named). The group is a way to choose facilities: each
        facility's settings are stored as when set alone, each facility keeps
        the rules of the supplies its meters measure. Every customer of the
        group is checked (its scope: one read of its record) before anything
        is stored; then one PutItem per facility."""
        group = groups.group(group_id)
        if group is None:
            raise NotFound("This group does not exist.", code="alert_group_not_found")
        members = portfolio.chosen(group.facilities)
        settable = [f for f in members if may_set(portfolio, f)]
        if not settable:
            raise Forbidden(
                "You may not change the alerts of any facility in this group.", code="alert_group_read_only"
            )
        by_customer: dict[str, list[str]] = {}
        for facility in settable:
            by_customer.setdefault(facility.customer_number, []).append(facility.id)
        checked = [
            self._checked(scope_of(number), ids, rules, email_to, sms_to, per_supply=True)
            for number, ids in by_customer.items()
        ]
        saved = [entry for each in checked for entry in self._store(each)]
        skipped = tuple(f for f in members if f not in settable)
        return GroupAlerts(group.id, group.name, tuple(saved), skipped)

    def _checked(
        self,
        scope: Scope,
        facility_ids: Sequence[str],
        rules: Sequence[RuleInput],
        email_to: Sequence[str],
        sms_to: Sequence[str],
        *,
        per_supply: bool = False,
    ) -> list[FacilityAlerts]:
        """The settings to store for each facility of the scope's customer
        named; ValidationFailed (every problem, each with its field) or
        Forbidden/NotFound before anything is stored. ``per_supply``: each
        facility keeps only the rules of the supplies its meters measure."""
        grant = scope.require(Role.FULL, companies="any")
        if not facility_ids:
            raise ValidationFailed(
                "Choose at least one facility.",
                code="alert_facility_missing",
                fields=[{"field": "facilities", "code": "alert_facility_missing"}],
            )
        known = {f.id: f for f in grant.record.facilities}
        for facility_id in facility_ids:
            if facility_id not in known:
                raise NotFound("This facility does not exist for the customer.", code="facility_not_found")
            grant.require_facility(facility_id)
        problems = [p for rule in rules for p in _problems(rule)]
        pairs = [(r.supply, r.measure) for r in rules]
        if len(set(pairs)) != len(pairs):
            problems.append({"field": "rules", "code": "alert_rule_twice"})
        emails, phones = self._recipients(email_to, sms_to, problems)
        customer = grant.record.customer
        wants = {c for r in rules for c in r.channels}
        if Channel.EMAIL in wants and not emails and not (customer and customer.email):
            problems.append({"field": "email_to", "code": "alert_email_missing"})
        if Channel.SMS in wants and not phones and not (customer and customer.phone):
            problems.append({"field": "sms_to", "code": "alert_phone_missing"})
        if problems:
            first = str(problems[0]["code"])
            params = {k: v for k, v in problems[0].items() if k in ("min", "max", "unit") and v is not None}
            raise ValidationFailed(
                "Some of the alert settings are not valid.",
                code=first,
                params=params,
                fields=[{k: v for k, v in p.items() if v is not None} for p in problems],
            )
        by = scope.principal.email or scope.principal.user_id
        now = self.clock.now()
        result = []
        for facility_id in dict.fromkeys(facility_ids):
            supplies = _supplies(grant, facility_id)
            kept = [r for r in rules if not per_supply or not supplies or r.supply in supplies]
            settings = AlertSettings(
                customer_number=grant.customer_number,
                facility_id=facility_id,
                rules=tuple(AlertRule(**vars(rule)) for rule in kept),
                email_to=emails,
                sms_to=phones,
                updated_at=now,
                updated_by=by,
            )
            result.append(FacilityAlerts(known[facility_id], supplies, settings))
        return result

    def _store(self, checked: list[FacilityAlerts]) -> list[FacilityAlerts]:
        for entry in checked:
            if entry.settings is not None:
                self.store.put_settings(entry.settings)
        return checked

    def _recipients(
        self, email_to: Sequence[str], sms_to: Sequence[str], problems: list[dict[str, object]]
    ) -> tuple[tuple[str, ...], tuple[str, ...]]:
        emails: list[str] = []
        phones: list[str] = []
        for text in (t for t in email_to if t.strip()):
            try:
                emails.append(email_address(text, field="email_to", code="alert_email_invalid"))
            except ValidationFailed as error:
                problems.extend(error.fields)
        for text in (t for t in sms_to if t.strip()):
            try:
                phones.append(phone_number(text, self.country, field="sms_to", code="alert_phone_invalid"))
            except ValidationFailed as error:
                problems.extend(error.fields)
        for name, values in (("email_to", emails), ("sms_to", phones)):
            if len(set(values)) > MAX_RECIPIENTS:
                problems.append({"field": name, "code": "alert_too_many_recipients", "max": MAX_RECIPIENTS})
        return tuple(dict.fromkeys(emails)), tuple(dict.fromkeys(phones))


def _supplies(scope: Scope, facility_id: str) -> tuple[Supply, ...]:
    found = {supply_of(m.kind) for m in scope.record.meters if m.facility_id == facility_id and m.removed_on is None}
    return tuple(s for s in Supply if s in found)
