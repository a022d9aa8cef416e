"""The whole product on one machine: moto on 127.0.0.1, resources from
template.yaml, the real handlers behind a local API gateway, demo data.
"""

from __future__ import annotations

import email
import email.policy
import functools
import gc
import html
import json
import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from infra.local.deliveries import DeliveryPoller
from infra.local.resources import ACCOUNT, REGION, LocalResources, clients, create_all

HOST = "127.0.0.1"
SIGNING_PREFIX = "/_local/bankid"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@dataclass
class RunningStack:
    resources: LocalResources
    profile_id: str
    portal_url: str
    moto_server: Any
    http_server: BaseWSGIServer
    thread: threading.Thread
    deliveries: DeliveryPoller
    demo: Any = None
    docs_dir: Path | None = None
    signing: Any = None  # infra.local.signing.LocalBankId

    def stop(self) -> None:
        self.deliveries.stop()
        self.http_server.shutdown()
        self.moto_server.stop()
        if self.docs_dir is not None:
            shutil.rmtree(self.docs_dir, ignore_errors=True)


def _configure_environment(resources: LocalResources, profile_id: str, portal_url: str, moto_port: int) -> None:
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",  # moto accepts any
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_ENDPOINT_URL": resources.endpoint,
            "MOTO_PORT": str(moto_port),
            **resources.environment(profile_id, portal_url),
            # The stack's own BankID (infra.local.signing) stands in for BankID's relying-party API.
            "SIGNING_API_URL": f"{portal_url}{SIGNING_PREFIX}/rp/v6.0",
        }
    )


def start_moto(port: int) -> Any:
    import logging

    from moto.server import ThreadedMotoServer

    # Quiet the embedded servers' per-request lines; errors still show.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    from infra.local import moto_patches

    moto_patches.apply()
    server = ThreadedMotoServer(ip_address=HOST, port=port, verbose=False)
    server.start()
    import requests

    # Step Functions really executes its states; Lambda tasks reach our handlers.
    requests.post(
        f"http://{HOST}:{port}/moto-api/config",
        json={"stepfunctions": {"execute_state_machine": True}},
        timeout=10,
    ).raise_for_status()
    return server


# --- local-only pages -----------------------------------------------------------


# An email moto accepted never changes: each is parsed once (its MIME, with
# attachments, is the slow part of reading the outbox).
_parsed_emails: dict[str, dict[str, Any]] = {}


def _email(sent: Any) -> dict[str, Any]:
    if sent.id in _parsed_emails:
        return _parsed_emails[sent.id]
    if hasattr(sent, "raw_data"):
        parsed = email.message_from_string(sent.raw_data, policy=email.policy.default)
        text_part = parsed.get_body(preferencelist=("plain",))
        html_part = parsed.get_body(preferencelist=("html",))
        attachments = [part.get_filename() for part in parsed.iter_attachments() if part.get_filename()]
        message = {
            "channel": "email",
            "id": sent.id,
            "to": ", ".join(dict.fromkeys(sent.destinations)),
            "subject": str(parsed["Subject"]),
            "text": text_part.get_content() if text_part else "",
            "html": html_part.get_content() if html_part else "",
            "attachments": attachments,
        }
    else:
        message = {
            "channel": "email",
            "id": sent.id,
            "to": ", ".join(address for group in sent.destinations.values() for address in group),
            "subject": sent.subject,
            "text": sent.body,
            "html": "",
            "attachments": [],
        }
    _parsed_emails[sent.id] = message
    return message


def outbox_messages(channel: str | None = None) -> list[dict[str, Any]]:
    """Emails (SES) and SMS (SNS) that moto has accepted, newest first; only
    one channel's (``email`` or ``sms``) when asked."""
    from moto.ses.models import ses_backends
    from moto.sns.models import sns_backends

    messages: list[dict[str, Any]] = []
    if channel in (None, "email"):
        messages += [_email(sent) for sent in ses_backends[ACCOUNT][REGION].sent_messages]
    if channel in (None, "sms"):
        messages += [
            {
                "channel": "sms",
                "id": message_id,
                "to": phone,
                "subject": "",
                "text": text,
                "html": "",
                "attachments": [],
            }
            for message_id, (phone, text) in sns_backends[ACCOUNT][REGION].sms_messages.items()
        ]
    messages.reverse()
    return messages


