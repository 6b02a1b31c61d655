"""The steps behind each command (new, import, rank, check, demo), returning what happened for the CLI to print."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO

import json
from datetime import date

from openpyxl.utils import get_column_letter

from inhuur import award, dutch, files, letters as letter_writer, mail as mailer, record as record_files, rules, soffice, \
    workbook
from inhuur.errors import FileMissing, InvalidWorkbook, NoTie, NotAssessed, OutputExists, Problem, UnresolvedTie
from inhuur.intake import read_offers
from inhuur.rules import Result
from inhuur.spec import Tender, load_spec

PACKAGE_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_SPEC = PACKAGE_ROOT / "workbook" / "aanvraag-30662.toml"
EXAMPLE_OFFERS = PACKAGE_ROOT / "workbook" / "voorbeeld-inschrijvingen-30662.csv"
EXAMPLE_FINDINGS = PACKAGE_ROOT / "workbook" / "voorbeeld-beoordeling-30662.csv"
# The example's recorded lot drawing: (offer id, order drawn); see README "Loting".
EXAMPLE_LOT = {"I-006": 1, "I-005": 2}
EXAMPLE_LOT_DRAWING = letter_writer.LotDrawing(datetime(2026, 6, 30, 10, 0), "Flextender, Hilversum",
                                               "mr. J. Smit, notaris")
EXAMPLE_LOT_LETTERS_DATE = date(2026, 6, 29)
EXAMPLE_LETTERS_DATE = date(2026, 6, 30)
EXAMPLE_STEPS = [  # (what happens, step, file) for the example's steps 3 and 4
    ("De opdrachtgever kiest wie een gesprek krijgt (ronde 1)", 3, "voorbeeld-stap3-30662.csv"),
    ("De gesprekken van ronde 1 zijn gescoord", 4, "voorbeeld-gesprekken-30662.csv"),
    ("Te weinig kandidaten voldoende: de eerste uit de wachtkamer wordt uitgenodigd", 3,
     "voorbeeld-stap3-ronde2-30662.csv"),
    ("Het gesprek van ronde 2 is gescoord", 4, "voorbeeld-gesprekken-ronde2-30662.csv"),
]
EXAMPLE_STEP_LETTER_DATES = [date(2026, 7, 1), None, date(2026, 7, 13), None]
EXAMPLE_AWARDS = {
    "I-002": "Sterkste gesprek (43 punten): overtuigend in klantgerichtheid en cultuursensitiviteit, ruime "
             "ervaring met het PIP en met Suite.",
    "I-004": "Voldoende op alle competenties (39 punten), werkt al in de regio Gooi en Vechtstreek en kent het "
             "Sociaal Plein.",
}
EXAMPLE_AWARD_DATE = date(2026, 7, 17)


def new(spec: str | Path, target: str | Path, force: bool = False) -> Tender:
    """Build the workbook for the tender in SPEC; refuse to overwrite an existing file unless forced."""
    tender = load_spec(spec)
    target = Path(target)
    if target.exists() and not force:
        raise OutputExists(target)
    files.ensure_not_open(target)
    workbook.new_workbook(tender, target)
    return tender


def import_offers(path: str | Path, source: str | Path | IO[bytes]) -> workbook.ImportReport:
    """Validate the whole offers file, then add the new offers; a refused file leaves the workbook as it was."""
    path = Path(path)
    files.ensure_not_open(path)
    matrix = workbook.open_workbook(path)
    rows = read_offers(source, matrix.tender)
    report = workbook.add_offers(matrix, rows)
    if report.added:
        workbook.save(matrix)
    return report


@dataclass
class RankReport:
    """What `rank` found: the results, cells whose saved values disagree, formulas it put back."""

    tender: Tender
    results: list[Result]
    disagreements: list[Problem] = field(default_factory=list)
    restored: list[Problem] = field(default_factory=list)
    ties: list[list[Result]] = field(default_factory=list)
    lot_cells: dict[str, str] = field(default_factory=dict)
    stage: award.Stage = field(default_factory=award.Stage)
    step3: dict[str, dict] = field(default_factory=dict)
    work: list[rules.WorkItem] = field(default_factory=list)

    @property
    def final(self) -> bool:
        """True when no judgment the steps need is still open."""
        return rules.is_final(self.results)

    def status(self, result: Result) -> str:
        """The offer's status after the latest step (steps 3–4 override the shortlist status)."""
        outcome = self.stage.outcomes.get(result.offer.id)
        return outcome.status if outcome else result.status

    def counts(self) -> dict[str, int]:
        """How many offers have each latest status, in order of first appearance."""
        statuses = [self.status(r) for r in self.results]
        return {s: statuses.count(s) for s in dict.fromkeys(statuses)}


