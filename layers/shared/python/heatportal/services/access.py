"""Who may do what for which customer. Checked on every customer-scoped request
from membership records, never from anything the client sends."""

from __future__ import annotations

from dataclasses import dataclass, field

from heatportal.domain.errors import Forbidden, Unauthorized
from heatportal.domain.model import Membership, Role
from heatportal.ports import MembershipRepository

_RANK = {Role.READ: 1, Role.FULL: 2, Role.ADMIN: 3}


@dataclass(frozen=True)
class Principal:
    """The signed-in person, from verified token claims."""

    user_id: str
    email: str
    groups: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_staff(self) -> bool:
        return "staff" in self.groups

    @classmethod
    def from_claims(cls, claims: dict[str, object] | None) -> Principal:
        if not claims or not claims.get("sub"):
            raise Unauthorized("Please log in.", code="unauthorized")
        raw = claims.get("cognito:groups") or []
        if isinstance(raw, str):
            # API Gateway flattens list claims into "[a b]" or "a,b".
            raw_groups: list[object] = list(raw.strip("[]").replace(",", " ").split())
        elif isinstance(raw, list | tuple | set | frozenset):
            raw_groups = list(raw)
        else:
            raw_groups = []
        return cls(
            user_id=str(claims["sub"]),
            email=str(claims.get("email", "")),
            groups=frozenset(str(g) for g in raw_groups),
        )


@dataclass(frozen=True)
class Grant:
    """The outcome of an access check: the membership, or staff access."""

    customer_number: str
    role: Role
    staff: bool = False
    membership: Membership | None = None


class AccessService:
    def __init__(self, memberships: MembershipRepository) -> None:
        self.memberships = memberships

    def require(self, principal: Principal, customer_number: str, needed: Role) -> Grant:
        """Raise Forbidden unless the principal holds at least ``needed``.

        An unknown customer and a customer the person may not see get the same
        answer, so the route reveals nothing about which numbers exist.
        """
        membership = self.memberships.get_membership(principal.user_id, customer_number)
        if membership is not None and _RANK[membership.role] >= _RANK[needed]:
            return Grant(customer_number, membership.role, membership=membership)
        if principal.is_staff:
            return Grant(customer_number, Role.FULL, staff=True)
        raise Forbidden("You do not have access to this customer.", code="forbidden")

    def customers_of(self, principal: Principal) -> list[Membership]:
        return self.memberships.list_memberships(principal.user_id)
