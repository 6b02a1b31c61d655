"""The tender spec: dataclasses for one inhuuropdracht and their validated construction from TOML."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from inhuur.errors import FileMissing, InvalidSpec, PointsDoNotAddUp, Problem

# Offer facts that formal requirements may test, with the kinds of test each allows.
FORMAL_FIELDS: dict[str, tuple[str, ...]] = {
    "ingediend": ("uiterlijk",),
    "cv_paginas": ("maximaal", "minimaal"),
    "cv_taal": ("gelijk",),
    "cv_pdf": ("ja",),
    "referenties": ("minimaal", "maximaal"),
    "dba_onderbouwing": ("ja",),
    "waadi": ("niet_nee", "ja"),
}
KNOCK_OUT_KINDS = ("oordeel", "max_uurtarief")
# Price formulas ([prijs] formule) and the bounds each one uses (DESIGN.md "Award models").
PRICE_BOUNDS: dict[str, tuple[str, ...]] = {
    "relatief": (), "lineair": (), "absoluut": ("ondergrens", "bovengrens"), "grens": ("grens",)}
AFTER_WITHDRAWAL = ("vast", "herberekenen")
CODE_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,15}$")


@dataclass(frozen=True)
class FormalRequirement:
    """A formal requirement (ontvankelijkheid) tested on one offer fact, e.g. cv_paginas <= 5."""

    code: str
    kind: str
    value: Any
    description: str
    short: str = ""

    @property
    def label(self) -> str:
        """Short wording for reasons and headers, e.g. "Cv max. 5 pagina's"."""
        return self.short or _default_formal_label(self)


@dataclass(frozen=True)
class KnockOut:
    """A knock-out criterion: judged Ja/Nee (`oordeel`) or computed from the rate (`max_uurtarief`)."""

    code: str
    kind: str
    description: str
    short: str = ""

    @property
    def judged(self) -> bool:
        """True when staff judge it Ja/Nee; False when it is computed."""
        return self.kind == "oordeel"

    @property
    def label(self) -> str:
        """Code and short wording, e.g. 'KO1 hbo-bachelor'."""
        return f"{self.code} {self.short or _shorten(self.description)}"


@dataclass(frozen=True)
class Level:
    """One level of a graded criterion: the finding that names it (its label) and the points it gives."""

    label: str
    points: Decimal


def level_key(label: str) -> str:
    """How a level's label is compared: without case and surrounding spaces."""
    return label.strip().casefold()


@dataclass(frozen=True)
class AwardCriterion:
    """An award criterion: binary (met gives all its points, not met none) or graded (the finding is a level)."""

    code: str
    points: Decimal
    description: str
    short: str = ""
    levels: tuple[Level, ...] = ()

    @property
    def label(self) -> str:
        """Code and short wording, e.g. 'G5 Suite (Centric)'."""
        return f"{self.code} {self.short or _shorten(self.description)}"

    def level(self, finding: str | None) -> Level | None:
        """The level a finding names (without case and surrounding spaces), or None."""
        if not isinstance(finding, str):
            return None
        return next((lv for lv in self.levels if level_key(lv.label) == level_key(finding)), None)


@dataclass(frozen=True)
class Price:
    """Price as an award criterion ([prijs]): its points, formula, the formula's bounds, what a withdrawal does."""

    points: Decimal
    formula: str                       # relatief | lineair | absoluut | grens
    lower: Decimal | None = None       # ondergrens (absoluut): a rate at or below it gets all points
    upper: Decimal | None = None       # bovengrens (absoluut): a rate at or above it gets none
    limit: Decimal | None = None       # grens (grens): a rate at or below it gets all points, above it none
    after_withdrawal: str = "vast"     # na_intrekking: vast | herberekenen (after the step's letters are sent)

    @property
    def compares(self) -> bool:
        """True when the points depend on the other offers' rates (L and H), so a withdrawal can move them."""
        return not PRICE_BOUNDS[self.formula]