def rank(path: str | Path, now: datetime | None = None) -> RankReport:
    """Evaluate every offer with the engine, compare with the workbook's saved values, store the engine's results.

    Every tool formula is written back with its result as the stored value (which also restores a
    typed-over formula), and Ranglijst is rewritten.
    """
    path = Path(path)
    files.ensure_not_open(path)
    matrix = workbook.open_workbook(path)
    offers = workbook.require_valid_inputs(matrix)
    results = rules.evaluate(matrix.tender, offers)
    stage, step3 = _steps34(matrix, results, path)
    disagreements = workbook.cached_disagreements(matrix, results)
    restored = [Problem(f"{sheet}!{ref}", f"was overschreven met {actual!r}; formule teruggezet")
                for sheet, ref, actual in workbook.formula_problems(matrix)]
    latest = {offer_id: o.status for offer_id, o in stage.outcomes.items()}
    interviews = {offer_id: o.interview for offer_id, o in stage.outcomes.items() if o.interview is not None}
    workbook.write_results(matrix, results, {i: dutch.STATUS_LABELS[s] for i, s in latest.items()}, interviews)
    workbook.write_ranking(matrix, results, now or datetime.now().replace(microsecond=0), latest)
    workbook.save(matrix)
    rows = workbook.row_of(matrix)
    ties = rules.unresolved_ties(results)
    lot_cells = {r.offer.id: matrix.layout.cell("loting", rows[r.offer.id]) for group in ties for r in group}
    return RankReport(matrix.tender, results, disagreements, restored, ties, lot_cells, stage, step3,
                      rules.work_list(matrix.tender, results))


def _steps34(matrix: workbook.Matrix, results: list[Result], path: Path) -> tuple[award.Stage, dict[str, dict]]:
    """Read and evaluate steps 3–4 and add the rows of candidates who reached them; none while a tie is open."""
    if rules.unresolved_ties(results):
        return award.Stage(), {}
    steps = workbook.read_steps34(matrix)
    if steps.problems:
        raise InvalidWorkbook(str(path), steps.problems)
    stage = award.evaluate(matrix.tender, results, steps.selections, steps.interviews, steps.decisions)
    workbook.fill_steps34(matrix, results, steps, stage)
    decisions = {d.offer_id: d for d in steps.decisions}
    facts = {s.offer_id: {"decision": s.decision, "waiting_order": s.waiting_order,
                          "slot": s.slot.isoformat(sep=" ") if s.slot else None,
                          "similar_assignments": s.similar_assignments, "similar_organisations": s.similar_organisations,
                          "award": s.offer_id in decisions,
                          "award_motivation": decisions[s.offer_id].motivation if s.offer_id in decisions else None}
             for s in steps.selections}
    return stage, facts


@dataclass
class RecordReport:
    """What `record` wrote, and the ranking after it."""

    step: int
    recorded: int
    rank: RankReport


