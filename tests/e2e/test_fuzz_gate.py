"""A standing fuzz gate: schemathesis against the local stack's own OpenAPI
document (/api/openapi.json), once with a customer's token and once with
customer service's, on a stack of its own (the run signs out, changes and
creates things no other test should see).

The run is bounded: a fixed number of examples per operation (``EXAMPLES``),
a fixed seed, and a time cap per persona that stops it. The customer's run
also walks the coverage phase (boundary and wrong-type values of every
parameter); both walk the schema's examples and the fuzzing phase. Path
parameters are pinned to the demo customer, its meter and an invoice, so the
requests reach past validation into the services. The data API's routes
(``/api/v1/data``) take a data token, not a sign-in: each of its operations
gets a personal access token of the demo customer's own (so each has its own
rate), made again after the run revokes them.

It fails on any 5xx, any answer that does not match its documented schema,
any undocumented status and any undocumented content type. The figures
(requests sent, 5xx, schema violations, statuses) are printed and written to
artifacts/fuzz/<persona>.json.
"""

from __future__ import annotations

import collections
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from schemathesis.engine import events, from_schema

from infra.local.openapi_truth import DATA_ROUTES
from tests.e2e.conftest import ROOT, LocalStack, _start

# Its own stack, so its own xdist group: it runs beside the other end-to-end tests.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e-fuzz")]

EXAMPLES = 6
SEED = 20260510
CHECKS = ("not_a_server_error", "response_schema_conformance", "status_code_conformance", "content_type_conformance")
# The cap grows with the document: seconds per documented operation (measured on a
# shared 2-core machine: about 2.4 for the customer's phases, 1.2 for customer service's).
CAP_SECONDS_PER_OPERATION = {"customer": 4.0, "staff": 2.0}
PHASES = {"customer": ("examples", "coverage", "fuzzing"), "staff": ("examples", "fuzzing")}


@dataclass
class FuzzRun:
    persona: str
    seconds: float = 0.0
    requests: int = 0
    statuses: collections.Counter[int] = field(default_factory=collections.Counter)
    per_operation: collections.Counter[str] = field(default_factory=collections.Counter)
    statuses_of: dict[str, collections.Counter[int]] = field(default_factory=dict)
    failures: dict[tuple[str, str, str], str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    capped: bool = False

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    def failures_of(self, check: str) -> int:
        return sum(1 for (_op, name, _title) in self.failures if name == check)

    def figures(self) -> dict[str, Any]:
        return {
            "persona": self.persona,
            "seconds": round(self.seconds, 1),
            "requests": self.requests,
            "operations": len(self.per_operation),
            "server_errors_5xx": self.server_errors,
            "schema_violations": self.failures_of("response_schema_conformance"),
            "undocumented_statuses": self.failures_of("status_code_conformance"),
            "undocumented_content_types": self.failures_of("content_type_conformance"),
            "statuses": dict(sorted(self.statuses.items())),
            "data_api": {
                operation: dict(sorted(statuses.items()))
                for operation, statuses in sorted(self.statuses_of.items())
                if DATA_ROUTES in operation
            },
            "stopped_by_time_cap": self.capped,
            "failures": [f"{op} {name}: {title}: {sample}" for (op, name, title), sample in self.failures.items()],
            "errors": self.errors,
        }


@pytest.fixture(scope="module")
def fuzz_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """A local stack of the gate's own: the run signs out, creates and corrects."""
    yield from _start(tmp_path_factory, "no")


def _token(stack: LocalStack, user: dict[str, Any]) -> str:
    return stack.login(user)["Authorization"].removeprefix("Bearer ")


def _pinned(stack: LocalStack, customer_user: dict[str, Any]) -> dict[str, str]:
    """Path parameters of real things, so requests get past 404 into the services."""
    number = customer_user["customers"][0]["customer_number"]
    headers = stack.login(customer_user)
    meters = requests.get(f"{stack.url}/api/customers/{number}/meters", headers=headers, timeout=30).json()
    invoices = requests.get(f"{stack.url}/api/customers/{number}/invoices", headers=headers, timeout=30).json()
    pinned = {"customer": number.replace("/", "-"), "meter": meters[0]["number"]}
    if invoices:
        pinned["number"] = str(invoices[0]["number"])
    return pinned


class DataTokens:
    """A personal access token of the customer per data API operation, made on first use."""

    def __init__(self, stack: LocalStack, customer_user: dict[str, Any], customer: str) -> None:
        self.stack = stack
        self.user = customer_user
        self.customer = customer
        self.tokens: dict[str, str] = {}

    def _request(self, method: str, body: dict[str, Any] | None = None) -> requests.Response:
        return requests.request(
            method, f"{self.stack.url}/api/me/tokens", json=body, headers=self.stack.login(self.user), timeout=30
        )

    def renew(self) -> None:
        """Forget them all (the run may have revoked them, or made as many as a person may have)."""
        self._request("DELETE")
        self.tokens.clear()

    def of(self, operation: str) -> str:
        if operation not in self.tokens:
            body = {
                "name": f"fuzz {len(self.tokens)}",
                "customers": [{"customer": self.customer}],
                "kinds": ["consumption", "readings", "invoices"],
                "expires_in_days": 1,
            }
            resp = self._request("POST", body)
            if resp.status_code == 409:  # the run made the most a person may have
                self.renew()
                resp = self._request("POST", body)
            resp.raise_for_status()
            self.tokens[operation] = resp.json()["token"]
        return self.tokens[operation]


def fuzz(
    stack: LocalStack, persona: str, user: dict[str, Any], pinned: dict[str, str], data_tokens: DataTokens
) -> FuzzRun:
    run = FuzzRun(persona)
    config = schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "workers": 1,
            "continue-on-failure": True,
            "suppress-health-check": ["all"],
            "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
            "phases": {
                **{name: {"enabled": name in PHASES[persona]} for name in ("examples", "fuzzing", "stateful")},
                # Every path is also asked with methods it does not have (the answer must be a 405).
                "coverage": {"enabled": "coverage" in PHASES[persona], "unexpected-methods": ["PATCH", "TRACE"]},
            },
            "generation": {"max-examples": EXAMPLES},
            "parameters": pinned,
        }
    )
    schema = schemathesis.openapi.from_url(f"{stack.url}/api/openapi.json", config=config)
    paths = requests.get(f"{stack.url}/api/openapi.json", timeout=30).json()["paths"]
    cap = CAP_SECONDS_PER_OPERATION[persona] * sum(len(ops) for ops in paths.values())

    @schema.hook("after_call")
    def count(_context: Any, case: Any, response: Any) -> None:
        run.requests += 1
        run.statuses[response.status_code] += 1
        run.per_operation[case.operation.label] += 1
        run.statuses_of.setdefault(case.operation.label, collections.Counter())[response.status_code] += 1

    # The run signs itself out (POST /api/auth/logout ends every session of the
    # person): on a 401 schemathesis signs in again and repeats the request.
    @schema.auth(refresh_interval=300, retry_on=[401])
    class SignIn:
        def get(self, _case: Any, _context: Any) -> str:
            data_tokens.renew()
            return _token(stack, user)

        def set(self, case: Any, token: str, _context: Any) -> None:
            if case.operation.path.startswith(DATA_ROUTES):
                token = data_tokens.of(case.operation.label)
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}

    began = time.monotonic()
    stream = from_schema(schema).execute()
    for event in stream:
        if time.monotonic() - began > cap and not run.capped:
            run.capped = True
            stream.stop()
        if isinstance(event, events.ScenarioFinished):
            for nodes in event.recorder.checks.values():
                for node in nodes:
                    if node.failure_info is not None:
                        key = (event.recorder.label, node.name, node.failure_info.failure.title)
                        run.failures.setdefault(key, node.failure_info.code_sample)
        elif isinstance(event, events.NonFatalError | events.FatalError):
            run.errors.append(str(getattr(event, "value", None) or getattr(event, "exception", ""))[:500])
    run.seconds = time.monotonic() - began
    return run


