"""SPEC §7's rule for identifiers and codes: a value is refused as an NHS number when its whole
value, once spaces (of any kind), dashes, dots, slashes, brackets and a leading `NHS` label are
removed, is 10 digits passing the modulus 11 check."""

from __future__ import annotations

import re
import unicodedata

# Beside whitespace and dashes (Unicode category Pd): zero-width spaces and joiners, the byte
# order mark, the soft hyphen, the minus sign, dots, slashes and brackets.
_REMOVED = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad\u2212./\\()[]{}")
_LABEL = re.compile(r"NHS:?", re.IGNORECASE)  # the label as written before a number
_TEN_DIGITS = re.compile(r"[0-9]{10}")


def is_nhs_number_id(value: str) -> bool:
    """True when `value` as a whole is an NHS number: "943 476 5919", "943-476-5919",
    "NHS: 943.476.5919", "(943) 476 5919"… Full-width digits and spaces count as their plain
    forms (NFKC). Digits inside a longer id ("9434765919A", a UUID) do not."""
    plain = "".join(c for c in unicodedata.normalize("NFKC", value) if not _removed(c))
    label = _LABEL.match(plain)
    digits = plain[label.end() :] if label else plain
    return _TEN_DIGITS.fullmatch(digits) is not None and _check_digit_passes(digits)


def _removed(c: str) -> bool:
    return c.isspace() or c in _REMOVED or unicodedata.category(c) == "Pd"


def _check_digit_passes(digits: str) -> bool:
    """Modulus 11: weights 10…2 on the first nine digits; 11 − (sum mod 11) is the check digit,
    11 meaning 0, and 10 meaning no valid number."""
    total = sum(int(d) * (10 - i) for i, d in enumerate(digits[:9]))
    check = (11 - total % 11) % 11
    return check != 10 and check == int(digits[9])
