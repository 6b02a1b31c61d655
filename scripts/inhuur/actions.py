"""The steps behind the workbook commands (new, import, rank, record, check, demo), for the CLI to print.

Every command that writes holds the workbook's writer lock from reading to saving, and saves once at the
end: a command that fails has written nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING

from inhuur import award, dutch, files, rules, workbook
from inhuur.guard import all_problems, editing, reopened, require_final, step3_conflicts
from inhuur.errors import FileMissing, InvalidLotRecord, InvalidRecordFile, InvalidWorkbook, LotAlreadyDrawn, LotNotATie, \
    NewMacroWorkbook, NewNotXlsx, OutputExists, Problem, WithdrawalRefused
from inhuur.rules import Result
from inhuur.spec import Tender, load_spec

if TYPE_CHECKING:  # the letters' modules load docxtpl and Jinja: only the commands that write letters do
    from inhuur.dispatch import LettersReport
    from inhuur.record import FindingsFile

PACKAGE_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_SPEC = PACKAGE_ROOT / "workbook" / "aanvraag-30662.toml"
EXAMPLE_OFFERS = PACKAGE_ROOT / "workbook" / "voorbeeld-inschrijvingen-30662.csv"
EXAMPLE_FINDINGS = PACKAGE_ROOT / "workbook" / "voorbeeld-beoordeling-30662.csv"
# The example's recorded lot drawing: (offer id, order drawn); see README "Loting".
EXAMPLE_LOT = {"I-006": 1, "I-005": 2}
EXAMPLE_LOT_DRAWING = rules.LotDrawing(datetime(2026, 7, 1, 10, 0), "Flextender, Hilversum",
                                       "mr. J. Smit, notaris")  # 2 working days after the invitation
EXAMPLE_LOT_RECORD = rules.LotRecord(EXAMPLE_LOT_DRAWING.moment, EXAMPLE_LOT_DRAWING.place,
                                     EXAMPLE_LOT_DRAWING.drawn_by, "A. Jansen (Flextender)", ())
EXAMPLE_LOT_LETTERS_DATE = date(2026, 6, 29)
EXAMPLE_LETTERS_DATE = date(2026, 7, 1)
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


_FROM_DISPATCH = ("make_letters", "mail_dry_run", "mail_send", "record_sent")


def __getattr__(name: str):
    """The letters and mail commands (inhuur.dispatch), loaded on first use: docxtpl and Jinja cost 60 ms."""
    if name in _FROM_DISPATCH:
        from inhuur import dispatch

        return getattr(dispatch, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def new(spec: str | Path, target: str | Path, force: bool = False) -> Tender:
    """Build the workbook for the tender in SPEC; refuse to overwrite an existing file unless forced.

    With force the existing workbook is kept as NAME.vorige.xlsx. An .xlsm is refused: `inhuur excel` makes one; so
    is any other name whose file (through links) does not end in .xlsx exactly, or has nothing before it.
    """
    target = Path(target)
    real = files.real_path(target)
    for named in (target, real):
        if named.name.lower().endswith(".xlsm"):
            raise NewMacroWorkbook(named)
    if not real.name.lower().endswith(".xlsx") or not real.name[:-5].strip():  # '.xlsx' alone names no workbook
        raise NewNotXlsx(target, real)
    tender = load_spec(spec)
    with files.writing(target, "new"):
        if target.exists() and not force:
            raise OutputExists(target)
        files.ensure_not_open(target)
        workbook.new_workbook(tender, target, keep_backup=True)
    return tender


def import_offers(path: str | Path, source: str | Path | IO[bytes]) -> workbook.ImportReport:
    """Validate the whole offers file, then add the new offers; a refused file leaves the workbook as it was."""
    with editing(path, "import") as matrix:
        from inhuur.intake import read_offers

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
    conflicts: list[Problem] = field(default_factory=list)

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
    typed-over formula), the steps 3–4 sheets follow the shortlist, and Ranglijst is rewritten.
    """
    with editing(path, "rank") as matrix:
        report = rank_matrix(matrix, now)
        workbook.save(matrix)
    return report


def rank_matrix(matrix: workbook.Matrix, now: datetime | None = None) -> RankReport:
    """`rank` on an opened matrix, without saving it."""
    offers = workbook.require_valid_inputs(matrix)
    results = rules.evaluate(matrix.tender, offers)
    stage, step3, conflicts = _steps34(matrix, results)
    disagreements = workbook.cached_disagreements(matrix, results)
    restored = [Problem(f"{sheet}!{ref}", f"was overschreven met {actual!r}; formule teruggezet")
                for sheet, ref, actual in workbook.formula_problems(matrix)]
    latest = {offer_id: o.status for offer_id, o in stage.outcomes.items()}
    interviews = {offer_id: o.interview for offer_id, o in stage.outcomes.items() if o.interview is not None}
    workbook.write_results(matrix, results, {i: dutch.STATUS_LABELS[s] for i, s in latest.items()}, interviews)
    workbook.write_ranking(matrix, results, now or datetime.now().replace(microsecond=0), latest)
    rows = workbook.row_of(matrix)
    ties = rules.unresolved_ties(results)
    lot_cells = {r.offer.id: matrix.layout.cell("loting", rows[r.offer.id]) for group in ties for r in group}
    return RankReport(matrix.tender, results, disagreements, restored, ties, lot_cells, stage, step3,
                      rules.work_list(matrix.tender, results), conflicts)


