"""A notice by e-mail as services describe it (its texts come from the
catalog by ``kind``); documents.contract_emails draws it."""

from __future__ import annotations

from dataclasses import dataclass, field

from heatportal.domain.model import Language


@dataclass(frozen=True)
class Attachment:
    filename: str
    body: bytes
    content_type: str = "application/pdf"


@dataclass(frozen=True)
class Notice:
    """What one notice says; ``kind`` picks its texts (``email.<kind>.subject``
    and ``.intro``), filled with ``params``."""

    kind: str
    language: Language
    name: str
    facts: list[tuple[str, str]] = field(default_factory=list)  # (catalog key of the label, value)
    params: dict[str, object] = field(default_factory=dict)
    paragraphs: list[str] = field(default_factory=list)  # catalog keys, filled with ``params``
    code: str | None = None
    link: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
