"""The billing state machine's largest state for 1,000,000 accounts, computed
from its definition (tests/contract/state_size.py), stays under Step
Functions' 256 KiB per state, and does not grow with the number of accounts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import BaseModel, Field

from tests.contract import state_size
from tests.contract.state_size import LIMIT, Unbounded, largest, measure


def largest_state(accounts: int, path: Path = state_size.DEFINITION) -> int:
    return max(m.bytes for m in measure(accounts, path))


def test_the_largest_state_for_a_million_accounts_is_under_256_kib() -> None:
    biggest = max(measure(1_000_000), key=lambda m: m.bytes)
    assert biggest.bytes <= LIMIT, biggest
    # Far under: a batch's failures and a summary's hundred failures with their reasons are the largest things.
    assert biggest.bytes < LIMIT / 4


def test_no_state_grows_with_the_number_of_accounts() -> None:
    sizes = {n: [m.bytes for m in measure(n)] for n in (1, 1_000, 1_000_000, 100_000_000)}
    assert sizes[1] == sizes[1_000] == sizes[1_000_000] == sizes[100_000_000]


def test_every_state_of_the_parent_and_of_a_batch_is_measured() -> None:
    states = {m.state for m in measure(1_000_000)}
    assert {"ListAccounts", "BillBatches", "Summarize", "BillBatches/BillBatch"} <= states
    assert "BillBatches/BillBatch.catch/RecordBatchFailure" in states  # the Catch path, with AWS's largest Cause


def test_a_map_that_keeps_its_results_in_the_state_fails(tmp_path: Path) -> None:
    document = json.loads(state_size.DEFINITION.read_text(encoding="utf-8"))
    # Today's design without its ResultWriter: every batch's result collected in the state for Summarize.
    del document["States"]["BillBatches"]["ResultWriter"]
    payload = document["States"]["Summarize"]["Parameters"]["Payload"]
    del payload["result_writer.$"]
    payload["results.$"] = "$.results"
    without_writer = tmp_path / "billing.asl.json"
    without_writer.write_text(json.dumps(document), encoding="utf-8")
    assert largest_state(1, without_writer) < LIMIT  # one batch fits
    assert largest_state(1_000_000, without_writer) > 100 * LIMIT


def test_a_response_with_a_list_or_a_string_without_a_bound_fails() -> None:
    class Unbounded1(BaseModel):
        invoices: list[int]

    class Unbounded2(BaseModel):
        note: str

    class Bounded(BaseModel):
        invoices: list[int] = Field(max_length=3)
        note: str = Field(max_length=5)

    with pytest.raises(Unbounded, match="invoices: a list without maxItems"):
        largest(Unbounded1)
    with pytest.raises(Unbounded, match="note: a string without maxLength"):
        largest(Unbounded2)
    assert largest(Bounded) == {"invoices": [10**19] * 3, "note": "xxxxx"}
