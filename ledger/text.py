"""String types for input: bounded, free of control characters (PostgreSQL refuses NUL), and
never an NHS number (SPEC §7): identifiers and codes by the identifier rule, names and notes
by the free-text rule (and by the identifier rule as a whole). A refusal names no number."""

from typing import Annotated

from pydantic import BeforeValidator, StringConstraints
from pydantic_core import PydanticCustomError

from ledger.nhs_number import identifier_is_nhs_number, text_has_nhs_number

PRINTABLE = r"^[^\x00-\x1f\x7f]*$"  # no control characters at all: ids, codes, names
PROSE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"  # free text may hold tabs and line breaks
NHS_NUMBER = "looks like an NHS number; send the pseudonymous local id"
NHS_NUMBER_IN_TEXT = (
    "holds what looks like an NHS number; leave it out (a patient is named by the "
    "pseudonymous local id)"
)


def text(min_length: int, max_length: int, *, prose: bool = False) -> object:
    """A string constraint of the given length whose characters can be stored anywhere."""
    pattern = PROSE if prose else PRINTABLE
    return StringConstraints(min_length=min_length, max_length=max_length, pattern=pattern)


def refuse_nhs_identifier(value: object) -> object:
    """An identifier or code as it is, unless it is an NHS number."""
    if isinstance(value, str) and identifier_is_nhs_number(value):
        raise PydanticCustomError("nhs_number", NHS_NUMBER)
    return value


def refuse_nhs_in_text(value: object) -> object:
    """Free text as it is, unless it holds an NHS number or, as a whole, is one."""
    if isinstance(value, str) and (text_has_nhs_number(value) or identifier_is_nhs_number(value)):
        raise PydanticCustomError("nhs_number", NHS_NUMBER_IN_TEXT)
    return value


# Checked before the length and the characters, so that an NHS number is refused as one even
# where it is too long for the field (a reason code holds 8 characters).
NOT_NHS_NUMBER = BeforeValidator(refuse_nhs_identifier)
NO_NHS_NUMBER_IN_TEXT = BeforeValidator(refuse_nhs_in_text)

Id64 = Annotated[str, text(1, 64), NOT_NHS_NUMBER]
Code32 = Annotated[str, text(1, 32), NOT_NHS_NUMBER]
Code16 = Annotated[str, text(1, 16), NOT_NHS_NUMBER]
Code8 = Annotated[str, text(1, 8), NOT_NHS_NUMBER]
Name200 = Annotated[str, text(1, 200), NO_NHS_NUMBER_IN_TEXT]
Name100 = Annotated[str, text(1, 100), NO_NHS_NUMBER_IN_TEXT]
Note500 = Annotated[str, text(0, 500, prose=True), NO_NHS_NUMBER_IN_TEXT]
