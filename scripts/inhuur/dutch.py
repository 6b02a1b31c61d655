"""Dutch words and formats that users read: statuses, amounts (€ 77,50), numbers (12,5) and dates (9 juli 2026).

Amounts and numbers follow Babel's nl_NL patterns with Python's own Decimal formatting (tests/test_dutch.py holds
them to Babel's output); dates in words come from Babel, imported at the first date, so that `rank` and the
button never load its locale data (about 20 ms of a press).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache

from inhuur import rules

LOCALE = "nl_NL"

STATUS_LABELS = {
    "invited": "Uitgenodigd",
    "waiting_room": "Wachtkamer",
    "passed_interview": "Gesprek voldoende",
    "failed_interview": "Gesprek onvoldoende",
    "awarded": "Voornemen tot gunning",
    "rejected": "Afgewezen",
    rules.NON_CONFORMING: "Niet conform",
    rules.KNOCKED_OUT: "Knock-out",
    rules.SHORTLISTED: "Voorgedragen",
    rules.NOT_SELECTED: "Niet geselecteerd",
    rules.TIE_UNRESOLVED: "Loting nodig",
    rules.BELOW_THRESHOLD: "Onder de minimumscore",
    rules.WITHDRAWN: "Ingetrokken",
}


# What each kind of letter is about, in words (e-mail subjects, messages): never a code with an underscore.
KIND_WORDS = {"niet_conform": "inschrijving niet conform",
              "knock_out": "kandidaat voldoet niet aan de knock-outcriteria",
              "niet_geselecteerd": "kandidaat niet geselecteerd", "voorgedragen": "kandidaat voorgedragen",
              "loting": "uitnodiging voor de loting", "uitnodiging_gesprek": "uitnodiging voor een selectiegesprek",
              "wachtkamer": "kandidaat in de wachtkamer (voorlopige afwijzing)",
              "voornemen_tot_gunning": "voornemen tot gunning",
              "afwijzing_na_gesprek": "afwijzing na het selectiegesprek",
              "afwijzing_wachtkamer": "afwijzing na de wachtkamer",
              "kennisgeving_gunning": "bericht over het voornemen tot gunning"}


_COMMON_NOUNS = ("gemeente", "provincie", "waterschap", "ministerie", "hoogheemraadschap", "veiligheidsregio")


def in_sentence(name: str) -> str:
    """An organisation's name in running text: 'Gemeente Hilversum' -> 'de gemeente Hilversum'; others as they are."""
    first, _, rest = name.partition(" ")
    if first.casefold() in _COMMON_NOUNS and rest:
        return f"de {first.lower()} {rest}"
    return name


def at_sentence_start(name: str) -> str:
    """The same at the start of a sentence: 'De gemeente Hilversum'."""
    text = in_sentence(name)
    return text[:1].upper() + text[1:]


_PARTICLES = {"van", "de", "der", "den", "ter", "ten", "te", "het", "'t", "in", "op", "uit", "la", "le", "du",
              "von", "d'", "el", "al"}


def surname(contact: str) -> str:
    """The surname to address someone by, as Dutch letters do: 'Jeroen Brouwer' -> 'Brouwer', 'R. Çelik' -> 'Çelik',
    'Marieke van den Berg' -> 'Van den Berg' (a particle is capitalised when no first name precedes it)."""
    words = contact.split()
    if not words:
        return ""
    start = len(words) - 1
    for i, word in enumerate(words[1:], start=1):
        if word.casefold() in _PARTICLES:
            start = i
            break
    name = " ".join(words[start:])
    return name[:1].upper() + name[1:]


def salutation(title: str, contact: str) -> str:
    """'Geachte mevrouw Meijer,' from the aanhef (heer/mevrouw) and the contact; else 'Geachte heer/mevrouw,'."""
    name = surname(contact)
    if title in ("heer", "mevrouw") and name:
        return f"Geachte {title} {name},"
    return "Geachte heer/mevrouw,"


_ORDINALS = ("eerste", "tweede", "derde", "vierde", "vijfde", "zesde", "zevende", "achtste", "negende", "tiende")


