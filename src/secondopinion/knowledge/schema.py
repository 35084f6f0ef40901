"""The shape of the knowledge base: what a data file may say, checked when it is loaded.

Knowledge is data: every recommendation, test, contraindication, alternative, incidence figure
and drug fact names the public sources it rests on, and the validator refuses it otherwise.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from secondopinion.case import BiomarkerStatus, Intent, Modality, Setting


class Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(Entry):
    """A public source. Identifiers are optional: a wrong PMID is worse than none."""

    id: str
    kind: Literal[
        "fda_label",
        "trial",
        "guideline_summary",
        "registry",
        "review",
        "meta_analysis",
        "patient_information",
    ]
    title: str
    name: str | None = Field(default=None, description="trial acronym, e.g. FLAURA")
    first_author: str | None = None
    journal: str | None = None
    year: int = Field(ge=1950, le=2100)
    pmid: str | None = Field(default=None, pattern=r"^[0-9]{6,9}$")
    doi: str | None = Field(default=None, pattern=r"^10\.\d{4,9}/\S+$")
    url: str | None = Field(default=None, pattern=r"^https://\S+$")

    def reference(self) -> str:
        """The identifier a reader can follow: PMID, then DOI, then URL, then a citation."""
        if self.pmid:
            return f"PMID:{self.pmid}"
        if self.doi:
            return f"doi:{self.doi}"
        if self.url:
            return self.url
        parts = [p for p in (self.first_author, self.journal, str(self.year)) if p]
        return ", ".join(parts)


class Sourced(Entry):
    sources: list[str] = Field(min_length=1, description="ids in sources/*.yaml")


class Incidence(Sourced):
    """Crude or age-adjusted new cases per 100,000 people per year."""

    per_100k: float = Field(gt=0)
    population: str = Field(description="e.g. 'US (SEER, age-adjusted, 2017-2021)'")
    confirmed: bool = Field(
        default=True,
        description="false while the figure has not been checked against the page or paper it "
        "cites; reviews then call it an estimate",
    )


class CancerType(Entry):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    name: str
    plain_name: str = Field(description="how a patient would say it")
    aliases: list[str] = Field(default_factory=list, description="names found in text (lowercase)")
    parent: str | None = Field(default=None, description="broader type, e.g. nsclc -> lung")
    oncotree: list[str] = Field(default_factory=list)
    icd10: list[str] = Field(default_factory=list)
    icdo3: list[str] = Field(default_factory=list, description="topography or morphology codes")
    snomed: list[str] = Field(default_factory=list)
    category: Literal["solid", "lymphoma", "myeloma", "leukemia", "brain", "other"] = "solid"
    pace: Literal["aggressive", "intermediate", "indolent", "variable"] = "variable"
    incidence: Incidence | None = None
    locally_advanced_stages: list[str] = Field(
        default_factory=list,
        description=(
            "stage groups that are locally advanced though the default reading says otherwise: "
            "M0 stage-IV groups (head and neck IVA) or stage II groups (cervical IIB)"
        ),
    )
    low_risk_minor_procedures: list[str] = Field(
        default_factory=list,
        description="procedures that, for low-risk disease of this type, need no second opinion",
    )


class Drug(Entry):
    id: str = Field(description="generic name, lowercase")
    brands: list[str] = Field(default_factory=list)
    aliases: list[str] = Field(default_factory=list, description="codes, abbreviations")
    classes: list[str] = Field(min_length=1, description="drug classes, e.g. 'PD-1 inhibitor'")
    targets: list[str] = Field(default_factory=list, description="HGNC symbols or pathways")
    modality: Modality = Field(description="chemotherapy, targeted_therapy, immunotherapy, ...")
    sources: list[str] = Field(min_length=1)


class Regimen(Entry):
    id: str = Field(description="common acronym as written, e.g. 'FOLFOX'")
    aliases: list[str] = Field(default_factory=list)
    drugs: list[str] = Field(min_length=1, description="drug ids")
    note: str | None = None
    sources: list[str] = Field(min_length=1)


class BiomarkerDef(Entry):
    id: str = Field(description="HGNC symbol for genes (ERBB2), or a marker id (ER, PD-L1, MSI)")
    name: str
    aliases: list[str] = Field(default_factory=list, description="names found in text")
    kind: Literal["gene", "protein", "signature", "virus", "karyotype", "serum"] = "gene"
    loinc: list[str] = Field(default_factory=list, description="LOINC codes of tests reporting it")
    explanation: str = Field(description="one plain-language sentence")
    members: list[str] = Field(
        default_factory=list,
        description="a group marker (RAS = KRAS + NRAS): positive if any member is, negative if all are",
    )


class BiomarkerCondition(Entry):
    """A biomarker state that must hold: status, and optionally alteration or value bounds."""

    name: str
    status: list[BiomarkerStatus] = Field(min_length=1)
    detail_any: list[str] = Field(
        default_factory=list, description="alteration phrases; any as case-insensitive substring"
    )
    detail_none: list[str] = Field(default_factory=list, description="alterations that exclude")
    value_min: float | None = None
    value_max: float | None = None
    unit: str | None = Field(default=None, description="which score the value is, e.g. TPS or CPS for PD-L1")

    @field_validator("status", mode="before")
    @classmethod
    def _one_or_many(cls, v: object) -> object:
        return [v] if isinstance(v, str) else v


class ScoreCondition(Entry):
    """A disease-specific score: numeric bounds (inclusive) or one of several labels."""

    name: str
    min: float | None = None
    max: float | None = None
    any_of: list[str] = Field(default_factory=list)


class When(Entry):
    """Conditions on a case; all that are given must hold. Unknown facts make the result unknown."""

    setting: list[Setting] = Field(default_factory=list)
    stage: list[str] = Field(default_factory=list, description="stage groups; 'III' matches IIIA, IIIB...")
    t: list[str] = Field(default_factory=list, description="T categories; 'T1' matches T1c")
    n: list[str] = Field(default_factory=list)
    m: list[str] = Field(default_factory=list)
    primary_site: list[str] = Field(default_factory=list, description="any, as substring of the site")
    histology: list[str] = Field(default_factory=list, description="any, as substring")
    histology_not: list[str] = Field(default_factory=list)
    grade: list[str] = Field(default_factory=list)
    biomarkers: list[BiomarkerCondition] = Field(default_factory=list)
    biomarkers_any: list[BiomarkerCondition] = Field(
        default_factory=list, description="at least one of these holds"
    )
    scores: list[ScoreCondition] = Field(default_factory=list)
    risk_group: list[str] = Field(default_factory=list)
    age_min: int | None = None
    age_max: int | None = None
    sex: Literal["female", "male"] | None = None
    menopausal_status: Literal["premenopausal", "postmenopausal"] | None = None
    recurrent: bool | None = None
    ecog_max: int | None = None
    prior_any: list[TreatmentSpec] = Field(
        default_factory=list, description="treatment already received (history)"
    )
    prior_none: list[TreatmentSpec] = Field(default_factory=list)


class TreatmentSpec(Entry):
    """Describes plan items. A plan satisfies it when one item (or, for drugs_all, the plan as a
    whole) has everything specified."""

    modality: list[Modality] = Field(default_factory=list)
    drugs_all: list[str] = Field(default_factory=list, description="drug ids, all required")
    drugs_any: list[str] = Field(default_factory=list)
    drug_class_any: list[str] = Field(default_factory=list)
    procedure_any: list[str] = Field(
        default_factory=list, description="substrings of the procedure, e.g. 'lobectomy'"
    )
    intent: list[Intent] = Field(default_factory=list)

    @model_validator(mode="after")
    def _not_empty(self) -> TreatmentSpec:
        if not (
            self.modality or self.drugs_all or self.drugs_any or self.drug_class_any or self.procedure_any
        ):
            raise ValueError("a treatment spec needs a modality, drugs, class or procedure")
        return self

    @field_validator("modality", "intent", mode="before")
    @classmethod
    def _one_or_many(cls, v: object) -> object:
        return [v] if isinstance(v, str) else v


When.model_rebuild()


class TestRec(Sourced):
    """A test whose result should inform this decision."""

    biomarker: str = Field(description="biomarker id whose status answers the test")
    label: str = Field(description="short subject, e.g. 'EGFR testing'")
    why: str
    evidence_level: str
    also_answered_by: list[str] = Field(
        default_factory=list, description="other biomarker ids whose result settles this test"
    )


class Recommendation(Sourced):
    """Something the evidence calls for here: any one option satisfies it."""

    id: str
    label: str = Field(description="short subject, e.g. 'anti-HER2 therapy'")
    options: list[TreatmentSpec] = Field(min_length=1)
    why: str
    evidence_level: str
    essential: bool = Field(
        default=True,
        description="absence is a missing_treatment; if false, absence is only an alternative",
    )
    major: bool = Field(default=True, description="its absence changes outcomes (discordant)")
    judge_if_plan_has: list[TreatmentSpec] = Field(
        default_factory=list,
        description="judge absence only when the plan has one of these (e.g. systemic therapy)",
    )


class AdviseAgainst(Sourced):
    id: str
    label: str
    match: list[TreatmentSpec] = Field(min_length=1, description="any of these in the plan")
    why: str
    evidence_level: str


class Alternative(Sourced):
    id: str
    label: str
    options: list[TreatmentSpec] = Field(min_length=1)
    why: str
    evidence_level: str


class RecordNeed(Entry):
    item: str
    why: str
    kind: str = Field(description="record kind; a RecordOnHand of this kind means 'have'")


class RecordRule(Entry):
    """A record a reviewer needs whatever the pathway, when the plan or cancer calls for it."""

    item: str
    why: str
    kind: str
    modalities: list[Modality] = Field(
        default_factory=list, description="needed when the plan has one of these; empty: always"
    )
    categories: list[str] = Field(
        default_factory=list, description="cancer categories it applies to; empty: all"
    )
    after: list[Modality] = Field(
        default_factory=list, description="needed when treatment history has one of these"
    )


class Pathway(Entry):
    id: str
    cancer: str
    title: str
    when: When = Field(default_factory=When)
    tests: list[TestRec] = Field(default_factory=list)
    recommend: list[Recommendation] = Field(default_factory=list)
    advise_against: list[AdviseAgainst] = Field(default_factory=list)
    alternatives: list[Alternative] = Field(default_factory=list)
    questions: list[str] = Field(default_factory=list)
    records: list[RecordNeed] = Field(default_factory=list)


class RiskRule(Entry):
    """One risk group: assigned when any of its conditions holds (rules tried in order)."""

    group: str
    any: list[When] = Field(min_length=1)


class RiskModel(Sourced):
    id: str
    cancer: str
    name: str
    rules: list[RiskRule] = Field(min_length=1)


class StageModel(Sourced):
    """Stage groups from TNM for one cancer type (AJCC/UICC groupings, in our own data): rules are
    tried highest stage first and the first that holds gives the group."""

    id: str
    cancer: str
    name: str
    rules: list[RiskRule] = Field(min_length=1)


class GlossaryTerm(Entry):
    term: str
    aliases: list[str] = Field(default_factory=list)
    plain: str = Field(description="plain-language explanation, our own words")
    sources: list[str] = Field(default_factory=list)


class TreatmentKind(Sourced):
    """What one kind of treatment involves and its usual harms, in plain words, for the decision aid.

    General statements about a modality, not predictions for a person; cited like every other fact
    so a reader can see where the harms come from.
    """

    modality: str = Field(description="one of the case model's modalities (case.py), e.g. 'chemotherapy'")
    involves: str = Field(description="what having it is like, one or two plain sentences")
    harms: str = Field(description="its usual harms, plain words (US grade 8 or below)")


class KnowledgeBase(Entry):
    """The whole, resolved knowledge base. Built by the loader; read-only afterwards."""

    version: str
    sources: dict[str, Source]
    cancers: dict[str, CancerType]
    drugs: dict[str, Drug]
    regimens: dict[str, Regimen]
    biomarkers: dict[str, BiomarkerDef]
    pathways: list[Pathway]
    risk_models: list[RiskModel] = Field(default_factory=list)
    stage_models: list[StageModel] = Field(default_factory=list)
    glossary: list[GlossaryTerm] = Field(default_factory=list)
    records: list[RecordRule] = Field(default_factory=list)
    treatment_kinds: dict[str, TreatmentKind] = Field(default_factory=dict, description="by modality")

    def drug_classes(self, drug_id: str) -> list[str]:
        drug = self.drugs.get(drug_id)
        return list(drug.classes) if drug else []

    def pathways_for(self, cancer_id: str) -> list[Pathway]:
        return [p for p in self.pathways if p.cancer == cancer_id]
