"""The two NHS-number rules of SPEC §7, on valid numbers made by the modulus 11 rule and then
disguised in every way the rules name (the strategies serve the API's tests too)."""

from __future__ import annotations

import string
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.nhs_number import identifier_is_nhs_number, passes_modulus_11, text_has_nhs_number

NBSP = "\u00a0"
WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)


def check_digit(first_nine: str) -> int:
    """11 − (Σ digit × weight mod 11); 11 is 0, 10 means no valid number starts so."""
    return (11 - sum(int(d) * w for d, w in zip(first_nine, WEIGHTS, strict=True)) % 11) % 11


@st.composite
def nhs_numbers(draw: st.DrawFn) -> str:
    """A valid NHS number: nine digits and their check digit (never 10)."""
    nine = draw(
        st.text(string.digits, min_size=9, max_size=9).filter(lambda n: check_digit(n) != 10)
    )
    return nine + str(check_digit(nine))


@st.composite
def invalid_numbers(draw: st.DrawFn) -> str:
    """Ten digits failing the check: a wrong tenth digit, or nine digits whose check is 10."""
    nine = draw(st.text(string.digits, min_size=9, max_size=9))
    wrong = [d for d in string.digits if check_digit(nine) != int(d)]
    return nine + draw(st.sampled_from(wrong))


def _groups(number: str, gap: str) -> str:
    return f"{number[:3]}{gap}{number[3:6]}{gap}{number[6:]}"


# Every disguise SPEC §7 names for an identifier: spaces (any Unicode whitespace), dashes, dots,
# slashes, brackets and a leading NHS label, and some of them at once.
IDENTIFIER_DISGUISES: dict[str, Callable[[str], str]] = {
    "plain": lambda n: n,
    "leading space": lambda n: f" {n}",
    "spaced": lambda n: _groups(n, " "),
    "non-breaking spaces": lambda n: _groups(n, NBSP),
    "thin and ideographic spaces": lambda n: f"\u2009{_groups(n, chr(0x3000))}\t",
    "dashed": lambda n: _groups(n, "-"),
    "en dashes": lambda n: _groups(n, "\u2013"),
    "dotted": lambda n: _groups(n, "."),
    "slashed": lambda n: _groups(n, "/"),
    "bracketed": lambda n: f"({n})",
    "bracketed group": lambda n: f"({n[:3]}) {n[3:6]}-{n[6:]}",
    "square brackets": lambda n: f"[{_groups(n, ' ')}]",
    "NHS label": lambda n: f"NHS{n}",
    "NHS label, spaced": lambda n: f"NHS {_groups(n, ' ')}",
    "nhs label, lower case, dotted": lambda n: f"nhs.{_groups(n, '.')}",
    "NHS label in brackets": lambda n: f"(NHS) {n}",
    "zero-width spaces": lambda n: "\u200b".join(n),
    "fullwidth digits": lambda n: "".join(chr(0xFF10 + int(d)) for d in n),
}
# The free-text rule: 10 digits, or 3-3-4 groups separated by spaces, dashes or dots.
TEXT_DISGUISES: dict[str, Callable[[str], str]] = {
    "plain": lambda n: n,
    "spaced": lambda n: _groups(n, " "),
    "non-breaking spaces": lambda n: _groups(n, NBSP),
    "line break": lambda n: f"{n[:3]}\n{n[3:6]} {n[6:]}",
    "dashed": lambda n: _groups(n, "-"),
    "spaced dashes": lambda n: _groups(n, " - "),
    "en dashes": lambda n: _groups(n, "\u2013"),
    "dotted": lambda n: _groups(n, "."),
    "bracketed": lambda n: f"({n})",
    "NHS label": lambda n: f"NHS{n}",
    "NHS label, spaced": lambda n: f"NHS {_groups(n, ' ')}",
    "zero-width spaces": lambda n: "\u200b".join(n),
}
WORDS = st.text(string.ascii_letters + " ,.:;()'!?-", max_size=30)


