"""Letters to suppliers: one context per offer (only that offer's data), Word templates compiled once."""

from __future__ import annotations

import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Collection, Sequence

from lxml import etree

from inhuur import award, dutch, files, rules, ziparts
from inhuur.errors import LettersNotYet, Problem
from inhuur.rules import LotDrawing, Result  # noqa: F401 (LotDrawing: letters.LotDrawing as before)
from inhuur.spec import Tender

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "letters"
KIND_OF_STATUS = {rules.NON_CONFORMING: "niet_conform", rules.KNOCKED_OUT: "knock_out",
                  rules.NOT_SELECTED: "niet_geselecteerd", rules.SHORTLISTED: "voorgedragen"}
LOT = "loting"
STEP3_KINDS = {award.INVITED: "uitnodiging_gesprek", award.WAITING_ROOM: "wachtkamer"}
NOTICE = "kennisgeving_gunning"  # the award, told to a supplier rejected earlier whose standstill still runs
AWARD_KINDS = ("voornemen_tot_gunning", "afwijzing_na_gesprek", "afwijzing_wachtkamer", NOTICE)
REJECTED_EARLY = (rules.NON_CONFORMING, rules.KNOCKED_OUT, rules.NOT_SELECTED)
KINDS = (*KIND_OF_STATUS.values(), LOT, *dict.fromkeys(STEP3_KINDS.values()), *AWARD_KINDS)
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def environment():
    """The Jinja environment for letters: autoescape on, so '&' or '<' in a name never breaks the document."""
    from jinja2 import Environment, StrictUndefined  # loaded by the commands that write letters, not by all

    return Environment(autoescape=True, undefined=StrictUndefined)


class CompiledTemplate:
    """A Word template parsed and compiled once; each render only fills in a context and zips the result."""

    def __init__(self, path: Path, env=None):
        from docxtpl import DocxTemplate  # 50 ms to import: only the commands that write letters pay it

        self.path = Path(path)
        self.data = self.path.read_bytes()
        self.members = ziparts.RawMembers(self.data, reused=True)
        env = env or environment()
        self._docxtpl = DocxTemplate(io.BytesIO(self.data))
        self._docxtpl.init_docx()
        document = self._docxtpl.docx
        sources = {document.part.partname.lstrip("/"): self._docxtpl.xml_to_string(document._element)}
        for uri in (DocxTemplate.HEADER_URI, DocxTemplate.FOOTER_URI):
            for _, part in self._docxtpl.get_headers_footers(uri):
                sources[part.partname.lstrip("/")] = self._docxtpl.get_part_xml(part)
        self.templates = {name: self._compile(env, xml) for name, xml in sources.items()}
        # parts whose tables repeat columns ({%tc for %}) get their column widths fitted after each render
        self._column_loops = {name for name, xml in sources.items() if "{%tc " in xml}

    def _compile(self, env, xml: str):
        # the same preparation docxtpl applies before every render, done once here
        xml = self._docxtpl.patch_xml(xml)
        return env.from_string(re.sub(r"<w:p([ >])", r"\n<w:p\1", xml))

    def render(self, context: dict[str, Any]) -> bytes:
        """The letter as .docx bytes."""
        parts = {}
        for name, template in self.templates.items():
            xml = template.render(context).replace("\n<w:p ", "<w:p ").replace("\n<w:p>", "<w:p>")
            if "_}" in xml or "{_" in xml:  # docxtpl's escaped braces, rare: only then four more passes
                xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
            if any(ch in xml for ch in "\n\t\a\f"):  # only then is there a listing for docxtpl to resolve
                xml = self._docxtpl.resolve_listing(xml)
            if name in self._column_loops:
                xml = fit_columns(xml)
            parts[name] = _DECLARATION + xml.encode("utf-8")
        out = io.BytesIO()
        # level 0: the rendered parts are stored, not compressed. They are a few KB each; compressing them took
        # 0.08 ms of the 1 ms a letter costs, for 6 KB less in a 45 KB file (the styles stay compressed)
        self.members.write(out, parts, level=0)
        return out.getvalue()


