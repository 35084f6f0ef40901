"""Plan review: findings and verdicts as DESIGN §3 defines them."""

from __future__ import annotations

from secondopinion.case import TNM, Biomarker, Cancer, Case, Patient, PlanItem
from secondopinion.review import review
from tests.review.small_kb import small_kb

KB = small_kb()


def metastatic_crc(*plan: PlanItem, biomarkers: list[Biomarker] | None = None) -> Case:
    return Case(cancers=[Cancer(type="crc", stage_group="IV")], plan=list(plan), biomarkers=biomarkers or [])


FOLFOX = PlanItem(modality="chemotherapy", regimen="mFOLFOX6")
CETUXIMAB = PlanItem(modality="targeted_therapy", drugs=["cetuximab"])
TESTED = [
    Biomarker(name="KRAS", status="negative"),
    Biomarker(name="NRAS", status="negative"),
    Biomarker(name="MSI", status="negative"),
]


def kinds(r):
    return [(f.kind, f.rule_id) for f in r.plan_review.findings]


def test_a_plan_matching_the_evidence_is_concordant_and_cited():
    r = review(metastatic_crc(FOLFOX, biomarkers=TESTED), KB)
    assert r.plan_review.verdict == "concordant"
    confirmed = [f for f in r.plan_review.findings if f.kind == "confirmed"]
    assert confirmed[0].rule_id == "crc-metastatic/doublet"
    assert confirmed[0].citations[0].url_or_pmid == "PMID:12345678"


def test_regimen_acronyms_are_expanded_to_their_drugs():
    r = review(metastatic_crc(FOLFOX, biomarkers=TESTED), KB)
    assert set(r.case.plan[0].drugs) == {"leucovorin", "fluorouracil", "oxaliplatin"}
    assert r.case.plan[0].regimen == "FOLFOX"


def test_a_missing_biomarker_test_makes_the_plan_partially_concordant():
    r = review(metastatic_crc(FOLFOX, biomarkers=TESTED[:2]), KB)
    assert ("missing_test", "crc-metastatic/test:MSI") in kinds(r)
    assert r.plan_review.verdict == "partially_concordant"


def test_a_result_from_a_member_gene_answers_the_group_test():
    r = review(
        metastatic_crc(
            FOLFOX,
            biomarkers=[
                Biomarker(name="KRAS", status="positive", detail="G12D"),
                Biomarker(name="MSI", status="negative"),
            ],
        ),
        KB,
    )
    assert not any(f.kind == "missing_test" for f in r.plan_review.findings)
    assert r.case.biomarker("RAS").status == "positive"


def test_an_element_the_evidence_advises_against_makes_the_plan_discordant():
    r = review(
        metastatic_crc(
            FOLFOX,
            CETUXIMAB,
            biomarkers=[
                Biomarker(name="KRAS", status="positive", detail="G12D"),
                Biomarker(name="MSI", status="negative"),
            ],
        ),
        KB,
    )
    assert ("not_recommended", "crc-metastatic-ras/no-egfr") in kinds(r)
    assert r.plan_review.verdict == "discordant"
    assert r.plan_review.summary == (
        "Part of the plan differs from the evidence for this situation: "
        "1 element the evidence advises against. Discuss these with your doctors."
    )


def test_the_summary_counts_in_words_a_patient_reads():
    r = review(metastatic_crc(FOLFOX, biomarkers=TESTED[:2]), KB)
    assert r.plan_review.summary.endswith("something is missing: 1 test to discuss.")


def test_the_same_plan_is_not_faulted_when_ras_status_is_unknown():
    r = review(metastatic_crc(FOLFOX, CETUXIMAB, biomarkers=[Biomarker(name="MSI", status="negative")]), KB)
    assert "not_recommended" not in {k for k, _ in kinds(r)}
    assert ("missing_test", "crc-metastatic/test:RAS") in kinds(r)


