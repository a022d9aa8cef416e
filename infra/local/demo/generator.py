"""The demo data generator behind ``infra.local.demo.generate``.

How the data hangs together (what tests and the loader may rely on):

* The window is ``[start, today)`` with ``start = today - months`` (same day
  of month, clamped). Daily consumption exists for every day a meter was
  installed in the window; nothing before ``start``.
* Consumption of a day ``d`` is what the register counted from ``d`` 00:00 to
  ``d + 1`` 00:00. A reading on ``d`` is the register at ``d`` 00:00, so the
  reading on the 1st of a month equals the previous reading plus the daily
  quantities in between, floored to the meter's decimals.
* Meters installed before the window already count: their register at
  ``start`` is ``start_value`` plus what they counted before the window.
* Heat meters of two customers in three (every ``index % 3 != 2``, the
  canonical customer among them) also have a volume register (m3): the water
  that circulated, the daily ``volume_m3`` summed; their readings carry its
  value too. Chosen without the random generator, so nothing else changes.
* In Sweden about a third of the offices and shops (business customers that
  are companies, not housing co-operatives) also take district cooling: a
  cooling meter (MWh) whose days follow the cooling degree days. Planned with
  random generators of their own after everything else, so adding them
  changed nothing else.
* Some days are marked estimated or corrected (about one in two hundred, one in
  three hundred), and heat days carry supply temperature and highest flow.
* One heat meter is replaced inside the window: the old meter has
  ``removed_on = X`` and a final reading on X, the new meter ``installed_on = X``
  with its own ``start_value`` and a first reading on X (both by staff).
"""

from __future__ import annotations

import calendar
import math
import random
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from heatportal.domain.climate import (
    DEFAULT_BASE,
    DEFAULT_COOLING_BASE,
    daily_temperature_series,
    normal_yearly_cooling_degree_days,
    normal_yearly_degree_days,
)
from heatportal.domain.model import (
    Address,
    Customer,
    DailyConsumption,
    Facility,
    Language,
    Meter,
    MeterKind,
    Reading,
    ReadingSource,
    Register,
    RegisterName,
    Role,
)
from heatportal.domain.money import EnergyUnit, convert
from heatportal.domain.profile import (
    BillingMode,
    EnergyPrice,
    FixedFee,
    SpotEnergyPrice,
    UtilityProfile,
    VolumePrice,
)
from infra.local.demo.countries import (
    COUNTRIES,
    Area,
    Country,
    ascii_slug,
    house_number,
    org_number,
    phone_number,
    postcode,
    weighted_choice,
)
from infra.local.demo.spot import no1_monthly_price, spot_months

DEMO_PASSWORD = "heatportal-demo-1"  # noqa: S105 - printed for people to log in to the demo
"""The one password of every demo login (Cognito policy: lower case and digits)."""

# Heat meter unit and decimals per country (seed portals): NO kWh, NL GJ, DE/SE MWh.
_HEAT_UNIT: dict[str, EnergyUnit] = {
    "NO": EnergyUnit.KWH,
    "NL": EnergyUnit.GJ,
    "DE": EnergyUnit.MWH,
    "SE": EnergyUnit.MWH,
}
_DECIMALS: dict[EnergyUnit, int] = {
    EnergyUnit.KWH: 0,
    EnergyUnit.MWH: 3,
    EnergyUnit.GJ: 3,
    EnergyUnit.M3: 3,
}
_KWH_PER_UNIT: dict[EnergyUnit, float] = {
    EnergyUnit.KWH: 1.0,
    EnergyUnit.MWH: 1000.0,
    EnergyUnit.GJ: 1000.0 / 3.6,
}
_EMAIL_DOMAINS = ("example.com", "example.com", "example.net", "example.org")
_WATER_HEAT_CAPACITY = 1.163  # kWh per m3 and kelvin
_HOT_WATER_SHARE = 0.3


@dataclass(frozen=True)
class DemoUser:
    """A demo login: the loader creates the Cognito user and its memberships."""

    email: str
    password: str
    name: str
    memberships: list[tuple[str, Role]]
    staff: bool = False
    # A management company this login belongs to (seed 004): (organisation number, name),
    # as its administrator or one of its managers (org_role).
    organisation: tuple[str, str] | None = None
    org_role: str = "admin"


@dataclass(frozen=True)
class PortfolioGrant:
    """A customer's grant to the demo property management company."""

    customer_number: str
    facilities: tuple[str, ...] | None  # None: every facility (the company registered the customer itself)
    role: Role


@dataclass(frozen=True)
class PortfolioDemo:
    """A property management company with many facilities (seed 004): its
    customers (housing co-operatives, property companies, an office owner),
    their facilities, meters, days and readings, its grants and two logins."""

    org_number: str
    org_name: str
    admin: DemoUser
    manager: DemoUser
    customers: list[Customer]
    pins: dict[str, str]
    facilities: list[Facility]
    meters: list[Meter]
    daily: list[DailyConsumption]
    readings: list[Reading]
    grants: list[PortfolioGrant]

    @property
    def granted_facilities(self) -> int:
        """The facilities the company's people see."""
        total = 0
        for grant in self.grants:
            owned = [f for f in self.facilities if f.customer_number == grant.customer_number]
            total += len(owned) if grant.facilities is None else len(grant.facilities)
        return total


PORTFOLIO_FACILITIES = 222
# The Swedish demo company's customers: (name, facilities, takes cooling, facilities granted or None for all).
PORTFOLIO_OWNERS: tuple[tuple[str, int, bool, int | None], ...] = (
    ("Brf Ugglan", 20, False, None),
    ("Brf Kvarnen", 24, False, None),
    ("Fastighets AB Söderport", 32, True, None),
    ("Stiftelsen Hemgården", 28, False, None),
    ("Brf Sjöutsikten", 18, False, None),
    ("AB Stadsfastigheter i Solna", 36, True, None),
    ("Brf Linden", 22, False, None),
    ("Fastighets AB Norrtull", 26, True, 14),
    ("Kontorshuset Kista AB", 16, True, 8),
)


