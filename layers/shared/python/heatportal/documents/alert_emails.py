"""Texts of alerts and of the monthly consumption information, in the
customer's language with its numbers, dates and units: the one sentence that
says what happened (the portal's notifications list, the e-mail and the SMS
all use it), the e-mails (Jinja2, text and HTML) and the SMS."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from heatportal.documents.emails import RenderedEmail, _one_line, _render
from heatportal.domain.alerts import TEMPERATURES, UNIT, Measure, Season, Supply, too_low_is_breach
from heatportal.domain.consumption_info import ConsumptionInfo, ConsumptionInfoLine, month_before
from heatportal.domain.model import Customer, Language
from heatportal.domain.profile import UtilityProfile
from heatportal.i18n import format_date, format_month, format_percent, format_quantity, translate

__all__ = [
    "AlertFacts",
    "alert_email",
    "alert_sentence",
    "alert_sms",
    "alert_title",
    "consumption_info_email",
    "consumption_info_sms",
    "measured",
]


@dataclass(frozen=True)
class AlertFacts:
    """What a notice says, from a stored notification or a published event."""

    kind: str  # breach | normal
    measure: Measure
    supply: Supply
    facility: str
    meter: str
    day: date
    value: Decimal
    threshold: Decimal
    season: Season | None = None
    since: date | None = None
    expected: Decimal | None = None
    actual: Decimal | None = None

    @classmethod
    def of(cls, told: Told, facility: str) -> AlertFacts:
        """From what told it: a notification or an alert event (they carry the same facts)."""
        if told.measure is None or told.value is None or told.threshold is None:
            raise ValueError("not an alert: no measure, value or limit")
        return cls(
            kind=told.kind,
            measure=told.measure,
            supply=told.supply or Supply.HEATING,
            facility=facility,
            meter=told.meter_number or "",
            day=told.day,
            value=told.value,
            threshold=told.threshold,
            season=told.season,
            since=told.since,
            expected=told.expected,
            actual=told.actual,
        )


class Told(Protocol):
    """The facts a notification and an alert event both carry."""

    @property
    def kind(self) -> str: ...
    @property
    def meter_number(self) -> str | None: ...
    @property
    def supply(self) -> Supply | None: ...
    @property
    def measure(self) -> Measure | None: ...
    @property
    def day(self) -> date: ...
    @property
    def value(self) -> Decimal | None: ...
    @property
    def threshold(self) -> Decimal | None: ...
    @property
    def season(self) -> Season | None: ...
    @property
    def since(self) -> date | None: ...
    @property
    def expected(self) -> Decimal | None: ...
    @property
    def actual(self) -> Decimal | None: ...


def measured(value: Decimal, measure: Measure, lang: Language) -> str:
    """A measure's value with its unit: ``41,5 °C``, ``12,3 kW``, ``30 %``, ``28 h``."""
    if measure == Measure.ABOVE_EXPECTED:
        return format_percent(value / 100, lang)
    if measure == Measure.NO_DATA:
        return format_quantity(value, UNIT[measure], lang, 0)
    return format_quantity(value, UNIT[measure], lang, 1)


def _limit(facts: AlertFacts, lang: Language) -> str:
    threshold = measured(facts.threshold, facts.measure, lang)
    key = f"alerts.limit.{facts.season.value}" if facts.season else "alerts.limit.plain"
    return translate(key, lang, threshold=threshold)


def alert_title(facts: AlertFacts, lang: Language) -> str:
    return translate(
        f"alerts.title.{facts.kind}",
        lang,
        measure=translate(f"alerts.measure.{facts.measure.value}", lang),
        facility=facts.facility,
    )


def alert_sentence(facts: AlertFacts, lang: Language) -> str:
    """What happened, in one or two sentences."""
    normal = facts.kind == "normal"
    if facts.measure in (Measure.ABOVE_EXPECTED, Measure.NO_DATA):
        key = f"alerts.text.{facts.measure.value}{'_normal' if normal else ''}"
    elif normal:
        key = "alerts.text.normal"
    else:
        key = "alerts.text.below" if too_low_is_breach(facts.supply, facts.measure) else "alerts.text.above"
    kwh = lambda v: format_quantity(v, "kWh", lang, 0) if v is not None else ""  # noqa: E731
    text = translate(
        key,
        lang,
        measure=translate(f"alerts.measure.{facts.measure.value}", lang),
        facility=facts.facility,
        meter=facts.meter,
        day=format_date(facts.day, lang),
        value=measured(facts.value, facts.measure, lang),
        limit=_limit(facts, lang),
        since=format_date(facts.since, lang) if facts.since else "",
        actual=kwh(facts.actual),
        expected=kwh(facts.expected),
    )
    if not normal and facts.supply == Supply.COOLING and facts.measure in TEMPERATURES:
        text = f"{text} {translate('alerts.text.cooling_low', lang)}"
    return text


