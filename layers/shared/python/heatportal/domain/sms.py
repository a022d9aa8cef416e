"""The SMS reading keywords, parsed. Pure.

Accepted messages (keyword from the utility profile, any letter case, any
whitespace between words):

- ``KLEM START <customer number> <meter number>``: ask for an SMS agreement
  (a code goes to the contact data on record);
- ``KLEM START <code>``: confirm it with that code, from the same phone;
- ``KLEM <reading>``: a reading for the phone's only meter;
- ``KLEM <meter number> <reading>``: a reading when the phone has several meters;
- either reading form followed by ``OK``: the sender confirms a value the
  plausibility check questioned (the reply to an unusual value asks for this);
- ``KLEM STOP``: end the phone's SMS agreements (all its meters), or
  ``KLEM STOP <meter number>`` for one; the carriers' plain ``STOP`` (the
  opt-out word every SMS service must honour) ends them all too. ``STOPP``,
  the Norwegian and Swedish spelling, is read as ``STOP``.

A reading is digits with at most one decimal comma or point (``12345``,
``12345,6``); anything else is malformed and answered with the expected form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

_VALUE = re.compile(r"^\d{1,12}(?:[.,]\d{1,3})?$")
_NUMBER = re.compile(r"^[0-9A-Za-z/-]{1,20}$")
_CODE = re.compile(r"^[0-9]{6}$")


@dataclass(frozen=True)
class StartAgreement:
    customer_number: str
    meter_number: str


@dataclass(frozen=True)
class ConfirmStart:
    """The code sent to the contact data on record, which sets the agreement up."""

    code: str


@dataclass(frozen=True)
class SubmitReading:
    meter_number: str | None
    value: Decimal
    confirmed: bool


@dataclass(frozen=True)
class StopAgreement:
    """End the SMS agreement of one meter, or of every meter when None."""

    meter_number: str | None


@dataclass(frozen=True)
class Malformed:
    """Not understood; ``start`` and ``stop`` tell which form the sender was trying."""

    start: bool
    stop: bool = False


SmsCommand = StartAgreement | ConfirmStart | SubmitReading | StopAgreement | Malformed

_STOP_WORDS = frozenset({"STOP", "STOPP"})


def parse_sms(text: str, keyword: str) -> SmsCommand:
    words = text.split()
    if len(words) == 1 and words[0].upper() in _STOP_WORDS:
        return StopAgreement(meter_number=None)
    if not words or words[0].upper() != keyword.upper():
        return Malformed(start=False)
    rest = words[1:]
    if rest and rest[0].upper() in _STOP_WORDS:
        if len(rest) == 1:
            return StopAgreement(meter_number=None)
        if len(rest) == 2 and _NUMBER.match(rest[1]):
            return StopAgreement(meter_number=rest[1])
        return Malformed(start=False, stop=True)
    if rest and rest[0].upper() == "START":
        if len(rest) == 3 and _NUMBER.match(rest[1]) and _NUMBER.match(rest[2]):
            return StartAgreement(customer_number=rest[1], meter_number=rest[2])
        if len(rest) == 2 and _CODE.match(rest[1]):
            return ConfirmStart(code=rest[1])
        return Malformed(start=True)
    confirmed = bool(rest) and rest[-1].upper() == "OK"
    if confirmed:
        rest = rest[:-1]
    if len(rest) == 1 and _VALUE.match(rest[0]):
        return SubmitReading(meter_number=None, value=Decimal(rest[0].replace(",", ".")), confirmed=confirmed)
    if len(rest) == 2 and _NUMBER.match(rest[0]) and _VALUE.match(rest[1]):
        return SubmitReading(meter_number=rest[0], value=Decimal(rest[1].replace(",", ".")), confirmed=confirmed)
    return Malformed(start=False)
