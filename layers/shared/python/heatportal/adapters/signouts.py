"""When a person last signed out everywhere, so the portal refuses ID tokens
issued before it on every device (Cognito's GlobalSignOut revokes refresh and
access tokens, but an ID token stays valid until it expires, up to an hour).
One item per person, ``at`` in epoch milliseconds (keys in docs/data-model.md):
one GetItem per signed-in portal request, one PutItem per sign-out.
"""

from __future__ import annotations

from heatportal.adapters import dynamo_keys as keys
from heatportal.adapters.dynamo import DynamoTable


class DynamoSignOuts:
    def __init__(self, table: DynamoTable) -> None:
        self.table = table

    def record(self, user_id: str, at_ms: int) -> None:
        self.table.put({**keys.sign_out(user_id).item(), "type": "signout", "at": at_ms})

    def signed_out_at_ms(self, user_id: str) -> int | None:
        item = self.table.get(keys.sign_out(user_id))
        return int(item["at"]) if item else None
