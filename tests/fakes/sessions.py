"""When people last signed out everywhere (``services.sessions.SignOutStore``),
in memory, with the semantics of ``adapters.signouts.DynamoSignOuts``: one
time per person, the latest sign-out replacing the one before."""

from __future__ import annotations

from heatportal.services.sessions import SignOutStore


class InMemorySignOutStore(SignOutStore):
    def __init__(self) -> None:
        self.at: dict[str, int] = {}

    def record(self, user_id: str, at_ms: int) -> None:
        self.at[user_id] = at_ms

    def signed_out_at_ms(self, user_id: str) -> int | None:
        return self.at.get(user_id)
