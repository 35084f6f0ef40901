"""The bundled knowledge base: valid, cited, and covering what the project promises."""

from __future__ import annotations

REQUIRED_PATHWAY_TYPES = {
    "breast",
    "nsclc",
    "sclc",
    "colon",
    "rectal",
    "anal",
    "prostate",
    "melanoma",
    "pancreatic",
    "ovarian",
    "endometrial",
    "cervical",
    "gastric",
    "esophageal",
    "hcc",
    "biliary",
    "bladder",
    "kidney",
    "thyroid",
    "head_neck_scc",
    "glioblastoma",
    "lower_grade_glioma",
    "gist",
    "soft_tissue_sarcoma",
    "mesothelioma",
    "dlbcl",
    "hodgkin",
    "myeloma",
    "bcc",
    "cscc",
}
COMMON = {
    "breast",
    "nsclc",
    "lung",
    "colon",
    "rectal",
    "prostate",
    "melanoma",
    "bladder",
    "kidney",
    "endometrial",
    "thyroid",
    "pancreatic",
}


def test_every_required_cancer_type_has_pathways(kb):
    covered = {p.cancer for p in kb.pathways}
    assert covered >= REQUIRED_PATHWAY_TYPES, sorted(REQUIRED_PATHWAY_TYPES - covered)


def test_at_least_80_cancer_types_have_cited_incidence(kb):
    with_incidence = [c for c in kb.cancers.values() if c.incidence]
    assert len(with_incidence) >= 80
    assert all(c.incidence.sources for c in with_incidence)


def test_common_cancers_are_not_rare(kb):
    for cid in COMMON:
        inc = kb.cancers[cid].incidence
        assert inc is None or inc.per_100k >= 6, cid


def test_every_pathway_does_something(kb):
    for p in kb.pathways:
        assert p.tests or p.recommend or p.advise_against or p.alternatives or p.records, p.id


def test_pathway_ids_start_with_their_cancer(kb):
    for p in kb.pathways:
        assert p.id.startswith(p.cancer.replace("_", "-").split("-")[0]) or p.id.startswith(p.cancer), p.id


def test_regimens_expand_to_known_drugs(kb):
    assert {"leucovorin", "fluorouracil", "oxaliplatin"} <= set(kb.regimens["FOLFOX"].drugs)
    assert "rituximab" in kb.regimens["R-CHOP"].drugs


def test_no_source_identifier_is_malformed(kb):
    for s in kb.sources.values():
        assert s.reference(), s.id
