"""Normalisation: the T category from the tumour's size for types whose knowledge base gives T
by size alone (differentiated thyroid cancer), never when growth beyond the organ is described."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from secondopinion.case import TNM, Cancer, Case, Patient
from secondopinion.review.normalise import is_t_model, normalise


def cancer_after(kb, ctype: str, scores: dict, tnm: TNM | None = None, **fields):  # type: ignore[no-untyped-def]
    cancer = Cancer(type=ctype, scores=scores, tnm=tnm or TNM(), **fields)
    return normalise(Case(patient=Patient(age=45), cancers=[cancer]), kb).cancers[0]


@pytest.mark.parametrize(
    ("size", "t"),
    [(0.7, "T1a"), (1.0, "T1a"), (1.2, "T1b"), (2.0, "T1b"), (2.5, "T2"), (4.0, "T2"), (4.6, "T3a")],
)
def test_thyroid_t_category_from_size(kb, size, t):
    cancer = cancer_after(kb, "thyroid", {"size_cm": size})
    assert cancer.tnm.t == t
    assert any("derived from the tumour size" in (p.text or "") for p in cancer.provenance)


def test_size_then_stages_a_node_negative_thyroid_cancer(kb):
    cancer = cancer_after(kb, "thyroid", {"size_cm": 1.2}, TNM(n="N0"))
    assert (cancer.tnm.t, cancer.stage_group, cancer.setting) == ("T1b", "I", "localized")


def test_a_stated_t_category_is_never_replaced(kb):
    assert cancer_after(kb, "thyroid", {"size_cm": 1.2}, TNM(t="T3b")).tnm.t == "T3b"


def test_growth_beyond_the_thyroid_leaves_t_unknown(kb):
    assert cancer_after(kb, "thyroid", {"size_cm": 1.2, "local_extension": "present"}).tnm.t is None
    assert cancer_after(kb, "thyroid", {"size_cm": 1.2}, setting="locally_advanced").tnm.t is None


def test_types_without_a_size_table_get_no_t(kb):
    assert cancer_after(kb, "breast", {"size_cm": 1.2}).tnm.t is None


def test_size_tables_are_not_stage_tables(kb):
    tables = [m for m in kb.stage_models if is_t_model(m)]
    assert tables and all(m.cancer == "thyroid" for m in tables)
    stage = next(m for m in kb.stage_models if m.cancer == "thyroid" and not is_t_model(m))
    assert not is_t_model(stage)


@given(st.floats(min_value=0.05, max_value=15, allow_nan=False))
def test_every_thyroid_size_gives_one_t_category(kb, size):
    t = cancer_after(kb, "thyroid", {"size_cm": size}).tnm.t
    assert t == ("T1a" if size <= 1 else "T1b" if size <= 2 else "T2" if size <= 4 else "T3a")