def fit_columns(xml: str) -> str:
    """A table whose rows gained or lost columns in a column loop: the first column keeps its width, the others
    share the rest of the table's width equally (in the grid and in every cell), so the table keeps its size."""
    tree = etree.fromstring(xml.encode("utf-8"))
    for table in tree.iter(_W + "tbl"):
        grid = table.find(_W + "tblGrid")
        widths = [int(c.get(_W + "w")) for c in grid.findall(_W + "gridCol")]
        rows = [row.findall(_W + "tc") for row in table.iter(_W + "tr")]
        count = max((len(cells) for cells in rows), default=len(widths))
        if count == len(widths) or count < 2 or len(widths) < 2:
            continue
        rest = sum(widths) - widths[0]
        new = [widths[0]] + [rest // (count - 1)] * (count - 1)
        for column in grid.findall(_W + "gridCol"):
            grid.remove(column)
        for width in new:
            etree.SubElement(grid, _W + "gridCol", {_W + "w": str(width)})
        for cells in rows:
            if len(cells) == count:
                for cell, width in zip(cells, new):
                    cell_width = cell.find(f"{_W}tcPr/{_W}tcW")
                    if cell_width is not None:
                        cell_width.set(_W + "w", str(width))
                        cell_width.set(_W + "type", "dxa")
    return etree.tostring(tree, encoding="unicode")


@dataclass(frozen=True)
class History:
    """What the workbook's logs add to letters: the proces-verbaal of each lot drawing, the step 0–2 rejection
    each offer got, and per (offer id, kind) the (kenmerk, content) of every letter made before (so that a
    changed letter gets a kenmerk of its own and names the one it replaces)."""

    lots: dict[str, rules.LotRecord] = field(default_factory=dict)
    rejected: dict[str, tuple[date, str]] = field(default_factory=dict)  # id -> (date, kenmerk) of its step 0–2 letter
    earlier: dict[tuple[str, str], list[tuple[str, str]]] = field(default_factory=dict)
    sent: frozenset[str] = frozenset()  # the kenmerken of letters that went out: only those can be replaced


@dataclass(frozen=True)
class Letter:
    """One generated letter: for which offer, which kind, the file, its SHA-256 and the digest of its content."""

    offer_id: str
    candidate: str
    supplier: str
    contact: str
    email: str
    kind: str
    file: str
    reference: str
    sha256: str
    content: str = ""
    replaces: str = ""
    salutation: str = ""


def content_digest(context: dict[str, Any]) -> str:
    """What a letter says (everything but its kenmerk), as a SHA-256: equal for a re-run of the same letter."""
    said = {k: v for k, v in context.items() if k != "kenmerk"}
    return hashlib.sha256(json.dumps(said, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")
                          ).hexdigest()


def assign_reference(base: str, content: str, earlier: Sequence[tuple[str, str]],
                     sent: Collection[str] = frozenset()) -> tuple[str, str]:
    """The kenmerk for a letter and the kenmerk it replaces ('' if none), from earlier (kenmerk, content) pairs.

    The same content keeps its kenmerk (a re-run is not a new letter); other content is a new letter with
    a new kenmerk. It replaces the latest earlier letter that was sent (kenmerk in sent): one never sent is
    superseded without a word, the supplier never had it. Example: base 30662-I-006-wachtkamer, earlier
    [(base, a)], sent {base}: content a gives (base, ''); content b gives (base-2, base); then content c gives
    (base-3, base) while base-2 was not sent.
    """
    for reference, digest in earlier:
        if digest == content:
            return reference, ""
    known = list(dict.fromkeys(reference for reference, _ in earlier))
    if not known:
        return base, ""
    return f"{base}-{len(known) + 1}", next((r for r in reversed(known) if r in sent), "")


@dataclass(frozen=True)
class Steps:
    """What steps 3–4 add to a letter: the stage, the client's selections and award decisions."""

    stage: award.Stage
    selections: dict[str, award.Selection]
    decisions: dict[str, award.Decision]


def plan(results: Sequence[Result], lot: bool, steps: Steps | None = None, tender: Tender | None = None,
         sent: date | None = None, history: History | None = None) -> list[tuple[Result, str]]:
    """Which letter each offer gets at the latest step: lot invitations, award, step 3, or steps 0–2.

    With the award, a supplier rejected in steps 0–2 whose own standstill still runs on `sent` (or who was
    never sent its rejection) is a betrokken inschrijver and is told of the award too (Aw art. 2.130).
    """
    if lot:
        return [(r, LOT) for r in results if r.status == rules.TIE_UNRESOLVED]
    stage = steps.stage if steps else award.Stage()
    if stage.awarded:
        planned = []
        for r in results:
            outcome = stage.outcomes.get(r.offer.id)
            if outcome is None:
                continue
            if outcome.status == award.AWARDED:
                planned.append((r, "voornemen_tot_gunning"))
            else:
                planned.append((r, "afwijzing_na_gesprek" if outcome.interview else "afwijzing_wachtkamer"))
        told = (history or History()).rejected
        for r in results:
            if r.status in REJECTED_EARLY and tender is not None and sent is not None and (
                    r.offer.id not in told or rules.standstill_end(told[r.offer.id][0], tender.standstill_days,
                                                                   tender.standstill_working_day) >= sent):
                planned.append((r, NOTICE))
        return planned
    if stage.outcomes:
        # those already interviewed get no new letter until the award decision
        return [(r, STEP3_KINDS[stage.outcomes[r.offer.id].status]) for r in results
                if r.offer.id in stage.outcomes and stage.outcomes[r.offer.id].status in STEP3_KINDS]
    return [(r, KIND_OF_STATUS[r.status]) for r in results]


def reference(tender: Tender, result: Result, kind: str) -> str:
    """The letter's kenmerk, e.g. 30662-I-003-niet-geselecteerd (hyphens: no code with an underscore in a letter)."""
    return f"{tender.number}-{result.offer.id}-{kind.replace('_', '-')}"


def base_context(tender: Tender, sent: date) -> dict[str, Any]:
    """Fields every letter has, with empty defaults for the kind-specific ones (see templates/letters/VELDEN.md)."""
    sender = {k: tender.sender.get(k, "") for k in ("organisatie", "namens", "naam", "functie", "email",
                                                     "telefoon", "adres")}
    end = rules.standstill_end(sent, tender.standstill_days, tender.standstill_working_day)
    planning = tender.planning
    interviews = planning.get("gesprekken")
    return {
        "aanvraag": {"nummer": tender.number, "titel": tender.title, "opdrachtgever": tender.client,
                     "opdrachtgever_in_zin": dutch.in_sentence(tender.client),
                     "opdrachtgever_zinsbegin": dutch.at_sentence_start(tender.client),
                     "intermediair": tender.intermediary},
        "afzender": sender, "datum": dutch.day(sent), "termijn_dagen": tender.standstill_days,
        "termijn_einde": dutch.weekday_date(end), "voordragen": tender.shortlist_size,
        "aantal_professionals": tender.professionals,
        "totaal_punten": dutch.number(tender.total_points),
        "gesprekken": dutch.appointment(interviews) if interviews else "",
        "leverancier": {}, "aanhef": "Geachte heer/mevrouw,", "kandidaat": "", "kenmerk": "", "ingediend": "",
        "eisen": [], "knock_outs": [], "criteria": [], "score": "", "rang": "", "aantal_gerangschikt": 0,
        "laagste_score_voorgedragen": "", "eerdere_brief": {"datum": "", "kenmerk": ""},
        "stap3": {"opdrachten": "", "organisaties": "", "opmerkingen": ""}, "loting": [], "loting_bijwonen": "",
        "loting_reageren_voor": "", "loting_verslag": "", "loting_beslist": False, "loting_getrokken": "",
        "aantal_gelijk": 0, "vervolg": [],
        "gesprek_regels": [], "interviewers": list(tender.interviews.roles) or ["twee vertegenwoordigers"],
        "meenemen": list(tender.interviews.bring), "vog": tender.other.get("vog", ""),
        "wachtkamer_plaats": "", "motivering": "", "voorwaarden": _conditions(tender, sent),
        "contractvoorwaarden": _contract_terms(tender), "start_zin": _start(tender, end), "competenties": [],
        "totaal_gesprek": "", "plaats_gesprek": "", "aantal_gesprekken": 0, "alle_voldoende": False, "gekozen": [],
        "zelfverklaring": tender.self_declaration,
        "rechter": (f"bij de voorzieningenrechter van de rechtbank {tender.court}" if tender.court
                    else "bij de voorzieningenrechter van de bevoegde rechtbank"),
    }


def _conditions(tender: Tender, sent: date) -> list[str]:
    """What must be met before signing, each by a date or a document: the VOG and the Waadi registration."""
    i = tender.interviews
    vog = dutch.weekday_date(sent + timedelta(weeks=i.vog_p_weeks))
    return [f"een Verklaring Omtrent het Gedrag (VOG) van de kandidaat, uiterlijk {vog}: de gemeente start de "
            f"aanvraag na deze brief; de verwerking duurt maximaal {i.vog_weeks} weken, bij VOG-P-screening "
            f"{i.vog_p_weeks} weken. De kosten zijn in het uurtarief begrepen",
            "stelt u personeel ter beschikking: een uittreksel uit het handelsregister waaruit de registratie "
            "conform de Waadi blijkt"]


def _contract_terms(tender: Tender) -> list[str]:
    """What the contract will hold (not conditions for the award): Wet DBA and the hirer's pay."""
    terms = ["de opdracht wordt uitgevoerd zoals u in uw inschrijving hebt onderbouwd, zodat geen arbeidsovereenkomst "
             "of fictieve dienstbetrekking ontstaat (de uitvoeringsvoorwaarde, Wet DBA)"]
    scale = tender.facts.get("functieschaal")
    if scale:
        terms.append(f"de beloning van de kandidaat voldoet aan de inlenersbeloning: functieschaal {scale}")
    return terms


def _start(tender: Tender, end: date) -> str:
    """The planned start, moved past the standstill period where it falls within it."""
    start = tender.facts.get("start")
    if not start:
        return ""
    if start <= end:
        return (f"De geplande start op {dutch.weekday_date(start)} valt binnen de opschortende termijn; de opdracht "
                f"kan daarom op zijn vroegst op {dutch.weekday_date(end + timedelta(days=1))} beginnen. De "
                f"definitieve startdatum stemmen wij met u af.")
    return f"De opdracht begint naar verwachting op {dutch.weekday_date(start)}."


@dataclass(frozen=True)
class Totals:
    """What letters share about all offers, computed once per run: so a letter costs the same at 200 or 2,000."""

    ranked: int
    lowest_shortlisted: Decimal | None
    by_id: dict[str, Result]
    waiting_place: dict[str, int]
    interviews: int
    base: dict[str, Any] | None = None  # base_context for the run's tender and date: the same for every letter


def totals(results: Sequence[Result], steps: Steps | None = None, base: dict[str, Any] | None = None) -> Totals:
    """The shared facts of one run of letters (counts, the lowest score shortlisted, the waiting-room order,
    and optionally the base context of its tender and date)."""
    by_id = {r.offer.id: r for r in results}
    shortlisted = [r.score for r in results if r.status == rules.SHORTLISTED]
    waiting_place, interviews = {}, 0
    if steps is not None:
        waiting = sorted((s for s in steps.selections.values() if s.decision == award.WAIT),
                         key=lambda s: (s.waiting_order or 10**6, by_id[s.offer_id].rank or 0))
        waiting_place = {s.offer_id: n for n, s in enumerate(waiting, start=1)}
        interviews = sum(1 for o in steps.stage.outcomes.values() if o.interview is not None)
    return Totals(sum(1 for r in results if r.rank is not None), min(shortlisted) if shortlisted else None, by_id,
                  waiting_place, interviews, base)


def letter_context(tender: Tender, result: Result, results: Sequence[Result], kind: str, sent: date,
                   lot: LotDrawing | None = None, steps: Steps | None = None,
                   shared: Totals | None = None, history: History | None = None) -> dict[str, Any]:
    """Everything one letter may show: this offer's own facts and results, and aggregates, never others' data."""
    offer = result.offer
    shared = shared or totals(results, steps)
    context = dict(shared.base) if shared.base is not None else base_context(tender, sent)
    context.update({
        "leverancier": {"naam": offer.supplier, "contactpersoon": offer.contact,
                        "tav": f"t.a.v. {offer.contact}" if offer.contact else "", "email": offer.email},
        "aanhef": dutch.salutation(offer.salutation, offer.contact),
        "kandidaat": offer.candidate, "kenmerk": reference(tender, result, kind),
        "ingediend": dutch.moment(offer.facts["ingediend"]) if offer.facts.get("ingediend") else "",
        "score": dutch.number(result.score) if result.score is not None else "",
        "rang": result.rank or "", "aantal_gerangschikt": shared.ranked,
        "laagste_score_voorgedragen": dutch.number(shared.lowest_shortlisted)
        if shared.lowest_shortlisted is not None else "",
        "aantal_gelijk": len(result.tie_group) or result.shared or 0,  # after a lot: how many drew
        "loting_beslist": result.lot_decides,  # a lot that no longer decides anything is not mentioned
        "loting_getrokken": dutch.ordinal(offer.lot) if result.lot_decides else "",
    })
    formal_failed, ko_failed = rules.failed_requirements(tender, offer)
    context["eisen"] = [{"code": r.code, "omschrijving": r.description, "bevinding": _formal_finding(r.code, offer)}
                        for r in tender.formal if r.code in formal_failed]
    context["knock_outs"] = [{"code": k.code, "omschrijving": k.description,
                              "bevinding": _knock_out_finding(k, offer)}
                             for k in tender.knock_outs if k.code in ko_failed]
    context["criteria"] = [_award_row(a, offer.judgments.get(a.code, rules.Judgment())) for a in tender.award]
    context["vervolg"] = _next_steps(tender)
    if lot is not None:
        context["loting"] = [f"Datum en tijd: {dutch.appointment(lot.moment)}", f"Plaats: {lot.place}",
                             f"Het lot wordt getrokken door: {lot.drawn_by}", f"Werkwijze: {tender.lot.method}",
                             f"Grondslag: {tender.lot.basis}"]
        context["loting_bijwonen"] = tender.lot.attendance
        context["loting_reageren_voor"] = dutch.weekday_date(rules.working_day_before(lot.moment.date()))
    history = history or History()
    told = history.rejected.get(offer.id)
    if kind == NOTICE and told is not None:
        context["eerdere_brief"] = {"datum": dutch.day(told[0]), "kenmerk": told[1]}
    record = history.lots.get(offer.id) if context["loting_beslist"] else None
    if record is not None:
        witnesses = f", in aanwezigheid van {record.witnesses}" if record.witnesses else ""
        context["loting_verslag"] = (f" De loting vond plaats op {dutch.appointment(record.moment)} in {record.place}; "
                                     f"het lot werd getrokken door {record.drawn_by}{witnesses}. Het proces-verbaal "
                                     f"kunt u bij ons inzien.")
    if steps is not None:
        context.update(_steps_context(tender, result, shared, steps))
    return context


def _steps_context(tender: Tender, result: Result, shared: Totals, steps: Steps) -> dict[str, Any]:
    """Steps 3–4 fields: own interview scores; of the chosen only name, supplier, total and motivation."""
    offer_id = result.offer.id
    selection = steps.selections.get(offer_id)
    outcome = steps.stage.outcomes.get(offer_id)
    slot = selection.slot if selection and selection.slot else tender.planning.get("gesprekken")
    place = tender.planning.get("gesprekken_locatie", "")
    by_id = shared.by_id
    interview = outcome.interview if outcome else None
    scale = tender.interviews.scale
    context = {
        "gesprek_regels": [f"Datum en tijd: {dutch.appointment(slot)}" if slot else "Datum en tijd: volgt",
                           f"Plaats: {place}" if place else "Plaats: volgt"],
        "wachtkamer_plaats": shared.waiting_place.get(offer_id, ""),
        "motivering": steps.decisions[offer_id].motivation if offer_id in steps.decisions else "",
        "stap3": {"opdrachten": selection.similar_assignments if selection else "",
                  "organisaties": selection.similar_organisations if selection else "",
                  "opmerkingen": selection.remarks if selection else ""},
        "aantal_gesprekken": shared.interviews,
    }
    outcomes = steps.stage.outcomes
    chosen = {i: outcomes[i].interview for i in steps.stage.awarded if i in by_id and outcomes.get(i)
              and outcomes[i].interview and outcomes[i].interview.total is not None}
    own = interview.counting if interview is not None and interview.complete else {}
    context["gekozen"] = [_chosen(tender, by_id[i].offer, scores, steps.decisions[i].motivation, own)
                          for i, scores in chosen.items()]
    if own:
        context.update({
            "competenties": [{"naam": c, "score": _interview_score(scale, v),
                              "gekozen": [_interview_score(scale, scores.counting[c]) for scores in chosen.values()]}
                             for c, v in own.items()],
            "totaal_gesprek": dutch.number(interview.total), "alle_voldoende": bool(interview.passed),
            "plaats_gesprek": outcome.proposal or "",
        })
    return context


def _interview_score(scale: Sequence[str], value: Decimal) -> str:
    """A competency score with its word on the scale: '4 (goed)'."""
    return f"{dutch.number(value)} ({scale[min(max(int(value), 1), len(scale)) - 1]})"


def _chosen(tender: Tender, offer, interview, motivation: str, own: dict[str, Decimal]) -> dict[str, Any]:
    """One chosen offer as a rejected supplier may see it: supplier (name only where the spec allows), total,
    motivation, and its relative advantage: on how many competencies it scored higher (the table shows which)."""
    candidate = offer.candidate if tender.name_chosen else ""
    higher = sum(1 for c, v in interview.counting.items() if c in own and v > own[c])
    advantages = (f"hoger dan uw kandidaat op {higher} van de {len(own)} competenties" if higher
                  else "op geen competentie hoger dan uw kandidaat") if own else ""
    return {"kandidaat": candidate, "leverancier": offer.supplier, "kop": candidate or offer.supplier,
            "naam": f"{candidate} ({offer.supplier})" if candidate else f"De kandidaat van {offer.supplier}",
            "totaal": dutch.number(interview.total), "motivering": motivation, "voordelen": advantages}


def _formal_finding(code: str, offer) -> str:
    f = offer.facts
    return {
        "ingediend": f"ontvangen op {dutch.moment(f['ingediend'])}" if f.get("ingediend") else "",
        "cv_paginas": f"het cv telt {f.get('cv_paginas')} pagina's",
        "cv_taal": f"het cv is opgesteld in het {f.get('cv_taal')}",
        "cv_pdf": "het cv is niet als pdf aangeleverd",
        "referenties": f"aantal referenties: {f.get('referenties')}",
        "dba_onderbouwing": "bij de inschrijving is geen onderbouwing van de arbeidsrelatie (Wet DBA) gevoegd",
        "waadi": "geen registratie conform de Waadi",
    }.get(code, "")


def _award_row(criterion, judgment: rules.Judgment) -> dict[str, str]:
    met = judgment.met
    return {"code": criterion.code, "omschrijving": criterion.description, "punten": dutch.number(criterion.points),
            "behaald": dutch.number(criterion.points if met else Decimal(0)),
            "motivering": "" if met else _why_not(judgment)}


def _why_not(judgment: rules.Judgment) -> str:
    """Why a judged criterion was not met, in the words the assessor or client recorded."""
    if judgment.client not in (None, ""):
        return f"oordeel van de opdrachtgever: {judgment.client_motivation}".rstrip(": ")
    if judgment.assessor not in (None, ""):
        return f"oordeel van de beoordelaar: {judgment.assessor_motivation}".rstrip(": ")
    return "volgens uw eigen opgave niet"


def _knock_out_finding(knock_out, offer) -> str:
    if knock_out.kind == "max_uurtarief":
        return f"aangeboden uurtarief {dutch.money(offer.rate)} excl. btw"
    return _why_not(offer.judgments.get(knock_out.code, rules.Judgment()))


def _next_steps(tender: Tender) -> list[str]:
    p = tender.planning
    steps = [f"{tender.client} vergelijkt de voorgedragen kandidaten op relevante werkervaring bij soortgelijke "
             f"opdrachten en organisaties."]
    if p.get("uitnodigingen_uiterlijk"):
        steps.append(f"De kandidaten die worden uitgenodigd voor een selectiegesprek ontvangen uiterlijk "
                     f"{dutch.weekday_date(p['uitnodigingen_uiterlijk'])} bericht.")
    if p.get("gesprekken"):
        place = f" op {p['gesprekken_locatie']}" if p.get("gesprekken_locatie") else ""
        steps.append(f"De selectiegesprekken zijn gepland op {dutch.appointment(p['gesprekken'])}{place}.")
    steps.append("Overige kandidaten ontvangen na de gesprekken bericht over de voortgang.")
    return steps


def require_letters_for(tender: Tender, results: Sequence[Result]) -> None:
    """Refuse what the letters cannot state yet (issue 17, step 5): a graded criterion's level, price or interview
    points, and the statuses withdrawn and below_threshold. A letter must never call a level 'niet voldaan'."""
    parts = [Problem(a.code, "punten per niveau (een staffel)") for a in tender.award if a.levels]
    if tender.price is not None:
        parts.append(Problem("prijs", f"prijspunten (formule {tender.price.formula})"))
    if tender.interviews.points is not None:
        parts.append(Problem("gesprekken.punten", "punten voor het gesprek en de eindscore"))
    for status in (rules.WITHDRAWN, rules.BELOW_THRESHOLD):
        ids = [r.offer.id for r in results if r.status == status]
        if ids:
            parts.append(Problem(", ".join(ids), f"status {dutch.STATUS_LABELS[status]}"))
    if parts:
        raise LettersNotYet(f"aanvraag {tender.number}", parts)


def planned_contents(tender: Tender, results: Sequence[Result], sent: date, lot: LotDrawing | None = None,
                     steps: Steps | None = None, history: History | None = None
                     ) -> list[tuple[Result, str, dict[str, Any], str]]:
    """Every letter the workbook calls for now: (result, kind, context without kenmerk, content digest)."""
    require_letters_for(tender, results)
    planned = []
    shared = totals(results, steps, base_context(tender, sent))
    for result, kind in plan(results, lot is not None, steps, tender, sent, history):
        context = letter_context(tender, result, results, kind, sent, lot, steps, shared, history)
        planned.append((result, kind, context, content_digest(context)))
    return planned


def write_letters(tender: Tender, results: Sequence[Result], folder: Path, sent: date,
                  lot: LotDrawing | None = None, templates: Path = TEMPLATES, steps: Steps | None = None,
                  history: History | None = None) -> list[Letter]:
    """Render one letter per planned offer into folder; each template is compiled once."""
    folder.mkdir(parents=True, exist_ok=True)
    compiled: dict[str, CompiledTemplate] = {}
    history = history or History()
    made = []
    for result, kind, context, content in planned_contents(tender, results, sent, lot, steps, history):
        if kind not in compiled:
            compiled[kind] = CompiledTemplate(templates / f"{kind}.docx")
        kenmerk, replaces = assign_reference(reference(tender, result, kind), content,
                                             history.earlier.get((result.offer.id, kind), []), history.sent)
        name = f"{result.offer.id}-{kind}.docx"
        data = compiled[kind].render({**context, "kenmerk": kenmerk})
        files.write_own_file(folder / name, data)  # a link planted under this name is replaced, not followed
        o = result.offer
        made.append(Letter(o.id, o.candidate, o.supplier, o.contact, o.email, kind, name, kenmerk,
                           hashlib.sha256(data).hexdigest(), content, replaces, o.salutation))
    return made
