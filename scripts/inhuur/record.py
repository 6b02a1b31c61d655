"""Reads the client's step-3 decisions and the interview scores from a CSV/XLSX file; all or nothing."""

from __future__ import annotations

from dataclasses import dataclass, replace as _replace
from pathlib import Path
from typing import IO, Any

from inhuur import award, rules
from inhuur.errors import InvalidOfferFile, InvalidRecordFile, Problem
from inhuur.intake import (finding_parser, header_columns, normalise_header, parse_count, parse_datetime, parse_text,
                           read_table, same_text)
from inhuur.rules import Finding
from inhuur.spec import Tender
from inhuur.xlsx import get_column_letter

FINDING_COLUMNS = ("criterium", "oordeel", "motivering", "door")
ROLES = ("beoordelaar", "opdrachtgever")
STEP3_COLUMNS = ("besluit", "volgorde_wachtkamer", "gesprek", "soortgelijke_opdrachten", "soortgelijke_organisaties",
                 "opmerkingen")


@dataclass(frozen=True)
class Candidate:
    """Who may be named in a record file: the offer id and the candidate's name."""

    offer_id: str
    name: str


class Roster:
    """The candidates a record file may name, found by id and by name (as same_text compares them) in one step."""

    def __init__(self, allowed: list[Candidate]):
        self.by_id: dict[str, Candidate] = {}
        self.by_name: dict[str, list[Candidate]] = {}
        for c in allowed:
            self.by_id.setdefault(same_text(c.offer_id), c)
            self.by_name.setdefault(same_text(c.name), []).append(c)

    def find(self, column: str, value: Any) -> list[Candidate]:
        """The candidates whose id (column 'id') or name (column 'kandidaat') is the value."""
        if column == "id":
            found = self.by_id.get(same_text(value))
            return [found] if found else []
        return self.by_name.get(same_text(value), [])


class _Table:
    """A record file's header and rows, with the candidate column resolved and problems collected."""

    def __init__(self, source, name, required: tuple[str, ...], optional: tuple[str, ...]):
        try:
            self.name, rows = read_table(source, name)
        except InvalidRecordFile:
            raise
        except InvalidOfferFile as exc:  # read_table speaks of offers files; here nothing is recorded
            raise InvalidRecordFile(exc.source, exc.problems) from None
        self.problems: list[Problem] = []
        if not rows:
            raise InvalidRecordFile(self.name, [Problem("", "het bestand is leeg")])
        self.columns, doubled = header_columns(rows[0])
        if doubled:
            raise InvalidRecordFile(self.name, doubled)
        missing = [c for c in required if c not in self.columns]
        if "id" not in self.columns and "kandidaat" not in self.columns:
            missing.insert(0, "id (of kandidaat)")
        if missing:
            raise InvalidRecordFile(self.name, [Problem("rij 1", f"ontbrekende kolom(men): {', '.join(missing)}")])
        unknown = [t for t in self.columns if t not in (*required, *optional, "id", "kandidaat")]
        if unknown:
            raise InvalidRecordFile(self.name, [Problem("rij 1", f"onbekende kolom(men): {', '.join(unknown)}; "
                                                               f"verwacht: id of kandidaat, {', '.join(required)}")])
        self.rows = [(n, r) for n, r in enumerate(rows[1:], start=2) if any(v not in (None, "") for v in r)]

    def get(self, row: list[Any], column: str) -> Any:
        index = self.columns.get(column)
        value = row[index] if index is not None and index < len(row) else None
        return value.strip() if isinstance(value, str) else value

    def where(self, number: int, column: str) -> str:
        return f"rij {number}, kolom {get_column_letter(self.columns[column] + 1)} ({column})"

    def candidate(self, number: int, row: list[Any], roster: Roster, what: str) -> str | None:
        """The offer id the row names, by id or else by kandidaat; where both are filled in they must agree."""
        offer_id, name = self.get(row, "id"), self.get(row, "kandidaat")
        column = "kandidaat" if (name and not offer_id) or "id" not in self.columns else "id"
        value = offer_id or name
        found = roster.find(column, value)
        if len(found) != 1:
            self.problems.append(Problem(self.where(number, column), f"'{value or ''}' is geen {what}" if not found
                                         else f"'{value}' is niet eenduidig; gebruik de kolom id"))
            return None
        if offer_id and name and same_text(name) != same_text(found[0].name):
            self.problems.append(Problem(
                f"rij {number}, kolommen {get_column_letter(self.columns['id'] + 1)} (id) en "
                f"{get_column_letter(self.columns['kandidaat'] + 1)} (kandidaat)",
                f"'{offer_id}' is de inschrijving van {found[0].name}, niet van '{name}'; verbeter de id of de naam, "
                f"zodat vaststaat over wie deze rij gaat"))
            return None
        return found[0].offer_id

    def finish(self) -> None:
        if self.problems:
            raise InvalidRecordFile(self.name, self.problems)