def test_the_modulus_11_check_by_hand() -> None:
    # 9 4 3 4 7 6 5 9 1: 90 + 36 + 24 + 28 + 42 + 30 + 20 + 27 + 2 = 299; 299 mod 11 = 2;
    # 11 − 2 = 9, the tenth digit.
    assert passes_modulus_11("9434765919")
    assert not passes_modulus_11("9434765918")
    # 4 0 1 0 2 3 2 1 3: 40 + 0 + 8 + 0 + 12 + 15 + 8 + 3 + 6 = 92; 92 mod 11 = 4; 11 − 4 = 7.
    assert passes_modulus_11("4010232137")
    # 0 0 0 0 0 0 0 0 1: 2 mod 11 = 2; 11 − 2 = 9 → 0000000019. A sum ≡ 0 gives 11, read as 0.
    assert passes_modulus_11("0000000019") and passes_modulus_11("0000000000")
    # 1 0 0 0 0 0 0 0 0: 10 mod 11 = 10; 11 − 10 = 1 → 1000000001.
    assert passes_modulus_11("1000000001")
    # 1 0 0 0 0 0 0 0 1: 10 + 2 = 12; 12 mod 11 = 1; 11 − 1 = 10: no tenth digit is valid.
    assert not any(passes_modulus_11("100000001" + d) for d in string.digits)


@given(nhs_numbers(), st.sampled_from(sorted(IDENTIFIER_DISGUISES)))
def test_a_valid_number_is_refused_as_an_identifier_in_every_disguise(
    number: str, disguise: str
) -> None:
    assert identifier_is_nhs_number(IDENTIFIER_DISGUISES[disguise](number))


@given(invalid_numbers(), st.sampled_from(sorted(IDENTIFIER_DISGUISES)))
def test_numbers_failing_the_check_are_accepted(number: str, disguise: str) -> None:
    assert not identifier_is_nhs_number(IDENTIFIER_DISGUISES[disguise](number))
    assert not text_has_nhs_number(IDENTIFIER_DISGUISES[disguise](number))


@given(st.uuids())
def test_a_uuid_is_never_refused(uuid: object) -> None:
    """As an identifier (SPEC §7: "so a UUID event id is never refused by accident"). In free
    text the rule is about digits only: a UUID whose hex holds a run of exactly 10 digits that
    passes the check (6443ae36-a7f3-f2f2-d6e9-d7253034643b holds 7253034643) is refused there,
    as SPEC §7 says a note is."""
    assert not identifier_is_nhs_number(str(uuid))
    assert not identifier_is_nhs_number(str(uuid).upper())


def test_a_note_holding_a_uuid_with_a_valid_digit_run_is_refused() -> None:
    assert text_has_nhs_number("see 6443ae36-a7f3-f2f2-d6e9-d7253034643b")
    assert not text_has_nhs_number("see 6443ae36-a7f3-f2f2-d6e9-d7253034644b")


@given(nhs_numbers(), st.sampled_from(["p", "MRN", "A", "x-", "NHSX", "1", "0"]))
def test_more_than_the_number_is_not_an_nhs_number_as_an_identifier(
    number: str, extra: str
) -> None:
    # Another character that is not a separator, or another digit, makes it something else.
    assert not identifier_is_nhs_number(extra + number)
    assert not identifier_is_nhs_number(number + extra)


@given(nhs_numbers(), st.sampled_from(sorted(TEXT_DISGUISES)), WORDS, WORDS)
def test_free_text_holding_a_valid_number_is_refused(
    number: str, disguise: str, before: str, after: str
) -> None:
    assert text_has_nhs_number(f"{before} {TEXT_DISGUISES[disguise](number)} {after}")
    assert text_has_nhs_number(TEXT_DISGUISES[disguise](number))


@given(
    nhs_numbers(),
    st.sampled_from(["plain", "spaced", "dashed", "dotted"]),
    st.text(string.digits, min_size=1, max_size=3),
    st.booleans(),
)
def test_free_text_with_the_number_glued_to_other_digits_is_accepted(
    number: str, disguise: str, digits: str, in_front: bool
) -> None:
    written = TEXT_DISGUISES[disguise](number)
    glued = digits + written if in_front else written + digits
    assert not text_has_nhs_number(f"bed {glued} was moved")


@pytest.mark.parametrize(
    "text",
    [
        "943/476/5919",  # slashes are not a free-text separator (SPEC §7)
        "94 3476 5919",  # not 3-3-4
        "9434 765 919",
        "943 476 5918",  # fails the check
        "called 943 476 591 back",  # nine digits
        "phone 01632 960 001, ward 12",
        "2025-03-03 14:00:00 readmitted",
    ],
)
def test_free_text_without_an_nhs_number_is_accepted(text: str) -> None:
    assert not text_has_nhs_number(text)


@pytest.mark.parametrize(
    "value", ["W1", "usual_residence", "p-0001", "E08000025", "RX1-000123", "2025-03-03"]
)
def test_ordinary_codes_and_ids_are_accepted(value: str) -> None:
    assert not identifier_is_nhs_number(value) and not text_has_nhs_number(value)
