"""``/api/v1/data``: a customer's own data, read with a personal access token
or a provider share (``Authorization: Bearer hp_pat_…`` / ``hp_shr_…``).
Every route checks the token first (heatportal.web.open_data.credential),
then the credential's scope on the customer (services.open_data.scopes)."""

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import Router
from pydantic import BaseModel, Field

from heatportal import composition
from heatportal.domain.model import Invoice, Meter
from heatportal.domain.money import EnergyUnit
from heatportal.domain.open_data import DataKind
from heatportal.services.open_data.scopes import DataScope
from heatportal.services.open_data.series import MAX_PAGE, RegisterValue
from heatportal.web.api import CustomerPath, MeterPath, customer_from_path, customer_to_path
from heatportal.web.fields import IsoDate, IsoDateTime
from heatportal.web.open_data import credential, decode_cursor, encode_cursor

router = Router()

Quality = Literal["measured", "estimated", "corrected"]
CursorQuery = Annotated[
    str | None, Query(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="next_cursor of the previous page")
]
LimitQuery = Annotated[int, Query(ge=1, le=MAX_PAGE, description="Intervals (or items) per page")]
UnitQuery = Annotated[EnergyUnit | None, Query(description="kWh (default), MWh or GJ; m3 for a water meter")]


def _scope(customer: str, kind: DataKind | None, what: str) -> DataScope:
    return composition.data_scopes().scope(credential(router), customer_from_path(customer), kind, what)


# --- customers and meters --------------------------------------------------------------------


class DataFacilityOut(BaseModel):
    id: str
    name: str
    street: str
    postcode: str
    city: str


class DataCustomerOut(BaseModel):
    customer: str = Field(description="Customer number as the URLs write it ('/' as '-')")
    name: str | None
    facilities: list[DataFacilityOut] = Field(description="The facilities this token covers")
    kinds: list[str] = Field(description="What this token may read")
    invoices: bool = Field(description="Whether it covers every facility, so may read invoices (with the kind)")


class DataCustomersOut(BaseModel):
    customers: list[DataCustomerOut]


@router.get("/api/v1/data/customers")
def customers() -> DataCustomersOut:
    listed = []
    for scope in composition.data_scopes().customers(credential(router)):
        record = scope.record
        listed.append(
            DataCustomerOut(
                customer=customer_to_path(record.number),
                name=record.customer.name if record.customer else None,
                facilities=[
                    DataFacilityOut(
                        id=f.id, name=f.name, street=f.address.street, postcode=f.address.postcode, city=f.address.city
                    )
                    for f in record.facilities
                    if scope.scope.sees(f.id)
                ],
                kinds=sorted(scope.credential.kinds),
                invoices=scope.whole and "invoices" in scope.credential.kinds,
            )
        )
    return DataCustomersOut(customers=listed)


class DataRegisterOut(BaseModel):
    name: str = Field(description="energy, volume or tariff")
    main: bool = Field(description="The register billing uses; its readings are the meter's readings")
    unit: str
    decimals: int


class DataLastReadingOut(BaseModel):
    read_on: date
    at: datetime = Field(description="The register at 00:00 local time of read_on, in UTC")
    value: Decimal
    unit: str
    quality: Quality


class DataMeterOut(BaseModel):
    number: str
    facility_id: str
    kind: str
    unit: str = Field(description="The unit the meter counts in")
    installed_on: date
    removed_on: date | None
    registers: list[DataRegisterOut]
    last_reading: DataLastReadingOut | None


class DataMetersOut(BaseModel):
    customer: str
    meters: list[DataMeterOut]


def _last(value: RegisterValue, unit: EnergyUnit) -> DataLastReadingOut:
    return DataLastReadingOut(
        read_on=value.reading.read_on, at=value.at, value=value.value, unit=unit.value, quality=value.quality
    )


def _meter_out(meter: Meter, last: RegisterValue | None, unit: EnergyUnit) -> DataMeterOut:
    return DataMeterOut(
        number=meter.number,
        facility_id=meter.facility_id,
        kind=meter.kind.value,
        unit=meter.unit.value,
        installed_on=meter.installed_on,
        removed_on=meter.removed_on,
        registers=[
            DataRegisterOut(name=r.name.value, main=i == 0, unit=r.unit.value, decimals=r.decimals)
            for i, r in enumerate(meter.all_registers)
        ],
        last_reading=_last(last, unit) if last else None,
    )