def outbox_page(request: Request) -> Response:
    messages = outbox_messages()
    if request.path.endswith(".json"):
        return Response(json.dumps(messages, ensure_ascii=False), content_type="application/json")
    rows = "".join(
        f"<article><h2>{html.escape(m['channel'].upper())} to {html.escape(m['to'])}</h2>"
        f"<p><strong>{html.escape(m['subject'])}</strong></p><pre>{html.escape(m['text'])}</pre>"
        + (f"<p>Attachments: {html.escape(', '.join(m['attachments']))}</p>" if m["attachments"] else "")
        + "</article>"
        for m in messages
    )
    page = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Outbox - heatportal local</title>"
        "<style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto}article{border:1px solid #ccc;"
        "padding:1rem;margin:1rem 0}pre{white-space:pre-wrap}</style></head><body>"
        f"<h1>Outbox ({len(messages)})</h1><p>What customers would receive by email and SMS.</p>{rows}</body></html>"
    )
    return Response(page, content_type="text/html; charset=utf-8")


@functools.cache
def _step_functions(endpoint: str) -> Any:
    """One Step Functions client per endpoint: a run's status is polled five
    times a second, and a new client each time cost a bench a tenth of its time."""
    return clients(endpoint)["stepfunctions"]


def start_billing(resources: LocalResources, run_input: dict[str, str], name: str | None = None) -> str:
    """Start the billing state machine as the schedule does; returns the run's id (the execution's name)."""
    sfn = _step_functions(resources.endpoint)
    label = run_input.get("period") or "redrive"
    name = name or f"billing-{label}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%f')}"
    sfn.start_execution(stateMachineArn=resources.state_machine_arn, name=name, input=json.dumps(run_input))
    return name


def execution_status(resources: LocalResources, name: str) -> dict[str, Any]:
    """The execution's status, with its output (the run's summary) or error."""
    sfn = _step_functions(resources.endpoint)
    arn = resources.state_machine_arn.replace(":stateMachine:", ":execution:") + f":{name}"
    described = sfn.describe_execution(executionArn=arn)
    status = described["status"]
    if status == "SUCCEEDED":
        return {"status": status, "execution": name, "summary": json.loads(described["output"])}
    if status == "RUNNING":
        return {"status": status, "execution": name}
    return {"status": status, "execution": name, "error": described.get("error"), "cause": described.get("cause")}


def wait_for_run(resources: LocalResources, name: str, timeout: float = 600) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = execution_status(resources, name)
        if status["status"] != "RUNNING":
            return status
        time.sleep(0.2)
    return {"status": "RUNNING", "execution": name, "error": "timed out waiting"}


def run_billing(
    resources: LocalResources, period: str, timeout: float = 600, *, run_input: dict[str, str] | None = None
) -> dict[str, Any]:
    """Start the billing state machine for a period (or ``run_input``) and wait for its summary."""
    return wait_for_run(resources, start_billing(resources, run_input or {"period": period}), timeout)


def run_progress(name: str) -> dict[str, Any]:
    """What the staff page shows of a run, from the stored run (progress counters, summary)."""
    from heatportal import composition

    run = composition.billing_runs().get_run(name)
    if run is None:
        return {"run_id": name, "status": "starting"}
    deliveries = composition.delivery_store().group_counts(name)
    return {
        "run_id": run.run_id,
        "period": run.period,
        "status": run.status.value,
        "accounts": run.accounts,
        "done": run.progress.done,
        "billed": run.progress.billed,
        "already_billed": run.progress.already_billed,
        "skipped": run.progress.skipped,
        "failed": run.progress.failed,
        "pending": run.pending,
        "deliveries": {"queued": deliveries.queued, "sent": deliveries.sent, "failed": deliveries.failed},
    }


def runs_page(resources: LocalResources) -> Any:
    """GET /_local/runs/<run id>: the run's progress and, once it ended, the execution's outcome."""

    def page(request: Request) -> Response:
        name = request.path.rsplit("/", 1)[-1]
        # The execution first: once it has ended, every batch has recorded its
        # progress, so the counters read after it are final (read the other way
        # round, a run ending between the reads showed "0/1 done, SUCCEEDED").
        execution = execution_status(resources, name)
        body = {**run_progress(name), "execution": execution}
        return Response(json.dumps(body), content_type="application/json")

    return page


