"""Guard rails on what may be billed, checked on every draft before it is
numbered or stored:

- a period is billed only after it has ended and its readings cut-off has
  passed (``PeriodOpen``);
- a customer with no consumption and no fixed charge gets no zero-amount
  invoice (``ZeroBill``, a ``NothingToBill``: the run skips it and says why);
- the profile's compliance check (``domain.compliance``): an invoice that
  fails is held for customer service with the reasons (``InvoiceHeld``), and
  is never numbered or sent.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from heatportal.domain.compliance import HoldReason, check_invoice
from heatportal.domain.errors import Conflict, DomainError
from heatportal.domain.model import BillingPeriod, Invoice
from heatportal.domain.profile import UtilityProfile
from heatportal.ports import HeldInvoice, HoldRepository
from heatportal.services.billing.pricing import NothingToBill


class PeriodOpen(Conflict):
    """The period has not ended, or its readings cut-off has not passed."""

    code = "period_open"


class ZeroBill(NothingToBill):
    """No consumption and no fixed charge: no invoice."""

    code = "zero_bill_skipped"


class InvoiceHeld(DomainError):
    """The draft failed the compliance check; it is held for customer service."""

    code = "invoice_held"

    def __init__(self, reasons: list[HoldReason]) -> None:
        super().__init__(
            "The invoice failed the compliance check and is held for customer service: "
            + "; ".join(r.key for r in reasons),
            params={"reasons": [r.key for r in reasons]},
        )
        self.reasons = reasons


def billable_from(profile: UtilityProfile, period: BillingPeriod) -> date:
    """The first day a period's consumption may be billed."""
    return period.end + timedelta(days=profile.reading_cutoff_days)


def require_ended(profile: UtilityProfile, period: BillingPeriod, issued: date, *, through: date | None = None) -> None:
    """Refuse to bill a period (or a year ``through`` its last day) before its cut-off:
    the readings on the day after the last day, plus the profile's cut-off days."""
    cutoff = timedelta(days=profile.reading_cutoff_days)
    first = billable_from(profile, period) if through is None else through + timedelta(days=1) + cutoff
    if issued < first:
        raise PeriodOpen(
            f"The period {period.key} cannot be billed before {first.isoformat()}.",
            params={"period": period.key, "cutoff": first.isoformat()},
        )


def require_compliant(
    profile: UtilityProfile,
    draft: Invoice,
    holds: HoldRepository | None,
    held_at: datetime,
    *,
    spot_by_month: dict[str, Decimal] | None = None,
    annual_gj: Decimal | None = None,
) -> Invoice:
    """The draft, if it passes the profile's compliance check; else it is held and InvoiceHeld raised."""
    reasons = check_invoice(profile.compliance, draft, spot_by_month=spot_by_month, annual_gj=annual_gj)
    if not reasons:
        return draft
    if holds is not None:
        holds.hold(
            HeldInvoice(
                customer_number=draft.customer_number,
                period=draft.period,
                kind=draft.kind,
                reasons=tuple(reasons),
                held_at=held_at,
                total=draft.total,
                currency=draft.currency,
            )
        )
    raise InvoiceHeld(reasons)
