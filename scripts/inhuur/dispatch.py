"""The letters, mail and verzonden commands: make the letters of the current step, check them against the workbook,
send them, or record that they were sent another way.

A letters folder is complete only when its manifest.json exists: `letters` removes the old one first and
writes the new one last, atomically. `mail` sends only letters whose files are byte for byte what
`letters` made and that are still what the workbook calls for.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Sequence

from inhuur import award, dutch, files, letters as letter_writer, mail as mailer, rules, soffice, workbook
from inhuur.errors import BackdatedLetters, DamagedJournal, InvalidWorkbook, JournalIsLink, LettersDoNotMatch, \
    LettersNotLogged, LotNoticeTooShort, NoTie, Problem, SendingNotRecorded, UnresolvedTie, WorkbookLocked
from inhuur.guard import all_problems, editing, require_final
from inhuur.intake import parse_email, parse_line
from inhuur.rules import Result
from inhuur.xlsx import get_column_letter

MANIFEST = "manifest.json"


@dataclass
class LettersReport:
    """What `letters` made: the letters, their folder, the manifest, and the PDFs where asked for."""

    folder: Path
    letters: list[letter_writer.Letter]
    manifest: Path
    pdfs: list[Path]
    warnings: list[str] = field(default_factory=list)


def _letter_inputs(matrix: workbook.Matrix, lot: bool) -> tuple[list[Result], letter_writer.Steps | None]:
    """The results and steps 3–4 the letters are made from; refused while the workbook is not ready for letters."""
    path = str(matrix.path or "werkboek")
    _, problems, results = all_problems(matrix)
    if problems:
        raise InvalidWorkbook(path, problems)
    require_final(matrix, results, "letters")
    ties = rules.unresolved_ties(results)
    if ties and not lot:
        rows = workbook.row_of(matrix)
        raise UnresolvedTie([[(r.offer.id, r.offer.candidate, r.offer.supplier) for r in group] for group in ties],
                            [matrix.layout.cell("loting", rows[r.offer.id]) for group in ties for r in group])
    if lot and not ties:
        raise NoTie()
    if lot:
        return results, None
    recorded = workbook.read_steps34(matrix)
    stage = award.evaluate(matrix.tender, results, recorded.selections, recorded.interviews, recorded.decisions)
    without_reason = [d.offer_id for d in recorded.decisions if not d.motivation.strip()]
    if stage.awarded and (stage.problems or without_reason):
        last = len(workbook.award_titles(matrix.tender))
        raise InvalidWorkbook(path, [Problem("Gunning", p) for p in stage.problems] + [
            Problem(f"{workbook.SHEET_AWARD}!{get_column_letter(last)}{recorded.award_rows[i]}",
                    f"de motivering voor de gunning aan {i} is leeg") for i in without_reason])
    return results, letter_writer.Steps(stage, {s.offer_id: s for s in recorded.selections},
                                        {d.offer_id: d for d in recorded.decisions})


def _require_notice(tender, lot: letter_writer.LotDrawing, sent: date) -> None:
    """Refuse a lot drawing announced with fewer working days' notice than the tender's rule."""
    earliest = rules.working_day_after(sent, tender.lot.notice_days)
    if lot.moment.date() < earliest:
        raise LotNoticeTooShort(lot.moment, sent, tender.lot.notice_days, earliest)


def _history(matrix: workbook.Matrix) -> letter_writer.History:
    """The proces-verbaal of the lot drawings (Loting), every letter made before (from _logboek, so a deleted Brieven
    row never frees its kenmerk), and per offer the latest step 0–2 rejection that was sent.

    A rejection is told when Verzonden records it as sent (by `mail --send`, or `inhuur verzonden`), on the later
    of its letter's date and the day it went out; one made but never sent told the supplier nothing.
    """
    records, problems = workbook.read_lot_records(matrix)
    if problems:
        raise InvalidWorkbook(str(matrix.path or "werkboek"), problems)
    earlier: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for row in workbook.letters_made(matrix):
        earlier.setdefault((str(row.get("ID") or ""), str(row.get("Soort") or "")), []).append(
            (str(row.get("Kenmerk") or ""), str(row.get("Inhoud") or "")))
    rejection_kinds = {letter_writer.KIND_OF_STATUS[s] for s in letter_writer.REJECTED_EARLY}
    delivered = workbook.read_sendings(matrix).delivered
    rejected: dict[str, tuple[date, str]] = {}
    for row in workbook.log_rows(matrix, workbook.SHEET_LETTERS):
        reference = str(row.get("Kenmerk") or "")
        sent = delivered.get((reference, str(row.get("E-mail") or "").lower()))
        dated = workbook.day_of(matrix, row.get("Datum brief"))
        if row.get("Soort") not in rejection_kinds or sent is None or dated is None:
            continue  # not sent, or a date typed over by hand: the offer counts as not yet told, so it is told again
        told, offer_id = max(dated, sent), str(row.get("ID"))
        if offer_id not in rejected or told >= rejected[offer_id][0]:
            rejected[offer_id] = (told, reference)
    return letter_writer.History(records, rejected, earlier, frozenset(reference for reference, _ in delivered))


def make_letters(path: str | Path, folder: str | Path, pdf: bool = False, sent: date | None = None,
                 lot: letter_writer.LotDrawing | None = None, now: datetime | None = None) -> LettersReport:
    """One letter per offer for the current stage (or only the lot invitations), a manifest, a log in Brieven."""
    path, folder = Path(path), Path(folder)
    sent = sent or date.today()
    with editing(path, "letters") as matrix:
        matrix.require_sheet(workbook.SHEET_LETTERS)
        results, steps = _letter_inputs(matrix, lot is not None)
        if lot is not None:
            _require_notice(matrix.tender, lot, sent)
        history = _history(matrix)
        manifest = folder / MANIFEST
        with contextlib.suppress(FileNotFoundError):
            manifest.unlink()  # from here until the new manifest is written, the folder is visibly incomplete
        made = letter_writer.write_letters(matrix.tender, results, folder, sent, lot, steps=steps, history=history)
        pdfs = soffice.convert([folder / m.file for m in made], folder, "pdf") if pdf and made else []
        pdf_digests = {m.file: hashlib.sha256((folder / pdf_name(m.file)).read_bytes()).hexdigest() for m in made
                       if pdf}
        stamp = (now or datetime.now()).replace(microsecond=0)
        workbook.append_log(matrix, workbook.SHEET_LETTERS, workbook.LETTER_TITLES,
                            [[stamp.strftime("%d-%m-%Y %H:%M"), sent.strftime("%d-%m-%Y"), m.offer_id, m.candidate,
                              m.supplier, m.email, m.kind, str(folder.absolute() / m.file), m.reference, m.sha256, m.content,
                              m.replaces or None, pdf_digests.get(m.file)] for m in made])
        try:
            workbook.save(matrix)
        except WorkbookLocked as exc:
            raise LettersNotLogged(folder, exc.path, exc.lockfile)
    entries = []
    for m in made:
        entries.append(_entry(m.offer_id, m.candidate, m.supplier, m.contact, m.salutation, m.email, m.kind, m.file,
                              pdf_digests.get(m.file), m.reference, m.replaces, m.sha256, m.content, sent))
    drawing = None if lot is None else {"moment": lot.moment.isoformat(), "place": lot.place, "drawn_by": lot.drawn_by}
    files.write_own_file(manifest, json.dumps({"tender": matrix.tender.number, "workbook": path.name,
                                               "date": sent.isoformat(), "lot": drawing, "letters": entries},
                                              indent=2, ensure_ascii=False).encode("utf-8"))
    warnings = []
    written = {m.offer_id for m in made}
    undocumented = [r.offer.id for r in results if r.lot_decides and r.offer.id not in history.lots
                    and r.offer.id in written]
    warnings += [str(p) for p in workbook.idle_lots(matrix, results)]
    if undocumented:
        warnings.append(f"het proces-verbaal van de loting ontbreekt op het blad {workbook.SHEET_LOTS} "
                        f"({', '.join(undocumented)}): de brieven noemen daarom niet wanneer, waar en door wie het lot "
                        f"werd getrokken. Leg het vast met inhuur loting en maak de brieven opnieuw")
    today = (now or datetime.now()).date()
    if sent != today:
        warnings.append(f"de brieven zijn gedateerd {dutch.day(sent)}, niet vandaag ({dutch.day(today)}); de "
                        f"opschortende termijn loopt vanaf de dag na verzending, dus verstuur ze op "
                        f"{dutch.day(sent)}" + ("" if sent > today else "; inhuur mail --send weigert ze"))
    start = matrix.tender.facts.get("start")
    end = rules.standstill_end(sent, matrix.tender.standstill_days, matrix.tender.standstill_working_day)
    if start and any(m.kind in letter_writer.AWARD_KINDS for m in made) and end >= start:
        warnings.append(f"de opschortende termijn eindigt op {dutch.weekday_date(end)}, niet vóór de geplande start "
                        f"van de opdracht ({dutch.weekday_date(start)}); stem de startdatum af met de opdrachtgever")
    return LettersReport(folder, made, manifest, pdfs, warnings)


def pdf_name(docx: str) -> str:
    """The name of a letter's PDF, made beside its .docx."""
    return f"{Path(docx).stem}.pdf"