def jobs_page(resources: LocalResources, deliveries: DeliveryPoller) -> Any:
    def page(request: Request) -> Response:
        if request.method != "POST":
            return Response(
                "POST /_local/jobs/{billing,deliveries,reminders,import,spot-prices,sms,portfolio,alerts,monthly-info}",
                405,
            )
        job = request.path.rsplit("/", 1)[-1]
        if job == "billing":
            # Started, not awaited: the job command follows /_local/runs/<run id>.
            run_input = {"period": request.args.get("period", "previous")}
            if request.args.get("redrive_of"):
                run_input = {"redrive_of": request.args["redrive_of"]}
            name = start_billing(resources, run_input)
            return Response(json.dumps({"run_id": name, "status": "RUNNING"}), content_type="application/json")
        if job == "deliveries":
            # The delivery queue drained now (make run also drains it in the background).
            report = deliveries.drain(retry_delay=1, max_invocations=int(request.args.get("max", 100_000)))
            return Response(json.dumps(report.__dict__), content_type="application/json")
        if job == "reminders":
            # The schedule's event, handled by the real notifications handler in-process.
            from infra.local.lambdas import invoke

            event = {"job": "reminders", "days_before": request.args.get("days_before", 3, type=int)}
            return Response(json.dumps(invoke("NotificationsFunction", event)), content_type="application/json")
        if job == "import":
            # What the S3 "Object Created" event does on AWS: import a file put under imports/.
            from infra.local.lambdas import invoke

            event = {"job": "import", "key": request.args.get("key", "")}
            return Response(json.dumps(invoke("NotificationsFunction", event)), content_type="application/json")
        if job == "spot-prices":
            # What the S3 "Object Created" event does on AWS: load a spot-price file put under spot-prices/.
            from infra.local.lambdas import invoke

            event = {"job": "spot-prices", "key": request.args.get("key", "")}
            return Response(json.dumps(invoke("NotificationsFunction", event)), content_type="application/json")
        if job == "portfolio":
            # The nightly schedule's event: every customer's portfolio figures refreshed.
            from infra.local.lambdas import invoke

            return Response(
                json.dumps(invoke("NotificationsFunction", {"job": "portfolio"})), content_type="application/json"
            )
        if job == "sms":
            # An inbound SMS as the two-way SMS topic delivers it: /_local/jobs/sms?from=+4791234567&text=KLEM 12345
            from infra.local.lambdas import invoke

            message = {"originationNumber": request.args.get("from", ""), "messageBody": request.args.get("text", "")}
            record = {
                "EventSource": "aws:sns",
                "Sns": {"MessageId": str(time.time_ns()), "Message": json.dumps(message)},
            }
            return Response(
                json.dumps(invoke("NotificationsFunction", {"Records": [record]})), content_type="application/json"
            )
        if job in ("alerts", "monthly-info"):
            # The schedule's event (DailyAlertSchedule, MonthlyConsumptionInfoSchedule), handled
            # by the real notifications handler; the alerts topic delivers to it in-process.
            from infra.local.lambdas import invoke

            scheduled: dict[str, Any] = {"job": job}
            for name in ("through", "month"):
                if request.args.get(name):
                    scheduled[name] = request.args[name]
            return Response(json.dumps(invoke("NotificationsFunction", scheduled)), content_type="application/json")
        return Response(json.dumps({"error": f"unknown job {job}"}), 404, content_type="application/json")

    return page


def portfolio_page(dataset: Any) -> Any:
    """The property management company's logins as JSON (null without one)."""
    portfolio = dataset.portfolio
    body = json.dumps(
        {
            "org_number": portfolio.org_number,
            "name": portfolio.org_name,
            "facilities": portfolio.granted_facilities,
            "customers": [g.customer_number for g in portfolio.grants],
            "admin": {
                "email": portfolio.admin.email,
                "password": portfolio.admin.password,
                "name": portfolio.admin.name,
            },
            "manager": {
                "email": portfolio.manager.email,
                "password": portfolio.manager.password,
                "name": portfolio.manager.name,
            },
        }
        if portfolio is not None
        else None,
        ensure_ascii=False,
    )

    def page(_request: Request) -> Response:
        return Response(body, content_type="application/json")

    return page


def demo_page(dataset: Any) -> Any:
    """The demo logins as JSON, for scripts and end-to-end tests."""
    body = json.dumps(
        [
            {
                "email": user.email,
                "password": user.password,
                "name": user.name,
                "staff": user.staff,
                "customers": [{"customer_number": number, "role": role.value} for number, role in user.memberships],
                "organisation": (
                    {"org_number": user.organisation[0], "name": user.organisation[1], "role": user.org_role}
                    if user.organisation
                    else None
                ),
            }
            for user in dataset.users
        ],
        ensure_ascii=False,
    )

    def page(_request: Request) -> Response:
        return Response(body, content_type="application/json")

    return page


def _quiet(_step: str) -> None:
    return None


