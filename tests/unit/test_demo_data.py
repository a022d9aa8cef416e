"""Demo data: deterministic, realistic, and consistent with the domain rules."""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from itertools import pairwise
from zoneinfo import ZoneInfo

import phonenumbers
import pytest
from pydantic import BaseModel
from stdnum.no import orgnr as no_orgnr
from stdnum.se import orgnr as se_orgnr

from heatportal.domain.model import MeterKind, ReadingSource, Role
from heatportal.domain.money import EnergyUnit, convert
from heatportal.domain.profile import PROFILE_IDS, BillingMode, load_profile
from infra.local.demo import DEMO_PASSWORD, DemoDataset, DemoUser, generate

TODAY = date(2026, 3, 1)
UNITS = {"no": EnergyUnit.KWH, "nl": EnergyUnit.GJ, "de": EnergyUnit.MWH, "se": EnergyUnit.MWH}


@cache
def dataset(profile_id: str) -> DemoDataset:
    return generate(load_profile(profile_id), today=TODAY)


def meters_by_number(ds: DemoDataset) -> dict:
    return {m.number: m for m in ds.meters}


def daily_by_meter(ds: DemoDataset) -> dict[str, list]:
    rows: dict[str, list] = defaultdict(list)
    for row in ds.daily:
        rows[row.meter_number].append(row)
    return rows


def readings_by_meter(ds: DemoDataset) -> dict[str, list]:
    rows: dict[str, list] = defaultdict(list)
    for reading in ds.readings:
        rows[reading.meter_number].append(reading)
    return {k: sorted(v, key=lambda r: r.read_on) for k, v in rows.items()}


def window_firsts(ds: DemoDataset) -> list[date]:
    days = [ds.start + timedelta(days=i) for i in range((ds.today - ds.start).days + 1)]
    return [d for d in days if d.day == 1]


# --- determinism and size -----------------------------------------------------


def test_same_arguments_give_the_same_data() -> None:
    profile = load_profile("nl")
    first = generate(profile, customers=20, today=date(2025, 10, 17), months=6, seed=3)
    second = generate(profile, customers=20, today=date(2025, 10, 17), months=6, seed=3)
    assert first == second


def test_another_seed_gives_other_data() -> None:
    profile = load_profile("de")
    first = generate(profile, customers=20, today=TODAY, months=6, seed=3)
    second = generate(profile, customers=20, today=TODAY, months=6, seed=4)
    assert [c.name for c in first.customers] != [c.name for c in second.customers]
    assert first.temperatures != second.temperatures


def test_full_dataset_is_deterministic() -> None:
    assert generate(load_profile("no"), today=TODAY) == dataset("no")


@pytest.mark.parametrize("profile_id", PROFILE_IDS)
def test_at_least_fifty_customers_and_window(profile_id: str) -> None:
    ds = dataset(profile_id)
    assert len(ds.customers) >= 50
    assert ds.profile_id == profile_id
    assert ds.start == date(2024, 3, 1) and ds.today == TODAY
    assert sorted(ds.temperatures) == [ds.start + timedelta(days=i) for i in range((TODAY - ds.start).days)]


def test_too_small_requests_are_refused() -> None:
    with pytest.raises(ValueError):
        generate(load_profile("no"), customers=5, today=TODAY)
    with pytest.raises(ValueError):
        generate(load_profile("no"), today=TODAY, months=1)


# --- customers ------------------------------------------------------------------


@pytest.mark.parametrize("profile_id", PROFILE_IDS)
def test_customer_numbers_and_postcodes_match_the_profile(profile_id: str) -> None:
    profile = load_profile(profile_id)
    ds = dataset(profile_id)
    numbers = [c.number for c in ds.customers]
    assert len(set(numbers)) == len(numbers)
    assert all(re.match(profile.customer_number_pattern, n) for n in numbers)
    addresses = [c.address for c in ds.customers] + [f.address for f in ds.facilities]
    assert all(re.match(profile.postcode_pattern, a.postcode) for a in addresses)
    assert all(a.country == profile.country for a in addresses)


