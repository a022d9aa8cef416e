"""Command line of the local stack.

python -m infra.local run [--profile no|nl|de|se] [--port 3000]
python -m infra.local job billing [--period YYYY-MM | --redrive-of RUN] [--url http://127.0.0.1:3000]
python -m infra.local job alerts [--through YYYY-MM-DD]
python -m infra.local job monthly-info [--month YYYY-MM]

``job billing`` starts the run, draws its progress until it ends, prints its
summary and exits 1 when the run failed or any account failed.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
import urllib.parse
import urllib.request
from typing import Any


def _run(args: argparse.Namespace) -> int:
    from infra.local.stack import start

    began = time.monotonic()
    print(f"Starting heatportal locally (profile {args.profile}) ...", flush=True)

    def step(text: str) -> None:
        print(f"  {time.monotonic() - began:5.1f} s  {text}", flush=True)

    stack = start(
        profile_id=args.profile,
        port=args.port,
        demo=not args.no_demo,
        customers=args.customers,
        portfolio=args.portfolio,
        progress=step,
    )
    elapsed = time.monotonic() - began
    url = stack.portal_url
    print(f"\nheatportal is up in {elapsed:.1f} s\n", flush=True)
    print(f"  Portal           {url}/")
    print(f"  JSON API         {url}/api/...   (Swagger UI {url}/api/docs, OpenAPI {url}/api/openapi.json)")
    print(f"  Outbox           {url}/_local/outbox   (emails and SMS customers would receive)")
    print(f"  Run billing now  python -m infra.local job billing --period YYYY-MM --url {url}")
    print(f"  moto (AWS)       {stack.resources.endpoint}")
    if stack.demo is not None:
        print(f"\n  Demo logins (password for all: {stack.demo.users[0].password})")
        for user in stack.demo.users:
            roles = ", ".join(f"{number} ({role.value})" for number, role in user.memberships) or "staff"
            if user.organisation:
                role = "administrator" if user.org_role == "admin" else "manager"
                roles = f"management company {user.organisation[1]} ({user.organisation[0]}), {role}"
            print(f"    {user.email:<42} {roles}")
        portfolio = stack.demo.portfolio
        if portfolio is not None:
            print(f"\n  Property management company {portfolio.org_name} ({portfolio.granted_facilities} facilities)")
            print(f"    {portfolio.admin.email:<42} administrator")
            print(f"    {portfolio.manager.email:<42} manager")
    print("\nPress Ctrl-C to stop.", flush=True)
    stopped = threading.Event()

    def _stop(*_: object) -> None:
        stopped.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    stopped.wait()
    print("Stopping ...", flush=True)
    stack.stop()
    print("Stopped.", flush=True)
    return 0


def _get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=60) as resp:  # noqa: S310 - http loopback only, checked by the caller
        return dict(json.loads(resp.read()))


def progress_bar(run: dict, width: int = 30) -> str:
    """One line: the bar, accounts done of all, and the outcomes so far."""
    total, done = int(run.get("accounts") or 0), int(run.get("done") or 0)
    filled = min(width, width * done // total) if total else 0
    counts = ", ".join(f"{name} {run.get(name, 0)}" for name in ("billed", "already_billed", "skipped", "failed"))
    return f"[{'#' * filled}{'-' * (width - filled)}] {done}/{total} accounts ({counts})"


def _follow_run(base: str, run_id: str, interval: float = 0.5) -> dict:
    """Draw the run's progress on stderr until its execution ends; returns the last state."""
    out: Any = sys.stderr
    started = time.monotonic()
    while True:
        state = _get_json(f"{base}/_local/runs/{run_id}")
        line = f"{progress_bar(state)} {time.monotonic() - started:6.1f} s"
        out.write(f"\r{line}" if out.isatty() else f"{line}\n")
        out.flush()
        if state["execution"]["status"] != "RUNNING":
            if out.isatty():
                out.write("\n")
            return state
        time.sleep(interval)


