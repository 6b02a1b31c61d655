"""Benchmark: what a button press waits for, `inhuur rank` on the demo workbook as a new process, against a bare
`python -c "import zipfile"` process, measured in the same run.

Run: .venv/bin/python tests/benchmarks/bench_startup.py [--runs 15]
Both are started the same way (subprocess, the venv's interpreter), alternately, and the median wall time of
each is compared; inhuur's bytecode is written first, as `inhuur excel` does. The xlwings issue's goal: rank at most 4x the bare process. Exits 1 when missed. Also prints
what `import inhuur.cli` loads (python -X importtime), the largest first.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from inhuur import actions, excel

GOAL = 4.0


def wall(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args(argv)
    inhuur = str(Path(sys.executable).with_name("inhuur"))
    with tempfile.TemporaryDirectory(prefix="inhuur-bench-") as tmp:
        demo = actions.demo(Path(tmp) / "demo")
        book = Path(tmp) / "werkboek.xlsx"
        shutil.copyfile(demo.workbook, book)
        excel.precompile()                                      # as `inhuur excel` does for the button (python -B)
        wall([inhuur, "rank", str(book)])                       # warm the file cache once
        bare, rank = [], []
        for _ in range(args.runs):
            bare.append(wall([sys.executable, "-c", "import zipfile"]))
            rank.append(wall([inhuur, "rank", str(book)]))
    ratio = statistics.median(rank) / statistics.median(bare)
    print(f"bare python -c 'import zipfile': median {1000 * statistics.median(bare):.0f} ms")
    print(f"inhuur rank (demo workbook):     median {1000 * statistics.median(rank):.0f} ms")
    print(f"ratio {ratio:.1f}x (goal at most {GOAL:.0f}x: {'met' if ratio <= GOAL else 'not met'})")
    timing = subprocess.run([sys.executable, "-X", "importtime", "-c", "import inhuur.cli"],
                            capture_output=True, text=True).stderr.splitlines()
    own = sorted(((int(line.split("|")[1]), line.split("|")[2].strip()) for line in timing[1:]), reverse=True)
    print("import inhuur.cli, cumulative µs of the largest:", ", ".join(f"{n} {us}" for us, n in own[:8]))
    return 0 if ratio <= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
