"""Recording steps 3–4: files refused whole with the row named; the Gunning formulas agree with the engine."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from conftest import EXAMPLE_SPEC, assess_as_declared, type_finding, type_into
from inhuur import actions, award, rules, soffice, workbook
from inhuur.errors import InvalidOfferFile
from inhuur.spec import load_spec, parse_spec

TENDER = load_spec(EXAMPLE_SPEC)
COMPETENCIES = [c.lower().replace(" ", "_") for c in TENDER.competencies]
STEP3 = ("id;besluit;volgorde_wachtkamer;gesprek;opmerkingen\nI-001;uitnodigen;;09-07-2026 14:00;\n"
         "I-002;uitnodigen;;09-07-2026 14:45;\nI-003;uitnodigen;;;\nI-004;wachtkamer;1;;\nI-006;wachtkamer;2;;\n")


def step4(rows: list[tuple[str, str, list]]) -> str:
    lines = [";".join(["id", "interviewer", "rol", *COMPETENCIES])]
    lines += [";".join([i, who, "", *map(str, scores)]) for i, who, scores in rows]
    return "\n".join(lines) + "\n"


@pytest.fixture
def step3_done(example_workbook, tmp_path):
    actions.record_lot(example_workbook, actions.EXAMPLE_LOT)
    actions.rank(example_workbook)
    source = tmp_path / "stap3.csv"
    source.write_text(STEP3, encoding="utf-8")
    actions.record(example_workbook, 3, source)
    return example_workbook


def test_step3_decisions_reach_the_sheets(step3_done):
    wb = load_workbook(step3_done)
    rows = {r[0]: r for r in wb["Stap 3"].iter_rows(min_row=2, values_only=True)}
    assert (rows["I-001"][8], rows["I-004"][8], rows["I-004"][9]) == ("uitnodigen", "wachtkamer", 1)
    interview_rows = [r[:3] for r in wb["Gesprekken"].iter_rows(min_row=2, values_only=True)]
    assert interview_rows.count(("I-001", "Anaïs de Vries", "Consensus")) == 1
    assert sum(1 for r in interview_rows if r[0] == "I-001") == 3          # two interviewer slots + consensus
    assert [r[0] for r in wb["Gunning"].iter_rows(min_row=2, values_only=True)] == ["I-001", "I-002", "I-003"]


@pytest.mark.parametrize("step, text, where, words", [
    (3, "id;besluit\nI-009;uitnodigen\n", "rij 2, kolom A (id)", "'I-009' is geen voorgedragen kandidaat"),
    (3, "id;besluit\nI-001;misschien\n", "rij 2, kolom B (besluit)", "geen uitnodigen of wachtkamer"),
    (3, "id;besluit;Besluit\nI-001;uitnodigen;wachtkamer\n", "rij 1, kolommen B en C",
     "de kolom besluit staat er twee keer in ('besluit' en 'Besluit')"),
    (3, "id;kandidaat;besluit\nI-001;Fatima El Amrani;uitnodigen\n", "rij 2, kolommen A (id) en B (kandidaat)",
     "'I-001' is de inschrijving van Anaïs de Vries, niet van 'Fatima El Amrani'"),
    (3, "id;besluit;opmerkingen\nI-001;uitnodigen;" + "x" * 40000 + "\n", "rij 2, kolom C (opmerkingen)",
     "is langer dan 32767 tekens, de grens van een Excel-cel (deze tekst heeft er 40000)"),
    (4, step4([("I-001", "A" * 32768, [4] * 10), ("I-001", "B", [4] * 10)]), "rij 2, kolom B (interviewer)",
     "is langer dan 32767 tekens"),
    (4, step4([("I-001", "A", [4] * 10), ("I-001", "B", [4] * 9 + [6])]), "rij 3, kolom M (plannen_en_organiseren)",
     "'6' ligt niet op de schaal 1–5"),
    (4, step4([("I-001", "A", [4] * 10)]), "rij 2", "is door 1 interviewer(s) gescoord; de aanvraag vraagt er minimaal 2"),
    (4, step4([("I-004", "A", [4] * 10), ("I-004", "B", [4] * 10)]), "rij 2, kolom A (id)",
     "'I-004' is geen uitgenodigde kandidaat"),
    (4, "id;interviewer;" + ";".join(COMPETENCIES[:-1]) + "\nI-001;A;" + ";".join(["4"] * 9) + "\n", "rij 1",
     "ontbrekende kolom(men): plannen_en_organiseren"),
], ids=lambda value: value[:40] if isinstance(value, str) else str(value))
def test_bad_record_files_are_refused_whole(step3_done, tmp_path, step, text, where, words):
    source = tmp_path / "fout.csv"
    source.write_text(text, encoding="utf-8")
    before = hashlib.sha256(step3_done.read_bytes()).hexdigest()
    with pytest.raises(InvalidOfferFile) as info:
        actions.record(step3_done, step, source)
    assert any(p.where == where and words in p.text for p in info.value.problems), info.value.problems
    assert hashlib.sha256(step3_done.read_bytes()).hexdigest() == before


def test_scores_as_words_and_a_third_interviewer(step3_done, tmp_path):
    rows = [("I-001", "A", ["voldoende"] * 10), ("I-001", "B", [4] * 10), ("I-001", "C", [5] * 10),
            ("I-001", "Consensus", [4] * 10)]
    source = tmp_path / "stap4.csv"
    source.write_text(step4(rows), encoding="utf-8")
    report = actions.record(step3_done, 4, source)
    outcome = report.rank.stage.outcomes["I-001"]
    assert (outcome.status, outcome.interview.interviewers, outcome.interview.total) == (award.PASSED, 3, 40)


# blanks are rare, so most candidates are fully scored and pass/fail and totals get compared
scores = st.lists(st.sampled_from([None] + [2, 3, 3, 3, 4, 4, 5] * 4), min_size=10, max_size=10)


@pytest.mark.soffice
@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck),
          phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(st.lists(st.tuples(st.sampled_from(["consensus", "gemiddelde"]),
                          st.lists(st.tuples(st.sampled_from(["A", "B", "Consensus", "A", "B", "Consensus", "C"]), scores),
                                   min_size=2, max_size=5), st.sampled_from([None, "50", "55", "33.33"])),
                min_size=4, max_size=4))
@example(cases=[("gemiddelde", [("A", [4] * 10), ("B", [3] * 10)], "33.33"),             # 33,33 × 70 / 100
                ("consensus", [("A", [4] * 10), ("B", [3] * 10), ("Consensus", [4] * 9 + [3])], "55"),  # 55 × 39 / 50
                ("gemiddelde", [("A", [5] * 10), ("B", [4] * 10), ("C", [4] * 10)], "50"),  # 50 × 130 / 150
                ("consensus", [("A", [3] * 10), ("B", [3] * 10)], None)])
def test_gunning_formulas_under_libreoffice_equal_the_engine(tmp_path_factory, cases):
    """Random interview scores, consensus or average, with or without interview points: LibreOffice's Gunning values
    are the engine's, the interview points and final score too."""
    folder = tmp_path_factory.mktemp("gunning")
    from conftest import EXAMPLE_OFFERS
    paths, expected = [], []
    for n, (counts, rows, points) in enumerate(cases):
        text = EXAMPLE_SPEC.read_text(encoding="utf-8").replace('telt = "consensus"', f'telt = "{counts}"')
        if points is not None:  # the interview counts in the final score
            text = text.replace(f'telt = "{counts}"', f'telt = "{counts}"\npunten = {points}').replace(
                "totaal_punten = 100", f"totaal_punten = {100 + Decimal(points)}")
        spec = folder / f"spec{n}.toml"
        spec.write_text(text, encoding="utf-8")
        path = folder / f"w{n}.xlsx"
        actions.new(spec, path)
        actions.import_offers(path, EXAMPLE_OFFERS)
        assess_as_declared(path)   # a lot is drawn on a final ranking only
        actions.record_lot(path, actions.EXAMPLE_LOT)
        actions.rank(path)
        (folder / "s3.csv").write_text(STEP3, encoding="utf-8")
        actions.record(path, 3, folder / "s3.csv")
        matrix = workbook.open_workbook(path)
        steps = workbook.read_steps34(matrix)
        interviews = [award.Interview("I-002", who, "", dict(zip(TENDER.competencies, values)))
                      for who, values in dict(rows).items()]
        workbook.record_step4(matrix, steps, interviews)
        workbook.save(matrix)
        matrix = workbook.open_workbook(path)
        tender = parse_spec(text)
        step2 = next(r for r in rules.evaluate(tender, workbook.require_valid_inputs(matrix)) if r.offer.id == "I-002")
        expected.append((award.interview_result(tender, "I-002", workbook.read_steps34(matrix).interviews), step2,
                         points))
        paths.append(path)
    for path, (result, step2, points) in zip(soffice.recalculate(paths, folder / "lo"), expected):
        row = next(r for r in load_workbook(path, data_only=True)["Gunning"].iter_rows(values_only=True)
                   if r[0] == "I-002")
        if points is not None:  # Punten gesprek and Eindscore, after Totaal gesprek
            final = award.final_score(step2, result)
            assert tuple(None if v == "" else v for v in row[18:20]) == ((None, None) if result.points is None else
                                          (float(result.points), float(final))), path.name
        for k, competency in enumerate(TENDER.competencies):
            want = result.counting[competency]
            assert (row[5 + k] in (None, "")) if want is None else row[5 + k] == pytest.approx(float(want))
        assert row[15] == ("Ja" if result.complete else "Nee")
        assert row[16] in ((None, "") if not result.complete else ("Ja" if result.passed else "Nee",))
        assert (row[17] in (None, "")) if result.total is None else row[17] == pytest.approx(float(result.total))


