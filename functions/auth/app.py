"""Auth API: registration, sign in, refresh, sign out everywhere, passwords,
who am I, and the users, roles, invitations and audit trail of a customer."""

from typing import Annotated, Literal

from auth_companies import router as companies_router
from auth_models import (
    AcceptInvitationIn,
    AddressOut,
    AuditOut,
    BankAccountIn,
    BankAccountOut,
    BillingAddressIn,
    ChangePasswordIn,
    ConfirmRegistrationIn,
    ContactIn,
    ContactRequestIn,
    ContactRequestOut,
    CustomerFoundOut,
    EmailChangeIn,
    EmailConfirmIn,
    EmailOut,
    FacilityBankAccountOut,
    ForgotCustomerNumberIn,
    ForgotPasswordIn,
    InvitationOut,
    InviteIn,
    LinkIn,
    MembershipCreatedOut,
    PendingOut,
    ProfileOut,
    RegisterIn,
    ResetPasswordIn,
    RoleIn,
    StaffContactRequestOut,
    StaffContactRequestsOut,
    StatusOut,
    UserOut,
    UsersOut,
)
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field

from heatportal import composition
from heatportal.domain.accounts import BankAccount, ContactRequest
from heatportal.domain.errors import Unauthorized
from heatportal.domain.model import Customer, Language, Membership
from heatportal.services.access import Scope
from heatportal.services.accounts.proof import proof_for
from heatportal.web.api import (
    CustomerPath,
    build_resolver,
    customer_to_path,
    language_of,
    principal,
)
from heatportal.web.scope import customer_scope

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = build_resolver(logger)

UserPath = Annotated[str, Path(pattern=r"^[0-9a-fA-F-]{8,64}$", description="User id (Cognito sub)")]
FacilityPath = Annotated[str, Path(pattern=r"^[0-9A-Za-z_-]{1,40}$", description="Facility id")]
ContactRequestPath = Annotated[str, Path(pattern=r"^[0-9a-f]{16}$", description="Contact request id")]
InvitationPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{10,100}$", description="Invitation id")]


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=3, max_length=254, description="E-mail (or customer number where allowed)")
    password: str = Field(min_length=1, max_length=256, repr=False)


class RefreshIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: str = Field(min_length=10, repr=False)


class TokensOut(BaseModel):
    id_token: str
    access_token: str
    refresh_token: str | None
    expires_in: int


class MembershipOut(BaseModel):
    customer_number: str
    customer_path: str
    role: str
    via_org: str | None = Field(default=None, description="Set when the access is a management company's grant")


class MeOut(BaseModel):
    user_id: str
    email: str
    staff: bool
    customers: list[MembershipOut]


def _client() -> str:
    """The caller's address as API Gateway saw it (never a client-sent header)."""
    identity = app.current_event.request_context.identity
    return identity.source_ip or "unknown"


def _language() -> Language:
    return language_of(app.current_event.headers, composition.profile().default_language)


def _access_token(body_token: str | None) -> str:
    headers = {k.lower(): v for k, v in (app.current_event.headers or {}).items()}
    token = body_token or headers.get("x-access-token")
    if not token:
        raise Unauthorized("Please log in again.", code="session_expired")
    return token


def _created(membership: Membership) -> MembershipCreatedOut:
    return MembershipCreatedOut(
        customer_number=membership.customer_number,
        customer_path=customer_to_path(membership.customer_number),
        role=membership.role,
        email=membership.email,
    )


@app.post("/api/auth/login")
def login(body: LoginIn) -> TokensOut:
    tokens = composition.credential_service().login(body.username, body.password, _client(), composition.sign_in)
    return TokensOut(**tokens.__dict__)


@app.post("/api/auth/refresh")
def refresh(body: RefreshIn) -> TokensOut:
    tokens = composition.identity().refresh(body.refresh_token)
    return TokensOut(**tokens.__dict__)


@app.post("/api/auth/logout")
def logout() -> StatusOut:
    """Sign out everywhere: every token of the person issued until now is refused."""
    who = principal(app)
    composition.sessions().end_everywhere(who.user_id)
    composition.cognito_accounts().sign_out_user(who.email)
    return StatusOut(status="signed_out")


@app.post("/api/auth/register")
def register(body: RegisterIn) -> tuple[PendingOut, int]:
    pending = composition.registration_service().start_registration(
        body.customer_number, body.email, _client(), pin=body.pin, postcode=body.postcode, name=body.name
    )
    return PendingOut(id=pending.id, expires_at=pending.expires_at), 202


@app.post("/api/auth/register/confirm")
def confirm_registration(body: ConfirmRegistrationIn) -> tuple[MembershipCreatedOut, int]:
    membership = composition.registration_service().complete_registration(
        body.registration_id, body.code, body.password, body.password_confirm
    )
    return _created(membership), 201


@app.post("/api/auth/password/forgot")
def forgot_password(body: ForgotPasswordIn) -> tuple[StatusOut, int]:
    composition.credential_service().forgot_password(body.email, _language(), _client())
    return StatusOut(status="code_sent_if_known"), 202


