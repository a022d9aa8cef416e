"""The alert settings' API refuses what it cannot store, whatever the form of
the number: a threshold as text or as a JSON number outside its bounds or with
more decimals than one is a 422 naming the field, and nothing is stored."""

from __future__ import annotations

from typing import Any

import pytest


def rule(**limits: Any) -> dict[str, Any]:
    return {
        "rules": [
            {"supply": "heating", "measure": "return_temperature", "channels": ["portal"], "summer": "45", **limits}
        ]
    }


@pytest.mark.parametrize(
    "winter",
    [1.5380540133391882e16, "1234567", -3, "40.55", 40.55],
    ids=["huge-number", "seven-digits", "negative", "two-decimals-text", "two-decimals-number"],
)
def test_a_threshold_out_of_bounds_is_a_422_and_stores_nothing(http, seed, winter: Any) -> None:
    seeded = seed()
    url = f"/api/customers/{seeded.customer.number}/alerts/{seeded.meter.facility_id}"
    refused = http.put(url, json=rule(winter=winter), headers=seeded.auth)
    assert refused.status_code == 422, refused.text
    assert "winter" in refused.text
    listed = http.get(f"/api/customers/{seeded.customer.number}/alerts", headers=seeded.auth)
    assert listed.status_code == 200
    assert all(not f["rules"] for f in listed.json), listed.json


def test_a_threshold_in_bounds_is_stored(http, seed) -> None:
    seeded = seed()
    url = f"/api/customers/{seeded.customer.number}/alerts/{seeded.meter.facility_id}"
    stored = http.put(url, json=rule(winter=40.5), headers=seeded.auth)
    assert stored.status_code == 200, stored.text
