"""Texts of alerts and of the monthly consumption information in the five
languages, with each language's numbers, dates and units; district cooling
says "below"; e-mails render in every language with nothing left untranslated."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from heatportal.documents.alert_emails import (
    AlertFacts,
    alert_email,
    alert_sentence,
    alert_sms,
    consumption_info_email,
    consumption_info_sms,
    info_rows,
)
from heatportal.domain.alerts import Measure, Season, Supply
from heatportal.domain.consumption_info import ConsumptionInfo, ConsumptionInfoLine
from heatportal.domain.model import LANGUAGES, Language, MeterKind
from heatportal.domain.profile import load_profile
from tests.builders import a_customer

PROFILE = load_profile("no")
NBSP = "\u00a0"


def facts(**changes: object) -> AlertFacts:
    fields: dict[str, object] = {
        "kind": "breach",
        "measure": Measure.RETURN_TEMPERATURE,
        "supply": Supply.HEATING,
        "facility": "Fjordveien 12",
        "meter": "70000001",
        "day": date(2026, 1, 11),
        "value": Decimal("43.25"),
        "threshold": Decimal(40),
        "season": Season.WINTER,
    }
    return AlertFacts(**{**fields, **changes})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "nb",
            f"Returtemperatur på Fjordveien 12 var 43,3{NBSP}°C 11. jan. 2026, over grensen (vintergrense 40,0{NBSP}°C).",
        ),
        (
            "sv",
            f"Returtemperatur på Fjordveien 12 var 43,3{NBSP}°C den 11 jan. 2026, över gränsen (vintergräns 40,0{NBSP}°C).",
        ),
        (
            "nl",
            f"Retourtemperatuur bij Fjordveien 12 was 43,3{NBSP}°C op 11 jan 2026, boven de grens (wintergrens 40,0{NBSP}°C).",
        ),
        (
            "de",
            f"Rücklauftemperatur bei Fjordveien 12 betrug am 11.01.2026 43,3{NBSP}°C, über der Grenze (Wintergrenze 40,0{NBSP}°C).",
        ),
        (
            "en",
            f"Return temperature at Fjordveien 12 was 43.3{NBSP}°C on 11 Jan 2026, above the limit (winter limit 40.0{NBSP}°C).",
        ),
    ],
)
def test_a_breach_in_each_language_with_its_numbers_and_dates(lang: Language, expected: str) -> None:
    assert alert_sentence(facts(), lang) == expected


def test_a_cooling_return_temperature_is_below_its_limit_and_says_why_that_matters() -> None:
    text = alert_sentence(facts(supply=Supply.COOLING, value=Decimal("11.2"), threshold=Decimal(14)), "en")
    assert "below the limit" in text and "comes back too cold" in text


def test_back_to_normal_names_the_day_the_breach_began() -> None:
    text = alert_sentence(facts(kind="normal", value=Decimal(38), since=date(2026, 1, 8)), "de")
    assert text.startswith("Rücklauftemperatur bei Fjordveien 12 ist wieder normal") and "08.01.2026" in text


def test_consumption_above_expected_is_in_percent_and_kwh_and_silence_in_hours() -> None:
    above = alert_sentence(
        facts(
            measure=Measure.ABOVE_EXPECTED,
            value=Decimal("31.5"),
            threshold=Decimal(20),
            season=None,
            actual=Decimal(12840),
            expected=Decimal(9764),
        ),
        "nb",
    )
    assert f"31,5{NBSP}%" in above and f"12{NBSP}840{NBSP}kWh" in above and f"9{NBSP}764{NBSP}kWh" in above
    silent = alert_sentence(
        facts(measure=Measure.NO_DATA, value=Decimal("28.4"), threshold=Decimal(24), season=None), "en"
    )
    assert silent == f"Meter 70000001 at Fjordveien 12 has sent no new data for 28{NBSP}h (limit 24{NBSP}h)."


def test_power_is_in_kw_with_one_decimal() -> None:
    text = alert_sentence(facts(measure=Measure.HOURLY_POWER, value=Decimal("31.54"), threshold=Decimal(25)), "sv")
    assert f"31,5{NBSP}kW" in text and f"25,0{NBSP}kW" in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_alert_email_and_sms_render_in_every_language_with_every_text_found(lang: Language) -> None:
    email = alert_email(
        facts(),
        "Kari",
        lang,
        PROFILE,
        "https://min.example",
        "/analysis?facility=F1&supply=heating&section=temperature",
    )
    sms = alert_sms(
        facts(), lang, PROFILE, "https://min.example", "/analysis?facility=F1&supply=heating&section=temperature"
    )
    for text in (email.subject, email.text, email.html, sms):
        assert "alerts." not in text and "{" not in text, text
    assert "https://min.example/analysis?facility=F1&supply=heating&section=temperature" in email.text
    assert "&lt;" not in email.subject and "Fjordveien 12" in email.subject


def info(lang: Language = "nb") -> tuple[ConsumptionInfo, ConsumptionInfoLine]:
    line = ConsumptionInfoLine(
        meter_number="70000001",
        facility_id="F1",
        kind=MeterKind.HEAT,
        unit="kWh",
        category="heat:household",
        quantity=Decimal(1240),
        estimated=True,
        previous_month=Decimal(1000),
        last_year=Decimal(1550),
        corrected=Decimal(1180),
        last_year_corrected=Decimal(1400),
        benchmark=None,
    )
    return ConsumptionInfo(
        customer_number="100001", month="2026-01", created_at=datetime(2026, 2, 3, tzinfo=UTC), lines=(line,)
    ), line


def test_a_months_rows_compare_it_and_flag_an_estimate() -> None:
    _, line = info()
    rows = dict(info_rows(line, "2026-01", "nb"))
    assert rows["januar 2026"] == f"1{NBSP}240{NBSP}kWh (stipulert)"
    assert rows["Forrige måned (desember 2025)"] == f"1{NBSP}000{NBSP}kWh (+24{NBSP}%)"
    assert rows["Samme måned i fjor (januar 2025)"] == f"1{NBSP}550{NBSP}kWh (-20{NBSP}%)"
    assert rows["Temperaturkorrigert"] == f"1{NBSP}180{NBSP}kWh i år mot 1{NBSP}400{NBSP}kWh i fjor"
    assert rows["Gjennomsnittlig husholdningskunde"] == "for få kunder av samme slag å sammenligne med"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_monthly_email_and_sms_render_in_every_language(lang: Language) -> None:
    month, _ = info(lang)
    customer = a_customer(language=lang)
    email = consumption_info_email(customer, month, {"F1": "Fjordveien 12"}, PROFILE, "https://min.example")
    sms = consumption_info_sms(customer, month, PROFILE, "https://min.example")
    for text in (email.subject, email.text, email.html, sms):
        assert "consumption_info." not in text and "{" not in text, text
    assert "https://min.example/consumption-info/2026-01" in email.text and "Fjordveien 12" in email.text
    assert "1" in sms and "/consumption-info/2026-01" in sms
