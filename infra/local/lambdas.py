"""Run the real Lambda handlers in-process.

moto runs no Lambda code without Docker, so the local stack loads each
function's ``app.py`` (the same module Lambda loads) and answers moto's
``lambda:Invoke`` with it. Step Functions tasks therefore reach the real
billing handler, errors included, as they would on AWS.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import threading
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from infra.local.resources import PREFIX
from infra.local.template import ROOT, functions

Handler = Callable[[dict[str, Any], Any], Any]


@dataclass
class LambdaContext:
    """The attributes Powertools reads from a real Lambda context."""

    function_name: str
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = ""
    aws_request_id: str = ""

    def get_remaining_time_in_millis(self) -> int:
        return 29_000


class LambdaTimeout(Exception):
    """What Lambda reports when a function runs out of time: raised by a test
    (or a fault injected) mid-invocation, it reaches Step Functions as the
    error ``Sandbox.Timedout``, as a real timeout does."""

    error_type = "Sandbox.Timedout"


_modules: dict[str, ModuleType] = {}
_lock = threading.Lock()


def load_function(logical_id: str) -> ModuleType:
    """Import functions/<name>/app.py under a unique module name."""
    with _lock:
        if logical_id in _modules:
            return _modules[logical_id]
        code_dir = functions()[logical_id]
        path = ROOT / code_dir / "app.py"
        module_name = f"heatportal_fn_{code_dir.rsplit('/', 1)[-1]}"
        # Lambda runs with the function's folder on sys.path (the task root), so
        # an entry point may import its sibling modules (named <function>_*.py).
        if str(path.parent) not in sys.path:
            sys.path.append(str(path.parent))
        spec = importlib.util.spec_from_file_location(module_name, path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
        _modules[logical_id] = module
        return module


def invoke(logical_id: str, event: dict[str, Any]) -> Any:
    module = load_function(logical_id)
    context = LambdaContext(
        function_name=f"{PREFIX}-{logical_id}",
        invoked_function_arn=f"arn:aws:lambda:local:0:function:{PREFIX}-{logical_id}",
        aws_request_id=str(uuid.uuid4()),
    )
    return module.handler(event, context)


def _logical_id_of(function_name: str) -> str | None:
    name = function_name.rsplit(":function:", 1)[-1].split(":")[0]
    if name.startswith(f"{PREFIX}-"):
        return name[len(PREFIX) + 1 :]
    return None


def install_moto_dispatch() -> None:
    """Answer moto's Lambda Invoke with the in-process handlers."""
    from moto.awslambda.models import LambdaBackend

    original = LambdaBackend.invoke

    def dispatch(
        self: Any, function_name: str, qualifier: str | None, body: Any, headers: Any, response_headers: Any
    ) -> Any:
        logical_id = _logical_id_of(function_name)
        if logical_id is None or logical_id not in functions():
            return original(self, function_name, qualifier, body, headers, response_headers)
        event = json.loads(body) if body else {}
        try:
            result = invoke(logical_id, event)
            payload = json.dumps(result, default=str).encode()
        except Exception as error:  # noqa: BLE001 - reported to Step Functions as Lambda does
            response_headers["x-amz-function-error"] = "Unhandled"
            payload = json.dumps(
                {
                    "errorType": getattr(error, "error_type", type(error).__name__),
                    "errorMessage": str(error),
                    "stackTrace": traceback.format_exception(error)[-3:],
                }
            ).encode()
        response_headers["Content-Length"] = str(len(payload))
        return payload

    LambdaBackend.invoke = dispatch  # type: ignore[method-assign]
    _install_sns_dispatch()


def _install_sns_dispatch() -> None:
    """Deliver an SNS topic's messages to its subscribed handlers in-process,
    as SNS delivers them to Lambda (one record per message, with the topic's
    ARN, so a handler tells its topics apart)."""
    from moto.sns.models import Subscription

    original = Subscription.publish

    def publish(
        self: Any, message: str, message_id: str, subject: str | None = None, *args: Any, **kwargs: Any
    ) -> None:
        logical_id = _logical_id_of(self.endpoint) if self.protocol == "lambda" else None
        if logical_id is None or logical_id not in functions():
            return original(self, message, message_id, subject, *args, **kwargs)
        record = {
            "EventSource": "aws:sns",
            "EventVersion": "1.0",
            "EventSubscriptionArn": self.arn,
            "Sns": {
                "Type": "Notification",
                "MessageId": message_id,
                "TopicArn": self.topic.arn,
                "Subject": subject,
                "Message": message,
                "MessageAttributes": {},
            },
        }
        # SNS retries a failed Lambda delivery; locally the error is printed and the message dropped.
        try:
            invoke(logical_id, {"Records": [record]})
        except Exception:  # noqa: BLE001 - a subscriber's failure must not fail the publisher's call
            traceback.print_exc()
        return None

    Subscription.publish = publish  # type: ignore[method-assign]


def cold_start() -> None:
    """Start every function cold again, as Lambda does with a new container:
    the settings and the composition root's adapters and services (cached once
    per container) are built again from the environment on the next call.
    Tests use it to point the handlers at a table of their own."""
    for name, module in list(sys.modules.items()):
        if name == "heatportal.settings" or name.startswith("heatportal.composition"):
            for value in vars(module).values():
                cache_clear = getattr(value, "cache_clear", None)
                if callable(cache_clear):
                    cache_clear()