def record(path: str | Path, step: int, source: str | Path | IO[bytes]) -> RecordReport:
    """Record the client's step-3 decisions (step 3) or interview scores (step 4), then rank again."""
    path = Path(path)
    files.ensure_not_open(path)
    matrix = workbook.open_workbook(path)
    offers = workbook.require_valid_inputs(matrix)
    results = rules.evaluate(matrix.tender, offers)
    steps = workbook.read_steps34(matrix)
    names = {r.offer.id: r.offer.candidate for r in results}
    if step == 3:
        allowed = [record_files.Candidate(i, names[i]) for i in steps.step3_rows if i in names]
        selections = record_files.read_step3(source, allowed)
        workbook.record_step3(matrix, steps, selections)
        count = len(selections)
    else:
        invited = [s.offer_id for s in steps.selections if s.decision == award.INVITE]
        allowed = [record_files.Candidate(i, names[i]) for i in invited if i in names]
        interviews = record_files.read_step4(source, allowed, matrix.tender)
        workbook.record_step4(matrix, steps, interviews)
        count = len(interviews)
    workbook.save(matrix)
    return RecordReport(step, count, rank(path))


def record_findings(path: str | Path, source: str | Path | IO[bytes]) -> RecordReport:
    """Record assessors' (or the client's) findings from a file on Beoordeling, all or nothing; then rank again."""
    path = Path(path)
    files.ensure_not_open(path)
    matrix = workbook.open_workbook(path)
    offers = workbook.require_valid_inputs(matrix)
    rows = workbook.read_findings(matrix).rows
    allowed = [record_files.Candidate(o.id, o.candidate) for o in offers]
    current = {(o.id, code): j for o in offers for code, j in o.judgments.items()}
    findings = record_files.read_findings(source, allowed, matrix.tender, current)
    workbook.write_findings(matrix, findings, rows)
    workbook.save(matrix)
    return RecordReport(0, len(findings), rank(path))


def record_awards(path: str | Path, motivations: dict[str, str]) -> None:
    """Write the client's award decisions (offer id -> motivation) on the Gunning sheet."""
    path = Path(path)
    files.ensure_not_open(path)
    matrix = workbook.open_workbook(path)
    workbook.record_awards(matrix, workbook.read_steps34(matrix), motivations)
    workbook.save(matrix)


def check(path: str | Path) -> int:
    """Validate the workbook; return the number of offers, or raise InvalidWorkbook naming each bad cell."""
    matrix = workbook.open_workbook(Path(path))
    offers, problems = workbook.check(matrix)
    steps = workbook.read_steps34(matrix)
    problems += steps.problems
    if not problems:
        results = rules.evaluate(matrix.tender, offers)
        shortlisted = {r.offer.id for r in results if r.status == rules.SHORTLISTED}
        if not rules.unresolved_ties(results):
            problems += [Problem(f"{workbook.SHEET_STEP3}!A{row}",
                                 f"{offer_id} staat op Stap 3 maar is volgens de ranglijst niet (meer) voorgedragen; "
                                 f"is een oordeel gewijzigd nadat stap 3 begon? Herstel het oordeel of verwijder de "
                                 f"rij (blad ontgrendelen)")
                         for offer_id, row in steps.step3_rows.items() if offer_id not in shortlisted]
    if problems:
        raise InvalidWorkbook(str(path), problems)
    return len(offers)


def record_lot(path: str | Path, order: dict[str, int]) -> None:
    """Write a recorded lot order (offer id -> order drawn) into the Loting column."""
    path = Path(path)
    files.ensure_not_open(path)
    matrix = workbook.open_workbook(path)
    workbook.write_lots(matrix, order)
    workbook.save(matrix)


@dataclass
class LettersReport:
    """What `letters` made: the letters, their folder, the manifest, and the PDFs where asked for."""

    folder: Path
    letters: list[letter_writer.Letter]
    manifest: Path
    pdfs: list[Path]
    warnings: list[str] = field(default_factory=list)


