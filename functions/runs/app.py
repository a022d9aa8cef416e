"""Bill runs API (customer service): the runs newest first, one run with its
progress, totals per currency and invoice kind, failed accounts with their
reasons and what became of its e-mails, and the redrive of its failed
accounts. Routes translate; the service decides who may do what."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

from heatportal import composition
from heatportal.domain.billing_run import RUN_ID_PATTERN, BillingRun
from heatportal.services.billing.runs import RunView
from heatportal.web.api import build_resolver, principal

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = build_resolver(logger)

RunPath = Annotated[str, Path(pattern=RUN_ID_PATTERN, description="The run's id (its state machine execution's name)")]


class ProgressOut(BaseModel):
    accounts: int = Field(description="Accounts in the run's manifest")
    done: int
    billed: int = Field(description="Accounts that got an invoice from this run")
    already_billed: int = Field(description="Accounts whose invoices existed before this run")
    skipped: int = Field(description="Accounts with nothing to bill (no active meter, no advance agreed)")
    failed: int
    pending: int
    batches: int
    retried_batches: int


class KindTotalOut(BaseModel):
    currency: str
    kind: str
    invoices: int
    total: Decimal


class FailureOut(BaseModel):
    customer_number: str
    reason: str


class DeliveryFailureOut(BaseModel):
    delivery_id: str
    customer_number: str | None
    recipient: str
    reason: str | None


class DeliveriesOut(BaseModel):
    queued: int
    sent: int
    failed: int
    waiting: int


class RunOut(BaseModel):
    run_id: str
    period: str
    status: Literal["running", "finished"]
    started_at: datetime
    finished_at: datetime | None
    redrive_of: str | None
    progress: ProgressOut
    complete: bool | None = Field(description="Every account has exactly one outcome (when finished)")

    @classmethod
    def of(cls, run: BillingRun) -> "RunOut":
        p = run.progress
        return cls(
            run_id=run.run_id,
            period=run.period,
            status=run.status.value,
            started_at=run.started_at,
            finished_at=run.finished_at,
            redrive_of=run.redrive_of,
            progress=ProgressOut(
                accounts=run.accounts,
                done=p.done,
                billed=p.billed,
                already_billed=p.already_billed,
                skipped=p.skipped,
                failed=p.failed,
                pending=run.pending,
                batches=p.batches,
                retried_batches=p.retried_batches,
            ),
            complete=run.summary.complete if run.summary else None,
        )


class RunDetailOut(RunOut):
    totals: list[KindTotalOut] = Field(description="Per currency and invoice kind, from the summary (when finished)")
    failures: list[FailureOut]
    deliveries: DeliveriesOut
    delivery_failures: list[DeliveryFailureOut]

    @classmethod
    def of_view(cls, view: RunView) -> "RunDetailOut":
        summary = view.run.summary
        totals = (
            [
                KindTotalOut(
                    currency=currency, kind=kind.value, invoices=summary.tally.invoices.get(kind, 0), total=amount
                )
                for currency, kinds in sorted(summary.tally.totals.items())
                for kind, amount in sorted(kinds.items())
            ]
            if summary
            else []
        )
        counts = view.deliveries
        return cls(
            **RunOut.of(view.run).model_dump(),
            totals=totals,
            failures=[FailureOut(customer_number=f.customer_number, reason=f.reason) for f in view.failures],
            deliveries=DeliveriesOut(
                queued=counts.queued, sent=counts.sent, failed=counts.failed, waiting=counts.waiting
            ),
            delivery_failures=[
                DeliveryFailureOut(
                    delivery_id=d.id, customer_number=d.customer_number, recipient=d.recipient, reason=d.reason
                )
                for d in view.delivery_failures
            ],
        )


class RedriveOut(BaseModel):
    run_id: str = Field(description="The new run, over the failed accounts only")
    redrive_of: str


@app.get("/api/billing-runs")
@tracer.capture_method
def list_runs() -> list[RunOut]:
    return [RunOut.of(run) for run in composition.bill_runs().list_runs(principal(app))]


@app.get("/api/billing-runs/<run>")
@tracer.capture_method
def get_run(run: RunPath) -> RunDetailOut:
    return RunDetailOut.of_view(composition.bill_runs().run(principal(app), run))


@app.post("/api/billing-runs/<run>/redrive")
@tracer.capture_method
def redrive(run: RunPath) -> tuple[RedriveOut, int]:
    started = composition.bill_runs().redrive(principal(app), run)
    return RedriveOut(run_id=started, redrive_of=run), 202


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
