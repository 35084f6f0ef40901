"""The platform's services, end to end on a real database: the journey, opinions, disagreement,
reviewer suggestions, caregivers and follow-up."""

from __future__ import annotations

from datetime import timedelta

import pytest

from secondopinion.errors import InputError
from secondopinion.platform import accounts, assignment, documents, followup, opinions
from secondopinion.platform import requests as rq
from secondopinion.platform.errors import Conflict, Forbidden, NotFound
from secondopinion.platform.sealing import OPINION_CONTENT, unseal_json
from secondopinion.store.platform_requests import Opinion
from tests.platform.support import COLON_TEXT, NSCLC_TEXT, make_person, opinion_body


def _profile(ctx, person, specialties, volume=100, subspecialty="", conflicts=()):
    accounts.update_my_profile(
        ctx,
        person.actor,
        specialties=specialties,
        yearly_case_volume=volume,
        subspecialty=subspecialty,
        languages=["en"],
        conflicts_of_interest=list(conflicts),
    )


def _ready(ctx, people, text=NSCLC_TEXT):
    """A submitted request whose records are complete."""
    p, c = people["patient"].actor, people["coordinator"].actor
    detail = rq.create_request(ctx, p, text=text)
    rq.give_consent(ctx, p, detail.id)
    rq.submit(ctx, p, detail.id)
    rq.mark_records_complete(ctx, c, detail.id)
    return detail


def _signed_and_delivered(ctx, people, diagnosis="same"):
    detail = _ready(ctx, people)
    _profile(ctx, people["reviewer"], ["nsclc"])
    assignment.assign(ctx, people["coordinator"].actor, detail.id, [people["reviewer"].id])
    body = opinions.OpinionDocument.model_validate(opinion_body(detail.case, diagnosis=diagnosis))
    opinions.save_draft(ctx, people["reviewer"].actor, detail.id, body)
    opinions.sign(ctx, people["reviewer"].actor, detail.id)
    rq.deliver(ctx, people["coordinator"].actor, detail.id)
    return detail


def test_the_whole_journey(ctx, people, clock):
    p, c, r = people["patient"].actor, people["coordinator"].actor, people["reviewer"].actor
    detail = rq.create_request(ctx, p, text=NSCLC_TEXT)
    assert detail.state == "draft" and detail.cancer_type == "nsclc"
    assert detail.review and detail.review["plan_review"]["verdict"] == "discordant"  # pre-review at once
    with pytest.raises(Conflict, match="consent"):
        rq.submit(ctx, p, detail.id)
    rq.give_consent(ctx, p, detail.id)
    assert rq.submit(ctx, p, detail.id).state == "submitted"
    assert rq.mark_records_pending(ctx, c, detail.id, ["Pathology slides"]).missing_records == [
        "Pathology slides"
    ]
    done = rq.mark_records_complete(ctx, c, detail.id)
    assert done.state == "records_complete"
    assert done.due_at == clock() + timedelta(days=7)  # Monday + 5 business days
    _profile(ctx, people["reviewer"], ["nsclc"])
    assert assignment.assign(ctx, c, detail.id, [r.user_id]).state == "assigned"
    body = opinions.OpinionDocument.model_validate(opinion_body(detail.case))
    draft = opinions.save_draft(ctx, r, detail.id, body)
    assert draft.status == "draft" and draft.content["opinion"]["case_id"] == detail.id
    assert rq.get_request(ctx, p, detail.id).state == "in_review"
    assert opinions.list_opinions(ctx, p, detail.id) == []  # a draft is the reviewer's own
    signed = opinions.sign(ctx, r, detail.id)
    assert signed.status == "signed" and len(signed.content_sha256 or "") == 64
    assert rq.get_request(ctx, p, detail.id).state == "opinion_signed"
    assert opinions.list_opinions(ctx, p, detail.id) == []  # not yet delivered
    rq.deliver(ctx, c, detail.id)
    assert [o.id for o in opinions.list_opinions(ctx, p, detail.id)] == [signed.id]
    comp = opinions.comparisons(ctx, p, detail.id).comparisons
    assert len(comp) == 1 and {e["element"] for e in comp[0].comparison["elements"]} >= {
        "diagnosis",
        "stage",
        "plan",
    }
    q = followup.ask(ctx, p, detail.id, "How long would I take osimertinib?")
    assert rq.get_request(ctx, p, detail.id).state == "follow_up"
    assert followup.answer(ctx, r, detail.id, q.id, "Usually until it stops working.").answer
    checks = followup.check_ins(ctx, p, detail.id)
    assert [x.months for x in checks] == [3, 6, 12] and not any(x.open for x in checks)
    with pytest.raises(Conflict, match="not due"):
        followup.answer_check_in(ctx, p, detail.id, checks[0].id, "yes", 4)
    clock.advance(days=93)
    answered = followup.answer_check_in(ctx, p, detail.id, checks[0].id, "yes", 4, "feeling well")
    assert answered.completed_at and answered.followed == "yes"