def test_missing_essential_treatment_is_discordant_when_the_plan_is_at_that_decision():
    msi = [*TESTED[:2], Biomarker(name="MSI", status="positive")]
    r = review(metastatic_crc(FOLFOX, biomarkers=msi), KB)
    assert ("missing_treatment", "crc-metastatic-msi/io") in kinds(r)
    assert r.plan_review.verdict == "discordant"


def test_a_plan_is_not_judged_on_a_decision_it_is_not_about():
    msi = [*TESTED[:2], Biomarker(name="MSI", status="positive")]
    r = review(metastatic_crc(PlanItem(modality="surgery", procedure="colectomy"), biomarkers=msi), KB)
    assert "missing_treatment" not in {k for k, _ in kinds(r)}


def test_a_minor_missing_element_is_only_partially_concordant():
    case = Case(
        cancers=[Cancer(type="crc", stage_group="IIIB")],
        plan=[PlanItem(modality="chemotherapy", drugs=["fluorouracil"])],
    )
    r = review(case, KB)
    assert ("missing_treatment", "crc-stage3/adjuvant") in kinds(r)
    assert r.plan_review.verdict == "partially_concordant"


def test_drugs_all_may_be_satisfied_across_plan_items():
    case = Case(
        cancers=[Cancer(type="crc", stage_group="III")],
        plan=[
            PlanItem(modality="chemotherapy", drugs=["fluorouracil"]),
            PlanItem(modality="chemotherapy", drugs=["oxaliplatin"]),
        ],
    )
    assert ("confirmed", "crc-stage3/adjuvant") in kinds(review(case, KB))


def test_an_option_not_mentioned_is_offered_as_an_alternative():
    case = Case(cancers=[Cancer(type="crc", stage_group="III")], plan=[FOLFOX])
    assert ("alternative", "crc-stage3/trial") in kinds(review(case, KB))


def test_equivocal_results_ask_for_a_confirmatory_test():
    r = review(
        metastatic_crc(FOLFOX, biomarkers=[*TESTED[:2], Biomarker(name="MSI", status="equivocal")]), KB
    )
    f = next(f for f in r.plan_review.findings if f.rule_id.endswith("test:MSI"))
    assert f.kind == "missing_test" and "equivocal" in f.explanation


def test_pending_results_are_information_needed_not_missing():
    r = review(metastatic_crc(FOLFOX, biomarkers=[*TESTED[:2], Biomarker(name="MSI", status="pending")]), KB)
    f = next(f for f in r.plan_review.findings if f.rule_id.endswith("test:MSI"))
    assert f.kind == "information_needed"
    assert r.plan_review.verdict == "concordant"


def test_unknown_stage_is_insufficient_information_and_says_what_is_missing():
    r = review(Case(cancers=[Cancer(type="crc")], plan=[FOLFOX]), KB)
    assert r.plan_review.verdict == "insufficient_information"
    assert any(f.kind == "information_needed" and f.rule_id == "case/setting" for f in r.plan_review.findings)


def test_no_plan_is_insufficient_information_but_tests_are_still_reviewed():
    r = review(metastatic_crc(), KB)
    assert r.plan_review.verdict == "insufficient_information"
    assert ("missing_test", "crc-metastatic/test:MSI") in kinds(r)


def test_an_unknown_cancer_type_cannot_be_judged():
    r = review(Case(cancers=[Cancer(histology="odd tumour")], plan=[FOLFOX]), KB)
    assert r.plan_review.verdict == "insufficient_information"


def test_a_situation_without_evidence_in_the_knowledge_base_is_not_called_concordant():
    r = review(Case(cancers=[Cancer(type="meso", stage_group="I")], plan=[FOLFOX]), KB)
    assert r.plan_review.verdict == "insufficient_information"
    assert any(f.rule_id == "case/coverage" for f in r.plan_review.findings)


def test_review_is_deterministic():
    case = metastatic_crc(FOLFOX, CETUXIMAB)
    assert review(case, KB).model_dump_json() == review(case, KB).model_dump_json()


