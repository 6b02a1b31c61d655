"""Letters to suppliers: one context per offer (only that offer's data), Word templates compiled once."""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Sequence

from docxtpl import DocxTemplate
from jinja2 import Environment, StrictUndefined

from inhuur import dutch, rules, ziparts
from inhuur.rules import Result
from inhuur.spec import Tender

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "letters"
KIND_OF_STATUS = {rules.NON_CONFORMING: "niet_conform", rules.KNOCKED_OUT: "knock_out",
                  rules.NOT_SELECTED: "niet_geselecteerd", rules.SHORTLISTED: "voorgedragen"}
LOT = "loting"
KINDS = (*KIND_OF_STATUS.values(), LOT)
_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def environment() -> Environment:
    """The Jinja environment for letters: autoescape on, so '&' or '<' in a name never breaks the document."""
    return Environment(autoescape=True, undefined=StrictUndefined)


class CompiledTemplate:
    """A Word template parsed and compiled once; each render only fills in a context and zips the result."""

    def __init__(self, path: Path, env: Environment | None = None):
        self.path = Path(path)
        self.data = self.path.read_bytes()
        self.members = ziparts.RawMembers(self.data)
        env = env or environment()
        self._docxtpl = DocxTemplate(io.BytesIO(self.data))
        self._docxtpl.init_docx()
        document = self._docxtpl.docx
        self.templates = {document.part.partname.lstrip("/"): self._compile(env, document._element)}
        for uri in (DocxTemplate.HEADER_URI, DocxTemplate.FOOTER_URI):
            for _, part in self._docxtpl.get_headers_footers(uri):
                xml = self._docxtpl.get_part_xml(part)
                self.templates[part.partname.lstrip("/")] = self._compile_text(env, xml)

    def _compile(self, env: Environment, element):
        return self._compile_text(env, self._docxtpl.xml_to_string(element))

    def _compile_text(self, env: Environment, xml: str):
        # the same preparation docxtpl applies before every render, done once here
        xml = self._docxtpl.patch_xml(xml)
        return env.from_string(re.sub(r"<w:p([ >])", r"\n<w:p\1", xml))

    def render(self, context: dict[str, Any]) -> bytes:
        """The letter as .docx bytes."""
        parts = {}
        for name, template in self.templates.items():
            xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", template.render(context))
            xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
            parts[name] = _DECLARATION + self._docxtpl.resolve_listing(xml).encode("utf-8")
        out = io.BytesIO()
        self.members.write(out, parts)
        return out.getvalue()


@dataclass(frozen=True)
class LotDrawing:
    """When, where and by whom a lot is drawn, for the invitation to the tied suppliers."""

    moment: datetime
    place: str
    drawn_by: str


@dataclass(frozen=True)
class Letter:
    """One generated letter: for which offer, which kind, the file and its SHA-256."""

    offer_id: str
    candidate: str
    supplier: str
    contact: str
    email: str
    kind: str
    file: str
    reference: str
    sha256: str


def plan(results: Sequence[Result], lot: bool) -> list[tuple[Result, str]]:
    """Which letter each offer gets at this stage: by status, or only the lot invitations."""
    if lot:
        return [(r, LOT) for r in results if r.status == rules.TIE_UNRESOLVED]
    return [(r, KIND_OF_STATUS[r.status]) for r in results]


def reference(tender: Tender, result: Result, kind: str) -> str:
    """The letter's kenmerk, e.g. 30662-I-003-niet_geselecteerd."""
    return f"{tender.number}-{result.offer.id}-{kind}"


def base_context(tender: Tender, sent: date) -> dict[str, Any]:
    """Fields every letter has, with empty defaults for the kind-specific ones (see templates/letters/VELDEN.md)."""
    sender = {k: tender.sender.get(k, "") for k in ("organisatie", "namens", "naam", "functie", "email",
                                                     "telefoon", "adres")}
    end = rules.standstill_end(sent, tender.standstill_days, tender.standstill_working_day)
    planning = tender.planning
    interviews = planning.get("gesprekken")
    return {
        "aanvraag": {"nummer": tender.number, "titel": tender.title, "opdrachtgever": tender.client,
                     "intermediair": tender.intermediary},
        "afzender": sender, "datum": dutch.day(sent), "termijn_dagen": tender.standstill_days,
        "termijn_einde": dutch.weekday_date(end), "voordragen": tender.shortlist_size,
        "totaal_punten": dutch.number(tender.total_points),
        "gesprekken": _moment_words(interviews) if interviews else "",
        "leverancier": {}, "kandidaat": "", "kenmerk": "", "ingediend": "", "eisen": [], "knock_outs": [],
        "criteria": [], "score": "", "rang": "", "aantal_gerangschikt": 0, "laagste_score_voorgedragen": "",
        "loting": [], "loting_beslist": False, "aantal_gelijk": 0, "vervolg": [],
    }


def _moment_words(value) -> str:
    if isinstance(value, datetime):
        return f"{dutch.weekday_date(value)} om {value:%H:%M} uur"
    return dutch.weekday_date(value)