@pytest.mark.parametrize("profile_id", PROFILE_IDS)
def test_contact_data_is_fictional_but_well_formed(profile_id: str) -> None:
    profile = load_profile(profile_id)
    ds = dataset(profile_id)
    for customer in ds.customers:
        if customer.email is not None:
            assert re.fullmatch(r"[a-z0-9.\-]+@example\.(com|net|org)", customer.email), customer.email
        assert customer.phone is not None
        parsed = phonenumbers.parse(customer.phone)
        assert phonenumbers.is_valid_number(parsed)
        assert phonenumbers.region_code_for_number(parsed) == profile.country
        assert customer.phone == phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        assert customer.language in profile.languages
        assert customer.pin_hash is None
    languages = [c.language for c in ds.customers]
    assert languages.count(profile.default_language) > len(languages) * 0.8
    assert "en" in languages
    assert any(not c.name.isascii() for c in ds.customers)


@pytest.mark.parametrize("profile_id", PROFILE_IDS)
def test_pins_are_six_digits_for_every_customer(profile_id: str) -> None:
    ds = dataset(profile_id)
    assert set(ds.pins) == {c.number for c in ds.customers}
    assert all(re.fullmatch(r"[0-9]{6}", pin) for pin in ds.pins.values())


@pytest.mark.parametrize("profile_id", PROFILE_IDS)
def test_business_customers_have_valid_organisation_numbers(profile_id: str) -> None:
    ds = dataset(profile_id)
    businesses = [c for c in ds.customers if c.org_number]
    assert len(businesses) >= 3
    for customer in businesses:
        org = customer.org_number
        assert org is not None
        if profile_id == "no":
            assert no_orgnr.is_valid(org)
        elif profile_id == "se":
            assert se_orgnr.is_valid(org)
            assert re.fullmatch(r"[0-9]{6}-[0-9]{4}", org)
    if profile_id == "se":
        assert len(businesses) > len(ds.customers) / 2  # mostly property companies


# --- facilities and meters ------------------------------------------------------


@pytest.mark.parametrize("profile_id", PROFILE_IDS)
def test_facilities_per_customer(profile_id: str) -> None:
    ds = dataset(profile_id)
    per_customer: dict[str, int] = defaultdict(int)
    for facility in ds.facilities:
        per_customer[facility.customer_number] += 1
    assert set(per_customer) == {c.number for c in ds.customers}
    assert len({f.id for f in ds.facilities}) == len(ds.facilities)
    several = [n for n in per_customer.values() if n > 1]
    assert all(2 <= n <= 6 for n in several)
    assert len(several) >= len(ds.customers) * 0.08
    if profile_id == "se":
        assert len(several) >= len(ds.customers) * 0.3


@pytest.mark.parametrize("profile_id", PROFILE_IDS)
def test_meters_units_numbers_and_facilities(profile_id: str) -> None:
    ds = dataset(profile_id)
    numbers = [m.number for m in ds.meters]
    assert len(set(numbers)) == len(numbers)
    assert all(re.fullmatch(r"[0-9]{8}", n) for n in numbers)
    facilities = {f.id: f for f in ds.facilities}
    for meter in ds.meters:
        assert facilities[meter.facility_id].customer_number == meter.customer_number
        if meter.kind in (MeterKind.HEAT, MeterKind.COOLING):
            assert meter.unit == UNITS[profile_id]
            assert meter.decimals == (0 if meter.unit == EnergyUnit.KWH else 3)
            assert meter.kind == MeterKind.HEAT or profile_id == "se"  # district cooling in Sweden
        else:
            assert meter.kind == MeterKind.HOT_WATER
            assert (meter.unit, meter.decimals) == (EnergyUnit.M3, 3)
        assert meter.start_value.as_tuple().exponent == -meter.decimals
    active_heat: dict[str, int] = defaultdict(int)
    hot_water: set[str] = set()
    for meter in ds.meters:
        if meter.kind == MeterKind.HEAT and meter.removed_on is None:
            active_heat[meter.facility_id] += 1
        if meter.kind == MeterKind.HOT_WATER:
            hot_water.add(meter.facility_id)
    assert all(active_heat[f] == 1 for f in facilities)
    share = len(hot_water) / len(facilities)
    assert share == 1 if profile_id == "nl" else 0.15 < share < 0.6
    before_window = [m for m in ds.meters if m.installed_on < ds.start]
    assert len(before_window) > len(ds.meters) * 0.9


