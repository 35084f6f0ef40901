"""Shared helpers for the platform, security, store and API tests: a controllable clock, a real
platform on a fresh database, accounts of every role, and an API client that logs in like a
browser (session cookie, CSRF header, TOTP code for staff)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from secondopinion.platform import Actor, Platform, PlatformSettings, accounts
from secondopinion.security import totp
from secondopinion.store.platform import User

PASSWORD = "correct horse battery staple"
STAFF = ("reviewer", "coordinator", "admin")
NSCLC_TEXT = (
    "66-year-old woman, never smoker, stage IVB adenocarcinoma of the lung with liver and brain metastases. "
    "Tissue NGS: EGFR L858R mutation. PD-L1 TPS 60%. The oncologist proposes carboplatin, pemetrexed and "
    "pembrolizumab. Should I wait for a second opinion?"
)
COLON_TEXT = (
    "I am 58 and had a right hemicolectomy for stage III colon adenocarcinoma (pT3 N1a). The tumour is MSS. "
    "My oncologist proposes 3 months of CAPOX."
)
_emails = itertools.count()


@dataclass
class FakeClock:
    """The platform's clock, moved by the tests (sessions, throttling, TOTP, due dates)."""

    at: datetime = field(default_factory=lambda: datetime(2026, 3, 2, 9, 0, tzinfo=UTC))  # a Monday

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **kw: float) -> None:
        self.at += timedelta(**kw)


def make_platform(tmp_path: Path, clock: FakeClock, url: str | None = None, **overrides: Any) -> Platform:
    settings = PlatformSettings(
        database_url=url or f"sqlite:///{tmp_path / 'platform.db'}",
        data_dir=tmp_path / "data",
        **{"data_key": bytes(range(32)), **overrides},
    )
    return Platform.open(settings, clock=clock)


@dataclass(frozen=True)
class Person:
    id: str
    role: str
    email: str
    totp_secret: str | None

    @property
    def actor(self) -> Actor:
        return Actor(self.id, self.role)


def make_person(ctx: Platform, role: str, name: str | None = None) -> Person:
    """An account of any role; staff get an enrolled authenticator (as after their first login)."""
    email = f"{role}{next(_emails)}@example.org"
    user = accounts.bootstrap_user(ctx, email, role, name or f"{role.title()} {email[:-12]}", PASSWORD)
    secret = None
    if role in STAFF:
        secret = totp.new_secret()
        with ctx.tx() as db:
            row = db.get(User, user.id)
            assert row is not None
            row.totp_secret = ctx.vault.seal_text(secret, f"totp:{user.id}")
    return Person(user.id, role, email, secret)


class Api:
    """A browser-like client: keeps the cookie, sends the CSRF token on every change."""

    def __init__(self, app: Any, clock: FakeClock) -> None:
        self.http = TestClient(app, base_url="https://testserver", raise_server_exceptions=False)
        self.clock = clock
        self.csrf = ""

    def refresh(self) -> dict[str, Any]:
        body = self.http.get("/api/session").json()
        self.csrf = body["csrf_token"]
        return body

    def call(self, method: str, path: str, **kw: Any) -> Any:
        headers = {"X-CSRF-Token": self.csrf, **kw.pop("headers", {})}
        return self.http.request(method, path, headers=headers, **kw)

    def get(self, path: str, **kw: Any) -> Any:
        return self.http.get(path, **kw)

    def post(self, path: str, **kw: Any) -> Any:
        return self.call("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> Any:
        return self.call("PUT", path, **kw)

    def login(self, person: Person, password: str = PASSWORD) -> Any:
        self.refresh()
        r = self.post("/api/auth/login", json={"email": person.email, "password": password})
        assert r.status_code == 200, r.text
        self.csrf = r.json()["csrf_token"]
        if person.totp_secret:
            code = totp.code_at(person.totp_secret, self.clock())
            r = self.post("/api/auth/totp/verify", json={"code": code})
            assert r.status_code == 200, r.text
            self.csrf = r.json()["csrf_token"]
            self.clock.advance(seconds=31)  # the next login of this person needs a fresh code
        return r


def opinion_body(
    case: dict[str, Any], *, diagnosis: str = "same", summary: str = "Agreed."
) -> dict[str, Any]:
    """A valid OpinionDocument for a case: replaces the first plan element, answers every question."""
    plan = case.get("plan", [])
    return {
        "opinion": {
            "case_id": "ignored: set by the server",
            "diagnosis": {
                "verdict": diagnosis,
                "text": "" if diagnosis == "same" else "Another diagnosis",
                "reason": "pathology review",
            },
            "stage": {"verdict": "same"},
            "plan": [
                {"verdict": "replace", "plan_index": 0, "text": "osimertinib", "reason": "EGFR mutation"}
            ]
            if plan
            else [],
            "summary": summary,
        },
        "trials_to_consider": [{"id": "NCT00000000", "title": "example", "reason": "fits"}],
        "answers": [{"question": q, "answer": "An answer."} for q in case.get("questions", [])],
    }


@dataclass
class Env:
    """A real app on a fresh database, with the clock in the test's hands."""

    ctx: Platform
    clock: FakeClock
    app: Any

    def client(self) -> Api:
        return Api(self.app, self.clock)

    def person(self, role: str) -> Person:
        return make_person(self.ctx, role)

    def logged_in(self, person: Person) -> Api:
        api = self.client()
        api.login(person)
        return api


def make_env(tmp_path: Path, url: str | None = None, **overrides: Any) -> Env:
    from secondopinion.web.app import create_app

    clock = FakeClock()
    ctx = make_platform(tmp_path, clock, url, **overrides)
    return Env(ctx=ctx, clock=clock, app=create_app(platform=ctx))
