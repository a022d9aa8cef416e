"""moto's Distributed Map, made to behave as AWS's for what the bill run uses.

moto 5.2.5 (pinned in requirements-dev.txt) refuses a definition with
``ItemBatcher``, ``ResultWriter.WriterConfig``, ``InputType: JSONL`` or an
integer ``ToleratedFailurePercentage``; its ResultWriter writes an empty
manifest and drops the results; a failed child becomes ``null`` and the Map
succeeds whatever the tolerance; ResultWriter ``Parameters`` paths are read
from the results instead of the state's input; and a worker evaluates its jobs
by recursion, one Python frame per job, so past ~990 jobs its thread dies and
the execution stays RUNNING forever. This module:

1. takes ``ItemBatcher``, ``WriterConfig`` and JSONL out of the definition
   before moto's parser sees it (an integer percentage becomes a float) and
   attaches them to the parsed Map state afterwards;
2. groups the items the ItemReader read into ``{"Items": [...],
   "BatchInput": {...}}`` (``MaxItemsPerBatch[Path]``,
   ``MaxInputBytesPerBatch[Path]``, ``BatchInput``);
3. records every child (input, output, status, error and cause) and writes
   the result files in AWS's shape: ``<prefix>/<map run id>/manifest.json``
   pointing at ``SUCCEEDED_0.json`` and ``FAILED_0.json``, whose entries carry
   ``Input`` and ``Output`` as JSON *strings*;
4. fails the Map with ``States.ExceedToleratedFailureThreshold`` after the
   results are written, when more children failed than tolerated;
5. evaluates a worker's jobs in a loop.

Not emulated: ``ItemSelector`` together with ``ItemBatcher`` (AWS applies the
selector to each item before batching; refused here), the S3 inventory
``MANIFEST`` reader, ``WriterConfig`` transformations (accepted, ignored),
redrive of a map run. tests/integration/test_moto_patches.py fails when a
moto upgrade changes the internals this relies on.
"""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime
from typing import Any

MAX_PAYLOAD = 256 * 1024
_state = {"applied": False}
_child = threading.local()


def _collect(states: dict[str, Any], found: dict[str, dict[str, Any]]) -> None:
    """Take out of a definition what moto cannot parse, per Map state name."""
    for name, state in states.items():
        if state.get("Type") == "Map":
            extra: dict[str, Any] = {}
            if "ItemBatcher" in state:
                extra["batcher"] = state.pop("ItemBatcher")
                if "ItemSelector" in state:
                    raise ValueError("the local stack does not emulate ItemSelector together with ItemBatcher")
            writer = state.get("ResultWriter")
            if isinstance(writer, dict):
                writer.pop("WriterConfig", None)
            reader_config = (state.get("ItemReader") or {}).get("ReaderConfig") or {}
            if reader_config.get("InputType") == "JSONL":
                reader_config["InputType"] = "JSON"
                extra["jsonl"] = True
            if reader_config.get("InputType") == "MANIFEST":
                raise ValueError("the local stack does not emulate the S3 inventory MANIFEST reader")
            if isinstance(state.get("ToleratedFailurePercentage"), int):
                state["ToleratedFailurePercentage"] = float(state["ToleratedFailurePercentage"])
            extra["tolerated_count"] = state.get("ToleratedFailureCount")
            extra["tolerated_percentage"] = state.get("ToleratedFailurePercentage")
            found[name] = extra
            inner = state.get("ItemProcessor") or state.get("Iterator") or {}
            _collect(inner.get("States", {}), found)
        for branch in state.get("Branches", []) or []:
            _collect(branch.get("States", {}), found)


def _attach(states: Any, found: dict[str, dict[str, Any]]) -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.state_map import StateMap

    for name, state in states.states.items():
        if isinstance(state, StateMap):
            extra = found.get(name, {})
            component: Any = state.iteration_component
            component._local_extra = extra
            reader: Any = state.item_reader
            if extra.get("jsonl") and reader is not None:
                reader.resource_output_transformer._local_jsonl = True
            _attach(component._states, found)
        for branch in getattr(getattr(state, "branches", None), "programs", []) or []:
            _attach(branch.states, found)


