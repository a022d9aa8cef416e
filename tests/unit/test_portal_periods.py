"""The period an invoice list shows: the month for a month's invoice, the dates
for one that covers other days (a final invoice to the moving day, a year)."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from heatportal.domain.model import InvoiceKind
from tests.builders import a_draft_invoice

PORTAL = Path(__file__).resolve().parents[2] / "functions" / "portal"
if str(PORTAL) not in sys.path:
    sys.path.append(str(PORTAL))  # the portal function's folder, as on Lambda

import portal_core  # noqa: E402


def test_a_month_s_invoice_shows_its_month() -> None:
    assert portal_core.supplied(a_draft_invoice(), "nb") == "januar 2026"


def test_a_final_invoice_shows_the_days_it_covers() -> None:
    final = a_draft_invoice(kind=InvoiceKind.FINAL).model_copy(
        update={"supply_start": date(2025, 7, 1), "supply_end": date(2026, 1, 14)}
    )
    assert portal_core.supplied(final, "nb") == "1. juli 2025–14. jan. 2026"
