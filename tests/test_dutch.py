"""dutch: amounts and numbers equal Babel's nl_NL output; dates in words come from Babel; the stamp in digits."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from hypothesis import given, settings, strategies as st

from inhuur import dutch

# Amounts as the tool meets them (rates, caps, totals): up to a billion, with up to six decimals, either sign.
amounts = st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=6, allow_nan=False)
whole = st.integers(min_value=-10**9, max_value=10**9)


@settings(max_examples=1000)
@given(st.one_of(amounts, whole))
def test_money_is_babels_nl_currency_format(value):
    assert dutch.money(value) == format_currency(value, "EUR", locale="nl_NL")


@settings(max_examples=1000)
@given(st.one_of(amounts, whole))
def test_number_is_babels_nl_decimal_format(value):
    assert dutch.number(value) == format_decimal(value, locale="nl_NL")


@pytest.mark.parametrize("value, expected", [
    (Decimal("77.5"), "€\xa077,50"), (Decimal("1234.5"), "€\xa01.234,50"), (Decimal("0.015"), "€\xa00,02"),
    (Decimal("0.025"), "€\xa00,02"), (Decimal("-12.5"), "€\xa0-12,50"), (70, "€\xa070,00"),
])
def test_money_examples(value, expected):
    assert dutch.money(value) == expected


@pytest.mark.parametrize("value, expected", [
    (Decimal("12.5"), "12,5"), (Decimal("30.00"), "30"), (Decimal("1234.5678"), "1.234,568"), (7, "7"),
    (Decimal("1E+3"), "1.000"), (Decimal("0.0004"), "0"),
])
def test_number_examples(value, expected):
    assert dutch.number(value) == expected


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_dates_in_words_are_babels(value):
    assert dutch.day(value) == format_date(value, "d MMMM y", locale="nl_NL")
    assert dutch.weekday_date(value) == format_date(value, "full", locale="nl_NL")


def test_a_date_in_words_and_the_stamp_in_digits():
    assert dutch.weekday_date(date(2026, 7, 9)) == "donderdag 9 juli 2026"
    assert dutch.appointment(datetime(2026, 7, 9, 14, 0)) == "donderdag 9 juli 2026 om 14.00 uur"
    assert dutch.stamp(datetime(2026, 11, 29, 7, 5)) == "29-11-2026 om 07.05 uur"
