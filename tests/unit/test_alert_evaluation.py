"""The alert evaluation on hand-made series: thresholds by season, one notice
per breach episode, back to normal, silent and stuck meters, consumption
above the degree-day model's expectation, district cooling's direction."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from heatportal.domain.alerts import (
    AlertRule,
    AlertSettings,
    AlertState,
    Channel,
    Measure,
    MeterSeries,
    Season,
    Supply,
    days_to_evaluate,
    evaluate,
    season_of,
)
from heatportal.domain.climate import heating_degree_days
from heatportal.domain.model import DailyConsumption
from heatportal.domain.money import EnergyUnit
from heatportal.domain.smart_meter import IntervalValue

OSLO = ZoneInfo("Europe/Oslo")
WINTER = (10, 11, 12, 1, 2, 3, 4)
METER = "70000001"
ALL = frozenset({Channel.PORTAL, Channel.EMAIL, Channel.SMS})


def day(text: str) -> date:
    return date.fromisoformat(text)


def row(
    on: date, kwh: str = "240", ret: str | None = "40", peak: str | None = "12", outdoor: str = "0"
) -> DailyConsumption:
    return DailyConsumption(
        meter_number=METER,
        day=on,
        quantity=Decimal(kwh),
        mean_outdoor_temp=Decimal(outdoor),
        peak_load_kw=Decimal(peak) if peak is not None else None,
        mean_return_temp=Decimal(ret) if ret is not None else None,
    )


def hour(at: datetime, kwh: str = "10", ret: str = "40", supply: str = "80") -> IntervalValue:
    return IntervalValue(
        meter_number=METER,
        start=at,
        interval="hour",
        day=at.astimezone(OSLO).date(),
        energy=Decimal(kwh),
        return_temp=Decimal(ret),
        supply_temp=Decimal(supply),
    )


def series(
    rows: list[DailyConsumption], intervals: list[IntervalValue] | None = None, *, supply: Supply = Supply.HEATING
) -> MeterSeries:
    return MeterSeries(METER, EnergyUnit.KWH, supply, rows, intervals or [])


def settings(*rules: AlertRule) -> AlertSettings:
    return AlertSettings(
        customer_number="100001",
        facility_id="F1",
        rules=rules,
        updated_at=datetime(2026, 1, 1, tzinfo=UTC),
        updated_by="admin@example.com",
    )


def return_rule(summer: str | None = "45", winter: str | None = "40", supply: Supply = Supply.HEATING) -> AlertRule:
    return AlertRule(
        supply=supply,
        measure=Measure.RETURN_TEMPERATURE,
        summer=Decimal(summer) if summer else None,
        winter=Decimal(winter) if winter else None,
        channels=ALL,
    )


def run(rules: AlertSettings, state: AlertState, meters: list[MeterSeries], through: date, now: datetime | None = None):
    return evaluate(
        rules,
        state,
        meters,
        through=through,
        now=now or datetime.combine(through + timedelta(days=1), time(7), tzinfo=OSLO),
        zone=OSLO,
        winter_months=WINTER,
        station="oslo",
    )


def fresh(through: date | None = None) -> AlertState:
    return AlertState(customer_number="100001", facility_id="F1", evaluated_through=through)


# --- seasons ----------------------------------------------------------------------


def test_the_season_comes_from_the_profiles_winter_months():
    assert season_of(day("2026-01-15"), WINTER) == Season.WINTER
    assert season_of(day("2026-04-30"), WINTER) == Season.WINTER
    assert season_of(day("2026-05-01"), WINTER) == Season.SUMMER
    assert season_of(day("2026-10-01"), WINTER) == Season.WINTER


def test_the_same_return_temperature_breaches_the_winter_threshold_and_not_the_summer_one():
    # 42 °C: above the winter threshold (40), below the summer one (45).
    winter_day, summer_day = day("2026-01-10"), day("2026-07-10")
    rules = settings(return_rule())
    in_winter = run(rules, fresh(winter_day - timedelta(days=1)), [series([row(winter_day, ret="42")])], winter_day)
    in_summer = run(rules, fresh(summer_day - timedelta(days=1)), [series([row(summer_day, ret="42")])], summer_day)
    assert [(t.kind, t.season, t.threshold, t.value) for t in in_winter.transitions] == [
        ("breach", Season.WINTER, Decimal(40), Decimal(42))
    ]
    assert in_summer.transitions == []


def test_a_season_without_a_threshold_is_not_watched():
    summer_day = day("2026-07-10")
    rules = settings(return_rule(summer=None, winter="40"))
    result = run(rules, fresh(summer_day - timedelta(days=1)), [series([row(summer_day, ret="70")])], summer_day)
    assert result.transitions == []


# --- episodes ----------------------------------------------------------------------


def test_a_breach_lasting_days_is_told_once_and_its_end_once():
    first = day("2026-01-10")
    values = ["43", "44", "45", "39"]  # three days above the winter threshold 40, then within
    rows = [row(first + timedelta(days=n), ret=v) for n, v in enumerate(values)]
    rules = settings(return_rule())
    state = fresh(first - timedelta(days=1))
    told = []
    for n in range(len(values)):  # one run a day, as the schedule does
        result = run(rules, state, [series(rows[: n + 1])], first + timedelta(days=n))
        told.append([(t.kind, t.day) for t in result.transitions])
        state = result.state
    assert told == [
        [("breach", first)],
        [],
        [],
        [("normal", first + timedelta(days=3))],
    ]
    assert state.episodes == {}


def test_back_to_normal_names_the_day_the_breach_started():
    first = day("2026-02-01")
    rows = [row(first, ret="45"), row(first + timedelta(days=1), ret="38")]
    result = run(settings(return_rule()), fresh(first - timedelta(days=1)), [series(rows)], first + timedelta(days=1))
    breach, normal = result.transitions
    assert (breach.kind, normal.kind, normal.since, normal.value) == ("breach", "normal", first, Decimal(38))


def test_a_second_run_for_the_same_day_tells_nothing():
    on = day("2026-01-10")
    rules, meters = settings(return_rule()), [series([row(on, ret="50")])]
    first = run(rules, fresh(on - timedelta(days=1)), meters, on)
    again = run(rules, first.state, meters, on)
    assert len(first.transitions) == 1
    assert again.transitions == []
    assert again.state == first.state


def test_a_day_without_data_leaves_the_episode_as_it_is():
    first = day("2026-01-10")
    rows = [row(first, ret="45"), row(first + timedelta(days=2), ret="46")]  # nothing on the 11th
    state = fresh(first - timedelta(days=1))
    for n in range(3):
        result = run(
            settings(return_rule()),
            state,
            [series([r for r in rows if r.day <= first + timedelta(days=n)])],
            first + timedelta(days=n),
        )
        state = result.state
        assert [t.kind for t in result.transitions] == (["breach"] if n == 0 else [])
    assert set(state.episodes) == {f"{METER}#return_temperature"}


def test_a_late_run_catches_up_a_week_at_most():
    through = day("2026-01-31")
    assert days_to_evaluate(through, fresh(day("2026-01-28"))) == [day("2026-01-29"), day("2026-01-30"), through]
    assert len(days_to_evaluate(through, fresh(day("2025-12-01")))) == 7
    assert days_to_evaluate(through, fresh(through)) == []


def test_a_breach_that_began_and_ended_while_the_job_did_not_run_is_told_both_ways():
    first = day("2026-01-10")
    rows = [row(first, ret="39"), row(first + timedelta(days=1), ret="44"), row(first + timedelta(days=2), ret="39")]
    result = run(settings(return_rule()), fresh(first - timedelta(days=1)), [series(rows)], first + timedelta(days=2))
    assert [(t.kind, t.day) for t in result.transitions] == [
        ("breach", first + timedelta(days=1)),
        ("normal", first + timedelta(days=2)),
    ]


def test_a_rule_removed_closes_its_episode_without_a_word():
    on = day("2026-01-10")
    opened = run(settings(return_rule()), fresh(on - timedelta(days=1)), [series([row(on, ret="50")])], on)
    assert opened.state.episodes
    later = on + timedelta(days=1)
    removed = run(settings(), opened.state, [series([row(on, ret="50"), row(later, ret="50")])], later)
    assert removed.transitions == []
    assert removed.state.episodes == {}


# --- measures --------------------------------------------------------------------------


def test_the_return_temperature_is_the_mean_of_the_days_hourly_values_when_the_meter_sends_hours():
    on = day("2026-01-10")
    start = datetime.combine(on, time(0), tzinfo=OSLO)
    hours = [hour(start + timedelta(hours=h), ret="38" if h < 12 else "44") for h in range(24)]
    # The daily row says 39 (energy-weighted); the hours' plain mean is 41: above 40.
    result = run(settings(return_rule()), fresh(on - timedelta(days=1)), [series([row(on, ret="39")], hours)], on)
    assert [(t.measure, t.value) for t in result.transitions] == [(Measure.RETURN_TEMPERATURE, Decimal("41.0"))]


def test_daily_power_is_the_days_energy_over_24_hours_and_hourly_power_its_highest_hour():
    on = day("2026-01-10")
    rules = settings(
        AlertRule(
            supply=Supply.HEATING, measure=Measure.DAILY_POWER, summer=Decimal(5), winter=Decimal(9), channels=ALL
        ),
        AlertRule(
            supply=Supply.HEATING, measure=Measure.HOURLY_POWER, summer=Decimal(10), winter=Decimal(15), channels=ALL
        ),
    )
    # 240 kWh a day is 10 kW on average (above 9); the peak hour, 16 kWh, is 16 kW (above 15).
    result = run(rules, fresh(on - timedelta(days=1)), [series([row(on, kwh="240", peak="16")])], on)
    assert {(t.measure, t.value) for t in result.transitions} == {
        (Measure.DAILY_POWER, Decimal("10.0")),
        (Measure.HOURLY_POWER, Decimal(16)),
    }


def test_power_of_a_meter_counting_mwh_is_in_kw():
    on = day("2026-01-10")
    rule = AlertRule(
        supply=Supply.HEATING, measure=Measure.DAILY_POWER, summer=Decimal(50), winter=Decimal(100), channels=ALL
    )
    meter = MeterSeries(METER, EnergyUnit.MWH, Supply.HEATING, [row(on, kwh="2.88")])  # 2.88 MWh = 120 kW
    result = run(settings(rule), fresh(on - timedelta(days=1)), [meter], on)
    assert [t.value for t in result.transitions] == [Decimal("120.0")]


def test_the_energy_weighted_return_temperature_weighs_each_day_by_its_energy():
    on = day("2026-01-30")
    rows = [row(on - timedelta(days=n), kwh="100", ret="36") for n in range(1, 30)]
    rows.append(row(on, kwh="2900", ret="46"))  # one big day: (29x100x36 + 2900x46) / 5800 = 41
    rule = AlertRule(
        supply=Supply.HEATING,
        measure=Measure.WEIGHTED_RETURN_TEMPERATURE,
        summer=Decimal(45),
        winter=Decimal("40.5"),
        channels=ALL,
    )
    result = run(settings(rule), fresh(on - timedelta(days=1)), [series(sorted(rows, key=lambda r: r.day))], on)
    assert [t.value for t in result.transitions] == [Decimal("41.0")]


# --- district cooling ------------------------------------------------------------------


def test_a_cooling_return_temperature_breaches_below_its_threshold():
    on = day("2026-07-10")
    rule = return_rule(summer="14", winter="12", supply=Supply.COOLING)
    cold = run(settings(rule), fresh(on - timedelta(days=1)), [series([row(on, ret="11")], supply=Supply.COOLING)], on)
    warm = run(settings(rule), fresh(on - timedelta(days=1)), [series([row(on, ret="16")], supply=Supply.COOLING)], on)
    assert [(t.kind, t.value, t.threshold) for t in cold.transitions] == [("breach", Decimal(11), Decimal(14))]
    assert warm.transitions == []


def test_a_cooling_meter_is_judged_by_the_cooling_rules_only():
    on = day("2026-07-10")
    heating_rule = return_rule(summer="12", winter="12")  # a cooling meter at 11 °C would breach the other way
    result = run(
        settings(heating_rule), fresh(on - timedelta(days=1)), [series([row(on, ret="50")], supply=Supply.COOLING)], on
    )
    assert result.transitions == []


def test_cooling_power_breaches_above_its_threshold_like_heating():
    on = day("2026-07-10")
    rule = AlertRule(
        supply=Supply.COOLING, measure=Measure.HOURLY_POWER, summer=Decimal(30), winter=Decimal(10), channels=ALL
    )
    result = run(
        settings(rule), fresh(on - timedelta(days=1)), [series([row(on, peak="35")], supply=Supply.COOLING)], on
    )
    assert [t.kind for t in result.transitions] == ["breach"]


# --- silent and stuck meters ---------------------------------------------------------


def no_data(hours: int = 24) -> AlertRule:
    return AlertRule(supply=Supply.HEATING, measure=Measure.NO_DATA, hours=hours, channels=ALL)


def test_a_meter_silent_for_the_hours_set_is_told_and_its_return_too():
    through = day("2026-01-10")
    last = datetime.combine(through, time(2), tzinfo=OSLO)  # the newest hour: 02:00-03:00 on the 10th
    hours = [hour(last - timedelta(hours=h), ret=str(40 + h % 3)) for h in range(24)]
    meters = [series([row(through - timedelta(days=1))], hours)]
    quiet_now = datetime.combine(through + timedelta(days=1), time(7), tzinfo=OSLO)  # 28 hours later
    silent = run(settings(no_data(24)), fresh(through - timedelta(days=1)), meters, through, quiet_now)
    assert [(t.kind, t.measure, t.value, t.threshold) for t in silent.transitions] == [
        ("breach", Measure.NO_DATA, Decimal("28.0"), Decimal(24))
    ]
    back = datetime.combine(through + timedelta(days=1), time(6), tzinfo=OSLO)
    spoke = [*hours, hour(back, ret="41")]
    next_day = through + timedelta(days=1)
    resumed = run(
        settings(no_data(24)),
        silent.state,
        [series([row(through - timedelta(days=1))], spoke)],
        next_day,
        datetime.combine(next_day + timedelta(days=1), time(7), tzinfo=OSLO) - timedelta(hours=23),
    )
    assert [t.kind for t in resumed.transitions] == ["normal"]


def test_a_meter_within_the_hours_set_is_fine():
    through = day("2026-01-10")
    now = datetime.combine(through + timedelta(days=1), time(7), tzinfo=OSLO)
    hours = [hour(now - timedelta(hours=h + 2), ret=str(40 + h % 3)) for h in range(24)]
    assert (
        run(settings(no_data(24)), fresh(through - timedelta(days=1)), [series([], hours)], through, now).transitions
        == []
    )


def test_a_meter_that_only_sends_daily_values_counts_its_day_to_the_next_midnight():
    through = day("2026-01-10")
    meters = [series([row(through)])]  # the 10th, so data until the 11th 00:00
    now = datetime.combine(through + timedelta(days=1), time(7), tzinfo=OSLO)
    assert run(settings(no_data(24)), fresh(through - timedelta(days=1)), meters, through, now).transitions == []
    later = now + timedelta(hours=20)  # 27 hours after midnight
    assert [
        t.value
        for t in run(settings(no_data(24)), fresh(through - timedelta(days=1)), meters, through, later).transitions
    ] == [Decimal("27.0")]


def test_a_stuck_meter_repeating_its_values_is_told_although_it_sends():
    through = day("2026-01-10")
    now = datetime.combine(through + timedelta(days=1), time(7), tzinfo=OSLO)
    same = [hour(now - timedelta(hours=h + 1), kwh="0", ret="41", supply="79") for h in range(12)]
    result = run(settings(no_data(12)), fresh(through - timedelta(days=1)), [series([], same)], through, now)
    assert [(t.kind, t.value) for t in result.transitions] == [("breach", Decimal(12))]


def test_a_meter_never_heard_from_is_not_judged():
    through = day("2026-01-10")
    assert run(settings(no_data(24)), fresh(through - timedelta(days=1)), [series([])], through).transitions == []


# --- above the expected consumption ----------------------------------------------------


def _history(
    last: date, days: int, *, extra: Decimal = Decimal(1), extra_from: date | None = None
) -> list[DailyConsumption]:
    """A building using 50 kWh a day plus 8 kWh per heating degree day; outdoor
    temperature between -8 and +8 °C."""
    rows = []
    for n in range(days, -1, -1):
        on = last - timedelta(days=n)
        outdoor = Decimal((n * 7) % 17 - 8)
        kwh = Decimal(50) + 8 * heating_degree_days(outdoor)
        if extra_from is not None and on >= extra_from:
            kwh *= extra
        rows.append(row(on, kwh=str(kwh), outdoor=str(outdoor)))
    return rows


def expected_rule(percent: str = "20", days: int = 7) -> AlertRule:
    return AlertRule(
        supply=Supply.HEATING, measure=Measure.ABOVE_EXPECTED, percent=Decimal(percent), days=days, channels=ALL
    )


def test_consumption_above_the_degree_day_expectation_over_the_days_set_is_told():
    through = day("2026-02-20")
    rows = _history(through, 200, extra=Decimal("1.3"), extra_from=through - timedelta(days=6))
    result = run(settings(expected_rule("20", 7)), fresh(through - timedelta(days=1)), [series(rows)], through)
    [breach] = result.transitions
    assert breach.kind == "breach"
    assert breach.value == Decimal("30.0")  # 30 % above what the weather explains
    assert breach.actual is not None and breach.expected is not None
    assert breach.actual == (breach.expected * Decimal("1.3")).quantize(Decimal("0.1"))


def test_consumption_the_weather_explains_is_no_alert():
    through = day("2026-02-20")
    result = run(
        settings(expected_rule("20", 7)), fresh(through - timedelta(days=1)), [series(_history(through, 200))], through
    )
    assert result.transitions == []


def test_without_enough_history_for_a_model_nothing_is_expected():
    through = day("2026-02-20")
    rows = _history(through, 20, extra=Decimal(3), extra_from=through - timedelta(days=6))
    assert run(settings(expected_rule()), fresh(through - timedelta(days=1)), [series(rows)], through).transitions == []


# --- settings ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"measure": Measure.RETURN_TEMPERATURE},  # no threshold at all
        {"measure": Measure.RETURN_TEMPERATURE, "winter": Decimal(130)},  # no water is that hot
        {"measure": Measure.HOURLY_POWER, "winter": Decimal(0)},
        {"measure": Measure.ABOVE_EXPECTED, "percent": Decimal(20)},  # no days
        {"measure": Measure.ABOVE_EXPECTED, "percent": Decimal(0), "days": 7},
        {"measure": Measure.NO_DATA, "hours": 2},
        {"measure": Measure.NO_DATA, "hours": 24, "channels": frozenset()},
    ],
)
def test_a_rule_outside_its_limits_is_refused(fields):
    with pytest.raises(ValidationError):
        AlertRule.model_validate({"supply": Supply.HEATING, "channels": ALL, **fields})


def test_a_facility_has_one_rule_per_supply_and_measure():
    with pytest.raises(ValidationError):
        settings(return_rule(), return_rule(summer="50"))
    assert len(settings(return_rule(), return_rule(supply=Supply.COOLING, summer="14", winter="12")).rules) == 2
