"""Benchmark: `new + import + rank` at 2,000 offers with an award model (graded criteria and a price formula)
against the same with 30662's binary model.

Run: .venv/bin/python tests/benchmarks/bench_models.py [--count 2000] [--repeat 3] [--no-soffice]
The model is 30662 with G4 and G5 graded (three levels each) and [prijs] relatief (20 points): the same offers,
the same judged criteria, one price column more. Prints seconds per step for both and the ratio of the totals
(goal: at most 1.2x; exits 1 when it is above). With LibreOffice it also times a full recalculation of both ranked
workbooks: L and H are MIN and MAX of one column, computed once, so the model's recalculation grows with the
offers as the binary one does (not with their square).
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_pipeline import SPEC, offers_csv  # noqa: E402

from inhuur import actions, soffice  # noqa: E402

GOAL = 1.2
LEVELS = {"G4": ("geen", "3 jaar", "5 jaar"), "G5": ("geen", "basis", "gevorderd")}


def model_spec() -> str:
    """30662 with G4 and G5 graded and price relatief (20 points; 120 in all)."""
    text = SPEC.read_text(encoding="utf-8")
    for code, (low, mid, high) in LEVELS.items():
        points = {"G4": 30, "G5": 20}[code]
        text = re.sub(rf'(code = "{code}"\n(?:kort = .*\n)?punten = {points}\n)',
                      rf'\1niveaus = [ {{ oordeel = "{low}", punten = 0 }}, {{ oordeel = "{mid}", punten = '
                      rf'{points // 2} }}, {{ oordeel = "{high}", punten = {points} }} ]\n', text)
    text = text.replace("totaal_punten = 100", "totaal_punten = 120")
    return text + '\n[prijs]\npunten = 20\nformule = "relatief"\n'


def model_offers(binary: bytes) -> bytes:
    """The same offers with G4 and G5 as levels: Ja the highest, Nee alternately the lowest and the middle one."""
    rows = list(csv.reader(io.StringIO(binary.decode("utf-8-sig")), delimiter=";"))
    header = rows[0]
    for n, row in enumerate(rows[1:]):
        for code, levels in LEVELS.items():
            i = header.index(code)
            row[i] = levels[2] if row[i] == "Ja" else levels[n % 2]
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def run(spec: Path, offers: Path, book: Path) -> dict[str, float]:
    times = {}
    start = time.perf_counter()
    actions.new(spec, book, force=True)
    times["new"] = time.perf_counter() - start
    start = time.perf_counter()
    actions.import_offers(book, offers)
    times["import"] = time.perf_counter() - start
    start = time.perf_counter()
    actions.rank(book)
    times["rank"] = time.perf_counter() - start
    times["total"] = sum(times.values())
    return times


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per model, alternating; the fastest counts")
    parser.add_argument("--no-soffice", action="store_true", help="skip the LibreOffice recalculation")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="inhuur-bench-models-") as tmp:
        folder = Path(tmp)
        binary = offers_csv(args.count)
        (folder / "binary.csv").write_bytes(binary)
        (folder / "model.csv").write_bytes(model_offers(binary))
        (folder / "model.toml").write_text(model_spec(), encoding="utf-8")
        cases = {"binary (30662)": (SPEC, folder / "binary.csv"), "model": (folder / "model.toml", folder / "model.csv")}
        best: dict[str, dict[str, float]] = {}
        for _ in range(args.repeat):
            for name, (spec, offers) in cases.items():
                times = run(spec, offers, folder / f"{name.split()[0]}.xlsx")
                if name not in best or times["total"] < best[name]["total"]:
                    best[name] = times
        if not args.no_soffice and soffice.find_soffice():
            for name in cases:
                book = folder / f"{name.split()[0]}.xlsx"
                start = time.perf_counter()
                soffice.recalculate([book], folder / f"lo-{name.split()[0]}")
                best[name]["soffice"] = time.perf_counter() - start
    print(f"{args.count} offers {'new':>6} {'import':>7} {'rank':>6} {'total':>7} {'LibreOffice':>12}")
    for name, t in best.items():
        lo = f"{t['soffice']:>12.2f}" if "soffice" in t else f"{'-':>12}"
        print(f"{name:<14} {t['new']:>6.2f} {t['import']:>7.2f} {t['rank']:>6.2f} {t['total']:>7.2f} {lo}")
    ratio = best["model"]["total"] / best["binary (30662)"]["total"]
    print(f"model / binary: {ratio:.2f}x the time of new + import + rank (goal at most {GOAL}x: "
          f"{'met' if ratio <= GOAL else 'NOT MET'})")
    return 0 if ratio <= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