def make_letters(path: str | Path, folder: str | Path, pdf: bool = False, sent: date | None = None,
                 lot: letter_writer.LotDrawing | None = None, now: datetime | None = None) -> LettersReport:
    """One letter per offer for the current stage (or only the lot invitations), a manifest, a log in Brieven."""
    path, folder = Path(path), Path(folder)
    files.ensure_not_open(path)
    matrix = workbook.open_workbook(path)
    matrix.require_sheet(workbook.SHEET_LETTERS)
    offers, problems = workbook.check(matrix)
    if problems:
        raise InvalidWorkbook(str(path), problems)
    results = rules.evaluate(matrix.tender, offers)
    if not rules.is_final(results):
        rows = workbook.read_findings(matrix).rows
        raise NotAssessed([(r.offer.id, code, matrix.assessment.cell("stand", rows[(r.offer.id, code)]))
                           for r in rules.ranking_order(results) for code in r.open])
    ties = rules.unresolved_ties(results)
    if ties and lot is None:
        rows = workbook.row_of(matrix)
        raise UnresolvedTie([[(r.offer.id, r.offer.candidate, r.offer.supplier) for r in group] for group in ties],
                            [matrix.layout.cell("loting", rows[r.offer.id]) for group in ties for r in group])
    if lot is not None and not ties:
        raise NoTie()
    steps = None
    if lot is None:
        recorded = workbook.read_steps34(matrix)
        if recorded.problems:
            raise InvalidWorkbook(str(path), recorded.problems)
        stage = award.evaluate(matrix.tender, results, recorded.selections, recorded.interviews, recorded.decisions)
        without_reason = [d.offer_id for d in recorded.decisions if not d.motivation.strip()]
        if stage.awarded and (stage.problems or without_reason):
            last = len(workbook.award_titles(matrix.tender))
            raise InvalidWorkbook(str(path), [Problem("Gunning", p) for p in stage.problems] + [
                Problem(f"{workbook.SHEET_AWARD}!{get_column_letter(last)}{recorded.award_rows[i]}",
                        f"de motivering voor de gunning aan {i} is leeg") for i in without_reason])
        steps = letter_writer.Steps(stage, {s.offer_id: s for s in recorded.selections},
                                    {d.offer_id: d for d in recorded.decisions})
    sent = sent or date.today()
    made = letter_writer.write_letters(matrix.tender, results, folder, sent, lot, steps=steps)
    pdfs = soffice.convert([folder / m.file for m in made], folder, "pdf") if pdf and made else []
    manifest = folder / "manifest.json"
    entries = [{"id": m.offer_id, "candidate": m.candidate, "supplier": m.supplier, "contact": m.contact,
                "email": m.email,
                "kind": m.kind, "file": m.file, "pdf": f"{Path(m.file).stem}.pdf" if pdf else None,
                "reference": m.reference, "sha256": m.sha256, "date": sent.isoformat()} for m in made]
    manifest.write_text(json.dumps({"tender": matrix.tender.number, "letters": entries}, indent=2,
                                   ensure_ascii=False), encoding="utf-8")
    stamp = (now or datetime.now()).replace(microsecond=0)
    workbook.append_log(matrix, workbook.SHEET_LETTERS, workbook.LETTER_TITLES,
                        [[stamp.strftime("%d-%m-%Y %H:%M"), sent.strftime("%d-%m-%Y"), m.offer_id, m.candidate,
                          m.supplier, m.email, m.kind, str(folder / m.file), m.reference, m.sha256] for m in made])
    workbook.save(matrix)
    warnings = []
    start = matrix.tender.facts.get("start")
    end = rules.standstill_end(sent, matrix.tender.standstill_days, matrix.tender.standstill_working_day)
    if start and any(m.kind in letter_writer.AWARD_KINDS for m in made) and end >= start:
        warnings.append(f"de opschortende termijn eindigt op {dutch.weekday_date(end)}, niet vóór de geplande start "
                        f"van de opdracht ({dutch.weekday_date(start)}); stem de startdatum af met de opdrachtgever")
    return LettersReport(folder, made, manifest, pdfs, warnings)


def mail_dry_run(path: str | Path, letters_dir: str | Path, out_dir: str | Path) -> list[Path]:
    """Write one .eml per letter in the manifest; nothing is sent."""
    matrix = workbook.open_workbook(Path(path))
    folder = Path(letters_dir)
    return mailer.write_eml(mailer.compose(matrix.tender, mailer.load_manifest(folder), folder), Path(out_dir))