def _steps34(matrix: workbook.Matrix, results: list[Result]
             ) -> tuple[award.Stage, dict[str, dict], list[Problem]]:
    """Read and evaluate steps 3–4 and keep their sheets in step with the shortlist; none while a tie is open."""
    if rules.unresolved_ties(results):
        return award.Stage(), {}, []
    steps = workbook.read_steps34(matrix)
    if steps.problems:
        raise InvalidWorkbook(str(matrix.path or "werkboek"), steps.problems)
    stage = award.evaluate(matrix.tender, results, steps.selections, steps.interviews, steps.decisions)
    conflicts = step3_conflicts(steps, results)
    workbook.fill_steps34(matrix, results, steps, stage)
    decisions = {d.offer_id: d for d in steps.decisions}
    facts = {s.offer_id: {"decision": s.decision, "waiting_order": s.waiting_order,
                          "slot": s.slot.isoformat(sep=" ") if s.slot else None,
                          "similar_assignments": s.similar_assignments, "similar_organisations": s.similar_organisations,
                          "award": s.offer_id in decisions,
                          "award_motivation": decisions[s.offer_id].motivation if s.offer_id in decisions else None}
             for s in steps.selections}
    return stage, facts, conflicts


@dataclass
class RecordReport:
    """What `record` wrote, and the ranking after it."""

    step: int
    recorded: int
    rank: RankReport


def record(path: str | Path, step: int, source: str | Path | IO[bytes]) -> RecordReport:
    """Record the client's step-3 decisions (step 3) or interview scores (step 4), then rank again; one save."""
    from inhuur import record as record_files

    with editing(path, f"record --step {step}") as matrix:
        offers = workbook.require_valid_inputs(matrix)
        results = rules.evaluate(matrix.tender, offers)
        steps = workbook.read_steps34(matrix)
        shortlisted = {r.offer.id: r.offer.candidate for r in results if r.status == rules.SHORTLISTED}
        if step == 3:
            allowed = [record_files.Candidate(i, shortlisted[i]) for i in steps.step3_rows if i in shortlisted]
            selections = record_files.read_step3(source, allowed)
            workbook.record_step3(matrix, steps, selections)
            count = len(selections)
        else:
            invited = [s.offer_id for s in steps.selections if s.decision == award.INVITE]
            allowed = [record_files.Candidate(i, shortlisted[i]) for i in invited if i in shortlisted]
            interviews = record_files.read_step4(source, allowed, matrix.tender)
            workbook.record_step4(matrix, steps, interviews)
            count = len(interviews)
        fresh = reopened(matrix)
        report = rank_matrix(fresh)
        workbook.save(fresh)
    return RecordReport(step, count, report)


def record_findings(path: str | Path, source: str | Path | IO[bytes]) -> RecordReport:
    """Record assessors' (or the client's) findings from a file on Beoordeling, all or nothing; then rank again."""
    from inhuur import record as record_files

    with editing(path, "record --beoordeling") as matrix:
        offers = workbook.require_valid_inputs(matrix)
        rows = workbook.read_findings(matrix).rows
        allowed = [record_files.Candidate(o.id, o.candidate) for o in offers]
        current = {(o.id, code): j for o in offers for code, j in o.judgments.items()}
        found = record_files.read_findings(source, allowed, matrix.tender, current)
        workbook.write_findings(matrix, found.findings, rows)
        fresh = reopened(matrix)
        _refuse_what_check_would(fresh, found)
        report = rank_matrix(fresh)
        workbook.save(fresh)
    return RecordReport(0, len(found.findings), report)


def _refuse_what_check_would(fresh: workbook.Matrix, found: FindingsFile) -> None:
    """Refuse a findings file after which `check` would find a problem the workbook did not have before (the
    assessor's and the client's rows together, a shortlist changed after step 3 began), naming the file's rows."""
    _, after, _ = all_problems(fresh)
    if not after:
        return
    _, before, _ = all_problems(workbook.open_workbook(fresh.path))  # problems it had are not this file's doing
    known = {str(p) for p in before}
    problems = []
    for p in after:
        if str(p) in known:
            continue
        judgment = workbook.judgment_at(fresh, p.where)
        numbers = found.rows.get(judgment, []) if judgment else []
        listed = ", ".join(map(str, numbers[:-1])) + " en " if len(numbers) > 1 else ""
        where = f"rij {listed}{numbers[-1]}" if numbers else ""
        problems.append(Problem(where, f"na dit bestand zou inhuur check het werkboek weigeren: {p}"))
    if problems:
        raise InvalidRecordFile(found.name, problems)


