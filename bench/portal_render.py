"""Server render time per main portal page (median and p90), the portal
handler called in-process with API Gateway events, against the local stack
(moto) with demo data. What is measured is the handler: session check (JWT
verified locally), the DynamoDB queries on moto over loopback, Jinja2 render.

Run: .venv/bin/python -m bench.portal_render [rounds] [--profile no]
The portfolio (seed 004): .venv/bin/python -m bench.portal_render 10 --portfolio 222
measures the Swedish demo management company's manager: the start overview,
the facility list (first and last page), a group of 100 facilities' analysis
and the portfolio's invoices.
Not a test: tests never assert on wall-clock time (HOUSE_STYLE.md).
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from typing import Any

PAGES = (
    "/login",
    "/",
    "/meters",
    "/meters/{meter}",
    "/consumption",
    "/invoices",
    "/invoices/{invoice}",
    "/trial-settlement",
    "/economy",
    "/documents",
    "/account/users",
    "/help",
)
PORTFOLIO_PAGES = (
    "/",
    "/facilities",
    "/facilities?page={last}",
    "/analysis?group={group}&supply=heating&section=energy",
    "/analysis?group={group}&supply=cooling&section=power",
    "/facilities/invoices",
)


def event(path: str, cookies: dict[str, str]) -> dict[str, Any]:
    path, _, query = path.partition("?")
    params = dict(p.split("=", 1) for p in query.split("&")) if query else None
    return {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": "GET",
        "headers": {
            "Host": "127.0.0.1",
            "Accept-Language": "nb-NO",
            "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
        },
        "multiValueHeaders": {},
        "queryStringParameters": params,
        "multiValueQueryStringParameters": {k: [v] for k, v in params.items()} if params else None,
        "pathParameters": {"proxy": path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {"requestId": str(uuid.uuid4()), "stage": "local", "path": path, "httpMethod": "GET"},
        "body": None,
        "isBase64Encoded": False,
    }


def measure(paths: list[str], cookies: dict[str, str], rounds: int) -> None:
    from heatportal import composition
    from infra.local import lambdas

    print(f"{'page':<56}{'status':>7}{'median ms':>11}{'p90 ms':>9}{'DynamoDB req':>14}{'HTML kB':>9}")
    table = composition.repository().table
    for path in paths:
        lambdas.invoke("PortalFunction", event(path, cookies))  # warm: templates compiled, keys fetched
        times, status = [], 0
        before = table.requests
        result: dict[str, Any] = {}
        for _ in range(rounds):
            started = time.perf_counter()
            result = lambdas.invoke("PortalFunction", event(path, cookies))
            times.append((time.perf_counter() - started) * 1000)
            status = result["statusCode"]
        requests = (table.requests - before) / rounds
        p90 = statistics.quantiles(times, n=10)[-1] if rounds > 1 else times[0]
        size = len(result.get("body") or "") / 1024
        print(f"{path:<56}{status:>7}{statistics.median(times):>11.1f}{p90:>9.1f}{requests:>14.1f}{size:>9.1f}")


def portfolio(rounds: int, facilities: int) -> None:
    """The Swedish demo management company's manager at ``facilities`` facilities."""
    from heatportal import composition
    from heatportal.services.access import Principal
    from infra.local.stack import free_port, start

    print(f"portal render: starting the Swedish stack with a company of {facilities} facilities ...", flush=True)
    stack = start(profile_id="se", port=free_port(), demo=True, customers=20, portfolio=facilities)
    try:
        manager = stack.demo.portfolio.manager
        tokens = composition.identity().login(manager.email, manager.password)
        cookies = {"hp_id": tokens.id_token, "hp_access": tokens.access_token, "hp_csrf": "bench"}
        principal = Principal.from_claims(composition.jwt_verifier().verify(tokens.id_token))
        mine = composition.portfolio_access().portfolio(principal)
        service = composition.facility_service()
        chosen = [f.id for f in mine.facilities if "cooling" in f.facility.supplies][:50]
        chosen += [f.id for f in mine.facilities if f.id not in chosen][: 100 - len(chosen)]
        group = service.create_group(mine, service.settings(mine), f"Bench {time.time_ns()}", chosen)
        last = -(-len(mine.facilities) // 25)
        print(f"{len(mine.facilities)} facilities of {len(mine.customers)} customers; group of {len(chosen)}")
        measure([p.format(group=group.id, last=last) for p in PORTFOLIO_PAGES], cookies, rounds)
    finally:
        stack.stop()


def main(rounds: int = 30, profile: str = "no") -> None:
    from infra.local.stack import free_port, start

    print(f"portal render: starting the local stack ({profile}, 20 demo customers) ...", flush=True)
    stack = start(profile_id=profile, port=free_port(), demo=True, customers=20)
    try:
        from heatportal import composition

        user = stack.demo.users[0]
        tokens = composition.identity().login(user.email, user.password)
        cookies = {"hp_id": tokens.id_token, "hp_access": tokens.access_token, "hp_csrf": "bench"}
        number = user.memberships[0][0]
        principal_claims = composition.jwt_verifier().verify(tokens.id_token)
        from heatportal.services.access import Principal

        principal = Principal.from_claims(principal_claims)
        scope = composition.access().scope(principal, number)
        meters = composition.reading_service().list_meters(scope)
        invoices = composition.invoice_service().list(scope)
        paths = [p.format(meter=meters[0].meter.number, invoice=invoices[0].number if invoices else 0) for p in PAGES]
        print(f"customer {number}: {len(meters)} meter(s), {len(invoices)} invoice(s); {rounds} rounds per page")
        measure(paths, cookies, rounds)
    finally:
        stack.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("rounds", nargs="?", type=int, default=30)
    parser.add_argument("--profile", default="no", choices=["no", "nl", "de", "se"])
    parser.add_argument("--portfolio", type=int, default=None, help="the Swedish management company at N facilities")
    args = parser.parse_args()
    if args.portfolio:
        portfolio(args.rounds, args.portfolio)
    else:
        main(args.rounds, args.profile)
