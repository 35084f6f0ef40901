"""Sessions, CSRF, login throttling, TOTP and error replies, through the HTTP API."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from secondopinion.security import sessions, totp
from secondopinion.store.platform import WebSession
from tests.platform.support import PASSWORD, make_env


@pytest.fixture
def env(tmp_path):
    e = make_env(tmp_path)
    yield e
    e.ctx.close()


def _cookie(api):
    return api.http.cookies.get(sessions.COOKIE)


def test_the_session_cookie_is_host_bound_secure_httponly_and_samesite(env):
    r = env.client().http.get("/api/session")
    header = r.headers["set-cookie"]
    assert header.startswith("__Host-so_session=")
    for attr in ("Secure", "HttpOnly", "Path=/", "SameSite=lax"):
        assert attr in header
    assert "Domain" not in header and "Max-Age" not in header


def test_state_changes_without_the_csrf_token_are_refused(env):
    api = env.client()
    api.refresh()
    body = {"email": "x@example.org", "password": PASSWORD, "display_name": "X"}
    for headers in ({}, {"X-CSRF-Token": "wrong"}):
        r = api.http.post("/api/auth/signup", json=body, headers=headers)
        assert r.status_code == 403 and r.json()["error"] == "forbidden"
    assert api.post("/api/auth/signup", json=body).status_code == 201


def test_logged_in_changes_need_the_token_too(env):
    api = env.logged_in(env.person("patient"))
    r = api.http.post("/api/requests", json={"text": "stage II colon cancer"})
    assert r.status_code == 403
    with env.ctx.read() as db:
        from secondopinion.store.platform_requests import Request

        assert db.scalar(select(func.count()).select_from(Request)) == 0


def test_a_form_field_token_is_accepted(env):
    api = env.client()
    api.refresh()
    r = api.http.post("/api/auth/logout", data={"csrf_token": api.csrf})
    assert r.status_code == 204


def test_login_replaces_the_session_and_logout_ends_it(env):
    patient = env.person("patient")
    api = env.client()
    anon = api.refresh()
    before = _cookie(api)
    r = api.post("/api/auth/login", json={"email": patient.email, "password": PASSWORD})
    assert r.status_code == 200 and r.json()["authenticated"]
    after = _cookie(api)
    assert after != before and r.json()["csrf_token"] != anon["csrf_token"]
    with env.ctx.read() as db:
        assert db.get(WebSession, sessions.token_id(before)) is None  # the old session is gone
    api.csrf = r.json()["csrf_token"]
    assert api.get("/api/me").status_code == 200
    assert api.post("/api/auth/logout").status_code == 204
    with env.ctx.read() as db:
        assert db.get(WebSession, sessions.token_id(after)) is None
    api.http.cookies.set(sessions.COOKIE, after, domain="testserver")  # replaying the old cookie
    assert api.get("/api/me").status_code == 401


def test_sessions_die_after_30_idle_minutes(env):
    api = env.logged_in(env.person("patient"))
    env.clock.advance(minutes=29)
    assert api.get("/api/me").status_code == 200  # use keeps it alive
    env.clock.advance(minutes=29)
    assert api.get("/api/me").status_code == 200
    env.clock.advance(minutes=31)
    r = api.get("/api/me")
    assert r.status_code == 401 and r.json()["correlation_id"]


def test_wrong_passwords_lock_the_account_then_the_address(env):
    patient = env.person("patient")
    api = env.client()
    api.refresh()
    bad = {"email": patient.email, "password": "not the password at all"}
    codes = [api.post("/api/auth/login", json=bad).status_code for _ in range(5)]
    assert codes == [401] * 5
    locked = api.post("/api/auth/login", json={"email": patient.email, "password": PASSWORD})
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0  # even the right password
    env.clock.advance(minutes=16)
    assert api.post("/api/auth/login", json={"email": patient.email, "password": PASSWORD}).status_code == 200
    # Many accounts from one address: the address is locked.
    api.refresh()
    statuses = [
        api.post(
            "/api/auth/login", json={"email": f"nobody{i}@example.org", "password": "x" * 12}
        ).status_code
        for i in range(21)
    ]
    assert statuses[:19] == [401] * 19 and statuses[-1] == 429


def test_unknown_and_wrong_credentials_get_the_same_reply(env):
    patient = env.person("patient")
    api = env.client()
    api.refresh()
    a = api.post("/api/auth/login", json={"email": patient.email, "password": "wrong password here"})
    b = api.post("/api/auth/login", json={"email": "nobody@example.org", "password": "wrong password here"})
    assert a.status_code == b.status_code == 401 and a.json()["message"] == b.json()["message"]


def test_staff_need_the_second_factor(env):
    coordinator = env.person("coordinator")
    api = env.client()
    api.refresh()
    r = api.post("/api/auth/login", json={"email": coordinator.email, "password": PASSWORD})
    assert r.status_code == 200 and r.json()["mfa_required"] and not r.json()["authenticated"]
    api.csrf = r.json()["csrf_token"]
    assert api.get("/api/dashboard").status_code == 401
    assert api.post("/api/auth/totp/verify", json={"code": "000000"}).status_code == 401
    code = totp.code_at(coordinator.totp_secret, env.clock())
    ok = api.post("/api/auth/totp/verify", json={"code": code})
    assert ok.status_code == 200 and ok.json()["authenticated"]
    api.csrf = ok.json()["csrf_token"]
    assert api.get("/api/dashboard").status_code == 200
    # The same code cannot be used again, even in a fresh login.
    other = env.client()
    other.refresh()
    r = other.post("/api/auth/login", json={"email": coordinator.email, "password": PASSWORD})
    other.csrf = r.json()["csrf_token"]
    assert other.post("/api/auth/totp/verify", json={"code": code}).status_code == 401


def test_new_staff_enrol_an_authenticator_at_first_login(env):
    admin = env.person("admin")
    api = env.logged_in(admin)
    r = api.post(
        "/api/admin/users",
        json={
            "email": "newrev@example.org",
            "role": "reviewer",
            "display_name": "Dr New",
            "password": PASSWORD,
        },
    )
    assert r.status_code == 201
    staff = env.client()
    staff.refresh()
    r = staff.post("/api/auth/login", json={"email": "newrev@example.org", "password": PASSWORD})
    staff.csrf = r.json()["csrf_token"]
    assert r.json()["mfa_required"] and not r.json()["mfa_enrolled"]
    setup = staff.post("/api/auth/totp/setup").json()
    assert setup["otpauth_uri"].startswith("otpauth://totp/")
    ok = staff.post("/api/auth/totp/verify", json={"code": totp.code_at(setup["secret"], env.clock())})
    assert ok.status_code == 200 and ok.json()["user"]["totp_enabled"]


def test_wrong_totp_codes_lock_the_account(env):
    reviewer = env.person("reviewer")
    api = env.client()
    api.refresh()
    api.csrf = api.post("/api/auth/login", json={"email": reviewer.email, "password": PASSWORD}).json()[
        "csrf_token"
    ]
    statuses = [api.post("/api/auth/totp/verify", json={"code": "000000"}).status_code for _ in range(6)]
    assert statuses[:5] == [401] * 5 and statuses[5] == 429


def test_disabling_an_account_ends_its_sessions(env):
    admin, patient = env.person("admin"), env.person("patient")
    pat = env.logged_in(patient)
    adm = env.logged_in(admin)
    assert adm.post(f"/api/admin/users/{patient.id}/active", json={"active": False}).status_code == 200
    assert pat.get("/api/me").status_code == 401
    api = env.client()
    api.refresh()
    assert api.post("/api/auth/login", json={"email": patient.email, "password": PASSWORD}).status_code == 401


def test_signup_refuses_bad_input_with_one_line(env):
    api = env.client()
    api.refresh()
    r = api.post(
        "/api/auth/signup", json={"email": "not-an-email", "password": PASSWORD, "display_name": "X"}
    )
    assert r.status_code == 400 and r.json()["error"] == "bad_input" and "\n" not in r.json()["message"]
    weak = {"email": "a@example.org", "password": "aaaaaaaaaaaaaa", "display_name": "X"}
    r = api.post("/api/auth/signup", json=weak)
    assert r.status_code == 400 and "phrase" in r.json()["message"]
    short = {"email": "a@example.org", "password": "short", "display_name": "X"}
    assert api.post("/api/auth/signup", json=short).status_code == 422  # the schema: at least 12
    api.post("/api/auth/signup", json={"email": "a@example.org", "password": PASSWORD, "display_name": "X"})
    r = api.post(
        "/api/auth/signup", json={"email": "A@example.org", "password": PASSWORD, "display_name": "X"}
    )
    assert r.status_code == 409


def test_errors_are_generic_with_a_correlation_id_and_security_headers(env):
    r = env.client().get("/api/requests/does-not-exist")
    assert r.status_code == 401
    body = r.json()
    assert (
        set(body) == {"error", "message", "correlation_id"}
        and body["correlation_id"] == r.headers["x-correlation-id"]
    )
    for h in ("content-security-policy", "x-frame-options", "x-content-type-options", "referrer-policy"):
        assert h in r.headers
    assert r.headers["cache-control"] == "no-store"
    page = env.client().http.get("/nothing-here", headers={"accept": "text/html"})
    assert page.status_code == 404 and "Reference" in page.text and "Traceback" not in page.text


def test_oversized_bodies_are_refused_before_they_are_read(tmp_path):
    e = make_env(tmp_path, max_upload_bytes=1000)
    try:
        api = e.client()
        api.refresh()
        r = api.post(
            "/api/auth/signup",
            content=b"x" * (1024 * 1024 + 2000),
            headers={"content-type": "application/json"},
        )
        assert r.status_code == 413 and r.json()["error"] == "too_large"
    finally:
        e.ctx.close()


def test_health_needs_nothing(env):
    assert env.client().get("/api/health").json() == {"status": "ok"}


def test_idle_sessions_are_purged_from_the_database(env):
    env.logged_in(env.person("patient"))
    env.clock.advance(minutes=45)
    env.logged_in(env.person("patient"))
    with env.ctx.read() as db:
        assert db.scalar(select(func.count()).select_from(WebSession)) == 1