def _shorten(text: str, limit: int = 32) -> str:
    """The first words of a description, cut at a word boundary, for a criterion without a short wording."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:/ ")
    return f"{cut} …"


def _default_formal_label(r: "FormalRequirement") -> str:
    return {
        "ingediend": "Ingediend vóór de sluiting",
        "cv_paginas": f"Cv max. {r.value} pagina's" if r.kind == "maximaal" else f"Cv min. {r.value} pagina's",
        "cv_taal": f"Cv in het {r.value}",
        "cv_pdf": "Cv als pdf",
        "referenties": f"Min. {r.value} referenties" if r.kind == "minimaal" else f"Max. {r.value} referenties",
        "dba_onderbouwing": "Onderbouwing Wet DBA",
        "waadi": "Waadi-registratie",
    }.get(r.code, r.code)


@dataclass(frozen=True)
class Interviews:
    """How step 4 is scored: the scale, the pass mark, whether consensus or average counts, who interviews."""

    min_interviewers: int = 2
    scale: tuple[str, ...] = ("ruim onvoldoende", "onvoldoende", "voldoende", "goed", "zeer goed")
    pass_mark: int = 3
    counts: str = "consensus"
    roles: tuple[str, ...] = ()
    bring: tuple[str, ...] = ()
    vog_weeks: int = 4
    vog_p_weeks: int = 8
    points: Decimal | None = None   # the interview's share of the final score; None: pass/fail only (30662)


@dataclass(frozen=True)
class LotRules:
    """How a lot drawing is announced and held ([loting]): notice in working days, basis, method, attendance."""

    notice_days: int = 2
    basis: str = ("de aanvraag: bij een gelijke score beslist het laagste uurtarief; is ook het uurtarief gelijk, "
                  "dan beslist het lot")
    method: str = ("elke betrokken kandidaat krijgt een genummerd, gesloten lot; de trekker trekt de loten één voor "
                   "één, en de volgorde van trekken is de volgorde op de ranglijst")
    attendance: str = ("U kunt de loting bijwonen, ter plaatse of op afstand via een videoverbinding; de link "
                       "ontvangt u na uw aanmelding.")


@dataclass(frozen=True)
class Tender:
    """Everything the tool needs to know about one tender, validated."""

    number: str
    title: str
    client: str
    intermediary: str
    shortlist_size: int
    professionals: int
    rate_cap: Decimal | None     # None: the request sets no cap
    total_points: Decimal
    deadline: datetime
    formal: tuple[FormalRequirement, ...]
    knock_outs: tuple[KnockOut, ...]
    award: tuple[AwardCriterion, ...]
    competencies: tuple[str, ...]
    standstill_days: int
    standstill_working_day: bool
    facts: dict[str, Any] = field(default_factory=dict)
    planning: dict[str, Any] = field(default_factory=dict)
    sender: dict[str, str] = field(default_factory=dict)
    other: dict[str, str] = field(default_factory=dict)
    interviews: Interviews = field(default_factory=Interviews)
    source_text: str = ""
    self_declaration: bool = False
    court: str = ""   # the court for a kort geding, e.g. Midden-Nederland; '' gives a neutral wording
    name_chosen: bool = False  # may rejections name the chosen professional (personal data), or only the supplier
    lot: LotRules = field(default_factory=LotRules)
    price: Price | None = None           # [prijs]: price as an award criterion
    min_score: Decimal | None = None     # aanvraag.minimale_score: below it after step 2, an offer is not ranked

    @cached_property
    def _by_code(self) -> dict[str, "FormalRequirement | KnockOut | AwardCriterion"]:
        return {item.code: item for item in (*self.formal, *self.knock_outs, *self.award)}

    def criterion(self, code: str) -> "FormalRequirement | KnockOut | AwardCriterion":
        """The formal requirement, knock-out or award criterion with this code (KeyError if none)."""
        return self._by_code[code]

    def label(self, code: str) -> str:
        """The short wording of a criterion for reasons and headers."""
        return self.criterion(code).label

    @cached_property
    def judged_codes(self) -> tuple[str, ...]:
        """Codes judged Ja/Nee per offer (judged knock-outs, then award criteria), in spec order."""
        return tuple(k.code for k in self.knock_outs if k.judged) + tuple(a.code for a in self.award)


# Allowed keys per table: name -> (required, accepted python types).
_AANVRAAG = {
    "nummer": (True, (str, int)), "titel": (True, str), "opdrachtgever": (True, str),
    "intermediair": (True, str), "start": (False, (date,)), "duur": (False, str),
    "verlenging": (False, str), "uren_per_week": (False, (int, float)),
    "opleidingsniveau": (False, str), "regio": (False, str), "functieschaal": (False, (str, int)),
    "das_opdracht": (False, bool), "hybride_werken": (False, bool), "werkdagen": (False, str),
    "aantal_professionals": (True, int), "voordragen": (True, int),
    "max_uurtarief": (False, (str, int, float)), "totaal_punten": (True, (int, float, str)),
    "fee": (False, str), "minimale_score": (False, (int, float, str)),
}
_PLANNING = {
    "vragen_tot": (False, (date,)), "antwoorden": (False, (date,)), "sluiting": (True, (datetime,)),
    "uitnodigingen_uiterlijk": (False, (date,)), "gesprekken": (False, (date,)),
    "gesprekken_locatie": (False, str),
}
_STANDSTILL = {"dagen": (True, int), "werkdag_regel": (True, bool), "rechtbank": (False, str)}
_SENDER = {k: (k in ("organisatie", "naam"), str)
           for k in ("organisatie", "namens", "naam", "functie", "email", "telefoon", "adres")}
_FORMAL = {"code": (True, str), "soort": (True, str), "waarde": (False, (int, str)),
           "omschrijving": (True, str), "kort": (False, str)}
_KNOCK_OUT = {"code": (True, str), "soort": (True, str), "omschrijving": (True, str), "kort": (False, str)}
_AWARD = {"code": (True, str), "punten": (True, (int, float, str)), "omschrijving": (True, str),
          "kort": (False, str), "niveaus": (False, list)}
_LEVEL = {"oordeel": (True, str), "punten": (True, (int, float, str))}
_PRICE = {"punten": (True, (int, float, str)), "formule": (True, str), "ondergrens": (False, (str, int, float)),
          "bovengrens": (False, (str, int, float)), "grens": (False, (str, int, float)), "na_intrekking": (False, str)}
_ASSESSMENT = {"zelfverklaring_telt": (False, bool), "naam_gekozen_professional": (False, bool)}
_LOT = {"aankondiging_werkdagen": (False, int), "grondslag": (False, str), "methode": (False, str),
        "bijwonen": (False, str)}
_INTERVIEWS = {"minimaal_interviewers": (False, int), "schaal": (False, list), "voldoende": (False, int),
               "telt": (False, str), "rollen": (False, list), "meenemen": (False, list),
               "vog_weken": (False, int), "vog_p_weken": (False, int), "punten": (False, (int, float, str))}
_TOP = {"aanvraag", "planning", "opschortende_termijn", "afzender", "formeel", "knock_out",
        "gunning", "competenties", "gesprekken", "overig", "beoordeling", "loting", "prijs"}


def load_spec(source: str | Path | IO[bytes]) -> Tender:
    """Read and validate a tender spec from a TOML path or binary file object."""
    if hasattr(source, "read"):
        raw = source.read()
        name = getattr(source, "name", "spec")
    else:
        path = Path(source)
        if not path.is_file():
            raise FileMissing(path)
        raw = path.read_bytes()
        name = str(path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidSpec(name, [Problem("", "het bestand is geen UTF-8-tekst; sla het op als UTF-8")])
    return parse_spec(text, name)


def parse_spec(text: str, source: str = "spec") -> Tender:
    """Validate TOML text into a Tender; every problem is collected and raised as InvalidSpec."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidSpec(source, [Problem("", _toml_error_in_dutch(str(exc)))])
    problems: list[Problem] = []
    for key in data:
        if key not in _TOP:
            problems.append(Problem(key, f"onbekend onderdeel [{key}]; toegestaan: {', '.join(sorted(_TOP))}"))
    aanvraag = _table(data, "aanvraag", _AANVRAAG, problems)
    planning = _table(data, "planning", _PLANNING, problems)
    standstill = _table(data, "opschortende_termijn", _STANDSTILL, problems)
    sender = _table(data, "afzender", _SENDER, problems)
    other = data.get("overig", {})
    if not isinstance(other, dict) or not all(isinstance(v, str) for v in other.values()):
        problems.append(Problem("overig", "verwacht tekstvelden (naam = \"tekst\")"))
        other = {}
    formal = _formal(data, problems)
    knock_outs = _knock_outs(data, problems)
    award = _award(data, problems)
    competencies = _competencies(data, problems)
    interviews = _interviews(data, problems)
    assessment = _table(data, "beoordeling", _ASSESSMENT, problems) if "beoordeling" in data else {}
    lot = _table(data, "loting", _LOT, problems) if "loting" in data else {}
    if isinstance(lot.get("aankondiging_werkdagen"), int) and lot["aankondiging_werkdagen"] < 1:
        problems.append(Problem("loting.aankondiging_werkdagen", "moet minstens 1 werkdag zijn"))
    price = _price(data, problems)
    _unique_codes(formal, knock_outs, award, problems)
    rate_cap = _rate_cap(aanvraag, knock_outs, price, problems)
    total = _decimal(aanvraag.get("totaal_punten"), "aanvraag.totaal_punten", problems)
    for key in ("voordragen", "aantal_professionals"):
        if isinstance(aanvraag.get(key), int) and aanvraag[key] < 1:
            problems.append(Problem(f"aanvraag.{key}", f"moet minstens 1 zijn, niet {aanvraag[key]}"))
    if isinstance(standstill.get("dagen"), int) and standstill["dagen"] < 0:
        problems.append(Problem("opschortende_termijn.dagen", "mag niet negatief zijn"))
    _check_dates(aanvraag, planning, problems)
    parts = [(a.code, a.points) for a in award] + ([("prijs", price.points)] if price else []) + \
        ([("gesprek", interviews.points)] if interviews.points is not None else [])
    points_problem = None
    if total is not None and award and all(points is not None for _, points in parts):
        points = sum((points for _, points in parts), Decimal(0))
        if points != total:
            listed = " + ".join(f"{name} {_num(value)}" for name, value in parts)
            points_problem = Problem("aanvraag.totaal_punten",
                                     f"de gunningscriteria tellen op tot {_num(points)} ({listed}), "
                                     f"niet tot het opgegeven totaal {_num(total)}")
    step2_points = sum((value for name, value in parts if name != "gesprek" and value is not None), Decimal(0))
    min_score = _min_score(aanvraag, step2_points, problems)
    if interviews.points is not None and not competencies:
        problems.append(Problem("gesprekken.punten", "er zijn geen competenties ([competenties] lijst) om het "
                                                     "gesprek mee te scoren; noem ze of laat punten weg"))
    if problems:
        raise InvalidSpec(source, problems + ([points_problem] if points_problem else []))
    if points_problem:
        raise PointsDoNotAddUp(source, [points_problem])
    return Tender(
        number=str(aanvraag["nummer"]), title=aanvraag["titel"], client=aanvraag["opdrachtgever"],
        intermediary=aanvraag["intermediair"], shortlist_size=aanvraag["voordragen"],
        professionals=aanvraag["aantal_professionals"], rate_cap=rate_cap, total_points=total,
        deadline=planning["sluiting"],
        formal=tuple(formal), knock_outs=tuple(knock_outs), award=tuple(award),
        competencies=tuple(competencies), standstill_days=standstill["dagen"],
        standstill_working_day=standstill["werkdag_regel"], facts=dict(aanvraag),
        planning=dict(planning), sender=dict(sender), other=dict(other), interviews=interviews, source_text=text,
        self_declaration=assessment.get("zelfverklaring_telt", False), court=standstill.get("rechtbank", ""),
        name_chosen=assessment.get("naam_gekozen_professional", False),
        lot=LotRules(**{field_: lot[key] for key, field_ in (("aankondiging_werkdagen", "notice_days"),
                     ("grondslag", "basis"), ("methode", "method"), ("bijwonen", "attendance")) if key in lot}),
        price=price, min_score=min_score,
    )


