"""The subscription page (Abonnement): the customer relationship in one
place. The customer's contracts (facility, product, options, start and end),
its agreements (reading reminders by e-mail and SMS, direct debit, invoices
by e-mail) and from when the portal holds history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from heatportal.domain.accounts import BankAccount
from heatportal.domain.contracts import Contract
from heatportal.domain.model import Customer, Role
from heatportal.domain.profile import UtilityProfile
from heatportal.domain.reminders import ReminderAgreement
from heatportal.services.access import Scope
from heatportal.services.contracts.contracts import scoped_contracts


class Agreements(Protocol):
    def agreements_of_customer(self, customer_number: str) -> list[ReminderAgreement]: ...


class BankAccounts(Protocol):
    def list_bank_accounts(self, customer_number: str) -> list[BankAccount]: ...


@dataclass(frozen=True)
class Subscription:
    customer: Customer
    contracts: list[Contract]
    reminders: list[ReminderAgreement]  # e-mail and SMS, per meter
    direct_debit: list[BankAccount]  # the customer's own account first, then per facility
    e_invoice: str | None  # invoices go by e-mail to this address
    history_since: date | None


class SubscriptionService:
    def __init__(self, profile: UtilityProfile, agreements: Agreements, accounts: BankAccounts) -> None:
        self.profile = profile
        self.agreements = agreements
        self.accounts = accounts

    def subscription(self, scope: Scope) -> Subscription:
        """Everything about the relationship; a management company sees the
        contracts of its facilities and no agreements of the customer's own people."""
        grant = scope.require(Role.READ, companies="any")
        customer = grant.record.customer
        assert customer is not None  # the access check read it
        own = grant.organisation is None
        meters = {m.number for m in grant.visible_meters()}
        reminders = (
            [a for a in self.agreements.agreements_of_customer(grant.customer_number) if a.meter_number in meters]
            if own
            else []
        )
        accounts = sorted(
            self.accounts.list_bank_accounts(grant.customer_number) if own else [],
            key=lambda a: (a.facility_id is not None, a.facility_id or ""),
        )
        return Subscription(
            customer=customer,
            contracts=scoped_contracts(self.profile, grant),
            reminders=sorted(reminders, key=lambda a: (a.meter_number, a.channel)),
            direct_debit=[a for a in accounts if a.sepa_mandate or a.facility_id is None],
            e_invoice=customer.email,
            history_since=self.profile.history_since,
        )
