"""How long the public code routes take for an address that has an account and
for one that has none, on the local stack (moto over loopback), with the
answer floor on and off. The point is the gap between the two, not the level.

Run: cd /work/main && PYTHONPATH=layers/shared/python:. .venv/bin/python -m bench.forgot_password_timing [N]
"""

from __future__ import annotations

import statistics
import sys
import time


def main(n: int = 15) -> None:
    from werkzeug.test import Client

    from infra.local.resources import clients
    from infra.local.stack import free_port, start

    stack = start(profile_id="no", port=free_port(), demo=False)
    try:
        from heatportal import composition
        from heatportal.services.accounts.common import PUBLIC_ANSWER_FLOOR

        http = Client(stack.http_server.app)
        cognito = clients(stack.resources.endpoint)["cognito-idp"]
        service = composition.credential_service()
        paced = service.pacer

        def timed(email: str, client: int) -> float:
            started = time.perf_counter()
            resp = http.post(
                "/api/auth/password/forgot",
                json={"email": email},
                environ_base={"REMOTE_ADDR": f"10.9.{client // 200}.{client % 200 + 1}"},
            )
            elapsed = time.perf_counter() - started
            assert resp.status_code == 202, resp.get_data(as_text=True)
            return elapsed

        from heatportal.services.accounts.common import NoPacing

        for run, (label, pacer) in enumerate(
            (("floor off", NoPacing()), (f"floor {PUBLIC_ANSWER_FLOOR:.1f} s", paced))
        ):
            service.pacer = pacer
            known, unknown = [], []
            for i in range(n):
                email = f"bench-{run}-{i}@example.com"
                cognito.admin_create_user(
                    UserPoolId=stack.resources.user_pool_id,
                    Username=email,
                    UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
                    MessageAction="SUPPRESS",
                )
                known.append(timed(email, 2 * i + 1000 * run))
                unknown.append(timed(f"nobody-{run}-{i}@example.com", 2 * i + 1 + 1000 * run))
            k, u = statistics.median(known), statistics.median(unknown)
            print(
                f"forgot password, {label}: median known {k * 1000:.0f} ms, unknown {u * 1000:.0f} ms,"
                f" gap {(k - u) * 1000:+.0f} ms (N={n} each)"
            )
        service.pacer = paced
    finally:
        stack.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