def _entry(offer_id: str, candidate: str, supplier: str, contact: str, salutation: str, email: str, kind: str,
           file: str, pdf_sha256: str | None, reference: str, replaces: str, sha256: str, content: str,
           sent: date) -> dict:
    """One letter as the manifest lists it and as mail sends it."""
    return {"id": offer_id, "candidate": candidate, "supplier": supplier, "contact": contact,
            "salutation": salutation, "email": email, "kind": kind, "file": file,
            "pdf": pdf_name(file) if pdf_sha256 else None, "pdf_sha256": pdf_sha256 or None,
            "reference": reference, "replaces": replaces or None, "sha256": sha256, "content": content,
            "date": sent.isoformat()}


def verified_letters(matrix: workbook.Matrix, folder: Path) -> list[dict]:
    """The letters to mail, taken from the workbook: recipient, candidate, supplier from Kandidaten; kind, file,
    kenmerk and SHA-256 from the Brieven log that `letters` wrote. The folder's manifest.json only says which
    letters are there: anything in it, or in the folder, that disagrees with the workbook refuses the whole run.

    The workbook is evaluated again for the manifest's date (and lot drawing): every letter it calls for must be
    in the manifest, as the latest letter Brieven logged for that offer and kind, with the same content; no other.
    """
    manifest = mailer.load_manifest(folder)
    entries = manifest["letters"]
    lot = manifest.get("lot")
    drawing = None if not lot else letter_writer.LotDrawing(datetime.fromisoformat(lot["moment"]), lot["place"],
                                                            lot["drawn_by"])
    sent = date.fromisoformat(manifest.get("date") or entries[0]["date"]) if entries else date.today()
    results, steps = _letter_inputs(matrix, drawing is not None)
    now = {(r.offer.id, kind): (r, content) for r, kind, _, content in
           letter_writer.planned_contents(matrix.tender, results, sent, drawing, steps, _history(matrix))}
    logged: dict[tuple[str, str], list[workbook.LoggedLetter]] = {}
    for row in workbook.letter_log(matrix):
        logged.setdefault((row.offer_id, row.kind), []).append(row)
    listed: dict[tuple[str, str], dict] = {}
    status = {r.offer.id: dutch.STATUS_LABELS[r.status] for r in results}
    problems, cells, trusted = [], [], []
    for entry in entries:
        key = (entry["id"], entry["kind"])
        if key in listed:
            problems.append(f"{entry['file']}: de brief '{dutch.KIND_WORDS[entry['kind']]}' voor {entry['id']} staat "
                            f"meer dan eens in manifest.json")
            continue
        listed[key] = entry
        if key not in now:
            current = [k for (i, k) in now if i == entry["id"]]
            problems.append(f"{entry['file']}: het werkboek vraagt nu geen brief '{dutch.KIND_WORDS[entry['kind']]}' "
                            f"voor {entry['id']} meer (nu: {', '.join(dutch.KIND_WORDS[k] for k in current) or status.get(entry['id'], 'geen brief')})")
    rows = workbook.row_of(matrix)
    for key, (result, content) in now.items():
        if key not in listed:
            problems.append(f"{key[0]}: het werkboek vraagt een brief '{dutch.KIND_WORDS[key[1]]}' die niet in de map "
                            f"staat")
            continue
        offer = result.offer
        email_cell = matrix.layout.cell("email", rows[offer.id])
        try:
            address = parse_email(offer.email)
        except ValueError as exc:
            cells.append(Problem(email_cell, f"'{offer.email}' {exc}"))
            continue
        found = _logged_letter(logged.get(key, []), content, folder, listed[key]["file"], problems,
                               (offer.email, email_cell))
        if found is None:
            continue
        letter = _entry(offer.id, offer.candidate, offer.supplier, offer.contact, offer.salutation, address, key[1],
                        found.file, found.pdf_sha256, found.reference, found.replaces, found.sha256, content, sent)
        name = f"{found.file} ({offer.id})"
        if found.date != sent.strftime("%d-%m-%Y"):
            problems.append(f"{name}: de brief is gedateerd {found.date} "
                            f"({workbook.letter_cell('Datum brief', found.row)}), niet {dutch.day(sent)}")
        given = listed[key]
        problems += [f"{name}: in manifest.json is '{field}' {_shown(given.get(field))}, het werkboek zegt "
                     f"{_shown(value)}" for field, value in letter.items() if (given.get(field) or None) != (value or None)]
        trusted.append(letter)
    if cells:
        raise InvalidWorkbook(str(matrix.path or "werkboek"), cells)
    if problems:
        raise LettersDoNotMatch(folder, problems)
    return trusted


