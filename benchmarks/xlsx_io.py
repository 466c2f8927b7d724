"""Time and memory of our xlsx reader and writer beside the bare libraries on a 100,000-row
register: our read_table beside openpyxl's read-only mode; our build_workbook beside a bare
XlsxWriter constant_memory write of the same rows with the same formats (and, for reference,
openpyxl's write-only mode).

Run from the repository root:  python benchmarks/xlsx_io.py [--rows N] [--repeat R]

Each measurement runs in its own subprocess so peak memory (ru_maxrss) belongs to it alone;
the figure printed is the peak minus the process's peak just before the work started.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
sys.path.insert(0, str(ROOT))

from assets.files.xlsx.reader import read_table  # noqa: E402
from assets.files.xlsx.writer import Column, Sheet, build_workbook  # noqa: E402

COLUMNS = [
    Column("Tag", "text"),
    Column("Name", "text"),
    Column("Manufacturer", "text"),
    Column("Model", "text"),
    Column("Serial number", "text"),
    Column("Category", "text"),
    Column("Location", "text"),
    Column("Status", "text"),
    Column("Condition", "text"),
    Column("Purchase date", "date"),
    Column("Cost", "money"),
    Column("Supplier", "text"),
    Column("Warranty end", "date"),
    Column("Encrypted", "bool"),
    Column("Last seen", "datetime"),
]
CATEGORIES = ["Laptop", "Tablet", "Camera", "Projector", "Visualiser"]
LOCATIONS = ["ICT suite", "Office store", "Library", "Science block", "Room 12"]
STATUSES = ["available", "on loan", "in repair", "retired"]


def register_rows(count: int) -> Iterator[list]:
    """Rows of a plausible register, made lazily so the generator costs no memory."""
    start = dt.date(2018, 9, 1)
    for n in range(count):
        yield [
            f"ASH-{n:06}",
            f"{CATEGORIES[n % 5]} {n % 97}",
            ("Dell", "Apple", "Lenovo", "Epson")[n % 4],
            f"Model {n % 31}-{n % 7}",
            f"00{n * 7919 % 10_000_000:07}",
            CATEGORIES[n % 5],
            LOCATIONS[n % 5],
            STATUSES[n % 4],
            "good" if n % 3 else "fair",
            start + dt.timedelta(days=n % 2000),
            Decimal(f"{(n % 2000) + 99}.{n % 100:02}"),
            "Acme Education Supplies Ltd",
            start + dt.timedelta(days=n % 2000 + 1095),
            n % 2 == 0,
            dt.datetime(2026, 1, 1, 8, 0) + dt.timedelta(minutes=n),
        ]


def bare_xlsxwriter(columns: list[Column], rows, caption: str, title: str = "Assets") -> bytes:
    """The rows written with XlsxWriter alone, as anyone would who knows each column's type:
    the same caption, bold frozen header, widths, autofilter and number formats as ours."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True})
    bold = book.add_format({"bold": True})
    formats = {
        "date": book.add_format({"num_format": "dd/mm/yyyy"}),
        "datetime": book.add_format({"num_format": "dd/mm/yyyy hh:mm"}),
        "money": book.add_format({"num_format": '"£"#,##0.00'}),
    }
    sheet = book.add_worksheet(title)
    methods = {
        "text": sheet.write_string,
        "int": sheet.write_number,
        "bool": sheet.write_boolean,
        "date": sheet.write_datetime,
        "datetime": sheet.write_datetime,
        "money": sheet.write_number,
    }
    writers = [(methods[column.kind], formats.get(column.kind)) for column in columns]
    for index, column in enumerate(columns):
        sheet.set_column(index, index, column.width or 15)
    sheet.freeze_panes(2, 0)
    sheet.write_string(0, 0, caption, bold)
    for index, column in enumerate(columns):
        sheet.write_string(1, index, column.header, bold)
    number = 1
    for number, row in enumerate(rows, 2):
        for index, value in enumerate(row):
            if value is not None:
                write, style = writers[index]
                write(number, index, value, style)
    sheet.autofilter(1, 0, number, len(columns) - 1)
    book.close()
    return buffer.getvalue()


def register_path(rows: int) -> Path:
    return OUT / f"register_{rows}.xlsx"


