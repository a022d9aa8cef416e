"""Customer service watches bill runs (the API and the portal page): progress,
totals per currency and invoice kind matching the stored invoices, each
failed account with its reason, the run's e-mails, and a redrive of the failed
accounts; nobody else sees a run. The local job command draws the progress and
exits non-zero when accounts failed."""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable, Iterator

import pytest
from werkzeug.test import Client

from heatportal import composition
from heatportal.adapters.dynamo import DynamoRepository
from heatportal.domain.model import BillingPeriod
from heatportal.i18n import translate
from infra.local import __main__ as job_command
from infra.local.stack import RunningStack, run_billing, wait_for_run
from tests.integration.conftest import Seeded, body, staff_headers
from tests.integration.test_auth_portal import csrf_of, sign_in
from tests.integration.test_billing_workflow import unreadable_meters

_staff = itertools.count(1)


@pytest.fixture
def repo(repo_of_its_own: DynamoRepository) -> DynamoRepository:
    return repo_of_its_own


@pytest.fixture(autouse=True)
def empty_delivery_queue(stack: RunningStack) -> Iterator[None]:
    """Leaves nothing queued for the next module on this worker's stack."""
    yield
    stack.deliveries.drain()


@pytest.fixture
def failed_run(
    stack: RunningStack,
    repo: DynamoRepository,
    seed: Callable[..., Seeded],
    period: BillingPeriod,
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[str, Seeded, Seeded]:
    """A finished run: one account billed, one failed (its meter could not be read)."""
    good, broken = seed(), seed()
    list_meters = unreadable_meters(monkeypatch, broken.customer.number)
    result = run_billing(stack.resources, period.key)
    monkeypatch.setattr(composition.bill_run().customers, "list_meters", list_meters)
    stack.deliveries.drain()
    return result["execution"], good, broken


def test_customer_service_sees_a_runs_progress_totals_failures_and_e_mails(
    stack: RunningStack,
    http: Client,
    repo: DynamoRepository,
    failed_run: tuple[str, Seeded, Seeded],
    period: BillingPeriod,
) -> None:
    run_id, good, broken = failed_run
    headers = staff_headers(stack, http, f"runs-staff-{next(_staff)}@utility.example")
    [listed] = body(http.get("/api/billing-runs", headers=headers))
    assert (listed["run_id"], listed["period"], listed["status"], listed["complete"]) == (
        run_id,
        period.key,
        "finished",
        True,
    )
    assert listed["progress"] == {
        "accounts": 2,
        "done": 2,
        "billed": 1,
        "already_billed": 0,
        "skipped": 0,
        "failed": 1,
        "pending": 0,
        "batches": 1,
        "retried_batches": 0,
    }
    detail = body(http.get(f"/api/billing-runs/{run_id}", headers=headers))
    [invoice] = [i for i in repo.list_invoices(good.customer.number) if i.period == period]
    assert detail["totals"] == [{"currency": "NOK", "kind": "invoice", "invoices": 1, "total": str(invoice.total)}]
    assert detail["failures"] == [
        {"customer_number": broken.customer.number, "reason": "ValueError: meter register unreadable"}
    ]
    assert detail["deliveries"] == {"queued": 1, "sent": 1, "failed": 0, "waiting": 0}
    assert detail["delivery_failures"] == []


def test_a_redrive_bills_the_failed_accounts_in_a_new_run(
    stack: RunningStack,
    http: Client,
    repo: DynamoRepository,
    failed_run: tuple[str, Seeded, Seeded],
    period: BillingPeriod,
) -> None:
    run_id, _good, broken = failed_run
    headers = staff_headers(stack, http, f"runs-staff-{next(_staff)}@utility.example")
    started = http.post(f"/api/billing-runs/{run_id}/redrive", headers=headers)
    assert started.status_code == 202
    redrive = body(started)
    assert redrive["redrive_of"] == run_id
    finished = wait_for_run(stack.resources, redrive["run_id"])
    assert (finished["summary"]["accounts"], finished["summary"]["billed"], finished["summary"]["failed"]) == (1, 1, 0)
    assert len([i for i in repo.list_invoices(broken.customer.number) if i.period == period]) == 1
    # The redrive itself has nothing to redrive
    again = http.post(f"/api/billing-runs/{redrive['run_id']}/redrive", headers=headers)
    assert (again.status_code, body(again)["code"]) == (409, "run_nothing_to_redrive")


def test_nobody_but_customer_service_sees_or_redrives_a_run(
    stack: RunningStack, http: Client, failed_run: tuple[str, Seeded, Seeded]
) -> None:
    run_id, good, _ = failed_run
    for path, method in (
        ("/api/billing-runs", "GET"),
        (f"/api/billing-runs/{run_id}", "GET"),
        (f"/api/billing-runs/{run_id}/redrive", "POST"),
    ):
        assert http.open(path, method=method).status_code == 401
        assert http.open(path, method=method, headers=good.auth).status_code == 403
    headers = staff_headers(stack, http, f"runs-staff-{next(_staff)}@utility.example")
    assert http.get("/api/billing-runs/no-such-run", headers=headers).status_code == 404
    assert http.get("/api/billing-runs/not%20a%20run", headers=headers).status_code in (400, 422)


def test_the_portal_page_shows_the_run_and_redrives_it(
    stack: RunningStack, http: Client, failed_run: tuple[str, Seeded, Seeded]
) -> None:
    run_id, good, broken = failed_run
    email = f"runs-staff-{next(_staff)}@utility.example"
    staff_headers(stack, http, email)
    browser = Client(stack.http_server.app)
    sign_in(browser, email)
    assert 'href="/staff/runs"' in browser.get("/account", headers={"Accept-Language": "nb"}).get_data(as_text=True)
    runs = browser.get("/staff/runs", headers={"Accept-Language": "nb"}).get_data(as_text=True)
    assert f'href="/staff/runs/{run_id}"' in runs and translate("runs.status_finished", "nb") in runs
    page = browser.get(f"/staff/runs/{run_id}", headers={"Accept-Language": "nb"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert broken.customer.number in html and "meter register unreadable" in html
    assert translate("runs.progress", "nb", done="2", total="2") in html
    redriven = browser.post(f"/staff/runs/{run_id}/redrive", data={"csrf": csrf_of(html)})
    assert redriven.status_code == 303
    wait_for_run(stack.resources, redriven.headers["Location"].rsplit("redriven=", 1)[1])

    customer = Client(stack.http_server.app)
    sign_in(customer, good.email)
    assert customer.get("/staff/runs").status_code == 403
    assert customer.get(f"/staff/runs/{run_id}").status_code == 403


def test_the_job_command_draws_progress_and_exits_non_zero_when_accounts_failed(
    stack: RunningStack,
    seed: Callable[..., Seeded],
    period: BillingPeriod,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    seed()
    bar = io.StringIO()
    monkeypatch.setattr(job_command.sys, "stderr", bar)
    assert job_command.main(["job", "billing", "--period", period.key, "--url", stack.portal_url]) == 0
    assert (
        "[##############################] 1/1 accounts (billed 1, already_billed 0, skipped 0, failed 0)"
        in bar.getvalue()
    )
    assert '"status": "SUCCEEDED"' in capsys.readouterr().out

    customers = composition.bill_run().customers
    monkeypatch.setattr(customers, "list_meters", lambda number: (_ for _ in ()).throw(ValueError("unreadable")))
    seed()
    assert job_command.main(["job", "billing", "--period", period.key, "--url", stack.portal_url]) == 1
    assert "1 accounts failed; bill them again with: job billing --redrive-of" in bar.getvalue()
