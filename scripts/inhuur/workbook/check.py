"""What `check` finds: moved headers, changed constants, bad input cells, typed-over formulas, missing motivations."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime
from decimal import Decimal
from typing import Any, Iterable, Sequence

from inhuur import dutch, rules, xlsx
from inhuur.errors import InvalidWorkbook, Problem
from inhuur.intake import same_text
from inhuur.rules import Offer, Result
from inhuur.workbook.layout import (LOG_REGISTER_TITLES, LOGGED, LOT_ORDER_TITLE, LOT_TITLES, SHEET_LETTERS, SHEET_LOTS,
                                    SHEET_MATRIX, SHEET_SENT, SHEET_SUPPLIERS, SUPPLIER_TITLES, named_constants)
from inhuur.workbook.matrix import Matrix
from inhuur.workbook.read import (day_of, kept_form, log_register, numbered_log_rows, read_findings, read_lot_rows,
                                  read_offers, row_of)
from inhuur.workbook.values import points_values
from inhuur.workbook.write import formula_problems
from inhuur.xlsx import get_column_letter, to_excel


def structure_problems(matrix: Matrix) -> list[Problem]:
    """Headers that moved and tender constants (named cells) that no longer match the spec."""
    problems = []
    for columns, header in ((matrix.layout, matrix.header), (matrix.assessment, matrix.assessment_header)):
        for col in columns.columns:
            actual = header.get(columns.index[col.key])
            if actual != col.title:
                problems.append(Problem(f"{columns.sheet}!{columns.letter(col.key)}1",
                                        f"kop '{actual}' verwacht '{col.title}' (kolommen verschoven?)"))
    expected = named_constants(matrix.tender)
    problems += name_problems(matrix.package, expected)
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


def name_problems(package: xlsx.Package, owned: Iterable[str]) -> list[Problem]:
    """Definitions of a name the tool owns other than its one workbook-level definition: one scoped to a sheet (whose
    formulas then use that cell instead) or a second one. Excel compares names without case."""
    owned = {name.casefold(): name for name in owned}
    seen: set[str] = set()
    problems = []
    for d in package.name_definitions():
        name = owned.get(d.name.casefold())
        if name is None:
            continue
        if d.sheet is not None:
            problems.append(Problem(f"{d.sheet} (naam {d.name})", f"de naam {name} is nog eens vastgelegd voor alleen "
                                    f"het blad {d.sheet} (verwijzend naar {d.text}); de formules op dat blad gebruiken "
                                    f"dan die cel in plaats van de waarde uit de aanvraag. Verwijder die naam via "
                                    f"Formules > Namen beheren (bereik: {d.sheet})"))
        elif name in seen:
            problems.append(Problem(f"naam {d.name}", f"de naam {name} is twee keer vastgelegd voor de werkmap "
                                    f"(ook naar {d.text}); verwijder de tweede via Formules > Namen beheren, of zet de "
                                    f"vorige versie terug (…vorige.xlsx)"))
        seen.add(name)
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


def judgment_at(matrix: Matrix, where: str) -> tuple[str, str] | None:
    """The (offer id, code) of the Beoordeling row a problem's cell (`Beoordeling!H12`) is on, or None."""
    sheet, _, ref = where.rpartition("!")
    if sheet != matrix.assessment.sheet:
        return None
    try:
        _, number = xlsx.split_ref(ref)
    except ValueError:
        return None
    if "judgment_at" not in matrix.memo:
        matrix.memo["judgment_at"] = {n: key for key, n in read_findings(matrix).rows.items()}
    return matrix.memo["judgment_at"].get(number)


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


def lot_problems(matrix: Matrix, offers: Sequence[Offer]) -> list[Problem]:
    """A lot order on Kandidaten that is not the order of its proces-verbaal (sheet Loting): both cells named,
    and a proces-verbaal whose moment cannot be read."""
    recorded, problems = read_lot_rows(matrix)
    rows, by_id = row_of(matrix), {o.id: o for o in offers}
    order_column = get_column_letter(LOT_TITLES.index(LOT_ORDER_TITLE) + 1)
    for offer_id, (n, record) in recorded.items():
        if offer_id not in by_id:
            continue  # a deleted row: register_problems names it
        drawn, typed = record.order.index(offer_id) + 1, by_id[offer_id].lot
        if typed != drawn:
            shown = "is leeg" if typed is None else f"zegt {typed}"
            problems.append(Problem(matrix.layout.cell("loting", rows[offer_id]),
                                    f"{shown}, maar volgens het proces-verbaal ({SHEET_LOTS}!{order_column}{n}) werd "
                                    f"{offer_id} bij de loting van {dutch.stamp(record.moment)} als "
                                    f"{dutch.ordinal(drawn)} getrokken; typ {drawn}, of zet de vorige versie terug "
                                    f"(…vorige.xlsx). De brieven noemen de uitslag van het proces-verbaal"))
    return problems


def email_problems(matrix: Matrix, offers: Sequence[Offer]) -> list[Problem]:
    """Offers whose e-mail (any case) is that of another supplier: used by its offer on Kandidaten or its contact on
    Leveranciers. Its letters would reach that other supplier."""
    rows = row_of(matrix)
    owners: dict[str, list[tuple[str, str, str]]] = {}  # address -> (supplier key, supplier, cell)
    for offer in offers:
        owners.setdefault(offer.email.lower(), []).append(
            (same_text(offer.supplier), offer.supplier, matrix.layout.cell("email", rows[offer.id])))
    if SHEET_SUPPLIERS in matrix.package.sheets():
        column = get_column_letter(SUPPLIER_TITLES.index("E-mail") + 1)
        for n, row in numbered_log_rows(matrix, SHEET_SUPPLIERS):
            supplier, email = str(row.get("Leverancier") or ""), str(row.get("E-mail") or "").strip().lower()
            if supplier and email:
                owners.setdefault(email, []).append((same_text(supplier), supplier, f"{SHEET_SUPPLIERS}!{column}{n}"))
    problems = []
    for offer in offers:
        own = same_text(offer.supplier)
        others = [(name, cell) for key, name, cell in owners.get(offer.email.lower(), []) if key != own]
        if not others:
            continue
        name, cell = others[0]
        problems.append(Problem(matrix.layout.cell("email", rows[offer.id]),
                                f"{offer.email} is het adres van een andere leverancier, {name} ({cell}); de brieven "
                                f"voor {offer.id} ({offer.candidate}, {offer.supplier}) zouden daar aankomen. Typ het "
                                f"adres van {offer.supplier}, of zet de vorige versie terug (…vorige.xlsx)"))
    return problems


