"""Billing steps of the Step Functions workflow (infra/billing.asl.json).

Each action is idempotent; payloads are validated pydantic models and every
answer is bounded in size (heatportal.domain.billing_run), whatever the
number of accounts: the accounts travel in S3, never in a state.
"""

from typing import Annotated, Any, Literal

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from heatportal import composition
from heatportal.domain.billing_run import MAX_BATCH, RUN_ID_PATTERN
from heatportal.services.billing.run import RunRequest

logger = Logger()
tracer = Tracer()
metrics = Metrics()

RunId = Annotated[str, Field(pattern=RUN_ID_PATTERN)]
Period = Annotated[str, Field(pattern=r"^\d{4}-\d{2}$")]
Account = Annotated[str, Field(min_length=1, max_length=32)]


class ListAccounts(BaseModel):
    action: Literal["list_accounts"]
    request: RunRequest
    run_id: RunId


class BillBatch(BaseModel):
    action: Literal["bill_batch"]
    period: Period
    run_id: RunId
    accounts: list[Account] = Field(min_length=1, max_length=MAX_BATCH)
    attempt: int = Field(default=0, ge=0, le=100)


class RecordBatchFailure(BaseModel):
    action: Literal["record_batch_failure"]
    period: Period
    run_id: RunId
    accounts: list[Account] = Field(min_length=1, max_length=MAX_BATCH)
    error: Any = None


class ResultWriterDetails(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    bucket: str = Field(alias="Bucket", min_length=3, max_length=63)
    key: str = Field(alias="Key", min_length=1, max_length=1024)


class Summarize(BaseModel):
    action: Literal["summarize"]
    period: Period
    run_id: RunId
    result_writer: ResultWriterDetails


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
            return service.plan(step.request, step.run_id).model_dump(mode="json")
        case BillBatch():
            outcome = service.bill_batch(step.run_id, step.period, step.accounts, step.attempt)
            metrics.add_metric(name="AccountsBilled", unit=MetricUnit.Count, value=outcome.billed)
            metrics.add_metric(name="AccountsFailed", unit=MetricUnit.Count, value=len(outcome.failures))
            return outcome.model_dump(mode="json")
        case RecordBatchFailure():
            failed = service.record_batch_failure(step.run_id, step.period, step.accounts, step.error)
            logger.warning("batch failed after retries", extra={"accounts": len(step.accounts)})
            return failed.model_dump(mode="json")
        case Summarize():
            summary = service.summarize(
                step.run_id, step.period, {"Bucket": step.result_writer.bucket, "Key": step.result_writer.key}
            )
            logger.info(
                "billing run finished", extra={"summary": summary.model_dump(mode="json", exclude={"failures"})}
            )
            return summary.model_dump(mode="json")
    raise AssertionError(f"unhandled step {step.action}")  # unreachable: the adapter validated the union