def test_the_turnaround_clock_flags_overdue_requests_on_the_dashboard(ctx, people, clock):
    detail = _ready(ctx, people)
    c = people["coordinator"].actor
    assert rq.dashboard(ctx, c).overdue == []
    clock.advance(days=7, minutes=1)
    board = rq.dashboard(ctx, c)
    assert [s.id for s in board.overdue] == [detail.id] and board.overdue[0].overdue
    assert board.counts["records_complete"] == 1


def test_signed_opinions_never_change_and_amendments_are_new_versions(ctx, people, clock):
    detail = _signed_and_delivered(ctx, people)
    r = people["reviewer"].actor
    first = opinions.list_opinions(ctx, r, detail.id)[0]
    clock.advance(minutes=5)
    changed = opinion_body(detail.case, summary="Amended: also consider a trial.")
    amendment = opinions.save_draft(ctx, r, detail.id, opinions.OpinionDocument.model_validate(changed))
    assert amendment.version == 2 and amendment.amends_id == first.id and amendment.status == "draft"
    with ctx.read() as db:
        row = db.get(Opinion, first.id)
        assert (
            row.status == "signed"
            and unseal_json(ctx.vault, OPINION_CONTENT, row.id, row.content) == first.content
            and row.content_sha256 == first.content_sha256
        )
    opinions.sign(ctx, r, detail.id)
    # The patient sees only what was delivered: the amendment waits for the next delivery.
    assert [o.version for o in opinions.list_opinions(ctx, people["patient"].actor, detail.id)] == [1]


def test_signing_needs_an_answer_to_each_patient_question(ctx, people):
    detail = _ready(ctx, people)
    assert detail.case["questions"], "the vignette asks a question"
    _profile(ctx, people["reviewer"], ["nsclc"])
    assignment.assign(ctx, people["coordinator"].actor, detail.id, [people["reviewer"].id])
    body = opinion_body(detail.case)
    body["answers"] = []
    opinions.save_draft(
        ctx, people["reviewer"].actor, detail.id, opinions.OpinionDocument.model_validate(body)
    )
    with pytest.raises(Conflict, match="unanswered"):
        opinions.sign(ctx, people["reviewer"].actor, detail.id)


def test_an_opinion_on_a_plan_element_that_does_not_exist_is_refused(ctx, people):
    detail = _ready(ctx, people)
    _profile(ctx, people["reviewer"], ["nsclc"])
    assignment.assign(ctx, people["coordinator"].actor, detail.id, [people["reviewer"].id])
    body = opinion_body(detail.case)
    body["opinion"]["plan"][0]["plan_index"] = 99
    with pytest.raises(InputError, match="does not exist"):
        opinions.save_draft(
            ctx, people["reviewer"].actor, detail.id, opinions.OpinionDocument.model_validate(body)
        )


