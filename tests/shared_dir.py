"""Where the project's shared folder (../shared: SPEC, national lists, the public HL7 samples)
is: beside this checkout, or, for a clone of a local checkout made elsewhere (a fresh clone in a
temporary folder), beside the checkout it was cloned from; D2A_SHARED_DIR names it outright."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    """The shared folder (which may not exist: callers say what they need from it)."""
    named = os.environ.get("D2A_SHARED_DIR")
    if named:
        return Path(named)
    beside = REPO.parent / "shared"
    if beside.exists():
        return beside
    try:
        origin = subprocess.run(
            ["git", "-C", str(REPO), "config", "--get", "remote.origin.url"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        return beside
    cloned_from = Path(origin.removeprefix("file://"))
    if origin and cloned_from.is_dir():
        found = cloned_from.resolve().parent / "shared"
        if found.exists():
            return found
    return beside
