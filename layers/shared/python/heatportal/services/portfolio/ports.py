"""What the portfolio needs from storage (adapters.dynamo_portfolio)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from heatportal.domain.facility_groups import OperatingProtocol, PortfolioSettings
from heatportal.domain.model import Reading
from heatportal.domain.portfolio import CustomerDirectory, FacilityAggregate, Supply


class PortfolioStore(Protocol):
    def directories(self, customer_numbers: Sequence[str]) -> dict[str, CustomerDirectory]:
        """The stored directories of these customers (those that have one), in
        one BatchGetItem per 100 customers."""
        ...

    def put_directory(self, directory: CustomerDirectory) -> None: ...

    def note_reading(self, customer_number: str, reading: Reading) -> None:
        """Set the meter's last reading in its customer's directory unless the
        directory is missing or holds a newer one."""
        ...

    def aggregates(self, wanted: Sequence[tuple[str, str, Supply]]) -> list[FacilityAggregate]:
        """The figures of (customer, facility, supply), those that exist, in one
        BatchGetItem per 100."""
        ...

    def put_aggregates(self, aggregates: Sequence[FacilityAggregate]) -> None: ...

    def facility(
        self, customer_number: str, facility_id: str
    ) -> tuple[list[FacilityAggregate], list[OperatingProtocol]]:
        """A facility's figures and its operating protocols (newest first), in one Query."""
        ...

    def put_protocol(self, protocol: OperatingProtocol) -> None: ...


class PortfolioSettingsStore(Protocol):
    def settings(self, user_id: str) -> PortfolioSettings:
        """The person's groups and tiles (empty settings, version 0, when none)."""
        ...

    def save_settings(self, settings: PortfolioSettings) -> PortfolioSettings:
        """Store as the next version; Conflict(settings_changed) when the stored
        version is no longer ``settings.version``."""
        ...
