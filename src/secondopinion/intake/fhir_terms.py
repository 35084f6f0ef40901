"""Codes to knowledge-base ids: cancer types (SNOMED CT, ICD-10-CM, ICD-O-3, names), drugs,
biomarkers (LOINC) and genes. Everything is looked up in the knowledge base; nothing here lists
cancers, drugs or markers itself."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from secondopinion.intake import fhir_codes as codes
from secondopinion.intake.fhir_values import codings, labels
from secondopinion.knowledge.schema import KnowledgeBase

_MORPHOLOGY = re.compile(r"^\d{4,5}/\d$")
_TOPOGRAPHY = re.compile(r"^C\d{2}(\.\d)?$", re.IGNORECASE)
_CANCER_WORDS = re.compile(
    r"\b(malignan\w*|carcinoma|cancer|sarcoma|lymphoma|leuk(a)?emia|melanoma|myeloma|glioma|glioblastoma|"
    r"mesothelioma|adenocarcinoma|blastoma)\b",
    re.IGNORECASE,
)
_SITE_OF = re.compile(
    r"^(?P<pre>.*?)\b(?:malignant\s+)?(?:neoplasm|neoplastic disease|tumou?r|carcinoma|cancer|adenocarcinoma)"
    r"\s+of\s+(?:the\s+)?(?P<site>.+)$",
    re.IGNORECASE,
)
_SECONDARY = re.compile(
    r"\b(secondary malignant|metastatic malignant neoplasm to|metastasis (?:to|in)|"
    r"metastatic (?:tumou?r|cancer) "
    r"(?:to|in)|secondary (?:neoplasm|cancer|carcinoma|tumou?r))\b",
    re.IGNORECASE,
)
_SITE_AFTER = re.compile(r"\b(?:of|to|in)\s+(?:the\s+)?(?P<site>[^()]+?)\s*$", re.IGNORECASE)
_HISTORY = re.compile(r"^(history of|personal history of|h/o)\b", re.IGNORECASE)
_FILLER = {
    "primary",
    "malignant",
    "overlapping",
    "secondary",
    "of",
    "the",
    "and",
    "neoplasm",
    "female",
    "male",
}
_FORM_WORDS = {
    "injection",
    "injectable",
    "injetable",
    "oral",
    "tablet",
    "tablets",
    "capsule",
    "capsules",
    "product",
    "solution",
    "suspension",
    "prefilled",
    "syringe",
    "kit",
    "pack",
    "powder",
    "for",
    "extended",
    "release",
    "delayed",
    "topical",
    "cream",
    "intravenous",
    "subcutaneous",
    "pen",
    "auto-injector",
    "vial",
    "ml",
    "mg",
    "hydrochloride",
    "sodium",
    "citrate",
    "acetate",
    "sulfate",
    "mesylate",
    "maleate",
    "tosylate",
}


def _norm_icd(code: str) -> str:
    return code.upper().replace(".", "").strip()


@dataclass
class TypeMatch:
    type: str | None = None
    how: str = ""  # "code", "name" or "" (not found)
    ambiguous: list[str] = field(default_factory=list)


class Vocabulary:
    """Indexes of the knowledge base for code lookup, built once per knowledge base."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.snomed: dict[str, list[str]] = {}
        self.icd10: list[tuple[str, str]] = []
        self.topography: list[tuple[str, str]] = []
        self.morphology: dict[str, list[str]] = {}
        self.names: dict[str, list[str]] = {}
        for c in kb.cancers.values():
            for s in c.snomed:
                self.snomed.setdefault(str(s).strip(), []).append(c.id)
            self.icd10 += [(_norm_icd(p), c.id) for p in c.icd10]
            for code in c.icdo3:
                code = str(code).strip()
                if _MORPHOLOGY.match(code):
                    self.morphology.setdefault(code, []).append(c.id)
                elif _TOPOGRAPHY.match(code):
                    self.topography.append((_norm_icd(code), c.id))
            for n in {c.name, c.plain_name, *c.aliases}:
                self.names.setdefault(n.lower().strip(), []).append(c.id)
        self.code_counts = {c.id: len(c.icd10) + len(c.icdo3) for c in kb.cancers.values()}
        self.loinc: dict[str, str] = {}
        for b in kb.biomarkers.values():
            for code in b.loinc:
                self.loinc.setdefault(str(code).strip(), b.id)
        self.genes: dict[str, str] = {}
        for b in kb.biomarkers.values():
            if b.kind == "gene":
                self.genes.setdefault(b.id.upper(), b.id)
        for b in kb.biomarkers.values():
            if b.kind == "gene":
                for a in b.aliases:
                    self.genes.setdefault(a.upper(), b.id)
        drug_names: dict[str, str] = {}
        for d in kb.drugs.values():
            for n in [d.id, *d.brands, *d.aliases]:
                if len(n) >= 3:
                    drug_names.setdefault(n.lower(), d.id)
        self.drug_names = drug_names
        alternatives = sorted(drug_names, key=len, reverse=True)
        self._drug_re = (
            re.compile(r"(?<![\w-])(" + "|".join(re.escape(n) for n in alternatives) + r")(?![\w-])")
            if alternatives
            else None
        )

    # ---- cancer types -------------------------------------------------------------------------

    def _ancestors(self, cancer_id: str) -> set[str]:
        out: set[str] = set()
        parent = self.kb.cancers[cancer_id].parent if cancer_id in self.kb.cancers else None
        while parent and parent not in out:
            out.add(parent)
            parent = self.kb.cancers[parent].parent if parent in self.kb.cancers else None
        return out

    def _pick(self, candidates: list[str]) -> TypeMatch:
        unique = list(dict.fromkeys(candidates))
        if len(unique) == 1:
            return TypeMatch(unique[0], "code")
        for c in unique:
            if all(c == o or c in self._ancestors(o) for o in unique):
                return TypeMatch(c, "code")
        return TypeMatch(None, "", unique)

    def cancer_type(self, concepts: list[Any]) -> TypeMatch:
        """The knowledge-base cancer type the codes of some concepts name, if one does."""
        snomed_hits: list[str] = []
        site: dict[str, int] = {}
        morph: set[str] = set()
        for concept in concepts:
            for system, code, _ in codings(concept):
                if not code:
                    continue
                if system == codes.SO_CANCER_TYPE and code in self.kb.cancers:
                    return TypeMatch(code, "code")
                if system == codes.SNOMED:
                    snomed_hits += self.snomed.get(code, [])
                elif system in (codes.ICD10CM, codes.ICD10) or (system == "" and _TOPOGRAPHY.match(code)):
                    n = _norm_icd(code)
                    for prefix, cid in self.icd10:
                        if n.startswith(prefix):
                            site[cid] = max(site.get(cid, 0), len(prefix))
                elif system in (codes.ICDO3, codes.ICDO3_OID):
                    if _MORPHOLOGY.match(code):
                        morph.update(self.morphology.get(code, []))
                    elif _TOPOGRAPHY.match(code):
                        n = _norm_icd(code)
                        for prefix, cid in self.topography + self.icd10:
                            if n.startswith(prefix):
                                site[cid] = max(site.get(cid, 0), len(prefix))
        if snomed_hits:
            return self._pick(snomed_hits)
        both = [c for c in site if c in morph]
        if both:
            return self._pick(both)
        if site:
            best = max(site.values())
            top = [c for c, n in site.items() if n == best]
            fewest = min(self.code_counts.get(c, 0) for c in top)
            narrow = [c for c in top if self.code_counts.get(c, 0) == fewest]
            picked = self._pick(narrow)
            return picked if picked.type else self._pick(top)
        if morph:
            return self._pick(sorted(morph))
        return TypeMatch()

    def cancer_type_by_name(self, concepts: list[Any]) -> TypeMatch:
        """A type recognised from the words of a diagnosis when none of its codes is known."""
        for concept in concepts:
            for label in labels(concept):
                found = self._by_name(label.lower())
                if found.type or found.ambiguous:
                    return found
        return TypeMatch()

    def _by_name(self, phrase: str) -> TypeMatch:
        phrase = re.sub(r"\s+", " ", phrase).strip()
        hits = [n for n in self.names if re.search(r"(?<!\w)" + re.escape(n) + r"(?!\w)", phrase)]
        if hits:
            longest = max(len(h) for h in hits)
            ids = [cid for h in hits if len(h) == longest for cid in self.names[h]]
            picked = self._pick(ids)
            return TypeMatch(picked.type, "name" if picked.type else "", picked.ambiguous)
        m = _SITE_OF.match(phrase)
        if not m:
            return TypeMatch()
        pre = [w for w in m.group("pre").split() if w not in _FILLER]
        site = [w for w in re.split(r"[\s,]+", m.group("site")) if w and w not in _FILLER]
        for i in range(len(pre) + 1):
            for length in range(len(site), 0, -1):
                for start in range(len(site) - length + 1):
                    words = [*pre[i:], *site[start : start + length]]
                    for suffix in ("cancer", "carcinoma"):
                        ids = self.names.get(" ".join([*words, suffix]))
                        if ids:
                            picked = self._pick(ids)
                            return TypeMatch(picked.type, "name" if picked.type else "", picked.ambiguous)
        return TypeMatch()

    @staticmethod
    def looks_malignant(concept: Any) -> bool:
        return any(_CANCER_WORDS.search(label) and "benign" not in label.lower() for label in labels(concept))

    @staticmethod
    def is_history(concept: Any) -> bool:
        return any(_HISTORY.match(label) for label in labels(concept))

    @staticmethod
    def looks_secondary(concept: Any) -> bool:
        for system, code, _ in codings(concept):
            if system in (codes.ICD10CM, codes.ICD10) and _norm_icd(code)[:3] in ("C77", "C78", "C79", "C7B"):
                return True
        return any(_SECONDARY.search(label) for label in labels(concept))

    @staticmethod
    def secondary_site(concept: Any) -> str | None:
        """'Secondary malignant neoplasm of liver' -> 'liver'."""
        for label in labels(concept):
            m = _SITE_AFTER.search(label)
            if m and _SECONDARY.search(label):
                return m.group("site").strip().lower()
        return None

    # ---- drugs, biomarkers, genes -------------------------------------------------------------

    def drugs(self, concept: Any) -> tuple[list[str], str | None]:
        """Knowledge-base drug ids named by a medication concept; else a name read from it."""
        found: list[str] = []
        names = labels(concept)
        if self._drug_re is not None:
            for label in names:
                for m in self._drug_re.finditer(label.lower()):
                    found.append(self.drug_names[m.group(1)])
        if found:
            return list(dict.fromkeys(found)), None
        for label in names:
            words = []
            for w in re.split(r"\s+", label.lower()):
                if re.match(r"^[\d.,/]+$", w) or w in _FORM_WORDS:
                    if words:
                        break
                    continue
                words.append(w)
            if words:
                return [], " ".join(words)
        return [], None

    def biomarker_for_loinc(self, code: str) -> str | None:
        return self.loinc.get(code)

    def gene(self, symbol: str) -> str | None:
        """Knowledge-base biomarker id for a gene symbol (BRCA1 -> BRCA group), if any."""
        return self.genes.get(symbol.upper())


_CACHE: dict[int, tuple[KnowledgeBase, Vocabulary]] = {}


def vocabulary(kb: KnowledgeBase) -> Vocabulary:
    cached = _CACHE.get(id(kb))
    if cached is not None and cached[0] is kb:
        return cached[1]
    vocab = Vocabulary(kb)
    if len(_CACHE) > 8:
        _CACHE.clear()
    _CACHE[id(kb)] = (kb, vocab)
    return vocab