def _shown(value) -> str:
    """A manifest or workbook value in a message: quoted, or (leeg)."""
    return f"'{value}'" if value else "(leeg)"


def _logged_letter(rows: list[workbook.LoggedLetter], content: str, folder: Path, listed: str,
                   problems: list[str], email: tuple[str, str]) -> workbook.LoggedLetter | None:
    """The Brieven row of the letter in the folder: the latest letter logged for its offer and kind, made for the
    address on Kandidaten now (email: the address and its cell), with the content the workbook calls for now,
    whose files (.docx and any PDF) are byte for byte what was logged. Otherwise None, the reason in problems."""
    if not rows:
        problems.append(f"{listed}: deze brief staat niet op het blad {workbook.SHEET_LETTERS}; het werkboek kent "
                        f"hem niet")
        return None
    latest = rows[-1]
    if latest.email != email[0]:  # a corrected address: the letter (its address block too) is made again for it
        problems.append(f"{listed} ({latest.offer_id}): de brief is gemaakt voor {latest.email} "
                        f"({workbook.letter_cell('E-mail', latest.row)}), maar op Kandidaten staat nu {email[0]} "
                        f"({email[1]})")
        return None
    if latest.content != content and any(r.content == content for r in rows):
        problems.append(f"{listed}: een latere brief voor {latest.offer_id} ({latest.reference}, "
                        f"{workbook.letter_cell('Kenmerk', latest.row)}) vervangt deze")
        return None
    if latest.content != content:
        problems.append(f"{listed}: de inhoud past niet meer bij het werkboek (een oordeel, score of besluit is "
                        f"gewijzigd nadat de brief werd gemaakt)")
        return None
    made = {r.sha256: r for r in rows if (r.reference, r.content) == (latest.reference, content)}  # latest wins
    docx = folder / latest.file
    digest = mailer.file_digest(docx)
    found = made.get(digest)
    if found is None:
        problems.append(mailer.file_problem(docx, digest))
        return None
    pdf = folder / pdf_name(found.file)
    digest = mailer.file_digest(pdf) if found.pdf_sha256 else ""
    if digest != found.pdf_sha256:
        problems.append(mailer.file_problem(pdf, digest))
        return None
    return found


