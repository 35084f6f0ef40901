"""A small, hand-checked knowledge base for specifying engine behaviour independently of the
bundled data (which grows). It is real data in the real schema, not a mock."""

from __future__ import annotations

from secondopinion.knowledge.schema import KnowledgeBase
from secondopinion.knowledge.validate import cross_check

SRC = ["s1"]

RAW = {
    "version": "test",
    "sources": {
        "s1": {"id": "s1", "kind": "trial", "title": "A pivotal trial", "year": 2020, "pmid": "12345678"},
        "s2": {"id": "s2", "kind": "registry", "title": "A registry", "year": 2024},
    },
    "cancers": {
        "crc": {
            "id": "crc",
            "name": "Colorectal cancer",
            "plain_name": "bowel cancer",
            "incidence": {"per_100k": 36.0, "population": "US", "sources": ["s2"]},
        },
        "meso": {
            "id": "meso",
            "name": "Mesothelioma",
            "plain_name": "mesothelioma",
            "pace": "aggressive",
            "incidence": {"per_100k": 0.9, "population": "US", "sources": ["s2"]},
        },
        "skin": {
            "id": "skin",
            "name": "Basal cell carcinoma",
            "plain_name": "basal cell skin cancer",
            "low_risk_minor_procedures": ["excision", "mohs"],
        },
    },
    "drugs": {
        "oxaliplatin": {
            "id": "oxaliplatin",
            "classes": ["platinum", "chemotherapy"],
            "modality": "chemotherapy",
            "sources": SRC,
        },
        "fluorouracil": {
            "id": "fluorouracil",
            "classes": ["fluoropyrimidine", "chemotherapy"],
            "modality": "chemotherapy",
            "sources": SRC,
        },
        "leucovorin": {
            "id": "leucovorin",
            "classes": ["chemotherapy modulator"],
            "modality": "other",
            "sources": SRC,
        },
        "cetuximab": {
            "id": "cetuximab",
            "classes": ["anti-EGFR antibody", "targeted therapy"],
            "modality": "targeted_therapy",
            "sources": SRC,
        },
        "pembrolizumab": {
            "id": "pembrolizumab",
            "classes": ["PD-1 inhibitor", "immune checkpoint inhibitor"],
            "modality": "immunotherapy",
            "sources": SRC,
        },
    },
    "regimens": {
        "FOLFOX": {
            "id": "FOLFOX",
            "aliases": ["mfolfox6"],
            "drugs": ["leucovorin", "fluorouracil", "oxaliplatin"],
            "sources": SRC,
        },
    },
    "biomarkers": {
        "KRAS": {"id": "KRAS", "name": "KRAS", "explanation": "x"},
        "NRAS": {"id": "NRAS", "name": "NRAS", "explanation": "x"},
        "RAS": {"id": "RAS", "name": "RAS", "explanation": "x", "members": ["KRAS", "NRAS"]},
        "MSI": {"id": "MSI", "name": "MSI", "explanation": "x"},
        "PD-L1": {"id": "PD-L1", "name": "PD-L1", "explanation": "x", "kind": "protein"},
    },
    "pathways": [
        {
            "id": "crc-metastatic",
            "cancer": "crc",
            "title": "Metastatic bowel cancer",
            "when": {"setting": ["metastatic"]},
            "tests": [
                {
                    "biomarker": "RAS",
                    "also_answered_by": ["KRAS"],
                    "label": "RAS testing",
                    "why": "It decides anti-EGFR use.",
                    "evidence_level": "FDA label",
                    "sources": SRC,
                },
                {
                    "biomarker": "MSI",
                    "label": "MSI testing",
                    "why": "It opens immunotherapy.",
                    "evidence_level": "phase 3 RCT",
                    "sources": SRC,
                },
            ],
            "recommend": [
                {
                    "id": "doublet",
                    "label": "chemotherapy doublet",
                    "why": "It controls the cancer.",
                    "evidence_level": "phase 3 RCT",
                    "sources": SRC,
                    "options": [{"drug_class_any": ["platinum"]}, {"drugs_any": ["pembrolizumab"]}],
                    "judge_if_plan_has": [
                        {"modality": ["chemotherapy", "immunotherapy", "targeted_therapy"]}
                    ],
                }
            ],
            "questions": ["Is surgery of the liver spots possible?"],
            "records": [{"item": "Molecular report", "why": "x", "kind": "ngs_report"}],
        },
        {
            "id": "crc-metastatic-ras",
            "cancer": "crc",
            "title": "RAS-mutant metastatic bowel cancer",
            "when": {"setting": ["metastatic"], "biomarkers": [{"name": "RAS", "status": "positive"}]},
            "advise_against": [
                {
                    "id": "no-egfr",
                    "label": "anti-EGFR antibody",
                    "why": "It does not work here.",
                    "evidence_level": "phase 3 RCT",
                    "sources": SRC,
                    "match": [{"drug_class_any": ["anti-EGFR antibody"]}],
                }
            ],
        },
        {
            "id": "crc-metastatic-msi",
            "cancer": "crc",
            "title": "MSI-high metastatic bowel cancer",
            "when": {"setting": ["metastatic"], "biomarkers": [{"name": "MSI", "status": "positive"}]},
            "recommend": [
                {
                    "id": "io",
                    "label": "immunotherapy first",
                    "why": "It works better than chemo.",
                    "evidence_level": "phase 3 RCT",
                    "sources": SRC,
                    "options": [{"drug_class_any": ["PD-1 inhibitor"]}],
                    "judge_if_plan_has": [{"modality": ["chemotherapy", "immunotherapy"]}],
                }
            ],
        },
        {
            "id": "crc-stage3",
            "cancer": "crc",
            "title": "Stage III bowel cancer after surgery",
            "when": {"stage": ["III"]},
            "recommend": [
                {
                    "id": "adjuvant",
                    "label": "adjuvant chemotherapy",
                    "why": "It lowers the risk of return.",
                    "evidence_level": "phase 3 RCT",
                    "sources": SRC,
                    "major": False,
                    "options": [{"drugs_all": ["oxaliplatin", "fluorouracil"]}],
                }
            ],
            "alternatives": [
                {
                    "id": "trial",
                    "label": "a clinical trial",
                    "why": "x",
                    "evidence_level": "trial",
                    "sources": SRC,
                    "options": [{"modality": ["watchful_waiting"]}],
                }
            ],
        },
    ],
}


def small_kb() -> KnowledgeBase:
    kb = KnowledgeBase.model_validate(RAW)
    problems = cross_check(kb)
    assert not problems, problems
    return kb