@app.post("/api/auth/customer-number/forgot")
def forgot_customer_number(body: ForgotCustomerNumberIn) -> tuple[StatusOut, int]:
    composition.forgotten_number_service().forgot_customer_number(
        body.email, body.phone, body.customer_number, _client()
    )
    return StatusOut(status="sent_if_on_record"), 202


@app.post("/api/auth/password/reset")
def reset_password(body: ResetPasswordIn) -> StatusOut:
    composition.credential_service().reset_password(body.email, body.code, body.password, body.password_confirm)
    return StatusOut(status="password_changed")


@app.post("/api/auth/password/change")
def change_password(body: ChangePasswordIn) -> StatusOut:
    who = principal(app)
    composition.credential_service().change_password(
        who, _access_token(body.access_token), body.old_password, body.password, body.password_confirm
    )
    return StatusOut(status="password_changed")


@app.post("/api/auth/email/change")
def change_email(body: EmailChangeIn) -> tuple[PendingOut, int]:
    pending = composition.credential_service().start_email_change(
        principal(app), body.password, body.email, _language()
    )
    return PendingOut(id=pending.id, expires_at=pending.expires_at), 202


@app.post("/api/auth/email/confirm")
def confirm_email(body: EmailConfirmIn) -> EmailOut:
    email = composition.credential_service().confirm_email_change(principal(app), body.id, body.code)
    return EmailOut(email=email)


@app.post("/api/auth/invitations/accept")
def accept_invitation(body: AcceptInvitationIn) -> tuple[MembershipCreatedOut, int]:
    membership = composition.customer_user_service().accept_invitation(
        body.invitation_id, body.code, body.password, body.password_confirm
    )
    return _created(membership), 201


@app.get("/api/me")
def me() -> MeOut:
    who = principal(app)
    memberships = composition.access().customers_of(who)
    return MeOut(
        user_id=who.user_id,
        email=who.email,
        staff=who.is_staff,
        customers=[
            MembershipOut(
                customer_number=m.customer_number,
                customer_path=customer_to_path(m.customer_number),
                role=m.role.value,
                via_org=m.via_org,
            )
            for m in memberships
        ],
    )


@app.post("/api/me/links")
def link_customer(body: LinkIn) -> tuple[MembershipCreatedOut, int]:
    proof = proof_for(composition.profile(), pin=body.pin, postcode=body.postcode, name=body.name)
    membership = composition.link_service().link_customer(
        principal(app), body.customer_number, proof, body.password, _client()
    )
    return _created(membership), 201


@app.delete("/api/me/links/<customer>")
def unlink_customer(customer: CustomerPath) -> StatusOut:
    composition.link_service().unlink_customer(customer_scope(app, customer))
    return StatusOut(status="unlinked")


@app.get("/api/staff/customers")
def find_customers(q: Annotated[str, Query(min_length=1, max_length=254)]) -> list[CustomerFoundOut]:
    found = composition.customer_search().find_customers(principal(app), q)
    return [
        CustomerFoundOut(
            number=c.number, customer_path=customer_to_path(c.number), name=c.name, email=c.email, phone=c.phone
        )
        for c in found
    ]


def _bank_out(bank: BankAccount | None) -> BankAccountOut | None:
    if bank is None:
        return None
    return BankAccountOut(
        iban=bank.iban,
        holder=bank.holder,
        valid_from=bank.valid_from,
        sepa_mandate=bank.sepa_mandate,
        facility_id=bank.facility_id,
        previous=_bank_out(bank.previous) if bank.valid_from > composition.clock().today() else None,
    )


def _profile_out(scope: Scope, changed: Customer | None = None) -> ProfileOut:
    """The profile as stored (``changed``: the customer as a change just stored it)."""
    service = composition.profile_service()
    customer, bank = service.view(scope)
    customer = changed or customer
    return ProfileOut(
        number=customer.number,
        name=customer.name,
        email=customer.email,
        phone=customer.phone,
        language=customer.language,
        address=AddressOut(**customer.address.model_dump()),
        org_number=customer.org_number,
        bank_account=_bank_out(bank),
        facility_bank_accounts=[
            FacilityBankAccountOut(
                facility_id=f.facility.id,
                facility_name=f.facility.name,
                own=_bank_out(f.own),
                paying=_bank_out(f.paying),
            )
            for f in service.facility_accounts(scope)
        ],
    )


@app.get("/api/customers/<customer>/profile")
def get_profile(customer: CustomerPath) -> ProfileOut:
    return _profile_out(customer_scope(app, customer))


@app.put("/api/customers/<customer>/profile/contact")
def change_contact(customer: CustomerPath, body: ContactIn) -> ProfileOut:
    scope = customer_scope(app, customer)
    changed = composition.profile_service().change_contact(scope, body.email, body.phone)
    return _profile_out(scope, changed)


