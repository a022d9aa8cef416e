"""Who sends the invoice and how it is paid: the seller's legal identity and
the payment details, as a utility profile states them.

Every identifier is checked with python-stdnum when the profile loads (the
check digit of an organisation, VAT, account or creditor number), so a typo
stops the deployment instead of reaching 100,000 bills. What each country
requires on an invoice (docs: the research notes behind issue 12):

- NO: "Org.nr. 921 687 427 MVA" and "Foretaksregisteret" (bokføringsforskriften
  § 5-1-2, foretaksregisterloven § 10-2); account number and KID.
- SE: organisation number, momsregistreringsnummer, säte; bankgiro/plusgiro
  and OCR.
- NL: KvK number and btw-id; IBAN + BIC, betalingskenmerk, EPC QR.
- DE: USt-IdNr., Registergericht + HR number, Sitz, Geschäftsführer (GmbHG
  § 35a); IBAN + BIC, Verwendungszweck, GiroCode (EPC QR).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from stdnum import iban as iban_numbers
from stdnum import luhn
from stdnum.exceptions import ValidationError as StdnumError


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SellerAddress(_Strict):
    street: str = Field(min_length=1)
    postcode: str = Field(min_length=1)
    city: str = Field(min_length=1)
    country: str = Field(pattern=r"^[A-Z]{2}$")


class CommercialRegister(_Strict):
    """A German Handelsregister entry: the court and the number (HRB 4711)."""

    court: str = Field(min_length=1)
    number: str = Field(min_length=1)


def _valid(module_name: str, value: str, what: str, **options: str) -> str:
    """``value`` checked by ``stdnum.<module_name>.validate``, in its compact form."""
    import importlib

    module = importlib.import_module(f"stdnum.{module_name}")
    try:
        return str(module.validate(value, **options))
    except StdnumError as error:
        raise ValueError(f"{what} {value!r} is not valid: {error}") from error


class Seller(_Strict):
    """The seller as an invoice names it. Which identifiers are required
    depends on the country (``validate_for``)."""

    legal_name: str = Field(min_length=1)
    address: SellerAddress
    organisation_number: str | None = None  # NO, SE
    kvk_number: str | None = Field(default=None, pattern=r"^[0-9]{8}$")  # NL (no check digit exists)
    vat_number: str | None = None  # SE, NL, DE
    vat_registered: bool = True
    register_text: str | None = None  # NO: Foretaksregisteret
    commercial_register: CommercialRegister | None = None  # DE
    registered_office: str | None = None  # SE säte, DE Sitz
    managing_directors: tuple[str, ...] = ()
    f_tax_approved: bool = False  # SE: Godkänd för F-skatt

    def validate_for(self, country: str) -> None:
        """Raise ValueError unless the identifiers the country requires are present and valid."""
        if country == "NO":
            if not self.organisation_number:
                raise ValueError("seller.organisation_number is required in Norway")
            _valid("no.orgnr", self.organisation_number, "seller.organisation_number")
        elif country == "SE":
            if not (self.organisation_number and self.vat_number and self.registered_office):
                raise ValueError("seller needs organisation_number, vat_number and registered_office in Sweden")
            orgnr = _valid("se.orgnr", self.organisation_number, "seller.organisation_number")
            vat = _valid("se.vat", self.vat_number, "seller.vat_number")
            if not vat.startswith(orgnr):
                raise ValueError("seller.vat_number must be SE + the organisation number + 01")
        elif country == "NL":
            if not (self.kvk_number and self.vat_number):
                raise ValueError("seller needs kvk_number and vat_number in the Netherlands")
            _valid("nl.btw", self.vat_number, "seller.vat_number")
        elif country == "DE":
            if not (self.vat_number and self.commercial_register and self.registered_office):
                raise ValueError("seller needs vat_number, commercial_register and registered_office in Germany")
            if not self.managing_directors:
                raise ValueError("seller.managing_directors is required for a German company (GmbHG § 35a)")
            _valid("de.vat", self.vat_number, "seller.vat_number")
            register = self.commercial_register
            _valid(
                "de.handelsregisternummer",
                f"{register.court} {register.number}",
                "seller.commercial_register",
                company_form="GmbH" if register.number.startswith("HRB") else "",
            )
        else:
            raise ValueError(f"no seller rules for country {country}")


ReferenceKind = Literal["kid", "ocr", "betalingskenmerk", "rf", "text"]
"""The payment reference a profile uses, one name everywhere (invoice, portal,
e-mail, bank file matching): Norwegian KID, Swedish OCR, the Dutch
betalingskenmerk, the ISO 11649 creditor reference, or the German
Verwendungszweck text (invoice number + customer number)."""


class KidRule(_Strict):
    """What the bank's OCR giro agreement fixes for the KID."""

    algorithm: Literal["mod10", "mod11"] = "mod10"
    length: int = Field(default=15, ge=2, le=25)


class OcrRule(_Strict):
    algorithm: Literal["luhn"] = "luhn"
    length_digit: bool = True  # Bankgirot's "hård kontroll"


class BetalingskenmerkRule(_Strict):
    length: Literal[16] = 16


