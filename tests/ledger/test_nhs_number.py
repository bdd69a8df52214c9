"""SPEC §7's identifier rule: the whole value, once spaces, dashes, dots, slashes, brackets and
a leading NHS label are removed, is 10 digits passing modulus 11. 943 476 5919 is the NHS's own
example number; 943 476 5918 fails its check digit."""

from __future__ import annotations

import pytest

from ledger.nhs_number import is_nhs_number_id


@pytest.mark.parametrize(
    "value",
    [
        "9434765919",
        "943 476 5919",
        "943-476-5919",
        "943.476.5919",
        "943/476/5919",
        "(943) 476 5919",
        "[943]476{5919}",
        "NHS 943 476 5919",
        "nhs: 943-476-5919",
        "NHS9434765919",
        " 943\u00a0476\u2009 5919\t",  # no-break and thin spaces
        "943\u2013476\u20145919",  # en and em dashes
        "943\u200b476\u200b5919",  # zero-width spaces
        "\uff19\uff14\uff13\uff14\uff17\uff16\uff15\uff19\uff11\uff19",  # full-width digits
        "4010232137",  # another valid number: check digit 7
        "0000000000",  # passes the check (sum 0): refused like any other
    ],
)
def test_an_nhs_number_however_written_is_one(value: str) -> None:
    assert is_nhs_number_id(value)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "9434765918",  # wrong check digit
        "943476591",  # nine digits
        "94347659190",  # eleven
        "9434765919A",  # a longer id that holds one
        "RX9434765919",  # another label
        "NHSNHS9434765919",  # the label once only
        "943476591 9x",
        "RX1234567",
        "1000000010",  # check value 10: never a valid number
        "0b6f4b2e-3c1a-4f57-9d1e-9434765919aa",  # a UUID with the digits inside
    ],
)
def test_anything_else_is_not(value: str) -> None:
    assert not is_nhs_number_id(value)
