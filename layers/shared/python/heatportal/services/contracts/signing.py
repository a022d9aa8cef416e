"""Sign selected contract (administrators only): the options picked in the
simulator become a new version of the facility's contract from a chosen first
day of a month, once the administrator has signed it with the method the
profile names.

Every method follows BankID's relying-party protocol through one port
(``SigningProvider``): ``sign`` starts an order, ``collect`` is polled until
it is complete (or failed), ``cancel`` stops it. On completion, in this
order: the new version and the order's completion in one transaction (once,
whoever polls), the signed contract as a PDF in the customer's documents, an
entry in the customer's audit trail, and an e-mail to the signer.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from heatportal.domain.accounts import AuditEntry
from heatportal.domain.contracts import ContractTerms, ContractVersion, terms_from_choices
from heatportal.domain.document_store import DocumentType
from heatportal.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from heatportal.domain.model import Customer, Facility, Language, Role
from heatportal.domain.notices import Notice
from heatportal.domain.profile import UtilityProfile
from heatportal.domain.signing import Collected, Signer, SigningOrder, SignStart, qr_content
from heatportal.i18n import format_money, translate
from heatportal.ports import Clock
from heatportal.services.access import Scope
from heatportal.services.contracts.estimate import AnnualEstimate, AnnualEstimateService
from heatportal.services.document_store import DocumentStoreService
from heatportal.services.notices import Notices

ORDER_SECONDS = 180  # BankID lets an order wait about three minutes for the signer
LATEST_MONTHS_AHEAD = 12


@dataclass(frozen=True)
class SignRequest:
    """What the signer's app shows (``visible``, Markdown) and signs with it
    (``hidden``: the fingerprint of the terms)."""

    end_user_ip: str
    visible: str
    hidden: bytes
    signer_email: str
    language: Language


class SigningProvider(Protocol):
    """BankID's relying-party protocol (API v6): sign, collect, cancel."""

    def sign(self, request: SignRequest) -> SignStart: ...

    def collect(self, order_ref: str) -> Collected: ...

    def cancel(self, order_ref: str) -> None: ...

    def respond(self, order_ref: str, code: str) -> bool:
        """The signer's answer where the method asks for one on the page (a code
        sent by e-mail); True when right. BankID signs in the app: Conflict."""
        ...


class SigningOrders(Protocol):
    def put_signing_order(self, order: SigningOrder) -> None: ...

    def get_signing_order(self, customer_number: str, order_ref: str) -> SigningOrder | None: ...

    def finish_signing_order(self, order: SigningOrder, version: ContractVersion) -> bool: ...

    def fail_signing_order(self, order: SigningOrder, hint: str) -> None: ...

    def add_audit(self, entry: AuditEntry) -> None: ...


@dataclass(frozen=True)
class SignedContract:
    customer: Customer
    facility: Facility
    version: ContractVersion
    estimate: AnnualEstimate
    signer: Signer
    fingerprint: str


SignedPdfRenderer = Callable[[SignedContract, UtilityProfile, Language], bytes]