def _resolve(template: Any, state_input: Any, context: Any) -> Any:
    """A payload template (``"key.$": "$.path"`` / ``"$$.context"``) against the state's input."""
    from moto.stepfunctions.parser.asl.utils.json_path import extract_json

    if isinstance(template, dict):
        out = {}
        for key, value in template.items():
            if key.endswith(".$"):
                out[key[:-2]] = (
                    extract_json(value[1:], context) if value.startswith("$$") else extract_json(value, state_input)
                )
            else:
                out[key] = _resolve(value, state_input, context)
        return out
    if isinstance(template, list):
        return [_resolve(v, state_input, context) for v in template]
    return template


def batches(items: list[Any], batcher: dict[str, Any], state_input: Any, context: Any) -> list[dict[str, Any]]:
    """The ItemBatcher's child inputs: at most MaxItemsPerBatch items and
    MaxInputBytesPerBatch bytes each, with the BatchInput."""
    from moto.stepfunctions.parser.asl.utils.json_path import extract_json

    max_items = batcher.get("MaxItemsPerBatch")
    if "MaxItemsPerBatchPath" in batcher:
        max_items = int(extract_json(batcher["MaxItemsPerBatchPath"], state_input))
    max_bytes = batcher.get("MaxInputBytesPerBatch", MAX_PAYLOAD)
    if "MaxInputBytesPerBatchPath" in batcher:
        max_bytes = int(extract_json(batcher["MaxInputBytesPerBatchPath"], state_input))
    batch_input = _resolve(batcher["BatchInput"], state_input, context) if "BatchInput" in batcher else None
    extra = {"BatchInput": batch_input} if batch_input is not None else {}
    fixed = len(json.dumps({"Items": [], **extra}, separators=(",", ":")).encode())
    out: list[dict[str, Any]] = []
    current: list[Any] = []
    size = fixed
    for item in items:
        item_size = len(json.dumps(item, separators=(",", ":")).encode()) + 1
        if current and ((max_items and len(current) >= max_items) or size + item_size > max_bytes):
            out.append({"Items": current, **extra})
            current, size = [], fixed
        current.append(item)
        size += item_size
    if current:
        out.append({"Items": current, **extra})
    return out


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _over_tolerance(extra: dict[str, Any], failed: int, total: int) -> bool:
    """AWS's default tolerates no failure; either threshold exceeded fails the Map."""
    if not failed:
        return False
    count, percentage = extra.get("tolerated_count"), extra.get("tolerated_percentage")
    if count is None and percentage is None:
        return True
    over_count = count is not None and failed > count
    over_percentage = percentage is not None and 100.0 * failed / max(total, 1) > percentage
    return over_count or over_percentage


def _patch_parser() -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.item_reader.eval.resource_output_transformer import (
        transformer_json,
    )
    from moto.stepfunctions.parser.asl.parse import asl_parser

    original_parse = asl_parser.AmazonStateLanguageParser.parse

    def parse(definition: str) -> Any:
        try:
            document = json.loads(definition)
        except ValueError:
            return original_parse(definition)
        found: dict[str, dict[str, Any]] = {}
        _collect(document.get("States", {}), found)
        program: Any
        program, tree = original_parse(json.dumps(document))
        _attach(program.states, found)
        return program, tree

    asl_parser.AmazonStateLanguageParser.parse = staticmethod(parse)  # type: ignore[method-assign]

    original_json = transformer_json.ResourceOutputTransformerJson._eval_body

    def json_lines(self: Any, env: Any) -> Any:
        if getattr(self, "_local_jsonl", False):  # the stack holds [..., file text, reader config]
            lines = env.stack[-2].splitlines()
            env.stack[-2] = json.dumps([json.loads(line) for line in lines if line.strip()])
        return original_json(self, env)

    transformer_json.ResourceOutputTransformerJson._eval_body = json_lines  # type: ignore[method-assign]