def mail_dry_run(path: str | Path, letters_dir: str | Path, out_dir: str | Path) -> list[Path]:
    """Write one .eml per letter in the manifest, after the same checks as sending; nothing is sent."""
    matrix = workbook.open_workbook(Path(path))
    folder = Path(letters_dir)
    entries = verified_letters(matrix, folder)
    return mailer.write_eml(mailer.compose(matrix.tender, entries, folder), Path(out_dir))


def mail_send(path: str | Path, letters_dir: str | Path, server: mailer.Server, now: datetime | None = None,
              resend_uncertain: bool = False) -> mailer.SendReport:
    """Send the verified letters not sent before (per kenmerk and recipient) and log each outcome in Verzonden.

    Before the first message goes out, Verzonden gets a 'bezig' row for each letter this run will send and the
    workbook is saved: a run killed mid-send is known to the workbook, whatever folder the letters are sent from
    next. Holds the workbook's writer lock throughout, so a second `mail` waits and then finds them sent.
    """
    folder = Path(letters_dir)
    today = (now or datetime.now()).date()
    with editing(path, "mail --send") as matrix:
        entries = verified_letters(matrix, folder)
        dated = min((date.fromisoformat(e["date"]) for e in entries), default=today)
        if dated < today:
            raise BackdatedLetters(folder, dated, today)
        sendings = workbook.read_sendings(matrix)  # what went out or is onzeker, whichever folder it was sent from
        made = _made(matrix)
        folders = _letter_folders(matrix, folder)
        doubtful = _doubtful(folders, made)  # what earlier runs' journals say and Verzonden does not
        unfinished = _unfinished(sendings.busy)  # begun by a run that never wrote how it ended
        uncertain = {key: "het blad Verzonden noemt hem onzeker" for key in sendings.uncertain}
        uncertain |= {key: reason for key, (reason, _) in doubtful.items()}
        uncertain |= {key: reason for key, (reason, _) in unfinished.items()}
        outgoing = mailer.compose(matrix.tender, entries, folder)
        skip = {} if resend_uncertain else uncertain
        pending = {item.key: item for item in outgoing if item.key not in sendings.delivered and item.key not in skip}
        stamp = mailer.stamp(now)
        before = [_sent_row(made[key], entry, workbook.STATUS_UNCERTAIN, reason)
                  for key, (reason, entry) in unfinished.items() if key not in pending]
        before += [_sent_row(made[key], {"sent_at": stamp, "message_id": item.message["Message-ID"]},
                             workbook.STATUS_BUSY, f"inhuur begon de brief te versturen vanuit de map "
                                                   f"{folder.absolute()}; een latere rij zegt hoe het afliep",
                             folder.absolute()) for key, item in pending.items()]
        if before:
            workbook.append_log(matrix, workbook.SHEET_SENT, workbook.SENT_TITLES, before)
            workbook.save(matrix)  # the one save before anything goes out
        report = mailer.SendReport()
        try:
            mailer.send(outgoing, server, set(sendings.delivered), folder, skip, report)
        finally:
            # what this run journalled is trusted (it is in memory); every other journal word of a letter not on
            # Verzonden as sent makes it onzeker there: also after a failure, a crash, or an edited journal line
            _record_outcomes(matrix, made, sendings, report, _doubtful(folders, made), set(pending))
    return report