def idle_lots(matrix: Matrix, results: Sequence[Result]) -> list[Problem]:
    """Warnings: lot numbers on Kandidaten that decide nothing (no tie, or a tie away from the shortlist boundary,
    e.g. after a better offer arrived); the letters do not mention such a lot."""
    rows = row_of(matrix)
    warnings = []
    for r in results:
        if r.offer.lot is None or r.lot_decides or r.status == rules.TIE_UNRESOLVED:
            continue
        if r.tie_group:
            why = (f"de gelijke stand van {', '.join(sorted(r.tie_group, key=rules.id_key))} (rang {r.rank}) ligt "
                   f"niet (meer) op de grens van de voordracht (top {matrix.tender.shortlist_size})")
        else:
            why = f"{r.offer.id} staat met niemand gelijk (score en uurtarief)"
        warnings.append(Problem(matrix.layout.cell("loting", rows[r.offer.id]),
                                f"de loting beslist niets (meer): {why}; de brieven noemen de loting daarom niet"))
    return warnings


def log_problems(matrix: Matrix) -> list[Problem]:
    """Rows of Brieven and Verzonden that _logboek kept but the sheet no longer has (deleted), and rows on them that
    inhuur never wrote (typed, copied, or changed: a status typed over would make a letter count as sent)."""
    kept = log_register(matrix)
    if kept is None:
        return []  # a workbook made before _logboek: nothing to compare with
    problems = []
    for sheet in LOGGED:
        expected = Counter(_log_key(matrix, row) for row in kept if row.get(LOG_REGISTER_TITLES[0]) == sheet)
        for n, row in numbered_log_rows(matrix, sheet):
            key = _log_key(matrix, kept_form(sheet, row))
            if not any(key):
                continue  # an empty row
            if expected[key] > 0:
                expected[key] -= 1
                continue
            problems.append(Problem(f"{sheet}!A{n}", f"{_logged(sheet, key)}: deze rij is niet door inhuur geschreven "
                                                     f"(getypt, gekopieerd of gewijzigd?). Zet de vorige versie terug "
                                                     f"(…vorige.xlsx) of maak de wijziging ongedaan" +
                                    ("; leg een brief die buiten inhuur is verstuurd vast met inhuur verzonden"
                                     if sheet == SHEET_SENT else "")))
        problems += [Problem(sheet, f"{_logged(sheet, key)} staat niet meer op {sheet} (rij verwijderd?). Zet de vorige "
                                    f"versie terug (…vorige.xlsx) of haal de rij terug met Ongedaan maken: het blad is "
                                    f"het verslag van elke brief die is gemaakt en verstuurd")
                     for key, count in expected.items() for _ in range(count)]
    return problems


def _log_key(matrix: Matrix, kept: dict[str, Any]) -> tuple[Any, ...]:
    """What _logboek vouches for in a log row: kenmerk, recipient (any case), the day (as a date: Excel may have made a
    date serial of the text; the text itself where it is no day), the offer's ID and the kind of letter, and on
    Verzonden the status and who sent it."""
    when = kept.get("Datum")
    day = day_of(matrix, when) if when not in (None, "") else None
    return (str(kept.get("Kenmerk") or ""), str(kept.get("Aan") or "").lower(), str(kept.get("Status") or ""),
            day or str(when or ""), str(kept.get("Door") or ""), str(kept.get("ID") or ""),
            str(kept.get("Soort") or ""))


def _logged(sheet: str, key: tuple[Any, ...]) -> str:
    """A log row in words: 'de brief 30662-I-008-niet-geselecteerd aan x@y.nl' or its sending with the status."""
    reference, recipient, status = key[:3]
    if sheet == SHEET_LETTERS:
        return f"de brief {reference} aan {recipient}"
    return f"de verzending van {reference} aan {recipient} ({status or 'verzonden'})"


def check(matrix: Matrix) -> tuple[list[Offer], list[Problem]]:
    """All problems of a workbook: structure, constants, the registers of offers and letters, input cells,
    typed-over formulas, missing motivations, another supplier's e-mail, a lot order that is not its proces-verbaal."""
    problems = structure_problems(matrix)
    offers, input_problems = read_offers(matrix)
    problems += register_problems(matrix) + log_problems(matrix) + input_problems
    for sheet, ref, actual in formula_problems(matrix):
        problems.append(Problem(f"{sheet}!{ref}",
                                f"formule overschreven (nu: {actual!r}); `inhuur rank` zet de formule terug"))
    problems += justification_problems(matrix, offers) + email_problems(matrix, offers)
    named = {p.where for p in problems}
    problems += [p for p in lot_problems(matrix, offers) if p.where not in named]  # a bad lot number: named once
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


__all__ = ["SHEET_MATRIX", "check", "email_problems", "idle_lots", "judgment_at", "log_problems", "lot_problems",
           "require_valid_inputs",
           "structure_problems", "cached_disagreements",
           "justification_problems"]
