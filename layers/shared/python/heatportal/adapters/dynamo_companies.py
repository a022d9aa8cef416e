"""DynamoDB items of management companies, on the single table
(keys and access patterns in docs/data-model.md): organisations, their
members, audit and member invitations, and the customers' grants. Every
change of who may see what is one TransactWriteItems with an optimistic
version check (the customer's access list, or the organisation's) and its
audit entry. Invitations carry ``expires_at`` (the table's TTL attribute).
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from boto3.dynamodb.types import TypeSerializer
from botocore.exceptions import ClientError

from heatportal.adapters import dynamo_keys as keys
from heatportal.adapters.dynamo import DynamoTable, dump_item, membership_from_item, version_update
from heatportal.adapters.dynamo_accounts import audit_item
from heatportal.domain.accounts import AuditEntry
from heatportal.domain.companies import (
    CompanyGrant,
    Organisation,
    OrgAuditEntry,
    OrgInvitation,
    OrgMember,
    OrgRole,
)
from heatportal.domain.model import Role
from heatportal.services.access import PersonLinks


def organisation_item(org: Organisation) -> dict[str, Any]:
    return {
        **keys.organisation(org.number).item(),
        "type": "organisation",
        "number": org.number,
        "name": org.name,
        "created_at": org.created_at.isoformat(),
        "created_by": org.created_by,
        "verified_at": org.verified_at.isoformat() if org.verified_at else None,
        "verified_by": org.verified_by,
    }


def organisation_from_item(item: dict[str, Any]) -> Organisation:
    return Organisation(
        number=item["number"],
        name=item["name"],
        created_at=datetime.fromisoformat(item["created_at"]),
        created_by=item["created_by"],
        verified_at=datetime.fromisoformat(item["verified_at"]) if item.get("verified_at") else None,
        verified_by=item.get("verified_by"),
    )


def org_member_item(member: OrgMember) -> dict[str, Any]:
    return {
        **keys.org_member(member.org_number, member.user_id).item(),
        **keys.by_user_organisation(member.user_id, member.org_number).item(),
        "type": "org_member",
        "org_number": member.org_number,
        "user_id": member.user_id,
        "email": member.email,
        "role": member.role.value,
        "customers": sorted(member.customers) if member.customers is not None else None,
    }


def org_member_from_item(item: dict[str, Any]) -> OrgMember:
    customers = item.get("customers")
    return OrgMember(
        org_number=item["org_number"],
        user_id=item["user_id"],
        email=item["email"],
        role=OrgRole(item["role"]),
        customers=frozenset(customers) if customers is not None else None,
    )


def grant_item(grant: CompanyGrant) -> dict[str, Any]:
    return {
        **keys.company_grant(grant.customer_number, grant.org_number).item(),
        **keys.by_company_grant(grant.org_number, grant.customer_number).item(),
        "type": "company_grant",
        "customer_number": grant.customer_number,
        "org_number": grant.org_number,
        "role": grant.role.value,
        "facilities": sorted(grant.facilities) if grant.facilities is not None else None,
        "all_facilities": grant.facilities is None,
        "status": grant.status,
        "granted_by": grant.granted_by,
        "granted_at": grant.granted_at.isoformat(),
        "contact_email": grant.contact_email,
    }


def grant_from_item(item: dict[str, Any]) -> CompanyGrant:
    return CompanyGrant(
        customer_number=item["customer_number"],
        org_number=item["org_number"],
        role=Role(item["role"]),
        facilities=None if item.get("all_facilities") else frozenset(item.get("facilities") or []),
        status=item["status"],
        granted_by=item["granted_by"],
        granted_at=datetime.fromisoformat(item["granted_at"]),
        contact_email=item.get("contact_email"),
    )


def invitation_item(invitation: OrgInvitation) -> dict[str, Any]:
    return {
        **keys.org_invitation(invitation.id).item(),
        **keys.by_org_invitation(invitation.org_number, invitation.id).item(),
        "type": "org_invitation",
        "id": invitation.id,
        "org_number": invitation.org_number,
        "email": invitation.email,
        "role": invitation.role.value,
        "code_hash": invitation.code_hash,
        "expires_at": invitation.expires_at,
        "language": invitation.language,
        "invited_by": invitation.invited_by,
        "attempts": invitation.attempts,
        "customer_number": invitation.customer_number,
        "company_name": invitation.company_name,
    }


def invitation_from_item(item: dict[str, Any]) -> OrgInvitation:
    return OrgInvitation(
        id=item["id"],
        org_number=item["org_number"],
        email=item["email"],
        role=OrgRole(item["role"]),
        code_hash=item["code_hash"],
        expires_at=int(item["expires_at"]),
        language=item["language"],
        invited_by=item["invited_by"],
        attempts=int(item.get("attempts", 0)),
        customer_number=item.get("customer_number"),
        company_name=item.get("company_name"),
    )


def org_audit_item(entry: OrgAuditEntry) -> dict[str, Any]:
    return {
        **keys.org_audit(entry.org_number, entry.at, secrets.token_hex(4)).item(),
        "type": "org_audit",
        "org_number": entry.org_number,
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "action": entry.action,
        "subject": entry.subject,
        "role": entry.role,
    }


def org_audit_from_item(item: dict[str, Any]) -> OrgAuditEntry:
    return OrgAuditEntry(
        org_number=item["org_number"],
        at=datetime.fromisoformat(item["at"]),
        actor=item["actor"],
        action=item["action"],
        subject=item["subject"],
        role=item.get("role"),
    )


class DynamoCompanyStore:
    """Implements services.access.CompanyDirectory and services.companies.CompanyStore."""

    def __init__(self, table: DynamoTable) -> None:
        self.table = table

    # --- access --------------------------------------------------------------------------
    def access_of(self, user_id: str) -> PersonLinks:
        """One Query of the person's GSI1 partition: memberships, organisations
        and the sign-out record (adapters.signouts puts it there too)."""
        items = self.table.query(keys.user_pk(user_id), index=keys.GSI1)
        own = [membership_from_item(i) for i in items if i.get("type") == "membership"]
        orgs = [org_member_from_item(i) for i in items if i.get("type") == "org_member"]
        signed_out = next((int(i["at"]) for i in items if i.get("type") == "signout"), None)
        return PersonLinks(own, orgs, signed_out)

    def organisations_of(self, user_id: str) -> list[OrgMember]:
        items = self.table.query(keys.user_pk(user_id), index=keys.GSI1, sk_prefix=keys.ORGANISATIONS)
        return [org_member_from_item(i) for i in items]

    def get_grant(self, customer_number: str, org_number: str) -> CompanyGrant | None:
        item = self.table.get(keys.company_grant(customer_number, org_number))
        return grant_from_item(item) if item else None

    def grants_of_org(self, org_number: str) -> list[CompanyGrant]:
        return [grant_from_item(i) for i in self.table.query(keys.org_customers_pk(org_number), index=keys.GSI1)]

    # --- organisations -------------------------------------------------------------------
    def set_verified(self, org: Organisation, audit: OrgAuditEntry) -> None:
        """Record (or withdraw) customer service's verification with its audit entry."""
        sets = {":at": org.verified_at.isoformat() if org.verified_at else None, ":by": org.verified_by}
        self.table.transact(
            [
                {
                    "Update": {
                        "TableName": self.table.name,
                        "Key": dump_item(keys.organisation(org.number).item()),
                        "UpdateExpression": "SET verified_at = :at, verified_by = :by",
                        "ConditionExpression": "attribute_exists(PK)",
                        "ExpressionAttributeValues": {k: TypeSerializer().serialize(v) for k, v in sets.items()},
                    }
                },
                {"Put": {"TableName": self.table.name, "Item": dump_item(org_audit_item(audit))}},
            ]
        )

    def get_organisation(self, org_number: str) -> Organisation | None:
        item = self.table.get(keys.organisation(org_number))
        return organisation_from_item(item) if item else None

    def list_org_members(self, org_number: str) -> list[OrgMember]:
        items = self.table.query(keys.org_pk(org_number), sk_prefix=keys.ORG_MEMBERS)
        return [org_member_from_item(i) for i in items]

    def org_version(self, org_number: str) -> int:
        item = self.table.get(keys.org_access(org_number), consistent=True)
        return int(item["version"]) if item else 0

    def list_org_audit(self, org_number: str, limit: int = 200) -> list[OrgAuditEntry]:
        items = self.table.query(keys.org_pk(org_number), sk_prefix=keys.ORG_AUDIT, forward=False, limit=limit)
        return [org_audit_from_item(i) for i in items]

    def create_organisation(self, org: Organisation, admin: OrgMember, audit: OrgAuditEntry) -> bool:
        """Create the organisation with its first administrator; False when the
        number is already registered."""
        name = self.table.name
        items = [
            {
                "Put": {
                    "TableName": name,
                    "Item": dump_item(organisation_item(org)),
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            },
            {"Put": {"TableName": name, "Item": dump_item(org_member_item(admin))}},
            {"Put": {"TableName": name, "Item": dump_item(org_audit_item(audit))}},
            {
                # A customer's invitation of the company may have versioned it already.
                "Update": {
                    "TableName": name,
                    "Key": dump_item(keys.org_access(org.number).item()),
                    "UpdateExpression": "SET #t = :type ADD version :one",
                    "ExpressionAttributeNames": {"#t": "type"},
                    "ExpressionAttributeValues": dump_item({":type": "access", ":one": 1}),
                }
            },
        ]
        return self.table.transact(items)

    def write_org_change(
        self,
        org_number: str,
        version: int,
        audit: OrgAuditEntry,
        *,
        put: OrgMember | None = None,
        delete_user: str | None = None,
        put_invitation: OrgInvitation | None = None,
        delete_invitation: str | None = None,
    ) -> bool:
        name = self.table.name
        items: list[dict[str, Any]] = [
            version_update(name, keys.org_access(org_number), version),
            {"Put": {"TableName": name, "Item": dump_item(org_audit_item(audit))}},
        ]
        if put is not None:
            items.append({"Put": {"TableName": name, "Item": dump_item(org_member_item(put))}})
        if delete_user is not None:
            key = keys.org_member(org_number, delete_user).item()
            items.append({"Delete": {"TableName": name, "Key": dump_item(key)}})
        if put_invitation is not None:
            items.append({"Put": {"TableName": name, "Item": dump_item(invitation_item(put_invitation))}})
        if delete_invitation is not None:
            key = keys.org_invitation(delete_invitation).item()
            items.append({"Delete": {"TableName": name, "Key": dump_item(key)}})
        return self.table.transact(items)

    # --- member invitations ------------------------------------------------------------------
    def get_invitation(self, invitation_id: str) -> OrgInvitation | None:
        item = self.table.get(keys.org_invitation(invitation_id), consistent=True)
        return invitation_from_item(item) if item else None

    def list_org_invitations(self, org_number: str) -> list[OrgInvitation]:
        items = self.table.query(keys.org_invitations_pk(org_number), index=keys.GSI1)
        return [invitation_from_item(i) for i in items]

    def put_invitation(self, invitation: OrgInvitation) -> None:
        self.table.put(invitation_item(invitation))

    def delete_invitation(self, invitation_id: str) -> None:
        self.table.delete(keys.org_invitation(invitation_id))

    def count_invitation_attempt(self, invitation_id: str, max_attempts: int) -> None:
        try:
            self.table.call(
                "update_item",
                TableName=self.table.name,
                Key=dump_item(keys.org_invitation(invitation_id).item()),
                UpdateExpression="SET attempts = attempts + :one",
                ConditionExpression="attempts < :max",
                ExpressionAttributeValues=dump_item({":one": 1, ":max": max_attempts}),
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise

    # --- grants (the customer's access list) ---------------------------------------------
    def is_blocked(self, customer_number: str, org_number: str) -> bool:
        return self.table.get(keys.company_block(customer_number, org_number)) is not None

    def write_grant_change(
        self,
        customer_number: str,
        version: int,
        audit: AuditEntry,
        *,
        put: CompanyGrant | None = None,
        expect: str | None = None,
        delete_org: str | None = None,
        block: bool | None = None,
        delete_invitations: tuple[str, ...] = (),
    ) -> bool:
        """One change of a customer's company grants with its audit entry, only
        if the customer's access list is still at ``version``."""
        name = self.table.name
        items: list[dict[str, Any]] = [
            version_update(name, keys.customer_access(customer_number), version),
            {"Put": {"TableName": name, "Item": dump_item(audit_item(audit))}},
        ]
        if put is not None:
            write: dict[str, Any] = {"TableName": name, "Item": dump_item(grant_item(put))}
            if expect == "absent":
                write["ConditionExpression"] = "attribute_not_exists(PK)"
            elif expect is not None:
                write["ConditionExpression"] = "#s = :expected"
                write["ExpressionAttributeNames"] = {"#s": "status"}
                write["ExpressionAttributeValues"] = dump_item({":expected": expect})
            items.append({"Put": write})
        if delete_org is not None:
            key = keys.company_grant(customer_number, delete_org).item()
            items.append({"Delete": {"TableName": name, "Key": dump_item(key)}})
        org = (put.org_number if put is not None else delete_org) or ""
        block_key = keys.company_block(customer_number, org).item()
        if block is True:
            marker = {**block_key, "type": "company_block", "org_number": org, "at": audit.at.isoformat()}
            items.append({"Put": {"TableName": name, "Item": dump_item(marker)}})
        elif block is False:
            items.append({"Delete": {"TableName": name, "Key": dump_item(block_key)}})
        for invitation_id in delete_invitations:
            key = keys.org_invitation(invitation_id).item()
            items.append({"Delete": {"TableName": name, "Key": dump_item(key)}})
        return self.table.transact(items)
