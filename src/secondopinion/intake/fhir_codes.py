"""The codes FHIR records use for the facts SecondOpinion reads and writes.

Only structural vocabulary lives here (code systems, observation codes, answer codes, profile
names). Which cancer, drug or biomarker a code means comes from the knowledge base, never from
this module. Every code below was checked against the mCODE implementation guide, its examples or
the shared mCODE bundles.
"""

from __future__ import annotations

# Code systems
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
ICDO3 = "http://terminology.hl7.org/CodeSystem/icd-o-3"
ICDO3_OID = "urn:oid:2.16.840.1.113883.6.43.1"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
HGNC = "http://www.genenames.org"
HGVS = "http://varnomen.hgvs.org"
CLINVAR = "http://www.ncbi.nlm.nih.gov/clinvar"
AJCC = "http://cancerstaging.org"
GTR = "http://www.ncbi.nlm.nih.gov/gtr"
UCUM = "http://unitsofmeasure.org"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
OBS_INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
LIST_EMPTY_REASON = "http://terminology.hl7.org/CodeSystem/list-empty-reason"

# SecondOpinion's own identifiers: facts of the case that no standard code carries. A URN keeps
# them unmistakable without claiming a web address.
SO = "urn:secondopinion:fhir"
SO_CASE_ID = f"{SO}:case-id"
SO_CANCER_TYPE = f"{SO}:cancer-type"  # knowledge-base cancer id
SO_BIOMARKER = f"{SO}:biomarker"  # knowledge-base biomarker id
SO_STATUS = f"{SO}:biomarker-status"  # the case's biomarker status, exactly
SO_MODALITY = f"{SO}:modality"
SO_ATTRIBUTE = f"{SO}:attribute"  # setting, recurrent, risk group, scores, menopausal status
SO_PATIENT_REPORTED = f"{SO}:patient-reported"  # concerns, questions, opinions, records
SO_FINDING = f"{SO}:finding-kind"
SO_SOURCE = f"{SO}:source"
SO_SECTION = f"{SO}:section"
SO_EXT_REGIMEN = f"{SO}:extension:regimen"
SO_EXT_TIMING = f"{SO}:extension:timing"
SO_EXT_DESCRIPTION = f"{SO}:extension:description"
SO_EXT_PLAN_ITEM = f"{SO}:extension:plan-item"  # groups one plan item's resources
SO_EXT_DETAIL = f"{SO}:extension:detail"

MCODE = "http://hl7.org/fhir/us/mcode/StructureDefinition/"
EXT_HISTOLOGY = MCODE + "mcode-histology-morphology-behavior"
EXT_LATERALITY = MCODE + "mcode-laterality-qualifier"
EXT_RELATED_PRIMARY = MCODE + "mcode-related-primary-cancer-condition"
EXT_INTENT = MCODE + "mcode-procedure-intent"

# Observation codes (LOINC unless stated)
ECOG = "89247-1"
KARNOFSKY = "89243-0"
AGE = "30525-0"
PREGNANCY_STATUS = "82810-3"
GENETIC_VARIANT = "69548-6"
REGION_STUDIED = "53041-0"
GENE_STUDIED = "48018-6"
GENOMIC_SOURCE_CLASS = "48002-0"
VARIATION_CODE = "81252-9"
GENOMIC_HGVS = "81290-9"
CODING_HGVS = "48004-6"
PROTEIN_HGVS = "48005-3"
DNA_CHANGE_TYPE = "48019-4"
TUMOR_SIZE = "21889-1"
COMORBIDITIES = "398192003"  # SNOMED CT co-morbid conditions (mCODE Comorbidities observation)
HISTOLOGIC_BEHAVIOR = {"31206-6"}  # ICD-O-3 behavior and type
HISTOLOGIC_GRADE_NCIT = "C18000"
HISTOLOGIC_GRADE = {"44648-4"}  # histologic grade (Nottingham) in breast cancer specimen
STAGE_GROUP_CLINICAL = {"21908-9"}
STAGE_GROUP_PATHOLOGIC = {"21902-2"}
STAGE_GROUP_SNOMED_CLINICAL = {"399537006"}
STAGE_GROUP_SNOMED_PATHOLOGIC = {"399588009"}
# T, N, M category observation codes: (LOINC clinical, LOINC pathologic, SNOMED c, SNOMED p)
TNM_CODES: dict[str, set[str]] = {
    "t": {"21905-5", "21899-0", "399504009", "384625004"},
    "n": {"21906-3", "21900-6", "399534004", "371494008"},
    "m": {"21907-1", "21901-4", "399387003", "371497001"},
}
PATHOLOGIC_TNM = {"21899-0", "21900-6", "21901-4", "384625004", "371494008", "371497001"}
# Combined tests reporting two biomarkers at once (LOINC 10480-2: estrogen+progesterone receptor).
COMBINED_MARKERS: dict[str, tuple[str, ...]] = {"10480-2": ("ER", "PR")}
# Scores a test reports for a cancer, by (system, code) of the test.
SCORE_TESTS: dict[tuple[str, str], str] = {(GTR, "509910"): "oncotype_rs"}
# Biomarkers whose latest value is also a disease score of the same name.
SCORE_FROM_BIOMARKER: dict[str, str] = {"PSA": "psa"}