def _made(matrix: workbook.Matrix) -> dict[tuple[str, str], workbook.LoggedLetter]:
    """Every letter Brieven logged, by (kenmerk, recipient in lower case): the latest row of each."""
    return {(letter.reference, letter.email.lower()): letter for letter in workbook.letter_log(matrix)}


def _unfinished(busy: dict[tuple[str, str], Path]) -> dict[tuple[str, str], tuple[str, dict]]:
    """Per letter a 'bezig' row on Verzonden leaves open, why it is onzeker and the journal line (if any) that says
    so. Not onzeker: a letter the readable journal of the row's folder never names (never tried) or ends 'mislukt'."""
    found: dict[tuple[str, str], tuple[str, dict]] = {}
    for key, each in busy.items():
        journal = each / mailer.JOURNAL
        try:
            state = mailer.journal_state(each) if journal.is_file() else None
        except (DamagedJournal, JournalIsLink, OSError):  # unreadable: nothing known of how far that run got
            state = None
        if state is None:
            found[key] = (f"het blad Verzonden zegt dat inhuur de brief begon te versturen vanuit de map {each}, maar "
                          f"het logboek van die map ({journal}) is er niet of is onleesbaar (map hernoemd of "
                          f"verplaatst?)", {"sent_at": mailer.stamp()})
            continue
        entry = state.get(key)
        if entry is None or entry["status"] == mailer.FAILED:
            continue
        found[key] = (_journal_reason(each, entry), entry)
    return found


def _journal_reason(folder: Path, entry: dict) -> str:
    """Why a journal line that is a letter's last word there makes it onzeker ('' for 'mislukt': not sent)."""
    return {mailer.SENT: f"alleen het logboek van de map {folder} zegt verzonden, het blad Verzonden niet",
            mailer.BUSY: f"het logboek van de map {folder} eindigt met 'bezig': inhuur werd onderbroken "
                         f"terwijl de brief werd verstuurd",
            mailer.UNCERTAIN: entry.get("reason") or f"het logboek van de map {folder} zegt onzeker",
            }.get(entry["status"], "")


