"""The review as Markdown (and so in the terminal): the case line names cancers as people do."""

from __future__ import annotations

from secondopinion.case import Cancer, Case
from secondopinion.report.markdown import case_summary


def test_a_cancer_type_is_named_by_its_name_never_by_its_identifier(kb):
    line = case_summary(Case(cancers=[Cancer(type="follicular_lymphoma", stage_group="III")]), kb)
    assert line == "Follicular lymphoma, stage III"


def test_a_histology_the_type_name_already_says_is_not_repeated(kb):
    assert case_summary(Case(cancers=[Cancer(type="colon", histology="adenocarcinoma")]), kb) == (
        "Colon adenocarcinoma"
    )


def test_another_histology_is_followed_by_the_plain_name_of_the_type(kb):
    line = case_summary(Case(cancers=[Cancer(type="bladder", histology="invasive urothelial carcinoma")]), kb)
    assert line == "invasive urothelial carcinoma (bladder cancer)"


def test_without_a_knowledge_base_the_identifier_is_at_least_readable():
    assert case_summary(Case(cancers=[Cancer(type="follicular_lymphoma")])) == "follicular lymphoma"