def mail_send(path: str | Path, letters_dir: str | Path, server: mailer.Server,
              now: datetime | None = None) -> mailer.SendReport:
    """Send the letters not sent before (per kenmerk and recipient) and log each sent one in Verzonden."""
    path, folder = Path(path), Path(letters_dir)
    files.ensure_not_open(path)  # the log must be writable before anything goes out
    matrix = workbook.open_workbook(path)
    logged = workbook.log_rows(matrix, workbook.SHEET_SENT)
    already = {(row.get("Kenmerk") or "", str(row.get("Aan") or "").lower()) for row in logged}
    journal = mailer.journal_entries(folder)
    already |= {(e["reference"], e["to"].lower()) for e in journal}
    outgoing = mailer.compose(matrix.tender, mailer.load_manifest(folder), folder)
    try:
        report = mailer.send(outgoing, server, already, folder)
    finally:
        # everything the journal knows and the workbook not yet: into Verzonden, also after a failure
        in_book = {(row.get("Kenmerk") or "", str(row.get("Aan") or "").lower()) for row in logged}
        new = [e for e in mailer.journal_entries(folder) if (e["reference"], e["to"].lower()) not in in_book]
        if new:
            workbook.append_log(matrix, workbook.SHEET_SENT, workbook.SENT_TITLES, [
                [e["sent_at"], e["id"], e["candidate"], e["supplier"], e["to"], e["kind"], e["file"], e["sha256"],
                 e["message_id"], e["reference"]] for e in new])
            workbook.save(matrix)
    return report


@dataclass
class DemoReport:
    """Where the example went and what each step gave."""

    folder: Path
    workbook: Path
    imported: workbook.ImportReport
    provisional: RankReport
    assessed: RecordReport
    before_lot: RankReport
    after_lot: RankReport
    lot_letters: LettersReport
    letters: LettersReport
    emails: list[Path]
    steps: list[tuple[str, RecordReport, LettersReport | None]] = field(default_factory=list)
    award_letters: LettersReport | None = None
    award_emails: list[Path] = field(default_factory=list)


def demo(folder: str | Path | None = None) -> DemoReport:
    """The main job on the built-in example: build the 30662 workbook, import the sample offers, rank."""
    for needed in (EXAMPLE_SPEC, EXAMPLE_OFFERS, EXAMPLE_FINDINGS):
        if not needed.is_file():
            raise FileMissing(needed)
    folder = Path(folder) if folder else Path(tempfile.mkdtemp(prefix="inhuur-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "aanvraag-30662.xlsx"
    new(EXAMPLE_SPEC, target, force=True)
    imported = import_offers(target, EXAMPLE_OFFERS)
    provisional = rank(target)
    assessed = record_findings(target, EXAMPLE_FINDINGS)
    before = assessed.rank
    pdf = soffice.find_soffice() is not None
    lot_letters = make_letters(target, folder / "brieven-loting", pdf=pdf, sent=EXAMPLE_LOT_LETTERS_DATE,
                               lot=EXAMPLE_LOT_DRAWING)
    record_lot(target, EXAMPLE_LOT)
    after = rank(target)
    made = make_letters(target, folder / "brieven", pdf=pdf, sent=EXAMPLE_LETTERS_DATE)
    emails = mail_dry_run(target, made.folder, folder / "e-mails")
    report = DemoReport(folder, target, imported, provisional, assessed, before, after, lot_letters, made, emails)
    for n, ((what, step, name), sent) in enumerate(zip(EXAMPLE_STEPS, EXAMPLE_STEP_LETTER_DATES), start=1):
        recorded = record(target, step, PACKAGE_ROOT / "workbook" / name)
        letters_made = make_letters(target, folder / f"brieven-stap3-ronde{(n + 1) // 2}", pdf=pdf, sent=sent) \
            if sent else None
        report.steps.append((what, recorded, letters_made))
    record_awards(target, EXAMPLE_AWARDS)
    report.award_letters = make_letters(target, folder / "brieven-gunning", pdf=pdf, sent=EXAMPLE_AWARD_DATE)
    report.award_emails = mail_dry_run(target, report.award_letters.folder, folder / "e-mails-gunning")
    rank(target)
    return report
