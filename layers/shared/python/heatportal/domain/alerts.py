"""Consumption alerts: what a facility's people ask to be told, and when.

A facility's alert settings hold one rule per supply (district heating or
district cooling) and measure:

- the four measures of the seed portal, each with a summer and a winter
  threshold (the profile's ``alerts.winter_months`` say which applies):
  ``return_temperature`` (the day's mean of its hourly return temperatures),
  ``daily_power`` (the day's energy / 24 h, kW: "daily average effect"),
  ``hourly_power`` (the day's highest hourly energy, kW: "hourly effect") and
  ``weighted_return_temperature`` (energy-weighted over the 30 days up to the
  day: the figure return-temperature bonuses and fees are computed on);
- ``above_expected``: consumption over the last ``days`` days more than
  ``percent`` % above what the meter's degree-day model expects for the
  weather those days had;
- ``no_data``: nothing from the meter for ``hours`` hours (silent), or the
  same values hour after hour for that long (stuck).

Which way is a breach: power and consumption above the threshold, always. A
district-heating return temperature above it (the water came back too warm:
the heat was not used); a district-cooling return temperature *below* it (the
water came back too cold: a small temperature difference, the cooling was not
used), so a cooling rule's threshold is the lowest acceptable return
temperature.

Alerts are told once per breach episode: a breach starts an episode (one
notice), the days it lasts say nothing more, and the first day within the
threshold again ends it with a "back to normal" notice. Pure: no I/O, no
clock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field, model_validator

from heatportal.domain.climate import heating_degree_days, normal_temperature
from heatportal.domain.estimation import DegreeDayModel, Observation, fit
from heatportal.domain.model import DailyConsumption, Frozen, MeterKind
from heatportal.domain.money import EnergyUnit, convert, is_energy
from heatportal.domain.smart_meter import IntervalValue


class Supply(StrEnum):
    HEATING = "heating"
    COOLING = "cooling"


class Measure(StrEnum):
    RETURN_TEMPERATURE = "return_temperature"
    DAILY_POWER = "daily_power"
    HOURLY_POWER = "hourly_power"
    WEIGHTED_RETURN_TEMPERATURE = "weighted_return_temperature"
    ABOVE_EXPECTED = "above_expected"
    NO_DATA = "no_data"


class Channel(StrEnum):
    PORTAL = "portal"
    EMAIL = "email"
    SMS = "sms"


class Season(StrEnum):
    SUMMER = "summer"
    WINTER = "winter"


SEASONAL: tuple[Measure, ...] = (
    Measure.RETURN_TEMPERATURE,
    Measure.DAILY_POWER,
    Measure.HOURLY_POWER,
    Measure.WEIGHTED_RETURN_TEMPERATURE,
)
TEMPERATURES = frozenset({Measure.RETURN_TEMPERATURE, Measure.WEIGHTED_RETURN_TEMPERATURE})
# The analysis section that shows each measure (the portal's /analysis page).
SECTION: dict[Measure, str] = {
    Measure.RETURN_TEMPERATURE: "temperature",
    Measure.WEIGHTED_RETURN_TEMPERATURE: "temperature",
    Measure.DAILY_POWER: "power",
    Measure.HOURLY_POWER: "power",
    Measure.ABOVE_EXPECTED: "energy",
    Measure.NO_DATA: "energy",
}
# The unit a measure's value and threshold are in.
UNIT: dict[Measure, str] = {
    Measure.RETURN_TEMPERATURE: "°C",
    Measure.WEIGHTED_RETURN_TEMPERATURE: "°C",
    Measure.DAILY_POWER: "kW",
    Measure.HOURLY_POWER: "kW",
    Measure.ABOVE_EXPECTED: "%",
    Measure.NO_DATA: "h",
}
WEIGHTED_DAYS = 30
MAX_CATCH_UP_DAYS = 7  # days a late run evaluates; older days are not told any more
# Limits of what a person may set.
TEMPERATURE_RANGE = (Decimal(0), Decimal(120))
POWER_RANGE = (Decimal("0.1"), Decimal(100_000))
PERCENT_RANGE = (Decimal(1), Decimal(500))
DAYS_RANGE = (1, 60)
HOURS_RANGE = (6, 336)
MAX_RECIPIENTS = 5
# Degree days of district cooling: above this outdoor temperature a building needs cooling.
COOLING_BASE = Decimal(18)
_TENTH = Decimal("0.1")


def supply_of(kind: MeterKind) -> Supply | None:
    """The supply a meter measures; None for meters alerts do not watch (hot tap water, water)."""
    if kind == MeterKind.HEAT:
        return Supply.HEATING
    if kind == MeterKind.COOLING:
        return Supply.COOLING
    return None


def too_low_is_breach(supply: Supply, measure: Measure) -> bool:
    """A cooling return temperature breaches below its threshold; everything else above it."""
    return supply == Supply.COOLING and measure in TEMPERATURES


class AlertRule(Frozen):
    """One measure watched on one supply of a facility, and how to be told."""

    supply: Supply
    measure: Measure
    summer: Decimal | None = None
    winter: Decimal | None = None
    percent: Decimal | None = None
    days: int | None = None
    hours: int | None = None
    channels: frozenset[Channel] = Field(min_length=1)

    @model_validator(mode="after")
    def _limits(self) -> AlertRule:
        if self.measure in SEASONAL:
            if self.summer is None and self.winter is None:
                raise ValueError("a seasonal alert needs a summer or a winter threshold")
            low, high = TEMPERATURE_RANGE if self.measure in TEMPERATURES else POWER_RANGE
            for value in (self.summer, self.winter):
                if value is not None and not low <= value <= high:
                    raise ValueError(f"a threshold of this measure is {low} to {high}")
        elif self.measure == Measure.ABOVE_EXPECTED:
            if self.percent is None or self.days is None:
                raise ValueError("above expected needs a percentage and a number of days")
            if not PERCENT_RANGE[0] <= self.percent <= PERCENT_RANGE[1]:
                raise ValueError("the percentage is 1 to 500")
            if not DAYS_RANGE[0] <= self.days <= DAYS_RANGE[1]:
                raise ValueError("the number of days is 1 to 60")
        elif self.hours is None or not HOURS_RANGE[0] <= self.hours <= HOURS_RANGE[1]:
            raise ValueError("no data needs a number of hours, 6 to 336")
        return self

    def threshold(self, season: Season) -> Decimal | None:
        """The threshold in force in ``season`` (None: not watched then)."""
        if self.measure in SEASONAL:
            return self.winter if season == Season.WINTER else self.summer
        if self.measure == Measure.ABOVE_EXPECTED:
            return self.percent
        return Decimal(self.hours) if self.hours is not None else None


class AlertSettings(Frozen):
    """What a facility's people want to be told, and where."""

    customer_number: str
    facility_id: str
    rules: tuple[AlertRule, ...] = ()
    email_to: tuple[str, ...] = Field(default=(), max_length=MAX_RECIPIENTS)
    sms_to: tuple[str, ...] = Field(default=(), max_length=MAX_RECIPIENTS)
    updated_at: datetime
    updated_by: str

    @model_validator(mode="after")
    def _each_rule_once(self) -> AlertSettings:
        keys = [(r.supply, r.measure) for r in self.rules]
        if len(set(keys)) != len(keys):
            raise ValueError("one rule per supply and measure")
        return self

    def rules_for(self, supply: Supply) -> list[AlertRule]:
        return [r for r in self.rules if r.supply == supply]

    def rule(self, supply: Supply, measure: Measure) -> AlertRule | None:
        return next((r for r in self.rules if r.supply == supply and r.measure == measure), None)


