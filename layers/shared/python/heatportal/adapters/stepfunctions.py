"""Step Functions: start a bill run (a redrive by customer service)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from heatportal.adapters.aws import transient_as_failure


class StepFunctionsRunStarter:
    def __init__(self, stepfunctions: Any, state_machine_arn: str) -> None:
        self.stepfunctions = stepfunctions
        self.state_machine_arn = state_machine_arn

    def start(self, name: str, run_input: Mapping[str, str]) -> None:
        transient_as_failure(
            "Step Functions StartExecution",
            lambda: self.stepfunctions.start_execution(
                stateMachineArn=self.state_machine_arn, name=name, input=json.dumps(dict(run_input))
            ),
        )