def test_questions_follow_the_findings_and_the_pathways():
    r = review(metastatic_crc(FOLFOX, biomarkers=TESTED[:2]), KB)
    assert any("MSI testing" in q for q in r.questions)
    assert "Is surgery of the liver spots possible?" in r.questions


def test_completeness_marks_records_from_the_case():
    r = review(metastatic_crc(FOLFOX, biomarkers=TESTED[:2]), KB)
    status = {c.item: c.status for c in r.completeness}
    assert status["Molecular report"] == "missing"


def test_chemotherapy_without_named_drugs_is_asked_about_not_called_missing():
    case = Case(
        cancers=[Cancer(type="crc", stage_group="IIIB")],
        plan=[PlanItem(modality="surgery", procedure="colectomy"), PlanItem(modality="chemotherapy")],
    )
    r = review(case, KB)
    f = next(f for f in r.plan_review.findings if f.rule_id == "crc-stage3/adjuvant")
    assert f.kind == "information_needed"
    assert "without naming the drugs" in f.explanation


def test_a_plan_described_only_in_general_terms_is_provisionally_concordant():
    case = Case(cancers=[Cancer(type="crc", stage_group="IIIB")], plan=[PlanItem(modality="chemotherapy")])
    assert review(case, KB).plan_review.verdict == "concordant"


def test_a_plan_judged_by_a_pathway_that_needs_no_stage_is_not_insufficient():
    kb = small_kb()
    raw = kb.model_dump()
    raw["pathways"].append(
        {
            "id": "crc-any",
            "cancer": "crc",
            "title": "Any bowel cancer",
            "recommend": [
                {
                    "id": "surgery",
                    "label": "surgery",
                    "why": "x",
                    "evidence_level": "y",
                    "sources": ["s1"],
                    "options": [{"modality": ["surgery"]}],
                }
            ],
        }
    )
    from secondopinion.knowledge.schema import KnowledgeBase

    kb2 = KnowledgeBase.model_validate(raw)
    case = Case(cancers=[Cancer(type="crc")], plan=[PlanItem(modality="surgery", procedure="colectomy")])
    assert review(case, kb2).plan_review.verdict == "concordant"


def _kb_with(**extra):
    from secondopinion.knowledge.schema import KnowledgeBase

    raw = small_kb().model_dump()
    for key, value in extra.items():
        raw[key] = [*raw.get(key, []), *value]
    return KnowledgeBase.model_validate(raw)


STAGING = {
    "id": "crc-stage",
    "cancer": "crc",
    "name": "x",
    "sources": ["s1"],
    "rules": [
        {"group": "IV", "any": [{"m": ["M1"]}]},
        {"group": "III", "any": [{"n": ["N1", "N2"], "m": ["M0"]}]},
        {"group": "II", "any": [{"t": ["T3", "T4"], "n": ["N0"], "m": ["M0"]}]},
        {"group": "I", "any": [{"t": ["T1", "T2"], "n": ["N0"], "m": ["M0"]}]},
    ],
}


def test_the_stage_group_is_derived_from_tnm_and_says_so():
    from secondopinion.case import TNM
    from secondopinion.review.normalise import normalise

    kb = _kb_with(stage_models=[STAGING])
    case = normalise(Case(cancers=[Cancer(type="crc", tnm=TNM(t="pT3", n="pN1a"))]), kb)
    cancer = case.cancers[0]
    assert (cancer.stage_group, cancer.setting) == ("III", "locally_advanced")
    assert "M0 assumed" in cancer.provenance[-1].text


def test_no_stage_is_derived_when_spread_is_mentioned_but_m_is_not_given():
    from secondopinion.case import TNM
    from secondopinion.review.normalise import normalise

    kb = _kb_with(stage_models=[STAGING])
    case = normalise(
        Case(cancers=[Cancer(type="crc", tnm=TNM(t="T3", n="N1"), metastatic_sites=["liver"])]), kb
    )
    assert case.cancers[0].stage_group == "IV" or case.cancers[0].setting == "metastatic"