def _toml_error_in_dutch(message: str) -> str:
    """Keep tomllib's position, name the usual causes in Dutch."""
    where = re.search(r"\(at line (\d+), column (\d+)\)", message)
    place = f"regel {where.group(1)}, kolom {where.group(2)}: " if where else ""
    if "Invalid date" in message or "Invalid time" in message:
        return f"{place}ongeldige datum of tijd (bestaat die dag wel?)"
    if "Cannot overwrite a value" in message or "Cannot declare" in message:
        return f"{place}een veld of tabel staat er twee keer in"
    return f"{place}geen geldige TOML ({message})"


def _table(data: dict, name: str, schema: dict, problems: list[Problem]) -> dict:
    table = data.get(name)
    if table is None:
        if any(required for required, _ in schema.values()):
            problems.append(Problem(name, f"onderdeel [{name}] ontbreekt"))
        return {}
    if not isinstance(table, dict):
        problems.append(Problem(name, f"[{name}] moet een tabel zijn"))
        return {}
    return _fields(table, name, schema, problems)


def _fields(table: dict, where: str, schema: dict, problems: list[Problem]) -> dict:
    good = {}
    for key, value in table.items():
        if key not in schema:
            problems.append(Problem(f"{where}.{key}",
                                    f"onbekend veld; toegestaan: {', '.join(schema)}"))
            continue
        types = schema[key][1]
        types = types if isinstance(types, tuple) else (types,)
        if isinstance(value, bool) and bool not in types:
            ok = False
        else:
            ok = isinstance(value, types)
        if ok and time in types and isinstance(value, time):
            ok = False
        if not ok:
            problems.append(Problem(f"{where}.{key}", f"waarde {value!r} heeft niet de juiste vorm "
                                                      f"(verwacht {_type_names(types)})"))
            continue
        good[key] = value
    for key, (required, _) in schema.items():
        if required and key not in table:
            problems.append(Problem(f"{where}.{key}", "verplicht veld ontbreekt"))
    return good


