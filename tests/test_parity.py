"""Parity: on random tenders, LibreOffice computing the workbook's formulas gives exactly the engine's results."""

from __future__ import annotations

import os
import re
from dataclasses import replace
from datetime import date, datetime, timedelta
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
MODEL_EXAMPLES = int(os.environ.get("INHUUR_PARITY_MODEL_EXAMPLES", "4"))
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
                            contact="C", email=f"c{i % 4}@x.example", lot=draw(st.sampled_from([None, None, 1, 2, 3]))))
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
    paths = ranked_books(folder, cases)
    assert_parity(paths, soffice.recalculate(paths, folder / "lo"))


def ranked_books(folder, cases) -> list:
    """A workbook per (tender, offers) case, its offers added and ranked (which stores the engine's results as
    the formulas' cached values)."""
    paths = []
    for n, (tender, offers) in enumerate(cases):
        path = folder / f"tender{n}.xlsx"
        matrix = workbook.new_workbook(tender, path)
        workbook.add_offers(matrix, [OfferRow(i + 2, o) for i, o in enumerate(offers)])
        workbook.save(matrix)
        actions.rank(path)
        paths.append(path)
    return paths


def assert_parity(paths, recalculated) -> None:
    """Every formula cell on Kandidaten and Beoordeling as LibreOffice computed it equals the engine and the values
    `rank` stored; so do L and H where the price compares offers."""
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
            for key, points in workbook.points_values(matrix.tender, result).items():
                title = matrix.layout.by_key[key].title
                assert row[col[title]] == (None if points is None else pytest.approx(float(points), abs=1e-9)), \
                    (where, key)
            assert row[col["Conform"]] in ("Ja", "Nee") and row[col["Knock-outs voldaan"]] in ("Ja", "Nee")
        beo = lo["Beoordeling"]
        bcol = {c.value: c.column - 1 for c in beo[1]}
        for row in beo.iter_rows(min_row=2, values_only=True):
            result, code = expected[row[0]], row[bcol["Code"]]
            j = result.offer.judgments[code]
            assert (row[bcol["Geldt"]] or "") == (j.effective or ""), (path.name, row[0], code)
            unassessed = "Eigen opgave" if matrix.tender.self_declaration else "Open"
            stand = ("Opdrachtgever" if j.client else "Beoordeeld" if j.assessor else
                     unassessed if code in result.required else "Niet nodig")
            assert row[bcol["Stand"]] == stand, (path.name, row[0], code)
            assert (stand == "Open") == (code in result.open)
        for sheet in ("Kandidaten", "Beoordeling"):  # what rank stored is what LibreOffice computes
            for mine, theirs in zip(stored[sheet].iter_rows(min_row=2, values_only=True),
                                    lo[sheet].iter_rows(min_row=2, values_only=True)):
                assert [v if v != "" else None for v in mine] == [v if v != "" else None for v in theirs], \
                    (path.name, sheet, mine[0])
        assert workbook.cached_disagreements(workbook.open_workbook(computed), list(expected.values())) == []
        if matrix.tender.price is not None and matrix.tender.price.compares:
            compared = rules.comparison(matrix.tender, [r.offer for r in expected.values() if r.score is not None])
            for (row, column), want in zip(workbook.price_range_cells().values(),
                                           (compared.low, compared.high) if compared else (0, 0)):
                for book in (stored, lo):
                    assert book["Criteria"].cell(row, column).value == float(want), path.name


# ---------------------------------------------------------------------------------------------- award models

LEVEL_LABELS = ["geen", "Europese regels", "inkoop", "beide", "> 5 jaar", "max. 3 jaar"]
# Rates around every bound below, with x,xx5 cases: relatief 20 × 60,02 / 80 = 15,005; absoluut 10 × (90 −
# 70,02) / 40 = 4,995; and many equal rates, so computed price scores tie.
MODEL_RATES = [Decimal(x) for x in ("49.25", "49.26", "50.00", "60.02", "60.02", "70.00", "70.02", "80.00", "80.00",
                                    "89.98", "90.00", "95.10")]
PRICES = [("relatief", ""), ("lineair", ""), ("absoluut", 'ondergrens = "50.00"\nbovengrens = "90.00"\n'),
          ("grens", 'grens = "49.25"\n')]


