"""Dutch words and formats that users read: statuses, amounts (€ 77,50) and dates (9 juli 2026), via Babel."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal

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
}


# What each kind of letter is about, in words (e-mail subjects, messages): never a code with an underscore.
KIND_WORDS = {"niet_conform": "inschrijving niet conform",
              "knock_out": "kandidaat voldoet niet aan de knock-outcriteria",
              "niet_geselecteerd": "kandidaat niet geselecteerd", "voorgedragen": "kandidaat voorgedragen",
              "loting": "uitnodiging voor de loting", "uitnodiging_gesprek": "uitnodiging voor een selectiegesprek",
              "wachtkamer": "kandidaat in de wachtkamer (voorlopige afwijzing)",
              "voornemen_tot_gunning": "voornemen tot gunning",
              "afwijzing_na_gesprek": "afwijzing na het selectiegesprek",
              "afwijzing_wachtkamer": "afwijzing na de wachtkamer"}


def money(amount: Decimal) -> str:
    """An amount in euros as Dutch readers expect it: '€ 77,50' (with a non-breaking space)."""
    return format_currency(amount, "EUR", locale=LOCALE)


def number(value: Decimal | int) -> str:
    """A number with a decimal comma where it has decimals: 30, 12,5."""
    return format_decimal(value, locale=LOCALE)


def day(value: date) -> str:
    """A date in words: '9 juli 2026'."""
    return format_date(value, "d MMMM y", locale=LOCALE)


def weekday_date(value: date) -> str:
    """A date with its weekday: 'donderdag 9 juli 2026'."""
    return format_date(value, "full", locale=LOCALE)


def appointment(value: date) -> str:
    """When something happens: 'donderdag 9 juli 2026 om 14:00 uur', or just the day for a date."""
    if isinstance(value, datetime):
        return f"{weekday_date(value)} om {value:%H:%M} uur"
    return weekday_date(value)


def moment(value: datetime) -> str:
    """A date and time: '29 juni 2026 09:00'."""
    return format_datetime(value, "d MMMM y HH:mm", locale=LOCALE)