def _type_names(types: tuple) -> str:
    names = {str: "tekst", int: "geheel getal", float: "getal", bool: "true/false",
             date: "datum", datetime: "datum met tijd", list: "lijst"}
    return " of ".join(dict.fromkeys(names[t] for t in types))


def _list_of_tables(data: dict, name: str, problems: list[Problem]) -> list[dict]:
    items = data.get(name, [])
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        problems.append(Problem(name, f"verwacht een lijst [[{name}]]"))
        return []
    return items


def _formal(data: dict, problems: list[Problem]) -> list[FormalRequirement]:
    result = []
    for n, item in enumerate(_list_of_tables(data, "formeel", problems), start=1):
        where = f"formeel[{n}]"
        fields = _fields(item, where, _FORMAL, problems)
        code, kind = fields.get("code"), fields.get("soort")
        if code is None or kind is None:
            continue
        if code not in FORMAL_FIELDS:
            problems.append(Problem(f"{where}.code", f"'{code}' is geen bekend gegeven; kies uit "
                                                     f"{', '.join(FORMAL_FIELDS)}"))
            continue
        if kind not in FORMAL_FIELDS[code]:
            problems.append(Problem(f"{where}.soort", f"'{kind}' past niet bij {code}; kies uit "
                                                      f"{', '.join(FORMAL_FIELDS[code])}"))
            continue
        value = fields.get("waarde")
        if kind in ("maximaal", "minimaal") and not (isinstance(value, int) and value >= 0):
            problems.append(Problem(f"{where}.waarde", f"{kind} vraagt een geheel getal >= 0"))
            continue
        if kind == "gelijk" and not (isinstance(value, str) and value.strip()):
            problems.append(Problem(f"{where}.waarde", "gelijk vraagt een tekst, bijv. \"Nederlands\""))
            continue
        result.append(FormalRequirement(code, kind, value, fields["omschrijving"], fields.get("kort", "")))
    return result