@st.composite
def model_case(draw):
    """A random award model (binary and graded criteria, a price formula or none, a threshold or none, a cap or
    none) and offers for it, with findings in any case and with spaces, withdrawals and ties."""
    criteria, total = [], 0
    for i in range(1, draw(st.integers(1, 3)) + 1):
        if draw(st.booleans()):
            labels = draw(st.lists(st.sampled_from(LEVEL_LABELS), min_size=2, max_size=4, unique=True))
            points = sorted(draw(st.lists(st.sampled_from([0, 2.5, 5, 10]), min_size=len(labels),
                                          max_size=len(labels))))
            points[-1] = max(points[-1], 5)
            levels = ", ".join(f'{{ oordeel = "{label}", punten = {p} }}' for label, p in zip(labels, points))
            criteria.append(f'[[gunning]]\ncode = "G{i}"\npunten = {points[-1]}\nomschrijving = "Staffel {i}"\n'
                            f'niveaus = [ {levels} ]\n')
            total += points[-1]
        else:
            p = draw(st.sampled_from([5, 10, 20]))
            criteria.append(f'[[gunning]]\ncode = "G{i}"\npunten = {p}\nomschrijving = "Criterium {i}"\n')
            total += p
    price = draw(st.sampled_from([None, *PRICES]))
    if price:
        points = draw(st.sampled_from([10, 20, 25]))
        criteria.append(f'[prijs]\npunten = {points}\nformule = "{price[0]}"\n{price[1]}')
        total += points
    text = re.sub(r"\[\[gunning\]\].*?(?=\[competenties\])", "\n".join(criteria) + "\n", BASE, flags=re.S)
    text = text.replace("totaal_punten = 100", f"totaal_punten = {total}")
    text = text.replace("voordragen = 5", f"voordragen = {draw(st.integers(1, 5))}")
    if draw(st.booleans()):  # a threshold that step 2 can reach
        threshold = draw(st.sampled_from([x for x in (5, 10, 15) if x <= total]))
        text = text.replace("totaal_punten", f"minimale_score = {threshold}\ntotaal_punten")
    if price and price[0] == "grens" or draw(st.booleans()):  # no cap (a grens at or above the cap is refused)
        ko3 = text[text.index('[[knock_out]]\ncode = "KO3"'):text.index("[[gunning]]")]
        text = text.replace(ko3, "").replace('max_uurtarief = "77.50"', "")
    tender = parse_spec(text)
    offers = draw(offers_for(tender.judged_codes, draw(st.integers(1, 12))))
    made = []
    for offer in offers:
        judgments = dict(offer.judgments)
        for a in tender.award:
            if a.levels:
                finding = st.sampled_from([None, None, *[lv.label for lv in a.levels], "BEIDE", " inkoop "])
                pick = lambda: draw(finding.filter(lambda v: v is None or a.level(v) is not None))  # noqa: E731
                judgments[a.code] = replace(judgments[a.code], declared=draw(st.sampled_from([lv.label for lv in a.levels])),
                                            assessor=pick(), client=pick() if draw(st.integers(0, 3)) == 0 else None)
        withdrawn = date(2026, 7, 2) if draw(st.integers(0, 5)) == 0 else None
        made.append(replace(offer, rate=draw(st.sampled_from(MODEL_RATES)), judgments=judgments, withdrawn=withdrawn,
                            withdrawn_reason="niet meer beschikbaar" if withdrawn else ""))
    return tender, made


