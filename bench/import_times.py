"""Cold-start import time of each function's handler module, in a fresh
interpreter each time (median of several runs), as Lambda pays it.

Run: .venv/bin/python -m bench.import_times [runs]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FUNCTIONS = sorted(p.name for p in (ROOT / "functions").iterdir() if (p / "app.py").is_file())
ENV = {
    "TABLE_NAME": "t",
    "IDEMPOTENCY_TABLE_NAME": "i",
    "BUCKET_NAME": "b",
    "USER_POOL_ID": "eu-north-1_x",
    "USER_POOL_CLIENT_ID": "c",
    "PROFILE_ID": "no",
    "SENDER_EMAIL": "a@example.com",
    "ALERTS_TOPIC_ARN": "arn:aws:sns:eu-north-1:1:a",
    "AWS_DEFAULT_REGION": "eu-north-1",
    "POWERTOOLS_TRACE_DISABLED": "true",
}
SNIPPET = """
import importlib.util, sys, time
sys.path.insert(0, {layer!r})
sys.path.insert(0, {task_root!r})  # Lambda's task root: the function's folder
start = time.perf_counter()
spec = importlib.util.spec_from_file_location("app", {path!r})
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
print(time.perf_counter() - start)
"""


def import_time(name: str) -> float:
    code = SNIPPET.format(
        layer=str(ROOT / "layers/shared/python"),
        task_root=str(ROOT / "functions" / name),
        path=str(ROOT / "functions" / name / "app.py"),
    )
    out = subprocess.run(
        [sys.executable, "-X", "frozen_modules=on", "-c", code],
        env={**os.environ, **ENV},
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


def main(runs: int = 7) -> None:
    print(f"handler import time, fresh interpreter, median of {runs} runs")
    for name in FUNCTIONS:
        times = [import_time(name) for _ in range(runs)]
        print(
            f"  {name:<14} {statistics.median(times) * 1000:7.1f} ms   (min {min(times) * 1000:.1f}, max {max(times) * 1000:.1f})"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
