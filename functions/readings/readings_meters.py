"""Meters by customer service: the register's settings (number of digits, so a
value below the previous one can be a rollover; decimals; removal date), a new
meter on a facility and a meter replacement. Routes translate; services decide
(heatportal.services.meter_settings, heatportal.services.meter_lifecycle)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from pydantic import BaseModel, ConfigDict, Field, model_validator

from heatportal import composition
from heatportal.domain.meter_settings import NOTE_MAX_LENGTH, MeterSettingsChange
from heatportal.domain.model import Meter, MeterKind, Register, RegisterName
from heatportal.domain.money import EnergyUnit
from heatportal.web.api import CustomerPath, MeterPath
from heatportal.web.fields import IsoDate, RegisterValue
from heatportal.web.scope import customer_scope

router = APIGatewayRouter()


class MeterSettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    register_digits: int = Field(
        ge=1, le=12, description="Digits before the decimals: the register wraps to 0 after 10^N - 1"
    )
    decimals: int | None = Field(
        default=None, ge=0, le=3, description="Decimals the register shows; unchanged when omitted"
    )
    removed_on: IsoDate | None = Field(
        default=None, description="Removal date; unchanged when omitted, cleared when sent as null"
    )
    reason: str = Field(
        min_length=1, max_length=NOTE_MAX_LENGTH, description="Why the settings change (kept in the history)"
    )


class MeterSettingsChangeOut(BaseModel):
    previous_register_digits: int | None
    register_digits: int | None
    previous_decimals: int
    decimals: int
    previous_removed_on: date | None
    removed_on: date | None
    reason: str
    changed_at: datetime
    changed_by: str

    @classmethod
    def of(cls, change: MeterSettingsChange) -> "MeterSettingsChangeOut":
        return cls(**change.model_dump(exclude={"meter_number", "customer_number"}))


class MeterSettingsOut(BaseModel):
    number: str
    kind: str
    unit: str
    register_digits: int | None
    decimals: int
    installed_on: date
    removed_on: date | None
    history: list[MeterSettingsChangeOut] = Field(description="Settings changes by customer service, oldest first")


@router.put("/api/customers/<customer>/meters/<meter>")
def change_meter_settings(customer: CustomerPath, meter: MeterPath, body: MeterSettingsIn) -> MeterSettingsOut:
    options: dict[str, Any] = {}
    if "decimals" in body.model_fields_set and body.decimals is not None:
        options["decimals"] = body.decimals
    if "removed_on" in body.model_fields_set:
        options["removed_on"] = body.removed_on
    result = composition.meter_settings_service().change(
        customer_scope(router, customer),
        meter,
        register_digits=body.register_digits,
        reason=body.reason,
        **options,
    )
    m = result.meter
    return MeterSettingsOut(
        number=m.number,
        kind=m.kind.value,
        unit=m.unit.value,
        register_digits=m.register_digits,
        decimals=m.decimals,
        installed_on=m.installed_on,
        removed_on=m.removed_on,
        history=[MeterSettingsChangeOut.of(c) for c in result.history],
    )


# --- meter lifecycle by customer service: a new meter, a replacement ------------------


class RegisterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: RegisterName = Field(description="volume or tariff (the main register is the meter's own)")
    unit: EnergyUnit
    decimals: int = Field(ge=0, le=3)
    start_value: RegisterValue = Field(default=Decimal(0), ge=0, max_digits=14)
    register_digits: int | None = Field(default=None, ge=1, le=12)

    @model_validator(mode="after")
    def _a_register(self) -> "RegisterIn":
        self.register()  # a volume register counts m3, an energy one an energy unit
        return self

    def register(self) -> Register:
        return Register(**self.model_dump())


class MeterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: str = Field(min_length=1, max_length=20, description="Meter number, unique across the utility")
    facility_id: str = Field(min_length=1, max_length=40, description="One of the customer's facilities")
    kind: MeterKind
    unit: EnergyUnit = Field(description="kWh, MWh or GJ for heat, cooling and electricity; m3 for water")
    decimals: int = Field(ge=0, le=3)
    register_digits: int | None = Field(default=None, ge=1, le=12, description="Digits before the decimals")
    installed_on: IsoDate = Field(description="Installation date, not in the future")
    start_value: RegisterValue = Field(ge=0, max_digits=14, description="Register value at installation")
    registers: list[RegisterIn] = Field(default_factory=list, max_length=4, description="Secondary registers")


class MeterReplacementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    on: IsoDate = Field(description="Replacement date: the old meter's last day, the new meter's first")
    final_value: RegisterValue = Field(ge=0, max_digits=14, description="The old meter's final reading on that date")
    new_number: str = Field(min_length=1, max_length=20)
    new_start_value: RegisterValue = Field(ge=0, max_digits=14, description="The new meter's register at installation")
    new_decimals: int | None = Field(default=None, ge=0, le=3, description="Default: the old meter's")
    new_register_digits: int | None = Field(default=None, ge=1, le=12, description="Default: the old meter's")
    new_registers: list[RegisterIn] | None = Field(
        default=None, max_length=4, description="Default: the old meter's, starting at 0"
    )
    reason: str = Field(
        min_length=1, max_length=NOTE_MAX_LENGTH, description="Why the meter is replaced (kept in its history)"
    )


class LifecycleMeterOut(BaseModel):
    number: str
    facility_id: str
    kind: str
    unit: str
    decimals: int
    register_digits: int | None
    installed_on: date
    removed_on: date | None
    start_value: Decimal
    registers: list[RegisterIn]

    @classmethod
    def of(cls, m: Meter) -> "LifecycleMeterOut":
        return cls(
            number=m.number,
            facility_id=m.facility_id,
            kind=m.kind.value,
            unit=m.unit.value,
            decimals=m.decimals,
            register_digits=m.register_digits,
            installed_on=m.installed_on,
            removed_on=m.removed_on,
            start_value=m.start_value,
            registers=[RegisterIn(**r.model_dump()) for r in m.registers],
        )


class MeterReplacementOut(BaseModel):
    old: LifecycleMeterOut
    new: LifecycleMeterOut
    final_value: Decimal = Field(description="The old meter's final reading, on its removal date")


@router.post("/api/customers/<customer>/meters")
def add_meter(customer: CustomerPath, body: MeterIn) -> tuple[LifecycleMeterOut, int]:
    result = composition.meter_lifecycle_service().add(
        customer_scope(router, customer),
        number=body.number,
        facility_id=body.facility_id,
        kind=body.kind,
        unit=body.unit,
        decimals=body.decimals,
        installed_on=body.installed_on,
        start_value=body.start_value,
        register_digits=body.register_digits,
        registers=tuple(r.register() for r in body.registers),
    )
    return LifecycleMeterOut.of(result.meter), 201 if result.created else 200


@router.post("/api/customers/<customer>/meters/<meter>/replacement")
def replace_meter(
    customer: CustomerPath, meter: MeterPath, body: MeterReplacementIn
) -> tuple[MeterReplacementOut, int]:
    result = composition.meter_lifecycle_service().replace(
        customer_scope(router, customer),
        meter,
        on=body.on,
        final_value=body.final_value,
        new_number=body.new_number,
        new_start_value=body.new_start_value,
        reason=body.reason,
        new_decimals=body.new_decimals,
        new_register_digits=body.new_register_digits,
        new_registers=None if body.new_registers is None else tuple(r.register() for r in body.new_registers),
    )
    return MeterReplacementOut(
        old=LifecycleMeterOut.of(result.old), new=LifecycleMeterOut.of(result.new), final_value=result.final.value
    ), 201 if result.created else 200