def _billing(args: argparse.Namespace) -> int:
    params = {"redrive_of": args.redrive_of} if args.redrive_of else {"period": args.period}
    url = f"{args.url}/_local/jobs/billing?{urllib.parse.urlencode(params)}"
    request = urllib.request.Request(url, method="POST")  # noqa: S310 - loopback, checked by the caller
    with urllib.request.urlopen(request, timeout=60) as resp:  # noqa: S310 - http loopback only, checked by the caller
        run_id = json.loads(resp.read())["run_id"]
    print(f"bill run {run_id}", file=sys.stderr)
    state = _follow_run(args.url, run_id)
    execution = state["execution"]
    print(json.dumps(execution, indent=2, ensure_ascii=False))
    summary = execution.get("summary") or {}
    if execution["status"] != "SUCCEEDED":
        print(f"the run ended {execution['status']}: {execution.get('error')}", file=sys.stderr)
        return 1
    if summary.get("failed"):
        print(
            f"{summary['failed']} accounts failed; bill them again with: job billing --redrive-of {run_id}",
            file=sys.stderr,
        )
        return 1
    return 0


def _job(args: argparse.Namespace) -> int:
    if not args.url.startswith(("http://127.", "http://localhost")):
        print("the local stack listens on loopback only: --url http://127.0.0.1:PORT", file=sys.stderr)
        return 2
    if args.job == "billing":
        return _billing(args)
    params = {
        "deliveries": {},
        "reminders": {"days_before": str(args.days_before)},
        "import": {"key": args.key or ""},
        "spot-prices": {"key": args.key or ""},
        "sms": {"from": args.sender or "", "text": args.text or ""},
        "portfolio": {},
        "alerts": {"through": args.through or ""},
        "monthly-info": {"month": args.month or ""},
    }[args.job]
    url = f"{args.url}/_local/jobs/{args.job}?{urllib.parse.urlencode(params)}"
    request = urllib.request.Request(url, method="POST")  # noqa: S310 - loopback, checked above
    with urllib.request.urlopen(request, timeout=3600) as resp:  # noqa: S310 - http loopback only, checked above
        result = json.loads(resp.read())
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0 if result.get("status", "SUCCEEDED") == "SUCCEEDED" else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.local", description="heatportal on one machine")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="start moto, the API, the portal and demo data")
    run.add_argument("--profile", default="no", choices=["no", "nl", "de", "se"], help="utility profile (default: no)")
    run.add_argument("--port", type=int, default=3000)
    run.add_argument("--customers", type=int, default=60)
    run.add_argument("--no-demo", action="store_true", help="start without demo data")
    run.add_argument(
        "--portfolio",
        type=int,
        default=None,
        help="facilities of the demo property management company (default: 222 in Sweden, none elsewhere)",
    )
    job = sub.add_parser("job", help="run a scheduled job now against a running stack")
    job.add_argument(
        "job",
        choices=[
            "billing",
            "deliveries",
            "reminders",
            "import",
            "spot-prices",
            "sms",
            "portfolio",
            "alerts",
            "monthly-info",
        ],
    )
    job.add_argument("--period", default="previous", help="billing: YYYY-MM, or 'previous' for last month")
    job.add_argument("--redrive-of", help="billing: bill the failed accounts of this run again")
    job.add_argument("--days-before", type=int, default=3, help="reminders: days before the cut-off on the 1st")
    job.add_argument("--key", help="import / spot-prices: the S3 key of a file under imports/ or spot-prices/")
    job.add_argument("--from", dest="sender", help="sms: the sender's phone number, e.g. +4791234567")
    job.add_argument("--text", help="sms: the message, e.g. 'KLEM 12345'")
    job.add_argument("--through", help="alerts: evaluate up to this day (YYYY-MM-DD; default yesterday)")
    job.add_argument("--month", help="monthly-info: the month to inform of (YYYY-MM; default the previous one)")
    job.add_argument("--url", default="http://127.0.0.1:3000")
    args = parser.parse_args(argv)
    return _run(args) if args.command == "run" else _job(args)


if __name__ == "__main__":
    sys.exit(main())
