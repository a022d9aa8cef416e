"""Billing steps of the Step Functions workflow (infra/billing.asl.json).

Each action is idempotent; payloads are validated pydantic models.
"""

from typing import Annotated, Any, Literal

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field, TypeAdapter

from heatportal import composition

logger = Logger()
tracer = Tracer()
metrics = Metrics()


class ListAccounts(BaseModel):
    action: Literal["list_accounts"]
    period: str | None = Field(default=None, pattern=r"^(previous|\d{4}-\d{2})$")
    run_id: str
    batch_size: int = Field(default=25, ge=1, le=500)


class BillBatch(BaseModel):
    action: Literal["bill_batch"]
    period: str = Field(pattern=r"^\d{4}-\d{2}$")
    run_id: str
    accounts: list[str] = Field(min_length=1, max_length=500)


class RecordBatchFailure(BaseModel):
    action: Literal["record_batch_failure"]
    period: str = Field(pattern=r"^\d{4}-\d{2}$")
    run_id: str
    accounts: list[str]
    error: Any = None


class Summarize(BaseModel):
    action: Literal["summarize"]
    period: str = Field(pattern=r"^\d{4}-\d{2}$")
    run_id: str
    results: list[dict[str, Any]]


Step = Annotated[ListAccounts | BillBatch | RecordBatchFailure | Summarize, Field(discriminator="action")]
_STEP: TypeAdapter[ListAccounts | BillBatch | RecordBatchFailure | Summarize] = TypeAdapter(Step)


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context: LambdaContext) -> dict:
    step = _STEP.validate_python(event)
    service = composition.bill_run()
    logger.append_keys(run_id=step.run_id, action=step.action)
    match step:
        case ListAccounts():
            plan = service.plan(step.period, step.batch_size)
            return {"period": plan["period"], "run_id": step.run_id, "batches": plan["batches"]}
        case BillBatch():
            result = service.bill_batch(step.run_id, step.period, step.accounts)
            metrics.add_metric(name="InvoicesCreated", unit=MetricUnit.Count, value=int(result["billed"]))  # type: ignore[call-overload]
            return {"period": step.period, "run_id": step.run_id, **result}
        case RecordBatchFailure():
            return {
                "period": step.period,
                "run_id": step.run_id,
                **service.record_batch_failure(step.run_id, step.period, step.accounts, step.error),
            }
        case Summarize():
            summary = service.summarize(step.run_id, step.period, step.results)
            logger.info("billing run finished", extra={"summary": summary})
            return summary
    raise AssertionError(f"unhandled step {step.action}")  # unreachable: the adapter validated the union
