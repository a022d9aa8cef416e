"""DynamoDB adapter for bill runs (keys in docs/data-model.md): the run item
with its progress counters and summary, one marker per recorded batch, one
failure item per account, and the batched reads a batch of accounts starts
with."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from heatportal.adapters import dynamo_keys as keys
from heatportal.adapters.dynamo import DynamoTable, customer_from_item, dump_item, invoice_from_item
from heatportal.adapters.dynamo_accounts import bank_account_from_item
from heatportal.domain.billing_run import AccountFailure, BillingRun, Progress, RunStatus, RunSummary, failure
from heatportal.domain.model import Customer
from heatportal.ports import AccountsToBill, StoredInvoice

_COUNTERS = ("billed", "already_billed", "skipped", "failed", "batches", "retried_batches")


def run_item(run: BillingRun) -> dict[str, Any]:
    return {
        **keys.billing_run(run.run_id).item(),
        **keys.run_by_start(run.started_at, run.run_id).item(),
        "type": "billing_run",
        "run_id": run.run_id,
        "period": run.period,
        "accounts": run.accounts,
        "manifest_key": run.manifest_key,
        "started_at": run.started_at.isoformat(),
        "redrive_of": run.redrive_of,
        "status": run.status.value,
        **{name: getattr(run.progress, name) for name in _COUNTERS},
    }


def run_from_item(item: dict[str, Any]) -> BillingRun:
    summary = item.get("summary")
    return BillingRun(
        run_id=item["run_id"],
        period=item["period"],
        accounts=int(item["accounts"]),
        manifest_key=item["manifest_key"],
        started_at=datetime.fromisoformat(item["started_at"]),
        redrive_of=item.get("redrive_of"),
        status=RunStatus(item["status"]),
        progress=Progress(**{name: int(item.get(name, 0)) for name in _COUNTERS}),
        finished_at=datetime.fromisoformat(item["finished_at"]) if item.get("finished_at") else None,
        summary=RunSummary.model_validate_json(summary) if summary else None,
    )


class DynamoBillingRuns:
    def __init__(self, table: DynamoTable) -> None:
        self.table = table

    def start_run(self, run: BillingRun) -> BillingRun:
        try:
            self.table.put(run_item(run), condition="attribute_not_exists(PK)")
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            stored = self.get_run(run.run_id)
            if stored is None:
                raise
            return stored
        return run

    def get_run(self, run_id: str) -> BillingRun | None:
        item = self.table.get(keys.billing_run(run_id), consistent=True)
        return run_from_item(item) if item else None

    def list_runs(self, limit: int) -> list[BillingRun]:
        items = self.table.query(keys.RUNS, index=keys.GSI2, forward=False, limit=limit)
        return [run_from_item(i) for i in items]

    def record_batch(self, run_id: str, batch_key: str, progress: Progress) -> bool:
        """The batch's marker (if absent) and the counters' ADD in one
        transaction: a retried batch, or a lost reply asked again, adds nothing."""
        names = {f"#{name}": name for name in _COUNTERS}
        values = {f":{name}": getattr(progress, name) for name in _COUNTERS}
        added = self.table.transact(
            [
                {
                    "Put": {
                        "TableName": self.table.name,
                        "Item": dump_item({**keys.run_batch(run_id, batch_key).item(), "type": "run_batch"}),
                        "ConditionExpression": "attribute_not_exists(PK)",
                    }
                },
                {
                    "Update": {
                        "TableName": self.table.name,
                        "Key": dump_item(keys.billing_run(run_id).item()),
                        "UpdateExpression": "ADD " + ", ".join(f"#{n} :{n}" for n in _COUNTERS),
                        "ConditionExpression": "attribute_exists(PK)",
                        "ExpressionAttributeNames": names,
                        "ExpressionAttributeValues": dump_item(values),
                    }
                },
            ]
        )
        return added

    def record_failures(self, run_id: str, period: str, failures: Sequence[AccountFailure]) -> None:
        self.table.batch_put(
            [
                {
                    **keys.billing_failure(run_id, f.customer_number).item(),
                    "type": "billing_failure",
                    "period": period,
                    "customer_number": f.customer_number,
                    "reason": f.reason,
                }
                for f in {f.customer_number: f for f in failures}.values()
            ]
        )

    def list_failures(self, run_id: str) -> list[AccountFailure]:
        items = self.table.query(keys.run_pk(run_id), sk_prefix=keys.BILLING_FAILURES)
        return [failure(i["customer_number"], i["reason"]) for i in items]

    def finish_run(self, run_id: str, summary: RunSummary, finished_at: datetime) -> None:
        self.table.call(
            "update_item",
            TableName=self.table.name,
            Key=dump_item(keys.billing_run(run_id).item()),
            UpdateExpression="SET #s = :finished, finished_at = :at, summary = :summary",
            ConditionExpression="attribute_exists(PK)",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues=dump_item(
                {
                    ":finished": RunStatus.FINISHED.value,
                    ":at": finished_at.isoformat(),
                    ":summary": summary.model_dump_json(),
                }
            ),
        )


class DynamoBillingReader:
    """A batch's reads in BatchGetItem requests: the customers and the markers
    in one (75 keys for 25 accounts billed once a month), the invoices the
    markers name in another."""

    def __init__(self, table: DynamoTable) -> None:
        self.table = table

    def read_accounts(
        self, customer_numbers: Sequence[str], billed: Sequence[tuple[str, str]], *, bank_accounts: bool = False
    ) -> AccountsToBill:
        marker_keys = {
            (number, period, kind): keys.billed(number, period, kind)
            for number in customer_numbers
            for period, kind in billed
        }
        account_keys = {n: keys.bank_account(n) for n in customer_numbers} if bank_accounts else {}
        found = self.table.batch_get(
            [*(keys.customer(n) for n in customer_numbers), *marker_keys.values(), *account_keys.values()],
            consistent=True,
        )
        customers: dict[str, Customer] = {}
        for number in customer_numbers:
            item = found.get(keys.customer(number))
            if item is not None:
                customers[number] = customer_from_item(item)
        markers = {what: found[key] for what, key in marker_keys.items() if key in found}
        invoice_keys = {what: keys.invoice(what[0], int(m["invoice_number"])) for what, m in markers.items()}
        invoices = self.table.batch_get(invoice_keys.values(), consistent=True) if invoice_keys else {}
        stored: dict[tuple[str, str, str], StoredInvoice] = {}
        for what, key in invoice_keys.items():
            if key in invoices:  # written with its marker in one transaction
                created_by = str(markers[what].get("created_by") or "")
                stored[what] = StoredInvoice(invoice_from_item(invoices[key]), False, created_by)
        paying = (
            {n: bank_account_from_item(found[k]) for n, k in account_keys.items() if k in found}
            if bank_accounts
            else None
        )
        return AccountsToBill(customers=customers, billed=stored, bank_accounts=paying)
