"""Benchmark: letters per second, compiled templates vs a fresh DocxTemplate per letter; PDF batch vs per letter.

Run: .venv/bin/python tests/benchmarks/bench_letters.py [--letters 300] [--pdf 12]
Both sides render the same template with the same contexts; the text of every letter is compared.
Exits 1 when ours is less than 10x the baseline's letters per second or any letter's text differs.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

from docx import Document
from docxtpl import DocxTemplate

from inhuur import letters, rules, soffice
from inhuur.rules import Judgment, Offer
from inhuur.spec import load_spec

REPO = Path(__file__).resolve().parents[2]
GOAL = 10.0


def contexts(count: int) -> list[dict]:
    tender = load_spec(REPO / "workbook" / "aanvraag-30662.toml")
    offers = []
    for i in range(count):
        met = {code: Judgment(declared="Ja" if (i >> n) & 1 else "Nee") for n, code in enumerate(tender.judged_codes)}
        met.update({"KO1": Judgment(declared="Ja"), "KO2": Judgment(declared="Ja")})
        offers.append(Offer(id=f"I-{i:04d}", supplier=f"Leverancier {i} & Zn", candidate=f"Kandidaat {i}",
                            rate=Decimal("70.00") + i % 7, facts={"ingediend": tender.deadline, "cv_paginas": 4,
                            "cv_taal": "Nederlands", "cv_pdf": "Ja", "referenties": 2, "dba_onderbouwing": "Ja",
                            "waadi": "n.v.t."}, judgments=met, contact="Contact", email="c@x.example", lot=i + 1))
    results = rules.evaluate(tender, offers)
    return [letters.letter_context(tender, r, results, "niet_geselecteerd", date(2026, 6, 30)) for r in results]


def text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    return "\n".join([p.text for p in doc.paragraphs] +
                     [c.text for t in doc.tables for row in t.rows for c in row.cells])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=300)
    parser.add_argument("--pdf", type=int, default=12, help="letters for the PDF comparison (0 skips it)")
    args = parser.parse_args(argv)
    template = letters.TEMPLATES / "niet_geselecteerd.docx"
    items = contexts(args.letters)

    start = time.perf_counter()
    baseline = []
    for context in items:
        tpl = DocxTemplate(template)
        tpl.render(context, letters.environment(), autoescape=True)
        buffer = io.BytesIO()
        tpl.save(buffer)
        baseline.append(buffer.getvalue())
    base_time = time.perf_counter() - start

    start = time.perf_counter()
    compiled = letters.CompiledTemplate(template)
    ours = [compiled.render(context) for context in items]
    our_time = time.perf_counter() - start

    same = all(text(a) == text(b) for a, b in zip(ours, baseline))
    ratio = base_time / our_time
    print(f"{args.letters} letters (niet_geselecteerd, with the criteria table)")
    print(f"  fresh DocxTemplate per letter: {args.letters / base_time:8.1f} letters/s")
    print(f"  compiled once (inhuur):        {args.letters / our_time:8.1f} letters/s   {ratio:.1f}x "
          f"(goal at least {GOAL:.0f}x); identical text: {'yes' if same else 'NO'}")
    ok = same and ratio >= GOAL

    if args.pdf and soffice.find_soffice():
        with tempfile.TemporaryDirectory(prefix="inhuur-bench-") as tmp:
            folder = Path(tmp)
            paths = []
            for i, data in enumerate(ours[: args.pdf]):
                path = folder / f"brief{i}.docx"
                path.write_bytes(data)
                paths.append(path)
            start = time.perf_counter()
            soffice.convert(paths, folder / "batch", "pdf")
            batch = time.perf_counter() - start
            start = time.perf_counter()
            for path in paths:
                soffice.convert([path], folder / "single", "pdf")
            single = time.perf_counter() - start
        print(f"{args.pdf} letters to PDF: one LibreOffice process {batch:.1f} s, one process per letter "
              f"{single:.1f} s ({single / batch:.1f}x)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
