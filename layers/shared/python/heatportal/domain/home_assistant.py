"""A meter's register as Home Assistant reads it. Pure.

Home Assistant's built-in RESTful sensor (``rest:`` in configuration.yaml,
homeassistant/components/rest) fetches a URL, renders its ``value_template``
against the JSON answer (``value_json``) and takes the result as the state;
``device_class``, ``state_class`` and ``unit_of_measurement`` come from the
configuration. Its Energy dashboard takes a sensor with device class
``energy`` (or ``water``, ``gas``) and state class ``total`` or
``total_increasing``, in a unit of that device class (Home Assistant's
sensor/const.py, ``DEVICE_CLASS_UNITS``, ``DEVICE_CLASS_STATE_CLASSES``); the
state must parse as a finite number (sensor/__init__.py). A
``total_increasing`` state that falls is read as a new meter cycle (a fall
of 10 % or more; a smaller one as a dip it warns about), so the register is
given as a total that only grows (``domain.series.register_now``).

Energy meters are given in kWh (device class ``energy``), water meters in m³
(device class ``water``, whose units Home Assistant spells ``m³``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from typing import Literal

from heatportal.domain.money import EnergyUnit, convert, is_energy

DeviceClass = Literal["energy", "water"]
STATE_CLASS = "total_increasing"
SECRET_NAME = "heatportal_authorization"  # noqa: S105 - the name of an entry in secrets.yaml, no secret
SCAN_INTERVAL_SECONDS = 3600  # the data changes once a day at most
ATTRIBUTES = ("meter", "kind", "last_reading_on", "counted_until")


@dataclass(frozen=True)
class SensorShape:
    device_class: DeviceClass
    unit_of_measurement: Literal["kWh", "m³"]

    @property
    def state_class(self) -> str:
        return STATE_CLASS


def shape_of(meter_unit: EnergyUnit) -> SensorShape:
    return SensorShape("energy", "kWh") if is_energy(meter_unit) else SensorShape("water", "m³")


def state_of(register: Decimal, meter_unit: EnergyUnit) -> Decimal:
    """The register in the sensor's unit: kWh to the watt-hour (floored, so it
    never runs ahead of the meter), or m3 as it is."""
    if not is_energy(meter_unit):
        return register
    return convert(register, meter_unit, EnergyUnit.KWH).quantize(Decimal("0.001"), rounding=ROUND_FLOOR)


@dataclass(frozen=True)
class SensorEntry:
    """One meter in the configuration: where its sensor answer is, and its name."""

    resource: str
    meter_number: str
    name: str
    unit: EnergyUnit


def _quoted(text: str) -> str:
    # A JSON string is a YAML double-quoted scalar.
    return json.dumps(text, ensure_ascii=False)


def configuration_yaml(entries: list[SensorEntry], *, header: list[str]) -> str:
    """The ``rest:`` block of configuration.yaml for these meters, one resource
    each, the token read from secrets.yaml (``SECRET_NAME``); ``header`` lines
    become comments above it."""
    lines = [f"# {line}" for line in header]
    lines.append("rest:")
    for entry in entries:
        shape = shape_of(entry.unit)
        lines += [
            f"  - resource: {_quoted(entry.resource)}",
            "    headers:",
            f"      Authorization: !secret {SECRET_NAME}",
            f"    scan_interval: {SCAN_INTERVAL_SECONDS}",
            "    sensor:",
            f"      - name: {_quoted(entry.name)}",
            f"        unique_id: {_quoted('heatportal_' + entry.meter_number.lower())}",
            '        value_template: "{{ value_json.state }}"',
            f"        device_class: {shape.device_class}",
            f"        state_class: {shape.state_class}",
            f"        unit_of_measurement: {_quoted(shape.unit_of_measurement)}",
            "        json_attributes:",
            *[f"          - {name}" for name in ATTRIBUTES],
        ]
    return "\n".join(lines) + "\n"