def fingerprint(customer_number: str, facility_id: str, valid_from: date, terms: ContractTerms) -> str:
    """SHA-256 of the signed facts, as the order carries it (hidden data)."""
    facts = {
        "customer": customer_number,
        "facility": facility_id,
        "valid_from": valid_from.isoformat(),
        "terms": terms.model_dump(mode="json"),
    }
    return hashlib.sha256(json.dumps(facts, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def first_days_ahead(today: date, months: int = LATEST_MONTHS_AHEAD) -> list[date]:
    """The days a new version may start: the 1st of each coming month."""
    day = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    days = []
    for _ in range(months):
        days.append(day)
        day = (day + timedelta(days=32)).replace(day=1)
    return days


class ContractSigning:
    def __init__(
        self,
        profile: UtilityProfile,
        estimates: AnnualEstimateService,
        provider: SigningProvider,
        orders: SigningOrders,
        documents: DocumentStoreService,
        notices: Notices,
        clock: Clock,
        render_pdf: SignedPdfRenderer,
        portal_url: str,
    ) -> None:
        self.profile = profile
        self.estimates = estimates
        self.provider = provider
        self.orders = orders
        self.documents = documents
        self.notices = notices
        self.clock = clock
        self.render_pdf = render_pdf
        self.portal_url = portal_url

    @property
    def method(self) -> str:
        return self.profile.signing.method

    def start(
        self,
        scope: Scope,
        facility_id: str,
        *,
        product: str | None,
        choices: Mapping[str, str],
        valid_from: date,
        end_user_ip: str,
        language: Language,
    ) -> SigningOrder:
        """Start signing the picked terms as a new version from ``valid_from``."""
        grant = scope.require(Role.ADMIN)
        if grant.staff:
            raise Forbidden("Only the customer's administrators sign its contracts.", code="forbidden")
        contract = self.estimates.contracts.contract(grant, facility_id)
        if contract.supply.ended_on is not None:
            raise Conflict("This contract has ended.", code="contract_ended")
        if valid_from not in first_days_ahead(self.clock.today()):
            raise ValidationFailed(
                "Choose the first day of one of the coming months.",
                code="signing_date_invalid",
                fields=[{"field": "valid_from", "code": "signing_date_invalid"}],
            )
        terms = terms_from_choices(self.profile.offer, product, choices)
        if terms == contract.version_on(valid_from).terms:
            raise ValidationFailed(
                "These are the terms you have already. Pick other options to sign.",
                code="signing_terms_unchanged",
            )
        estimate = self.estimates.estimate_for(grant.record.meters, contract, terms)
        print_ = fingerprint(grant.customer_number, facility_id, valid_from, terms)
        visible = self._visible_text(contract.facility, valid_from, terms, estimate, language)
        started = self.provider.sign(
            SignRequest(end_user_ip, visible, print_.encode(), grant.principal.email, language)
        )
        now = self.clock.now()
        order = SigningOrder(
            order_ref=started.order_ref,
            customer_number=grant.customer_number,
            facility_id=facility_id,
            user_id=grant.principal.user_id,
            email=grant.principal.email,
            method=self.method,
            valid_from=valid_from,
            terms=terms,
            started_at=now,
            qr_start_token=started.qr_start_token,
            qr_start_secret=started.qr_start_secret,
            auto_start_token=started.auto_start_token,
            document_id=secrets.token_hex(12),
            expires_at=int((now + timedelta(seconds=ORDER_SECONDS * 2)).timestamp()),
        )
        self.orders.put_signing_order(order)
        return order

    def _visible_text(
        self, facility: Facility, valid_from: date, terms: ContractTerms, estimate: AnnualEstimate, lang: Language
    ) -> str:
        options = ", ".join(
            translate(f"offer.choice.{option.id}.{choice.id}", lang)
            for option in self.profile.offer.options
            if (choice := terms.choice(self.profile.offer, option.id)) is not None
        )
        return translate(
            "signing.visible_text",
            lang,
            utility=self.profile.name,
            facility=f"{facility.name} ({facility.id})",
            valid_from=valid_from.isoformat(),
            product=translate(f"offer.product.{terms.product}", lang),
            options=options,
            total=format_money(estimate.total, estimate.currency, lang),
        )

    def order(self, scope: Scope, order_ref: str) -> SigningOrder:
        """The person's own order; NotFound for anyone else's (no enumeration)."""
        grant = scope.require(Role.ADMIN)
        if grant.staff:
            raise Forbidden("Only the customer's administrators sign its contracts.", code="forbidden")
        order = self.orders.get_signing_order(grant.customer_number, order_ref)
        if order is None or order.user_id != grant.principal.user_id:
            raise NotFound("No such signing order.", code="signing_order_not_found")
        return order

    def qr(self, order: SigningOrder) -> str | None:
        """The animated QR code's content now (BankID), None for other methods."""
        if order.qr_start_token is None or order.qr_start_secret is None:
            return None
        seconds = max(0, int((self.clock.now() - order.started_at).total_seconds()))
        return qr_content(order.qr_start_token, order.qr_start_secret, seconds)

    def poll(self, scope: Scope, order_ref: str, language: Language) -> SigningOrder:
        """Collect the order once: pending (with a hint), failed, or complete
        (then the new version, the signed PDF, the audit entry, the e-mail)."""
        order = self.order(scope, order_ref)
        if order.status != "pending":
            return order
        collected = self.provider.collect(order.order_ref)
        if collected.status == "pending":
            return order.model_copy(update={"hint": collected.hint})
        if collected.status == "failed" or collected.signer is None:
            hint = collected.hint or "startFailed"
            self.orders.fail_signing_order(order, hint)
            return order.model_copy(update={"status": "failed", "hint": hint})
        return self._complete(scope, order, collected.signer, language)

    def respond(self, scope: Scope, order_ref: str, code: str) -> None:
        """The code the signer got (e-mail method): ValidationFailed when wrong."""
        order = self.order(scope, order_ref)
        if order.status != "pending":
            raise Conflict("This signing has ended.", code="signing_order_ended")
        if not self.provider.respond(order.order_ref, code.strip()):
            raise ValidationFailed(
                "The code is not right.",
                code="signing_code_wrong",
                fields=[{"field": "code", "code": "signing_code_wrong"}],
            )

    def cancel(self, scope: Scope, order_ref: str) -> SigningOrder:
        order = self.order(scope, order_ref)
        if order.status == "pending":
            self.provider.cancel(order.order_ref)
            self.orders.fail_signing_order(order, "userCancel")
            return order.model_copy(update={"status": "failed", "hint": "userCancel"})
        return order

    def _complete(self, scope: Scope, order: SigningOrder, signer: Signer, language: Language) -> SigningOrder:
        grant = scope.require(Role.ADMIN)
        customer = grant.record.customer
        assert customer is not None  # the access check read it
        contract = self.estimates.contracts.contract(grant, order.facility_id)
        now = self.clock.now()
        version = ContractVersion(
            customer_number=order.customer_number,
            facility_id=order.facility_id,
            valid_from=order.valid_from,
            terms=order.terms,
            signed_by=f"{signer.name} <{order.email}>",
            signed_at=now,
            signature_method=order.method,
            signature_reference=order.order_ref,
            document_id=order.document_id,
        )
        done = order.model_copy(update={"status": "complete"})
        if not self.orders.finish_signing_order(order, version):
            return done  # another poll completed it
        estimate = self.estimates.estimate_for(grant.record.meters, contract, order.terms)
        signed = SignedContract(
            customer=customer,
            facility=contract.facility,
            version=version,
            estimate=estimate,
            signer=signer,
            fingerprint=fingerprint(order.customer_number, order.facility_id, order.valid_from, order.terms),
        )
        pdf = self.render_pdf(signed, self.profile, language)
        title = translate(
            "signing.document_title", language, facility=contract.facility.name, date=order.valid_from.isoformat()
        )
        self.documents.publish_for(
            order.customer_number,
            order.facility_id,
            DocumentType.CONTRACT,
            title,
            f"contract-{order.facility_id}-{order.valid_from.isoformat()}.pdf",
            pdf,
            order.email,
            document_id=order.document_id,
        )
        self.orders.add_audit(
            AuditEntry(
                customer_number=order.customer_number,
                at=now,
                actor=order.email,
                action="contract_signed",
                subject=f"{order.facility_id} {order.valid_from.isoformat()}",
            )
        )
        self.notices.email(
            order.email,
            Notice(
                kind="signing.done",
                language=language,
                name=signer.name,
                facts=[
                    ("signing.facility", f"{contract.facility.name} ({contract.facility.id})"),
                    ("signing.valid_from", order.valid_from.isoformat()),
                    ("contracts.estimate_total", format_money(estimate.total, estimate.currency, language)),
                    ("signing.reference", order.order_ref),
                ],
                link=f"{self.portal_url}/documents",
            ),
        )
        return done