def withdraw(path: str | Path, offer_id: str, day: date, reason: str, today: date | None = None) -> RankReport:
    """Record that a candidate withdrew (who, when, why) on Kandidaten, then rank again; one save.

    The offer stays on every sheet, marked Ingetrokken, and leaves the comparison: the next candidate moves up.
    Refused (nothing written) for an unknown id, an offer already withdrawn, a reason that is no visible line a cell
    can hold, or a day after today or before the closing of the tender.
    """
    with editing(path, "intrekken") as matrix:
        offers = {o.id: o for o in workbook.require_valid_inputs(matrix)}
        offer = offers.get(offer_id.strip())
        if offer is None:
            known = sorted(offers, key=rules.id_key)
            listed = f"{known[0]} … {known[-1]}" if known else "nog geen inschrijvingen"
            raise WithdrawalRefused(path, f"'{offer_id}' staat niet op Kandidaten (ID's: {listed}); noem de ID uit "
                                          f"kolom A met --id")
        cell = matrix.layout.cell("ingetrokken", workbook.row_of(matrix)[offer.id])
        if offer.withdrawn is not None:
            raise WithdrawalRefused(path, f"{offer.id} ({offer.candidate}) is al ingetrokken op "
                                          f"{offer.withdrawn:%d-%m-%Y} ({cell}); een vastgelegde intrekking wordt niet "
                                          f"overschreven")
        reason = _withdrawal_reason(path, reason)
        _require_withdrawal_day(path, matrix.tender, day, today or date.today())
        workbook.write_withdrawal(matrix, offer.id, day, reason)
        fresh = reopened(matrix)
        report = rank_matrix(fresh)
        workbook.save(fresh)
    return report


def _withdrawal_reason(path: str | Path, reason: str) -> str:
    """The --reden of a withdrawal as `loting` takes its texts (one visible line a cell can hold), or refused."""
    from inhuur.intake import parse_line

    try:
        return parse_line(reason)
    except ValueError as exc:
        raise WithdrawalRefused(path, f"--reden {exc}. Noem waarom de kandidaat zich terugtrekt, bijv. 'niet meer "
                                      f"beschikbaar'") from None


def _require_withdrawal_day(path: str | Path, tender: Tender, day: date, today: date) -> None:
    """Refuse a withdrawal dated after today or before the tender closed: an offer is withdrawn once it exists."""
    if day > today:
        raise WithdrawalRefused(path, f"--datum {day:%d-%m-%Y} ligt in de toekomst (vandaag: {today:%d-%m-%Y}); "
                                      f"leg een intrekking vast nadat de kandidaat zich heeft teruggetrokken")
    if day < tender.deadline.date():
        raise WithdrawalRefused(path, f"--datum {day:%d-%m-%Y} ligt vóór de sluiting van de inschrijving "
                                      f"({dutch.stamp(tender.deadline)}); klopt het jaar?")


def record_awards(path: str | Path, motivations: dict[str, str]) -> None:
    """Write the client's award decisions (offer id -> motivation) on the Gunning sheet."""
    with editing(path, "gunning") as matrix:
        workbook.record_awards(matrix, workbook.read_steps34(matrix), motivations)
        workbook.save(matrix)


def record_lot(path: str | Path, order: dict[str, int], record: rules.LotRecord | None = None,
               now: datetime | None = None) -> None:
    """Write a lot's order (offer id -> order drawn) into the Loting column, and its proces-verbaal on the Loting
    sheet; refused unless the ranking is final, the ids are exactly the offers of one tie that needs the lot, that
    tie has no lot yet, and the proces-verbaal can be true (a moment after the deadline and the notice, not in the
    future) and stored (place and name given, no control characters, no text longer than a cell)."""
    with editing(path, "loting") as matrix:
        if record is not None:
            record, problems = _checked_lot_record(matrix, record, list(order), now or datetime.now())
            if problems:
                raise InvalidLotRecord(str(path), problems)
        offers, _, _ = all_problems(matrix)  # a missing motivation elsewhere does not change who is tied; check names it
        results = rules.evaluate(matrix.tender, [replace(o, lot=None) for o in offers])  # the tie as before any lot
        require_final(matrix, results, "loting")
        groups = [{r.offer.id for r in group} for group in rules.unresolved_ties(results)]
        if set(order) not in groups or sorted(order.values()) != list(range(1, len(order) + 1)):
            raise LotNotATie(sorted(order, key=order.get), [sorted(g, key=rules.id_key) for g in groups])
        _require_no_lot_yet(matrix, order, {o.id: o.lot for o in offers})
        if record is not None:
            record = replace(record, order=tuple(sorted(order, key=order.get)))
            matrix.require_sheet(workbook.SHEET_LOTS)
        workbook.write_lots(matrix, order, record, {o.id: o for o in offers})
        workbook.save(matrix)


