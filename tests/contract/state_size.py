"""The largest state of the billing state machine for N accounts, computed
from its definition (infra/billing.asl.json), not measured: moto does not
enforce Step Functions' 256 KiB per state, AWS does.

Every state of the parent execution is walked from ``StartAt`` through the
ASL's JSONPath pipeline (InputPath, Parameters with ``$``/``$$`` paths, the
task's result, ResultSelector, ResultPath, OutputPath), with the largest
result each Lambda action can return: its response model
(heatportal.domain.billing_run) filled to every bound it declares (each list
at its maximum length, each string at its maximum length, each number at 20
digits). A field without a bound makes the computation fail: "no state
carries a list that grows with the number of accounts" is the contract.

A Distributed Map's children are executions of their own (their own 256 KiB):
each is walked too, with its largest input (a full batch) and through every
Catch (an error whose Cause is at AWS's 32,768 characters). With a
ResultWriter, the Map's own result is the pointer to the result files; without
one, it would be every child's output, which is what the computation then
counts, so a definition that collects results in the state fails.

    python -m tests.contract.state_size [accounts] [definition]
"""

from __future__ import annotations

import json
import math
import re
import sys
from copy import deepcopy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonpath_ng.ext import parse as jsonpath  # a dependency of moto's Step Functions, already installed
from pydantic import BaseModel

from heatportal.domain.billing_run import BatchOutcome, RunPointer, RunSummary

LIMIT = 256 * 1024
ROOT = Path(__file__).resolve().parents[2]
DEFINITION = ROOT / "infra" / "billing.asl.json"
ACCOUNT_LENGTH = 32  # domain.billing_run.ACCOUNT_LENGTH: the longest customer number a batch carries
CAUSE_LENGTH = 32_768  # AWS's limit of an error's Cause
NUMBER = 10**19  # 20 digits: any integer a count can reach
CONTEXT = {
    "Execution": {
        "Id": "arn:aws:states:eu-north-1:123456789012:execution:" + "x" * 80 + ":" + "x" * 80,
        "Name": "x" * 80,
        "StartTime": "2026-10-02T06:00:00.000Z",
    },
    "StateMachine": {"Id": "arn:aws:states:eu-north-1:123456789012:stateMachine:" + "x" * 80, "Name": "x" * 80},
    "State": {"Name": "x" * 80, "EnteredTime": "2026-10-02T06:00:00.000Z", "RetryCount": NUMBER},
}
# What lambda:invoke wraps around the function's payload (its headers and metadata).
ENVELOPE = {
    "ExecutedVersion": "$LATEST",
    "SdkHttpMetadata": {
        "AllHttpHeaders": {
            "X-Amz-Executed-Version": ["$LATEST"],
            "x-amzn-Remapped-Content-Length": ["0"],
            "Connection": ["keep-alive"],
            "x-amzn-RequestId": ["x" * 36],
            "Content-Length": ["9999999"],
            "Date": ["Wed, 02 Dec 2026 06:00:00 GMT"],
            "X-Amzn-Trace-Id": ["x" * 120],
            "Content-Type": ["application/json"],
        },
        "HttpHeaders": {
            "Connection": "keep-alive",
            "Content-Length": "9999999",
            "Content-Type": "application/json",
            "Date": "Wed, 02 Dec 2026 06:00:00 GMT",
            "X-Amz-Executed-Version": "$LATEST",
            "x-amzn-Remapped-Content-Length": "0",
            "x-amzn-RequestId": "x" * 36,
            "X-Amzn-Trace-Id": "x" * 120,
        },
        "HttpStatusCode": 200,
    },
    "SdkResponseMetadata": {"RequestId": "x" * 36},
    "StatusCode": 200,
}
SUBSTITUTIONS = {
    "${BillingFunctionArn}": "arn:aws:lambda:eu-north-1:123456789012:function:" + "x" * 64,
    "${DocumentsBucketName}": "x" * 63,
}
# Each action's response model: the largest thing it can return.
RESPONSES: dict[str, type[BaseModel]] = {
    "list_accounts": RunPointer,
    "bill_batch": BatchOutcome,
    "record_batch_failure": BatchOutcome,
    "summarize": RunSummary,
}


class Unbounded(AssertionError):
    """A response model has a list, mapping or string without a maximum length."""


# --- the largest instance of a model ------------------------------------------------------------

_DECIMAL = re.compile(r"\\d\{0,(\d+)\}")


