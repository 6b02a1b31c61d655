"""Parity: on random tenders, LibreOffice computing the workbook's formulas gives exactly the engine's results."""

from __future__ import annotations

import os
import re
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from conftest import EXAMPLE_SPEC
from inhuur import actions, dutch, rules, soffice, workbook
from inhuur.intake import OfferRow
from inhuur.rules import Judgment, Offer
from inhuur.spec import parse_spec

pytestmark = pytest.mark.soffice
BASE = EXAMPLE_SPEC.read_text(encoding="utf-8")
EXAMPLES = int(os.environ.get("INHUUR_PARITY_EXAMPLES", "6"))
TENDERS_PER_EXAMPLE = 8


def spec_text(points: list[int], shortlist: int, cap: str, max_pages: int, min_refs: int,
              self_declaration: bool = False) -> str:
    """The example spec with other award criteria, shortlist size, rate cap and formal thresholds."""
    award = "".join(f'\n[[gunning]]\ncode = "G{i}"\npunten = {p}\nomschrijving = "Criterium {i}"\n'
                    for i, p in enumerate(points, start=1))
    text = re.sub(r"\[\[gunning\]\].*?(?=\[competenties\])", award.lstrip("\n") + "\n", BASE, flags=re.S)
    text = text.replace("totaal_punten = 100", f"totaal_punten = {sum(points)}")
    text = text.replace("voordragen = 5", f"voordragen = {shortlist}")
    text = text.replace('max_uurtarief = "77.50"', f'max_uurtarief = "{cap}"')
    text = text.replace("waarde = 5\n", f"waarde = {max_pages}\n").replace("waarde = 2\n", f"waarde = {min_refs}\n")
    text = text.replace("zelfverklaring_telt = false", f"zelfverklaring_telt = {str(self_declaration).lower()}")
    return text


finding = st.sampled_from([None] * 8 + ["Ja", "Nee", "ja", "NEE"])
rare_finding = st.sampled_from([None] * 20 + ["Ja", "Nee", "nee"])
# Few distinct rates and scores, so that exact ties (and ties at the shortlist boundary) are common.
RATES = [Decimal(x) for x in ("55.00", "62.35", "70.00", "70.00", "70.00", "77.49", "77.50", "77.51", "80.10")]
DEADLINE = datetime(2026, 6, 29, 9, 0)


@st.composite
def offers_for(draw, codes: tuple[str, ...], count: int):
    offers = []
    for i in range(count):
        judgments = {code: Judgment(declared=draw(st.sampled_from(["Ja", "Ja", "Nee"] if code.startswith("G")
                                                                  else ["Ja"] * 5 + ["Nee"])),
                                    assessor=draw(finding if code.startswith("G") else rare_finding),
                                    client=draw(finding if code.startswith("G") else rare_finding),
                                    assessor_motivation="m", assessor_by="a", client_motivation="m", client_by="c")
                     for code in codes}
        facts = {"ingediend": DEADLINE - timedelta(hours=5), "cv_paginas": 3, "cv_taal": "Nederlands",
                 "cv_pdf": "Ja", "referenties": 3, "dba_onderbouwing": "Ja", "waadi": "n.v.t."}
        if draw(st.integers(0, 3)) == 0:  # a quarter of the offers get facts drawn around every threshold
            facts = {
                "ingediend": DEADLINE + timedelta(minutes=draw(st.sampled_from([-3000, -1, 0, 1, 60]))),
                "cv_paginas": draw(st.integers(2, 7)),
                "cv_taal": draw(st.sampled_from(["Nederlands", "Engels", "nederlands"])),
                "cv_pdf": draw(st.sampled_from(["Ja", "Nee"])), "referenties": draw(st.integers(0, 4)),
                "dba_onderbouwing": draw(st.sampled_from(["Ja", "Nee"])),
                "waadi": draw(st.sampled_from(["n.v.t.", "Ja", "Nee"])),
            }
        offers.append(Offer(id="", supplier=f"Leverancier {i % 4}", candidate=f"Kandidaat {i}",
                            rate=draw(st.sampled_from(RATES)), facts=facts, judgments=judgments,
                            contact="C", email="c@x.example", lot=draw(st.sampled_from([None, None, 1, 2, 3]))))
    return offers


