"""Spot-price files put in S3 under ``spot-prices/`` (EventBridge "Object
Created", or ``{"job": "spot-prices", "key": "spot-prices/..."}`` by hand).
A report with each rejected row's line and code goes to
``import-reports/spot-prices/<file>.json``."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from heatportal import composition

PREFIX = "spot-prices/"


class SpotPriceJob(BaseModel):
    model_config = ConfigDict(extra="ignore")

    key: str = Field(pattern=r"^spot-prices/[^\s]{1,500}$")


def import_spot_prices(key: str) -> dict[str, Any]:
    job = SpotPriceJob(key=key)
    report = composition.spot_price_service().import_file(job.key, composition.documents().get(job.key))
    summary = {
        "job": "spot-prices",
        "key": report.key,
        "rows": report.rows,
        "stored": report.stored,
        "corrected": report.corrected,
        "unchanged": report.unchanged,
        "duplicates": report.duplicates,
        "rejected": len(report.problems),
        "error": report.error,
    }
    problems = [{"line": p.line, "code": p.code, "zone": p.zone, "month": p.month} for p in report.problems]
    composition.documents().put(
        f"import-reports/{job.key}.json", json.dumps({**summary, "problems": problems}).encode(), "application/json"
    )
    return summary