class Transfer(_Strict):
    """Where a credit transfer goes: a Norwegian account number, a Swedish
    bankgiro/plusgiro, or IBAN + BIC."""

    account_number: str | None = None
    bankgiro: str | None = Field(default=None, pattern=r"^[0-9]{7,8}$")
    plusgiro: str | None = Field(default=None, pattern=r"^[0-9]{2,8}$")
    iban: str | None = None
    bic: str | None = None

    @field_validator("bankgiro", "plusgiro")
    @classmethod
    def _luhn(cls, value: str | None) -> str | None:
        if value is not None and not luhn.is_valid(value):
            raise ValueError(f"{value} fails its Luhn check digit")
        return value

    @field_validator("iban")
    @classmethod
    def _iban(cls, value: str | None) -> str | None:
        return None if value is None else _valid("iban", value, "payment.transfer.iban")

    @field_validator("bic")
    @classmethod
    def _bic(cls, value: str | None) -> str | None:
        return None if value is None else _valid("bic", value, "payment.transfer.bic")

    @property
    def iban_printed(self) -> str:
        return iban_numbers.format(self.iban) if self.iban else ""

    @property
    def bankgiro_printed(self) -> str:
        value = self.bankgiro or ""
        return f"{value[:-4]}-{value[-4:]}" if value else ""

    @property
    def plusgiro_printed(self) -> str:
        value = self.plusgiro or ""
        if not value:
            return ""
        body, check = value[:-1], value[-1]
        pairs = [body[max(0, i - 2) : i] for i in range(len(body), 0, -2)][::-1]
        return " ".join(pairs) + f"-{check}"

    @property
    def account_printed(self) -> str:
        if not self.account_number:
            return ""
        from stdnum.no import kontonr

        return str(kontonr.format(self.account_number))


class DirectDebit(_Strict):
    """The country's direct debit: SEPA Core (creditor identifier, pre-notification),
    Norwegian AvtaleGiro or Swedish Autogiro (notice before the debit)."""

    scheme: Literal["sepa_core", "avtalegiro", "autogiro"]
    creditor_id: str | None = None
    # Calendar days between the bill (the pre-notification) and the collection.
    pre_notification_days: int | None = Field(default=None, ge=1, le=30)
    notice_days: int | None = Field(default=None, ge=1, le=30)
    notice_banking_days: int | None = Field(default=None, ge=1, le=30)

    @field_validator("creditor_id")
    @classmethod
    def _creditor(cls, value: str | None) -> str | None:
        return None if value is None else _valid("eu.at_02", value, "payment.direct_debit.creditor_id")

    @model_validator(mode="after")
    def _sepa_has_creditor(self) -> DirectDebit:
        if self.scheme == "sepa_core" and not self.creditor_id:
            raise ValueError("a SEPA direct debit needs the creditor identifier")
        return self

    @property
    def notice(self) -> int:
        """Days from the invoice date to the collection (banking days counted as calendar days plus a weekend)."""
        if self.pre_notification_days is not None:
            return self.pre_notification_days
        if self.notice_days is not None:
            return self.notice_days
        if self.notice_banking_days is not None:
            return self.notice_banking_days + 2 * (self.notice_banking_days // 5 + 1)
        return 14


class EpcQr(_Strict):
    """An EPC069-12 QR code (GiroCode) for a SEPA credit transfer."""

    kind: Literal["epc"]
    remittance: Literal["text", "structured"] = "text"


class Payment(_Strict):
    reference: ReferenceKind
    kid: KidRule | None = None
    ocr: OcrRule | None = None
    betalingskenmerk: BetalingskenmerkRule | None = None
    transfer: Transfer
    direct_debit: DirectDebit | None = None
    qr: Literal["none", "usingqr"] | EpcQr = "none"
    e_invoice: str | None = None
    # AVBFernwärmeV § 27 (1): due at the earliest two weeks after receipt.
    due_days_after_receipt: int | None = Field(default=None, ge=1, le=60)

    @property
    def epc_qr(self) -> EpcQr | None:
        return self.qr if isinstance(self.qr, EpcQr) else None

    def validate_for(self, country: str, currency: str) -> None:
        transfer = self.transfer
        if country == "NO":
            if not transfer.account_number:
                raise ValueError("payment.transfer.account_number is required in Norway")
            _valid("no.kontonr", transfer.account_number, "payment.transfer.account_number")
            if self.reference != "kid":
                raise ValueError("Norwegian bills are paid with a KID")
        elif country == "SE":
            if not (transfer.bankgiro or transfer.plusgiro):
                raise ValueError("payment.transfer needs a bankgiro or plusgiro in Sweden")
            if self.reference != "ocr":
                raise ValueError("Swedish bills are paid with an OCR number")
        else:
            if not (transfer.iban and transfer.bic):
                raise ValueError("payment.transfer needs iban and bic")
            if self.reference not in ("betalingskenmerk", "rf", "text"):
                raise ValueError("a SEPA bill uses a betalingskenmerk, an RF creditor reference or a text")
        if self.epc_qr is not None and (currency != "EUR" or not transfer.iban):
            raise ValueError("the EPC QR code is for SEPA credit transfers in euro only")
        if self.reference == "betalingskenmerk" and country != "NL":
            raise ValueError("the betalingskenmerk is Dutch")
