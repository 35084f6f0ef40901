"""The pages, through HTTP: login and sign-up forms, CSRF refusal on every kind of form, access
denied for the wrong role or someone else's request, the generic error page, and the journey's
pages rendering for each role. The browser journey itself is tests/e2e/test_journey.py."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from secondopinion.platform import accounts, assignment, opinions
from secondopinion.platform import requests as rq
from secondopinion.security import totp
from secondopinion.store.platform_requests import Request as RequestRow
from tests.platform.support import COLON_TEXT, NSCLC_TEXT, PASSWORD, make_env, opinion_body

HTML = {"Accept": "text/html,application/xhtml+xml"}
FORM_TAG = re.compile(r"<form\b[^>]*method=\"post\"[^>]*>(.*?)</form>", re.DOTALL | re.IGNORECASE)


@pytest.fixture
def env(tmp_path):
    e = make_env(tmp_path)
    yield e
    e.ctx.close()


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "the page has a form with a CSRF token"
    return m.group(1)


def page_client(env, person=None):
    """A client that reads pages like a browser; logged in through the API when a person is given."""
    api = env.logged_in(person) if person else env.client()
    api.http.headers.update(HTML)
    return api


def count_requests(env) -> int:
    with env.ctx.read() as db:
        return int(db.scalar(select(func.count()).select_from(RequestRow)) or 0)


def delivered_request(env, patient, reviewer, coordinator) -> str:
    """A request taken through the services to a delivered opinion."""
    ctx = env.ctx
    detail = rq.create_request(ctx, patient.actor, title="Lung", text=NSCLC_TEXT)
    rq.give_consent(ctx, patient.actor, detail.id)
    rq.submit(ctx, patient.actor, detail.id)
    rq.mark_records_complete(ctx, coordinator.actor, detail.id)
    assignment.assign(ctx, coordinator.actor, detail.id, [reviewer.id])
    doc = opinions.OpinionDocument.model_validate(opinion_body(detail.case or {}))
    opinions.save_draft(ctx, reviewer.actor, detail.id, doc)
    opinions.sign(ctx, reviewer.actor, detail.id)
    rq.deliver(ctx, coordinator.actor, detail.id)
    return detail.id


# ------------------------------------------------------------------ getting in


def test_the_login_form_carries_a_csrf_token_and_logs_a_patient_in(env):
    patient = env.person("patient")
    api = page_client(env)
    form = api.get("/login")
    assert form.status_code == 200 and '<html lang="en">' in form.text
    r = api.http.post(
        "/login",
        data={"email": patient.email, "password": PASSWORD, "csrf_token": csrf_of(form.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/requests"
    assert "My requests" in api.get("/requests").text


def test_a_wrong_password_shows_the_form_again_with_one_message(env):
    patient = env.person("patient")
    api = page_client(env)
    token = csrf_of(api.get("/login").text)
    r = api.http.post(
        "/login", data={"email": patient.email, "password": "wrong password!!", "csrf_token": token}
    )
    assert r.status_code == 401
    assert "the e-mail address or password is wrong" in r.text and 'role="alert"' in r.text


def test_staff_need_their_authenticator_code_after_the_password(env):
    coordinator = env.person("coordinator")
    api = page_client(env)
    token = csrf_of(api.get("/login").text)
    r = api.http.post(
        "/login",
        data={"email": coordinator.email, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/login/totp"
    assert api.get("/dashboard", follow_redirects=False).status_code == 303  # not in yet
    form = api.get("/login/totp")
    code = totp.code_at(coordinator.totp_secret, env.clock())
    r = api.http.post(
        "/login/totp", data={"code": code, "csrf_token": csrf_of(form.text)}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"] == "/dashboard"
    assert "<h1>Dashboard</h1>" in api.get("/dashboard").text


def test_a_first_staff_login_enrols_an_authenticator_from_the_secret_shown(env):
    accounts.bootstrap_user(env.ctx, "new.reviewer@example.org", "reviewer", "New Reviewer", PASSWORD)
    api = page_client(env)
    token = csrf_of(api.get("/login").text)
    api.http.post(
        "/login", data={"email": "new.reviewer@example.org", "password": PASSWORD, "csrf_token": token}
    )
    page = api.get("/login/totp")
    assert "Set up my authenticator" in page.text
    setup = api.http.post("/login/totp/setup", data={"csrf_token": csrf_of(page.text)})
    secret = re.search(r'data-secret="([A-Z2-7]+)"', setup.text).group(1)
    r = api.http.post(
        "/login/totp",
        data={"code": totp.code_at(secret, env.clock()), "csrf_token": csrf_of(setup.text)},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/requests"


def test_sign_up_makes_a_patient_account_and_logs_in(env):
    api = page_client(env)
    token = csrf_of(api.get("/signup").text)
    r = api.http.post(
        "/signup",
        data={
            "display_name": "Pat",
            "email": "pat@example.org",
            "password": PASSWORD,
            "password_again": PASSWORD,
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/requests"
    assert "Pat (Patient)" in api.get("/requests").text


def test_sign_up_with_different_passwords_is_refused_and_keeps_what_was_typed(env):
    api = page_client(env)
    token = csrf_of(api.get("/signup").text)
    r = api.http.post(
        "/signup",
        data={
            "display_name": "Pat",
            "email": "pat@example.org",
            "password": PASSWORD,
            "password_again": PASSWORD + "x",
            "csrf_token": token,
        },
    )
    assert r.status_code == 400 and "the two passwords are not the same" in r.text
    assert 'value="pat@example.org"' in r.text


def test_logout_ends_the_session(env):
    patient = env.person("patient")
    api = page_client(env, patient)
    r = api.http.post("/logout", data={"csrf_token": api.csrf}, follow_redirects=False)
    assert r.headers["location"] == "/login?done=logged_out"
    r = api.get("/requests", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/requests"


# ------------------------------------------------------------------ CSRF


def test_every_kind_of_form_is_refused_without_the_csrf_token_and_changes_nothing(env):
    patient = env.person("patient")
    api = page_client(env, patient)
    rid = rq.create_request(env.ctx, patient.actor, text=COLON_TEXT).id
    before = count_requests(env)
    forms = [
        ("/requests/new", {"source": "text", "text": NSCLC_TEXT}),
        (f"/requests/{rid}/submit", {"consent": "yes"}),
        (f"/requests/{rid}/invite", {}),
        (f"/requests/{rid}/case", {"text": NSCLC_TEXT}),
        ("/logout", {}),
    ]
    for path, data in forms:
        for token in (None, "not-the-token"):
            body = data if token is None else {**data, "csrf_token": token}
            r = api.http.post(path, data=body)
            assert r.status_code == 403, path
            assert "CSRF token" in r.text and "Reference:" in r.text
    assert count_requests(env) == before
    assert rq.get_request(env.ctx, patient.actor, rid).state == "draft"
    assert api.get("/requests").status_code == 200  # still logged in: logout was refused too


def test_every_post_form_on_the_pages_carries_the_csrf_token(env):
    patient, reviewer, coordinator = env.person("patient"), env.person("reviewer"), env.person("coordinator")
    accounts.update_my_profile(env.ctx, reviewer.actor, specialties=["nsclc"])
    rid = delivered_request(env, patient, reviewer, coordinator)
    pages = {
        patient: [
            "/requests",
            "/requests/new",
            f"/requests/{rid}",
            f"/requests/{rid}/pre-review",
            f"/requests/{rid}/records",
            f"/requests/{rid}/opinion",
            f"/requests/{rid}/follow-up",
        ],
        reviewer: [
            "/requests",
            f"/requests/{rid}/workspace",
            f"/requests/{rid}/follow-up",
            "/reviewer/profile",
        ],
        coordinator: ["/dashboard", f"/requests/{rid}", f"/requests/{rid}/opinion"],
    }
    seen = 0
    for person, paths in pages.items():
        api = page_client(env, person)
        for path in paths:
            r = api.get(path)
            assert r.status_code == 200, (path, r.text[:300])
            for form in FORM_TAG.findall(r.text):
                assert f'name="csrf_token" value="{api.csrf}"' in form, path
                seen += 1
    assert seen >= 10


# ------------------------------------------------------------------ access denied


@pytest.mark.parametrize(
    ("role", "path"),
    [
        ("patient", "/dashboard"),
        ("patient", "/admin/audit"),
        ("patient", "/reviewer/profile"),
        ("caregiver", "/requests/new"),
        ("reviewer", "/requests/new"),
        ("reviewer", "/dashboard"),
        ("coordinator", "/admin/audit"),
        ("admin", "/requests"),
        ("admin", "/dashboard"),
    ],
)
def test_pages_for_another_role_show_an_access_denied_page(env, role, path):
    api = page_client(env, env.person(role))
    r = api.get(path)
    assert r.status_code == 403
    assert "<h1>You cannot open this page</h1>" in r.text
    assert r.headers["x-correlation-id"] in r.text
    assert r.headers["content-type"].startswith("text/html")


def test_someone_elses_request_is_not_found_and_the_wrong_relation_is_denied(env):
    patient, other = env.person("patient"), env.person("patient")
    reviewer, coordinator = env.person("reviewer"), env.person("coordinator")
    rid = delivered_request(env, patient, reviewer, coordinator)
    stranger = page_client(env, other)
    for sub in ("", "/pre-review", "/records", "/opinion", "/follow-up", "/workspace"):
        r = stranger.get(f"/requests/{rid}{sub}")
        assert r.status_code == 404 and "Page not found" in r.text, sub
    r = stranger.http.post(f"/requests/{rid}/questions", data={"text": "mine?", "csrf_token": stranger.csrf})
    assert r.status_code == 404
    coordinator_pages = page_client(env, coordinator)
    assert coordinator_pages.get(f"/requests/{rid}/workspace").status_code == 403  # not the reviewer
    owner = page_client(env, patient)
    r = owner.http.post(f"/requests/{rid}/opinion/sign", data={"confirm": "yes", "csrf_token": owner.csrf})
    assert r.status_code == 403


def test_an_unknown_page_gets_the_generic_error_page_with_its_reference(env):
    api = page_client(env)
    r = api.get("/no/such/page")
    assert r.status_code == 404
    assert '<html lang="en">' in r.text and r.headers["x-correlation-id"] in r.text


# ------------------------------------------------------------------ the pages of the journey


def test_a_request_from_pasted_text_shows_the_pre_review_at_once(env):
    patient = env.person("patient")
    api = page_client(env, patient)
    form = api.get("/requests/new")
    r = api.http.post(
        "/requests/new",
        data={"source": "text", "title": "Lung", "text": NSCLC_TEXT, "csrf_token": csrf_of(form.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].endswith("/pre-review?done=created")
    page = api.get(r.headers["location"])
    assert "<h1>Your second-opinion pre-review</h1>" in page.text
    assert page.text.count("<h1") == 1
    assert "Send my request" in page.text and "I agree to share my records" in page.text


def test_a_request_from_the_structured_form(env):
    patient = env.person("patient")
    api = page_client(env, patient)
    data = {
        "source": "form",
        "age": "58",
        "sex": "female",
        "cancer_type": "colon",
        "stage_group": "III",
        "plan_0_modality": "chemotherapy",
        "plan_0_drugs": "capecitabine, oxaliplatin",
        "questions": "Is 3 months enough?",
        "csrf_token": api.csrf,
    }
    r = api.http.post("/requests/new", data=data, follow_redirects=False)
    assert r.status_code == 303
    rid = r.headers["location"].split("/")[2]
    detail = rq.get_request(env.ctx, patient.actor, rid)
    assert detail.source_kind == "form" and detail.case["questions"] == ["Is 3 months enough?"]


def test_a_case_that_cannot_be_read_is_refused_whole_and_the_text_is_kept(env):
    patient = env.person("patient")
    api = page_client(env, patient)
    r = api.http.post(
        "/requests/new", data={"source": "text", "text": "I feel unwell and worried.", "csrf_token": api.csrf}
    )
    assert r.status_code == 400 and "no cancer diagnosis found" in r.text.lower()
    assert "I feel unwell and worried." in r.text
    assert count_requests(env) == 0


def test_consent_and_send_from_the_pre_review(env):
    patient = env.person("patient")
    api = page_client(env, patient)
    rid = rq.create_request(env.ctx, patient.actor, text=NSCLC_TEXT).id
    r = api.http.post(f"/requests/{rid}/submit", data={"csrf_token": api.csrf})
    assert r.status_code == 400  # the consent box was not ticked
    r = api.http.post(
        f"/requests/{rid}/submit", data={"consent": "yes", "csrf_token": api.csrf}, follow_redirects=False
    )
    assert r.status_code == 303
    detail = rq.get_request(env.ctx, patient.actor, rid)
    assert detail.state == "submitted" and detail.consent_given


def test_a_pdf_record_is_uploaded_and_listed(env):
    patient = env.person("patient")
    api = page_client(env, patient)
    rid = rq.create_request(env.ctx, patient.actor, text=NSCLC_TEXT).id
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    r = api.http.post(
        f"/requests/{rid}/records",
        data={"csrf_token": api.csrf},
        files={"file": ("../../etc/report.pdf", pdf, "text/plain")},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = api.get(f"/requests/{rid}/records").text
    assert "report.pdf" in page and "etc" not in page.split("<table")[1].split("</table>")[0]
    link = re.search(rf'href="(/requests/{rid}/records/[0-9a-f]+)"', page).group(1)
    assert api.get(link).content == pdf


def test_the_reviewer_writes_saves_and_signs_through_the_workspace(env):
    patient, reviewer, coordinator = env.person("patient"), env.person("reviewer"), env.person("coordinator")
    detail = rq.create_request(env.ctx, patient.actor, text=NSCLC_TEXT)
    rq.give_consent(env.ctx, patient.actor, detail.id)
    rq.submit(env.ctx, patient.actor, detail.id)
    rq.mark_records_complete(env.ctx, coordinator.actor, detail.id)
    assignment.assign(env.ctx, coordinator.actor, detail.id, [reviewer.id])
    api = page_client(env, reviewer)
    page = api.get(f"/requests/{detail.id}/workspace").text
    questions = detail.case["questions"]
    assert all(f"answer_{i}" in page for i in range(len(questions)))
    form = {"diagnosis_verdict": "refined", "diagnosis_text": "", "csrf_token": api.csrf}
    r = api.http.post(f"/requests/{detail.id}/opinion", data=form)
    assert r.status_code == 400 and "needs the reviewer&#39;s diagnosis as text" in r.text
    assert 'value="refined" checked' in r.text  # what was typed is kept
    form = {
        "diagnosis_verdict": "same",
        "stage_verdict": "same",
        "plan_0_verdict": "replace",
        "plan_0_text": "osimertinib",
        "summary": "Use osimertinib.",
        "csrf_token": api.csrf,
        **{f"answer_{i}": "Yes." for i in range(len(questions))},
    }
    assert (
        api.http.post(f"/requests/{detail.id}/opinion", data=form, follow_redirects=False).status_code == 303
    )
    r = api.http.post(
        f"/requests/{detail.id}/opinion/sign",
        data={"confirm": "yes", "csrf_token": api.csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert rq.get_request(env.ctx, coordinator.actor, detail.id).state == "opinion_signed"


def test_the_coordinator_assigns_from_the_ranked_suggestions(env):
    patient, coordinator = env.person("patient"), env.person("coordinator")
    lung, other = env.person("reviewer"), env.person("reviewer")
    accounts.update_my_profile(env.ctx, lung.actor, specialties=["nsclc"], yearly_case_volume=200)
    accounts.update_my_profile(env.ctx, other.actor, specialties=["nsclc", "breast"], yearly_case_volume=20)
    detail = rq.create_request(env.ctx, patient.actor, text=NSCLC_TEXT)
    rq.give_consent(env.ctx, patient.actor, detail.id)
    rq.submit(env.ctx, patient.actor, detail.id)
    api = page_client(env, coordinator)
    assert "Mark records complete" in api.get(f"/requests/{detail.id}").text
    api.http.post(f"/requests/{detail.id}/records-complete", data={"csrf_token": api.csrf})
    page = api.get(f"/requests/{detail.id}").text
    assert page.count('name="reviewer_ids"') == 2
    r = api.http.post(
        f"/requests/{detail.id}/assign",
        data={"reviewer_ids": [lung.id, other.id], "lead_id": other.id, "csrf_token": api.csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303
    team = rq.get_request(env.ctx, coordinator.actor, detail.id).assignments
    assert {a.reviewer_id for a in team} == {lung.id, other.id}
    assert [a.reviewer_id for a in team if a.lead] == [other.id]


def test_the_patient_reads_the_comparison_and_asks_with_htmx(env):
    patient, reviewer, coordinator = env.person("patient"), env.person("reviewer"), env.person("coordinator")
    rid = delivered_request(env, patient, reviewer, coordinator)
    api = page_client(env, patient)
    page = api.get(f"/requests/{rid}/opinion").text
    assert "First and second opinion, side by side" in page and 'class="badge different"' in page
    r = api.http.post(
        f"/requests/{rid}/questions",
        data={"text": "When do I start?", "csrf_token": api.csrf},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200 and r.text.lstrip().startswith('<section id="questions"')
    assert "When do I start?" in r.text and "You can ask 2 more questions" in r.text


def test_the_admin_reads_the_audit_trail_and_verifies_it(env):
    admin = env.person("admin")
    api = page_client(env, admin)
    page = api.get("/admin/audit?verify=1")
    assert page.status_code == 200
    assert "The chain is intact" in page.text and "auth.login" in page.text


def test_a_caregiver_signs_up_with_the_invitation_and_follows_the_request(env):
    patient = env.person("patient")
    owner = page_client(env, patient)
    rid = rq.create_request(env.ctx, patient.actor, title="Lung", text=NSCLC_TEXT).id
    page = owner.http.post(f"/requests/{rid}/invite", data={"csrf_token": owner.csrf}).text
    code = re.search(r'id="invitation-code">([^<]+)<', page).group(1)
    assert f"/signup?invitation={code}" in page
    helper = page_client(env)
    form = helper.get(f"/signup?invitation={code}")
    assert "invited to follow someone" in form.text
    r = helper.http.post(
        "/signup",
        data={
            "display_name": "Cas",
            "email": "cas@example.org",
            "password": PASSWORD,
            "password_again": PASSWORD,
            "invitation": code,
            "csrf_token": csrf_of(form.text),
        },
        follow_redirects=False,
    )
    assert r.headers["location"] == "/requests"
    listing = helper.get("/requests").text
    assert "Requests I follow" in listing and f'href="/requests/{rid}"' in listing
    assert helper.get(f"/requests/{rid}/records").status_code == 200
    assert helper.get("/requests/new").status_code == 403


def test_a_dispute_leads_to_a_blinded_third_opinion_shown_beside_the_second(env):
    patient, coordinator = env.person("patient"), env.person("coordinator")
    first, third = env.person("reviewer"), env.person("reviewer")
    accounts.update_my_profile(env.ctx, third.actor, specialties=["nsclc"])
    rid = delivered_request(env, patient, first, coordinator)
    owner = page_client(env, patient)
    r = owner.http.post(
        f"/requests/{rid}/dispute",
        data={"reason": "I was told otherwise.", "csrf_token": owner.csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303
    coord = page_client(env, coordinator)
    assert "Request a blinded third opinion" in coord.get(f"/requests/{rid}").text
    coord.http.post(
        f"/requests/{rid}/third-opinion", data={"reviewer_id": third.id, "csrf_token": coord.csrf}
    )
    blinded = page_client(env, third)
    workspace = blinded.get(f"/requests/{rid}/workspace")
    assert workspace.status_code == 200 and first.email.split("@")[0] not in workspace.text
    assert blinded.get(f"/requests/{rid}/opinion").status_code == 200  # only their own, none yet
    case = rq.get_request(env.ctx, third.actor, rid).case
    doc = opinions.OpinionDocument.model_validate(opinion_body(case, diagnosis="refined"))
    opinions.save_draft(env.ctx, third.actor, rid, doc)
    opinions.sign(env.ctx, third.actor, rid)
    rq.deliver(env.ctx, coordinator.actor, rid)
    page = owner.get(f"/requests/{rid}/opinion").text
    assert (
        "First and second opinion, side by side" in page and "First and third opinion, side by side" in page
    )
    assert 'id="cmp-h-0"' in page and 'id="cmp-h-1"' in page


def test_a_due_check_in_is_answered_on_the_follow_up_page(env):
    patient, reviewer, coordinator = env.person("patient"), env.person("reviewer"), env.person("coordinator")
    rid = delivered_request(env, patient, reviewer, coordinator)
    env.clock.advance(days=95)
    api = page_client(env, patient)
    page = api.get(f"/requests/{rid}/follow-up").text
    action = re.search(rf'action="(/requests/{rid}/check-ins/[0-9a-f]+)"', page).group(1)
    r = api.http.post(
        action,
        data={"followed": "partly", "wellbeing": "4", "note": "", "csrf_token": api.csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert "Followed the opinion: Partly. Feeling: Well." in api.get(f"/requests/{rid}/follow-up").text


def test_an_attachment_of_an_unaccepted_kind_refuses_the_new_request_whole(env):
    patient = env.person("patient")
    api = page_client(env, patient)
    r = api.http.post(
        "/requests/new",
        data={"source": "text", "text": NSCLC_TEXT, "csrf_token": api.csrf},
        files={"attachments": ("report.pdf", b"PK\x03\x04 not a pdf at all", "application/pdf")},
    )
    assert r.status_code == 415 and 'role="alert"' in r.text
    assert NSCLC_TEXT[:40] in r.text  # what was typed is kept
    assert count_requests(env) == 0


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example"])
def test_login_never_redirects_off_the_site(env, target):
    patient = env.person("patient")
    api = page_client(env)
    token = csrf_of(api.get("/login").text)
    r = api.http.post(
        "/login",
        data={"email": patient.email, "password": PASSWORD, "next": target, "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/requests"
