"""A fixed vocabulary for the free-text intake tests, so they do not move with the bundled data.

Cancer types, drugs and regimens are a small hand-written set in the real schema; biomarkers are
the bundled ones (their ids are what the rest of the system reads). No tests live here.
"""

from __future__ import annotations

from functools import cache

from secondopinion.knowledge.loader import default_knowledge_base
from secondopinion.knowledge.schema import KnowledgeBase


def _cancer(
    id_: str, name: str, aliases: list[str], parent: str | None = None, category: str = "solid"
) -> dict[str, object]:
    return {
        "id": id_,
        "name": name,
        "plain_name": name.lower(),
        "aliases": aliases,
        "parent": parent,
        "category": category,
    }


CANCERS = [
    _cancer("lung", "Lung cancer", ["lung cancer", "lung carcinoma", "cancer of the lung"]),
    _cancer(
        "nsclc",
        "Non-small cell lung cancer",
        [
            "non-small cell lung cancer",
            "nsclc",
            "lung adenocarcinoma",
            "adenocarcinoma of the lung",
            "squamous cell carcinoma of the lung",
            "lung squamous cell carcinoma",
        ],
        parent="lung",
    ),
    _cancer(
        "sclc",
        "Small cell lung cancer",
        ["small cell lung cancer", "sclc", "small cell carcinoma of the lung"],
        parent="lung",
    ),
    _cancer(
        "breast",
        "Breast cancer",
        [
            "breast cancer",
            "breast carcinoma",
            "cancer of the breast",
            "dcis",
            "ductal carcinoma in situ",
            "invasive ductal carcinoma of the breast",
        ],
    ),
    _cancer("colorectal", "Colorectal cancer", ["colorectal cancer", "crc", "bowel cancer"]),
    _cancer(
        "colon",
        "Colon cancer",
        ["colon cancer", "colon adenocarcinoma", "sigmoid colon cancer", "cancer of the colon"],
        parent="colorectal",
    ),
    _cancer("rectal", "Rectal cancer", ["rectal cancer", "rectal adenocarcinoma"], parent="colorectal"),
    _cancer("prostate", "Prostate cancer", ["prostate cancer", "prostate adenocarcinoma"]),
    _cancer(
        "ovarian",
        "Ovarian cancer",
        ["ovarian cancer", "high-grade serous ovarian cancer", "fallopian tube cancer"],
    ),
    _cancer("endometrial", "Endometrial cancer", ["endometrial cancer", "uterine cancer"]),
    _cancer("cervical", "Cervical cancer", ["cervical cancer", "cancer of the cervix"]),
    _cancer("melanoma", "Melanoma", ["melanoma", "cutaneous melanoma"]),
    _cancer("pancreatic", "Pancreatic cancer", ["pancreatic cancer", "pancreatic adenocarcinoma"]),
    _cancer("hcc", "Hepatocellular carcinoma", ["hepatocellular carcinoma", "hcc", "liver cancer"]),
    _cancer("gist", "Gastrointestinal stromal tumour", ["gist", "gastrointestinal stromal tumor"]),
    _cancer(
        "glioma", "Glioma", ["glioblastoma", "gbm", "astrocytoma", "oligodendroglioma"], category="brain"
    ),
    _cancer(
        "dlbcl",
        "Diffuse large B-cell lymphoma",
        ["diffuse large b-cell lymphoma", "dlbcl"],
        category="lymphoma",
    ),
    _cancer("myeloma", "Multiple myeloma", ["multiple myeloma", "myeloma"], category="myeloma"),
    _cancer(
        "head_neck", "Head and neck cancer", ["oropharyngeal cancer", "head and neck cancer", "tonsil cancer"]
    ),
    _cancer("kidney", "Kidney cancer", ["kidney cancer", "renal cell carcinoma", "rcc"]),
    _cancer("thyroid", "Thyroid cancer", ["thyroid cancer", "thyroid carcinoma"]),
    _cancer("bladder", "Bladder cancer", ["bladder cancer", "urothelial carcinoma"]),
    _cancer("bcc", "Basal cell carcinoma", ["basal cell carcinoma", "bcc"]),
    _cancer("hodgkin", "Hodgkin lymphoma", ["hodgkin lymphoma", "chl"], category="lymphoma"),
    _cancer(
        "all", "Acute lymphoblastic leukaemia", ["all", "acute lymphoblastic leukemia"], category="leukemia"
    ),
]