@pytest.mark.parametrize("profile_id", PROFILE_IDS)
def test_one_meter_is_replaced_inside_the_window(profile_id: str) -> None:
    ds = dataset(profile_id)
    removed = [m for m in ds.meters if m.removed_on is not None]
    assert len(removed) == 1
    old = removed[0]
    assert old.removed_on is not None
    assert ds.start < old.removed_on < ds.today
    new = [
        m
        for m in ds.meters
        if m.facility_id == old.facility_id and m.kind == old.kind and m.installed_on == old.removed_on
    ]
    assert len(new) == 1 and new[0].number != old.number and new[0].start_value > 0
    readings = readings_by_meter(ds)
    assert readings[old.number][-1].read_on == old.removed_on
    assert readings[new[0].number][0].read_on == old.removed_on
    assert readings[new[0].number][0].value == new[0].start_value
    assert readings[new[0].number][0].source == ReadingSource.STAFF


# --- daily consumption ----------------------------------------------------------


def check_daily_coverage(ds: DemoDataset) -> None:
    rows = daily_by_meter(ds)
    for meter in ds.meters:
        begin = max(meter.installed_on, ds.start)
        end = meter.removed_on or ds.today
        days = [r.day for r in rows[meter.number]]
        assert days == [begin + timedelta(days=i) for i in range((end - begin).days)]
        for row in rows[meter.number]:
            assert row.quantity >= 0
            assert row.quantity.as_tuple().exponent == -(meter.decimals + 1)
            assert row.mean_outdoor_temp == ds.temperatures[row.day]


@pytest.mark.parametrize("profile_id", PROFILE_IDS)
def test_daily_rows_cover_each_meters_days_in_the_window(profile_id: str) -> None:
    check_daily_coverage(dataset(profile_id))


@pytest.mark.parametrize("profile_id", PROFILE_IDS)
def test_heat_rows_carry_plausible_load_return_temperature_and_volume(profile_id: str) -> None:
    ds = dataset(profile_id)
    meters = meters_by_number(ds)
    for row in ds.daily:
        meter = meters[row.meter_number]
        if meter.kind == MeterKind.COOLING:
            continue  # test_cooling_rows_follow_the_summer
        if meter.kind != MeterKind.HEAT:
            assert row.peak_load_kw is None and row.mean_return_temp is None and row.volume_m3 is None
            continue
        kwh = convert(row.quantity, meter.unit, EnergyUnit.KWH)
        assert row.mean_return_temp is not None
        assert row.peak_load_kw is not None
        assert row.volume_m3 is not None
        assert Decimal(30) <= row.mean_return_temp <= Decimal(50)
        if kwh > 24:
            ratio = row.peak_load_kw / (kwh / 24)
            assert Decimal("1.25") < ratio < Decimal("1.65")
            delta_t = kwh / (Decimal("1.163") * row.volume_m3)
            assert Decimal(29) < delta_t < Decimal(46)


def test_swedish_offices_take_district_cooling_that_follows_the_summer() -> None:
    ds = dataset("se")
    meters = meters_by_number(ds)
    cooling = {m.number for m in ds.meters if m.kind == MeterKind.COOLING}
    assert 3 <= len(cooling) <= len(ds.facilities) * 0.3
    businesses = {c.number for c in ds.customers if c.org_number and not c.name.startswith("Brf")}
    assert {meters[n].customer_number for n in cooling} <= businesses
    by_meter = daily_by_meter(ds)
    for number in cooling:
        rows = by_meter[number]
        summer = [r.quantity for r in rows if r.day.month in (6, 7, 8)]
        winter = [r.quantity for r in rows if r.day.month in (12, 1, 2)]
        assert sum(summer) / len(summer) > 2 * sum(winter) / len(winter)
        for row in rows:
            assert row.mean_return_temp is not None and Decimal(11) <= row.mean_return_temp <= Decimal(19)
            assert row.mean_supply_temp is not None and row.mean_supply_temp < row.mean_return_temp
    assert {r.meter_number for r in ds.readings} >= cooling


