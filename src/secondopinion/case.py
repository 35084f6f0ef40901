"""The case: everything known about one person's cancer and the plan proposed for it.

Every fact carries its provenance so a reviewer can check it against the record it came from,
and every field that could not be read stays ``None`` (unknown) rather than being guessed.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Sex = Literal["female", "male", "other", "unknown"]
Setting = Literal["localized", "locally_advanced", "metastatic"]
BiomarkerStatus = Literal["positive", "negative", "equivocal", "not_tested", "pending", "unknown"]
Modality = Literal[
    "surgery",
    "chemotherapy",
    "radiation",
    "targeted_therapy",
    "immunotherapy",
    "hormonal_therapy",
    "transplant",
    "cellular_therapy",
    "active_surveillance",
    "watchful_waiting",
    "ablation",
    "supportive_care",
    "systemic_therapy",
    "other",
]
Intent = Literal["curative", "neoadjuvant", "adjuvant", "definitive", "palliative", "maintenance", "unknown"]
PlanStatus = Literal["proposed", "done", "ongoing"]

SYSTEMIC_MODALITIES: frozenset[str] = frozenset(
    {
        "chemotherapy",
        "targeted_therapy",
        "immunotherapy",
        "hormonal_therapy",
        "cellular_therapy",
        "systemic_therapy",
    }
)


class Model(BaseModel):
    """Base for case models: unknown keys are refused so typos in case files surface."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Provenance(Model):
    """Where a fact came from: a span of free text, a field of a structured file, a resource."""

    source: str = Field(description="'text', 'form', 'fhir', 'pdf' or 'derived'")
    document: str | None = Field(default=None, description="file name or document id")
    field: str | None = Field(default=None, description="path of the field in a structured file")
    text: str | None = Field(default=None, description="the words the fact was read from")
    start: int | None = None
    end: int | None = None


class Fact(Model):
    """Base of every recorded fact."""

    provenance: list[Provenance] = Field(default_factory=list)


class Comorbidity(Fact):
    name: str
    serious: bool = False


class FamilyHistory(Fact):
    relative: str
    condition: str


class Patient(Fact):
    age: int | None = Field(default=None, ge=0, le=120)
    sex: Sex = "unknown"
    ecog: int | None = Field(default=None, ge=0, le=5)
    karnofsky: int | None = Field(default=None, ge=0, le=100)
    menopausal_status: Literal["premenopausal", "postmenopausal"] | None = None
    pregnant: bool | None = None
    comorbidities: list[Comorbidity] = Field(default_factory=list)
    family_history: list[FamilyHistory] = Field(default_factory=list)
    location: str | None = Field(default=None, description="city, region or postal code")


class TNM(Model):
    t: str | None = None
    n: str | None = None
    m: str | None = None


class Cancer(Fact):
    """One primary cancer. A case may hold several (multiple primaries)."""

    type: str | None = Field(default=None, description="knowledge-base cancer id, e.g. 'nsclc'")
    primary_site: str | None = None
    histology: str | None = None
    grade: str | None = None
    stage_group: str | None = Field(default=None, description="e.g. 'IIIA' (without 'stage')")
    tnm: TNM = Field(default_factory=TNM)
    setting: Setting | None = Field(
        default=None, description="given or derived from stage and metastatic sites"
    )
    recurrent: bool | None = None
    laterality: str | None = Field(default=None, description="side or sidedness, e.g. 'left'")
    metastatic_sites: list[str] = Field(default_factory=list)
    scores: dict[str, float | str] = Field(
        default_factory=dict,
        description="disease-specific scores: gleason, grade_group, psa, breslow, figo, ipi, ...",
    )
    risk_group: str | None = None


class Biomarker(Fact):
    name: str = Field(description="knowledge-base biomarker id (HGNC symbol for genes)")
    status: BiomarkerStatus = "unknown"
    detail: str | None = Field(default=None, description="alteration, e.g. 'exon 19 deletion'")
    value: float | None = Field(default=None, description="e.g. PD-L1 TPS 60 (%), TMB 12")
    unit: str | None = None
    method: str | None = Field(default=None, description="IHC, ISH, NGS, PCR, ...")
    germline: bool | None = None


class PlanItem(Fact):
    """A treatment proposed, ongoing or done."""

    modality: Modality
    drugs: list[str] = Field(default_factory=list, description="generic names")
    regimen: str | None = None
    procedure: str | None = None
    intent: Intent = "unknown"
    timing: str | None = None
    status: PlanStatus = "proposed"
    description: str | None = None


class OpinionOnRecord(Fact):
    """Who recommended what: the first opinion, or two doctors who disagree."""

    by: str = Field(description="role or name as the patient gives it, e.g. 'surgeon'")
    recommends: str


class RecordOnHand(Fact):
    """A record the patient says they have (pathology slides, CT images, NGS report...)."""

    kind: str


class Case(Model):
    id: str = "case"
    patient: Patient = Field(default_factory=Patient)
    cancers: list[Cancer] = Field(default_factory=list)
    biomarkers: list[Biomarker] = Field(default_factory=list)
    history: list[PlanItem] = Field(default_factory=list, description="treatments already given")
    plan: list[PlanItem] = Field(default_factory=list, description="treatments proposed now")
    opinions: list[OpinionOnRecord] = Field(default_factory=list)
    records: list[RecordOnHand] = Field(default_factory=list)
    concerns: list[str] = Field(default_factory=list, description="the patient's own worries")
    questions: list[str] = Field(default_factory=list, description="the patient's own questions")
    source_text: str | None = Field(default=None, exclude=True, repr=False)

    @property
    def primary(self) -> Cancer | None:
        """The cancer the plan is about: the first one listed."""
        return self.cancers[0] if self.cancers else None

    def biomarker(self, name: str) -> Biomarker | None:
        """The most informative result recorded for a biomarker (a definite result beats none)."""
        found = [b for b in self.biomarkers if b.name == name]
        if not found:
            return None
        rank = {"positive": 0, "negative": 1, "equivocal": 2, "pending": 3, "not_tested": 4}
        return sorted(found, key=lambda b: rank.get(b.status, 5))[0]