def _checked_lot_record(matrix: workbook.Matrix, record: rules.LotRecord, ids: list[str],
                        now: datetime) -> tuple[rules.LotRecord, list[Problem]]:
    """The proces-verbaal with its texts stripped, and what makes it impossible or unstorable, by option: a draw is
    recorded after it happened, after the deadline, and no earlier than the notice its invitations gave."""
    from inhuur.intake import parse_line
    from inhuur.letters import LOT

    problems = []
    texts = {}
    for option, field_name, required in (("--plaats", "place", True), ("--door", "drawn_by", True),
                                         ("--getuigen", "witnesses", False)):
        text = getattr(record, field_name)
        if required or text.strip():
            try:
                texts[field_name] = parse_line(text)
            except ValueError as exc:
                problems.append(Problem(option, str(exc)))
        else:
            texts[field_name] = ""
    record = replace(record, **texts)
    tender, moment = matrix.tender, record.moment
    invited = []
    for row in workbook.log_rows(matrix, workbook.SHEET_LETTERS):
        if row.get("Soort") == LOT and row.get("ID") in ids:
            try:
                invited.append(datetime.strptime(str(row.get("Datum brief")), "%d-%m-%Y").date())
            except ValueError:
                continue  # a date typed over by hand: check and the letters' log name it, not the lot
    earliest = rules.working_day_after(max(invited), tender.lot.notice_days) if invited else None
    if moment > now:
        problems.append(Problem("--moment", f"{dutch.stamp(moment)} ligt in de toekomst (nu: {dutch.stamp(now)}); "
                                            f"leg een loting vast nadat zij gehouden is"))
    elif moment <= tender.deadline:
        problems.append(Problem("--moment", f"{dutch.stamp(moment)} ligt niet na de sluiting van de inschrijving "
                                            f"({dutch.stamp(tender.deadline)}); een loting volgt op de ranglijst. "
                                            f"Klopt het jaar?"))
    elif earliest is not None and moment.date() < earliest:
        problems.append(Problem("--moment", f"{dutch.stamp(moment)} ligt vóór {dutch.weekday_date(earliest)}: de "
                                            f"uitnodigingen voor de loting zijn gedateerd {dutch.day(max(invited))} en "
                                            f"de aanvraag vraagt {tender.lot.notice_days} werkdagen aankondiging "
                                            f"(loting.aankondiging_werkdagen)"))
    return record, problems


def _require_no_lot_yet(matrix: workbook.Matrix, order: dict[str, int], lots: dict[str, int | None]) -> None:
    """Refuse a second draw for the same tie: one with a proces-verbaal for exactly these offers, or a whole order
    typed on Kandidaten that differs (the same order typed by hand may be recorded with its proces-verbaal). A new
    tie that takes in another offer is a new draw."""
    ids = sorted(order, key=rules.id_key)
    recorded, _ = workbook.read_lot_rows(matrix)
    drawn = sorted({(n, record.moment) for n, record in recorded.values() if set(record.order) == set(ids)})
    if drawn:
        row, moment = drawn[-1]
        raise LotAlreadyDrawn(ids, moment, [f"{workbook.SHEET_LOTS}!A{row}"])
    if all(lots.get(i) is not None for i in ids) and any(lots[i] != order[i] for i in ids):
        rows = workbook.row_of(matrix)
        raise LotAlreadyDrawn(ids, None, [matrix.layout.cell("loting", rows[i]) for i in ids])


@dataclass
class CheckReport:
    """What `check` found in a valid workbook: the number of offers, and warnings naming their cells."""

    offers: int
    warnings: list[Problem] = field(default_factory=list)


def check_report(path: str | Path) -> CheckReport:
    """Validate the workbook, or raise InvalidWorkbook naming each bad cell; warnings (a lot that decides nothing)
    do not refuse it."""
    matrix = workbook.open_workbook(Path(path))
    offers, problems, results = all_problems(matrix)
    if problems:
        raise InvalidWorkbook(str(path), problems)
    return CheckReport(len(offers), workbook.idle_lots(matrix, results))


def check(path: str | Path) -> int:
    """Validate the workbook; return the number of offers, or raise InvalidWorkbook naming each bad cell."""
    return check_report(path).offers


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
    import tempfile

    from inhuur import soffice
    from inhuur.dispatch import make_letters, mail_dry_run

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
    record_lot(target, EXAMPLE_LOT, EXAMPLE_LOT_RECORD)
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
