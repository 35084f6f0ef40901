"""Free-text intake: watching is a plan; nothing further after an operation is a plan the review
can judge; treatments kept for later (at progression, if it comes back, after the pathology) and a
drug the plan was chosen over are not part of the plan now."""

from __future__ import annotations

import pytest

from secondopinion.intake.text import parse_text


def plan_of(text: str, kb):  # type: ignore[no-untyped-def]
    return [(i.modality, ",".join(i.drugs)) for i in parse_text(text, kb, document="case.txt").plan]


@pytest.mark.parametrize(
    "sentence",
    [
        "Plan: observation with labs every 3-4 months; no treatment.",
        "My haematologist says no treatment, repeat bloods every 3 months.",
        "My surgeon says I need no radiotherapy or chemo, only check-ups every 3-6 months.",
        "Surgeon's plan: CT every 3 months.",
        "I only need a follow-up colonoscopy in 3 months and CEA checks.",
        "The urologist recommends active monitoring with PSA tests every 6 months.",
    ],
)
def test_watching_is_read_as_surveillance(kb, sentence):
    assert ("active_surveillance", "") in plan_of(f"Stage I colon cancer. {sentence}", kb)


def test_no_adjuvant_chemotherapy_offered_is_nothing_further_after_surgery(kb):
    text = "I had a Whipple for pancreatic cancer last month. No adjuvant chemotherapy was offered."
    assert plan_of(text, kb) == [("watchful_waiting", "")]


@pytest.mark.parametrize(
    ("sentence", "planned"),
    [
        (
            "Plan: carboplatin and paclitaxel x6. Immunotherapy to be considered on progression.",
            {"chemotherapy"},
        ),
        (
            "The plan is radiation alone; chemotherapy could be saved for later if it comes back.",
            {"radiation"},
        ),
        (
            "Plan: cisplatin and etoposide; chest radiation can be considered later if there is residual"
            " disease.",
            {"chemotherapy"},
        ),
        ("The surgeon will do a low anterior resection and decide about chemo afterwards.", {"surgery"}),
        ("Plan: esophagectomy next week; adjuvant treatment to be decided after pathology.", {"surgery"}),
        (
            "Plan: radiotherapy with cetuximab, chosen over cisplatin because it is gentler.",
            {"radiation", "targeted_therapy"},
        ),
    ],
)
def test_treatments_kept_for_later_are_not_the_plan_now(kb, sentence, planned):
    plan = plan_of(f"Stage III cancer of the lung. {sentence}", kb)
    assert {m for m, _ in plan} == planned
    assert not any("cisplatin" in d for _, d in plan if "cetuximab" in sentence)


def test_agreeing_on_a_plan_makes_it_proposed_not_done(kb):
    text = (
        "Larynx cancer T3 N0. ENT and radiation oncology agree on larynx preservation: concurrent "
        "cisplatin with IMRT 70 Gy. Feeding tube discussed."
    )
    case = parse_text(text, kb, document="case.txt")
    assert {i.modality for i in case.plan} == {"chemotherapy", "radiation"}
    assert case.history == []


def test_a_completion_dissection_keeps_its_word_across_the_node_basin(kb):
    text = "Melanoma, positive sentinel node. Plan: completion inguinal lymph node dissection."
    item = parse_text(text, kb, document="case.txt").plan[0]
    assert item.procedure == "completion inguinal lymph node dissection"