def _letter_folders(matrix: workbook.Matrix, folder: Path) -> list[Path]:
    """The letters folder of this run and every folder Brieven says letters were made in (its Bestand column holds
    each letter's full path), each once: their journals together say what happened to each letter."""
    found = {}
    for candidate in [folder] + [Path(str(row["Bestand"])).parent for row in
                                 workbook.log_rows(matrix, workbook.SHEET_LETTERS) if row.get("Bestand")]:
        found.setdefault(files.real_path(candidate), candidate)
    return list(found.values())


def _doubtful(folders: Sequence[Path], made: dict) -> dict[tuple[str, str], tuple[str, dict]]:
    """Per (kenmerk, recipient), why the journals make a letter onzeker and the journal line that does: the last word of a folder's journal is
    'bezig' (a run ended mid-send), 'onzeker', or 'verzonden' (a journal line is no proof: a crash before the
    workbook was saved, or an edit). Whether Verzonden already says more is the caller's part."""
    doubtful: dict[tuple[str, str], tuple[str, dict]] = {}
    for each in folders:
        state = mailer.journal_state(each)
        _require_journal_of(each, state, made)
        for key, entry in state.items():
            reason = _journal_reason(each, entry)
            if reason:
                doubtful[key] = (reason, entry)
    return doubtful


def _record_outcomes(matrix: workbook.Matrix, made: dict, sendings: workbook.Sendings, report: mailer.SendReport,
                     doubtful: dict[tuple[str, str], tuple[str, dict]], pending: set[tuple[str, str]]) -> None:
    """Add to Verzonden how each letter this run had a 'bezig' row for (pending) ended, and as onzeker (with why) every
    other doubtful letter Verzonden does not have as sent or onzeker yet; who, what and which file from the
    workbook's Brieven, when and how from the journal."""
    sent = {(e["reference"], e["to"].lower()): e for e in report.sent}
    lost = {(e["reference"], e["email"].lower()): (e, e["reason"]) for e in report.uncertain}
    failed = {(e["reference"], e["email"].lower()): (e, why) for e, why in report.failed}
    in_book = {(row.get("Kenmerk") or "", str(row.get("Aan") or "").lower(), row.get("Status") or mailer.SENT)
               for row in workbook.log_rows(matrix, workbook.SHEET_SENT)}
    stamp = {"sent_at": mailer.stamp()}
    rows = []
    for key, entry in sent.items():
        if (*key, mailer.SENT) not in in_book:
            rows.append(_sent_row(made[key], entry, mailer.SENT))
    for key in sorted(pending - set(sent)):
        if key in lost:
            rows.append(_sent_row(made[key], stamp, mailer.UNCERTAIN, lost[key][1]))
        elif key in doubtful:  # this run's journal ends 'bezig' for it: a crash mid-send
            rows.append(_sent_row(made[key], doubtful[key][1], mailer.UNCERTAIN, doubtful[key][0]))
        else:  # refused, or never tried (a failed login, a crash before it): nothing of it went out
            rows.append(_sent_row(made[key], stamp, mailer.FAILED, failed[key][1] if key in failed else
                                  "niet geprobeerd: de verzending stopte eerder"))
    for key, (reason, entry) in doubtful.items():
        if key not in sent and key not in pending and key not in sendings.delivered and \
                (*key, mailer.UNCERTAIN) not in in_book:
            rows.append(_sent_row(made[key], entry, mailer.UNCERTAIN, reason))
    if rows:
        workbook.append_log(matrix, workbook.SHEET_SENT, workbook.SENT_TITLES, rows)
        workbook.save(matrix)


def _sent_row(letter: workbook.LoggedLetter, entry: dict, status: str, reason: str = "",
              folder: Path | None = None) -> list:
    """One Verzonden row of a letter Brieven logged, with when and how from the journal line about it (entry); with
    folder, the file's full path in it (a 'bezig' row names the folder whose journal tells how the sending ended)."""
    return [entry["sent_at"], letter.offer_id,
            letter.candidate, letter.supplier, letter.email, letter.kind,
            str(folder / letter.file) if folder else letter.file,
            entry.get("attachment_sha256") or letter.pdf_sha256 or letter.sha256, entry.get("message_id"),
            letter.reference, status, None, reason or None]