def _knock_outs(data: dict, problems: list[Problem]) -> list[KnockOut]:
    result = []
    for n, item in enumerate(_list_of_tables(data, "knock_out", problems), start=1):
        where = f"knock_out[{n}]"
        fields = _fields(item, where, _KNOCK_OUT, problems)
        if "code" not in fields or "soort" not in fields:
            continue
        if fields["soort"] not in KNOCK_OUT_KINDS:
            problems.append(Problem(f"{where}.soort", f"'{fields['soort']}' onbekend; kies uit "
                                                      f"{', '.join(KNOCK_OUT_KINDS)}"))
            continue
        result.append(KnockOut(fields["code"], fields["soort"], fields.get("omschrijving", ""), fields.get("kort", "")))
    if sum(1 for k in result if k.kind == "max_uurtarief") > 1:
        problems.append(Problem("knock_out", "soort max_uurtarief mag maar één keer voorkomen"))
    return result


def _award(data: dict, problems: list[Problem]) -> list[AwardCriterion]:
    result = []
    items = _list_of_tables(data, "gunning", problems)
    if not items:
        problems.append(Problem("gunning", "er is geen gunningscriterium [[gunning]]"))
    for n, item in enumerate(items, start=1):
        where = f"gunning[{n}]"
        fields = _fields(item, where, _AWARD, problems)
        if "code" not in fields:
            continue
        points = _points(fields.get("punten"), f"{where}.punten", problems)
        levels = _levels(fields["niveaus"], where, points, problems) if "niveaus" in fields else ()
        result.append(AwardCriterion(fields["code"], points, fields.get("omschrijving", ""), fields.get("kort", ""),
                                     levels))
    return result


