"""What a person keeps for their portfolio: named groups of facilities (seed
004: "select individual or all facilities ... and create your own groups") and
the start page's tiles as they chose them ("Change data"), and the utility's
function-control operating protocols of a facility. Pure."""

from __future__ import annotations

import re
from datetime import datetime

from pydantic import Field

from heatportal.domain.contact import hidden_character
from heatportal.domain.errors import ValidationFailed
from heatportal.domain.model import Frozen

MAX_GROUPS = 50
# A group's analysis reads each facility's figures in one BatchGetItem (at most
# 100 keys), so a group holds at most 100 facilities.
MAX_GROUP_FACILITIES = 100
MAX_GROUP_NAME = 60
_SPACES = re.compile(r"\s+")


class FacilityGroup(Frozen):
    id: str
    name: str
    facilities: tuple[str, ...]
    created_at: datetime


class TileSetting(Frozen):
    """One start-page tile as the person wants it: shown or not, in this
    place (the order of the list), with these options (e.g. period, unit)."""

    tile: str
    shown: bool = True
    options: dict[str, str] = Field(default_factory=dict)


class PortfolioSettings(Frozen):
    user_id: str
    groups: tuple[FacilityGroup, ...] = ()
    tiles: tuple[TileSetting, ...] = ()  # empty: the default start page
    version: int = 0  # optimistic lock: a save fails if another save came first

    def group(self, group_id: str) -> FacilityGroup | None:
        return next((g for g in self.groups if g.id == group_id), None)


def group_name(text: str) -> str:
    """A group's name, trimmed with single spaces; ValidationFailed when empty,
    too long or with a hidden character."""
    name = _SPACES.sub(" ", text).strip()
    if not name or len(name) > MAX_GROUP_NAME or hidden_character(name) is not None:
        raise ValidationFailed(
            "Give the group a name of at most 60 characters.",
            code="group_name_invalid",
            params={"max": MAX_GROUP_NAME},
            fields=[{"field": "name", "code": "group_name_invalid"}],
        )
    return name


def check_group(settings: PortfolioSettings, name: str, facilities: tuple[str, ...], *, replacing: str | None) -> None:
    """Refuse a group without facilities, with too many, a name another group
    of the person has, or one group too many."""
    if not facilities:
        raise ValidationFailed(
            "Choose at least one facility.",
            code="group_empty",
            fields=[{"field": "facilities", "code": "group_empty"}],
        )
    if len(facilities) > MAX_GROUP_FACILITIES:
        raise ValidationFailed(
            "A group holds at most 100 facilities.",
            code="group_too_large",
            params={"max": MAX_GROUP_FACILITIES},
            fields=[{"field": "facilities", "code": "group_too_large"}],
        )
    others = [g for g in settings.groups if g.id != replacing]
    if any(g.name.casefold() == name.casefold() for g in others):
        raise ValidationFailed(
            "You already have a group with this name.",
            code="group_name_taken",
            fields=[{"field": "name", "code": "group_name_taken"}],
        )
    if replacing is None and len(others) >= MAX_GROUPS:
        raise ValidationFailed(
            "You have as many groups as you can keep. Delete one first.",
            code="group_limit",
            params={"max": MAX_GROUPS},
        )


class OperatingProtocol(Frozen):
    """A protocol of the utility's function-control service for a facility
    (a PDF staff upload; the facility's people download it)."""

    id: str
    customer_number: str
    facility_id: str
    title: str
    filename: str
    document_key: str  # in the document store (S3)
    size: int
    uploaded_at: datetime
    uploaded_by: str