def measure(name: str, rows: int, traced: bool = False) -> dict:
    """Do one measurement in this process and return its figures; `traced`: with the peak
    of the memory Python allocated during the work (tracemalloc, which slows it)."""
    data = register_path(rows).read_bytes() if name.startswith("read") else b""
    if traced:
        tracemalloc.start()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    if name == "read_openpyxl":
        import openpyxl

        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        count = sum(1 for _ in workbook.worksheets[0].iter_rows(values_only=True))
        workbook.close()
    elif name == "read_table":
        table = read_table(data, "register.xlsx")
        count = sum(1 for _ in table.rows)
    elif name == "write_openpyxl":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("Assets")
        for row in register_rows(rows):
            sheet.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        count = rows
    elif name == "write_xlsxwriter":
        data = bare_xlsxwriter(COLUMNS, register_rows(rows), "Ashbrook School - Asset register")
        count = rows if data else 0
    elif name == "build_workbook":
        sheet = Sheet("Assets", COLUMNS, register_rows(rows), "Ashbrook School - Asset register")
        count = rows if build_workbook([sheet]) else 0
    else:
        raise SystemExit(f"unknown measurement {name}")
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    figures = {
        "seconds": elapsed,
        "rows": count,
        "peak_mib": (peak - before) / 1024,
        "max_rss_mib": peak / 1024,
    }
    if traced:
        figures["traced_peak_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return figures


def run_child(name: str, rows: int, traced: bool = False) -> dict:
    command = [sys.executable, "-m", "benchmarks.xlsx_io", "--measure", name, "--rows", str(rows)]
    if traced:
        command.append("--traced")
    result = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(result.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.rows, args.traced)))
        return

    OUT.mkdir(parents=True, exist_ok=True)
    path = register_path(args.rows)
    if not path.exists():
        sheet = Sheet("Assets", COLUMNS, register_rows(args.rows), "Ashbrook School - Register")
        path.write_bytes(build_workbook([sheet]))
    print(f"{args.rows:,} rows x {len(COLUMNS)} columns, {path.stat().st_size / 2**20:.1f} MiB")
    print(f"best and median of {args.repeat} runs, each in its own process, interleaved")
    print("(best is the fairest figure on a shared machine: noise only ever adds time)\n")
    print(f"{'measurement':<40}{'best s':>8}{'median s':>10}{'peak MiB':>10}{'max RSS MiB':>13}")
    labels = {
        "read_openpyxl": "read: bare openpyxl read-only",
        "read_table": "read: our read_table (calamine)",
        "write_openpyxl": "write: bare openpyxl write-only",
        "write_xlsxwriter": "write: bare XlsxWriter constant_memory",
        "build_workbook": "write: our build_workbook (XlsxWriter)",
    }
    runs: dict[str, list[dict]] = {name: [] for name in labels}
    for _ in range(args.repeat):
        for name in labels:
            runs[name].append(run_child(name, args.rows))
    best = {}
    for name, label in labels.items():
        assert all(run["rows"] >= args.rows for run in runs[name]), runs[name]
        seconds = [run["seconds"] for run in runs[name]]
        peak = max(run["peak_mib"] for run in runs[name])
        rss = max(run["max_rss_mib"] for run in runs[name])
        best[name] = min(seconds)
        print(
            f"{label:<40}{min(seconds):>8.2f}{statistics.median(seconds):>10.2f}{peak:>10.1f}"
            f"{rss:>13.1f}"
        )
    print("\npeak of the memory Python allocated while writing (tracemalloc, one run each):")
    for name in ("write_xlsxwriter", "build_workbook"):
        traced = run_child(name, args.rows, traced=True)["traced_peak_mib"]
        print(f"{labels[name]:<40}{traced:>8.1f} MiB")
    read_speedup = best["read_openpyxl"] / best["read_table"]
    write_ratio = best["build_workbook"] / best["write_xlsxwriter"]
    print(
        f"\nread_table is {read_speedup:.1f}x faster than openpyxl; build_workbook takes "
        f"{write_ratio:.2f}x the time of bare XlsxWriter (best runs; target: at most 1.2x)"
    )


if __name__ == "__main__":
    main()