def _drug(
    id_: str, modality: str, brands: list[str] | None = None, aliases: list[str] | None = None
) -> dict[str, object]:
    return {
        "id": id_,
        "brands": brands or [],
        "aliases": aliases or [],
        "classes": ["x"],
        "modality": modality,
        "sources": ["s"],
    }


DRUGS = [
    _drug("pembrolizumab", "immunotherapy", ["Keytruda"]),
    _drug("nivolumab", "immunotherapy", ["Opdivo"]),
    _drug("durvalumab", "immunotherapy", ["Imfinzi"]),
    _drug("trastuzumab", "targeted_therapy", ["Herceptin"]),
    _drug("pertuzumab", "targeted_therapy", ["Perjeta"]),
    _drug("osimertinib", "targeted_therapy", ["Tagrisso"]),
    _drug("bevacizumab", "targeted_therapy", ["Avastin"]),
    _drug("fluorouracil", "chemotherapy", [], ["5-fu", "5fu", "5-fluorouracil"]),
    _drug("leucovorin", "chemotherapy", [], ["folinic acid"]),
    _drug("oxaliplatin", "chemotherapy", ["Eloxatin"]),
    _drug("irinotecan", "chemotherapy"),
    _drug("capecitabine", "chemotherapy", ["Xeloda"]),
    _drug("carboplatin", "chemotherapy"),
    _drug("cisplatin", "chemotherapy"),
    _drug("paclitaxel", "chemotherapy", ["Taxol"]),
    _drug("docetaxel", "chemotherapy", ["Taxotere"]),
    _drug("pemetrexed", "chemotherapy", ["Alimta"]),
    _drug("doxorubicin", "chemotherapy", ["Adriamycin"]),
    _drug("cyclophosphamide", "chemotherapy"),
    _drug("rituximab", "targeted_therapy", ["Rituxan"]),
    _drug("vincristine", "chemotherapy"),
    _drug("prednisone", "other"),
    _drug("anastrozole", "hormonal_therapy", ["Arimidex"]),
    _drug("letrozole", "hormonal_therapy", ["Femara"]),
    _drug("tamoxifen", "hormonal_therapy"),
    _drug("enzalutamide", "hormonal_therapy", ["Xtandi"]),
    _drug("temozolomide", "chemotherapy", ["Temodar"]),
    _drug("imatinib", "targeted_therapy", ["Gleevec"]),
    _drug("olaparib", "targeted_therapy", ["Lynparza"]),
    _drug("ipilimumab", "immunotherapy", ["Yervoy"], ["ipi"]),
    _drug("sodium iodide i 131", "systemic_therapy", [], ["radioiodine", "i-131"]),
    _drug("daratumumab", "targeted_therapy", ["Darzalex"]),
    _drug("lenalidomide", "targeted_therapy", ["Revlimid"]),
    _drug("dexamethasone", "other"),
    _drug("vismodegib", "targeted_therapy", ["Erivedge"]),
]


def _regimen(id_: str, drugs: list[str], aliases: list[str] | None = None) -> dict[str, object]:
    return {"id": id_, "drugs": drugs, "aliases": aliases or [], "sources": ["s"]}


REGIMENS = [
    _regimen("FOLFOX", ["leucovorin", "fluorouracil", "oxaliplatin"], ["mFOLFOX6", "FOLFOX6"]),
    _regimen("CAPOX", ["capecitabine", "oxaliplatin"], ["XELOX"]),
    _regimen("FOLFIRI", ["leucovorin", "fluorouracil", "irinotecan"]),
    _regimen("R-CHOP", ["rituximab", "cyclophosphamide", "doxorubicin", "vincristine", "prednisone"]),
    _regimen("AC-T", ["doxorubicin", "cyclophosphamide", "paclitaxel"], ["ACT", "AC then T"]),
    _regimen("TC", ["docetaxel", "cyclophosphamide"]),
    _regimen("Rd", ["lenalidomide", "dexamethasone"], ["lenalidomide and dexamethasone"]),
    _regimen("DRd", ["daratumumab", "lenalidomide", "dexamethasone"], ["dara-rd"]),
]


@cache
def text_kb() -> KnowledgeBase:
    real = default_knowledge_base()
    return KnowledgeBase.model_validate(
        {
            "version": "intake-text-test-2",
            "sources": {},
            "cancers": {c["id"]: c for c in CANCERS},
            "drugs": {d["id"]: d for d in DRUGS},
            "regimens": {r["id"]: r for r in REGIMENS},
            "biomarkers": {k: v.model_dump() for k, v in real.biomarkers.items()},
            "pathways": [],
        }
    )
