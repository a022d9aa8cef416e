"""Readings API: meters, readings, consumption. Routes translate; services decide."""

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Literal

import readings_meters
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from heatportal import composition
from heatportal.domain.model import Meter, Reading
from heatportal.domain.money import EnergyUnit
from heatportal.domain.reading_corrections import REASON_MAX_LENGTH, ReadingCorrection
from heatportal.web.api import CustomerPath, MeterPath, build_resolver
from heatportal.web.fields import IsoDate, RegisterValue
from heatportal.web.scope import customer_scope

if TYPE_CHECKING:  # the service module loads with the first request, not at cold start
    from heatportal.services.reading_corrections import ReadingWithCorrections
    from heatportal.services.readings import MeterOverview

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = build_resolver(logger)
app.include_router(readings_meters.router)  # meter settings by customer service


class ReadingOut(BaseModel):
    read_on: date
    value: Decimal
    source: str
    estimated: bool
    recorded_at: datetime
    registers: dict[str, Decimal] = Field(
        default_factory=dict, description="Values of the meter's other registers read at the same time, by name"
    )

    @classmethod
    def of(cls, reading: Reading) -> "ReadingOut":
        return cls(
            read_on=reading.read_on,
            value=reading.value,
            source=reading.source.value,
            estimated=reading.estimated,
            recorded_at=reading.recorded_at,
            registers=dict(reading.registers),
        )


class CorrectionOut(BaseModel):
    previous_value: Decimal = Field(description="The value before this correction")
    previous_source: str
    previous_estimated: bool
    previous_recorded_at: datetime
    value: Decimal = Field(description="The value this correction set")
    previous_registers: dict[str, Decimal] = Field(
        default_factory=dict, description="Other registers' values before, those this correction changed"
    )
    registers: dict[str, Decimal] = Field(
        default_factory=dict, description="Other registers' values this correction set"
    )
    reason: str
    corrected_at: datetime
    by_customer: bool = Field(
        default=False, description="The customer replaced a reading that came by SMS (not customer service)"
    )

    @classmethod
    def of(cls, correction: ReadingCorrection) -> "CorrectionOut":
        return cls(
            previous_value=correction.previous_value,
            previous_source=correction.previous_source.value,
            previous_estimated=correction.previous_estimated,
            previous_recorded_at=correction.previous_recorded_at,
            value=correction.value,
            previous_registers=dict(correction.previous_registers),
            registers=dict(correction.registers),
            reason=correction.reason,
            corrected_at=correction.corrected_at,
            by_customer=correction.by_customer,
        )


class ReadingWithCorrectionsOut(ReadingOut):
    corrections: list[CorrectionOut] = Field(
        description="Corrections by customer service (or the customer's replacement of an SMS reading), oldest first"
    )

    @classmethod
    def with_history(cls, entry: "ReadingWithCorrections") -> "ReadingWithCorrectionsOut":
        return cls(
            **ReadingOut.of(entry.reading).model_dump(),
            corrections=[CorrectionOut.of(c) for c in entry.corrections],
        )


class RegisterOut(BaseModel):
    name: str = Field(description="energy, volume or tariff")
    main: bool = Field(description="The register billing uses (the reading's value); the others are in `registers`")
    unit: str
    decimals: int
    register_digits: int | None
    last_value: Decimal | None
    last_read_on: date | None


class MeterOut(BaseModel):
    number: str
    facility_id: str
    kind: str
    unit: str
    decimals: int
    installed_on: date
    removed_on: date | None
    last_reading: ReadingOut | None
    registers: list[RegisterOut] = Field(description="Every register of the meter, the main one first")

    @classmethod
    def of(cls, overview: "MeterOverview") -> "MeterOut":
        meter: Meter = overview.meter
        last = overview.last_reading
        registers = [
            RegisterOut(
                name=meter.main_register.name.value,
                main=True,
                unit=meter.unit.value,
                decimals=meter.decimals,
                register_digits=meter.register_digits,
                last_value=last.value if last else None,
                last_read_on=last.read_on if last else None,
            )
        ]
        for register in meter.registers:
            seen = overview.last_registers.get(register.name.value)
            registers.append(
                RegisterOut(
                    name=register.name.value,
                    main=False,
                    unit=register.unit.value,
                    decimals=register.decimals,
                    register_digits=register.register_digits,
                    last_value=seen.value if seen else None,
                    last_read_on=seen.read_on if seen else None,
                )
            )
        return cls(
            number=meter.number,
            facility_id=meter.facility_id,
            kind=meter.kind.value,
            unit=meter.unit.value,
            decimals=meter.decimals,
            installed_on=meter.installed_on,
            removed_on=meter.removed_on,
            last_reading=ReadingOut.of(last) if last else None,
            registers=registers,
        )


class ReadingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: RegisterValue = Field(ge=0, max_digits=14, description="Register value as shown on the meter")
    read_on: IsoDate | None = Field(default=None, description="Reading date; today when omitted")
    confirm: bool = Field(default=False, description="Confirm a value the plausibility check questioned")


RegisterNameIn = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,19}$")]


class MeterReadingIn(ReadingIn):
    registers: dict[RegisterNameIn, Annotated[RegisterValue, Field(ge=0, max_digits=14)]] = Field(
        default_factory=dict,
        max_length=8,
        description='Values of the meter\'s other registers read at the same time, e.g. {"volume": "1234.56"}',
    )


class SubmittedOut(BaseModel):
    reading: ReadingOut
    consumption_since_previous: Decimal | None
    registers_since_previous: dict[str, Decimal] = Field(
        default_factory=dict, description="What each other register counted since its previous value"
    )


@app.get("/api/customers/<customer>/meters")
@tracer.capture_method
def list_meters(customer: CustomerPath) -> list[MeterOut]:
    overview = composition.reading_service().list_meters(customer_scope(app, customer))
    return [MeterOut.of(o) for o in overview]


@app.get("/api/customers/<customer>/meters/<meter>/readings")
@tracer.capture_method
def list_readings(customer: CustomerPath, meter: MeterPath) -> list[ReadingWithCorrectionsOut]:
    entries = composition.reading_correction_service().list_readings(customer_scope(app, customer), meter)
    return [ReadingWithCorrectionsOut.with_history(e) for e in entries]


@app.post("/api/customers/<customer>/meters/<meter>/readings")
@tracer.capture_method
def submit_reading(customer: CustomerPath, meter: MeterPath, body: MeterReadingIn) -> tuple[SubmittedOut, int]:
    result = composition.reading_service().submit(
        customer_scope(app, customer),
        meter,
        body.value,
        body.read_on,
        confirmed=body.confirm,
        registers=body.registers,
    )
    metrics.add_metric(name="ReadingSubmitted", unit=MetricUnit.Count, value=1)
    return SubmittedOut(
        reading=ReadingOut.of(result.reading),
        consumption_since_previous=result.consumption_since_previous,
        registers_since_previous=result.registers_since_previous,
    ), 201


class CorrectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: RegisterValue = Field(ge=0, max_digits=14, description="The correct register value")
    registers: dict[RegisterNameIn, Annotated[RegisterValue, Field(ge=0, max_digits=14)]] = Field(
        default_factory=dict,
        max_length=8,
        description="Correct values of the meter's other registers; those not given stay as they were",
    )
    reason: str = Field(min_length=1, max_length=REASON_MAX_LENGTH, description="Why the reading is corrected")


ReadingDatePath = Annotated[IsoDate, Path(description="Date of the stored reading (YYYY-MM-DD)")]


@app.put("/api/customers/<customer>/meters/<meter>/readings/<read_on>")
@tracer.capture_method
def correct_reading(
    customer: CustomerPath, meter: MeterPath, read_on: ReadingDatePath, body: CorrectionIn
) -> ReadingWithCorrectionsOut:
    entry = composition.reading_correction_service().correct(
        customer_scope(app, customer), meter, read_on, body.value, body.reason, body.registers
    )
    metrics.add_metric(name="ReadingCorrected", unit=MetricUnit.Count, value=1)
    return ReadingWithCorrectionsOut.with_history(entry)


class BarOut(BaseModel):
    key: str = Field(description="YYYY-MM (year view), YYYY-MM-DD (month view) or YYYY (total view)")
    quantity: Decimal | None
    previous: Decimal | None = Field(description="The same month a year earlier (year view)")
    degree_days: Decimal | None
    normalised: Decimal | None = Field(description="Consumption had the weather been normal")
    previous_normalised: Decimal | None
    volume_m3: Decimal | None = Field(
        default=None, description="m3 that circulated (year view of a meter with a volume register)"
    )
    partial: bool = Field(default=False, description="The month is still running: what was counted so far")


