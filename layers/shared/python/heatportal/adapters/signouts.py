"""When a person last signed out everywhere, so the portal refuses ID tokens
issued before it on every device (Cognito's GlobalSignOut revokes refresh and
access tokens, but an ID token stays valid until it expires, up to an hour).
One item per person, ``at`` in epoch milliseconds (keys in docs/data-model.md),
one PutItem per sign-out. The item is also on GSI1 in the person's partition,
beside their memberships and organisations: the portal reads it with them in
the one Query that finds the person's customers (adapters.dynamo_companies),
the API and a sign-in read it with a GetItem (strongly consistent).
"""

from __future__ import annotations

from heatportal.adapters import dynamo_keys as keys
from heatportal.adapters.dynamo import DynamoTable


class DynamoSignOuts:
    def __init__(self, table: DynamoTable) -> None:
        self.table = table

    def record(self, user_id: str, at_ms: int) -> None:
        self.table.put(
            {
                **keys.sign_out(user_id).item(),
                **keys.IndexKey(keys.GSI1, keys.user_pk(user_id), keys.SIGN_OUT).item(),
                "type": "signout",
                "at": at_ms,
            }
        )

    def signed_out_at_ms(self, user_id: str) -> int | None:
        item = self.table.get(keys.sign_out(user_id))
        return int(item["at"]) if item else None
