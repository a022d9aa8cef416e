"""Management companies: a customer's administrator grants a company
selected facilities; a company's administrators manage their people, accept
invitations and register the customers they manage."""

from datetime import datetime
from typing import Annotated, Literal

from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.event_handler.router import Router
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from pydantic import BaseModel, ConfigDict, Field

from heatportal import composition
from heatportal.domain.companies import CompanyGrant, Organisation, OrgMember, OrgRole
from heatportal.domain.model import Role
from heatportal.web.api import CustomerPath, OrgPath, customer_from_path, customer_to_path, language_of, principal
from heatportal.web.scope import customer_scope

router = Router()

UserPath = Annotated[str, Path(pattern=r"^[0-9a-fA-F-]{8,64}$", description="User id (Cognito sub)")]
CompanyRole = Literal["read", "full"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CompanyInviteIn(_In):
    org_number: str = Field(min_length=1, max_length=20, description="The company's organisation number")
    facilities: list[str] | None = Field(
        max_length=500, description="Facility ids; null = every facility, also future ones (say it explicitly)"
    )
    role: CompanyRole = "read"
    contact_email: str | None = Field(
        default=None, max_length=254, description="Contact person (needed when the company is not registered)"
    )


class CompanyChangeIn(_In):
    facilities: list[str] | None = Field(max_length=500, description="Facility ids; null = every facility")
    role: CompanyRole


class CompanyOut(BaseModel):
    org_number: str
    name: str | None = Field(description="Shown once the company has registered")
    verified_at: datetime | None = Field(default=None, description="Checked by customer service")
    role: Role
    facilities: list[str] | None
    status: Literal["pending", "requested", "active"]
    granted_by: str
    granted_at: datetime
    administrators: list[str] = Field(
        default=[], description="E-mail addresses of the company's administrators (once registered)"
    )


class OrganisationIn(_In):
    org_number: str = Field(min_length=1, max_length=20)
    name: str = Field(min_length=1, max_length=120)


class OrgMemberOut(BaseModel):
    user_id: str
    email: str
    role: OrgRole
    customers: list[str] | None = Field(
        default=None, description="The customers a manager works on; null: all of the company's"
    )


class OrganisationOut(BaseModel):
    org_number: str
    name: str
    my_role: OrgRole | None
    verified_at: datetime | None = Field(
        default=None, description="When customer service checked the company against the business register"
    )


class OrgCustomerOut(BaseModel):
    customer_number: str
    customer_path: str
    name: str | None
    role: Role
    facilities: list[str] | None
    status: Literal["pending", "requested", "active"]
    granted_by: str
    granted_at: datetime


class OrgInvitationOut(BaseModel):
    id: str
    email: str
    role: OrgRole
    expires_at: int


class OrgAuditOut(BaseModel):
    at: datetime
    actor: str
    action: str
    subject: str
    role: str | None


class OrganisationDetailOut(OrganisationOut):
    members: list[OrgMemberOut]
    invitations: list[OrgInvitationOut]
    customers: list[OrgCustomerOut]
    audit: list[OrgAuditOut]


class OrgInviteIn(_In):
    email: str = Field(min_length=3, max_length=254)
    role: OrgRole = OrgRole.MANAGER


class OrgRoleIn(_In):
    role: OrgRole
    customers: list[str] | None = Field(
        default=None,
        max_length=1000,
        description="Only when given: the customers a manager works on (customer numbers); null: all",
    )


class OrgAcceptIn(_In):
    invitation_id: str = Field(min_length=10, max_length=100)
    code: str = Field(min_length=1, max_length=12, repr=False)
    password: str = Field(min_length=1, max_length=256, repr=False)
    password_confirm: str | None = Field(default=None, max_length=256, repr=False)
    company_name: str | None = Field(
        default=None, max_length=120, description="Needed when the invited company is not registered yet"
    )


class OrgSignupIn(_In):
    org_number: str = Field(min_length=1, max_length=20, description="The company's organisation number")
    name: str = Field(min_length=1, max_length=120, description="The company's name")
    email: str = Field(min_length=3, max_length=254, description="The administrator's e-mail (gets the code)")


class OrgRegisterCustomerIn(_In):
    customer_number: str = Field(min_length=1, max_length=20)
    customer_org_number: str = Field(min_length=1, max_length=20, description="The customer's organisation number")


class PendingOut(BaseModel):
    id: str
    expires_at: int
    status: str = "code_sent"


class StatusOut(BaseModel):
    status: str


def _client() -> str:
    """The caller's address as API Gateway saw it (never a client-sent header)."""
    event = router.current_event
    if isinstance(event, APIGatewayProxyEvent):
        return event.request_context.identity.source_ip or "unknown"
    return "unknown"  # pragma: no cover - the API is a REST API


def _company_out(grant: CompanyGrant, org: Organisation | None, administrators: list[str] | None = None) -> CompanyOut:
    return CompanyOut(
        administrators=administrators or [],
        verified_at=org.verified_at if org else None,
        org_number=grant.org_number,
        name=org.name if org else None,
        role=grant.role,
        facilities=sorted(grant.facilities) if grant.facilities is not None else None,
        status=grant.status,
        granted_by=grant.granted_by,
        granted_at=grant.granted_at,
    )


def _org_out(org: Organisation, me: OrgMember | None) -> OrganisationOut:
    return OrganisationOut(
        org_number=org.number, name=org.name, my_role=me.role if me else None, verified_at=org.verified_at
    )


# --- the customer's side ------------------------------------------------------------------
@router.get("/api/customers/<customer>/companies")
def list_companies(customer: CustomerPath) -> list[CompanyOut]:
    found = composition.grant_service().companies(customer_scope(router, customer))
    return [_company_out(c.grant, c.organisation, c.administrators) for c in found]


@router.post("/api/customers/<customer>/companies")
def invite_company(customer: CustomerPath, body: CompanyInviteIn) -> tuple[CompanyOut, int]:
    service = composition.grant_service()
    grant = service.invite_company(
        customer_scope(router, customer),
        body.org_number,
        body.facilities,
        Role(body.role),
        body.contact_email,
    )
    return _company_out(grant, composition.company_store().get_organisation(grant.org_number)), 201


@router.put("/api/customers/<customer>/companies/<org>")
def change_company(customer: CustomerPath, org: OrgPath, body: CompanyChangeIn) -> CompanyOut:
    grant = composition.grant_service().change_company(
        customer_scope(router, customer), org, body.facilities, Role(body.role)
    )
    return _company_out(grant, composition.company_store().get_organisation(grant.org_number))


@router.post("/api/customers/<customer>/companies/<org>/approve")
def approve_company(customer: CustomerPath, org: OrgPath) -> CompanyOut:
    grant = composition.grant_service().approve_company(customer_scope(router, customer), org)
    return _company_out(grant, composition.company_store().get_organisation(grant.org_number))


@router.delete("/api/customers/<customer>/companies/<org>")
def revoke_company(customer: CustomerPath, org: OrgPath) -> StatusOut:
    composition.grant_service().revoke_company(customer_scope(router, customer), org)
    return StatusOut(status="removed")


# --- the company's side ----------------------------------------------------------------------
@router.get("/api/organisations")
def my_organisations() -> list[OrganisationOut]:
    return [_org_out(o, m) for o, m in composition.organisation_service().my_organisations(principal(router))]


@router.post("/api/organisations")
def register_organisation(body: OrganisationIn) -> tuple[OrganisationOut, int]:
    who = principal(router)
    org = composition.organisation_service().register_organisation(who, body.org_number, body.name)
    return OrganisationOut(org_number=org.number, name=org.name, my_role=OrgRole.ADMIN), 201


@router.get("/api/organisations/<org>")
def organisation(org: OrgPath) -> OrganisationDetailOut:
    view = composition.organisation_service().organisation(principal(router), org)
    return OrganisationDetailOut(
        org_number=view.organisation.number,
        name=view.organisation.name,
        my_role=view.me.role if view.me else None,
        verified_at=view.organisation.verified_at,
        members=[
            OrgMemberOut(
                user_id=m.user_id,
                email=m.email,
                role=m.role,
                customers=sorted(m.customers) if m.customers is not None else None,
            )
            for m in view.members
        ],
        invitations=[
            OrgInvitationOut(id=i.id, email=i.email, role=i.role, expires_at=i.expires_at) for i in view.invitations
        ],
        customers=[
            OrgCustomerOut(
                customer_number=g.customer_number,
                customer_path=customer_to_path(g.customer_number),
                name=c.name if c else None,
                role=g.role,
                facilities=sorted(g.facilities) if g.facilities is not None else None,
                status=g.status,
                granted_by=g.granted_by,
                granted_at=g.granted_at,
            )
            for g, c in view.customers
        ],
        audit=[
            OrgAuditOut(at=e.at, actor=e.actor, action=e.action, subject=e.subject, role=e.role) for e in view.audit
        ],
    )


class VerificationIn(_In):
    verified: bool = Field(description="True: checked against the business register; false: withdrawn")


@router.put("/api/organisations/<org>/verification")
def verify_organisation(org: OrgPath, body: VerificationIn) -> OrganisationOut:
    checked = composition.organisation_service().verify_organisation(principal(router), org, body.verified)
    return _org_out(checked, None)


@router.post("/api/organisations/<org>/members")
def invite_member(org: OrgPath, body: OrgInviteIn) -> tuple[PendingOut, int]:
    pending = composition.organisation_service().invite_member(principal(router), org, body.email, body.role)
    return PendingOut(id=pending.id, expires_at=pending.expires_at), 202


@router.put("/api/organisations/<org>/members/<user>")
def change_member(org: OrgPath, user: UserPath, body: OrgRoleIn) -> StatusOut:
    service = composition.organisation_service()
    service.change_member(principal(router), org, user, body.role)
    if "customers" in body.model_fields_set:
        service.set_member_customers(principal(router), org, user, body.customers)
    return StatusOut(status="changed")


@router.delete("/api/organisations/<org>/members/<user>")
def remove_member(org: OrgPath, user: UserPath) -> StatusOut:
    composition.organisation_service().change_member(principal(router), org, user, None)
    return StatusOut(status="removed")


@router.post("/api/organisations/invitations/accept")
def accept_invitation(body: OrgAcceptIn) -> tuple[OrgMemberOut, int]:
    member = composition.company_signup().accept_invitation(
        body.invitation_id, body.code, body.password, body.password_confirm, body.company_name
    )
    return OrgMemberOut(user_id=member.user_id, email=member.email, role=member.role), 201


@router.post("/api/organisations/signup")
def signup(body: OrgSignupIn) -> tuple[PendingOut, int]:
    """A management company signs up (no sign-in): the code by e-mail is then
    accepted at /api/organisations/invitations/accept with a password."""
    headers = router.current_event.headers or {}
    pending = composition.company_signup().start_signup(
        body.org_number, body.name, body.email, language_of(headers, composition.profile().default_language), _client()
    )
    return PendingOut(id=pending.id, expires_at=pending.expires_at), 202


@router.post("/api/organisations/<org>/customers")
def register_customer(org: OrgPath, body: OrgRegisterCustomerIn) -> tuple[CompanyOut, int]:
    service = composition.grant_service()
    grant = service.register_customer(principal(router), org, body.customer_number, body.customer_org_number, _client())
    return _company_out(grant, composition.company_store().get_organisation(org)), 201


@router.post("/api/organisations/<org>/customers/<customer>/accept")
def accept_customer(org: OrgPath, customer: CustomerPath) -> CompanyOut:
    grant = composition.grant_service().accept_customer(principal(router), org, customer_from_path(customer))
    return _company_out(grant, composition.company_store().get_organisation(org))


@router.delete("/api/organisations/<org>/customers/<customer>")
def drop_customer(org: OrgPath, customer: CustomerPath) -> StatusOut:
    composition.grant_service().drop_customer(principal(router), org, customer_from_path(customer))
    return StatusOut(status="removed")