# Answer codes
POSITIVE_CODES = {"10828004", "LA6576-8", "LA9633-4", "POS"}  # SNOMED positive, LOINC positive/present
NEGATIVE_CODES = {"260385009", "LA6577-6", "LA9634-2", "NEG"}  # SNOMED negative, LOINC negative/absent
EQUIVOCAL_CODES = {"IND"}
GERMLINE = "LA6683-2"
SOMATIC = "LA6684-0"
PREGNANT = "77386006"
NOT_PREGNANT = "60001007"
SEVERE = "24484000"
CURATIVE = "373808002"
LATERALITY_CODES = {"7771000": "left", "24028007": "right", "51440002": "bilateral"}
ECOG_ANSWERS = {"LA9622-7": 0, "LA9623-5": 1, "LA9625-0": 3}

# HGNC identifiers of genes seen in mCODE records, for codes sent without the gene symbol.
HGNC_SYMBOLS: dict[str, str] = {
    "76": "ABL1",
    "427": "ALK",
    "950": "BAP1",
    "1014": "BCR",
    "1097": "BRAF",
    "1100": "BRCA1",
    "1101": "BRCA2",
    "1582": "CCND1",
    "1748": "CDH1",
    "1787": "CDKN2A",
    "1788": "CDKN2B",
    "3236": "EGFR",
    "3430": "ERBB2",
    "3467": "ESR1",
    "3688": "FGFR1",
    "6342": "KIT",
    "6407": "KRAS",
    "6973": "MDM2",
    "7029": "MET",
    "7413": "MTAP",
    "7559": "MYCN",
    "7989": "NRAS",
    "8975": "PIK3CA",
    "9200": "POLRMT",
    "9588": "PTEN",
    "11115": "KDM5D",
    "11389": "STK11",
    "11998": "TP53",
    "13711": "POF1B",
    "26144": "PALB2",
}

# mCODE profiles, recognised by name whatever the release (STU1 to STU4 renamed several), with
# hyphens removed and lower-cased: e.g. 'mcode-tumor-marker' (STU1) and 'mcode-tumor-marker-test'.
PROFILE_KEYWORDS: dict[str, tuple[str, ...]] = {
    "primary_cancer": ("primarycancercondition",),
    "secondary_cancer": ("secondarycancercondition",),
    "tumor_marker": ("tumormarker",),
    "variant": ("geneticvariant", "genomicvariant"),
    "region_studied": ("regionstudied",),
    "ecog": ("ecogperformancestatus",),
    "karnofsky": ("karnofskyperformancestatus",),
    "stage_group": ("stagegroup", "cancerstage"),
    "t_category": ("primarytumorcategory",),
    "n_category": ("regionalnodescategory",),
    "m_category": ("distantmetastasescategory",),
    "tumor_size": ("tumorsize",),
    "surgery": ("surgicalprocedure",),
    "radiation": ("radiationprocedure", "radiotherapycoursesummary", "radiotherapy"),
    "comorbidities": ("comorbid",),
    "histologic_grade": ("histologicgrade",),
    "histology": ("histologicbehaviorandtype",),
    "tmb": ("/tmb", "tumormutationalburden"),
    "msi": ("/msi", "microsatelliteinstability"),
}


def profile_kinds(profiles: list[str]) -> set[str]:
    """The mCODE profile kinds a resource claims, from its meta.profile URLs."""
    kinds: set[str] = set()
    for url in profiles:
        flat = url.lower().replace("-", "").replace("_", "")
        for kind, keys in PROFILE_KEYWORDS.items():
            if any(k in flat for k in keys):
                kinds.add(kind)
    return kinds