@app.put("/api/customers/<customer>/profile/billing-address")
def change_billing_address(customer: CustomerPath, body: BillingAddressIn) -> ProfileOut:
    from heatportal.domain.model import Address

    scope = customer_scope(app, customer)
    address = Address(
        street=body.street.strip(),
        postcode=body.postcode.strip(),
        city=body.city.strip(),
        country=composition.profile().country,
    )
    changed = composition.profile_service().change_billing_address(scope, address, body.password)
    return _profile_out(scope, changed)


@app.put("/api/customers/<customer>/profile/bank-account")
def change_bank_account(customer: CustomerPath, body: BankAccountIn) -> ProfileOut:
    scope = customer_scope(app, customer)
    composition.profile_service().change_bank_account(
        scope,
        iban=body.iban,
        holder=body.holder,
        valid_from=body.valid_from,
        sepa_mandate=body.sepa_mandate,
        password=body.password,
        facility_id=body.facility_id,
    )
    return _profile_out(scope)


@app.delete("/api/customers/<customer>/profile/bank-account/<facility>")
def remove_facility_bank_account(customer: CustomerPath, facility: FacilityPath) -> ProfileOut:
    scope = customer_scope(app, customer)
    composition.profile_service().remove_facility_bank_account(scope, facility)
    return _profile_out(scope)


@app.post("/api/customers/<customer>/contact-requests")
def contact_request(customer: CustomerPath, body: ContactRequestIn) -> tuple[ContactRequestOut, int]:
    request = composition.profile_service().contact(
        customer_scope(app, customer), body.subject, body.message, body.phone
    )
    return ContactRequestOut(subject=request.subject, phone=request.phone, at=request.at, id=request.id), 201


def _staff_request_out(r: ContactRequest) -> StaffContactRequestOut:
    return StaffContactRequestOut(
        id=r.id,
        customer_number=r.customer_number,
        customer_path=customer_to_path(r.customer_number),
        at=r.at,
        sender=r.sender,
        subject=r.subject,
        message=r.message,
        phone=r.phone,
        status=r.status,
        handled_by=r.handled_by,
        handled_at=r.handled_at,
    )


@app.get("/api/staff/contact-requests")
def staff_contact_requests(
    status: Annotated[Literal["open", "handled"], Query()] = "open",
    cursor: Annotated[str | None, Query(max_length=600, pattern=r"^[A-Za-z0-9_-]+$")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> StaffContactRequestsOut:
    found = composition.profile_service().contact_requests(principal(app), status, cursor, limit)
    return StaffContactRequestsOut(
        requests=[_staff_request_out(r) for r in found.requests], next_cursor=found.next_cursor
    )


@app.post("/api/staff/contact-requests/<request>/handled")
def staff_contact_request_handled(request: ContactRequestPath) -> StaffContactRequestOut:
    return _staff_request_out(composition.profile_service().mark_contact_request_handled(principal(app), request))


@app.get("/api/customers/<customer>/users")
def list_users(customer: CustomerPath) -> UsersOut:
    members, invitations = composition.customer_user_service().users(customer_scope(app, customer))
    return UsersOut(
        users=[UserOut(user_id=m.user_id, email=m.email, role=m.role) for m in members],
        invitations=[
            InvitationOut(id=i.id, email=i.email, role=i.role, invited_by=i.invited_by, expires_at=i.expires_at)
            for i in invitations
        ],
    )


@app.post("/api/customers/<customer>/users")
def invite_user(customer: CustomerPath, body: InviteIn) -> tuple[PendingOut, int]:
    pending = composition.customer_user_service().invite(customer_scope(app, customer), body.email, body.role)
    return PendingOut(id=pending.id, expires_at=pending.expires_at, status="invited"), 202


@app.put("/api/customers/<customer>/users/<user>")
def change_role(customer: CustomerPath, user: UserPath, body: RoleIn) -> UserOut:
    m = composition.customer_user_service().change_role(customer_scope(app, customer), user, body.role)
    return UserOut(user_id=m.user_id, email=m.email, role=m.role)


@app.delete("/api/customers/<customer>/users/<user>")
def remove_user(customer: CustomerPath, user: UserPath) -> StatusOut:
    composition.customer_user_service().remove_user(customer_scope(app, customer), user)
    return StatusOut(status="removed")


@app.delete("/api/customers/<customer>/invitations/<invitation>")
def cancel_invitation(customer: CustomerPath, invitation: InvitationPath) -> StatusOut:
    composition.customer_user_service().cancel_invitation(customer_scope(app, customer), invitation)
    return StatusOut(status="cancelled")


@app.get("/api/customers/<customer>/audit")
def audit_trail(customer: CustomerPath) -> list[AuditOut]:
    entries = composition.customer_user_service().audit(customer_scope(app, customer, audit=True))
    return [
        AuditOut(at=e.at, actor=e.actor, action=e.action, subject=e.subject, role=e.role, previous_role=e.previous_role)
        for e in entries
    ]


app.include_router(companies_router)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