def _report(run: FuzzRun) -> None:
    folder = ROOT / "artifacts" / "fuzz"
    folder.mkdir(parents=True, exist_ok=True)
    Path(folder / f"{run.persona}.json").write_text(json.dumps(run.figures(), indent=2, ensure_ascii=False) + "\n")
    figures = run.figures()
    print(
        f"\nfuzz gate ({run.persona}): {figures['requests']} requests to {figures['operations']} operations "
        f"in {figures['seconds']} s, 5xx {figures['server_errors_5xx']}, schema violations "
        f"{figures['schema_violations']}, undocumented statuses {figures['undocumented_statuses']}, "
        f"statuses {figures['statuses']}"
    )


@pytest.mark.parametrize("persona", ["customer", "staff"])
def test_no_5xx_and_every_answer_as_documented(fuzz_stack: LocalStack, persona: str) -> None:
    customer_user = fuzz_stack.demo[0]  # the canonical demo customer, an administrator
    user = customer_user if persona == "customer" else next(u for u in fuzz_stack.demo if u["staff"])
    operations = requests.get(f"{fuzz_stack.url}/api/openapi.json", timeout=30).json()["paths"]
    documented = {f"{method.upper()} {path}" for path, ops in operations.items() for method in ops}

    pinned = _pinned(fuzz_stack, customer_user)
    run = fuzz(fuzz_stack, persona, user, pinned, DataTokens(fuzz_stack, customer_user, pinned["customer"]))
    _report(run)

    assert run.errors == []
    assert run.server_errors == 0, run.figures()["failures"]
    assert run.failures == {}, "\n".join(run.figures()["failures"])
    # A time cap that cut the run short must not pass for a full run.
    assert documented <= set(run.per_operation), sorted(documented - set(run.per_operation))
    assert run.requests >= len(documented) * EXAMPLES // 2
    # The data API's operations were read with a working token, past the token check into the services.
    data_operations = {op for op in documented if DATA_ROUTES in op}
    assert len(data_operations) == 6
    assert all(run.statuses_of[op][200] > 0 for op in data_operations), run.figures()["data_api"]
