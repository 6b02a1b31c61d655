"""Domain exceptions: every refusal caused by the user's input; `messages` turns them into Dutch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Sequence


class InhuurError(Exception):
    """A refusal caused by the user's input or files (exit code 1, nothing written)."""


@dataclass
class Problem:
    """One thing wrong, where it is (file, sheet!cell or row/column) and what to do, in Dutch."""

    where: str
    text: str

    def __str__(self) -> str:
        return f"{self.where}: {self.text}" if self.where else self.text


class ProblemsError(InhuurError):
    """A refusal listing one or more problems in one source (a file or a workbook)."""

    def __init__(self, source: str | Path, problems: list[Problem]):
        super().__init__(f"{source}: {len(problems)} problem(s)")
        self.source = str(source)
        self.problems = problems


class InvalidSpec(ProblemsError):
    """The tender spec (TOML) is malformed or inconsistent."""


class PointsDoNotAddUp(InvalidSpec):
    """The award criteria's points do not add up to the stated total."""


class InvalidOfferFile(ProblemsError):
    """An offers file (CSV/XLSX) has bad rows; the whole file is refused."""


class InvalidRecordFile(InvalidOfferFile):
    """A file for `record` (findings, step-3 decisions, interview scores) has bad rows; nothing is recorded."""


class InvalidWorkbook(ProblemsError):
    """The workbook has cells the tool cannot evaluate or formulas that were typed over."""


class UnresolvedTie(InhuurError):
    """A score+rate tie decides who is in the shortlist and no lot order is recorded."""

    def __init__(self, groups: list[list[tuple[str, str, str]]], cells: list[str]):
        super().__init__(f"unresolved ties: {groups}")
        self.groups = groups  # per tie: (offer id, candidate, supplier)
        self.cells = cells


class NotAssessed(InhuurError):
    """Letters (or a lot) were asked for while judgments the steps need are still open (not assessed)."""

    def __init__(self, open_judgments: list[tuple[str, str, str]], command: str = "letters"):
        super().__init__(f"{len(open_judgments)} judgments open")
        self.open = open_judgments  # (offer id, code, cell of its Stand on Beoordeling)
        self.command = command  # letters or loting: what was refused


class InvalidLotRecord(ProblemsError):
    """A lot drawing's proces-verbaal that cannot be true or cannot be stored: a moment in the future or before the
    deadline or the notice, an empty place or name, control characters, text longer than a cell holds."""


class LotAlreadyDrawn(InhuurError):
    """A second lot for a tie whose lot is already recorded (proces-verbaal on Loting, or an order on Kandidaten)."""

    def __init__(self, ids: list[str], moment: datetime | None, where: list[str]):
        super().__init__(f"lot for {ids} already recorded ({moment}) at {where}")
        self.ids = ids
        self.moment = moment  # of the proces-verbaal; None: an order typed on Kandidaten without one
        self.where = where  # the Loting row, or the Kandidaten cells, that hold the lot


class LettersNotLogged(InhuurError):
    """The letters were written, but the workbook was opened meanwhile, so they are not logged (and no manifest)."""

    def __init__(self, folder: Path, path: Path, lockfile: Path):
        super().__init__(f"{folder}: letters made, {path} locked by {lockfile}")
        self.folder = folder
        self.path = path
        self.lockfile = lockfile


class BackdatedLetters(InhuurError):
    """Letters dated before the day they would be sent: the standstill runs from the day after sending."""

    def __init__(self, folder: Path, dated: date, today: date):
        super().__init__(f"{folder}: letters dated {dated}, today is {today}")
        self.folder = folder
        self.dated = dated
        self.today = today


class LotNoticeTooShort(InhuurError):
    """A lot drawing announced with fewer working days' notice than the tender's rule."""

    def __init__(self, moment: datetime, dated: date, days: int, earliest: date):
        super().__init__(f"lot at {moment} announced on {dated}: needs {days} working days (from {earliest})")
        self.moment = moment
        self.dated = dated
        self.days = days
        self.earliest = earliest


class LettersNotYet(ProblemsError):
    """The letters cannot yet state what this award model or these statuses need; none is made."""


class WithdrawalRefused(InhuurError):
    """`intrekken` cannot record this withdrawal (unknown id, already withdrawn, no reason); nothing is written."""

    def __init__(self, path, why: str):
        super().__init__(why)
        self.path, self.why = path, why


class LotNotATie(InhuurError):
    """A lot result that is not an order 1..n of exactly the offers of one tie that needs a lot."""

    def __init__(self, given: list[str], groups: list[list[str]]):
        super().__init__(f"lot order {given} is not one of the ties {groups}")
        self.given = given
        self.groups = groups


class NoTie(InhuurError):
    """Lot invitations were asked for, but no tie at the shortlist boundary needs a lot."""


class WorkbookLocked(InhuurError):
    """The workbook is open in Excel or LibreOffice (a lock file exists next to it)."""

    def __init__(self, path: Path, lockfile: Path):
        super().__init__(f"{path} is locked by {lockfile}")
        self.path = path
        self.lockfile = lockfile


