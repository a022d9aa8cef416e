"""The quick benchmarks, each printing its figures: `make bench` or `python -m bench`.

Longer ones have their own commands (see README): bench.estimation,
bench.billing_requests, bench.billing_run, bench.portal_render.
"""

import runpy
from pathlib import Path

from bench import engine, import_times

if __name__ == "__main__":
    import_times.main()
    engine.main()
    runpy.run_path(str(Path(__file__).with_name("bench_pdf.py")), run_name="__main__")
