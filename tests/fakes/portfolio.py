"""The portfolio's storage in memory (``services.portfolio.ports``), held to
``adapters.dynamo_portfolio.DynamoPortfolioStore`` by tests/contract/ports.
``batches`` counts the batch reads (directories, figures) a test asks for."""

from __future__ import annotations

from collections.abc import Sequence

from heatportal.domain.errors import Conflict
from heatportal.domain.facility_groups import OperatingProtocol, PortfolioSettings
from heatportal.domain.model import Reading
from heatportal.domain.portfolio import CustomerDirectory, FacilityAggregate, Supply
from heatportal.services.portfolio.ports import PortfolioSettingsStore, PortfolioStore


class InMemoryPortfolioStore(PortfolioStore, PortfolioSettingsStore):
    def __init__(self) -> None:
        self.stored_directories: dict[str, CustomerDirectory] = {}
        self.stored_aggregates: dict[tuple[str, str, Supply], FacilityAggregate] = {}
        self.protocols: list[OperatingProtocol] = []
        self.stored_settings: dict[str, PortfolioSettings] = {}
        self.batches = 0

    def directories(self, customer_numbers: Sequence[str]) -> dict[str, CustomerDirectory]:
        unique = list(dict.fromkeys(customer_numbers))
        self.batches += (len(unique) + 99) // 100
        return {n: self.stored_directories[n] for n in unique if n in self.stored_directories}

    def put_directory(self, directory: CustomerDirectory) -> None:
        self.stored_directories[directory.number] = directory

    def note_reading(self, customer_number: str, reading: Reading) -> None:
        directory = self.stored_directories.get(customer_number)
        if directory is None:
            return
        facilities = []
        for facility in directory.facilities:
            meters = []
            for meter in facility.meters:
                newer = meter.number == reading.meter_number and (
                    meter.last_read_on is None or meter.last_read_on <= reading.read_on
                )
                meters.append(
                    meter.model_copy(
                        update={
                            "last_value": reading.value,
                            "last_read_on": reading.read_on,
                            "last_estimated": reading.estimated,
                        }
                    )
                    if newer
                    else meter
                )
            facilities.append(facility.model_copy(update={"meters": tuple(meters)}))
        self.stored_directories[customer_number] = directory.model_copy(update={"facilities": tuple(facilities)})

    def aggregates(self, wanted: Sequence[tuple[str, str, Supply]]) -> list[FacilityAggregate]:
        unique = list(dict.fromkeys(wanted))
        self.batches += (len(unique) + 99) // 100
        return [self.stored_aggregates[w] for w in unique if w in self.stored_aggregates]

    def put_aggregates(self, aggregates: Sequence[FacilityAggregate]) -> None:
        for aggregate in aggregates:
            self.stored_aggregates[(aggregate.customer_number, aggregate.facility_id, aggregate.supply)] = aggregate

    def facility(
        self, customer_number: str, facility_id: str
    ) -> tuple[list[FacilityAggregate], list[OperatingProtocol]]:
        aggregates = sorted(
            (a for k, a in self.stored_aggregates.items() if k[:2] == (customer_number, facility_id)),
            key=lambda a: a.supply,
        )
        protocols = [p for p in self.protocols if (p.customer_number, p.facility_id) == (customer_number, facility_id)]
        return aggregates, sorted(protocols, key=lambda p: p.uploaded_at, reverse=True)

    def put_protocol(self, protocol: OperatingProtocol) -> None:
        self.protocols.append(protocol)

    def settings(self, user_id: str) -> PortfolioSettings:
        return self.stored_settings.get(user_id) or PortfolioSettings(user_id=user_id)

    def save_settings(self, settings: PortfolioSettings) -> PortfolioSettings:
        current = self.stored_settings.get(settings.user_id)
        if (current.version if current else 0) != settings.version:
            raise Conflict("Your groups were changed in another window. Please try again.", code="settings_changed")
        stored = settings.model_copy(update={"version": settings.version + 1})
        self.stored_settings[settings.user_id] = stored
        return stored