def read_step3(source: str | Path | IO[bytes], allowed: list[Candidate], name: str | None = None
               ) -> list[award.Selection]:
    """The client's decision per shortlisted candidate: uitnodigen or wachtkamer, order, slot, remarks."""
    table = _Table(source, name, ("besluit",), STEP3_COLUMNS[1:])
    roster = Roster(allowed)
    result, seen = [], {}
    for number, row in table.rows:
        offer_id = table.candidate(number, row, roster, "voorgedragen kandidaat (blad Stap 3)")
        decision = same_text(table.get(row, "besluit"))
        if decision not in (award.INVITE, award.WAIT):
            table.problems.append(Problem(table.where(number, "besluit"),
                                          f"'{table.get(row, 'besluit') or ''}' is geen uitnodigen of wachtkamer"))
        order = _optional(table, number, row, "volgorde_wachtkamer", parse_count)
        slot = _optional(table, number, row, "gesprek", parse_datetime)
        if offer_id in seen:
            table.problems.append(Problem(f"rij {number}", f"{offer_id} staat ook in rij {seen[offer_id]}"))
        if offer_id:
            seen[offer_id] = number
            result.append(award.Selection(offer_id, decision, order or None, slot,
                                          *(parse_text(table.get(row, c) or "") for c in STEP3_COLUMNS[3:])))
    table.finish()
    return result


def read_step4(source: str | Path | IO[bytes], allowed: list[Candidate], tender: Tender, name: str | None = None
               ) -> list[award.Interview]:
    """Interview scores: per candidate and interviewer (or 'Consensus') a score per competency on the scale."""
    competencies = {normalise_header(c): c for c in tender.competencies}
    table = _Table(source, name, ("interviewer", *competencies), ("rol",))
    roster = Roster(allowed)
    labels = {same_text(label): n for n, label in enumerate(tender.interviews.scale, start=1)}
    top = len(tender.interviews.scale)
    result, per_candidate, seen = [], {}, {}
    for number, row in table.rows:
        offer_id = table.candidate(number, row, roster, "uitgenodigde kandidaat (blad Stap 3: uitnodigen)")
        interviewer = parse_text(table.get(row, "interviewer") or "")
        if rules.blank(interviewer):
            table.problems.append(Problem(table.where(number, "interviewer"), "is leeg; vul de naam of Consensus in"))
        scores = {}
        for column, competency in competencies.items():
            value = table.get(row, column)
            score = labels.get(same_text(value)) if isinstance(value, str) and not value.isdigit() else None
            if score is None:
                try:
                    score = parse_count(value) if value not in (None, "") else None
                except ValueError:
                    score = None
            if score is None or not 1 <= score <= top:
                table.problems.append(Problem(table.where(number, column), f"'{value or ''}' ligt niet op de schaal "
                                                                           f"1–{top} ({', '.join(tender.interviews.scale)})"))
            scores[competency] = score
        key = (offer_id, same_text(interviewer))
        if offer_id and key in seen:
            table.problems.append(Problem(f"rij {number}", f"{interviewer} scoorde {offer_id} ook in rij {seen[key]}"))
        seen[key] = number
        if offer_id:
            interview = award.Interview(offer_id, interviewer, parse_text(table.get(row, "rol") or ""), scores)
            result.append(interview)
            if not interview.is_consensus:
                per_candidate.setdefault(offer_id, []).append(number)
    for offer_id, numbers in per_candidate.items():
        if len(numbers) < tender.interviews.min_interviewers:
            table.problems.append(Problem(f"rij {numbers[0]}", f"{offer_id} is door {len(numbers)} interviewer(s) "
                                                               f"gescoord; de aanvraag vraagt er minimaal "
                                                               f"{tender.interviews.min_interviewers}"))
    table.finish()
    return result