def test_a_multidisciplinary_review_is_signed_when_every_reviewer_has_signed(ctx, people):
    detail = _ready(ctx, people)
    r1, r2 = people["reviewer"], people["reviewer2"]
    _profile(ctx, r1, ["nsclc"])
    _profile(ctx, r2, ["nsclc"], subspecialty="radiation oncology")
    after = assignment.assign(ctx, people["coordinator"].actor, detail.id, [r1.id, r2.id], lead_id=r2.id)
    assert {(a.reviewer_id, a.lead) for a in after.assignments} == {(r1.id, False), (r2.id, True)}
    body = opinions.OpinionDocument.model_validate(opinion_body(detail.case))
    for r in (r1, r2):
        opinions.save_draft(ctx, r.actor, detail.id, body)
    opinions.sign(ctx, r1.actor, detail.id)
    assert rq.get_request(ctx, r1.actor, detail.id).state == "in_review"
    opinions.sign(ctx, r2.actor, detail.id)
    assert rq.get_request(ctx, r1.actor, detail.id).state == "opinion_signed"


def test_a_third_opinion_needs_disagreement_and_is_blinded(ctx, people):
    detail = _signed_and_delivered(ctx, people, diagnosis="same")
    c, third = people["coordinator"].actor, people["reviewer2"]
    _profile(ctx, third, ["nsclc"])
    with pytest.raises(Conflict, match="disagreement"):
        assignment.request_third_opinion(ctx, c, detail.id, third.id)
    rq.dispute(ctx, people["patient"].actor, detail.id, "My oncologist disagrees with the reviewer.")
    with pytest.raises(Conflict, match="has not reviewed"):
        assignment.request_third_opinion(ctx, c, detail.id, people["reviewer"].id)
    assert assignment.request_third_opinion(ctx, c, detail.id, third.id).state == "third_opinion"
    blind = rq.get_request(ctx, third.actor, detail.id)
    assert [a.reviewer_id for a in blind.assignments] == [third.id]  # does not learn who else reviewed
    assert opinions.list_opinions(ctx, third.actor, detail.id) == []  # nor what they wrote
    with pytest.raises(Forbidden):
        opinions.comparisons(ctx, third.actor, detail.id)
    body = opinions.OpinionDocument.model_validate(opinion_body(detail.case, diagnosis="refined"))
    opinions.save_draft(ctx, third.actor, detail.id, body)
    opinions.sign(ctx, third.actor, detail.id)
    rq.deliver(ctx, c, detail.id)
    kinds = [x.kind for x in opinions.comparisons(ctx, people["patient"].actor, detail.id).comparisons]
    assert kinds == ["second_opinion", "third_opinion"]


def test_a_different_diagnosis_opens_the_third_opinion_without_a_dispute(ctx, people):
    detail = _signed_and_delivered(ctx, people, diagnosis="different")
    _profile(ctx, people["reviewer2"], ["nsclc"])
    out = assignment.request_third_opinion(
        ctx, people["coordinator"].actor, detail.id, people["reviewer2"].id
    )
    assert out.state == "third_opinion"


def test_suggestions_put_specialists_first_and_high_volume_first_for_rare_cancers(ctx, people):
    detail = _ready(
        ctx,
        people,
        text="I have a 6 cm gastrointestinal stromal tumor (GIST) of the stomach, "
        "KIT exon 11 mutation, completely resected. My doctor proposes imatinib for 3 years.",
    )
    assert detail.rare
    low, high, other = people["reviewer"], people["reviewer2"], make_person(ctx, "reviewer")
    _profile(ctx, low, ["gist"], volume=10)
    _profile(ctx, high, ["gist"], volume=400, subspecialty="sarcoma medical oncology")
    _profile(ctx, other, ["nsclc"], volume=999)
    ranked = assignment.suggestions(ctx, people["coordinator"].actor, detail.id)
    assert [s.reviewer.user_id for s in ranked] == [high.id, low.id]
    assert ranked[0].rank == 1 and ranked[0].exact


