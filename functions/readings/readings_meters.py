"""Meter settings by customer service: the register's number of digits (so a
value below the previous one can be a rollover), its decimals and removal date.
Routes translate; services decide (heatportal.services.meter_settings)."""

from datetime import date, datetime
from typing import Any

from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from pydantic import BaseModel, ConfigDict, Field

from heatportal import composition
from heatportal.domain.meter_settings import NOTE_MAX_LENGTH, MeterSettingsChange
from heatportal.web.api import CustomerPath, MeterPath, customer_from_path, principal

router = APIGatewayRouter()


class MeterSettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    register_digits: int = Field(
        ge=1, le=12, description="Digits before the decimals: the register wraps to 0 after 10^N - 1"
    )
    decimals: int | None = Field(
        default=None, ge=0, le=3, description="Decimals the register shows; unchanged when omitted"
    )
    removed_on: date | None = Field(
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
        principal(router),
        customer_from_path(customer),
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
