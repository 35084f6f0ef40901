"""The directory's entries: NCI-designated centres and the platform's reviewer profiles.

Pure: the data files are parsed from text here and read from the package in `data.py`, so the
platform can build a directory from its own reviewer records without touching files.
"""

from __future__ import annotations

import csv
import io
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from secondopinion.errors import InputError

Tier = Literal["Comprehensive", "Clinical"]
Ages = Literal["adult", "paediatric", "all"]


class Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Centre(Entry):
    """An NCI-designated cancer centre that treats patients."""

    id: str
    name: str
    city: str
    state: str = Field(pattern=r"^[A-Z]{2}$")
    tier: Tier
    ages: Ages = "adult"
    cancer_types: list[str] = Field(
        default_factory=list, description="knowledge-base cancer ids it specialises in; empty: all types"
    )
    subspecialties: list[str] = Field(default_factory=list)
    yearly_new_patients: int | None = Field(default=None, ge=0, description="case volume, where known")
    verified: bool = True
    note: str = ""

    @property
    def place(self) -> str:
        return f"{self.city}, {self.state}"


class ReviewerProfile(Entry):
    """A reviewing specialist on the platform, as the platform stores them."""

    id: str
    name: str
    specialties: list[str] = Field(min_length=1, description="knowledge-base cancer ids")
    subspecialty: str | None = Field(default=None, description="e.g. 'thoracic medical oncology'")
    yearly_case_volume: int | None = Field(default=None, ge=0)
    languages: list[str] = Field(default_factory=lambda: ["en"], description="ISO 639-1 codes")
    licence_jurisdiction: str | None = Field(default=None, description="e.g. 'US-MA' or 'MA'")
    location: str | None = Field(default=None, description="city and state, e.g. 'Boston, MA'")

    @field_validator("languages")
    @classmethod
    def _lower(cls, v: list[str]) -> list[str]:
        return [x.strip().lower() for x in v if x.strip()]

    @property
    def licence_state(self) -> str | None:
        """The US state of the licence, if it is a US state licence."""
        j = (self.licence_jurisdiction or "").strip().upper()
        if j.startswith("US-"):
            j = j[3:]
        return j if len(j) == 2 and j.isalpha() else None


class Directory(Entry):
    """Everyone the matcher may point to: centres, and reviewers when the platform passes them."""

    centres: list[Centre] = Field(default_factory=list)
    reviewers: list[ReviewerProfile] = Field(default_factory=list)


def parse_centres(text: str, name: str = "centres.csv") -> list[Centre]:
    """Centres from CSV text (columns id,name,city,state,tier,ages,verified,note)."""
    out: list[Centre] = []
    reader = csv.DictReader(io.StringIO(text))
    need = {"id", "name", "city", "state", "tier"}
    if not reader.fieldnames or not need <= set(reader.fieldnames):
        raise InputError(f"{name}: a centres file needs the columns {', '.join(sorted(need))}")
    for line, row in enumerate(reader, start=2):
        try:
            out.append(
                Centre(
                    id=row["id"].strip(),
                    name=row["name"].strip(),
                    city=row["city"].strip(),
                    state=row["state"].strip().upper(),
                    tier=row["tier"].strip(),  # type: ignore[arg-type]
                    ages=(row.get("ages") or "adult").strip(),  # type: ignore[arg-type]
                    verified=(row.get("verified") or "yes").strip().lower() in ("yes", "true", "1"),
                    note=(row.get("note") or "").strip(),
                )
            )
        except ValueError as exc:
            first = str(exc).splitlines()[1:2] or [str(exc)]
            raise InputError(f"{name}: line {line}: {first[0].strip()}") from None
    ids = [c.id for c in out]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise InputError(f"{name}: duplicate centre ids: {', '.join(dupes)}")
    return out