def _patch_map_run() -> None:
    from moto.stepfunctions.parser.api import HistoryEventType, MapRunFailedEventDetails
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEvent,
        FailureEventException,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_map import state_map
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration import (
        distributed_iteration_component as component,
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    original_map_run = component.DistributedIterationComponent._map_run

    def map_run(self: Any, env: Any, eval_input: Any) -> None:
        extra = getattr(self, "_local_extra", None) or {}
        record = eval_input.map_run_record
        record._local_results = []
        record._local_lock = threading.Lock()
        if extra.get("batcher"):
            items = env.stack.pop()
            context = env.states.context_object.context_object_data
            env.stack.append(batches(items, extra["batcher"], env.states.get_input(), context))
        original_map_run(self, env, eval_input)
        results = record._local_results
        failed = sum(1 for r in results if r["Status"] != "SUCCEEDED")
        record._local_over_tolerance = _over_tolerance(extra, failed, len(results))

    component.DistributedIterationComponent._map_run = map_run  # type: ignore[method-assign]

    original_execution = state_map.StateMap._eval_execution

    def eval_execution(self: Any, env: Any) -> None:
        original_execution(self, env)
        records = env.map_run_record_pool_manager.get_all()
        record = records[-1] if records else None
        if record is None or not getattr(record, "_local_over_tolerance", False):
            return
        record._local_over_tolerance = False
        error = StatesErrorName(typ=StatesErrorNameType.StatesExceedToleratedFailureThreshold)
        run_failed = MapRunFailedEventDetails(
            error=error.error_name, cause="The specified tolerated failure threshold was exceeded"
        )
        details: Any = EventDetails(mapRunFailedEventDetails=run_failed)  # type: ignore[typeddict-item]  # moto's TypedDict is total
        raise FailureEventException(
            FailureEvent(env=env, error_name=error, event_type=HistoryEventType.MapRunFailed, event_details=details)
        )

    state_map.StateMap._eval_execution = eval_execution  # type: ignore[method-assign]


def _patch_workers() -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.itemprocessor import (
        distributed_item_processor_worker as worker,
    )
    from moto.stepfunctions.parser.asl.eval.program_state import ProgramEnded, ProgramError, ProgramTimedOut

    original_input = worker.DistributedItemProcessorWorker._eval_input

    def eval_input(self: Any, env_frame: Any) -> None:
        original_input(self, env_frame)
        _child.input = env_frame.states.get_input()

    worker.DistributedItemProcessorWorker._eval_input = eval_input  # type: ignore[method-assign]

    original_job = worker.DistributedItemProcessorWorker._eval_job

    def eval_job(self: Any, env: Any, job: Any) -> None:
        record = self._map_run_record
        started = _now()
        _child.input = job.job_input
        original_job(self, env, job)
        state = env.program_state()
        name = str(uuid.uuid4())
        entry: dict[str, Any] = {
            "ExecutionArn": f"{record.map_run_arn.replace(':mapRun:', ':execution:')}:{name}",
            "Input": json.dumps(_child.input),
            "InputDetails": {"Included": True},
            "Name": name,
            "RedriveCount": 0,
            "StartDate": started,
            "StateMachineArn": record.map_run_arn.replace(":mapRun:", ":stateMachine:").rsplit(":", 1)[0],
            "StopDate": _now(),
        }
        if isinstance(state, ProgramEnded):
            entry.update(
                Status="SUCCEEDED",
                Output=json.dumps(job.job_output),
                OutputDetails={"Included": True},
                RedriveStatus="NOT_REDRIVABLE",
                RedriveStatusReason="Execution is SUCCEEDED and cannot be redriven",
            )
        else:
            error = (state.error if isinstance(state, ProgramError) else None) or {}
            entry.update(
                Status="TIMED_OUT" if isinstance(state, ProgramTimedOut) else "FAILED",
                Error=error.get("error", "States.Runtime"),
                Cause=error.get("cause", type(state).__name__),
                RedriveStatus="REDRIVABLE",
            )
        with record._local_lock:
            record._local_results.append(entry)

    worker.DistributedItemProcessorWorker._eval_job = eval_job  # type: ignore[method-assign]

    def eval_pool(self: Any, job: Any, worker_frame: Any) -> None:
        # moto's own version recurses once per job; the same steps as a loop.
        while True:
            if job is None:
                self._env.delete_frame(worker_frame)
                return
            job_frame = worker_frame.open_inner_frame()
            self._eval_job(env=job_frame, job=job)
            worker_frame.delete_frame(job_frame)
            if isinstance(job.job_output, Exception) or self.stopped():
                self._env.delete_frame(worker_frame)
                self._job_pool.close_job(job)
                return
            next_job = self._job_pool.next_job()
            if next_job is None:
                self._env.delete_frame(worker_frame)
                self._job_pool.close_job(job)
                return
            self._job_pool.close_job(job)
            job = next_job

    worker.DistributedItemProcessorWorker._eval_pool = eval_pool  # type: ignore[method-assign]


def _patch_result_writer() -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.result_writer import result_writer_decl
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.result_writer.resource_eval import (
        resource_eval_s3,
    )

    def put_object(env: Any, resource_runtime_part: Any, state_credentials: Any) -> None:
        parameters = env.stack.pop()
        env.stack.pop()  # the collected results: on AWS they are not the state's output either
        s3 = resource_eval_s3.ResourceEvalS3._get_s3_client(resource_runtime_part, state_credentials)
        record = env.map_run_record_pool_manager.get_all()[-1]
        prefix = parameters.get("Prefix", "")
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        base = f"{prefix}{record.map_run_arn.split(':')[-1]}/"
        files: dict[str, list[dict[str, Any]]] = {"FAILED": [], "PENDING": [], "SUCCEEDED": []}
        results = getattr(record, "_local_results", [])
        for status in ("SUCCEEDED", "FAILED"):
            chosen = [r for r in results if (r["Status"] == "SUCCEEDED") == (status == "SUCCEEDED")]
            if not chosen:
                continue
            body = json.dumps(chosen).encode()
            key = f"{base}{status}_0.json"
            s3.put_object(Bucket=parameters["Bucket"], Key=key, Body=body)
            files[status].append({"Key": key, "Size": len(body)})
        manifest = {"DestinationBucket": parameters["Bucket"], "MapRunArn": record.map_run_arn, "ResultFiles": files}
        key = f"{base}manifest.json"
        s3.put_object(Bucket=parameters["Bucket"], Key=key, Body=json.dumps(manifest).encode())
        env.stack.append(
            {"MapRunArn": record.map_run_arn, "ResultWriterDetails": {"Bucket": parameters["Bucket"], "Key": key}}
        )

    resource_eval_s3.ResourceEvalS3._handle_put_object = staticmethod(put_object)  # type: ignore[method-assign]

    def evaluate(self: Any, env: Any) -> None:
        # The Parameters' paths read the Map state's input, as on AWS.
        results = env.stack.pop()
        env.stack.append(env.states.get_input())
        self.parargs.eval(env=env)
        parameters = env.stack.pop()
        env.stack.pop()
        env.stack.append(results)
        env.stack.append(parameters)
        self.resource_eval.eval_resource(env=env)

    result_writer_decl.ResultWriter._eval_body = evaluate  # type: ignore[method-assign]


def apply() -> None:
    if _state["applied"]:
        return
    _patch_parser()
    _patch_map_run()
    _patch_workers()
    _patch_result_writer()
    _state["applied"] = True