def largest(model: type[BaseModel]) -> Any:
    schema = model.model_json_schema(mode="serialization")
    return _largest(schema, schema.get("$defs", {}), model.__name__)


def _largest(schema: dict[str, Any], defs: dict[str, Any], where: str) -> Any:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return _largest(defs[name], defs, f"{where}.{name}")
    if "anyOf" in schema:
        options = [_largest(s, defs, where) for s in schema["anyOf"]]
        return max(options, key=lambda v: len(json.dumps(v)))
    if "enum" in schema:
        return max(schema["enum"], key=lambda v: len(json.dumps(v)))
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if kind == "object":
        if "properties" in schema:
            return {name: _largest(s, defs, f"{where}.{name}") for name, s in schema["properties"].items()}
        names = schema.get("propertyNames", {})
        if "$ref" in names:
            names = defs[names["$ref"].rsplit("/", 1)[-1]]
        count = schema.get("maxProperties", len(names.get("enum", [])))  # keys from an enum are bounded by it
        if not count:
            raise Unbounded(f"{where}: a mapping without maxProperties")
        value_schema = schema.get("additionalProperties") or next(iter(schema.get("patternProperties", {}).values()))
        keys = _keys(names, count, where)
        return {key: _largest(value_schema, defs, f"{where}[]") for key in keys}
    if kind == "array":
        if "maxItems" not in schema:
            raise Unbounded(f"{where}: a list without maxItems")
        return [_largest(schema["items"], defs, f"{where}[]")] * schema["maxItems"]
    if kind == "string":
        if "maxLength" in schema:
            return "x" * schema["maxLength"]
        if schema.get("format") == "date-time":
            return "2026-10-02T06:00:00.000000+00:00"
        digits = [int(n) for n in _DECIMAL.findall(schema.get("pattern", ""))]
        if schema.get("pattern", "").startswith("^(?!^[-+.]*$)") and digits:
            return "-" + "9" * max(digits) + "." + "9" * min(digits)  # a Decimal with max_digits
        raise Unbounded(f"{where}: a string without maxLength")
    if kind in ("integer", "number"):
        return NUMBER
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    raise Unbounded(f"{where}: cannot bound {schema}")


def _keys(names: dict[str, Any], count: int, where: str) -> list[str]:
    if "enum" in names:
        return sorted(names["enum"], key=len, reverse=True)[:count]
    if "maxLength" not in names:
        raise Unbounded(f"{where}: mapping keys without maxLength")
    return [f"{n:0{names['maxLength']}d}"[-names["maxLength"] :] for n in range(count)]


# --- the ASL's JSONPath pipeline ------------------------------------------------------------------


@dataclass(frozen=True)
class Repeated:
    """A JSON list of ``count`` values of ``item_bytes`` each, counted, not built
    (a million accounts' results would not fit in this process)."""

    item_bytes: int
    count: int

    @property
    def bytes(self) -> int:
        return 2 + self.count * self.item_bytes + max(self.count - 1, 0)


def size(value: Any) -> int:
    extra = 0

    def counted(placeholder: object) -> str:
        nonlocal extra
        if not isinstance(placeholder, Repeated):
            raise TypeError(type(placeholder).__name__)
        extra += placeholder.bytes - 2  # written below as "" (2 bytes)
        return ""

    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=counted)
    return len(text.encode()) + extra


def _get(path: str, data: Any) -> Any:
    if path.startswith("$$"):
        data, path = CONTEXT, path[1:]
    if path == "$":
        return data
    found = [m.value for m in jsonpath(path).find(data)]
    if not found:
        raise KeyError(f"{path} not in the state")
    return found[0]


def _template(template: Any, data: Any) -> Any:
    if isinstance(template, dict):
        out: dict[str, Any] = {}
        for key, value in template.items():
            if key.endswith(".$"):
                out[key[:-2]] = "x" * 256 if value.startswith("States.") else _get(value, data)
            else:
                out[key] = _template(value, data)
        return out
    if isinstance(template, list):
        return [_template(v, data) for v in template]
    return template


def _put(path: str | None, target: Any, value: Any) -> Any:
    if path is None:
        return target
    if path == "$":
        return value
    out = deepcopy(target)
    node = out
    parts = path[2:].split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value
    return out


@dataclass(frozen=True)
class Measure:
    state: str
    what: str
    bytes: int