@router.get("/api/v1/data/customers/<customer>/meters")
def meters(customer: CustomerPath) -> DataMetersOut:
    scope = _scope(customer, None, "meters")
    listed = composition.data_series().meters(scope)
    return DataMetersOut(
        customer=customer_to_path(scope.customer_number),
        meters=[_meter_out(m.meter, m.last, m.unit) for m in listed],
    )


# --- interval consumption --------------------------------------------------------------------


class DataIntervalOut(BaseModel):
    start: datetime = Field(description="UTC")
    end: datetime = Field(description="UTC")
    quantity: Decimal = Field(description="In the answer's unit")
    quality: Quality
    volume_m3: Decimal | None = Field(description="Water that circulated, where measured")
    supply_temp_c: Decimal | None = Field(description="Supply temperature (°C), energy-weighted, where measured")
    return_temp_c: Decimal | None = Field(description="Return temperature (°C), energy-weighted, where measured")
    flow_m3h: Decimal | None = Field(description="Mean flow (m3/h), where measured")
    cost: Decimal | None = Field(
        description="What this quantity adds to the bill by its month's price list, VAT included "
        "(energy and volume charges; fixed and capacity charges are monthly); null where not priced"
    )


class DataConsumptionOut(BaseModel):
    customer: str
    meter: str
    kind: str
    resolution: Literal["hour", "day", "month"]
    unit: str
    currency: str
    timezone: str = Field(description="Days and months are local to this time zone; starts and ends are UTC")
    start: datetime = Field(description="The first interval this page covers (UTC)")
    end: datetime = Field(description="Where the series ends (UTC): `to`, or the end of the current interval")
    values: list[DataIntervalOut]
    next_cursor: str | None = Field(description="Pass as `cursor` (with the same parameters) for the next page")


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError("a cursor's moment is in UTC")
    return moment


@router.get("/api/v1/data/customers/<customer>/meters/<meter>/consumption")
def consumption(
    customer: CustomerPath,
    meter: MeterPath,
    start: Annotated[
        IsoDateTime | None, Query(alias="from", description="ISO 8601 with offset; default: back from `to`")
    ] = None,
    to: Annotated[IsoDateTime | None, Query(description="ISO 8601 with offset (not included)")] = None,
    resolution: Annotated[Literal["hour", "day", "month"], Query()] = "day",
    unit: UnitQuery = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = 1000,
) -> DataConsumptionOut:
    scope = _scope(customer, "consumption", f"consumption {meter}")
    after = decode_cursor(cursor, _moment)
    page = composition.data_series().consumption_page(scope, meter, after or start, to, resolution, unit, limit)
    return DataConsumptionOut(
        customer=customer_to_path(scope.customer_number),
        meter=page.meter.number,
        kind=page.meter.kind.value,
        resolution=page.resolution,
        unit=page.unit.value,
        currency=page.currency,
        timezone=composition.profile().timezone,
        start=page.start,
        end=page.end,
        values=[
            DataIntervalOut(
                start=v.start,
                end=v.end,
                quantity=v.quantity,
                quality=v.quality,
                volume_m3=v.volume_m3,
                supply_temp_c=v.supply_temp,
                return_temp_c=v.return_temp,
                flow_m3h=v.flow_m3h,
                cost=v.cost,
            )
            for v in page.values
        ],
        next_cursor=encode_cursor(page.next_start.astimezone(UTC).isoformat()) if page.next_start else None,
    )


# --- register readings --------------------------------------------------------------------------


class DataReadingOut(BaseModel):
    read_on: date
    at: datetime = Field(description="The register at 00:00 local time of read_on, in UTC")
    value: Decimal = Field(description="The register (cumulative), in the answer's unit")
    quality: Quality
    source: str = Field(description="portal, sms, link, import, staff or estimate")
    registers: dict[str, Decimal] = Field(description="The meter's other registers read at the same time (m3 ...)")


