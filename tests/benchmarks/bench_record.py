"""Benchmark: the whole `record --beoordeling` command at 500, 2,000 and 5,000 offers, per findings row.

Run: .venv/bin/python tests/benchmarks/bench_record.py [--sizes 500 2000 5000] [--repeat 3]
For each size: a workbook with that many offers (imported, nothing assessed) and a findings file with a row per
offer and judged criterion (7 for 30662: 3,500, 14,000 and 35,000 rows), each finding equal to the declaration,
a Nee with its motivation. `inhuur record WORKBOOK --beoordeling FILE` is timed as a user starts it, a new
process (start-up, imports, reading, checking, writing, ranking again, exit), on a fresh copy of the workbook
each time; the fastest of --repeat counts (as timeit does: the slower runs measure the machine's other work).
The baseline, measured in the same run at each size just before, is `inhuur import` of the same offers into a
new workbook as a new process: the other command that reads a file and writes a row per offer. Goal (issue 19):
linear time, the time per findings row at the largest size at most 1.2x that at the smallest. Exits 1 when
missed.

The files go to a memory-backed folder (/dev/shm) where the machine has one, so that the disk does not decide.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_pipeline import SPEC, offers_csv  # noqa: E402

from inhuur import actions, workbook  # noqa: E402

LIMIT = 1.2
INHUUR = str(Path(sys.executable).with_name("inhuur"))


def findings_csv(book: Path) -> tuple[bytes, int]:
    """A findings file with a row per offer and judged criterion, equal to the declaration; and its row count."""
    matrix = workbook.open_workbook(book)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(["id", "kandidaat", "criterium", "oordeel", "motivering", "door"])
    count = 0
    for offer in workbook.require_valid_inputs(matrix):
        for code, judgment in offer.judgments.items():
            writer.writerow([offer.id, offer.candidate, code, judgment.declared,
                             "Niet aantoonbaar in het cv" if judgment.declared == "Nee" else "", "Bench"])
            count += 1
    return buffer.getvalue().encode("utf-8-sig"), count


def timed(*args: str) -> float:
    """Seconds for one `inhuur` command as a new process, start to exit."""
    start = time.perf_counter()
    subprocess.run([INHUUR, *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def run_size(count: int, folder: Path, repeat: int) -> dict[str, float]:
    """Import (baseline) and record --beoordeling at one size; the fastest of `repeat` runs of each."""
    offers = folder / f"offers-{count}.csv"
    offers.write_bytes(offers_csv(count))
    empty, imported = folder / f"empty-{count}.xlsx", folder / f"imported-{count}.xlsx"
    actions.new(SPEC, empty, force=True)
    imports = []
    for _ in range(repeat):
        shutil.copy(empty, imported)
        imports.append(timed("import", str(imported), str(offers)))
    findings = folder / f"findings-{count}.csv"
    data, rows = findings_csv(imported)
    findings.write_bytes(data)
    copy, records = folder / f"record-{count}.xlsx", []
    for _ in range(repeat):
        shutil.copy(imported, copy)
        records.append(timed("record", str(copy), "--beoordeling", str(findings)))
    print(f"  {count} offers: import {', '.join(f'{t:.2f}' for t in imports)} s; "
          f"record {', '.join(f'{t:.2f}' for t in records)} s", flush=True)
    return {"rows": rows, "import": min(imports), "record": min(records)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 2000, 5000])
    parser.add_argument("--repeat", type=int, default=3, help="runs per size; the fastest counts")
    args = parser.parse_args(argv)
    where = "/dev/shm" if os.path.isdir("/dev/shm") else None
    with tempfile.TemporaryDirectory(prefix="inhuur-bench-", dir=where) as tmp:
        results = {count: run_size(count, Path(tmp), args.repeat) for count in args.sizes}
    print(f"{'offers':>7} {'rows':>7} {'import s':>9} {'record s':>9} {'ms/row':>7} {'record/import':>14}")
    for count, t in results.items():
        print(f"{count:>7} {t['rows']:>7} {t['import']:>9.2f} {t['record']:>9.2f} "
              f"{1000 * t['record'] / t['rows']:>7.3f} {t['record'] / t['import']:>13.2f}x")
    small, large = results[min(results)], results[max(results)]
    growth = (large["record"] / large["rows"]) / (small["record"] / small["rows"])
    met = growth <= LIMIT
    print(f"time per findings row, {max(results):,} against {min(results):,} offers: {growth:.2f}x "
          f"(goal at most {LIMIT}x, linear: {'met' if met else 'NOT MET'})")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
