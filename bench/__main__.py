"""All benchmarks, each printing its figures: `make bench` or `python -m bench`."""

from bench import engine, import_times

if __name__ == "__main__":
    import_times.main()
    engine.main()
    import runpy

    runpy.run_path(str(__import__("pathlib").Path(__file__).with_name("bench_pdf.py")), run_name="__main__")