@dataclass(frozen=True)
class DemoDataset:
    customers: list[Customer]
    # Customer number -> 6-digit PIN in plain text (the PIN letter); the loader hashes it.
    pins: dict[str, str]
    facilities: list[Facility]
    meters: list[Meter]
    daily: list[DailyConsumption]
    readings: list[Reading]
    # (zone, "YYYY-MM") -> monthly average spot price per kWh, profile currency, excl. VAT.
    spot_prices: dict[tuple[str, str], Decimal]
    users: list[DemoUser]
    # Customer number -> monthly advance incl. VAT, whole currency units (advance_yearly only).
    advance_amounts: dict[str, Decimal]
    # Daily mean outdoor temperature of the profile's climate station for every window day.
    temperatures: dict[date, Decimal]
    profile_id: str
    today: date
    start: date
    # A property management company with many facilities (Sweden; None elsewhere).
    portfolio: PortfolioDemo | None = None


# --- internal plan ----------------------------------------------------------


@dataclass
class _Person:
    first: str
    last: str

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


@dataclass
class _Cust:
    index: int
    number: str
    business: bool
    name: str
    person: _Person | None
    email: str | None
    phone: str | None
    language: Language
    address: Address
    org: str | None
    channel: ReadingSource
    stem: str = ""
    facilities: list[_Fac] = field(default_factory=list)


@dataclass
class _Fac:
    facility: Facility
    business: bool
    annual_kwh: float
    base_share: float
    return_base: float
    hot_water_m3_day: float | None
    installed_on: date | None = None  # inside the window for a new connection
    cooling_kwh: float | None = None  # yearly district cooling (offices and shops in Sweden)
    cooling_return: float = 15.5  # where its cooling water comes back, °C
    meters: list[Meter] = field(default_factory=list)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _volume_register(start: Decimal) -> tuple[Register, ...]:
    places = _DECIMALS[EnergyUnit.M3]
    return (
        Register(
            name=RegisterName.VOLUME, unit=EnergyUnit.M3, decimals=places, start_value=start.quantize(_quantum(places))
        ),
    )


def _quantum(places: int) -> Decimal:
    return Decimal(1).scaleb(-places)


def _dec(value: float, places: int) -> Decimal:
    result = Decimal(f"{value:.{places}f}")
    return result if result != 0 else Decimal(0).quantize(_quantum(places))


def _clamp(value: float, low: float, high: float) -> float:
    return low if value < low else high if value > high else value


