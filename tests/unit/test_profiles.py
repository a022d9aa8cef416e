"""Utility profiles (heatportal.domain.profile and profiles/*.yaml)."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal
from importlib import resources
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from heatportal.domain.profile import (
    PROFILE_IDS,
    BillingMode,
    RegistrationMethod,
    UtilityProfile,
    load_profile,
)


def raw(profile_id: str) -> dict[str, Any]:
    text = resources.files("heatportal.profiles").joinpath(f"{profile_id}.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


# --- the shipped profiles --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("profile_id", "country", "currency", "default_language", "billing_mode", "registration", "reference"),
    [
        ("no", "NO", "NOK", "nb", BillingMode.MONTHLY_ARREARS, RegistrationMethod.PIN, "kid"),
        ("nl", "NL", "EUR", "nl", BillingMode.ADVANCE_YEARLY, RegistrationMethod.POSTCODE, "betalingskenmerk"),
        ("de", "DE", "EUR", "de", BillingMode.ADVANCE_YEARLY, RegistrationMethod.NAME, "text"),
        ("se", "SE", "SEK", "sv", BillingMode.MONTHLY_ARREARS, RegistrationMethod.PIN, "ocr"),
    ],
)
def test_each_shipped_profile_loads_with_its_country_rules(
    profile_id: str,
    country: str,
    currency: str,
    default_language: str,
    billing_mode: BillingMode,
    registration: RegistrationMethod,
    reference: str,
) -> None:
    profile = load_profile(profile_id)
    assert profile.id == profile_id
    assert (profile.country, profile.currency, profile.default_language) == (country, currency, default_language)
    assert profile.default_language in profile.languages
    assert "en" in profile.languages
    assert profile.billing_mode == billing_mode
    assert profile.registration == registration
    assert profile.payment.reference == reference


def test_all_four_profiles_are_shipped() -> None:
    assert set(PROFILE_IDS) == {"no", "nl", "de", "se"}
    assert [load_profile(p).id for p in PROFILE_IDS] == list(PROFILE_IDS)


def test_loading_is_cached_and_unknown_ids_are_refused() -> None:
    assert load_profile("no") is load_profile("no")
    with pytest.raises(ValueError, match="unknown profile"):
        load_profile("dk")


def test_every_price_and_rate_in_the_profiles_is_a_decimal() -> None:
    for profile_id in PROFILE_IDS:
        profile = load_profile(profile_id)
        assert all(isinstance(v.rate, Decimal) for v in profile.vat)
        for price_list in profile.price_lists:
            for component in price_list.components:
                for name, value in component:
                    if isinstance(value, float):
                        pytest.fail(f"{profile_id} {price_list.id} {component.type}.{name} is a float")


@pytest.mark.parametrize("profile_id", PROFILE_IDS)
def test_every_month_has_exactly_one_energy_price_in_every_price_list(profile_id: str) -> None:
    for price_list in load_profile(profile_id).price_lists:
        for component in price_list.components:
            if component.type == "energy_price":
                months = sorted(m for p in component.prices for m in p.months)
                assert months == list(range(1, 13)), price_list.id


# --- invalid profiles stop the start --------------------------------------------------------------


def _set(data: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(data)
    target: Any = changed
    for key in path[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return changed


_DELETE = object()


@pytest.mark.parametrize(
    ("case", "path", "value"),
    [
        ("default language not offered", ("default_language",), "sv"),
        ("unsupported language", ("languages",), ["nb", "fr"]),
        ("lower-case currency", ("currency",), "nok"),
        ("four-letter currency", ("currency",), "NOKK"),
        ("no currency", ("currency",), _DELETE),
        ("no price list at all", ("price_lists",), _DELETE),
        ("empty price lists", ("price_lists",), []),
        ("price list without components", ("price_lists", 0, "components"), []),
        ("no VAT", ("vat",), []),
        ("unknown component", ("price_lists", 0, "components", 0, "type"), "discount"),
        ("discount above 100 %", ("price_lists", 0, "components", 0, "discount_percent"), "110"),
        ("spot price without transfer cost", ("price_lists", 0, "components", 0, "transfer_cost"), []),
        ("colour that is not a hex colour", ("branding", "primary_color"), "blue"),
        ("payment terms of 0 days", ("payment_terms_days",), 0),
        ("unknown key", ("invoice_footer",), "x"),
        ("unknown payment reference", ("payment", "reference"), "iban"),
        ("no seller", ("seller",), _DELETE),
        ("an organisation number with a wrong check digit", ("seller", "organisation_number"), "921687428"),
        ("an account number with a wrong check digit", ("payment", "transfer", "account_number"), "15062012348"),
        ("no bill information", ("bill_information",), _DELETE),
        ("a fuel mix that adds up to 99 %", ("bill_information", "fuel_mix", 0, "percent"), "45.0"),
        ("emissions that do not follow from the rate", ("bill_information", "emissions", "tonnes_co2e"), "9000"),
        ("no complaint contact", ("bill_information", "contacts", "complaints"), _DELETE),
        ("no ADR body", ("bill_information", "contacts", "adr"), []),
        ("no consumer body", ("bill_information", "contacts", "consumer_bodies"), []),
        ("no average customer", ("bill_information", "comparison", "average_customer"), []),
        ("a price list that does not say its VAT basis", ("price_lists", 0, "prices_include_vat"), _DELETE),
        ("a VAT basis without its reason", ("price_lists", 0, "vat_basis_reason"), _DELETE),
        (
            "a fixed fee that is no whole number of øre a month",
            ("price_lists", 1, "components", 1, "amount_per_year"),
            "1200.01",
        ),
        (
            "a transfer cost with five decimals",
            ("price_lists", 0, "components", 0, "transfer_cost", 0, "price"),
            "0.33641",
        ),
        ("no electric-heating comparison (energiloven § 5-5)", ("compliance",), {}),
    ],
)
def test_an_invalid_profile_is_refused_with_field_errors(case: str, path: tuple[Any, ...], value: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        UtilityProfile.model_validate(_set(raw("no"), path, value))
    assert str(path[0]) in str(refused.value)  # the error names the field that is wrong


@pytest.mark.parametrize(
    ("profile_id", "case", "path", "value", "message"),
    [
        ("se", "a VAT number that is not the organisation number's", ("seller", "vat_number"), "SE556036079301", "01"),
        ("se", "a bankgiro with a wrong check digit", ("payment", "transfer", "bankgiro"), "56912349", "Luhn"),
        ("se", "energy not billed in arrears", ("compliance", "energy_in_arrears"), False, "EIFS"),
        ("nl", "an invalid btw-id", ("seller", "vat_number"), "NL858712348B01", "vat_number"),
        ("nl", "an IBAN with a wrong check", ("payment", "transfer", "iban"), "NL94DEMO0123456789", "iban"),
        ("nl", "no ACM maximum for a year a price list covers", ("compliance", "nl_acm_maximum"), [], "2024"),
        (
            "de",
            "no primary energy factor (FFVAV § 5 (3))",
            ("bill_information", "primary_energy_factor"),
            _DELETE,
            "FFVAV",
        ),
        ("de", "no renewable share", ("bill_information", "renewable_share_percent"), _DELETE, "FFVAV"),
        ("de", "due sooner than two weeks after receipt", ("payment_terms_days",), 14, "after receipt"),
        ("de", "no managing directors (GmbHG § 35a)", ("seller", "managing_directors"), [], "35a"),
        (
            "de",
            "a creditor identifier with a wrong check",
            ("payment", "direct_debit", "creditor_id"),
            "DE44ZZZ00000471100",
            "creditor",
        ),
        ("de", "a QR code for a currency that is not the euro", ("currency",), "CHF", "euro"),
    ],
)
def test_a_profile_that_lacks_what_the_countrys_bill_needs_does_not_load(
    profile_id: str, case: str, path: tuple[Any, ...], value: Any, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        UtilityProfile.model_validate(_set(raw(profile_id), path, value))


@pytest.mark.parametrize("profile_id", PROFILE_IDS)
def test_every_price_list_states_its_vat_basis_and_why(profile_id: str) -> None:
    expected = {"no": True, "nl": True, "de": False, "se": False}[profile_id]
    for price_list in load_profile(profile_id).price_lists:
        assert price_list.prices_include_vat is expected, price_list.id
        assert len(price_list.vat_basis_reason) > 20


def test_the_norwegian_consumer_list_is_incl_vat_by_the_price_information_rule() -> None:
    reason = load_profile("no").price_lists[0].vat_basis_reason
    assert "prisopplysningsforskriften § 3" in reason


def test_the_dutch_demo_prices_are_within_the_acm_maxima_of_their_year() -> None:
    nl = load_profile("nl")
    for price_list in nl.price_lists:
        maximum = nl.compliance.acm_for(price_list.valid_from.year)
        assert maximum is not None
        fixed = sum((c.amount_per_year for c in price_list.components if c.type == "fixed_fee"), Decimal(0))
        energy = next(c for c in price_list.components if c.type == "energy_price").prices[0].price
        assert fixed <= maximum.fixed_total_per_year, price_list.id
        assert energy <= maximum.energy_maximum(Decimal(0)), price_list.id


def test_an_energy_price_for_month_13_is_refused() -> None:
    data = raw("se")
    data["price_lists"][0]["components"][2]["prices"][0]["months"] = [11, 12, 13]
    with pytest.raises(ValidationError, match="months are 1 to 12"):
        UtilityProfile.model_validate(data)


def test_seasons_must_cover_every_month_exactly_once() -> None:
    # Given the Swedish profile with April left out of every season
    data = raw("se")
    data["price_lists"][0]["components"][2]["prices"][1]["months"] = [10]
    # Then the profile is refused at start
    with pytest.raises(ValidationError):
        UtilityProfile.model_validate(data)


def test_a_currency_that_does_not_exist_is_refused() -> None:
    with pytest.raises(ValidationError):
        UtilityProfile.model_validate(_set(raw("no"), ("currency",), "XQZ"))


# --- the price list and VAT in force on a day ---------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "price_list_id"),
    [
        (date(2022, 1, 1), "no-2022-private"),
        (date(2024, 12, 31), "no-2022-private"),
        (date(2025, 1, 1), "no-2025-private"),
        (date(2025, 1, 2), "no-2025-private"),
        (date(2030, 6, 1), "no-2025-private"),
    ],
)
def test_no_price_list_in_force_changes_on_its_valid_from_day(day: date, price_list_id: str) -> None:
    assert load_profile("no").price_list_on(day).id == price_list_id


@pytest.mark.parametrize(
    ("profile_id", "day_before"), [("no", date(2021, 12, 31)), ("nl", date(2023, 12, 31)), ("se", date(2023, 12, 31))]
)
def test_the_day_before_the_first_price_list_has_none(profile_id: str, day_before: date) -> None:
    with pytest.raises(LookupError, match="no price list in force"):
        load_profile(profile_id).price_list_on(day_before)


@pytest.mark.parametrize(
    ("day", "price_list_id"),
    [(date(2024, 1, 1), "de-2024"), (date(2025, 12, 31), "de-2024"), (date(2026, 1, 1), "de-2026")],
)
def test_de_price_list_boundaries(day: date, price_list_id: str) -> None:
    assert load_profile("de").price_list_on(day).id == price_list_id


@pytest.mark.parametrize(
    ("profile_id", "day", "rate"),
    [
        ("nl", date(2022, 6, 30), "0.21"),
        ("nl", date(2022, 7, 1), "0.09"),
        ("nl", date(2022, 12, 31), "0.09"),
        ("nl", date(2023, 1, 1), "0.21"),
        ("de", date(2022, 9, 30), "0.19"),
        ("de", date(2022, 10, 1), "0.07"),
        ("de", date(2023, 1, 1), "0.07"),
        ("de", date(2024, 2, 29), "0.07"),
        ("de", date(2024, 3, 1), "0.19"),
        ("no", date(2025, 1, 1), "0.25"),
        ("se", date(2025, 1, 1), "0.25"),
    ],
)
def test_vat_rate_in_force_changes_on_its_valid_from_day(profile_id: str, day: date, rate: str) -> None:
    assert load_profile(profile_id).vat_on(day) == Decimal(rate)


def test_no_vat_before_the_first_rate() -> None:
    with pytest.raises(LookupError, match="no VAT rate"):
        load_profile("nl").vat_on(date(2018, 12, 31))


def test_the_order_of_the_price_lists_in_the_file_does_not_matter() -> None:
    # Given the German profile with its price lists (and VAT rates) written newest first
    data = raw("de")
    data["price_lists"] = list(reversed(data["price_lists"]))
    data["vat"] = list(reversed(data["vat"]))
    profile = UtilityProfile.model_validate(data)
    # Then the list and rate in force are still chosen by date
    assert profile.price_list_on(date(2025, 6, 1)).id == "de-2024"
    assert profile.price_list_on(date(2026, 6, 1)).id == "de-2026"
    assert profile.vat_on(date(2023, 6, 1)) == Decimal("0.07")
    assert profile.vat_on(date(2024, 6, 1)) == Decimal("0.19")
