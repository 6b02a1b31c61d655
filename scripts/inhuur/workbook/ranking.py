"""The Ranglijst sheet: counts per status, the ranking, the work list of open judgments, the deviating judgments."""

from __future__ import annotations

from datetime import datetime
from typing import Sequence

from inhuur import award as award_rules, dutch, rules
from inhuur.rules import Judgment, Result
from inhuur.workbook.layout import RANKING_HEADER_ROW, RANKING_TITLES, SHEET_ASSESSMENT, SHEET_RANKING
from inhuur.workbook.matrix import Matrix
from inhuur.workbook.write import header_row_xml, values_row_xml

WORK_TITLES = ["Rang (voorlopig)", "ID", "Leverancier", "Kandidaat", "Open", "Waarom eerst"]
DEVIATION_TITLES = ["ID", "Kandidaat", "Criterium", "Leverancier", "Beoordelaar", "Opdrachtgever", "Geldt",
                    "Door", "Motivering"]
EFFECT_WORDS = {"in": "kan de voordracht nog in", "out": "kan nog uit de voordracht vallen", "": ""}


def write_ranking(matrix: Matrix, results: Sequence[Result], when: datetime,
                  latest: dict[str, str] | None = None) -> None:
    """Rewrite the Ranglijst sheet: counts, the sorted ranking, the work list and the deviating judgments.

    `latest` gives the status after steps 3–4 where an offer got that far; the step-2 outcome stays beside it.
    """
    latest = latest or {}
    status_of = lambda r: latest.get(r.offer.id, r.status)  # noqa: E731
    tender, styles = matrix.tender, matrix.styles
    open_total = sum(len(r.open) for r in results)
    state = (f"VOORLOPIG: nog {open_total} {'oordeel' if open_total == 1 else 'oordelen'} open (zie de werklijst "
             f"hieronder en blad {SHEET_ASSESSMENT}, Stand = Open). Er gaan nog geen brieven uit."
             if open_total else
             ("Alle oordelen zijn gemaakt." if not tender.self_declaration else
              "De aanvraag laat de eigen opgave van de leverancier tellen waar geen oordeel is vastgelegd."))
    rows = [
        values_row_xml(matrix, 1, [f"Ranglijst aanvraag {tender.number} — {tender.title}"], [styles.get("title")]),
        values_row_xml(matrix, 2, [f"Bijgewerkt op {dutch.stamp(when)} door inhuur (de regels uit de aanvraag, "
                                   f"niet de formules)."]),
        values_row_xml(matrix, 3, [f"Volgorde: hoogste score, dan laagste uurtarief; bij gelijke score én tarief "
                                   f"beslist een vastgelegde loting. De beste {tender.shortlist_size} worden "
                                   f"voorgedragen." + (f" {dutch.price_formula(tender.price)}" if tender.price else "")
                                   + (f" Onder de minimumscore van {dutch.number(tender.min_score)} punten wordt een "
                                      f"inschrijving niet gerangschikt." if tender.min_score is not None else "")]),
        values_row_xml(matrix, 4, [state], [styles.get("bold")]),
        header_row_xml(matrix, 5, ["Status", "Aantal"]),
    ]
    statuses = [status_of(r) for r in results]
    number = 5
    # the award models' statuses only where the tender has them or they occur: 30662's counts stay as they were
    shown = set(rules.STATUSES) | ({rules.BELOW_THRESHOLD} if tender.min_score is not None else set())
    for status in (*rules.STATUSES, rules.BELOW_THRESHOLD, rules.WITHDRAWN, *award_rules.STATUSES):
        if status in shown or status in statuses:
            number += 1
            rows.append(values_row_xml(matrix, number, [dutch.STATUS_LABELS[status], statuses.count(status)]))
    rows.append(values_row_xml(matrix, number + 1, ["Totaal", len(results)], [styles.get("bold")] * 2))
    rows.append(header_row_xml(matrix, RANKING_HEADER_ROW, RANKING_TITLES))
    number = RANKING_HEADER_ROW
    money = [None, None, None, None, styles.get("money"), None, None, styles.get("wrap")]
    for r in rules.ranking_order(results):
        number += 1
        rows.append(values_row_xml(matrix, number, [
            r.rank, r.offer.id, r.offer.supplier, r.offer.candidate, float(r.offer.rate),
            None if r.score is None else float(r.score), dutch.STATUS_LABELS[status_of(r)],
            rules.reason_text(tender, r.failed) or None, r.offer.lot, dutch.STATUS_LABELS[r.status],
            ", ".join(r.open) or None], money))
    number += 2
    work = rules.work_list(tender, results)
    rows.append(values_row_xml(matrix, number, [f"Werklijst: nog te beoordelen ({len(work)} "
                                                f"{'kandidaat' if len(work) == 1 else 'kandidaten'})"],
                               [styles.get("bold")]))
    number += 1
    if work:
        rows.append(header_row_xml(matrix, number, WORK_TITLES))
        for item in work:
            number += 1
            r = item.result
            rows.append(values_row_xml(matrix, number, [
                r.rank, r.offer.id, r.offer.supplier, r.offer.candidate,
                "; ".join(tender.label(code) for code in item.open), EFFECT_WORDS[item.effect] or None],
                [None, None, None, None, styles.get("wrap")]))
    else:
        rows.append(values_row_xml(matrix, number, ["Niets: elk oordeel dat de stappen vragen is gemaakt."]))
    number += 2
    rows.append(values_row_xml(matrix, number, ["Afwijkende oordelen (wie, wat, waarom)"], [styles.get("bold")]))
    number += 1
    rows.append(header_row_xml(matrix, number, DEVIATION_TITLES))
    deviations = 0
    for r in results:
        for code in tender.judged_codes:
            j = r.offer.judgments.get(code, Judgment())
            if j.deviates:
                deviations += 1
                number += 1
                why = " / ".join(x for x in (j.assessor_motivation, j.client_motivation) if x)
                who = " / ".join(x for x in (j.assessor_by, j.client_by) if x)
                rows.append(values_row_xml(matrix, number, [
                    r.offer.id, r.offer.candidate, code, j.declared, j.assessor, j.client, j.effective,
                    who or None, why or f"GEEN MOTIVERING: vul deze in op het blad {SHEET_ASSESSMENT}"],
                    [None] * 8 + [styles.get("wrap")]))
    if not deviations:
        rows.append(values_row_xml(matrix, number + 1, ["Geen: alle oordelen zijn gelijk aan de opgave van de "
                                                        "leverancier."]))
    matrix.add_rows(SHEET_RANKING, rows, replace=True)