def letter_context(tender: Tender, result: Result, results: Sequence[Result], kind: str, sent: date,
                   lot: LotDrawing | None = None) -> dict[str, Any]:
    """Everything one letter may show: this offer's own facts and results, and aggregates, never others' data."""
    offer = result.offer
    context = base_context(tender, sent)
    ranked = [r for r in results if r.rank is not None]
    shortlisted = [r.score for r in results if r.status == rules.SHORTLISTED]
    context.update({
        "leverancier": {"naam": offer.supplier, "contactpersoon": offer.contact or "heer/mevrouw",
                        "email": offer.email},
        "kandidaat": offer.candidate, "kenmerk": reference(tender, result, kind),
        "ingediend": dutch.moment(offer.facts["ingediend"]) if offer.facts.get("ingediend") else "",
        "score": dutch.number(result.score) if result.score is not None else "",
        "rang": result.rank or "", "aantal_gerangschikt": len(ranked),
        "laagste_score_voorgedragen": dutch.number(min(shortlisted)) if shortlisted else "",
        "aantal_gelijk": result.shared or 0,
        "loting_beslist": bool(result.tie_group) and offer.lot is not None,
    })
    formal_failed, ko_failed = rules.failed_requirements(tender, offer)
    context["eisen"] = [{"code": r.code, "omschrijving": r.description, "bevinding": _formal_finding(r.code, offer)}
                        for r in tender.formal if r.code in formal_failed]
    context["knock_outs"] = [{"code": k.code, "omschrijving": k.description,
                              "bevinding": _knock_out_finding(k, offer)}
                             for k in tender.knock_outs if k.code in ko_failed]
    context["criteria"] = [{"code": a.code, "omschrijving": a.description, "punten": dutch.number(a.points),
                            "behaald": dutch.number(a.points if offer.judgments.get(a.code, rules.Judgment()).met
                                                    else Decimal(0))}
                           for a in tender.award]
    context["vervolg"] = _next_steps(tender)
    if lot is not None:
        context["loting"] = [f"Datum en tijd: {_moment_words(lot.moment)}", f"Plaats: {lot.place}",
                             f"Het lot wordt getrokken door: {lot.drawn_by}"]
    return context


def _formal_finding(code: str, offer) -> str:
    f = offer.facts
    return {
        "ingediend": f"ontvangen op {dutch.moment(f['ingediend'])}" if f.get("ingediend") else "",
        "cv_paginas": f"het cv telt {f.get('cv_paginas')} pagina's",
        "cv_taal": f"het cv is opgesteld in het {f.get('cv_taal')}",
        "cv_pdf": "het cv is niet als pdf aangeleverd",
        "referenties": f"aantal referenties: {f.get('referenties')}",
        "dba_onderbouwing": "de onderbouwing ontbreekt of is naar ons oordeel niet deugdelijk",
        "waadi": "geen registratie conform de Waadi",
    }.get(code, "")


def _knock_out_finding(knock_out, offer) -> str:
    if knock_out.kind == "max_uurtarief":
        return f"aangeboden uurtarief {dutch.money(offer.rate)} excl. btw"
    judgment = offer.judgments.get(knock_out.code, rules.Judgment())
    if judgment.client not in (None, ""):
        return "naar het oordeel van de opdrachtgever niet aantoonbaar"
    if judgment.assessor not in (None, ""):
        return "naar het oordeel van de beoordelaar niet aantoonbaar in cv of toelichting"
    return "volgens uw eigen opgave niet"


def _next_steps(tender: Tender) -> list[str]:
    p = tender.planning
    steps = [f"{tender.client} vergelijkt de voorgedragen kandidaten op relevante werkervaring bij soortgelijke "
             f"opdrachten en organisaties."]
    if p.get("uitnodigingen_uiterlijk"):
        steps.append(f"De kandidaten die worden uitgenodigd voor een selectiegesprek ontvangen uiterlijk "
                     f"{dutch.weekday_date(p['uitnodigingen_uiterlijk'])} bericht.")
    if p.get("gesprekken"):
        place = f" op {p['gesprekken_locatie']}" if p.get("gesprekken_locatie") else ""
        steps.append(f"De selectiegesprekken zijn gepland op {_moment_words(p['gesprekken'])}{place}.")
    steps.append("Overige kandidaten ontvangen na de gesprekken bericht over de voortgang.")
    return steps


def write_letters(tender: Tender, results: Sequence[Result], folder: Path, sent: date,
                  lot: LotDrawing | None = None, templates: Path = TEMPLATES) -> list[Letter]:
    """Render one letter per planned offer into folder; each template is compiled once."""
    folder.mkdir(parents=True, exist_ok=True)
    compiled: dict[str, CompiledTemplate] = {}
    letters = []
    for result, kind in plan(results, lot is not None):
        if kind not in compiled:
            compiled[kind] = CompiledTemplate(templates / f"{kind}.docx")
        data = compiled[kind].render(letter_context(tender, result, results, kind, sent, lot))
        name = f"{result.offer.id}-{kind}.docx"
        (folder / name).write_bytes(data)
        o = result.offer
        letters.append(Letter(o.id, o.candidate, o.supplier, o.contact, o.email, kind, name,
                              reference(tender, result, kind),
                              hashlib.sha256(data).hexdigest()))
    return letters
