"""Services the utility offers besides heat (function control, energy
advice, substation service, ...), from the profile: the customer's people
with full or administrator rights (or a management company with full access
to the facility) send an expression of interest for a facility; it reaches
customer service as a request, and a confirmation goes back by e-mail."""

from __future__ import annotations

import secrets
from typing import Protocol

from heatportal.domain.accounts import ContactRequest
from heatportal.domain.contact import phone_number, plain_text
from heatportal.domain.errors import NotFound, ValidationFailed
from heatportal.domain.model import Role
from heatportal.domain.notices import Notice
from heatportal.domain.profile import ServiceOffer, UtilityProfile
from heatportal.i18n import translate
from heatportal.ports import Clock
from heatportal.services import ratelimit
from heatportal.services.access import Scope
from heatportal.services.notices import Notices
from heatportal.services.ratelimit import RateLimiter


class ContactRequests(Protocol):
    def add_contact_request(self, request: ContactRequest) -> None: ...


class EnergyServiceCatalogue:
    def __init__(
        self,
        profile: UtilityProfile,
        requests: ContactRequests,
        notices: Notices,
        limiter: RateLimiter,
        clock: Clock,
    ) -> None:
        self.profile = profile
        self.requests = requests
        self.notices = notices
        self.limiter = limiter
        self.clock = clock

    def catalogue(self) -> tuple[ServiceOffer, ...]:
        return self.profile.services

    def service(self, service_id: str) -> ServiceOffer:
        found = next((s for s in self.profile.services if s.id == service_id), None)
        if found is None:
            raise NotFound("We do not offer this service.", code="service_not_found")
        return found

    def express_interest(
        self, scope: Scope, service_id: str, *, facility_id: str, message: str, phone: str
    ) -> ContactRequest:
        grant = scope.require(Role.FULL, companies="any")
        service = self.service(service_id)
        grant.require_facility(facility_id)
        facility = next((f for f in grant.record.facilities if f.id == facility_id), None)
        if facility is None:
            raise ValidationFailed(
                "Choose one of your facilities.",
                code="facility_unknown",
                fields=[{"field": "facility_id", "code": "facility_unknown"}],
            )
        text = plain_text(message, field="message", max_length=2000, multiline=True, required=False)
        normalized = phone_number(phone, self.profile.country) if phone.strip() else ""
        # Per person and customer, as the contact form: one person's requests never block another's.
        self.limiter.hit(
            ratelimit.CODE_REQUESTS_PER_ADDRESS,
            f"service-{grant.customer_number}-{grant.principal.user_id}",
            self.clock.now(),
        )
        request = ContactRequest(
            customer_number=grant.customer_number,
            at=self.clock.now(),
            sender=grant.principal.email,
            subject=f"Interest: {service.id} for {facility.name} ({facility.id})",
            message=text.strip()[:2000] or "-",
            phone=normalized,
            id=secrets.token_hex(8),
            topic=f"service:{service.id}",
            facility_id=facility.id,
        )
        self.requests.add_contact_request(request)
        customer = grant.record.customer
        language = customer.language if customer else self.profile.default_language
        if grant.principal.email:
            name = translate(f"service.{service.id}.name", language)
            self.notices.email(
                grant.principal.email,
                Notice(
                    kind="services.interest",
                    language=language,
                    name=customer.name if customer else grant.principal.email,
                    params={"service": name},
                    facts=[
                        ("services.service", name),
                        ("services.facility", f"{facility.name} ({facility.id})"),
                    ],
                ),
            )
        return request
