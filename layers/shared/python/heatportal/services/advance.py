"""Advance payments (voorschot, Abschlag): the current monthly
amount with its validity, split per supply type; a change with desired date,
amount and comment, refused outside the range the utility allows around the
expected yearly cost; it takes effect from the next period; a confirmation
email follows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from heatportal.domain.errors import NotFound, ValidationFailed
from heatportal.domain.model import BillingPeriod, Customer, Role
from heatportal.domain.money import round_money
from heatportal.domain.payments import AdvancePayment
from heatportal.domain.profile import BillingMode, UtilityProfile
from heatportal.ports import Clock, Mailer
from heatportal.services.access import Scope

MONTHS = Decimal(12)
MAX_COMMENT = 500


class AdvanceRepository(Protocol):
    def list_advances(self, customer_number: str) -> list[AdvancePayment]:
        """The customer's advances, oldest ``valid_from`` first."""
        ...

    def put_advance(self, advance: AdvancePayment) -> None: ...


class YearlyCost(Protocol):
    def year_cost(self, scope: Scope) -> tuple[Decimal, dict[str, Decimal]]:
        """The projected cost of the year incl. VAT (the economy overview's yearly
        figure), in total and per supply type."""
        ...


class AdvanceEmail(Protocol):
    @property
    def subject(self) -> str: ...

    @property
    def text(self) -> str: ...

    @property
    def html(self) -> str: ...


AdvanceEmailRenderer = Callable[[Customer, AdvancePayment, AdvancePayment | None, UtilityProfile, str], AdvanceEmail]


@dataclass(frozen=True)
class AllowedRange:
    minimum: Decimal
    maximum: Decimal


@dataclass(frozen=True)
class AdvanceOverview:
    customer_number: str
    currency: str
    current: AdvancePayment | None
    valid_to: date | None  # the day before the next scheduled change, if any
    upcoming: AdvancePayment | None
    per_supply_type: dict[str, Decimal]
    expected_yearly_cost: Decimal
    allowed: AllowedRange
    earliest_change: date


class AdvanceService:
    def __init__(
        self,
        profile: UtilityProfile,
        advances: AdvanceRepository,
        costs: YearlyCost,
        mailer: Mailer,
        clock: Clock,
        render_email: AdvanceEmailRenderer,
        portal_url: str,
    ) -> None:
        self.profile = profile
        self.advances = advances
        self.costs = costs
        self.mailer = mailer
        self.clock = clock
        self.render_email = render_email
        self.portal_url = portal_url

    def _require_advance_mode(self) -> None:
        if self.profile.billing_mode != BillingMode.ADVANCE_YEARLY:
            raise NotFound("This utility bills monthly in arrears, without advance payments.", code="advance_not_used")

    def earliest_change(self) -> date:
        """A change takes effect from the next period: the 1st of next month."""
        today = self.clock.today()
        return BillingPeriod(year=today.year, month=today.month).next().start

    def allowed_range(self, expected_yearly: Decimal) -> AllowedRange:
        monthly = expected_yearly / MONTHS
        policy = self.profile.advance
        return AllowedRange(
            minimum=round_money(monthly * policy.min_share_of_expected, self.profile.currency),
            maximum=round_money(monthly * policy.max_share_of_expected, self.profile.currency),
        )

    def overview(self, scope: Scope) -> AdvanceOverview:
        scope.require(Role.READ, companies="whole")
        self._require_advance_mode()
        return self._overview(scope)

    def _overview(self, scope: Scope) -> AdvanceOverview:
        customer_number = scope.record.number
        today = self.clock.today()
        items = self.advances.list_advances(customer_number)
        in_force = [a for a in items if a.valid_from <= today]
        later = [a for a in items if a.valid_from > today]
        current = in_force[-1] if in_force else None
        upcoming = later[0] if later else None
        expected, by_kind = self.costs.year_cost(scope)
        per_type: dict[str, Decimal] = {}
        if current is not None and expected > 0:
            # The one monthly amount split by each supply type's share of the expected cost.
            kinds = sorted(by_kind)
            for kind in kinds[:-1]:
                per_type[kind] = round_money(current.amount * by_kind[kind] / expected, self.profile.currency)
            if kinds:
                per_type[kinds[-1]] = current.amount - sum(per_type.values(), Decimal(0))
        return AdvanceOverview(
            customer_number=customer_number,
            currency=self.profile.currency,
            current=current,
            valid_to=date.fromordinal(upcoming.valid_from.toordinal() - 1) if upcoming else None,
            upcoming=upcoming,
            per_supply_type=per_type,
            expected_yearly_cost=expected,
            allowed=self.allowed_range(expected),
            earliest_change=self.earliest_change(),
        )

    def change(
        self, scope: Scope, amount: Decimal, desired_from: date, comment: str = ""
    ) -> tuple[AdvancePayment, AdvanceOverview]:
        """Store the new monthly amount from the 1st of the desired month (no
        earlier than next month) and send the confirmation email."""
        scope.require(Role.FULL)
        self._require_advance_mode()
        principal, customer_number = scope.principal, scope.customer_number
        customer = scope.record.customer
        if customer is None:  # pragma: no cover - a membership without its customer
            raise NotFound("Customer not found.", code="not_found")
        comment = comment.strip()
        if len(comment) > MAX_COMMENT:
            raise ValidationFailed("The comment is too long.", code="advance_comment_too_long")
        if amount != amount.quantize(Decimal("0.01")):
            raise ValidationFailed("The amount has more than two decimals.", code="advance_amount_invalid")
        before = self._overview(scope)
        allowed = before.allowed
        if before.expected_yearly_cost <= 0:
            raise ValidationFailed(
                "There is not enough consumption history to check the amount. Please contact customer service.",
                code="advance_no_estimate",
            )
        if not allowed.minimum <= amount <= allowed.maximum:
            raise ValidationFailed(
                "The advance must be between the allowed minimum and maximum.",
                code="advance_out_of_range",
                params={
                    # Decimals: the message writes them as numbers of the reader's language.
                    "minimum": allowed.minimum,
                    "maximum": allowed.maximum,
                    "currency": self.profile.currency,
                },
            )
        first = desired_from.replace(day=1)
        if first < desired_from:
            first = BillingPeriod(year=first.year, month=first.month).next().start
        valid_from = max(first, self.earliest_change())
        if valid_from > date(self.clock.today().year + 1, 12, 31):
            raise ValidationFailed("The date is too far ahead.", code="advance_date_too_late")
        advance = AdvancePayment(
            customer_number=customer_number,
            valid_from=valid_from,
            amount=amount,
            currency=self.profile.currency,
            comment=comment,
            changed_by=principal.email or principal.user_id,
        )
        self.advances.put_advance(advance)
        if customer.email:
            email = self.render_email(customer, advance, before.current, self.profile, self.portal_url)
            self.mailer.send(customer.email, email.subject, email.text, email.html)
        return advance, self._overview(scope)
