"""NHS numbers are refused wherever one could be typed (SPEC §7).

Two rules, one for each kind of field:

- an identifier or code is refused when its whole value, once spaces (any Unicode whitespace,
  the non-breaking space too), dashes, dots, slashes, brackets and a leading `NHS` label are
  removed, is 10 digits passing the modulus 11 check: `identifier_is_nhs_number`. The label is
  read as people write it: `NHS`, `NHS:`, `NHS no.`, `NHS number #` (a stricter reading of
  SPEC §7, which names only `NHS`: it refuses more, never less);
- free text is refused when it holds such a number written as 10 digits, or as 3-3-4 groups
  separated by spaces, dashes or dots, with no digit right before or after it:
  `text_has_nhs_number`.

So a UUID is never refused by accident (it holds letters), nor is a longer run of digits.
Invisible characters (zero-width spaces and joiners, the soft hyphen, the byte order mark)
are removed first in both rules: they hide a number from the eye, not from the rules.
A digit is any Unicode decimal digit (Python's `\\d`, `str.isdecimal`).
"""

from __future__ import annotations

import re

_INVISIBLE = "\u00ad\u180e\u200b\u200c\u200d\u2060\ufeff"
_DASHES = (
    "\\-\u058a\u05be\u1400\u1806\u2010-\u2015\u2212\u2e17\u2e1a\u2e3a\u2e3b\u2e40"
    "\u301c\u3030\u30a0\ufe31\ufe32\ufe58\ufe63\uff0d"
)
_DOTS = ".\u00b7\u2022\u2024\u2027\u2219\u22c5\u30fb\uff0e\uff65"
_SLASHES = "/\\\\\u2044\u2215\u29f8\uff0f\uff3c"
_BRACKETS = (
    "()\\[\\]{}<>\u27e8\u27e9\u2329\u232a\u3008-\u3011\u3014-\u301b"
    "\uff08\uff09\uff3b\uff3d\uff5b\uff5d\uff1c\uff1e"
)

_INVISIBLES = re.compile(f"[{_INVISIBLE}]")
_SEPARATOR = rf"[\s{_DASHES}{_DOTS}{_SLASHES}{_BRACKETS}]"
# The identifier rule as one pattern: separators anywhere, an optional leading NHS label (its
# letters may be split by separators too: they are removed before the label is; as people write
# it, the label may go on with "no", "num" or "number" and a colon or #), ten digits.
_LABEL = (
    rf"N{_SEPARATOR}*H{_SEPARATOR}*S{_SEPARATOR}*"
    rf"(?:(?:number|num|no){_SEPARATOR}*)?(?:[:#]{_SEPARATOR}*)?"
)
_IDENTIFIER = re.compile(
    rf"{_SEPARATOR}*(?:{_LABEL})?(?:\d{_SEPARATOR}*){{10}}",
    re.IGNORECASE,
)
_GAP = rf"[\s{_DASHES}{_DOTS}]+"
_IN_TEXT = re.compile(rf"(?<!\d)(?:\d{{10}}|\d{{3}}{_GAP}\d{{3}}{_GAP}\d{{4}})(?!\d)")
_NOT_DIGIT = re.compile(r"\D")
_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)


def passes_modulus_11(digits: str) -> bool:
    """Whether ten digits are a valid NHS number: 11 − (Σ digit × weight 10…2 mod 11) is the
    tenth digit (11 counts as 0; 10 is never valid)."""
    total = sum(int(d) * w for d, w in zip(digits, _WEIGHTS, strict=False))
    check = (11 - total % 11) % 11
    return check != 10 and check == int(digits[9])


def identifier_is_nhs_number(value: str) -> bool:
    """True when the identifier or code is, as a whole, an NHS number in any dress."""
    if len(value) < 10:  # ten digits at least: most codes stop here
        return False
    if not value.isascii():
        value = _INVISIBLES.sub("", value)
    if _IDENTIFIER.fullmatch(value) is None:
        return False
    return passes_modulus_11(_NOT_DIGIT.sub("", value))


def text_has_nhs_number(text: str) -> bool:
    """True when the free text holds an NHS number: 10 digits, or 3-3-4 groups separated by
    spaces, dashes or dots, with no digit right before or after it."""
    if len(text) < 10:
        return False
    if not text.isascii():
        text = _INVISIBLES.sub("", text)
    return any(passes_modulus_11(_NOT_DIGIT.sub("", found[0])) for found in _IN_TEXT.finditer(text))
