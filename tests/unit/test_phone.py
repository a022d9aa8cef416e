"""One phone normalisation (heatportal.domain.phone), strict or not."""

from __future__ import annotations

import pytest

from heatportal.domain.phone import normalise_phone


@pytest.mark.parametrize("strict", [True, False])
def test_national_and_international_forms_give_one_e164_number(strict: bool) -> None:
    for typed in ("912 34 567", "004791234567", "+47 912 34 567"):
        assert normalise_phone(typed, "NO", strict=strict) == "+4791234567"
    assert normalise_phone("+46 70 123 45 67", "NO", strict=strict) == "+46701234567"


@pytest.mark.parametrize("strict", [True, False])
def test_what_is_no_phone_number_is_none(strict: bool) -> None:
    assert normalise_phone("12", "NO", strict=strict) is None
    assert normalise_phone("not a number", "NO", strict=strict) is None


def test_only_the_lenient_form_accepts_a_number_outside_the_numbering_plan() -> None:
    # Eight digits is a possible Norwegian length, but no range starts with 0.
    assert normalise_phone("012 34 567", "NO", strict=True) is None
    assert normalise_phone("012 34 567", "NO", strict=False) == "+4701234567"