def _levels(items: list, where: str, points: Decimal | None, problems: list[Problem]) -> tuple[Level, ...]:
    """A graded criterion's levels: at least two, labels unique, none negative, the highest worth `punten`."""
    if not all(isinstance(item, dict) for item in items):
        problems.append(Problem(f"{where}.niveaus", "verwacht een lijst niveaus, bijv. "
                                                    "[ { oordeel = \"geen\", punten = 0 }, { oordeel = \"beide\", punten = 10 } ]"))
        return ()
    if len(items) < 2:
        problems.append(Problem(f"{where}.niveaus", "een staffel heeft minstens twee niveaus; een criterium met "
                                                    "alleen Ja/Nee heeft geen niveaus nodig"))
    levels: list[Level] = []
    seen: dict[str, int] = {}
    for m, item in enumerate(items, start=1):
        here = f"{where}.niveaus[{m}]"
        fields = _fields(item, here, _LEVEL, problems)
        value = _points(fields.get("punten"), f"{here}.punten", problems, zero=True)
        label = fields.get("oordeel")
        if label is None or value is None:
            continue
        key = level_key(label)
        if not key:
            problems.append(Problem(f"{here}.oordeel", "een niveau heeft een naam nodig"))
        elif key in seen:
            problems.append(Problem(f"{here}.oordeel", f"'{label.strip()}' is al niveau {seen[key]} (hoofdletters "
                                                       f"en spaties tellen niet mee); geef elk niveau een eigen naam"))
        else:
            seen[key] = m
        levels.append(Level(label.strip(), value))
    if levels and points is not None and len(levels) == len(items):
        highest = max(level.points for level in levels)
        if highest != points:
            problems.append(Problem(f"{where}.niveaus", f"het hoogste niveau geeft {_num(highest)} punten, niet de "
                                                        f"{_num(points)} van {where}.punten; maak die gelijk"))
    return tuple(levels)


def _price(data: dict, problems: list[Problem]) -> Price | None:
    """[prijs]: points, a known formula with exactly the bounds it uses, and what a withdrawal does."""
    if "prijs" not in data:
        return None
    fields = _table(data, "prijs", _PRICE, problems)
    points = _points(fields.get("punten"), "prijs.punten", problems)
    formula = fields.get("formule")
    if formula is None:
        return None
    if formula not in PRICE_BOUNDS:
        problems.append(Problem("prijs.formule", f"'{formula}' onbekend; kies uit {', '.join(PRICE_BOUNDS)}"))
        return None
    uses = PRICE_BOUNDS[formula]
    bounds: dict[str, Decimal | None] = {}
    for key in ("ondergrens", "bovengrens", "grens"):
        if key not in uses:
            if key in fields:
                problems.append(Problem(f"prijs.{key}", f"hoort niet bij formule {formula}; {_uses(formula)}. "
                                                        f"Laat het veld weg"))
            continue
        if key not in fields:
            problems.append(Problem(f"prijs.{key}", f"ontbreekt: formule {formula} rekent met "
                                                    f"{' en '.join(uses)} (een bedrag, bijv. \"60.00\")"))
            continue
        bounds[key] = _decimal(fields[key], f"prijs.{key}", problems)
        if bounds[key] is not None and bounds[key] <= 0:
            problems.append(Problem(f"prijs.{key}", f"'{fields[key]}' moet een bedrag groter dan 0 zijn"))
            bounds[key] = None
    lower, upper = bounds.get("ondergrens"), bounds.get("bovengrens")
    if lower is not None and upper is not None and lower >= upper:
        problems.append(Problem("prijs.bovengrens", f"\"{fields['bovengrens']}\" ligt niet boven prijs.ondergrens "
                                                    f"(\"{fields['ondergrens']}\"): een uurtarief op de ondergrens "
                                                    f"krijgt alle punten, op de bovengrens geen"))
    after = fields.get("na_intrekking", "vast")
    if after not in AFTER_WITHDRAWAL:
        problems.append(Problem("prijs.na_intrekking", f"'{after}' onbekend; kies vast of herberekenen"))
    elif "na_intrekking" in fields and uses:
        problems.append(Problem("prijs.na_intrekking", f"hoort niet bij formule {formula}: die hangt niet af van de "
                                                       f"andere inschrijvingen, dus een intrekking verandert niets. "
                                                       f"Laat het veld weg"))
    if points is None:
        return None
    return Price(points, formula, lower, upper, bounds.get("grens"), after)


