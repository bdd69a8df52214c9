"""String types for input: bounded, and free of control characters (PostgreSQL refuses NUL)."""

from typing import Annotated

from pydantic import StringConstraints

PRINTABLE = r"^[^\x00-\x1f\x7f]*$"  # no control characters at all: ids, codes, names
PROSE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"  # free text may hold tabs and line breaks


def text(min_length: int, max_length: int, *, prose: bool = False) -> object:
    """A string constraint of the given length whose characters can be stored anywhere."""
    pattern = PROSE if prose else PRINTABLE
    return StringConstraints(min_length=min_length, max_length=max_length, pattern=pattern)


Id64 = Annotated[str, text(1, 64)]
Code32 = Annotated[str, text(1, 32)]
Code16 = Annotated[str, text(1, 16)]
Code8 = Annotated[str, text(1, 8)]
Name200 = Annotated[str, text(1, 200)]
Name100 = Annotated[str, text(1, 100)]
Note500 = Annotated[str, text(0, 500, prose=True)]