def _require_journal_of(folder: Path, state: dict, made: dict) -> None:
    """Refuse a journal line about a letter the workbook's Brieven never logged, or with another attachment.

    The journal only says what happened to letters this workbook made; it cannot add a letter, a recipient or a
    sending of something else (an edited or foreign line would otherwise count a letter as sent on Verzonden).
    """
    for (reference, recipient), entry in state.items():
        letter = made.get((reference, recipient))
        if letter is None:
            raise DamagedJournal(folder / mailer.JOURNAL, entry["line"],
                                 f"de brief {reference} aan {recipient} staat niet op het blad "
                                 f"{workbook.SHEET_LETTERS} van dit werkboek")
        attached = entry.get("attachment_sha256")
        if attached is not None and attached not in (letter.sha256, letter.pdf_sha256):
            raise DamagedJournal(folder / mailer.JOURNAL, entry["line"],
                                 f"de bijlage van {reference} is niet de brief die het blad {workbook.SHEET_LETTERS} "
                                 f"vastlegt (andere SHA-256)")


@dataclass
class SentReport:
    """What `inhuur verzonden` recorded, and the letters Verzonden already had as sent."""

    recorded: list[dict]
    already: list[dict]


def record_sent(path: str | Path, letters_dir: str | Path, day: date, by: str, references: Sequence[str] = (),
                now: datetime | None = None) -> SentReport:
    """Record on Verzonden that letters of a folder went out another way (the dry run's .eml sent from Outlook).

    All the folder's letters, or those with the given kenmerken; refused, naming each, for a kenmerk not in the
    folder, a letter (kenmerk and recipient) the workbook's Brieven log does not know, a day before the letter's
    date or after today. Letters Verzonden already has as sent are left as they are.
    """
    folder = Path(letters_dir)
    today = (now or datetime.now()).date()
    with editing(path, "verzonden") as matrix:
        matrix.require_sheet(workbook.SHEET_SENT)
        entries = mailer.load_manifest(folder)["letters"]
        listed = {e["reference"]: e for e in entries}
        problems = [f"{reference}: deze brief staat niet in {folder / MANIFEST}" for reference in references
                    if reference not in listed]
        chosen = [listed[r] for r in dict.fromkeys(references) if r in listed] if references else entries
        # the manifest only names the letters; what is recorded of each comes from the workbook's Brieven
        made = _made(matrix)
        letters: dict[str, workbook.LoggedLetter] = {}
        for e in chosen:
            letter = made.get((e["reference"], e["email"].lower()))
            if letter is None:
                problems.append(f"{e['reference']} aan {e['email']}: deze brief staat niet op het blad "
                                f"{workbook.SHEET_LETTERS} van {Path(path).name} (de map van een ander werkboek, of een "
                                f"gewijzigd manifest?)")
                continue
            letters[e["reference"]] = letter
            dated = workbook.day_of(matrix, letter.date)
            if dated is None:
                problems.append(f"{e['reference']}: de datum van de brief op het blad {workbook.SHEET_LETTERS} "
                                f"('{letter.date}') is onleesbaar")
                continue
            if day < dated:
                problems.append(f"{e['reference']}: de brief is gedateerd {dutch.day(dated)} en kan niet eerder "
                                f"verstuurd zijn ({dutch.day(day)})")
        if day > today:
            problems.append(f"--datum {day:%d-%m-%Y} ligt na vandaag ({today:%d-%m-%Y}); leg alleen vast wat al "
                            f"verstuurd is")
        try:
            by = parse_line(by)  # as `loting` takes its names: one visible line that a cell can hold
        except ValueError as exc:
            problems.append(f"--door {exc}")
        if problems:
            raise SendingNotRecorded(folder, problems)
        delivered = workbook.read_sendings(matrix).delivered
        unique: dict[tuple[str, str], dict] = {}
        for e in chosen:  # a letter the manifest lists twice is recorded once
            unique.setdefault((e["reference"], e["email"].lower()), e)
        new = [e for key, e in unique.items() if key not in delivered]
        if new:
            workbook.append_log(matrix, workbook.SHEET_SENT, workbook.SENT_TITLES, [
                [day.isoformat(), m.offer_id, m.candidate, m.supplier, m.email, m.kind, m.file,
                 m.pdf_sha256 or m.sha256, None, m.reference, workbook.STATUS_SENT_ELSEWHERE, by]
                for m in (letters[e["reference"]] for e in new)])
            workbook.save(matrix)
    return SentReport(new, [e for e in chosen if e not in new])
