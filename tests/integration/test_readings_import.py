"""Smart-meter files put in S3 under imports/, imported by the notifications
handler (as the S3 "Object Created" event does on AWS), read back through the
consumption API."""

from __future__ import annotations

import json

from infra.local.lambdas import invoke
from infra.local.resources import clients
from tests.integration.conftest import body

HEADER = "meter,start,interval,energy,volume,flow,supply_temp,return_temp\n"


def put_file(stack, key: str, text: str) -> None:
    clients(stack.resources.endpoint)["s3"].put_object(Bucket=stack.resources.bucket_name, Key=key, Body=text.encode())


def report_of(stack, key: str) -> dict:
    s3 = clients(stack.resources.endpoint)["s3"]
    name = key.removeprefix("imports/")
    return json.loads(
        s3.get_object(Bucket=stack.resources.bucket_name, Key=f"import-reports/{name}.json")["Body"].read()
    )


def test_an_hourly_file_is_imported_corrected_and_shown_by_day(stack, http, seed):
    seeded = seed()
    meter = seeded.meter.number
    rows = [f"{meter},2024-02-{d:02d}T{h:02d}:00,hour,2,,,,45" for d in (1, 2) for h in range(24)]
    rows.append(f"{meter},2024-02-03T00:00,hour,lots,,,,")
    rows.append("M000000,2024-02-03T00:00,hour,1,,,,")
    key = f"imports/{meter}-feb.csv"
    put_file(stack, key, HEADER + "\n".join(rows) + "\n")

    summary = body(http.post(f"/_local/jobs/import?key={key}"))
    assert (summary["rows"], summary["stored"], summary["days"], summary["rejected"]) == (50, 48, 2, 2)
    assert [(p["line"], p["code"]) for p in report_of(stack, key)["problems"]] == [
        (50, "import_not_a_number"),
        (51, "import_unknown_meter"),
    ]

    url = f"/api/customers/{seeded.customer.number}/meters/{meter}/consumption?view=month&year=2024&month=2"
    month = body(http.get(url, headers=seeded.auth))
    assert month["total"] == "96.0" and month["bars"][0]["quantity"] == "48.0"

    # The same file again is a no-op; a correction file replaces one hour
    assert body(http.post(f"/_local/jobs/import?key={key}"))["duplicates"] == 48
    fix = f"imports/{meter}-fix.json"
    put_file(
        stack,
        fix,
        json.dumps({"values": [{"meter": meter, "start": "2024-02-01T05:00", "interval": "hour", "energy": "10"}]}),
    )
    event = {
        "source": "aws.s3",
        "detail-type": "Object Created",
        "detail": {"bucket": {"name": stack.resources.bucket_name}, "object": {"key": fix}},
    }
    assert invoke("NotificationsFunction", event)["corrected"] == 1
    month = body(http.get(url, headers=seeded.auth))
    assert month["total"] == "104.0" and month["bars"][0]["quantity"] == "56.0"
    year = body(http.get(url.replace("view=month", "view=year"), headers=seeded.auth))
    assert year["bars"][1]["quantity"] == "104.0"


def test_an_unreadable_file_is_reported(stack, http):
    key = "imports/broken.json"
    put_file(stack, key, "{not json")
    summary = body(http.post(f"/_local/jobs/import?key={key}"))
    assert summary["error"] == "import_unreadable" and summary["stored"] == 0
    assert report_of(stack, key)["error"] == "import_unreadable"
