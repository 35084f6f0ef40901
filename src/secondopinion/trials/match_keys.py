"""Where a trial is filed and which trials are worth evaluating for a case.

A registry holds hundreds of thousands of studies; the store narrows them to candidates by
status, cancer type (with the broader and narrower types of the knowledge base, and generic
"solid tumours" / "haematological malignancies" baskets) and setting before the matcher looks at
any criterion. These functions decide those keys; they are pure.
"""

from __future__ import annotations

import re

from secondopinion.case import Case
from secondopinion.knowledge.schema import KnowledgeBase
from secondopinion.trials.ctgov import normalise_status
from secondopinion.trials.match_checks import ancestors, descendants, wanted_settings
from secondopinion.trials.model import Trial

OPEN_STATUSES = frozenset(
    {
        "RECRUITING",
        "NOT_YET_RECRUITING",
        "ENROLLING_BY_INVITATION",
        "AVAILABLE",
        "OPEN",
        "OPEN_TO_ACCRUAL",
    }
)
GENERIC_SOLID = "~solid"
GENERIC_HEME = "~heme"
GENERIC_ANY = "~any"
_GENERIC_HEME = re.compile(r"\b(ha?ematolog\w*|blood|lymphoid|myeloid)\s+(malignan|cancer|neoplas)", re.I)
_GENERIC_SOLID = re.compile(r"\bsolid\s+(tumou?r|malignan|neoplas|cancer)", re.I)
_GENERIC_ANY = re.compile(
    r"^(?:(?:advanced|metastatic|recurrent|refractory|relapsed|unresectable|malignant|adult|"
    r"pediatric|paediatric)\s+)*(?:cancers?|neoplasms?|malignanc(?:y|ies)|tumou?rs?|carcinomas?|"
    r"oncology)$",
    re.I,
)


def is_open(status: str) -> bool:
    return normalise_status(status) in OPEN_STATUSES


def trial_cancer_keys(trial: Trial, kb: KnowledgeBase) -> list[str]:
    """The keys a trial is filed under for candidate search: its knowledge-base cancer types,
    or a generic key for basket trials ('solid tumours', 'haematological malignancies',
    'advanced cancer'). Trials with no key are not about cancer and are never candidates."""
    keys = set(trial.cancer_types)
    for c in trial.criteria:
        if c.type == "cancer_type" and c.inclusion:
            keys.update(c.cancer_types)
    keys &= set(kb.cancers)
    if keys:
        return sorted(keys)
    generic: set[str] = set()
    for text in (*trial.conditions, trial.title):
        if _GENERIC_SOLID.search(text):
            generic.add(GENERIC_SOLID)
        if _GENERIC_HEME.search(text):
            generic.add(GENERIC_HEME)
    for text in trial.conditions:
        if _GENERIC_ANY.match(text.strip()):
            generic.add(GENERIC_ANY)
    return sorted(generic)


def case_cancer_keys(case: Case, kb: KnowledgeBase) -> list[str]:
    """Keys of trials worth evaluating for this case: its type, the broader types above it (a
    lung-cancer trial takes NSCLC), the narrower ones below it (an NSCLC trial may fit 'lung
    cancer', to be confirmed) and the generic basket keys of its category."""
    cancer = case.primary
    if cancer is None or not cancer.type or cancer.type not in kb.cancers:
        return []
    keys = {*ancestors(cancer.type, kb), *descendants(cancer.type, kb), GENERIC_ANY}
    category = kb.cancers[cancer.type].category
    keys.add(GENERIC_HEME if category in ("lymphoma", "myeloma", "leukemia") else GENERIC_SOLID)
    return sorted(keys)


def trial_setting(trial: Trial) -> str | None:
    """'metastatic' or 'non_metastatic' when the criteria restrict the setting that plainly,
    else None. Criteria that also admit locally advanced disease do not restrict."""
    found: set[str] = set()
    for c in trial.criteria:
        if c.type != "metastatic" or c.arm is not None or c.group is not None:
            continue
        wanted = wanted_settings(c)
        if wanted == {"metastatic"}:
            found.add("metastatic" if c.inclusion else "non_metastatic")
        elif wanted <= {"localized", "locally_advanced"}:
            found.add("non_metastatic" if c.inclusion else "metastatic")
        else:
            return None
    return found.pop() if len(found) == 1 else None


def case_setting(case: Case) -> str | None:
    cancer = case.primary
    if cancer is None or cancer.setting is None:
        return None
    return "metastatic" if cancer.setting == "metastatic" else "non_metastatic"
