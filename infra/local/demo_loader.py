"""Load the generated demo data set into the local stack.

Customers, facilities, meters, readings and daily consumption go to DynamoDB
through the same item mapping the functions use; demo logins become real
Cognito users; past invoices are produced by the real billing service.
"""

from __future__ import annotations

import copy
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any

from heatportal.adapters.dynamo import (
    DynamoRepository,
    DynamoTable,
    customer_item,
    daily_item,
    facility_item,
    membership_item,
    meter_item,
    reading_item,
)
from heatportal.demo import DemoDataset, generate
from heatportal.domain.model import BillingPeriod, InvoiceStatus, Membership
from heatportal.domain.profile import UtilityProfile
from heatportal.domain.secrets import hash_secret
from infra.local.resources import LocalResources, clients

HISTORY_INVOICE_MONTHS = 3


class _NoMail:
    """History invoices were 'sent' long ago; the outbox shows only new mail."""

    def send(self, recipient: str, subject: str, text: str, html: str, attachments: Any = None) -> str:
        return "history"


def _create_users(resources: LocalResources, dataset: DemoDataset, repo: DynamoRepository) -> None:
    cognito = clients(resources.endpoint)["cognito-idp"]
    memberships = []
    for user in dataset.users:
        cognito.admin_create_user(
            UserPoolId=resources.user_pool_id,
            Username=user.email,
            UserAttributes=[
                {"Name": "email", "Value": user.email},
                {"Name": "email_verified", "Value": "true"},
                {"Name": "name", "Value": user.name},
            ],
            MessageAction="SUPPRESS",
        )
        cognito.admin_set_user_password(
            UserPoolId=resources.user_pool_id, Username=user.email, Password=user.password, Permanent=True
        )
        if user.staff:
            cognito.admin_add_user_to_group(UserPoolId=resources.user_pool_id, Username=user.email, GroupName="staff")
        attributes = cognito.admin_get_user(UserPoolId=resources.user_pool_id, Username=user.email)["UserAttributes"]
        sub = next(a["Value"] for a in attributes if a["Name"] == "sub")
        for customer_number, role in user.memberships:
            memberships.append(
                membership_item(Membership(user_id=sub, customer_number=customer_number, role=role, email=user.email))
            )
    repo.table.batch_put(memberships)


def load_demo(
    resources: LocalResources, profile: UtilityProfile, today: date | None = None, customers: int = 60
) -> DemoDataset:
    from heatportal import composition

    today = today or date.today()
    dataset = generate(profile, customers=customers, today=today)
    ddb = clients(resources.endpoint)["dynamodb"]
    repo = DynamoRepository(DynamoTable(ddb, resources.table_name))

    # PIN hashing is deliberately slow; spread it over both cores' worth of threads.
    with ThreadPoolExecutor(max_workers=4) as pool:
        hashes = dict(zip(dataset.pins, pool.map(hash_secret, dataset.pins.values()), strict=True))
    items: list[dict[str, Any]] = []
    items += [customer_item(c.model_copy(update={"pin_hash": hashes.get(c.number)})) for c in dataset.customers]
    items += [facility_item(f) for f in dataset.facilities]
    items += [meter_item(m) for m in dataset.meters]
    items += [reading_item(r) for r in dataset.readings]
    items += [daily_item(d) for d in dataset.daily]
    chunks = [items[i : i + 500] for i in range(0, len(items), 500)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(repo.table.batch_put, chunks))
    for (zone, month), price in dataset.spot_prices.items():
        repo.put_spot_price(zone, month, price)
    _create_users(resources, dataset, repo)

    # Past invoices through the real billing service (no email for history).
    billing = composition.billing_service()
    history = copy.copy(billing)
    history.mailer = _NoMail()
    current = BillingPeriod(year=today.year, month=today.month)
    periods = []
    period = current.previous()
    for _ in range(HISTORY_INVOICE_MONTHS):
        period = period.previous()
        periods.append(period)
    for period in reversed(periods):
        for customer in dataset.customers:
            invoice, _created = history.bill_account(customer.number, period, issued_on=period.end + timedelta(days=1))
            if period != periods[0]:
                repo.set_status(customer.number, invoice.number, InvoiceStatus.PAID.value)
    return dataset
