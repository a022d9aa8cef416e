"""The demo loader's PDFs: drawn aside while the history is billed, and the
ones not begun there drawn here when this process has nothing else to do."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from heatportal.domain.model import Customer, Invoice
from heatportal.domain.profile import UtilityProfile, load_profile
from infra.local import demo_loader
from tests.builders import a_customer


class Documents:
    def __init__(self) -> None:
        self.put_bodies: dict[str, bytes] = {}

    def put(self, key: str, body: bytes, content_type: str) -> None:
        assert content_type == "application/pdf"
        self.put_bodies[key] = body


class Issuer:
    """What pdfs_drawn_aside uses of the invoice issuer: its renderer, its store, its profile."""

    def __init__(self, started: threading.Event) -> None:
        self.profile = load_profile("no")
        self.documents = Documents()
        self.here = 0
        self.started = started

    def render_pdf(self, invoice: Any, customer: Customer, profile: UtilityProfile) -> bytes:
        self.here += 1
        if self.here == 4:  # the four waiting drawn here: the one aside may finish
            self.started.set()
        return f"here {invoice}".encode()


def test_the_pdfs_not_begun_aside_are_drawn_here_and_every_one_is_stored(monkeypatch: pytest.MonkeyPatch) -> None:
    started = threading.Event()

    def drawn_aside(invoice: Invoice, customer: Customer) -> bytes:
        assert started.wait(10)
        return f"aside {invoice}".encode()

    monkeypatch.setattr(demo_loader, "_draw", drawn_aside)
    issuer = Issuer(started)
    documents = issuer.documents
    customer = a_customer("100001")
    drawer = ThreadPoolExecutor(max_workers=1)  # one at a time aside, the first one held until the end
    with drawer, demo_loader.pdfs_drawn_aside(issuer, drawer):  # type: ignore[arg-type]
        for n in range(5):
            issuer.documents.put(f"k{n}", issuer.render_pdf(n, customer, issuer.profile), "application/pdf")
        assert issuer.here == 0  # while the block runs, every one is drawn aside
    assert issuer.documents is documents  # its own again
    stored = documents.put_bodies
    assert list(stored) == ["k0", "k1", "k2", "k3", "k4"]
    assert stored["k0"] == b"aside 0"  # begun aside before the block ended
    assert [stored[f"k{n}"] for n in range(1, 5)] == [b"here 1", b"here 2", b"here 3", b"here 4"]
    assert issuer.here == 4
    assert issuer.render_pdf(9, customer, issuer.profile) == b"here 9"  # its own renderer again
