"""Opening a workbook for a change (one writer, not open elsewhere, not read-only) and the whole check."""

from __future__ import annotations

import contextlib
import gc
import io
from pathlib import Path
from typing import Iterator

from inhuur import files, rules, workbook
from inhuur.errors import NotAssessed, Problem
from inhuur.rules import Result


@contextlib.contextmanager
def editing(path: str | Path, command: str) -> Iterator[workbook.Matrix]:
    """The workbook opened for a change: writer lock held, not open in Excel or LibreOffice, not read-only."""
    path = Path(path)
    with files.writing(path, command):
        files.ensure_not_open(path)
        files.ensure_writable(path)
        matrix = workbook.open_workbook(path)
        # The workbook just read (at 2,000 offers a few million rows, cells and strings, none in a cycle) lives as
        # long as the command: the cycle collector is kept from walking it again at every full collection.
        gc.freeze()
        try:
            yield matrix
        finally:
            gc.unfreeze()


def reopened(matrix: workbook.Matrix) -> workbook.Matrix:
    """The matrix with its changes, opened again in memory: the streaming readers see what was just written."""
    buffer = io.BytesIO()
    workbook.save(matrix, buffer)
    fresh = workbook.open_workbook(io.BytesIO(buffer.getvalue()))
    fresh.path = matrix.path
    return fresh


def all_problems(matrix: workbook.Matrix) -> tuple[list[rules.Offer], list[Problem], list[Result] | None]:
    """Everything `check` finds: the workbook's own checks, steps 3–4 cells, Stap 3 rows off the shortlist; and
    the engine's results when there is no problem (the check needs them; callers need not evaluate again)."""
    offers, problems = workbook.check(matrix)
    steps = workbook.read_steps34(matrix)
    problems += steps.problems
    if problems:
        return offers, problems, None
    results = rules.evaluate(matrix.tender, offers)
    if not rules.unresolved_ties(results):
        problems += step3_conflicts(steps, results)
    return offers, problems, results


def require_final(matrix: workbook.Matrix, results: list[Result], command: str) -> None:
    """Refuse (NotAssessed, naming each open judgment's Stand cell) while the ranking is provisional."""
    if not rules.is_final(results):
        rows = workbook.read_findings(matrix).rows
        raise NotAssessed([(r.offer.id, code, matrix.assessment.cell("stand", rows[(r.offer.id, code)]))
                           for r in rules.ranking_order(results) for code in r.open], command)


def step3_conflicts(steps: workbook.Steps34, results: list[Result]) -> list[Problem]:
    """Stap 3 rows with the client's input for offers that step 2 no longer shortlists."""
    _, decided = workbook.stale_step3_rows(steps, results)
    return [Problem(f"{workbook.SHEET_STEP3}!A{row}",
                    f"{offer_id} staat op Stap 3 maar is volgens de ranglijst niet (meer) voorgedragen; is een "
                    f"oordeel gewijzigd nadat stap 3 begon? Herstel het oordeel, of maak de invoer van de "
                    f"opdrachtgever in deze rij leeg (blad ontgrendelen)") for offer_id, row in decided.items()]