# --- the episodes a facility is in -----------------------------------------------------


class Episode(Frozen):
    """A breach that has been told and has not ended yet."""

    since: date
    value: Decimal
    threshold: Decimal


class AlertState(Frozen):
    """Where a facility's evaluation stands: the last day evaluated and the
    open episodes by ``<meter>#<measure>``. Written by the evaluation only."""

    customer_number: str
    facility_id: str
    evaluated_through: date | None = None
    episodes: dict[str, Episode] = Field(default_factory=dict)


def episode_key(meter_number: str, measure: Measure) -> str:
    return f"{meter_number}#{measure.value}"


Kind = Literal["breach", "normal"]


@dataclass(frozen=True)
class Transition:
    """One thing to tell: a breach started, or it ended ("back to normal")."""

    kind: Kind
    meter_number: str
    supply: Supply
    measure: Measure
    day: date
    value: Decimal
    threshold: Decimal
    season: Season | None
    since: date | None = None  # a "back to normal": the day the breach started
    expected: Decimal | None = None  # above_expected: kWh the model expected
    actual: Decimal | None = None  # above_expected: kWh measured

    def facts(self) -> dict[str, object]:
        """What the notice says, as the fields a notification and an alert event share."""
        return {
            "kind": self.kind,
            "meter_number": self.meter_number,
            "supply": self.supply,
            "measure": self.measure,
            "day": self.day,
            "value": self.value,
            "threshold": self.threshold,
            "season": self.season,
            "since": self.since,
            "expected": self.expected,
            "actual": self.actual,
        }

    @property
    def notice_id(self) -> str:
        """Stable per facility, meter, measure, day and kind: telling twice is
        the same notice (the store keeps it once)."""
        return f"{self.day.isoformat()}#{self.meter_number}#{self.measure.value}#{self.kind}"


