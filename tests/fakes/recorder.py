"""A spy for any port: records the names of the methods called on the object it wraps."""

from __future__ import annotations

from typing import Any


class Recorder:
    """Wraps an object and records ``<prefix>.<method>`` for every call, in order."""

    def __init__(self, target: Any, log: list[str], prefix: str) -> None:
        self._target = target
        self._log = log
        self._prefix = prefix

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._target, name)
        if not callable(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            self._log.append(f"{self._prefix}.{name}")
            return attribute(*args, **kwargs)

        return call
