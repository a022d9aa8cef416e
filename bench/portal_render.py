"""Server render time per main portal page (median and p90), the portal
handler called in-process with API Gateway events, against the local stack
(moto) with demo data. What is measured is the handler: session check (JWT
verified locally), the DynamoDB queries on moto over loopback, Jinja2 render.

Run: cd /work/main && .venv/bin/python -m bench.portal_render [rounds] [--profile no]
Not a test: tests never assert on wall-clock time (HOUSE_STYLE.md).
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from typing import Any

PAGES = ("/login", "/", "/meters", "/meters/{meter}", "/invoices", "/invoices/{invoice}", "/documents", "/help")


def event(path: str, cookies: dict[str, str]) -> dict[str, Any]:
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
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": {"proxy": path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {"requestId": str(uuid.uuid4()), "stage": "local", "path": path, "httpMethod": "GET"},
        "body": None,
        "isBase64Encoded": False,
    }


def main(rounds: int = 30, profile: str = "no") -> None:
    from infra.local import lambdas
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
        print(f"{'page':<28}{'status':>7}{'median ms':>11}{'p90 ms':>9}{'DynamoDB req':>14}{'HTML kB':>9}")
        table = composition.repository().table
        for path in paths:
            lambdas.invoke("PortalFunction", event(path, cookies))  # warm: templates compiled, keys fetched
            times, status = [], 0
            before = table.requests
            for _ in range(rounds):
                started = time.perf_counter()
                result = lambdas.invoke("PortalFunction", event(path, cookies))
                times.append((time.perf_counter() - started) * 1000)
                status = result["statusCode"]
            requests = (table.requests - before) / rounds
            p90 = statistics.quantiles(times, n=10)[-1]
            size = len(result.get("body") or "") / 1024
            print(f"{path:<28}{status:>7}{statistics.median(times):>11.1f}{p90:>9.1f}{requests:>14.1f}{size:>9.1f}")
    finally:
        stack.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("rounds", nargs="?", type=int, default=30)
    parser.add_argument("--profile", default="no", choices=["no", "nl", "de", "se"])
    args = parser.parse_args()
    main(args.rounds, args.profile)
