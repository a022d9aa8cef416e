"""Request and response models of the accounts routes (sibling of app.py)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from heatportal.domain.model import Role
from heatportal.web.fields import IsoDate


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegisterIn(_In):
    customer_number: str = Field(min_length=1, max_length=20)
    email: str = Field(min_length=3, max_length=254)
    pin: str | None = Field(default=None, max_length=12, repr=False, description="Where the profile registers by PIN")
    postcode: str | None = Field(default=None, max_length=12, description="Where the profile registers by postcode")
    name: str | None = Field(default=None, max_length=200, description="Where the profile registers by name")


class PendingOut(BaseModel):
    id: str
    expires_at: int
    status: str = "code_sent"


class ConfirmRegistrationIn(_In):
    registration_id: str = Field(min_length=10, max_length=100)
    code: str = Field(min_length=1, max_length=12, repr=False)
    password: str = Field(max_length=256, repr=False)
    password_confirm: str = Field(max_length=256, repr=False)


class MembershipCreatedOut(BaseModel):
    customer_number: str
    customer_path: str
    role: Role
    email: str


class ForgotPasswordIn(_In):
    email: str = Field(min_length=3, max_length=254)


class ResetPasswordIn(_In):
    email: str = Field(min_length=3, max_length=254)
    code: str = Field(min_length=1, max_length=12, repr=False)
    password: str = Field(max_length=256, repr=False)
    password_confirm: str = Field(max_length=256, repr=False)


class ChangePasswordIn(_In):
    old_password: str = Field(min_length=1, max_length=256, repr=False)
    password: str = Field(max_length=256, repr=False)
    password_confirm: str = Field(max_length=256, repr=False)
    access_token: str | None = Field(
        default=None, min_length=10, repr=False, description="Cognito access token (or header X-Access-Token)"
    )


class AcceptInvitationIn(_In):
    invitation_id: str = Field(min_length=10, max_length=100)
    code: str = Field(min_length=1, max_length=12, repr=False)
    password: str = Field(min_length=1, max_length=256, repr=False)
    password_confirm: str | None = Field(
        default=None, max_length=256, repr=False, description="Required when the invitee has no user yet"
    )


class InviteIn(_In):
    email: str = Field(min_length=3, max_length=254)
    role: Role


class RoleIn(_In):
    role: Role


class UserOut(BaseModel):
    user_id: str
    email: str
    role: Role


class InvitationOut(BaseModel):
    id: str
    email: str
    role: Role | None
    invited_by: str | None
    expires_at: int


class UsersOut(BaseModel):
    users: list[UserOut]
    invitations: list[InvitationOut]


class AuditOut(BaseModel):
    at: datetime
    actor: str
    action: str
    subject: str
    role: Role | None
    previous_role: Role | None


class StatusOut(BaseModel):
    status: str


class ForgotCustomerNumberIn(_In):
    email: str | None = Field(default=None, max_length=254, description="E-mail address on record")
    phone: str | None = Field(default=None, max_length=30, description="Mobile number on record")
    customer_number: str | None = Field(default=None, max_length=20, description="Optional; needed for SMS")


class LinkIn(_In):
    customer_number: str = Field(min_length=1, max_length=20)
    pin: str | None = Field(default=None, max_length=12, repr=False, description="Where the profile registers by PIN")
    postcode: str | None = Field(default=None, max_length=12, description="Where the profile registers by postcode")
    name: str | None = Field(default=None, max_length=200, description="Where the profile registers by name")
    password: str | None = Field(
        default=None,
        max_length=256,
        repr=False,
        description="When the customer number is registered already: the password of one of its administrators",
    )


class CustomerFoundOut(BaseModel):
    number: str
    customer_path: str
    name: str
    email: str | None
    phone: str | None


class EmailChangeIn(_In):
    password: str = Field(min_length=1, max_length=256, repr=False)
    email: str = Field(min_length=3, max_length=254, description="The new e-mail address (and sign-in name)")


class EmailConfirmIn(_In):
    id: str = Field(min_length=10, max_length=100)
    code: str = Field(min_length=1, max_length=12, repr=False)


class EmailOut(BaseModel):
    email: str
    status: str = "email_changed"


class AddressOut(BaseModel):
    street: str
    postcode: str
    city: str
    country: str


class BankAccountOut(BaseModel):
    iban: str
    holder: str
    valid_from: date
    sepa_mandate: bool
    facility_id: str | None = None
    previous: BankAccountOut | None = Field(
        default=None, description="The account that pays until valid_from (a change applies from its date)"
    )


class FacilityBankAccountOut(BaseModel):
    facility_id: str
    facility_name: str
    own: BankAccountOut | None = Field(description="The facility's own account, if it has a different one")
    paying: BankAccountOut | None = Field(
        description="The account that pays for the facility (own, else the customer's)"
    )


class ProfileOut(BaseModel):
    number: str
    name: str
    email: str | None
    phone: str | None
    language: str
    address: AddressOut
    org_number: str | None
    bank_account: BankAccountOut | None
    facility_bank_accounts: list[FacilityBankAccountOut] = []


class ContactIn(_In):
    email: str | None = Field(default=None, max_length=254, description="E-mail on record (not the sign-in name)")
    phone: str | None = Field(default=None, max_length=30)


class BillingAddressIn(_In):
    street: str = Field(min_length=1, max_length=200)
    postcode: str = Field(min_length=1, max_length=12)
    city: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=256, repr=False)


class BankAccountIn(_In):
    iban: str = Field(min_length=5, max_length=42)
    holder: str = Field(min_length=1, max_length=200)
    valid_from: IsoDate
    sepa_mandate: bool = False
    password: str = Field(min_length=1, max_length=256, repr=False)
    facility_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=40,
        description="A facility of the customer: a different account for that facility only",
    )


class ContactRequestIn(_In):
    subject: str = Field(min_length=1, max_length=200)
    message: str = Field(min_length=1, max_length=5000)
    phone: str = Field(min_length=3, max_length=30)


class ContactRequestOut(BaseModel):
    subject: str
    phone: str
    at: datetime
    status: str = "received"
    id: str | None = None


class StaffContactRequestOut(BaseModel):
    id: str
    customer_number: str
    customer_path: str
    at: datetime
    sender: str
    subject: str
    message: str
    phone: str
    status: Literal["open", "handled"]
    handled_by: str | None
    handled_at: datetime | None


class StaffContactRequestsOut(BaseModel):
    requests: list[StaffContactRequestOut]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page; null on the last page")