def _optional(table: _Table, number: int, row, column: str, parser):
    value = table.get(row, column)
    if value in (None, ""):
        return None
    try:
        return parser(value)
    except ValueError as exc:
        table.problems.append(Problem(table.where(number, column), f"'{value}' {exc}"))
        return None


@dataclass(frozen=True)
class FindingsFile:
    """A findings file as read: its name (for messages), the findings, and per (offer id, code) the rows they are on."""

    name: str
    findings: list[Finding]
    rows: dict[tuple[str, str], list[int]]


def read_findings(source: str | Path | IO[bytes], allowed: list[Candidate], tender: Tender,
                  current: dict[tuple[str, str], rules.Judgment] | None = None, name: str | None = None
                  ) -> FindingsFile:
    """Assessors' findings: per candidate and criterion Ja/Nee, motivation and who; optional rol (beoordelaar or
    opdrachtgever). A Nee, or a finding that differs from what it replaces, needs a motivation.

    `current` holds the judgments as they stand, to tell whether a finding differs from what it replaces.
    """
    table = _Table(source, name, ("criterium", "oordeel", "door"), ("motivering", "rol"))
    roster = Roster(allowed)
    codes = {same_text(c): c for c in tender.judged_codes}
    current = current or {}
    result, seen, rows = [], {}, {}
    for number, row in table.rows:
        offer_id = table.candidate(number, row, roster, "inschrijving op het blad Kandidaten")
        code = codes.get(same_text(table.get(row, "criterium")))
        if code is None:
            table.problems.append(Problem(table.where(number, "criterium"),
                                          f"'{table.get(row, 'criterium') or ''}' is geen te beoordelen criterium; "
                                          f"kies uit {', '.join(tender.judged_codes)}"))
        try:  # Ja/Nee, or on a graded criterion one of its levels
            verdict = finding_parser(tender, code)(table.get(row, "oordeel") or "") if code else None
        except ValueError as exc:
            verdict = None
            table.problems.append(Problem(table.where(number, "oordeel"), f"'{table.get(row, 'oordeel') or ''}' {exc}"))
        role = same_text(table.get(row, "rol")) or "beoordelaar"
        if role not in ROLES:
            table.problems.append(Problem(table.where(number, "rol"), f"'{table.get(row, 'rol')}' is geen "
                                                                      f"beoordelaar of opdrachtgever"))
        by = parse_text(table.get(row, "door") or "")
        if rules.blank(by):
            table.problems.append(Problem(table.where(number, "door"), "is leeg; wie gaf dit oordeel?"))
        motivation = parse_text(table.get(row, "motivering") or "")
        key = (offer_id, code, role)
        if offer_id and code and key in seen:
            table.problems.append(Problem(f"rij {number}", f"{offer_id} {code} ({role}) staat ook in rij {seen[key]}"))
        seen[key] = number
        if not (offer_id and code and verdict and role in ROLES):
            continue
        finding = Finding(offer_id, code, verdict, motivation, by, role == "opdrachtgever")
        before = current.get((offer_id, code), rules.Judgment())
        after = _replace(before, client=finding.verdict, client_motivation=motivation, client_by=by) \
            if finding.client else _replace(before, assessor=finding.verdict, assessor_motivation=motivation,
                                            assessor_by=by)
        if any(m.role == role and m.what == "motivering"
               for m in rules.judgment_gaps(offer_id, code, after, tender.criterion(code))):
            where = table.where(number, "motivering") if "motivering" in table.columns else f"rij {number}"
            table.problems.append(Problem(where, f"{offer_id} {code}: een Nee, of een oordeel dat afwijkt van "
                                                 f"{'het oordeel van de beoordelaar' if finding.client else 'de opgave van de leverancier'}"
                                                 f", heeft een motivering nodig (die komt in de brief)"))
        result.append(finding)
        rows.setdefault((offer_id, code), []).append(number)
    table.finish()
    return FindingsFile(table.name, result, rows)