@settings(max_examples=MODEL_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
          phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(st.lists(model_case(), min_size=TENDERS_PER_EXAMPLE, max_size=TENDERS_PER_EXAMPLE))
def test_libreoffice_computes_the_award_models_as_the_engine(tmp_path_factory, cases):
    """Levels, each price formula (L and H live, x,xx5 rounding, computed ties), thresholds, no cap and withdrawals:
    LibreOffice's values equal the engine's and the stored ones, per criterion, price, score, rank and status."""
    folder = tmp_path_factory.mktemp("models")
    paths = ranked_books(folder, cases)
    assert_parity(paths, soffice.recalculate(paths, folder / "lo"))


def model_spec(price: str, criteria: str = "") -> str:
    """The example spec without a cap, with G1 (binary, 10), G2 (levels geen 0, half 5, vol 10) and `price`."""
    award = (criteria or '[[gunning]]\ncode = "G1"\npunten = 10\nomschrijving = "Binair"\n\n[[gunning]]\ncode = "G2"\n'
             'punten = 10\nomschrijving = "Staffel"\nniveaus = [ { oordeel = "geen", punten = 0 }, { oordeel = "half", '
             'punten = 5 }, { oordeel = "vol", punten = 10 } ]\n\n') + price + "\n"
    text = re.sub(r"\[\[gunning\]\].*?(?=\[competenties\])", award, BASE, flags=re.S)
    ko3 = text[text.index('[[knock_out]]\ncode = "KO3"'):text.index("[[gunning]]")]
    total = 20 + int(re.search(r"punten = (\d+)", price).group(1))
    return text.replace(ko3, "").replace('max_uurtarief = "77.50"', "").replace("totaal_punten = 100",
                                                                                 f"totaal_punten = {total}")


def model_offer(n: int, rate: str, g1: str = "Ja", g2: str = "vol", withdrawn: date | None = None) -> Offer:
    facts = {"ingediend": DEADLINE - timedelta(hours=5), "cv_paginas": 3, "cv_taal": "Nederlands", "cv_pdf": "Ja",
             "referenties": 3, "dba_onderbouwing": "Ja", "waadi": "n.v.t."}
    judgments = {"KO1": Judgment("Ja"), "KO2": Judgment("Ja"), "G1": Judgment(g1), "G2": Judgment(g2)}
    return Offer(id="", supplier=f"Leverancier {n}", candidate=f"Kandidaat {n}", rate=Decimal(rate), facts=facts,
                 email=f"k{n}@x.example", judgments=judgments, withdrawn=withdrawn)


# (price table, offers, the price points LibreOffice must show per offer id, the ranks), all computed by hand
HAND_CASES = [
    # 20 × 60,02 / 80 = 15,005 -> 15,01 (half away from zero, not 15,00 through a binary 15,00499…)
    ('[prijs]\npunten = 20\nformule = "relatief"\n', [model_offer(1, "60.02"), model_offer(2, "80.00")],
     {"I-001": 20, "I-002": 15.01}, {"I-001": 1, "I-002": 2}),
    # 10 × (90 − 70,02) / 40 = 4,995 -> 5; 10 × (90 − 89,98) / 40 = 0,005 -> 0,01; below the lower bound all, above
    # the upper none
    ('[prijs]\npunten = 10\nformule = "absoluut"\nondergrens = "50.00"\nbovengrens = "90.00"\n', [model_offer(1, "70.02"), model_offer(2, "89.98"), model_offer(3, "45.00"),
                                    model_offer(4, "95.00")],
     {"I-001": 5, "I-002": 0.01, "I-003": 10, "I-004": 0}, {"I-003": 1, "I-001": 2, "I-002": 3, "I-004": 4}),
    # lineair: equal rates give every offer all points; the withdrawn € 50 does not set L
    ('[prijs]\npunten = 20\nformule = "lineair"\n', [model_offer(1, "70.00"), model_offer(2, "70.00", g2="half"),
                                                     model_offer(3, "50.00", withdrawn=date(2026, 7, 2))],
     {"I-001": 20, "I-002": 20, "I-003": None}, {"I-001": 1, "I-002": 2, "I-003": None}),
    # the cap as a scored wish: € 49,25 scores, € 49,26 does not
    ('[prijs]\npunten = 20\nformule = "grens"\ngrens = "49.25"\n', [model_offer(1, "49.26"), model_offer(2, "49.25")],
     {"I-001": 0, "I-002": 20}, {"I-002": 1, "I-001": 2}),
    # a tie made by two computed price scores: 10 + 5 + 20 × 60 / 70 (17,14) = 32,14 = 10 + 10 + 20 × 60 / 98,85
    # (12,14); the rate decides, and two equal offers share rank 2, so the next is 4
    ('[prijs]\npunten = 20\nformule = "relatief"\n', [model_offer(1, "60.00", g1="Nee", g2="geen"),
                                                      model_offer(2, "70.00", g2="half"), model_offer(3, "98.85"),
                                                      model_offer(4, "98.85")],
     {"I-001": 20, "I-002": 17.14, "I-003": 12.14, "I-004": 12.14}, {"I-001": 4, "I-002": 1, "I-003": 2, "I-004": 2}),
]


def test_libreoffice_computes_price_points_computed_by_hand(tmp_path):
    """Every formula on hand-computed cases (x,xx5 rounding, both bounds, equal rates, a withdrawal, the cap as a
    scored wish, a tie made by computed price scores): LibreOffice shows exactly these points and ranks."""
    paths = ranked_books(tmp_path, [(parse_spec(model_spec(price)), offers) for price, offers, _, _ in HAND_CASES])
    recalculated = soffice.recalculate(paths, tmp_path / "lo")
    assert_parity(paths, recalculated)
    for (_, _, prices, ranks), computed in zip(HAND_CASES, recalculated):
        ws = load_workbook(computed, data_only=True)["Kandidaten"]
        col = {c.value: c.column - 1 for c in ws[1]}
        shown = {row[0]: (row[col["Prijs punten"]], row[col["Rang"]]) for row in ws.iter_rows(min_row=2, values_only=True)}
        assert shown == {i: (prices[i], ranks[i]) for i in prices}, computed.name