def start(
    profile_id: str = "no",
    port: int = 3000,
    moto_port: int | None = None,
    demo: bool = True,
    customers: int = 60,
    progress: Callable[[str], None] = _quiet,
    *,
    deliver_in_background: bool = True,
    portfolio: int | None = None,
) -> RunningStack:
    """Start moto, create the template's resources, load the demo and serve the
    portal and API; ``progress`` hears one line per step. ``deliver_in_background``:
    drain the delivery queue as its event source mapping would (tests turn it off
    and drain when they choose)."""
    with collector_paused():
        return _start(profile_id, port, moto_port, demo, customers, progress, deliver_in_background, portfolio)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off while the stack starts, and what the start
    made frozen after it (the pattern of the ``gc.freeze`` documentation). The
    start makes about two million objects that live as long as the stack
    (moto's items, the libraries' models) and the collector walked them again
    and again as they grew: a quarter of the demo's start (25.0 s against
    18.3-19.7 s, measured one after the other). Frozen, they are never walked
    again, which also spares later requests full collections over them. The
    start's garbage in reference cycles is frozen with them rather than
    collected: a collection over two million objects takes about a second,
    and what it would give back (35 MB of the demo stack's 790 MB resident,
    mostly service models botocore loads while moto is imported) goes when
    the process ends."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_on:
            gc.enable()


def _start(
    profile_id: str,
    port: int,
    moto_port: int | None,
    demo: bool,
    customers: int,
    progress: Callable[[str], None],
    deliver_in_background: bool,
    portfolio: int | None,
) -> RunningStack:
    moto_port = moto_port or free_port()
    moto_server = start_moto(moto_port)
    progress(f"moto listening on {HOST}:{moto_port}")
    endpoint = f"http://{HOST}:{moto_port}"
    from heatportal.domain.profile import load_profile

    profile = load_profile(profile_id)
    resources = create_all(endpoint, profile.sender_email)
    progress("resources created from template.yaml (tables, bucket, user pool, topics, state machine)")
    portal_url = f"http://{HOST}:{port}"
    _configure_environment(resources, profile_id, portal_url, moto_port)

    from heatportal.adapters.identity import JwtVerifier
    from infra.local import docs, lambdas
    from infra.local.gateway import LocalGateway

    lambdas.install_moto_dispatch()
    # The docs function (template.yaml's DocsFunction) serves what its build writes
    # beside it on AWS; here the same files are written to a folder of the stack's own:
    # with the demo, by the second process that draws its PDFs, while this one loads it.
    docs_dir = Path(tempfile.mkdtemp(prefix="heatportal-docs-"))
    os.environ["DOCS_DIR"] = str(docs_dir)
    helper = None
    if demo:
        from infra.local.demo_loader import second_process

        helper = second_process(profile)
        docs_written = helper.submit(docs.write, docs_dir)
    else:
        docs.write(docs_dir)
    verifier = JwtVerifier(
        f"https://cognito-idp.{REGION}.amazonaws.com/{resources.user_pool_id}",
        resources.user_pool_client_id,
        f"{endpoint}/{resources.user_pool_id}/.well-known/jwks.json",
    )
    deliveries = DeliveryPoller(resources)
    from infra.local.signing import LocalBankId

    signing = LocalBankId(SIGNING_PREFIX)
    extra: dict[str, Any] = {
        SIGNING_PREFIX: signing,
        "/_local/outbox.json": outbox_page,
        "/_local/outbox": outbox_page,
        "/_local/jobs": jobs_page(resources, deliveries),
        "/_local/runs": runs_page(resources),
    }
    from heatportal.adapters.dynamo import DynamoTable
    from heatportal.adapters.signouts import DynamoSignOuts
    from heatportal.services.sessions import Sessions

    # The gateway stands in for API Gateway: its own client, so the functions'
    # request counts (composition's table) stay what they are on AWS.
    signouts = DynamoSignOuts(DynamoTable(clients(endpoint)["dynamodb"], resources.table_name))
    gateway = LocalGateway(verifier, extra, revoked=Sessions(signouts).revoked)
    dataset = None
    if helper is not None:
        from infra.local.demo_loader import load_demo

        with helper:
            dataset = load_demo(
                resources, profile, customers=customers, portfolio=portfolio, progress=progress, drawer=helper
            )
            docs_written.result()
    if dataset is not None:
        gateway.extra["/_local/demo.json"] = demo_page(dataset)
        gateway.extra["/_local/demo-portfolio.json"] = portfolio_page(dataset)
    http_server = make_server(HOST, port, gateway, threaded=True)
    thread = threading.Thread(target=http_server.serve_forever, name="local-gateway", daemon=True)
    thread.start()
    if deliver_in_background:
        deliveries.start()
    return RunningStack(
        resources,
        profile_id,
        portal_url,
        moto_server,
        http_server,
        thread,
        deliveries,
        dataset,
        docs_dir=docs_dir,
        signing=signing,
    )