def _uses(formula: str) -> str:
    uses = PRICE_BOUNDS[formula]
    if not uses:
        return f"{formula} rekent met het laagste en hoogste uurtarief van de inschrijvingen, zonder vaste grenzen"
    return f"{formula} rekent met {' en '.join(uses)}"


def _rate_cap(aanvraag: dict, knock_outs: list[KnockOut], price: Price | None,
              problems: list[Problem]) -> Decimal | None:
    """The optional cap: tested by exactly one knock-out of kind max_uurtarief, and not making the price moot."""
    cap = _decimal(aanvraag.get("max_uurtarief"), "aanvraag.max_uurtarief", problems)
    tested = next((n for n, k in enumerate(knock_outs, start=1) if k.kind == "max_uurtarief"), None)
    if "max_uurtarief" not in aanvraag:
        if tested and not any(p.where == "aanvraag.max_uurtarief" for p in problems):  # not merely mistyped
            problems.append(Problem(f"knock_out[{tested}].soort", "max_uurtarief toetst aanvraag.max_uurtarief, maar "
                                                                  "dat veld ontbreekt; vul het in of kies soort "
                                                                  "oordeel"))
        return None
    if cap is None:
        return None
    if cap <= 0:
        problems.append(Problem("aanvraag.max_uurtarief", "moet een bedrag groter dan 0 zijn"))
        return None
    if not tested:
        problems.append(Problem("aanvraag.max_uurtarief", "geen [[knock_out]] met soort = \"max_uurtarief\" toetst "
                                                          "dit maximum; voeg die toe of laat het veld weg"))
    written = f"\"{aanvraag['max_uurtarief']}\""
    if price and price.lower is not None and price.lower >= cap:
        problems.append(Problem("prijs.ondergrens", f"ligt niet onder aanvraag.max_uurtarief ({written}): elke "
                                                    f"toegelaten inschrijving zit dan op of onder de ondergrens en "
                                                    f"krijgt alle prijspunten; kies een ondergrens onder het maximum"))
    if price and price.limit is not None and price.limit >= cap:
        problems.append(Problem("prijs.grens", f"ligt niet onder aanvraag.max_uurtarief ({written}): elke toegelaten "
                                               f"inschrijving zit dan op of onder de grens en krijgt alle prijspunten; "
                                               f"kies een grens onder het maximum of laat het maximum weg"))
    return cap


def _min_score(aanvraag: dict, reachable: Decimal, problems: list[Problem]) -> Decimal | None:
    """The optional quality threshold: above 0, and reachable with the points of step 2 (criteria and price)."""
    if "minimale_score" not in aanvraag:
        return None
    value = _points(aanvraag["minimale_score"], "aanvraag.minimale_score", problems)
    if value is not None and value > reachable:
        problems.append(Problem("aanvraag.minimale_score", f"{_num(value)} is meer dan de {_num(reachable)} punten "
                                                           f"die stap 2 kan geven (gunningscriteria en prijs, zonder "
                                                           f"gesprek): geen inschrijving zou de drempel halen"))
    return value


def _competencies(data: dict, problems: list[Problem]) -> list[str]:
    table = data.get("competenties", {"lijst": []})
    if not isinstance(table, dict) or set(table) - {"lijst"}:
        problems.append(Problem("competenties", "verwacht alleen lijst = [\"...\", ...]"))
        return []
    items = table.get("lijst", [])
    if not isinstance(items, list) or not all(isinstance(c, str) and c.strip() for c in items):
        problems.append(Problem("competenties.lijst", "verwacht een lijst met namen"))
        return []
    if len(set(items)) != len(items):
        problems.append(Problem("competenties.lijst", "een competentie staat er dubbel in"))
    return items