class DataReadingsOut(BaseModel):
    customer: str
    meter: str
    unit: str
    values: list[DataReadingOut]
    next_cursor: str | None


@router.get("/api/v1/data/customers/<customer>/meters/<meter>/readings")
def readings(
    customer: CustomerPath,
    meter: MeterPath,
    first: Annotated[IsoDate | None, Query(alias="from", description="YYYY-MM-DD; default 13 months back")] = None,
    last: Annotated[IsoDate | None, Query(alias="to", description="YYYY-MM-DD, included; default today")] = None,
    unit: UnitQuery = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = 1000,
) -> DataReadingsOut:
    scope = _scope(customer, "readings", f"readings {meter}")
    after = decode_cursor(cursor, date.fromisoformat)
    page = composition.data_series().readings_page(scope, meter, after or first, last, unit, limit)
    return DataReadingsOut(
        customer=customer_to_path(scope.customer_number),
        meter=page.meter.number,
        unit=page.unit.value,
        values=[
            DataReadingOut(
                read_on=v.reading.read_on,
                at=v.at,
                value=v.value,
                quality=v.quality,
                source=v.reading.source.value,
                registers=dict(v.reading.registers),
            )
            for v in page.values
        ],
        next_cursor=encode_cursor(page.next_day.isoformat()) if page.next_day else None,
    )


# --- invoices ------------------------------------------------------------------------------------


class DataInvoiceOut(BaseModel):
    number: int
    kind: str
    period: str = Field(description="YYYY-MM")
    issued_on: date
    due_on: date
    currency: str
    net_total: Decimal
    vat_total: Decimal
    total: Decimal
    status: str

    @classmethod
    def of(cls, invoice: Invoice) -> "DataInvoiceOut":
        return cls(
            number=invoice.number,
            kind=invoice.kind.value,
            period=invoice.period.key,
            issued_on=invoice.issued_on,
            due_on=invoice.due_on,
            currency=invoice.currency,
            net_total=invoice.net_total,
            vat_total=invoice.vat_total,
            total=invoice.total,
            status=invoice.status.value,
        )


class DataInvoicesOut(BaseModel):
    customer: str
    invoices: list[DataInvoiceOut] = Field(description="Newest first")
    next_cursor: str | None


@router.get("/api/v1/data/customers/<customer>/invoices")
def invoices(customer: CustomerPath, cursor: CursorQuery = None, limit: LimitQuery = 100) -> DataInvoicesOut:
    scope = _scope(customer, "invoices", "invoices")
    before = decode_cursor(cursor, int)
    page = composition.data_series().invoices_page(scope, before, limit)
    return DataInvoicesOut(
        customer=customer_to_path(scope.customer_number),
        invoices=[DataInvoiceOut.of(i) for i in page.invoices],
        next_cursor=encode_cursor(str(page.next_before)) if page.next_before is not None else None,
    )


# --- Home Assistant ----------------------------------------------------------------------------


class HomeAssistantOut(BaseModel):
    state: Decimal = Field(
        description="The register now, in unit_of_measurement: value_template {{ value_json.state }}"
    )
    unit_of_measurement: Literal["kWh", "m³"]
    device_class: Literal["energy", "water"]
    state_class: Literal["total_increasing"]
    meter: str
    kind: str
    last_reading_on: date = Field(description="The last actual reading the state starts from")
    counted_until: date = Field(description="The state holds what the meter counted before this day")


@router.get("/api/v1/data/customers/<customer>/meters/<meter>/home-assistant")
def home_assistant(customer: CustomerPath, meter: MeterPath) -> HomeAssistantOut:
    scope = _scope(customer, "readings", f"home-assistant {meter}")
    sensor = composition.home_assistant_sensors().state(scope, meter)
    return HomeAssistantOut(
        state=sensor.state,
        unit_of_measurement=sensor.shape.unit_of_measurement,
        device_class=sensor.shape.device_class,
        state_class="total_increasing",
        meter=sensor.meter.number,
        kind=sensor.meter.kind.value,
        last_reading_on=sensor.last_reading.read_on,
        counted_until=sensor.counted_until,
    )