def walk(machine: dict[str, Any], first: Any, accounts: int, scope: str = "") -> list[Measure]:
    """Every state's input, Lambda payload, raw result and output, in bytes."""
    measures = [Measure(f"{scope}(input)", "input", size(first))]
    states, name, data = machine["States"], machine["StartAt"], first
    while name:
        state = states[name]
        label = f"{scope}{name}"
        measures.append(Measure(label, "input", size(data)))
        effective = _get(state.get("InputPath", "$"), data)
        if state["Type"] == "Task":
            payload = _template(state.get("Parameters", {}), effective)
            measures.append(Measure(label, "lambda payload", size(payload)))
            result: Any = {**ENVELOPE, "Payload": largest(RESPONSES[payload["Payload"]["action"]])}
        elif state["Type"] == "Map":
            result, children = _map(state, effective, accounts, label)
            measures += children
        elif state["Type"] == "Pass":
            result = (
                _template(state["Parameters"], effective) if "Parameters" in state else state.get("Result", effective)
            )
        else:
            raise NotImplementedError(f"{label}: {state['Type']}")
        measures.append(Measure(label, "raw result", size(result)))
        if "ResultSelector" in state:
            result = _template(state["ResultSelector"], result)
        merged = _put(state.get("ResultPath", "$"), data, result)
        data = _get(state.get("OutputPath", "$"), merged)
        measures.append(Measure(label, "output", size(data)))
        name = None if state.get("End") else state.get("Next")
    return measures


def _map(state: dict[str, Any], effective: Any, accounts: int, label: str) -> tuple[Any, list[Measure]]:
    batcher = state.get("ItemBatcher") or {}
    per_batch = int(batcher.get("MaxItemsPerBatch", 1))
    account = "9" * ACCOUNT_LENGTH
    if "ItemReader" in state:
        children = math.ceil(accounts / per_batch)
    else:
        items = _get(state.get("ItemsPath", "$"), effective)
        children = len(items)
        account = max(items, key=size) if items else account
    if batcher:
        child_input: Any = {"Items": [account] * per_batch}
        if "BatchInput" in batcher:
            child_input["BatchInput"] = _template(batcher["BatchInput"], effective)
    elif "ItemSelector" in state:
        child_input = _template(state["ItemSelector"], effective)
    else:
        child_input = account
    processor = state.get("ItemProcessor") or state["Iterator"]
    measures = walk(processor, child_input, per_batch, scope=f"{label}/")
    for caught_in, child in processor["States"].items():
        for catch in child.get("Catch", []):
            error = {"Error": "x" * 256, "Cause": "x" * CAUSE_LENGTH}
            caught = _put(catch.get("ResultPath", "$"), child_input, error)
            branch = {"StartAt": catch["Next"], "States": processor["States"]}
            measures += walk(branch, caught, per_batch, scope=f"{label}/{caught_in}.catch/")
    if "ResultWriter" in state:
        pointer = {
            "MapRunArn": "arn:aws:states:eu-north-1:123456789012:mapRun:" + "x" * 160 + ":" + "x" * 36,
            "ResultWriterDetails": {"Bucket": "x" * 63, "Key": "x" * 1024},
        }
        return pointer, measures
    worst = max((m.bytes for m in measures if m.what == "output"), default=0)
    return Repeated(worst, children), measures


def definition(path: Path = DEFINITION) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    for placeholder, value in SUBSTITUTIONS.items():
        text = text.replace(placeholder, value)
    return dict(json.loads(text))


def measure(accounts: int, path: Path = DEFINITION) -> list[Measure]:
    return walk(definition(path), {"period": "previous", "redrive_of": "x" * 80}, accounts)


def main(argv: list[str]) -> int:
    accounts = int(argv[1]) if len(argv) > 1 else 1_000_000
    path = Path(argv[2]) if len(argv) > 2 else DEFINITION
    measures = measure(accounts, path)
    for m in measures:
        flag = "  <-- over 256 KiB" if m.bytes > LIMIT else ""
        print(f"{m.state:52s} {m.what:15s} {m.bytes:>12,d} B{flag}")
    worst = max(measures, key=lambda m: m.bytes)
    print(
        f"largest: {worst.state} {worst.what} = {worst.bytes:,d} B ({worst.bytes / LIMIT:.2f} x 256 KiB) for {accounts:,d} accounts"
    )
    return 1 if worst.bytes > LIMIT else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