def _interviews(data: dict, problems: list[Problem]) -> Interviews:
    fields = _table(data, "gesprekken", _INTERVIEWS, problems) if "gesprekken" in data else {}
    default = Interviews()
    scale = fields.get("schaal", list(default.scale))
    if not scale or not all(isinstance(x, str) and x.strip() for x in scale):
        problems.append(Problem("gesprekken.schaal", "verwacht een lijst met namen, van laag naar hoog"))
        scale = list(default.scale)
    pass_mark = fields.get("voldoende", default.pass_mark)
    if not 1 <= pass_mark <= len(scale):
        problems.append(Problem("gesprekken.voldoende", f"moet tussen 1 en {len(scale)} liggen (de schaal)"))
    counts = fields.get("telt", default.counts)
    if counts not in ("consensus", "gemiddelde"):
        problems.append(Problem("gesprekken.telt", f"'{counts}' onbekend; kies consensus of gemiddelde"))
    minimum = fields.get("minimaal_interviewers", default.min_interviewers)
    if minimum < 1:
        problems.append(Problem("gesprekken.minimaal_interviewers", "moet minstens 1 zijn"))
    for key in ("rollen", "meenemen"):
        if not all(isinstance(x, str) for x in fields.get(key, [])):
            problems.append(Problem(f"gesprekken.{key}", "verwacht een lijst met teksten"))
    points = _points(fields["punten"], "gesprekken.punten", problems) if "punten" in fields else None
    return Interviews(minimum, tuple(scale), pass_mark, counts, tuple(fields.get("rollen", ())),
                      tuple(fields.get("meenemen", ())), fields.get("vog_weken", default.vog_weeks),
                      fields.get("vog_p_weken", default.vog_p_weeks), points)


def _unique_codes(formal, knock_outs, award, problems: list[Problem]) -> None:
    seen: set[str] = set()
    for item in [*formal, *knock_outs, *award]:
        if not CODE_PATTERN.match(item.code):
            problems.append(Problem(item.code, "een code is een letter gevolgd door letters, cijfers "
                                               "of _ (hoogstens 16 tekens), bijv. KO1 of G4"))
        key = item.code.casefold()
        if key in seen:
            problems.append(Problem(item.code, f"code {item.code} komt meer dan eens voor"))
        seen.add(key)


def _decimal(value: Any, where: str, problems: list[Problem]) -> Decimal | None:
    if value is None:
        return None
    try:
        result = Decimal(str(value).replace(",", "."))
    except InvalidOperation:
        problems.append(Problem(where, f"'{value}' is geen getal"))
        return None
    if not result.is_finite():
        problems.append(Problem(where, f"'{value}' is geen getal"))
        return None
    return result


def _points(value: Any, where: str, problems: list[Problem], zero: bool = False) -> Decimal | None:
    """Points: a number above 0 (or at least 0 where `zero`), in whole cents as the engine rounds them."""
    result = _decimal(value, where, problems)
    if result is None:
        return None
    if result < 0 or (result == 0 and not zero):
        problems.append(Problem(where, "punten mogen niet negatief zijn" if zero else "punten moeten groter dan 0 zijn"))
        return None
    if result.normalize().as_tuple().exponent < -2:
        problems.append(Problem(where, f"'{value}' heeft meer dan 2 decimalen; punten tellen tot op 0,01"))
        return None
    return result


def _as_datetime(value: date) -> datetime:
    return value if isinstance(value, datetime) else datetime.combine(value, time())


def _check_dates(aanvraag: dict, planning: dict, problems: list[Problem]) -> None:
    """The planning must run forward: questions, answers, deadline, invitations, interviews, start."""
    order = [("planning.vragen_tot", planning.get("vragen_tot")),
             ("planning.antwoorden", planning.get("antwoorden")),
             ("planning.sluiting", planning.get("sluiting")),
             ("planning.uitnodigingen_uiterlijk", planning.get("uitnodigingen_uiterlijk")),
             ("planning.gesprekken", planning.get("gesprekken")),
             ("aanvraag.start", aanvraag.get("start"))]
    known = [(name, value) for name, value in order if value is not None]
    for (name_a, a), (name_b, b) in zip(known, known[1:]):
        if _as_datetime(b).date() < _as_datetime(a).date():
            problems.append(Problem(name_b, f"{b} ligt vóór {name_a} ({a}); klopt de planning?"))


def _num(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral() else str(value)