def ordinal(n: int) -> str:
    """1 -> 'eerste', 2 -> 'tweede' … 10 -> 'tiende', then '11e'."""
    return _ORDINALS[n - 1] if 1 <= n <= len(_ORDINALS) else f"{n}e"


_SEPARATORS = str.maketrans(",.", ".,")  # Python groups with ',' and a decimal '.': Dutch the other way round
_THOUSANDTH = Decimal("0.001")


@lru_cache(maxsize=4096)  # letters format the same few values thousands of times
def money(amount: Decimal | int) -> str:
    """An amount in euros as Dutch readers expect it: '€ 1.234,50' (a non-breaking space; cents rounded half-even)."""
    return "€\xa0" + f"{Decimal(amount):,.2f}".translate(_SEPARATORS)


@lru_cache(maxsize=4096)
def number(value: Decimal | int) -> str:
    """A number with a decimal comma where it has decimals, at most three: 30, 12,5, 1.234,568."""
    text = f"{Decimal(value).quantize(_THOUSANDTH, rounding=ROUND_HALF_EVEN):,f}"
    return text.rstrip("0").rstrip(".").translate(_SEPARATORS)


def stamp(value: datetime) -> str:
    """A moment in digits, as the workbook shows its dates: '29-11-2026 om 07.05 uur'."""
    return f"{value:%d-%m-%Y} om {value:%H.%M} uur"


@lru_cache(maxsize=4096)  # letters format the same few values thousands of times
def day(value: date) -> str:
    """A date in words: '9 juli 2026'."""
    from babel.dates import format_date  # only where a date is written in words (see the module docstring)

    return format_date(value, "d MMMM y", locale=LOCALE)


@lru_cache(maxsize=4096)  # letters format the same few values thousands of times
def weekday_date(value: date) -> str:
    """A date with its weekday: 'donderdag 9 juli 2026'."""
    from babel.dates import format_date

    return format_date(value, "full", locale=LOCALE)


def appointment(value: date) -> str:
    """When something happens, as Dutch readers write it: 'donderdag 9 juli 2026 om 14.00 uur', or the day."""
    if isinstance(value, datetime):
        return f"{weekday_date(value.date())} om {value:%H.%M} uur"  # the date alone: the cache then hits
    return weekday_date(value)


def moment(value: datetime) -> str:
    """A moment in running text: 'maandag 29 juni 2026 om 09.14 uur' (the same words as appointment)."""
    return appointment(value)


def price_formula(price) -> str:
    """The price formula of a spec's [prijs] in words, for the Criteria and Ranglijst sheets.

    Example (relatief, 20 points): 'Prijs (20 punten, formule relatief): 20 × L ÷ P: …'.
    """
    p, f = number(price.points), price.formula
    words = {
        "relatief": f"{p} × L ÷ P: het laagste uurtarief krijgt alle {p} punten, een hoger tarief naar verhouding "
                    f"minder",
        "lineair": f"{p} × (H − P) ÷ (H − L): het laagste uurtarief krijgt alle {p} punten, het hoogste 0, daartussen "
                   f"naar rato; zijn alle uurtarieven gelijk, dan krijgt elk alle punten",
        "absoluut": (f"{p} × ({money(price.upper)} − P) ÷ ({money(price.upper)} − {money(price.lower)}): op of onder "
                     f"{money(price.lower)} alle {p} punten, op of boven {money(price.upper)} 0") if f == "absoluut"
        else "",
        "grens": f"alle {p} punten bij een uurtarief tot en met {money(price.limit)}, daarboven 0" if f == "grens"
        else "",
    }[f]
    compared = (" L en H zijn het laagste en hoogste uurtarief van de inschrijvingen in de vergelijking (conform, door "
                "de knock-outs, niet ingetrokken)." if price.compares else "")
    return (f"Prijs ({p} punten, formule {f}): {words}. P is het uurtarief van de inschrijving.{compared} De punten "
            f"worden afgerond op 2 decimalen (een 5 naar boven).")
