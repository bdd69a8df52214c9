"""Organisations and units as the API reads and writes them."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ledger.text import Code16, Name200
from ledger.times import Day
from models.reference import SETTING_PATHWAY


class OrganisationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name200
    kind: Literal["acute", "community", "local_authority", "care_home", "other"]
    data_from: Day | None = Field(
        default=None,
        description=(
            "The first local date (YYYY-MM-DD) the organisation's data is complete, e.g. its "
            "feed's go-live: every figure of its days before it is null, not 0. Null (the "
            "default, also when left out) means the day of its first event."
        ),
    )
    system_code: Code16 | None = Field(
        default=None,
        description=(
            "The system (ICB code, created with PUT /api/v1/systems/{code}) the organisation "
            "belongs to from `system_from`. Left out: its systems stay as they are."
        ),
    )
    system_from: Day | None = Field(
        default=None,
        description=(
            "The first local date of that membership (default today). An organisation's first "
            "system also holds for the days before it."
        ),
    )

    @model_validator(mode="after")
    def _system_from_needs_system(self) -> Self:
        if self.system_from is not None and self.system_code is None:
            raise ValueError("system_code is required with system_from")
        return self


class SystemSpellOut(BaseModel):
    system_code: str
    effective_from: date


class OrganisationOut(BaseModel):
    code: str
    name: str
    kind: str
    data_from: date | None
    system_code: str | None = Field(description="Its system today (null: none)")
    system_history: list[SystemSpellOut]


class SystemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name200


class SystemOut(BaseModel):
    code: str
    name: str
    organisations: list[str] = Field(description="Its organisations today")


class UnitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name200
    organisation_code: Code16
    setting: Literal["acute", "home_service", "community_bed", "care_home_bed"]
    pathway: Annotated[int, Field(strict=True, ge=1, le=3)] | None = Field(
        default=None,
        description="1, 2 or 3 for D2A services (defaults from the setting); null for acute.",
    )
    capacity: Annotated[int, Field(strict=True, ge=0, le=100_000)] | None = Field(
        default=None, description="Beds or slots, in force from capacity_from."
    )
    capacity_from: Day | None = Field(
        default=None, description="The first date the capacity is in force (2000-01-01 on)."
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        expected = SETTING_PATHWAY.get(self.setting)
        if self.pathway is None:
            self.pathway = expected
        if self.pathway != expected:
            raise ValueError(f"pathway must be {expected} for a {self.setting} unit")
        if self.capacity is not None and self.capacity_from is None:
            raise ValueError("capacity_from is required with capacity")
        if self.capacity is None and self.capacity_from is not None:
            raise ValueError("capacity is required with capacity_from")
        return self


class CapacityOut(BaseModel):
    effective_from: date
    capacity: int


class UnitOut(BaseModel):
    code: str
    name: str
    organisation_code: str
    setting: str
    pathway: int | None
    capacity: int | None
    capacity_history: list[CapacityOut]
