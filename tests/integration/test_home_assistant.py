"""The Home Assistant answer against what Home Assistant's built-in RESTful
sensor needs to make it an energy sensor for the Energy dashboard.

What Home Assistant requires is transcribed below from its source
(home-assistant/core), not reasoned out here:

- homeassistant/components/rest/schema.py: the keys a ``rest:`` resource and
  its ``sensor:`` entries accept (RESOURCE_SCHEMA, SENSOR_SCHEMA, and the
  template sensor's base schema: device_class, state_class,
  unit_of_measurement, name, unique_id, icon, picture, availability).
- homeassistant/components/rest/sensor.py: the answer, if not XML, is the
  text ``value_template`` is rendered against (``value_json`` is the parsed
  JSON); ``json_attributes`` picks top-level keys of a JSON object.
- homeassistant/components/sensor/__init__.py (``SensorEntity.state``): with a
  device class, state class or unit, the state must be a number: a string
  without "." or "e" is read with int(), else float(), and must be finite.
- homeassistant/components/sensor/const.py: DEVICE_CLASS_UNITS and
  DEVICE_CLASS_STATE_CLASSES for ``energy`` and ``water``.
- homeassistant/components/sensor/recorder.py (``reset_detected``): a
  ``total_increasing`` state below 90 % of the one before starts a new meter
  cycle (its whole value is counted again), a smaller fall is logged as a dip,
  a negative one is an error.

The test reads the block the portal gives, resolves its ``!secret`` as Home
Assistant does, fetches the resource with its headers, renders the template
with Jinja2 (Home Assistant's template engine) and checks each rule; then it
lets a day pass and an actual reading arrive, and checks the total only grows.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import jinja2
import yaml
from werkzeug.test import Client

from heatportal.adapters.dynamo import meter_item, reading_item
from heatportal.adapters.dynamo_readings import DynamoReadingsStore
from heatportal.domain.home_assistant import SECRET_NAME
from heatportal.domain.model import DailyConsumption, MeterKind, Reading, ReadingSource
from heatportal.domain.money import EnergyUnit
from tests.dates import local_today
from tests.integration.conftest import body
from tests.integration.test_auth_portal import sign_in

# homeassistant/components/rest/schema.py (RESOURCE_SCHEMA; SENSOR_SCHEMA with the
# template sensor base schema, json_attributes, json_attributes_path, value_template, force_update).
RESOURCE_KEYS = {
    "resource", "resource_template", "authentication", "headers", "params", "method", "username", "password",
    "payload", "verify_ssl", "ssl_cipher_list", "timeout", "encoding", "scan_interval", "sensor", "binary_sensor",
}  # fmt: skip
SENSOR_KEYS = {
    "device_class", "state_class", "unit_of_measurement", "icon", "name", "picture", "unique_id", "availability",
    "json_attributes", "json_attributes_path", "value_template", "force_update",
}  # fmt: skip
# homeassistant/components/sensor/const.py
DEVICE_CLASS_UNITS = {
    "energy": {"J", "kJ", "MJ", "GJ", "mWh", "Wh", "kWh", "MWh", "GWh", "TWh", "cal", "kcal", "Mcal", "Gcal"},
    "water": {"CCF", "ft³", "m³", "gal", "L"},
}
DEVICE_CLASS_STATE_CLASSES = {"energy": {"total", "total_increasing"}, "water": {"total", "total_increasing"}}
ENERGY_DASHBOARD_CLASSES = {"energy", "gas", "water"}


def _load(text: str, secrets: dict[str, str]) -> Any:
    """configuration.yaml as Home Assistant reads it: ``!secret name`` from secrets.yaml."""

    class Loader(yaml.SafeLoader):
        pass

    def secret(loader: yaml.SafeLoader, node: yaml.Node) -> str:
        return secrets[str(loader.construct_scalar(node))]  # type: ignore[arg-type]  # a scalar node

    Loader.add_constructor("!secret", secret)
    return yaml.load(text, Loader=Loader)


def home_assistant_number(state: str) -> float:
    """SensorEntity.state's rule for a sensor with a device class."""
    value = int(state) if "." not in state and "e" not in state else float(state)
    if not math.isfinite(value):
        raise ValueError(f"non-finite value {state!r}")
    return float(value)


def new_cycle(previous: float, state: float) -> bool:
    """recorder.reset_detected: a total_increasing state below 90 % of the one before."""
    if state < 0:
        raise ValueError("negative total")
    return state < 0.9 * previous


def configuration(stack: Any, seeded: Any) -> str:
    browser = Client(stack.http_server.app)
    sign_in(browser, seeded.email)
    page = browser.get("/account/tokens", headers={"Accept-Language": "en"}).get_data(as_text=True)
    block = re.search(r'<textarea id="ha-yaml"[^>]*>(.*?)</textarea>', page, re.S)
    assert block, "the tokens page gives the Home Assistant block"
    return block.group(1).replace("&#34;", '"').replace("&#39;", "'").replace("&amp;", "&")