def test_declared_conflicts_rank_last_and_block_assignment(ctx, people):
    detail = _ready(ctx, people)
    clean, conflicted = people["reviewer"], people["reviewer2"]
    _profile(ctx, clean, ["nsclc"], volume=10)
    _profile(ctx, conflicted, ["nsclc"], volume=500, conflicts=["pembrolizumab"])
    ranked = assignment.suggestions(ctx, people["coordinator"].actor, detail.id)
    assert [s.reviewer.user_id for s in ranked] == [clean.id, conflicted.id]
    assert ranked[1].conflicts == ["pembrolizumab"]
    with pytest.raises(Conflict, match="conflict of interest"):
        assignment.assign(ctx, people["coordinator"].actor, detail.id, [conflicted.id])


def test_caregivers_see_only_what_they_were_invited_to(ctx, people):
    p, cg = people["patient"].actor, people["caregiver"].actor
    mine = rq.create_request(ctx, p, text=NSCLC_TEXT)
    other = rq.create_request(ctx, p, text=COLON_TEXT)
    invite = accounts.invite_caregiver(ctx, p, mine.id)
    with pytest.raises(NotFound):
        rq.get_request(ctx, cg, mine.id)
    assert accounts.accept_invitation(ctx, cg, invite.token) == mine.id
    assert rq.get_request(ctx, cg, mine.id).id == mine.id
    assert [s.id for s in rq.list_requests(ctx, cg)] == [mine.id]
    with pytest.raises(NotFound):
        rq.get_request(ctx, cg, other.id)
    with pytest.raises(Forbidden):
        rq.give_consent(ctx, cg, mine.id)  # consent is the patient's own
    with pytest.raises(InputError):
        accounts.accept_invitation(ctx, cg, invite.token)  # one use only


def test_a_caregiver_can_sign_up_with_an_invitation(ctx, people):
    from secondopinion.platform.context import Anonymous

    mine = rq.create_request(ctx, people["patient"].actor, text=NSCLC_TEXT)
    invite = accounts.invite_caregiver(ctx, people["patient"].actor, mine.id)
    user = accounts.signup(
        ctx, Anonymous(), "helper@example.org", "a long enough passphrase", "Helper", invite.token
    )
    assert user.role == "caregiver"
    from secondopinion.platform.context import Actor

    assert rq.get_request(ctx, Actor(user.id, "caregiver"), mine.id).id == mine.id


def test_follow_up_questions_stop_at_three(ctx, people):
    detail = _signed_and_delivered(ctx, people)
    p = people["patient"].actor
    for i in range(3):
        followup.ask(ctx, p, detail.id, f"Question {i}?")
    with pytest.raises(Conflict, match="3"):
        followup.ask(ctx, p, detail.id, "A fourth?")
    assert rq.get_request(ctx, p, detail.id).questions_left == 0


def test_consent_cannot_be_withdrawn_once_a_reviewer_has_the_records(ctx, people):
    detail = _ready(ctx, people)
    _profile(ctx, people["reviewer"], ["nsclc"])
    assignment.assign(ctx, people["coordinator"].actor, detail.id, [people["reviewer"].id])
    with pytest.raises(Conflict, match="withdrawn"):
        rq.give_consent(ctx, people["patient"].actor, detail.id, granted=False)


def test_bad_case_text_is_refused_whole(ctx, people):
    p = people["patient"].actor
    with pytest.raises(InputError):
        rq.create_request(ctx, p, text="I feel tired and want advice.")
    assert rq.list_requests(ctx, p) == []


def test_a_request_can_start_from_an_uploaded_report(ctx, people):
    p = people["patient"].actor
    detail = documents.create_from_upload(ctx, p, COLON_TEXT.encode(), "report.txt", "From a file")
    assert detail.cancer_type == "colon" and detail.source_kind == "text" and len(detail.documents) == 1
    pdf = documents.create_from_upload(
        ctx, p, b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n%%EOF\n", "scan.pdf"
    )
    assert len(pdf.documents) == 1 and pdf.documents[0].kind == "pdf"
    assert pdf.case is not None or pdf.intake_note  # read, or the reason it could not be


def test_a_reviewer_profile_only_takes_known_cancer_types(ctx, people):
    with pytest.raises(InputError, match="unknown cancer type"):
        _profile(ctx, people["reviewer"], ["not-a-cancer"])
