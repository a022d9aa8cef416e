"""The utility's own date. The services take 'today' in the profile's time zone
(Europe/Oslo for the Norwegian demo profile the test stacks run), so tests that
compute dates must too, or they fail between 23:00 and 24:00 UTC."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from heatportal.domain.profile import load_profile


def local_today(profile_id: str = "no") -> date:
    return datetime.now(ZoneInfo(load_profile(profile_id).timezone)).date()