class ConsumptionOut(BaseModel):
    meter: str
    kind: str
    unit: str
    view: str
    year: int | None
    month: int | None
    total: Decimal
    previous_total: Decimal | None = Field(description="Last year (year view) or the same month last year")
    normalised_total: Decimal | None
    previous_normalised_total: Decimal | None
    normal_degree_days: Decimal | None
    volume_total_m3: Decimal | None = Field(default=None, description="m3 that circulated in the year (year view)")
    partial: bool = Field(
        default=False,
        description="The period is still running: the totals cover its ended part only (through compared_through)",
    )
    compared_through: int | None = Field(
        default=None, description="The last ended month (year view) or day (month view) the totals cover"
    )
    counted_until: date | None = Field(
        default=None, description="Total view: the last reading up to which the register counted the total"
    )
    earlier: Decimal | None = Field(
        default=None, description="Total view: what the register counted before the first year of the bars"
    )
    bars: list[BarOut]


@app.get("/api/customers/<customer>/meters/<meter>/consumption")
@tracer.capture_method
def consumption(
    customer: CustomerPath,
    meter: MeterPath,
    view: Annotated[Literal["year", "month", "total"], Query()] = "year",
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    month: Annotated[int | None, Query(ge=1, le=12)] = None,
    unit: Annotated[EnergyUnit | None, Query(description="kWh, MWh, GJ (energy) or m3 (water)")] = None,
) -> ConsumptionOut:
    result = composition.consumption_service().view(
        customer_scope(app, customer), meter, view, year=year, month=month, unit=unit
    )
    v = result.view
    return ConsumptionOut(
        meter=result.meter.number,
        kind=result.meter.kind.value,
        unit=result.unit.value,
        view=v.view,
        year=result.year,
        month=result.month,
        total=v.total,
        previous_total=v.previous_total,
        normalised_total=v.normalised_total,
        previous_normalised_total=v.previous_normalised_total,
        normal_degree_days=v.normal_degree_days,
        volume_total_m3=v.volume_total,
        partial=v.partial,
        compared_through=v.compared_through,
        counted_until=v.counted_until,
        earlier=v.earlier,
        bars=[
            BarOut(
                key=b.key,
                quantity=b.quantity,
                previous=b.previous,
                degree_days=b.degree_days,
                normalised=b.normalised,
                previous_normalised=b.previous_normalised,
                volume_m3=b.volume,
                partial=b.partial,
            )
            for b in v.bars
        ],
    )


class ReminderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: Literal["sms", "email"] = Field(description="How to be reminded to read the meter")
    address: str | None = Field(
        default=None, max_length=254, description="Mobile number or email address; the customer's own when omitted"
    )


class ReminderOut(BaseModel):
    channel: str
    address: str
    meter: str


@app.post("/api/customers/<customer>/meters/<meter>/reminders")
@tracer.capture_method
def set_up_reminder(customer: CustomerPath, meter: MeterPath, body: ReminderIn) -> tuple[ReminderOut, int]:
    agreement = composition.reading_link_service().set_up_agreement(
        customer_scope(app, customer), meter, body.channel, body.address
    )
    return ReminderOut(channel=agreement.channel, address=agreement.address, meter=agreement.meter_number), 201


TokenPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{20,100}$", description="The token of an emailed reading link")]


class LinkFormOut(BaseModel):
    meter: str
    kind: str
    unit: str
    decimals: int
    period: str
    last_reading: ReadingOut | None


@app.get("/api/reading-links/<token>")
@tracer.capture_method
def reading_link(token: TokenPath) -> LinkFormOut:
    form = composition.reading_link_service().form(token)
    return LinkFormOut(
        meter=form.meter.number,
        kind=form.meter.kind.value,
        unit=form.meter.unit.value,
        decimals=form.meter.decimals,
        period=form.period,
        last_reading=ReadingOut.of(form.last_reading) if form.last_reading else None,
    )


@app.post("/api/reading-links/<token>")
@tracer.capture_method
def submit_by_link(token: TokenPath, body: ReadingIn) -> tuple[SubmittedOut, int]:
    client = app.current_event.request_context.identity.source_ip or "unknown"
    result = composition.reading_link_service().submit(
        token, body.value, body.read_on, confirmed=body.confirm, client=client
    )
    metrics.add_metric(name="ReadingSubmittedByLink", unit=MetricUnit.Count, value=1)
    return SubmittedOut(
        reading=ReadingOut.of(result.reading), consumption_since_previous=result.consumption_since_previous
    ), 201


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