@pytest.mark.parametrize("profile_id", PROFILE_IDS)
def test_some_days_are_estimated_or_corrected_and_heat_days_carry_supply_and_flow(profile_id: str) -> None:
    ds = dataset(profile_id)
    meters = meters_by_number(ds)
    qualities = [r.quality for r in ds.daily]
    assert 0.002 < qualities.count("estimated") / len(qualities) < 0.01
    assert 0.001 < qualities.count("corrected") / len(qualities) < 0.006
    heat = [r for r in ds.daily if meters[r.meter_number].kind == MeterKind.HEAT and r.quantity > 0]
    assert all(r.mean_supply_temp is not None and r.max_flow_m3h is not None for r in heat)
    assert all(r.mean_supply_temp > r.mean_return_temp for r in heat)  # type: ignore[operator]


@pytest.mark.parametrize("profile_id", PROFILE_IDS)
def test_winter_uses_more_heat_than_summer(profile_id: str) -> None:
    ds = dataset(profile_id)
    meters = meters_by_number(ds)
    for number, rows in daily_by_meter(ds).items():
        if meters[number].kind != MeterKind.HEAT:
            continue
        winter = [r.quantity for r in rows if r.day.month in (12, 1, 2)]
        summer = [r.quantity for r in rows if r.day.month in (6, 7, 8)]
        if len(winter) < 30 or len(summer) < 30:
            continue
        assert sum(winter) / len(winter) > 2 * sum(summer) / len(summer)


@pytest.mark.parametrize("profile_id", PROFILE_IDS)
def test_yearly_volumes_are_realistic(profile_id: str) -> None:
    ds = dataset(profile_id)
    meters = meters_by_number(ds)
    businesses = {c.number for c in ds.customers if c.org_number}
    year_ago = ds.today - timedelta(days=365)
    totals: dict[str, Decimal] = defaultdict(Decimal)
    counts: dict[str, int] = defaultdict(int)
    for row in ds.daily:
        if row.day >= year_ago:
            totals[row.meter_number] += row.quantity
            counts[row.meter_number] += 1
    for number, total in totals.items():
        meter = meters[number]
        if counts[number] < 365:
            continue
        if meter.kind == MeterKind.COOLING:
            assert (
                Decimal(20) < convert(total, meter.unit, EnergyUnit.MWH) < Decimal(700)
            )  # a fifth to a half of its heat
            continue
        if meter.kind == MeterKind.HOT_WATER:
            if meter.customer_number not in businesses:
                assert Decimal(20) < total < Decimal(120)  # 0.1-0.3 m3 a day
            continue
        mwh = convert(total, meter.unit, EnergyUnit.MWH)
        if meter.customer_number in businesses:
            low, high = (Decimal(120), Decimal(1100)) if profile_id == "se" else (Decimal(40), Decimal(700))
        else:
            low, high = (Decimal(6), Decimal(25)) if profile_id in ("no", "se") else (Decimal(3), Decimal(28))
        assert low < mwh < high, (number, mwh)


# --- readings --------------------------------------------------------------------


def check_readings(ds: DemoDataset) -> None:
    """Floored to the meter's decimals, never decreasing, and equal to the daily sums."""
    meters = meters_by_number(ds)
    rows = daily_by_meter(ds)
    for number, readings in readings_by_meter(ds).items():
        meter = meters[number]
        days = [r.read_on for r in readings]
        assert len(set(days)) == len(days)
        for reading in readings:
            assert reading.value.as_tuple().exponent == -meter.decimals
            assert not reading.estimated
        assert all(a.value <= b.value for a, b in pairwise(readings))
        unit = Decimal(1).scaleb(-meter.decimals)
        quantities = {r.day: r.quantity for r in rows[number]}
        for earlier, later in pairwise(readings):
            span = (later.read_on - earlier.read_on).days
            total = sum((quantities[earlier.read_on + timedelta(days=i)] for i in range(span)), Decimal(0))
            assert abs((later.value - earlier.value) - total) < unit, (number, earlier.read_on)


@pytest.mark.parametrize("profile_id", PROFILE_IDS)
def test_readings_are_floored_never_decrease_and_match_the_daily_sums(profile_id: str) -> None:
    check_readings(dataset(profile_id))


@pytest.mark.parametrize("profile_id", PROFILE_IDS)
def test_a_short_window_ending_mid_month_is_consistent_too(profile_id: str) -> None:
    profile = load_profile(profile_id)
    ds = generate(profile, customers=15, today=date(2024, 2, 29), months=5, seed=2)
    assert ds.start == date(2023, 9, 29)
    assert all(re.match(profile.customer_number_pattern, c.number) for c in ds.customers)
    check_daily_coverage(ds)
    check_readings(ds)
    assert len(ds.users) >= 10