# --- measured values -----------------------------------------------------------------


@dataclass(frozen=True)
class MeterSeries:
    """What the evaluation reads of one meter: daily values (oldest first,
    in the meter's unit) and its recent interval values."""

    meter_number: str
    unit: EnergyUnit
    supply: Supply
    daily: Sequence[DailyConsumption]
    intervals: Sequence[IntervalValue] = ()
    by_day: dict[date, DailyConsumption] = field(init=False, repr=False, compare=False)
    hours_by_day: dict[date, list[IntervalValue]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_day", {d.day: d for d in self.daily})
        hours: dict[date, list[IntervalValue]] = {}
        for value in self.intervals:
            if value.interval == "hour":
                hours.setdefault(value.day, []).append(value)
        object.__setattr__(self, "hours_by_day", hours)

    def kwh(self, quantity: Decimal) -> Decimal:
        return convert(quantity, self.unit, EnergyUnit.KWH) if is_energy(self.unit) else quantity

    def value(self, measure: Measure, day: date) -> Decimal | None:
        """A seasonal measure's value on ``day`` (None: no data for it)."""
        row = self.by_day.get(day)
        hours = self.hours_by_day.get(day, [])
        if measure == Measure.RETURN_TEMPERATURE:
            temps = [h.return_temp for h in hours if h.return_temp is not None]
            if temps:
                return (sum(temps, Decimal(0)) / len(temps)).quantize(_TENTH)
            return row.mean_return_temp if row is not None else None
        if measure == Measure.DAILY_POWER:
            return (self.kwh(row.quantity) / 24).quantize(_TENTH) if row is not None else None
        if measure == Measure.HOURLY_POWER:
            energies = [h.energy for h in hours if h.energy is not None]
            if energies:
                return self.kwh(max(energies)).quantize(_TENTH)
            return row.peak_load_kw if row is not None else None
        if measure == Measure.WEIGHTED_RETURN_TEMPERATURE:
            window = [self.by_day.get(day - timedelta(days=n)) for n in range(WEIGHTED_DAYS)]
            weighted = [(r.mean_return_temp, r.quantity) for r in window if r and r.mean_return_temp is not None]
            weight = sum((q for _, q in weighted), Decimal(0))
            if weight <= 0:
                return None
            return (sum((t * q for t, q in weighted), Decimal(0)) / weight).quantize(_TENTH)
        raise ValueError(f"{measure} is not a seasonal measure")

    def last_data_at(self, zone: ZoneInfo) -> datetime | None:
        """The end of the newest interval the meter sent (a daily value ends at the next local midnight)."""
        ends = [v.start + (timedelta(hours=1) if v.interval == "hour" else timedelta(days=1)) for v in self.intervals]
        if self.daily:
            last = self.daily[-1].day + timedelta(days=1)
            ends.append(datetime.combine(last, time(0), tzinfo=zone))
        return max(ends) if ends else None


def cooling_degree_days(temp: Decimal, base: Decimal = COOLING_BASE) -> Decimal:
    """Cooling degree days of one day: ``max(0, temp - base)``."""
    difference = temp - base
    return difference if difference > 0 else Decimal(0)


def _degree_days(supply: Supply) -> Callable[[Decimal], Decimal]:
    return heating_degree_days if supply == Supply.HEATING else cooling_degree_days


def _outdoor(row: DailyConsumption, station: str) -> Decimal:
    return row.mean_outdoor_temp if row.mean_outdoor_temp is not None else normal_temperature(station, row.day)


def expected_model(series: MeterSeries, before: date, station: str) -> DegreeDayModel | None:
    """The meter's degree-day model (``domain.estimation.fit``: base load plus a
    factor times degree days, the model the readings service fits), fitted on
    its daily values before ``before`` grouped by week; cooling degree days for
    district cooling."""
    weeks: dict[tuple[int, int], list[DailyConsumption]] = {}
    for row in series.daily:
        if row.day < before:
            iso = row.day.isocalendar()
            weeks.setdefault((iso.year, iso.week), []).append(row)
    degree = _degree_days(series.supply)
    return fit(
        Observation(
            Decimal(len(rows)),
            sum((degree(_outdoor(r, station)) for r in rows), Decimal(0)),
            sum((series.kwh(r.quantity) for r in rows), Decimal(0)),
        )
        for rows in weeks.values()
    )


@dataclass(frozen=True)
class ExpectedComparison:
    actual: Decimal  # kWh
    expected: Decimal  # kWh
    percent_above: Decimal  # (actual / expected - 1) x 100, one decimal


def above_expected(
    series: MeterSeries, day: date, days: int, model: DegreeDayModel | None, station: str
) -> ExpectedComparison | None:
    """The ``days`` days up to ``day`` against the model (None: a day without
    data in the window, or no model)."""
    window = [series.by_day.get(day - timedelta(days=n)) for n in range(days)]
    if model is None or any(r is None for r in window):
        return None
    rows = [r for r in window if r is not None]
    degree = _degree_days(series.supply)
    actual = sum((series.kwh(r.quantity) for r in rows), Decimal(0))
    expected = model.predict(Decimal(days), sum((degree(_outdoor(r, station)) for r in rows), Decimal(0)))
    if expected <= 0:
        return None
    percent = ((actual / expected - 1) * 100).quantize(_TENTH)
    return ExpectedComparison(actual.quantize(_TENTH), expected.quantize(_TENTH), percent)


def hours_silent(series: MeterSeries, now: datetime, zone: ZoneInfo) -> Decimal | None:
    """Hours since the meter's newest value ended (None: never heard from)."""
    last = series.last_data_at(zone)
    if last is None:
        return None
    return max(Decimal((now - last).total_seconds() / 3600).quantize(_TENTH), Decimal(0))


def is_stuck(series: MeterSeries, hours: int) -> bool:
    """The meter's hourly values of its last ``hours`` hours all carry the same
    energy, flow and temperatures (a frozen meter repeats its last values)."""
    hourly = sorted((v for v in series.intervals if v.interval == "hour"), key=lambda v: v.start)
    if len(hourly) < hours:
        return False
    since = hourly[-1].start - timedelta(hours=hours - 1)
    recent = [v for v in hourly if v.start >= since]
    return len(recent) >= hours and all(v.same_values(recent[0]) for v in recent)


# --- evaluation ------------------------------------------------------------------------


def season_of(day: date, winter_months: Iterable[int]) -> Season:
    return Season.WINTER if day.month in set(winter_months) else Season.SUMMER


def _breached(rule: AlertRule, value: Decimal, threshold: Decimal) -> bool:
    if too_low_is_breach(rule.supply, rule.measure):
        return value < threshold
    return value > threshold


def days_to_evaluate(through: date, state: AlertState) -> list[date]:
    """The days a run looks at: those after the last evaluated one, up to
    ``through`` (at most a week, so a long outage does not tell stale news)."""
    first = through - timedelta(days=MAX_CATCH_UP_DAYS - 1)
    if state.evaluated_through is not None:
        first = max(first, state.evaluated_through + timedelta(days=1))
    return [first + timedelta(days=n) for n in range((through - first).days + 1)]


Observed = tuple[date, Decimal, Decimal, Season | None, "ExpectedComparison | None"]


@dataclass(frozen=True)
class Evaluation:
    transitions: list[Transition]
    state: AlertState


def evaluate(
    settings: AlertSettings,
    state: AlertState,
    meters: Sequence[MeterSeries],
    *,
    through: date,
    now: datetime,
    zone: ZoneInfo,
    winter_months: Sequence[int],
    station: str,
) -> Evaluation:
    """A facility's alerts over the days after the state's last one up to
    ``through``: the transitions to tell (breaches that start, breaches that
    end) and the state after them. A day without data for a measure changes
    nothing; a run for days already evaluated tells nothing."""
    days = days_to_evaluate(through, state)
    if not days:
        return Evaluation([], state)
    episodes = dict(state.episodes)
    transitions: list[Transition] = []
    for series in meters:
        for rule in settings.rules_for(series.supply):
            key = episode_key(series.meter_number, rule.measure)
            if rule.measure == Measure.NO_DATA:
                # Judged once, now: a silent meter (a meter never heard from
                # is not judged) or one repeating the same values.
                assert rule.hours is not None  # validated
                silent = hours_silent(series, now, zone)
                if silent is not None:
                    stuck = is_stuck(series, rule.hours)
                    hours = Decimal(rule.hours) if stuck and silent < rule.hours else silent
                    observed: list[Observed] = [(through, hours, Decimal(rule.hours), None, None)]
                    _step(rule, series, key, episodes, transitions, observed, [silent >= rule.hours or stuck])
                continue
            observations: list[Observed] = []
            breaches: list[bool] = []
            model = None
            if rule.measure == Measure.ABOVE_EXPECTED:
                assert rule.days is not None  # validated
                model = expected_model(series, days[0] - timedelta(days=rule.days), station)
            for day in days:
                season = season_of(day, winter_months)
                threshold = rule.threshold(season)
                if threshold is None:
                    continue
                if rule.measure == Measure.ABOVE_EXPECTED:
                    assert rule.days is not None
                    comparison = above_expected(series, day, rule.days, model, station)
                    if comparison is None:
                        continue
                    observations.append((day, comparison.percent_above, threshold, season, comparison))
                    breaches.append(comparison.percent_above > threshold)
                    continue
                measured = series.value(rule.measure, day)
                if measured is None:
                    continue
                observations.append((day, measured, threshold, season, None))
                breaches.append(_breached(rule, measured, threshold))
            _step(rule, series, key, episodes, transitions, observations, breaches)
    # Episodes of rules or meters no longer watched are closed without a word.
    watched = {episode_key(s.meter_number, r.measure) for s in meters for r in settings.rules_for(s.supply)}
    episodes = {k: v for k, v in episodes.items() if k in watched}
    return Evaluation(transitions, state.model_copy(update={"evaluated_through": through, "episodes": episodes}))


def _step(
    rule: AlertRule,
    series: MeterSeries,
    key: str,
    episodes: dict[str, Episode],
    transitions: list[Transition],
    observations: list[Observed],
    breaches: list[bool],
) -> None:
    """Walk a measure's days: a breach with no open episode opens one and is
    told; a day within the threshold with an open episode closes it and is told."""
    for observed, breach in zip(observations, breaches, strict=True):
        day, value, threshold, season, comparison = observed
        open_episode = episodes.get(key)
        if breach == (open_episode is not None):
            continue  # a breach that goes on, or a day within the threshold as before: nothing to tell
        if breach:
            episodes[key] = Episode(since=day, value=value, threshold=threshold)
        else:
            del episodes[key]
        transitions.append(
            Transition(
                kind="breach" if breach else "normal",
                meter_number=series.meter_number,
                supply=series.supply,
                measure=rule.measure,
                day=day,
                value=value,
                threshold=threshold,
                season=season,
                since=open_episode.since if open_episode is not None else None,
                expected=comparison.expected if comparison else None,
                actual=comparison.actual if comparison else None,
            )
        )
