"""Demo data for `secondopinion serve --demo`: one account per role and three requests at
different steps, so a newcomer can click through the whole journey. Never used outside demo mode
(which runs only on a loopback address with a throwaway database)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from secondopinion.platform import accounts, assignment, opinions
from secondopinion.platform import requests as rq
from secondopinion.platform.context import Actor, Platform
from secondopinion.security import totp
from secondopinion.store.platform import User

DEMO_CASES = (
    (
        "Lung cancer: EGFR and the proposed chemo-immunotherapy",
        "66-year-old woman, never smoker, stage IVB adenocarcinoma of the lung with liver and brain "
        "metastases. Tissue NGS: EGFR L858R mutation. PD-L1 TPS 60%. The oncologist proposes carboplatin, "
        "pemetrexed and pembrolizumab because of the high PD-L1. "
        "Should I get a second opinion before starting?",
    ),
    (
        "Colon cancer after surgery",
        "I am 58 and had a right hemicolectomy for stage III colon adenocarcinoma (pT3 N1a, 1 of 18 lymph "
        "nodes). The tumour is MSS. My oncologist proposes 3 months of CAPOX. Is 3 months enough?",
    ),
    (
        "Breast cancer: HER2-positive, surgery first?",
        "52-year-old woman with a 3 cm invasive ductal carcinoma of the left breast, ER positive, PR "
        "negative, HER2 positive (IHC 3+), one enlarged axillary node with a positive biopsy. The surgeon "
        "proposes a mastectomy first and then chemotherapy. "
        "What should I ask about treatment before surgery?",
    ),
)


@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str
    password: str
    totp_secret: str | None


def seed(ctx: Platform) -> list[DemoAccount]:
    """Create the demo accounts and requests; returns the credentials to print."""
    made: list[DemoAccount] = []
    ids: dict[str, str] = {}
    for role, name in (
        ("patient", "Pat Demo"),
        ("caregiver", "Casey Demo"),
        ("reviewer", "Dr Riley Demo"),
        ("coordinator", "Cora Demo"),
        ("admin", "Adi Demo"),
    ):
        password = "demo-" + secrets.token_urlsafe(9)
        email = f"{role}@demo.secondopinion.invalid"
        user = accounts.bootstrap_user(ctx, email, role, name, password)
        secret = None
        if role in ("reviewer", "coordinator", "admin"):
            secret = totp.new_secret()
            with ctx.tx() as db:
                row = db.get(User, user.id)
                assert row is not None
                row.totp_secret = ctx.vault.seal_text(secret, f"totp:{user.id}")
        ids[role] = user.id
        made.append(DemoAccount(role, email, password, secret))
    patient, coordinator = Actor(ids["patient"], "patient"), Actor(ids["coordinator"], "coordinator")
    reviewer = Actor(ids["reviewer"], "reviewer")
    accounts.update_my_profile(
        ctx,
        reviewer,
        specialties=["nsclc", "colon", "breast"],
        subspecialty="medical oncology",
        yearly_case_volume=250,
        languages=["en", "es"],
        licence_jurisdiction="US-MA",
        location="Boston, MA",
    )
    created = [rq.create_request(ctx, patient, title=title, text=text) for title, text in DEMO_CASES]
    for detail in created:
        rq.give_consent(ctx, patient, detail.id)
        rq.submit(ctx, patient, detail.id)
    caregiver_invite = accounts.invite_caregiver(ctx, patient, created[0].id)
    accounts.accept_invitation(ctx, Actor(ids["caregiver"], "caregiver"), caregiver_invite.token)
    # The second request waits for the reviewer; the third has a delivered opinion.
    for detail in created[1:]:
        rq.mark_records_complete(ctx, coordinator, detail.id)
        assignment.assign(ctx, coordinator, detail.id, [ids["reviewer"]])
    done = created[2]
    plan = done.case["plan"] if done.case else []
    doc = opinions.OpinionDocument.model_validate(
        {
            "opinion": {
                "case_id": done.id,
                "diagnosis": {"verdict": "same"},
                "stage": {"verdict": "same"},
                "plan": [
                    {
                        "verdict": "modify",
                        "plan_index": i,
                        "text": "Start with chemotherapy and trastuzumab "
                        "plus pertuzumab before surgery; plan surgery afterwards.",
                        "reason": "Treatment before surgery is standard for node-positive "
                        "HER2-positive cancer and "
                        "shows how well the cancer responds, which guides the treatment after surgery.",
                    }
                    for i in range(min(1, len(plan)))
                ],
                "summary": "The diagnosis is confirmed. I recommend treatment before surgery (neoadjuvant).",
            },
            "answers": [
                {
                    "question": q,
                    "answer": "Ask whether treatment before surgery suits you; for "
                    "HER2-positive cancer with a positive node it usually does.",
                }
                for q in (done.case or {}).get("questions", [])
            ],
        }
    )
    opinions.save_draft(ctx, reviewer, done.id, doc)
    opinions.sign(ctx, reviewer, done.id)
    rq.deliver(ctx, coordinator, done.id)
    return made