@pytest.mark.parametrize("profile_id", PROFILE_IDS)
def test_readings_on_the_first_with_some_gaps_and_some_late(profile_id: str) -> None:
    ds = dataset(profile_id)
    firsts = window_firsts(ds)
    by_meter = readings_by_meter(ds)
    sources = {r.source for r in ds.readings}
    assert ReadingSource.IMPORT in sources and ReadingSource.PORTAL in sources
    if profile_id == "no":
        assert ReadingSource.SMS in sources and ReadingSource.LINK in sources
    meters_with_gaps = set()
    for meter in ds.meters:
        if meter.installed_on >= ds.start or meter.removed_on is not None:
            continue
        days = {r.read_on for r in by_meter[meter.number]}
        if not set(firsts) <= days:
            meters_with_gaps.add(meter.customer_number)
    customers_with_gaps = len(meters_with_gaps)
    assert 0.05 * len(ds.customers) <= customers_with_gaps <= 0.2 * len(ds.customers)
    off_day = [r for r in ds.readings if r.read_on.day != 1 and r.source != ReadingSource.STAFF]
    assert 1 <= len(off_day) <= 0.02 * len(ds.readings)


@pytest.mark.parametrize("profile_id", PROFILE_IDS)
def test_readings_are_recorded_shortly_after_the_reading_day(profile_id: str) -> None:
    profile = load_profile(profile_id)
    ds = dataset(profile_id)
    tz = ZoneInfo(profile.timezone)
    latest = datetime.combine(ds.today, time(6, 0), tzinfo=tz)
    for reading in ds.readings:
        assert reading.recorded_at.tzinfo is not None
        assert reading.recorded_at.utcoffset() == timedelta(0)
        midnight = datetime.combine(reading.read_on, time(0, 0), tzinfo=tz)
        assert midnight <= reading.recorded_at <= min(midnight + timedelta(days=2), latest)
        assert reading.recorded_at.astimezone(UTC) == reading.recorded_at


# --- users ------------------------------------------------------------------------


@pytest.mark.parametrize("profile_id", PROFILE_IDS)
def test_users_point_at_existing_customers(profile_id: str) -> None:
    ds = dataset(profile_id)
    numbers = {c.number for c in ds.customers}
    assert 10 <= len(ds.users) <= 14
    emails = [u.email for u in ds.users]
    assert len(set(emails)) == len(emails)
    for user in ds.users:
        assert isinstance(user, DemoUser)
        assert user.password == DEMO_PASSWORD
        assert all(number in numbers for number, _ in user.memberships)
        assert all(isinstance(role, Role) for _, role in user.memberships)
        assert re.fullmatch(r"[a-z0-9.\-]+@example\.(com|net|org)", user.email)
        # Every login reaches customers: by memberships, as staff, or through its management company.
        assert user.staff == (not user.memberships and user.organisation is None)
    company, manager = [u for u in ds.users if u.organisation]
    assert company.memberships == [] and company.organisation is not None and company.org_role == "admin"
    assert manager.memberships == [] and manager.organisation == company.organisation
    assert manager.org_role == "manager"
    from heatportal.domain.companies import normalize_org_number

    normalize_org_number(company.organisation[0], ds.customers[0].address.country)  # a valid number


@pytest.mark.parametrize("profile_id", PROFILE_IDS)
def test_demo_users_cover_the_access_cases(profile_id: str) -> None:
    ds = dataset(profile_id)
    staff = [u for u in ds.users if u.staff]
    assert len(staff) == 1 and staff[0].memberships == []
    roles_per_customer: dict[str, list[Role]] = defaultdict(list)
    for user in ds.users:
        for number, role in user.memberships:
            roles_per_customer[number].append(role)
    assert any(sorted(roles) == sorted([Role.ADMIN, Role.FULL, Role.READ]) for roles in roles_per_customer.values())
    assert any(len(u.memberships) == 2 and {r for _, r in u.memberships} == {Role.ADMIN} for u in ds.users)
    businesses = {c.number for c in ds.customers if c.org_number}
    managers = [u for u in ds.users if len(u.memberships) >= 3]
    assert managers and all(n in businesses for n, _ in managers[0].memberships)
    owners = [u for u in ds.users if len(u.memberships) == 1 and u.memberships[0][1] == Role.ADMIN]
    assert len(owners) >= 6
    customers = {c.number: c for c in ds.customers}
    for owner in owners:
        customer = customers[owner.memberships[0][0]]
        if customer.org_number is None:
            assert customer.email == owner.email and customer.name == owner.name