def token_for(http: Any, seeded: Any) -> str:
    resp = http.post(
        "/api/me/tokens",
        json={
            "name": "Home Assistant",
            "customers": [{"customer": seeded.customer.number}],
            "kinds": ["readings"],
            "expires_in_days": 365,
        },
        headers=seeded.auth,
    )
    assert resp.status_code == 201, resp.text
    return str(body(resp)["token"])


def poll(http: Any, base: str, rest: dict[str, Any], sensor: dict[str, Any]) -> tuple[float, dict[str, Any]]:
    """One update of the rest sensor: fetch, render the value template, read the state as a number."""
    resp = http.get(rest["resource"].removeprefix(base), headers=rest["headers"])
    assert resp.status_code == 200, resp.get_data(as_text=True)
    content_type = resp.headers["Content-Type"]
    assert content_type.startswith("application/json") and "xml" not in content_type
    answer = resp.json
    assert isinstance(answer, dict)  # json_attributes picks keys of an object
    state = (
        jinja2.Environment(autoescape=False)
        .from_string(sensor["value_template"])
        .render(value=resp.get_data(as_text=True), value_json=answer)
    )
    return home_assistant_number(state), answer


def test_the_answer_is_an_energy_sensor_for_the_energy_dashboard_and_only_grows(stack, seed, repo, http):
    seeded = seed()  # monthly readings up to the 1st of last month
    store = DynamoReadingsStore(repo.table)
    last_reading = (local_today().replace(day=1) - timedelta(days=1)).replace(day=1)
    days = [last_reading + timedelta(days=i) for i in range(5)]
    store.put_daily([DailyConsumption(meter_number=seeded.meter.number, day=d, quantity=Decimal("41.7")) for d in days])
    token = token_for(http, seeded)
    base = stack.portal_url
    config = _load(configuration(stack, seeded), {SECRET_NAME: f"Bearer {token}"})

    assert set(config) == {"rest"}
    [rest] = config["rest"]
    assert set(rest) <= RESOURCE_KEYS
    [sensor] = rest["sensor"]
    assert set(sensor) <= SENSOR_KEYS
    device_class = sensor["device_class"]
    assert device_class in ENERGY_DASHBOARD_CLASSES
    assert sensor["state_class"] in DEVICE_CLASS_STATE_CLASSES[device_class]
    assert sensor["state_class"] == "total_increasing"
    assert sensor["unit_of_measurement"] in DEVICE_CLASS_UNITS[device_class]
    assert (device_class, sensor["unit_of_measurement"]) == ("energy", "kWh")

    state, answer = poll(http, base, rest, sensor)
    assert set(sensor["json_attributes"]) <= set(answer)
    assert (answer["device_class"], answer["state_class"], answer["unit_of_measurement"]) == (
        device_class,
        sensor["state_class"],
        sensor["unit_of_measurement"],
    )
    # The register (the reading on the 1st of last month) and the five days counted since, floored to whole kWh.
    assert state == 19000 + 208

    # A day later the total has grown; then the next actual reading (the register, floored) arrives.
    store.put_daily(
        [DailyConsumption(meter_number=seeded.meter.number, day=days[-1] + timedelta(days=1), quantity=Decimal("39.9"))]
    )
    grown, _ = poll(http, base, rest, sensor)
    assert grown > state and not new_cycle(state, grown)
    read_on = days[-1] + timedelta(days=2)
    repo.table.put(
        reading_item(
            Reading(
                meter_number=seeded.meter.number,
                read_on=read_on,
                value=Decimal(19000 + 248),  # 19248.4 on the register, read as it shows
                source=ReadingSource.PORTAL,
                recorded_at=datetime.now(UTC),
            )
        )
    )
    after_reading, answer = poll(http, base, rest, sensor)
    assert after_reading >= grown and not new_cycle(grown, after_reading)
    assert answer["last_reading_on"] == read_on.isoformat()


def test_a_water_meter_is_a_water_sensor_in_cubic_metres(stack, seed, repo, http):
    seeded = seed()
    water = seeded.meter.model_copy(
        update={"number": f"W{seeded.customer.number}", "kind": MeterKind.WATER, "unit": EnergyUnit.M3, "decimals": 3}
    )
    repo.table.put(meter_item(water))
    repo.table.put(
        reading_item(
            Reading(
                meter_number=water.number,
                read_on=local_today() - timedelta(days=3),
                value=Decimal("412.345"),
                source=ReadingSource.PORTAL,
                recorded_at=datetime.now(UTC),
            )
        )
    )
    token = token_for(http, seeded)
    config = _load(configuration(stack, seeded), {SECRET_NAME: f"Bearer {token}"})
    sensors = {s["unique_id"]: (r, s) for r in config["rest"] for s in r["sensor"]}
    rest, sensor = sensors[f"heatportal_{water.number.lower()}"]
    assert (sensor["device_class"], sensor["unit_of_measurement"]) == ("water", "m³")
    assert sensor["unit_of_measurement"] in DEVICE_CLASS_UNITS["water"]
    state, answer = poll(http, stack.portal_url, rest, sensor)
    assert state == 412.345 and answer["unit_of_measurement"] == "m³"
