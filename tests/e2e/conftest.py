"""The local stack started as a user starts it (``python -m infra.local run``),
in a subprocess on loopback, with a smaller demo data set to start faster.

Under pytest-xdist the end-to-end tests form one group per stack they use
(``--dist loadgroup`` runs a group on one worker), so each profile's stack
starts once per run, not once per worker, while the other workers run the
other tiers."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from infra.local.stack import free_port
from tests.polling import wait_until

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 240


@dataclass
class LocalStack:
    url: str
    process: subprocess.Popen[str]
    log: Path
    demo: list[dict[str, Any]]

    def login(self, user: dict[str, Any]) -> dict[str, str]:
        resp = requests.post(
            f"{self.url}/api/auth/login", json={"username": user["email"], "password": user["password"]}, timeout=30
        )
        resp.raise_for_status()
        return {"Authorization": f"Bearer {resp.json()['id_token']}"}


def _start(tmp_path_factory: pytest.TempPathFactory, profile: str, *extra: str) -> Iterator[LocalStack]:
    port = free_port()
    log = tmp_path_factory.mktemp(f"stack-{profile}") / "stack.log"
    handle = log.open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            *("-m", "infra.local", "run", "--profile", profile, "--port", str(port), "--customers", "20"),
            *extra,
        ],
        cwd=ROOT,
        stdout=handle,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    url = f"http://127.0.0.1:{port}"

    def started() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"local stack exited early:\n{log.read_text()}")
        return "Press Ctrl-C to stop." in log.read_text()

    try:
        wait_until(started, timeout=START_TIMEOUT, what="the local stack to start", every=0.2)
    except TimeoutError as error:
        process.kill()
        raise RuntimeError(f"{error}:\n{log.read_text()}") from error
    demo = requests.get(f"{url}/_local/demo.json", timeout=10).json()
    stack = LocalStack(url, process, log, demo)
    try:
        yield stack
    finally:
        process.send_signal(2)  # Ctrl-C, as a person stops it
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        handle.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        # A module that starts a stack of its own names its group itself (the fuzz gate).
        if item.get_closest_marker("e2e") is not None and item.get_closest_marker("xdist_group") is None:
            names = getattr(item, "fixturenames", ())
            stack = "nl" if "local_stack_nl" in names else "se" if "local_stack_se" in names else "no"
            item.add_marker(pytest.mark.xdist_group(f"e2e-{stack}"))


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    yield from _start(tmp_path_factory, "no")


@pytest.fixture(scope="session")
def local_stack_nl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """The Dutch profile: advance payments (voorschot) and Dutch as the default language."""
    yield from _start(tmp_path_factory, "nl")


@pytest.fixture(scope="session")
def local_stack_se(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """The Swedish profile (district heating and cooling) with a property
    management company of about 24 facilities across its customers."""
    yield from _start(tmp_path_factory, "se", "--customers", "12", "--portfolio", "24")
