"""What `check` finds: moved headers, changed constants, bad input cells, typed-over formulas, missing motivations."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any, Sequence

from inhuur import dutch, rules, xlsx
from inhuur.errors import InvalidWorkbook, Problem
from inhuur.rules import Offer, Result
from inhuur.workbook.layout import (NAME_DEADLINE, NAME_RATE_CAP, NAME_SHORTLIST, SHEET_MATRIX,
                                    points_name, requirement_name)
from inhuur.workbook.matrix import Matrix
from inhuur.workbook.read import read_findings, read_offers
from inhuur.workbook.values import points_values
from inhuur.workbook.write import formula_problems
from inhuur.xlsx import to_excel


def structure_problems(matrix: Matrix) -> list[Problem]:
    """Headers that moved and tender constants (named cells) that no longer match the spec."""
    problems = []
    for columns, header in ((matrix.layout, matrix.header), (matrix.assessment, matrix.assessment_header)):
        for col in columns.columns:
            actual = header.get(columns.index[col.key])
            if actual != col.title:
                problems.append(Problem(f"{columns.sheet}!{columns.letter(col.key)}1",
                                        f"kop '{actual}' verwacht '{col.title}' (kolommen verschoven?)"))
    tender = matrix.tender
    expected: dict[str, Any] = {NAME_DEADLINE: tender.deadline, NAME_RATE_CAP: tender.rate_cap,
                                NAME_SHORTLIST: tender.shortlist_size}
    expected.update({requirement_name(r.code): r.value for r in tender.formal
                     if r.kind in ("maximaal", "minimaal", "gelijk")})
    expected.update({points_name(a.code): a.points for a in tender.award})
    names = matrix.package.defined_names()
    targets: dict[str, tuple[str, str]] = {}
    for name in expected:
        match = re.fullmatch(r"'?(.+?)'?!\$?([A-Z]+)\$?(\d+)", names.get(name, ""))
        if match:
            targets[name] = (match.group(1).replace("''", "'"), f"{match.group(2)}{match.group(3)}")
    values = _cells(matrix.package, set(targets.values()))
    for name, value in expected.items():
        if name not in targets:
            problems.append(Problem(name, f"de benoemde cel {name} ontbreekt"))
            continue
        sheet, ref = targets[name]
        actual = values.get((sheet, ref))
        if not _same(actual, value):
            problems.append(Problem(f"{sheet}!{ref}", f"bevat {actual!r}, de aanvraag zegt {value} ({name}); "
                                                      f"herstel de waarde"))
    return problems


def _cells(package: xlsx.Package, wanted: set[tuple[str, str]]) -> dict[tuple[str, str], Any]:
    found: dict[tuple[str, str], Any] = {}
    for sheet in {s for s, _ in wanted}:
        if sheet not in package.sheets():
            continue
        refs = {xlsx.split_ref(ref): ref for s, ref in wanted if s == sheet}
        for number, cells in package.rows(sheet):
            for column, cell in cells.items():
                if (column, number) in refs:
                    found[(sheet, refs[(column, number)])] = cell.value
    return found


def _same(actual: Any, expected: Any) -> bool:
    if isinstance(expected, datetime):
        return isinstance(actual, (int, float)) and abs(actual - to_excel(expected)) < 1e-6
    if isinstance(expected, (Decimal, int)) and not isinstance(expected, bool):
        return isinstance(actual, (int, float)) and Decimal(repr(actual)) == Decimal(expected)
    return actual == expected


def justification_problems(matrix: Matrix, offers: Sequence[Offer]) -> list[Problem]:
    """Findings without a name, or a Nee/deviating finding without a motivation, named by their Beoordeling cell."""
    beo = matrix.assessment
    rows = read_findings(matrix).rows
    problems = []
    for offer in offers:
        for m in rules.missing_justification(offer, matrix.tender):
            n = rows.get((offer.id, m.code))
            if n is None:
                continue
            if m.what == "naam":
                key = "door_beoordelaar" if m.role == "beoordelaar" else "door_opdrachtgever"
                text = f"{offer.id} {m.code}: wie gaf dit oordeel van de {m.role}? Vul de naam in"
            else:
                key = f"motivering_{m.role}"
                text = (f"{offer.id} {m.code}: het oordeel van de {m.role} is Nee of wijkt af van wat het vervangt, "
                        f"maar heeft geen motivering; die komt in de brief aan de leverancier")
            problems.append(Problem(beo.cell(key, n), text))
    return problems


def register_problems(matrix: Matrix) -> list[Problem]:
    """Offers ever imported that are no longer on Kandidaten (a deleted row), and rows the tool never imported."""
    on_sheet = {str(matrix.get(r, "id")): r.number for r in matrix.rows if r.cells}
    problems = [Problem(SHEET_MATRIX, f"{offer_id} is geïmporteerd maar staat niet meer op Kandidaten (rij "
                                      f"verwijderd?). Zet de vorige versie terug (…vorige.xlsx) of haal de rij terug "
                                      f"met Ongedaan maken; zonder die rij krijgt de leverancier geen brief")
                for offer_id in matrix.register if offer_id not in on_sheet]
    problems += [Problem(matrix.layout.cell("id", n), f"{offer_id} is niet door inhuur geïmporteerd (rij gekopieerd "
                                                      f"of getypt?); voeg inschrijvingen toe met inhuur import")
                 for offer_id, n in on_sheet.items() if offer_id not in matrix.register]
    return problems


def check(matrix: Matrix) -> tuple[list[Offer], list[Problem]]:
    """All problems of a workbook: structure, constants, the register, input cells, typed-over formulas,
    missing motivations."""
    problems = structure_problems(matrix)
    offers, input_problems = read_offers(matrix)
    problems += register_problems(matrix) + input_problems
    for sheet, ref, actual in formula_problems(matrix):
        problems.append(Problem(f"{sheet}!{ref}",
                                f"formule overschreven (nu: {actual!r}); `inhuur rank` zet de formule terug"))
    problems += justification_problems(matrix, offers)
    return offers, problems


def require_valid_inputs(matrix: Matrix) -> list[Offer]:
    """The offers, or InvalidWorkbook naming each input cell or constant the engine cannot evaluate."""
    problems = structure_problems(matrix)
    offers, input_problems = read_offers(matrix)
    problems += input_problems
    if problems:
        raise InvalidWorkbook(str(matrix.path or "werkboek"), problems)
    return offers


def cached_disagreements(matrix: Matrix, results: Sequence[Result]) -> list[Problem]:
    """Cells whose value saved by Excel/LibreOffice differs from the engine (score, rank, step-2 status)."""
    layout = matrix.layout
    by_id = {r.offer.id: r for r in results}
    problems = []
    for row in matrix.rows:
        result = by_id.get(str(matrix.get(row, "id"))) if row.cells else None
        if result is None:
            continue
        expected = {"score": result.score, "rang": result.rank, "stap2": dutch.STATUS_LABELS[result.status]}
        expected.update(points_values(matrix.tender, result))
        for key, want in expected.items():
            cell = row.cells.get(layout.index[key])
            if cell is None or cell.value is None:
                continue  # no saved value: nothing to compare
            if not _cached_equal(cell.value, want):
                shown = "leeg" if want is None else (want if isinstance(want, str) else dutch.number(want))
                problems.append(Problem(layout.cell(key, row.number),
                                        f"het werkboek toont {cell.value!r}, de regels geven {shown}"))
    return problems


def _cached_equal(value: Any, want: Any) -> bool:
    if want is None:
        return value in ("", None)
    if isinstance(want, str):
        return value == want
    return isinstance(value, (int, float)) and not isinstance(value, bool) and Decimal(repr(value)) == Decimal(want)


__all__ = ["SHEET_MATRIX", "check", "require_valid_inputs", "structure_problems", "cached_disagreements",
           "justification_problems"]