def test_karnofsky_gives_an_ecog_equivalent():
    from secondopinion.case import Patient
    from secondopinion.review.normalise import normalise

    case = normalise(Case(patient=Patient(karnofsky=90), cancers=[Cancer(type="crc")]), KB)
    assert case.patient.ecog == 0


def test_a_pd_l1_condition_with_a_unit_reads_the_result_in_that_unit():
    from secondopinion.knowledge.schema import BiomarkerCondition
    from secondopinion.review.conditions import biomarker_holds

    case = Case(
        biomarkers=[
            Biomarker(name="PD-L1", status="positive", value=5, unit="TPS"),
            Biomarker(name="PD-L1", status="positive", value=15, unit="CPS"),
        ]
    )
    assert biomarker_holds(
        case, BiomarkerCondition(name="PD-L1", status=["positive"], value_min=10, unit="CPS")
    )
    assert not biomarker_holds(
        case, BiomarkerCondition(name="PD-L1", status=["positive"], value_min=10, unit="TPS")
    )


def test_a_missing_fact_is_asked_for_only_when_it_could_change_the_review():
    kb = _kb_with(
        pathways=[
            {
                "id": "crc-older",
                "cancer": "crc",
                "title": "Older patients offered cetuximab",
                "when": {"stage": ["III"], "age_min": 70},
                "advise_against": [
                    {
                        "id": "no-cetux",
                        "label": "cetuximab",
                        "why": "x",
                        "evidence_level": "y",
                        "sources": ["s1"],
                        "match": [{"drugs_any": ["cetuximab"]}],
                    }
                ],
            }
        ]
    )
    base = Case(cancers=[Cancer(type="crc", stage_group="III")], plan=[FOLFOX])
    assert not any(f.rule_id == "case/age" for f in review(base, kb).plan_review.findings)
    flagged = base.model_copy(update={"plan": [FOLFOX, CETUXIMAB]})
    assert any(f.rule_id == "case/age" for f in review(flagged, kb).plan_review.findings)


def test_a_missing_treatment_is_not_offered_again_as_something_to_also_ask_about(kb):
    case = Case(
        cancers=[Cancer(type="bladder", stage_group="II", tnm=TNM(t="T2", n="N0", m="M0"))],
        plan=[PlanItem(modality="surgery", procedure="radical cystectomy")],
    )
    findings = review(case, kb).plan_review.findings
    missing = [f for f in findings if f.kind == "missing_treatment"]
    assert [f.rule_id.split("/")[1] for f in missing] == ["neoadjuvant-cisplatin-before-cystectomy"]
    subjects = {f.subject for f in findings if f.kind == "alternative"}
    assert missing[0].subject not in subjects


def test_a_finding_that_rests_on_fitness_read_from_the_plan_says_so(kb):
    def missing(ecog):
        case = Case(
            patient=Patient(ecog=ecog),
            cancers=[Cancer(type="bladder", stage_group="II", tnm=TNM(t="T2", n="N0", m="M0"))],
            plan=[PlanItem(modality="surgery", procedure="radical cystectomy")],
        )
        return next(f for f in review(case, kb).plan_review.findings if f.kind == "missing_treatment")

    assert "We took it that you are fit enough" in missing(None).explanation
    assert "We took it that you are fit enough" not in missing(0).explanation


def test_an_element_advised_against_is_not_also_confirmed_by_a_broader_pathway(kb):
    """Ibrutinib for Rai 0 CLL without active disease: advised against here, although a broader
    pathway lists it among first treatments."""
    case = Case(
        cancers=[Cancer(type="cll", stage_group="0")],
        plan=[PlanItem(modality="targeted_therapy", drugs=["ibrutinib"])],
    )
    findings = review(case, kb).plan_review.findings
    assert any(f.kind == "not_recommended" for f in findings)
    assert not any(f.kind == "confirmed" and "ibrutinib" in f.explanation.lower() for f in findings)
