"""DynamoDB items of management companies, on the single table.

| entity              | PK                 | SK                      | GSI1PK / GSI1SK              |
|---------------------|--------------------|-------------------------|------------------------------|
| organisation        | ORG#<org>          | PROFILE                 |                              |
| organisation member | ORG#<org>          | MEMBER#<user>           | USER#<user> / ORG#<org>      |
| member list version | ORG#<org>          | ACCESS                  |                              |
| organisation audit  | ORG#<org>          | AUDIT#<iso time>#<rand> |                              |
| member invitation   | ORGINV#<id>        | ORGINV                  | ORGINVITES#<org> / <id>      |
| company grant       | CUST#<no>          | COMPANY#<org>           | ORGCUST#<org> / CUST#<no>    |
| revoked: no self-registration | CUST#<no> | COMPANYBLOCK#<org>    |                              |

Access patterns: a person's memberships and organisations = one Query on GSI1
USER#<user> (memberships sort under CUST#, organisations under ORG#); a grant
check = GetItem (CUST#<no>, COMPANY#<org>); the customers of a company = Query
GSI1 ORGCUST#<org>; the companies of a customer = Query PK=CUST#<no> SK
begins_with COMPANY#; members = Query PK=ORG#<org> SK begins_with MEMBER#;
invitations of a company = Query GSI1 ORGINVITES#<org>. Every change of who
may see what is one TransactWriteItems with an optimistic version check (the
customer's ACCESS item, or the organisation's) and its audit entry. Invitations
carry ``expires_at`` (the table's TTL attribute).
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from boto3.dynamodb.types import TypeSerializer
from botocore.exceptions import ClientError

from heatportal.adapters.dynamo import DynamoTable, _dump, _membership, version_update
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
from heatportal.domain.model import Membership, Role


def organisation_item(org: Organisation) -> dict[str, Any]:
    return {
        "PK": f"ORG#{org.number}",
        "SK": "PROFILE",
        "type": "organisation",
        "number": org.number,
        "name": org.name,
        "created_at": org.created_at.isoformat(),
        "created_by": org.created_by,
        "verified_at": org.verified_at.isoformat() if org.verified_at else None,
        "verified_by": org.verified_by,
    }


def _organisation(item: dict[str, Any]) -> Organisation:
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
        "PK": f"ORG#{member.org_number}",
        "SK": f"MEMBER#{member.user_id}",
        "GSI1PK": f"USER#{member.user_id}",
        "GSI1SK": f"ORG#{member.org_number}",
        "type": "org_member",
        "org_number": member.org_number,
        "user_id": member.user_id,
        "email": member.email,
        "role": member.role.value,
        "customers": sorted(member.customers) if member.customers is not None else None,
    }


def _org_member(item: dict[str, Any]) -> OrgMember:
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
        "PK": f"CUST#{grant.customer_number}",
        "SK": f"COMPANY#{grant.org_number}",
        "GSI1PK": f"ORGCUST#{grant.org_number}",
        "GSI1SK": f"CUST#{grant.customer_number}",
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


def _grant(item: dict[str, Any]) -> CompanyGrant:
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
        "PK": f"ORGINV#{invitation.id}",
        "SK": "ORGINV",
        "GSI1PK": f"ORGINVITES#{invitation.org_number}",
        "GSI1SK": invitation.id,
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


def _invitation(item: dict[str, Any]) -> OrgInvitation:
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
    at = entry.at.isoformat()
    return {
        "PK": f"ORG#{entry.org_number}",
        "SK": f"AUDIT#{at}#{secrets.token_hex(4)}",
        "type": "org_audit",
        "org_number": entry.org_number,
        "at": at,
        "actor": entry.actor,
        "action": entry.action,
        "subject": entry.subject,
        "role": entry.role,
    }


def _org_audit(item: dict[str, Any]) -> OrgAuditEntry:
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
    def access_of(self, user_id: str) -> tuple[list[Membership], list[OrgMember]]:
        items = self.table.query(f"USER#{user_id}", index="GSI1")
        own = [_membership(i) for i in items if i.get("type") == "membership"]
        orgs = [_org_member(i) for i in items if i.get("type") == "org_member"]
        return own, orgs

    def organisations_of(self, user_id: str) -> list[OrgMember]:
        return [_org_member(i) for i in self.table.query(f"USER#{user_id}", index="GSI1", sk_prefix="ORG#")]

    def get_grant(self, customer_number: str, org_number: str) -> CompanyGrant | None:
        item = self.table.get(f"CUST#{customer_number}", f"COMPANY#{org_number}")
        return _grant(item) if item else None

    def grants_of_org(self, org_number: str) -> list[CompanyGrant]:
        return [_grant(i) for i in self.table.query(f"ORGCUST#{org_number}", index="GSI1")]

    def grants_of_customer(self, customer_number: str) -> list[CompanyGrant]:
        return [_grant(i) for i in self.table.query(f"CUST#{customer_number}", sk_prefix="COMPANY#")]

    def facility_ids(self, customer_number: str) -> list[str]:
        return [i["id"] for i in self.table.query(f"CUST#{customer_number}", sk_prefix="FAC#")]

    # --- organisations -------------------------------------------------------------------
    def set_verified(self, org: Organisation, audit: OrgAuditEntry) -> None:
        """Record (or withdraw) customer service's verification with its audit entry."""
        sets = {":at": org.verified_at.isoformat() if org.verified_at else None, ":by": org.verified_by}
        self.table.transact(
            [
                {
                    "Update": {
                        "TableName": self.table.name,
                        "Key": _dump({"PK": f"ORG#{org.number}", "SK": "PROFILE"}),
                        "UpdateExpression": "SET verified_at = :at, verified_by = :by",
                        "ConditionExpression": "attribute_exists(PK)",
                        "ExpressionAttributeValues": {k: TypeSerializer().serialize(v) for k, v in sets.items()},
                    }
                },
                {"Put": {"TableName": self.table.name, "Item": _dump(org_audit_item(audit))}},
            ]
        )

    def get_organisation(self, org_number: str) -> Organisation | None:
        item = self.table.get(f"ORG#{org_number}", "PROFILE")
        return _organisation(item) if item else None

    def list_org_members(self, org_number: str) -> list[OrgMember]:
        return [_org_member(i) for i in self.table.query(f"ORG#{org_number}", sk_prefix="MEMBER#")]

    def org_version(self, org_number: str) -> int:
        item = self.table.get(f"ORG#{org_number}", "ACCESS", consistent=True)
        return int(item["version"]) if item else 0

    def list_org_audit(self, org_number: str, limit: int = 200) -> list[OrgAuditEntry]:
        items = self.table.query(f"ORG#{org_number}", sk_prefix="AUDIT#", forward=False, limit=limit)
        return [_org_audit(i) for i in items]

    def create_organisation(self, org: Organisation, admin: OrgMember, audit: OrgAuditEntry) -> bool:
        """Create the organisation with its first administrator; False when the
        number is already registered."""
        name = self.table.name
        items = [
            {
                "Put": {
                    "TableName": name,
                    "Item": _dump(organisation_item(org)),
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            },
            {"Put": {"TableName": name, "Item": _dump(org_member_item(admin))}},
            {"Put": {"TableName": name, "Item": _dump(org_audit_item(audit))}},
            {
                # A customer's invitation of the company may have versioned it already.
                "Update": {
                    "TableName": name,
                    "Key": _dump({"PK": f"ORG#{org.number}", "SK": "ACCESS"}),
                    "UpdateExpression": "SET #t = :type ADD version :one",
                    "ExpressionAttributeNames": {"#t": "type"},
                    "ExpressionAttributeValues": _dump({":type": "access", ":one": 1}),
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
            version_update(name, f"ORG#{org_number}", version),
            {"Put": {"TableName": name, "Item": _dump(org_audit_item(audit))}},
        ]
        if put is not None:
            items.append({"Put": {"TableName": name, "Item": _dump(org_member_item(put))}})
        if delete_user is not None:
            key = {"PK": f"ORG#{org_number}", "SK": f"MEMBER#{delete_user}"}
            items.append({"Delete": {"TableName": name, "Key": _dump(key)}})
        if put_invitation is not None:
            items.append({"Put": {"TableName": name, "Item": _dump(invitation_item(put_invitation))}})
        if delete_invitation is not None:
            key = {"PK": f"ORGINV#{delete_invitation}", "SK": "ORGINV"}
            items.append({"Delete": {"TableName": name, "Key": _dump(key)}})
        return self.table.transact(items)

    # --- member invitations ------------------------------------------------------------------
    def get_invitation(self, invitation_id: str) -> OrgInvitation | None:
        item = self.table.get(f"ORGINV#{invitation_id}", "ORGINV", consistent=True)
        return _invitation(item) if item else None

    def list_org_invitations(self, org_number: str) -> list[OrgInvitation]:
        return [_invitation(i) for i in self.table.query(f"ORGINVITES#{org_number}", index="GSI1")]

    def put_invitation(self, invitation: OrgInvitation) -> None:
        self.table.put(invitation_item(invitation))

    def delete_invitation(self, invitation_id: str) -> None:
        self.table.call(
            "delete_item", TableName=self.table.name, Key=_dump({"PK": f"ORGINV#{invitation_id}", "SK": "ORGINV"})
        )

    def count_invitation_attempt(self, invitation_id: str, max_attempts: int) -> None:
        try:
            self.table.call(
                "update_item",
                TableName=self.table.name,
                Key=_dump({"PK": f"ORGINV#{invitation_id}", "SK": "ORGINV"}),
                UpdateExpression="SET attempts = attempts + :one",
                ConditionExpression="attempts < :max",
                ExpressionAttributeValues=_dump({":one": 1, ":max": max_attempts}),
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise

    # --- grants (the customer's access list) ---------------------------------------------
    def is_blocked(self, customer_number: str, org_number: str) -> bool:
        return self.table.get(f"CUST#{customer_number}", f"COMPANYBLOCK#{org_number}") is not None

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
            version_update(name, f"CUST#{customer_number}", version),
            {"Put": {"TableName": name, "Item": _dump(audit_item(audit))}},
        ]
        if put is not None:
            write: dict[str, Any] = {"TableName": name, "Item": _dump(grant_item(put))}
            if expect == "absent":
                write["ConditionExpression"] = "attribute_not_exists(PK)"
            elif expect is not None:
                write["ConditionExpression"] = "#s = :expected"
                write["ExpressionAttributeNames"] = {"#s": "status"}
                write["ExpressionAttributeValues"] = _dump({":expected": expect})
            items.append({"Put": write})
        if delete_org is not None:
            key = {"PK": f"CUST#{customer_number}", "SK": f"COMPANY#{delete_org}"}
            items.append({"Delete": {"TableName": name, "Key": _dump(key)}})
        org = (put.org_number if put is not None else delete_org) or ""
        block_key = {"PK": f"CUST#{customer_number}", "SK": f"COMPANYBLOCK#{org}"}
        if block is True:
            marker = {**block_key, "type": "company_block", "org_number": org, "at": audit.at.isoformat()}
            items.append({"Put": {"TableName": name, "Item": _dump(marker)}})
        elif block is False:
            items.append({"Delete": {"TableName": name, "Key": _dump(block_key)}})
        for invitation_id in delete_invitations:
            key = {"PK": f"ORGINV#{invitation_id}", "SK": "ORGINV"}
            items.append({"Delete": {"TableName": name, "Key": _dump(key)}})
        return self.table.transact(items)