@st.composite
def tender_case(draw):
    points = draw(st.lists(st.sampled_from([10, 20, 30]), min_size=1, max_size=4))
    text = spec_text(points, draw(st.integers(1, 6)), draw(st.sampled_from(["70.00", "77.50", "77.50"])),
                     draw(st.integers(3, 6)), draw(st.integers(1, 3)), draw(st.sampled_from([False, False, True])))
    tender = parse_spec(text)
    offers = draw(offers_for(tender.judged_codes, draw(st.integers(1, 16))))
    return tender, offers


# No shrinking: every step would start LibreOffice again; the assertion names the tender and offer instead.
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
          phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(st.lists(tender_case(), min_size=TENDERS_PER_EXAMPLE, max_size=TENDERS_PER_EXAMPLE))
def test_libreoffice_computes_what_the_engine_computes(tmp_path_factory, cases):
    """Unassessed, assessed and overridden findings, lots and self-declaration: every formula cell on Kandidaten
    and Beoordeling as LibreOffice computes it equals the engine, and equals the value `rank` stored."""
    folder = tmp_path_factory.mktemp("parity")
    paths = []
    for n, (tender, offers) in enumerate(cases):
        path = folder / f"tender{n}.xlsx"
        matrix = workbook.new_workbook(tender, path)
        workbook.add_offers(matrix, [OfferRow(i + 2, o) for i, o in enumerate(offers)])
        workbook.save(matrix)
        actions.rank(path)  # stores the engine's results as the formulas' cached values
        paths.append(path)
    recalculated = soffice.recalculate(paths, folder / "lo")
    for path, computed in zip(paths, recalculated):
        matrix = workbook.open_workbook(path)
        offers = workbook.require_valid_inputs(matrix)
        expected = {r.offer.id: r for r in rules.evaluate(matrix.tender, offers)}
        stored = load_workbook(path, data_only=True)
        lo = load_workbook(computed, data_only=True)
        ws = lo["Kandidaten"]
        col = {c.value: c.column - 1 for c in ws[1]}
        for row in ws.iter_rows(min_row=2, values_only=True):
            result = expected[row[0]]
            where = (path.name, row[0])
            assert row[col["Status"]] == dutch.STATUS_LABELS[result.status], where
            assert row[col["Uitkomst stap 2"]] == dutch.STATUS_LABELS[result.status], where
            assert row[col["Score"]] == (None if result.score is None else pytest.approx(float(result.score)))
            assert row[col["Rang"]] == result.rank, where
            assert (row[col["Reden"]] or "") == rules.reason_text(matrix.tender, result.failed), where
            assert row[col["Open oordelen"]] == len(result.open), where
            for code in matrix.tender.judged_codes:
                label = matrix.tender.label(code)
                assert (row[col[label]] or "") == (result.offer.judgments[code].effective or ""), where
            assert row[col["Conform"]] in ("Ja", "Nee") and row[col["Knock-outs voldaan"]] in ("Ja", "Nee")
        beo = lo["Beoordeling"]
        bcol = {c.value: c.column - 1 for c in beo[1]}
        for row in beo.iter_rows(min_row=2, values_only=True):
            result, code = expected[row[0]], row[bcol["Code"]]
            j = result.offer.judgments[code]
            assert (row[bcol["Geldt"]] or "") == (j.effective or ""), (path.name, row[0], code)
            unassessed = "Eigen opgave" if matrix.tender.self_declaration else "Open"
            stand = ("Opdrachtgever" if j.client else "Beoordeeld" if j.assessor else
                     unassessed if code in rules.required_codes(matrix.tender, result.offer) else "Niet nodig")
            assert row[bcol["Stand"]] == stand, (path.name, row[0], code)
            assert (stand == "Open") == (code in result.open)
        for sheet in ("Kandidaten", "Beoordeling"):  # what rank stored is what LibreOffice computes
            for mine, theirs in zip(stored[sheet].iter_rows(min_row=2, values_only=True),
                                    lo[sheet].iter_rows(min_row=2, values_only=True)):
                assert [v if v != "" else None for v in mine] == [v if v != "" else None for v in theirs], \
                    (path.name, sheet, mine[0])
        assert workbook.cached_disagreements(workbook.open_workbook(computed), list(expected.values())) == []
