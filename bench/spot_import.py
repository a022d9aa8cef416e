"""AWS requests of a spot-price file import: a year of monthly prices for every
Nordic bidding zone the profiles use (NO1-NO5, SE1-SE4: 108 rows), imported
once (all new), again (unchanged) and with one correction, counted on moto.

Run: cd /work/main && PYTHONPATH=layers/shared/python:. .venv/bin/python -m bench.spot_import
moto answers in-process over loopback HTTP; the wall time is moto's, not AWS's.
"""

from __future__ import annotations

import time
from decimal import Decimal

ZONES = [f"NO{i}" for i in range(1, 6)] + [f"SE{i}" for i in range(1, 5)]


def year_file(year: int, bump: str | None = None) -> bytes:
    rows = ["zone;month;price_per_kwh"]
    for z, zone in enumerate(ZONES):
        for month in range(1, 13):
            price = Decimal("0.4") + Decimal(z) / 10 + Decimal(month) / 100
            if bump == f"{zone}-{month:02d}":
                price += Decimal("0.0001")
            rows.append(f"{zone};{year}-{month:02d};{str(price).replace('.', ',')}")
    return ("\n".join(rows) + "\n").encode()


def main() -> None:
    from infra.local.stack import free_port, start

    stack = start(profile_id="no", port=free_port(), demo=False)
    try:
        from heatportal import composition

        service = composition.spot_price_service()
        table = composition.repository().table
        for label, body in (
            ("first import (108 new prices)", year_file(2024)),
            ("same file again", year_file(2024)),
            ("one price corrected", year_file(2024, bump="SE3-07")),
        ):
            before = table.requests
            started = time.perf_counter()
            report = service.import_file("spot-prices/bench.csv", body)
            elapsed = time.perf_counter() - started
            print(
                f"{label:32} DynamoDB requests {table.requests - before:4d}"
                f"  (stored {report.stored}, unchanged {report.unchanged})"
                f"  {1000 * elapsed:.0f} ms on moto"
            )
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