class WorkbookBusy(InhuurError):
    """Another inhuur command is writing the workbook, and did not finish within the wait."""

    def __init__(self, path: Path, holder: str):
        super().__init__(f"{path} is being written by {holder}")
        self.path = path
        self.holder = holder


class FileRefusal(InhuurError):
    """A refusal about one file (`path`); a subclass says what is wrong in `problem` (English, for logs)."""

    problem = "is refused"

    def __init__(self, path: Path):
        super().__init__(f"{path} {self.problem}")
        self.path = path


class WorkbookReadOnly(FileRefusal):
    """The workbook is marked read-only: it is never silently replaced."""

    problem = "is read-only"


class FileMissing(FileRefusal):
    """An input file does not exist."""

    problem = "does not exist"


class DamagedSheet(InhuurError, ValueError):
    """A sheet of a workbook is not readable XML (cut off, mismatched tags): the file was damaged outside inhuur.
    `after_row`: the last row read whole (0: none); `cause`: the parser's own words, for --verbose."""

    def __init__(self, path: Path | None, sheet: str, after_row: int, cause: str):
        super().__init__(f"{path or 'workbook'}: sheet {sheet} unreadable after row {after_row}: {cause}")
        self.path = path
        self.sheet = sheet
        self.after_row = after_row


class NotAWorkbook(InhuurError):
    """A file is not an inhuur workbook (not .xlsx, corrupt, or without the tool's sheets)."""

    def __init__(self, path: Path, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class OutputExists(FileRefusal):
    """`new` would overwrite an existing workbook."""

    problem = "exists"


class TooManyOffers(InhuurError):
    """An import would bring the workbook over the most offers `rank` is measured to hold in memory."""

    def __init__(self, path: Path | None, limit: int, existing: int, new: int):
        super().__init__(f"{path or 'workbook'}: {existing} + {new} offers exceed the limit of {limit}")
        self.path = path
        self.limit = limit
        self.existing = existing
        self.new = new


class NewMacroWorkbook(FileRefusal):
    """`new` was asked for an .xlsm: it builds a plain workbook, which would carry no VBA project (no button)."""

    problem = "is macro-enabled; new builds an .xlsx"


class NewNotXlsx(FileRefusal):
    """`new` was asked for a file (`path`, or the file a link there leads to: `real`) whose name does not end in .xlsx:
    Excel would not open the plain workbook it builds under another extension (.xltm, .xlsb, none, a trailing space);
    or a name that is the extension alone ('.xlsx')."""

    problem = "does not end in .xlsx; new builds an .xlsx"

    def __init__(self, path: Path, real: Path):
        super().__init__(path)
        self.real = real


class ConversionFailed(InhuurError):
    """LibreOffice did not produce every expected output (or is not installed, or timed out)."""

    def __init__(self, reason: str, missing: Sequence[Path] = ()):
        super().__init__(reason)
        self.reason = reason
        self.missing = list(missing)


class ManifestMissing(InhuurError):
    """The letters folder has no (readable) manifest.json: run `inhuur letters` first (or it did not finish)."""

    def __init__(self, folder: Path, reason: str = ""):
        super().__init__(f"{folder}: no manifest.json")
        self.folder = folder
        self.reason = reason


class LettersDoNotMatch(InhuurError):
    """The letters folder does not hold exactly the letters the workbook calls for now, byte for byte."""

    def __init__(self, folder: Path, problems: list[str]):
        super().__init__(f"{folder}: {len(problems)} letters do not match")
        self.folder = folder
        self.problems = problems


class DamagedJournal(InhuurError):
    """A line of the letters folder's mail journal (verzonden.jsonl) that inhuur did not write as it stands."""

    def __init__(self, path: Path, line: int, reason: str):
        super().__init__(f"{path}: line {line} damaged ({reason})")
        self.path = path
        self.line = line
        self.reason = reason


class JournalIsLink(InhuurError):
    """The letters folder's journal (verzonden.jsonl) is a symbolic link: inhuur neither trusts nor appends to it."""

    def __init__(self, path: Path):
        super().__init__(f"{path}: a symbolic link")
        self.path = path


class SendingNotRecorded(InhuurError):
    """`inhuur verzonden` was asked to record letters it cannot: not in the folder or the workbook, or a wrong day."""

    def __init__(self, folder: Path, problems: list[str]):
        super().__init__(f"{folder}: {len(problems)} letters not recorded as sent")
        self.folder = folder
        self.problems = problems


class XlwingsMissing(InhuurError):
    """The xlwings package (whose VBA project the button needs) is not installed."""

    def __init__(self):
        super().__init__("xlwings is not installed")


class XlsmExists(FileRefusal):
    """`inhuur excel` would replace an .xlsm, which may hold work done since it was made."""

    problem = "exists"


class NotAModuleName(FileRefusal):
    """The .xlsm's name cannot be a Python module name, which xlwings needs (it imports the workbook's name)."""

    problem = "is no module name"