def alert_email(
    facts: AlertFacts, customer_name: str, lang: Language, profile: UtilityProfile, portal_url: str, analysis: str
) -> RenderedEmail:
    title = alert_title(facts, lang)
    return _render(
        "alert",
        lang,
        _one_line(f"{title} – {profile.name}"),
        profile,
        customer_name=customer_name,
        intro=translate(f"alerts.email.intro_{facts.kind}", lang),
        sentence=alert_sentence(facts, lang),
        facts=[
            (translate("alerts.settings.facility", lang), facts.facility),
            (translate("meters.meter_number", lang), facts.meter),
            (translate("alerts.settings.measure", lang), translate(f"alerts.measure.{facts.measure.value}", lang)),
            (translate("alerts.value", lang), measured(facts.value, facts.measure, lang)),
            (translate("alerts.limit", lang), _limit(facts, lang)),
            (translate("alerts.day", lang), format_date(facts.day, lang)),
        ],
        analysis_url=f"{portal_url}{analysis}",
        settings_url=f"{portal_url}/alerts",
        facility=facts.facility,
    )


def alert_sms(facts: AlertFacts, lang: Language, profile: UtilityProfile, portal_url: str, analysis: str) -> str:
    return translate(
        "alerts.sms",
        lang,
        utility=profile.branding.logo_text,
        text=alert_sentence(facts, lang),
        url=f"{portal_url}{analysis}",
    )


# --- the monthly consumption information ----------------------------------------------------


def _month(month: str, lang: Language) -> str:
    return format_month(date(int(month[:4]), int(month[5:]), 1), lang)


def _quantity(value: Decimal | None, unit: str, lang: Language, *, estimated: bool = False) -> str:
    if value is None:
        return translate("consumption_info.no_value", lang)
    text = format_quantity(value, unit, lang, 0 if unit == "kWh" else 3)
    return f"{text} ({translate('consumption_info.estimated', lang)})" if estimated else text


def _change(line: ConsumptionInfoLine, other: Decimal | None, lang: Language) -> str:
    change = line.change(other)
    if change is None:
        return ""
    sign = "+" if change > 0 else ""
    return f" ({sign}{format_percent(change / 100, lang)})"


def info_rows(line: ConsumptionInfoLine, month: str, lang: Language) -> list[tuple[str, str]]:
    """A meter's month as label and value rows (the e-mail and the portal page)."""
    unit = line.unit
    rows = [
        (_month(month, lang), _quantity(line.quantity, unit, lang, estimated=line.estimated)),
        (
            translate("consumption_info.previous_month", lang, month=_month(month_before(month, 1), lang)),
            _quantity(line.previous_month, unit, lang, estimated=line.previous_month_estimated)
            + _change(line, line.previous_month, lang),
        ),
        (
            translate("consumption_info.last_year", lang, month=_month(month_before(month, 12), lang)),
            _quantity(line.last_year, unit, lang, estimated=line.last_year_estimated)
            + _change(line, line.last_year, lang),
        ),
    ]
    if line.corrected is not None:
        rows.append(
            (
                translate("consumption_info.corrected", lang),
                translate(
                    "consumption_info.corrected_value",
                    lang,
                    this=_quantity(line.corrected, unit, lang),
                    last=_quantity(line.last_year_corrected, unit, lang),
                ),
            )
        )
    benchmark = (
        _quantity(line.benchmark, unit, lang) + _change(line, line.benchmark, lang)
        if line.benchmark is not None
        else translate("consumption_info.benchmark_too_few", lang)
    )
    rows.append((translate(f"consumption_info.benchmark.{line.category.split(':')[1]}", lang), benchmark))
    return rows


def line_title(line: ConsumptionInfoLine, lang: Language, facility: str) -> str:
    return translate(
        "consumption_info.line_title",
        lang,
        kind=translate(f"meter_kind.{line.kind.value}", lang),
        meter=line.meter_number,
        facility=facility,
    )


def consumption_info_email(
    customer: Customer, info: ConsumptionInfo, facilities: dict[str, str], profile: UtilityProfile, portal_url: str
) -> RenderedEmail:
    lang = customer.language
    month = _month(info.month, lang)
    return _render(
        "consumption_info",
        lang,
        _one_line(translate("consumption_info.email.subject", lang, month=month, utility=profile.name)),
        profile,
        customer_name=customer.name,
        intro=translate("consumption_info.email.intro", lang, month=month),
        meters=[
            (
                line_title(line, lang, facilities.get(line.facility_id, line.facility_id)),
                info_rows(line, info.month, lang),
            )
            for line in info.lines
        ],
        estimated=any(line.estimated for line in info.lines),
        portal_url=f"{portal_url}/consumption-info/{info.month}",
    )


def consumption_info_sms(customer: Customer, info: ConsumptionInfo, profile: UtilityProfile, portal_url: str) -> str:
    lang = customer.language
    summary = "; ".join(
        f"{translate(f'meter_kind.{line.kind.value}', lang)} "
        f"{_quantity(line.quantity, line.unit, lang, estimated=line.estimated)}"
        f"{_change(line, line.last_year, lang)}"
        for line in info.lines
    )
    return translate(
        "consumption_info.sms",
        lang,
        utility=profile.branding.logo_text,
        month=_month(info.month, lang),
        summary=summary,
        url=f"{portal_url}/consumption-info/{info.month}",
    )
