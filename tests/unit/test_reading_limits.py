"""What any register value must be, whatever the channel (portal, API, SMS,
emailed link, staff): a number no meter can show is refused before storing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from heatportal.domain.errors import ValidationFailed
from heatportal.services.readings import validate_register_value
from tests.builders import a_meter


@pytest.mark.parametrize("text", ["1E+50", "1" + "0" * 41, "1000000000000"])
def test_a_number_longer_than_any_register_is_refused(text: str) -> None:
    meter = a_meter("M1")  # digits unknown
    assert meter.register_digits is None
    with pytest.raises(ValidationFailed) as refused:
        validate_register_value(meter, Decimal(text))
    assert refused.value.code == "reading_exceeds_register"
    assert refused.value.params["digits"] == "12"


@pytest.mark.parametrize("text", ["12345.0", "12345.000", "12300", "999999999999"])
def test_trailing_zeros_are_not_decimals(text: str) -> None:
    meter = a_meter("M1")
    assert meter.decimals == 0
    validate_register_value(meter, Decimal(text))


def test_a_real_decimal_is_still_refused_on_a_register_without_decimals() -> None:
    with pytest.raises(ValidationFailed) as refused:
        validate_register_value(a_meter("M1"), Decimal("12345.5"))
    assert refused.value.code == "reading_too_many_decimals"