def test_a_typed_over_gunning_formula_is_named_and_put_back(step3_done, run_cli):
    total = type_into(step3_done, "Gunning", "Totaal gesprek", 2, 50)
    result = run_cli("check", step3_done)
    assert result.code == 1 and f"  - Gunning!{total}2: formule overschreven (nu: 50)" in result.err
    report = actions.rank(step3_done)
    assert [p.where for p in report.restored] == [f"Gunning!{total}2"]
    assert run_cli("check", step3_done).code == 0


def test_the_disagreement_flag_is_live_in_the_workbook(step3_done):
    rules = load_workbook(step3_done)["Gesprekken"].conditional_formatting
    formulas = [r.formula[0] for cf in rules for r in cf.rules]
    assert any('COUNTIFS($A:$A,$A2,$C:$C,"<>Consensus",E:E,">="&(E2+2))' in f for f in formulas)


def test_check_names_a_step3_row_that_is_no_longer_shortlisted(step3_done, run_cli):
    type_finding(step3_done, "I-002", "KO2", {"Oordeel opdrachtgever": "Nee", "Opdrachtgever (naam)": "M. Bakker",
                                             "Motivering opdrachtgever": "De 3 jaar zijn niet aangetoond."})
    result = run_cli("check", step3_done)
    assert result.code == 1
    assert "  - Stap 3!A3: I-002 staat op Stap 3 maar is volgens de ranglijst niet (meer) voorgedragen" in result.err


def test_a_second_round_keeps_the_first_rounds_comparison_on_stap3(demo_run):
    """Round 2's file has no comparison columns: what the client wrote in round 1 stays (it was wiped before)."""
    rows = {r[0]: r for r in load_workbook(demo_run.workbook)["Stap 3"].iter_rows(min_row=2, values_only=True)}
    assert rows["I-006"][5:10] == ("Consulent werk en inkomen", "Gemeente Zaandam", None, "wachtkamer", 2)
    assert rows["I-004"][5:9] == ("Klantmanager Participatiewet", "Uitvoeringsorganisatie",
                                  "Tweede ronde: uit de wachtkamer", "uitnodigen")