class _Generator:
    def __init__(self, profile: UtilityProfile, customers: int, today: date, months: int, seed: int) -> None:
        if profile.country not in COUNTRIES:
            raise ValueError(f"no demo data for country {profile.country}")
        if customers < 12:
            raise ValueError("demo data needs at least 12 customers")
        if months < 3:
            raise ValueError("demo data needs at least 3 months")
        self.profile = profile
        self.country: Country = COUNTRIES[profile.country]
        self.n = customers
        self.today = today
        self.months = months
        self.seed = seed
        self.start = _add_months(today, -months)
        self.tz = ZoneInfo(profile.timezone)
        self.days = [self.start + timedelta(days=i) for i in range((today - self.start).days)]
        self.temperatures = daily_temperature_series(profile.climate_station, self.start, today, seed)
        self.temps_f = {d: float(t) for d, t in self.temperatures.items()}
        self.yearly_hdd = float(normal_yearly_degree_days(profile.climate_station))
        self.heat_unit = _HEAT_UNIT[profile.country]
        self.emails: set[str] = set()
        self.meter_numbers: set[str] = set()
        self.facility_seq = 0
        self.staff_email = "kundeservice.demo@example.org"
        self.emails.add(self.staff_email)
        self.with_portfolio = False
        self.portfolio_facilities = 0

    def rng(self, label: str) -> random.Random:
        return random.Random(f"heatportal-demo/{self.profile.id}/{self.seed}/{label}")

    # --- people and addresses ----------------------------------------------

    def email_for(self, first: str, last: str, rng: random.Random, domain: str | None = None) -> str:
        local = f"{ascii_slug(first, self.country.code)}.{ascii_slug(last, self.country.code)}"
        domain = domain or rng.choice(_EMAIL_DOMAINS)
        candidate = f"{local}@{domain}"
        suffix = 2
        while candidate in self.emails:
            candidate = f"{local}{suffix}@{domain}"
            suffix += 1
        self.emails.add(candidate)
        return candidate

    def area(self, rng: random.Random) -> Area:
        areas = self.country.areas
        return rng.choices(areas, weights=[a.weight for a in areas], k=1)[0]

    def address(self, rng: random.Random, *, flat: bool) -> Address:
        area = self.area(rng)
        street = f"{rng.choice(area.streets)} {house_number(self.country.code, rng, flat=flat)}"
        return Address(
            street=street,
            postcode=postcode(area, self.country.code, rng),
            city=area.city,
            country=self.country.code,
        )

    def customer_numbers(self) -> list[str]:
        rng = self.rng("numbers")
        code = self.country.code
        if code == "NL":
            seen: set[int] = set()
            numbers: list[str] = []
            while len(numbers) < self.n:
                value = rng.randrange(10**10, 10**11)
                if value not in seen:
                    seen.add(value)
                    numbers.append(str(value))
            return numbers
        first, last, render = {
            "NO": (100_001, 999_999, lambda k: f"{k:06d}"),
            "SE": (2_100_001, 9_999_999, lambda k: f"{k:07d}"),
            "DE": (10_001, 9_999_999, lambda k: f"{k:07d}/1"),
        }[code]
        gap = max(1, min(37, (last - first) // self.n))
        numbers, current = [], first
        for _ in range(self.n):
            numbers.append(render(current))
            current += rng.randint(1, gap)
        return numbers

    # --- customers and facilities ------------------------------------------

    def plan(self) -> None:
        rng = self.rng("plan")
        n = self.n
        country = self.country
        others = list(range(1, n))
        business_count = min(n - 9, max(3, round(n * float(country.business_share))))
        self.business_idx = sorted(rng.sample(others, business_count))
        households = [i for i in others if i not in set(self.business_idx)]
        picked = rng.sample(households, 8)
        self.linked_pair = (min(picked[:2]), max(picked[:2]))
        self.household_admins = picked[2:7]
        self.new_connection = picked[7]
        self.replaced_idx = self.household_admins[1]
        rest = [i for i in others if i not in (*self.linked_pair, self.new_connection, *self.household_admins)]
        # Readings missing (about 10 %) and read late (about 5 %); one of each is a demo login.
        missing_count = max(2, round(n * 0.1))
        self.missing_idx = sorted([self.household_admins[2], *rng.sample(rest, missing_count - 1)])
        late_pool = [i for i in rest if i not in self.missing_idx]
        self.late_idx = sorted([self.household_admins[3], *rng.sample(late_pool, max(1, round(n * 0.05)) - 1)])
        english_count = max(1, round(n * 0.07))
        self.english_idx = sorted([self.household_admins[4], *rng.sample(others, english_count - 1)])
        self.business_users_idx = self.business_idx[:3]

        numbers = self.customer_numbers()
        pattern = re.compile(self.profile.customer_number_pattern)
        people_rng = self.rng("people")
        self.customers: list[_Cust] = []
        stems = list(country.company_stems)
        people_rng.shuffle(stems)
        company_names: list[tuple[str, str]] = []
        used: set[str] = set()
        while len(company_names) < business_count:
            stem = stems[len(company_names) % len(stems)]
            name = people_rng.choice(country.company_forms).format(stem)
            if name in used:
                name = f"{name} {len(company_names) + 1}"
            used.add(name)
            company_names.append((name, stem))
        business_names = dict(zip(self.business_idx, company_names, strict=True))

        email: str | None
        phone: str | None
        for index in range(n):
            number = numbers[index]
            if not pattern.match(number):
                raise ValueError(f"generated customer number {number} does not match the profile")
            language: Language = self.profile.default_language
            if index in self.english_idx and "en" in self.profile.languages:
                language = "en"
            elif index == rest[-1] and country.code == "NL" and "de" in self.profile.languages:
                language = "de"
            if index in business_names:
                name, stem = business_names[index]
                address = self.address(people_rng, flat=False)
                email = f"{country.company_mail_prefix}.{ascii_slug(stem, country.code, '-')}@example.org"
                self.emails.add(email)
                cust = _Cust(
                    index=index,
                    number=number,
                    business=True,
                    name=name,
                    person=None,
                    email=email,
                    phone=phone_number(country.code, people_rng, mobile=False),
                    language=language,
                    address=address,
                    org=org_number(country.code, name, people_rng),
                    channel=ReadingSource.IMPORT if people_rng.random() < 0.9 else ReadingSource.PORTAL,
                    stem=stem,
                )
            else:
                if index == 0:
                    person = _Person(*country.canonical_person)
                elif index == self.linked_pair[1]:
                    person = self.customers[self.linked_pair[0]].person  # type: ignore[assignment]
                else:
                    person = _Person(people_rng.choice(country.first_names), people_rng.choice(country.last_names))
                assert person is not None
                channel = ReadingSource.PORTAL if index == 0 else weighted_choice(people_rng, country.reading_channels)
                if index == self.linked_pair[1]:
                    first = self.customers[self.linked_pair[0]]
                    email, phone, address, channel = first.email, first.phone, first.address, first.channel
                else:
                    no_email = channel == ReadingSource.SMS and index not in self.household_admins
                    no_email = no_email and index not in self.linked_pair and people_rng.random() < 0.3
                    domain = "example.com" if index == 0 else None
                    email = None if no_email else self.email_for(person.first, person.last, people_rng, domain)
                    phone = phone_number(country.code, people_rng)
                    address = self.address(people_rng, flat=people_rng.random() < 0.5)
                cust = _Cust(
                    index=index,
                    number=number,
                    business=False,
                    name=person.name,
                    person=person,
                    email=email,
                    phone=phone,
                    language=language,
                    address=address,
                    org=None,
                    channel=channel,
                )
            self.customers.append(cust)
            self.plan_facilities(cust)

    def next_facility_id(self) -> str:
        self.facility_seq += 1
        return f"F{self.facility_seq:05d}"

    def plan_facilities(self, cust: _Cust) -> None:
        rng = self.rng(f"facilities/{cust.number}")
        country = self.country
        if cust.business:
            multi = cust.index in self.business_users_idx[:1] or rng.random() < float(country.multi_facility_share)
            count = rng.randint(2, 6) if multi else 1
            blocks = list(country.property_blocks)
            if country.code == "SE":
                rng.shuffle(blocks)
            numbers = sorted(rng.sample(range(1, 40), count))
            low, high = country.building_kwh
            for i in range(count):
                address = cust.address if i == 0 else self.address(rng, flat=False)
                if country.code == "SE":
                    name = f"{blocks[i % len(blocks)]} {numbers[i]}"
                else:
                    name = f"{cust.stem} {blocks[i % len(blocks)]}"
                annual = math.exp(rng.uniform(math.log(low), math.log(high)))
                apartments = max(4, round(annual / 12_000))
                hot_water = (
                    apartments * rng.uniform(0.10, 0.16)
                    if country.code == "NL" or rng.random() < _HOT_WATER_SHARE
                    else None
                )
                self.add_facility(cust, name, address, annual, rng, business=True, hot_water=hot_water)
            return
        flat = cust.index != 0 and rng.random() < (0.6 if country.code == "NL" else 0.5)
        flat_low, flat_high, house_low, house_high = country.household_kwh
        annual = rng.uniform(flat_low, flat_high) if flat else rng.uniform(house_low, house_high)
        address = cust.address
        if cust.index == self.linked_pair[1]:
            address = self.address(rng, flat=True)  # the person's second home, billed to the first
        hot_water = (
            rng.uniform(0.1, 0.3)
            if cust.index == 0 or country.code == "NL" or rng.random() < _HOT_WATER_SHARE
            else None
        )
        fac = self.add_facility(cust, address.street, address, annual, rng, business=False, hot_water=hot_water)
        if cust.index == self.new_connection:
            latest = max(1, min(9, self.months - 2))
            back = rng.randint(min(4, latest), latest)
            first_of_month = date(self.today.year, self.today.month, 1)
            fac.installed_on = _add_months(first_of_month, -back)

    def add_facility(
        self,
        cust: _Cust,
        name: str,
        address: Address,
        annual: float,
        rng: random.Random,
        *,
        business: bool,
        hot_water: float | None,
    ) -> _Fac:
        badly_tuned = rng.random() < 0.15
        fac = _Fac(
            facility=Facility(id=self.next_facility_id(), customer_number=cust.number, name=name, address=address),
            business=business,
            annual_kwh=annual,
            base_share=rng.uniform(0.12, 0.2) if business else rng.uniform(0.18, 0.3),
            return_base=rng.uniform(40.0, 44.0) if badly_tuned else rng.uniform(31.0, 36.0),
            hot_water_m3_day=hot_water,
        )
        cust.facilities.append(fac)
        return fac

    # --- meters -------------------------------------------------------------

    def meter_number(self, rng: random.Random) -> str:
        while True:
            number = str(rng.randint(10_000_000, 99_999_999))
            if number not in self.meter_numbers:
                self.meter_numbers.add(number)
                return number

    def plan_meters(self) -> None:
        rng = self.rng("meters")
        self.replacement_day: date | None = None
        for cust in self.customers:
            for fac in cust.facilities:
                installed = fac.installed_on or self.start - timedelta(days=rng.randint(180, 12 * 365))
                kinds = [(MeterKind.HEAT, self.heat_unit)]
                if fac.hot_water_m3_day is not None:
                    kinds.append((MeterKind.HOT_WATER, EnergyUnit.M3))
                for kind, unit in kinds:
                    meter = Meter(
                        number=self.meter_number(rng),
                        customer_number=cust.number,
                        facility_id=fac.facility.id,
                        kind=kind,
                        unit=unit,
                        decimals=_DECIMALS[unit],
                        installed_on=installed,
                        start_value=Decimal(0).quantize(_quantum(_DECIMALS[unit])),
                        registers=_volume_register(Decimal(0))
                        if kind == MeterKind.HEAT and cust.index % 3 != 2
                        else (),
                    )
                    fac.meters.append(meter)
        # One heat meter is replaced in the middle of the window.
        cust = self.customers[self.replaced_idx]
        fac = cust.facilities[0]
        old = fac.meters[0]
        middle = _add_months(self.start, self.months // 2)
        day = date(middle.year, middle.month, rng.randint(10, 20))
        self.replacement_day = day
        places = _DECIMALS[old.unit]
        new = Meter(
            number=self.meter_number(rng),
            customer_number=old.customer_number,
            facility_id=old.facility_id,
            kind=old.kind,
            unit=old.unit,
            decimals=old.decimals,
            installed_on=day,
            start_value=(Decimal(rng.randint(1, 15)) * _quantum(places)).quantize(_quantum(places)),
            # A new meter's volume register starts at its own value too (factory test water).
            registers=_volume_register(Decimal("0.4")) if old.registers else (),
        )
        fac.meters[0] = old.model_copy(update={"removed_on": day})
        fac.meters.insert(1, new)

    # --- daily consumption -------------------------------------------------

    def holidays(self, rng: random.Random) -> set[date]:
        away: set[date] = set()
        nordic = self.country.code in ("NO", "SE")
        for year in range(self.start.year, self.today.year + 1):
            first = date(year, 7, 1) if nordic else date(year, 7, 10)
            begin = first + timedelta(days=rng.randint(0, 25))
            length = rng.randint(14, 21)
            away.update(begin + timedelta(days=i) for i in range(length))
        return away

    def facility_days(self, cust: _Cust, fac: _Fac) -> tuple[list[tuple], list[tuple]]:
        """Daily heat and hot water rows of a facility, before they are given to meters.

        Heat rows: (day, quantity, outdoor temp, peak kW, return temp, volume m3);
        hot water rows: (day, m3, outdoor temp, None, None, None).
        """
        rng = self.rng(f"daily/{fac.facility.id}")
        away = set() if fac.business else self.holidays(rng)
        base_kwh = fac.annual_kwh * fac.base_share / 365.0
        factor = fac.annual_kwh * (1.0 - fac.base_share) / self.yearly_hdd
        unit_kwh = _KWH_PER_UNIT[self.heat_unit]
        q_places = _DECIMALS[self.heat_unit] + 1
        m3_places = _DECIMALS[EnergyUnit.M3] + 1
        base_temp = float(DEFAULT_BASE)
        # Offices and shops (not housing) use less heat at weekends.
        offices = fac.business and (" AS" in cust.name or "GmbH" in cust.name or cust.name.endswith(" BV"))
        first_day = fac.installed_on or self.start
        heat: list[tuple] = []
        water: list[tuple] = []
        gauss, uniform = rng.gauss, rng.uniform
        hot_water = fac.hot_water_m3_day
        for day in self.days:
            if day < first_day:
                continue
            temp_f = self.temps_f[day]
            hdd = base_temp - temp_f if temp_f < base_temp else 0.0
            base = base_kwh * (1.0 + gauss(0.0, 0.08))
            if day in away:
                base *= 0.35
            space = factor * hdd * (1.0 + gauss(0.0, 0.05))
            weekend = day.weekday() >= 5
            if offices and weekend:
                space *= 0.85
            kwh = base + space
            kwh = max(kwh, 0.0)
            share_base = base / kwh if kwh > 0 else 1.0
            ret = _clamp(fac.return_base + 7.0 * share_base + gauss(0.0, 0.7), 30.0, 50.0)
            delta_t = 44.0 - 12.0 * share_base - max(0.0, fac.return_base - 36.0) * 0.8 + gauss(0.0, 0.8)
            delta_t = _clamp(delta_t, 30.0, 45.0)
            temp = self.temperatures[day]
            heat.append(
                (
                    day,
                    _dec(kwh / unit_kwh, q_places),
                    temp,
                    _dec(kwh / 24.0 * uniform(1.3, 1.6), 2),
                    _dec(ret, 1),
                    _dec(kwh / (_WATER_HEAT_CAPACITY * delta_t), 3),
                )
            )
            if hot_water is not None:
                season = 1.0 + 0.08 * math.cos(2 * math.pi * (day.timetuple().tm_yday - 15) / 365.0)
                m3 = hot_water * season * (1.0 + gauss(0.0, 0.12))
                if weekend and not fac.business:
                    m3 *= 1.1
                if day in away:
                    m3 *= 0.15
                water.append((day, _dec(m3 if m3 > 0.0 else 0.0, m3_places), temp, None, None, None))
        return heat, water

    def build_daily(self, customers: list[_Cust] | None = None) -> dict[str, list[DailyConsumption]]:
        by_meter: dict[str, list[DailyConsumption]] = {}
        for cust in self.customers if customers is None else customers:
            for fac in cust.facilities:
                heat, water = self.facility_days(cust, fac)
                cooling = self.cooling_days(fac) if fac.cooling_kwh else []
                for meter in fac.meters:
                    series = {MeterKind.HEAT: heat, MeterKind.COOLING: cooling}.get(meter.kind, water)
                    begin = max(meter.installed_on, self.start)
                    end = meter.removed_on or self.today
                    by_meter[meter.number] = self.days_of(meter, [row for row in series if begin <= row[0] < end])
        return by_meter

    def days_of(self, meter: Meter, series: list[tuple]) -> list[DailyConsumption]:
        """A meter's days from the facility's rows: supply temperature and highest
        hourly flow follow from energy, volume and return temperature, and a few
        days are marked estimated or corrected (a generator of its own)."""
        rng = self.rng(f"quality/{meter.number}")
        per_unit = _KWH_PER_UNIT.get(meter.unit, 0.0)
        cooling = meter.kind == MeterKind.COOLING
        rows = []
        for day, quantity, temp, peak, ret, volume in series:
            draw = rng.random()
            supply = flow = None
            if volume and ret is not None and quantity > 0:
                delta = float(quantity) * per_unit / (_WATER_HEAT_CAPACITY * float(volume))
                supply = _dec(float(ret) + (-delta if cooling else delta), 1)
                flow = _dec(float(volume) / 24.0 * (1.7 if cooling else 1.5), 3)
            rows.append(
                # The generator's own values, each of its field's type: built
                # without validation (which was a quarter of the generation).
                DailyConsumption.model_construct(
                    meter_number=meter.number,
                    day=day,
                    quantity=quantity,
                    mean_outdoor_temp=temp,
                    peak_load_kw=peak,
                    mean_return_temp=ret,
                    volume_m3=volume,
                    mean_supply_temp=supply,
                    max_flow_m3h=flow,
                    quality="estimated" if draw < 0.005 else "corrected" if draw < 0.008 else "measured",
                )
            )
        return rows

    def cooling_days(self, fac: _Fac) -> list[tuple]:
        """Daily district cooling of a facility: a base (server rooms, shops'
        refrigeration) and a part that follows the cooling degree days;
        returned in the shape of heat rows (cooling water back at 14-17 °C)."""
        rng = self.rng(f"cooling-daily/{fac.facility.id}")
        assert fac.cooling_kwh is not None
        yearly_cdd = max(float(normal_yearly_cooling_degree_days(self.profile.climate_station)), 1.0)
        base_kwh = fac.cooling_kwh * 0.3 / 365.0
        factor = fac.cooling_kwh * 0.7 / yearly_cdd
        unit_kwh = _KWH_PER_UNIT[self.heat_unit]
        places = _DECIMALS[self.heat_unit] + 1
        first_day = fac.installed_on or self.start
        rows: list[tuple] = []
        for day in self.days:
            if day < first_day:
                continue
            temp = self.temperatures[day]
            cdd = max(self.temps_f[day] - float(DEFAULT_COOLING_BASE), 0.0)
            base = base_kwh * (1.0 + rng.gauss(0.0, 0.08))
            if day.weekday() >= 5:
                base *= 0.8
            kwh = max(base + factor * cdd * (1.0 + rng.gauss(0.0, 0.06)), 0.0)
            ret = _clamp(fac.cooling_return + 0.12 * cdd + rng.gauss(0.0, 0.4), 11.0, 19.0)
            delta_t = _clamp(ret - 6.0 + rng.gauss(0.0, 0.3), 4.0, 13.0)
            rows.append(
                (
                    day,
                    _dec(kwh / unit_kwh, places),
                    temp,
                    _dec(kwh / 24.0 * rng.uniform(1.4, 1.9), 2),
                    _dec(ret, 1),
                    _dec(kwh / (_WATER_HEAT_CAPACITY * delta_t), 3),
                )
            )
        return rows

    # --- readings -----------------------------------------------------------

    def registers(
        self, meter: Meter, fac: _Fac, rows: list[DailyConsumption], rng: random.Random
    ) -> dict[date, Decimal]:
        """Register value at 00:00 of every day from the first data day to the day after the last."""
        places = meter.decimals + 1
        if meter.installed_on >= self.start:
            value = meter.start_value
        else:
            # What the meter counted between installation and the window.
            years = (self.start - meter.installed_on).days / 365.0
            if meter.kind == MeterKind.HEAT:
                before = fac.annual_kwh * years * rng.uniform(0.9, 1.1) / _KWH_PER_UNIT[meter.unit]
            else:
                before = (fac.hot_water_m3_day or 0.0) * 365.0 * years * rng.uniform(0.9, 1.1)
            value = meter.start_value + _dec(before, places)
        registers: dict[date, Decimal] = {}
        first = max(meter.installed_on, self.start)
        registers[first] = value
        for row in rows:
            value += row.quantity
            registers[row.day + timedelta(days=1)] = value
        return registers

    def recorded_at(self, read_on: date, source: ReadingSource, rng: random.Random) -> datetime:
        midnight = datetime.combine(read_on, time(0, 0), tzinfo=self.tz)
        if source == ReadingSource.IMPORT:
            local = midnight + timedelta(hours=3, minutes=rng.randint(0, 90))
        elif source == ReadingSource.STAFF:
            local = midnight + timedelta(hours=rng.randint(9, 14), minutes=rng.randint(0, 59))
        else:
            local = midnight + timedelta(minutes=rng.randint(7 * 60, 40 * 60))
        cap = datetime.combine(self.today, time(6, 0), tzinfo=self.tz)
        if local > cap:
            local = max(midnight + timedelta(minutes=5), cap - timedelta(minutes=rng.randint(0, 60)))
        return local.astimezone(UTC).replace(microsecond=0)

    def build_readings(self, by_meter: dict[str, list[DailyConsumption]]) -> list[Reading]:
        rng = self.rng("readings")
        readings: list[Reading] = []
        sources = [s for s, _ in self.country.reading_channels]
        for cust in self.customers:
            dropped: set[date] = set()
            moved: dict[date, date] = {}
            firsts = [d for d in (*self.days, self.today) if d.day == 1]
            if cust.index in self.missing_idx and len(firsts) > 2:
                dropped = set(rng.sample(firsts[1:], rng.randint(1, min(3, len(firsts) - 1))))
            if cust.index in self.late_idx and len(firsts) > 3:
                for first in rng.sample(firsts[1:-1], rng.randint(1, 2)):
                    moved[first] = first + timedelta(days=rng.randint(1, 5))
            for fac in cust.facilities:
                for meter in fac.meters:
                    if meter.kind == MeterKind.COOLING:
                        continue  # read by the smart-meter collection (monthly_readings)
                    rows = by_meter[meter.number]
                    registers = self.registers(meter, fac, rows, rng)
                    volumes = self.volumes(meter, registers, rows)
                    begin = max(meter.installed_on, self.start)
                    end = meter.removed_on or self.today
                    dates: list[tuple[date, ReadingSource]] = []
                    if meter.installed_on >= self.start:
                        dates.append((meter.installed_on, ReadingSource.STAFF))
                    for first in firsts:
                        if not begin <= first <= end or first in dropped:
                            continue
                        if first in (meter.installed_on, meter.removed_on):
                            continue
                        read_on = moved.get(first, first)
                        if read_on >= end and read_on != first:
                            read_on = first
                        keep = cust.index == 0 or rng.random() < 0.85
                        source = cust.channel if keep else rng.choice(sources)
                        dates.append((read_on, source))
                    if meter.removed_on is not None:
                        dates.append((meter.removed_on, ReadingSource.STAFF))
                    quantum = _quantum(meter.decimals)
                    for read_on, source in sorted(dates):
                        if read_on not in registers:
                            continue
                        if source == ReadingSource.SMS:
                            by = cust.phone
                        elif source in (ReadingSource.PORTAL, ReadingSource.LINK):
                            by = cust.email
                        elif source == ReadingSource.STAFF:
                            by = self.staff_email
                        else:
                            by = None
                        readings.append(
                            Reading(
                                meter_number=meter.number,
                                read_on=read_on,
                                value=registers[read_on].quantize(quantum, rounding=ROUND_FLOOR),
                                source=source,
                                recorded_at=self.recorded_at(read_on, source, rng),
                                recorded_by=by,
                                registers={
                                    r.name.value: volumes[read_on].quantize(_quantum(r.decimals), rounding=ROUND_FLOOR)
                                    for r in meter.registers
                                    if read_on in volumes
                                },
                            )
                        )
        return readings

    def monthly_readings(self, meter: Meter, fac: _Fac, rows: list[DailyConsumption], label: str) -> list[Reading]:
        """A remotely read meter's readings: on every 1st of the window, by the
        smart-meter collection (a generator of its own per meter)."""
        rng = self.rng(f"{label}/{meter.number}")
        registers = self.registers(meter, fac, rows, rng)
        volumes = self.volumes(meter, registers, rows)
        quantum = _quantum(meter.decimals)
        begin = max(meter.installed_on, self.start)
        end = meter.removed_on or self.today
        return [
            Reading(
                meter_number=meter.number,
                read_on=day,
                value=registers[day].quantize(quantum, rounding=ROUND_FLOOR),
                source=ReadingSource.IMPORT,
                recorded_at=self.recorded_at(day, ReadingSource.IMPORT, rng),
                registers={
                    r.name.value: volumes[day].quantize(_quantum(r.decimals), rounding=ROUND_FLOOR)
                    for r in meter.registers
                    if day in volumes
                },
            )
            for day in (*self.days, self.today)
            if day.day == 1 and begin <= day <= end and day in registers
        ]

    def plan_cooling(self) -> None:
        """District cooling for some Swedish offices and shops, and its meters
        (generators of their own: the rest of the data stays as it was)."""
        if self.country.code != "SE":
            return
        rng = self.rng("cooling-meters")
        for cust in self.customers:
            if not cust.business or cust.name.startswith("Brf"):
                continue
            for fac in cust.facilities:
                self.add_cooling(fac, rng, self.rng(f"cooling/{fac.facility.id}").random() < 0.35)

    def add_cooling(self, fac: _Fac, rng: random.Random, wanted: bool) -> None:
        if not wanted:
            return
        plan = self.rng(f"cooling-plan/{fac.facility.id}")
        fac.cooling_kwh = fac.annual_kwh * plan.uniform(0.2, 0.55)
        # One building in five has a cooling system that sends its water back too cold.
        fac.cooling_return = plan.uniform(12.5, 13.5) if plan.random() < 0.2 else plan.uniform(15.0, 16.5)
        heat = next(m for m in fac.meters if m.kind == MeterKind.HEAT)
        fac.meters.append(
            Meter(
                number=self.meter_number(rng),
                customer_number=heat.customer_number,
                facility_id=fac.facility.id,
                kind=MeterKind.COOLING,
                unit=self.heat_unit,
                decimals=_DECIMALS[self.heat_unit],
                installed_on=heat.installed_on,
                start_value=Decimal(0).quantize(_quantum(_DECIMALS[self.heat_unit])),
                registers=_volume_register(Decimal(0)),
            )
        )

    def volumes(
        self, meter: Meter, registers: dict[date, Decimal], rows: list[DailyConsumption]
    ) -> dict[date, Decimal]:
        """The volume register at 00:00 of every day, like ``registers`` for energy:
        what circulated before the window follows from the energy counted then
        (at a typical 35 K between supply and return), then the daily volumes."""
        volume = meter.register(RegisterName.VOLUME.value)
        if volume is None or not registers:
            return {}
        first = min(registers)
        before_kwh = float(registers[first] - meter.start_value) * _KWH_PER_UNIT[meter.unit]
        value = volume.start_value + _dec(before_kwh / (_WATER_HEAT_CAPACITY * 35.0), volume.decimals + 1)
        values = {first: value}
        for row in rows:
            value += row.volume_m3 or Decimal(0)
            values[row.day + timedelta(days=1)] = value
        return values

    # --- users -------------------------------------------------------------

    def build_users(self) -> list[DemoUser]:
        rng = self.rng("users")
        country = self.country
        canonical = self.customers[0]
        assert canonical.person is not None
        assert canonical.email is not None
        users = [DemoUser(canonical.email, DEMO_PASSWORD, canonical.name, [(canonical.number, Role.ADMIN)])]
        firsts = [f for f in country.first_names if f != canonical.person.first]
        partner, relative = rng.sample(firsts, 2)
        for first, role in ((partner, Role.FULL), (relative, Role.READ)):
            email = self.email_for(first, canonical.person.last, rng)
            users.append(DemoUser(email, DEMO_PASSWORD, f"{first} {canonical.person.last}", [(canonical.number, role)]))
        for index in self.household_admins:
            cust = self.customers[index]
            assert cust.email is not None
            users.append(DemoUser(cust.email, DEMO_PASSWORD, cust.name, [(cust.number, Role.ADMIN)]))
        first_home, second_home = (self.customers[i] for i in self.linked_pair)
        assert first_home.email is not None
        users.append(
            DemoUser(
                first_home.email,
                DEMO_PASSWORD,
                first_home.name,
                [(first_home.number, Role.ADMIN), (second_home.number, Role.ADMIN)],
            )
        )
        companies = [self.customers[i] for i in self.business_users_idx]
        person = _Person(rng.choice(country.first_names), rng.choice(country.last_names))
        users.append(
            DemoUser(
                self.email_for(person.first, person.last, rng, "example.com"),
                DEMO_PASSWORD,
                person.name,
                [(companies[0].number, Role.ADMIN)],
            )
        )
        manager = _Person(rng.choice(country.first_names), rng.choice(country.last_names))
        users.append(
            DemoUser(
                self.email_for(manager.first, manager.last, rng, "example.net"),
                DEMO_PASSWORD,
                manager.name,
                [(c.number, Role.FULL) for c in companies],
            )
        )
        company = self.company_admin()
        users.append(company)
        users.append(self.company_manager(company))
        staff = _Person(rng.choice(country.first_names), rng.choice(country.last_names))
        users.append(DemoUser(self.staff_email, DEMO_PASSWORD, staff.name, [], staff=True))
        return users

    def company_admin(self) -> DemoUser:
        """The administrator of a management company (seed 004); the loader
        registers the company and grants it some business customers."""
        rng = self.rng("company")
        person = _Person(rng.choice(self.country.first_names), rng.choice(self.country.last_names))
        suffix = {
            "NO": "Eiendomsforvaltning AS",
            "SE": "Fastighetsförvaltning AB",
            "NL": "Vastgoedbeheer B.V.",
            "DE": "Hausverwaltung GmbH",
        }.get(self.country.code, "Property Management")
        name = f"{rng.choice(self.country.last_names)} {suffix}"
        return DemoUser(
            self.email_for(person.first, person.last, rng, "example.org"),
            DEMO_PASSWORD,
            person.name,
            [],
            organisation=(org_number(self.country.code, name, rng), name),
        )

    def company_manager(self, admin: DemoUser) -> DemoUser:
        """A manager of the administrator's company, on every customer it manages."""
        rng = self.rng("company-manager")
        person = _Person(rng.choice(self.country.first_names), rng.choice(self.country.last_names))
        return DemoUser(
            self.email_for(person.first, person.last, rng, "example.org"),
            DEMO_PASSWORD,
            person.name,
            [],
            organisation=admin.organisation,
            org_role="manager",
        )

    # --- prices -------------------------------------------------------------

    def spot_prices(self) -> dict[tuple[str, str], Decimal]:
        zones = sorted(
            {c.zone for pl in self.profile.price_lists for c in pl.components if isinstance(c, SpotEnergyPrice)}
        )
        if not zones:
            return {}
        months = set(spot_months((2022, 1), (2022, 12)))
        months.update(spot_months((self.start.year, self.start.month), (self.today.year, self.today.month)))
        return {
            (zone, f"{year:04d}-{month:02d}"): no1_monthly_price(year, month)
            for zone in zones
            for year, month in sorted(months)
        }

    def advances(self, by_meter: dict[str, list[DailyConsumption]]) -> dict[str, Decimal]:
        profile = self.profile
        if profile.billing_mode != BillingMode.ADVANCE_YEARLY:
            return {}
        try:
            price_list = profile.price_list_on(self.today)
        except LookupError:
            price_list = min(profile.price_lists, key=lambda p: p.valid_from)
        vat = profile.vat_on(self.today)
        year_ago = self.today - timedelta(days=365)
        result: dict[str, Decimal] = {}
        for cust in self.customers:
            # (kind, unit, month) -> quantity; and the circulated volume of heat.
            quantities: dict[tuple[MeterKind, EnergyUnit, int], Decimal] = {}
            volume = {MeterKind.HEAT: Decimal(0), MeterKind.HOT_WATER: Decimal(0)}
            covered: set[date] = set()
            kinds: set[MeterKind] = set()
            for fac in cust.facilities:
                for meter in fac.meters:
                    kinds.add(meter.kind)
                    for row in by_meter[meter.number]:
                        if row.day < year_ago:
                            continue
                        key = (meter.kind, meter.unit, row.day.month)
                        quantities[key] = quantities.get(key, Decimal(0)) + row.quantity
                        if meter.kind == MeterKind.HEAT:
                            covered.add(row.day)
                            volume[MeterKind.HEAT] += row.volume_m3 or Decimal(0)
                        else:
                            volume[MeterKind.HOT_WATER] += row.quantity
            scale = Decimal(365) / Decimal(len(covered)) if covered else Decimal(1)
            net = Decimal(0)
            for component in price_list.components:
                if isinstance(component, FixedFee):
                    if component.applies_to is None or component.applies_to in kinds:
                        net += component.amount_per_year
                elif isinstance(component, EnergyPrice):
                    for (kind, unit, month), quantity in quantities.items():
                        if kind != component.applies_to or unit == EnergyUnit.M3:
                            continue
                        price = next(p.price for p in component.prices if month in p.months)
                        net += convert(quantity, unit, component.unit) * price * scale
                elif isinstance(component, VolumePrice) and component.applies_to in volume:
                    net += volume[component.applies_to] * component.price_per_m3 * scale
            # A VAT-inclusive list's prices are the gross already.
            gross = net if price_list.prices_include_vat else net * (1 + vat)
            result[cust.number] = (gross / 12).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return result

    # --- the property management company (seed 004) -----------------------------

    def portfolio_company(self) -> PortfolioDemo:
        """Customers whose facilities a property management company looks after,
        each with generators of its own (nothing else in the data changes)."""
        rng = self.rng("portfolio")
        code = self.country.code
        taken = {c.number for c in self.customers}
        number = 8_100_001
        owners: list[_Cust] = []
        grants: list[PortfolioGrant] = []
        scale = self.portfolio_facilities / sum(count for _, count, _, _ in PORTFOLIO_OWNERS)
        for name, full, offices, full_granted in PORTFOLIO_OWNERS:
            count = max(2, round(full * scale))
            granted = max(1, min(count - 1, round(full_granted * scale))) if full_granted else None
            number += rng.randint(3, 40)
            while f"{number:07d}" in taken:
                number += 1
            stem = name.split()[-1] if not name.startswith("Kontorshuset") else "Kista"
            email = f"post.{ascii_slug(stem, code, '-')}@example.org"
            self.emails.add(email)
            cust = _Cust(
                index=len(self.customers) + len(owners),
                number=f"{number:07d}",
                business=True,
                name=name,
                person=None,
                email=email,
                phone=phone_number(code, rng, mobile=False),
                language=self.profile.default_language,
                address=self.address(rng, flat=False),
                org=org_number(code, name, rng),
                channel=ReadingSource.IMPORT,
                stem=stem,
            )
            blocks = list(self.country.property_blocks)
            low, high = self.country.building_kwh
            for i in range(count):
                plan = self.rng(f"portfolio/{cust.number}/{i}")
                fac = self.add_facility(
                    cust,
                    f"{blocks[(i + len(owners)) % len(blocks)]} {i + 1}",
                    cust.address if i == 0 else self.address(plan, flat=False),
                    math.exp(plan.uniform(math.log(low), math.log(high))),
                    plan,
                    business=True,
                    hot_water=None,
                )
                installed = self.start - timedelta(days=plan.randint(400, 12 * 365))
                heat = Meter(
                    number=self.meter_number(rng),
                    customer_number=cust.number,
                    facility_id=fac.facility.id,
                    kind=MeterKind.HEAT,
                    unit=self.heat_unit,
                    decimals=_DECIMALS[self.heat_unit],
                    installed_on=installed,
                    start_value=Decimal(0).quantize(_quantum(_DECIMALS[self.heat_unit])),
                    registers=_volume_register(Decimal(0)),
                )
                fac.meters.append(heat)
                self.add_cooling(fac, rng, offices and plan.random() < 0.45)
            owners.append(cust)
            ids = [f.facility.id for f in cust.facilities]
            chosen = tuple(sorted(self.rng(f"portfolio-grant/{cust.number}").sample(ids, granted))) if granted else None
            grants.append(
                PortfolioGrant(cust.number, chosen, Role.FULL if granted is None or granted > 10 else Role.READ)
            )
        by_meter = self.build_daily(owners)
        readings = [
            reading
            for cust in owners
            for fac in cust.facilities
            for meter in fac.meters
            for reading in self.monthly_readings(meter, fac, by_meter[meter.number], "portfolio-readings")
        ]
        people = self.rng("portfolio-people")
        org_name = "Norrström Fastighetsförvaltning AB" if code == "SE" else "Portfolio Property Management"
        org = org_number(code, org_name, people)
        admin_person = _Person(people.choice(self.country.first_names), people.choice(self.country.last_names))
        manager_person = _Person(people.choice(self.country.first_names), people.choice(self.country.last_names))
        pins = self.rng("portfolio-pins")
        return PortfolioDemo(
            org_number=org,
            org_name=org_name,
            admin=DemoUser(
                self.email_for(admin_person.first, admin_person.last, people, "example.org"),
                DEMO_PASSWORD,
                admin_person.name,
                [],
                organisation=(org, org_name),
            ),
            manager=DemoUser(
                self.email_for(manager_person.first, manager_person.last, people, "example.org"),
                DEMO_PASSWORD,
                manager_person.name,
                [],
            ),
            customers=[
                Customer(
                    number=c.number,
                    name=c.name,
                    email=c.email,
                    phone=c.phone,
                    language=c.language,
                    address=c.address,
                    org_number=c.org,
                )
                for c in owners
            ],
            pins={c.number: f"{pins.randint(0, 999_999):06d}" for c in owners},
            facilities=[f.facility for c in owners for f in c.facilities],
            meters=[m for c in owners for f in c.facilities for m in f.meters],
            daily=[row for c in owners for f in c.facilities for m in f.meters for row in by_meter[m.number]],
            readings=readings,
            grants=grants,
        )

    # --- assembly -------------------------------------------------------------

    def run(self) -> DemoDataset:
        self.plan()
        self.plan_meters()
        self.plan_cooling()
        by_meter = self.build_daily()
        readings = self.build_readings(by_meter)
        readings += [
            reading
            for cust in self.customers
            for fac in cust.facilities
            for meter in fac.meters
            if meter.kind == MeterKind.COOLING
            for reading in self.monthly_readings(meter, fac, by_meter[meter.number], "cooling-readings")
        ]
        pin_rng = self.rng("pins")
        customers = [
            Customer(
                number=c.number,
                name=c.name,
                email=c.email,
                phone=c.phone,
                language=c.language,
                address=c.address,
                org_number=c.org,
            )
            for c in self.customers
        ]
        facilities = [f.facility for c in self.customers for f in c.facilities]
        meters = [m for c in self.customers for f in c.facilities for m in f.meters]
        daily = [row for m in meters for row in by_meter[m.number]]
        return DemoDataset(
            customers=customers,
            pins={c.number: f"{pin_rng.randint(0, 999_999):06d}" for c in customers},
            facilities=facilities,
            meters=meters,
            daily=daily,
            readings=readings,
            spot_prices=self.spot_prices(),
            users=self.build_users(),
            advance_amounts=self.advances(by_meter),
            temperatures=dict(self.temperatures),
            profile_id=self.profile.id,
            today=self.today,
            start=self.start,
            portfolio=self.portfolio_company() if self.with_portfolio else None,
        )


def generate(
    profile: UtilityProfile,
    *,
    customers: int = 60,
    today: date,
    months: int = 24,
    seed: int = 7,
    portfolio: int | None = None,
) -> DemoDataset:
    """Demo data for ``profile``: deterministic for the same arguments.
    ``portfolio``: the facilities of the property management company (about
    that many; 0 for none); by default 222 (202 of them granted to it) in
    Sweden, the country of seed 004, and none elsewhere."""
    generator = _Generator(profile, customers, today, months, seed)
    default = PORTFOLIO_FACILITIES if profile.country == "SE" else 0
    generator.portfolio_facilities = default if portfolio is None else portfolio
    generator.with_portfolio = generator.portfolio_facilities > 0
    return generator.run()