@pytest.mark.parametrize("profile_id", PROFILE_IDS)
def test_first_user_is_the_canonical_demo_customer(profile_id: str) -> None:
    ds = dataset(profile_id)
    first = ds.users[0]
    assert first.memberships and first.memberships[0][1] == Role.ADMIN and not first.staff
    number = first.memberships[0][0]
    customer = next(c for c in ds.customers if c.number == number)
    assert customer.language == load_profile(profile_id).default_language
    meters = [m for m in ds.meters if m.customer_number == number]
    assert {m.kind for m in meters} == {MeterKind.HEAT, MeterKind.HOT_WATER}
    assert all(m.removed_on is None and m.installed_on < ds.start for m in meters)
    by_meter = readings_by_meter(ds)
    firsts = window_firsts(ds)
    for meter in meters:
        assert [r.read_on for r in by_meter[meter.number]] == firsts


# --- prices and advances --------------------------------------------------------------


@pytest.mark.parametrize("profile_id", PROFILE_IDS)
def test_spot_prices_only_for_the_spot_indexed_profile(profile_id: str) -> None:
    ds = dataset(profile_id)
    if profile_id != "no":
        assert ds.spot_prices == {}
        return
    keys = set(ds.spot_prices)
    assert {("NO1", f"2022-{m:02d}") for m in range(1, 13)} <= keys
    assert {("NO1", d.strftime("%Y-%m")) for d in window_firsts(ds)} <= keys
    assert abs(ds.spot_prices[("NO1", "2022-01")] - Decimal("1.30")) < Decimal("0.1")
    assert abs(ds.spot_prices[("NO1", "2022-08")] - Decimal("3.9")) < Decimal("0.2")
    assert abs(ds.spot_prices[("NO1", "2022-12")] - Decimal("2.9")) < Decimal("0.2")
    recent = [v for (_, month), v in ds.spot_prices.items() if month >= "2024-01"]
    assert all(Decimal("0.3") < v < Decimal("1.3") for v in recent)
    assert ds.spot_prices[("NO1", "2025-01")] > ds.spot_prices[("NO1", "2025-07")]


@pytest.mark.parametrize("profile_id", PROFILE_IDS)
def test_advance_amounts_for_advance_profiles(profile_id: str) -> None:
    profile = load_profile(profile_id)
    ds = dataset(profile_id)
    if profile.billing_mode != BillingMode.ADVANCE_YEARLY:
        assert ds.advance_amounts == {}
        return
    assert set(ds.advance_amounts) == {c.number for c in ds.customers}
    for amount in ds.advance_amounts.values():
        assert amount == amount.to_integral_value() and amount.as_tuple().exponent == 0
        assert amount > 0
    households = [ds.advance_amounts[c.number] for c in ds.customers if c.org_number is None]
    median = sorted(households)[len(households) // 2]
    assert Decimal(60) < median < Decimal(450)


# --- types ---------------------------------------------------------------------------


def _walk(value: object, path: str) -> None:
    assert not isinstance(value, float), path
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            _walk(getattr(value, name), f"{path}.{name}")
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for fld in dataclasses.fields(value):
            _walk(getattr(value, fld.name), f"{path}.{fld.name}")
    elif isinstance(value, dict):
        for key, item in value.items():
            _walk(key, f"{path}[key]")
            _walk(item, f"{path}[{key!r}]")
    elif isinstance(value, (list, tuple, set, frozenset)):
        for i, item in enumerate(value):
            _walk(item, f"{path}[{i}]")


@pytest.mark.parametrize("profile_id", PROFILE_IDS)
def test_no_float_anywhere(profile_id: str) -> None:
    ds = dataset(profile_id)
    _walk(ds, "dataset")
    assert all(isinstance(r.quantity, Decimal) for r in ds.daily)
