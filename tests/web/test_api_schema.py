"""Schemathesis over the OpenAPI schema, in process on the ASGI app: whatever the inputs, no
server error and every reply documented (status, content type, body schema). Schema-valid input
may still be refused with 400 when it makes no sense (a text naming no cancer), so the check that
all schema-valid input is accepted is left out. Run anonymously
and as a logged-in patient and coordinator (with a valid CSRF token), so generated bodies reach
the services."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance

from secondopinion.security import sessions
from tests.platform.support import NSCLC_TEXT, make_env

ROLES = ("anonymous", "patient", "coordinator")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    env = make_env(tmp_path_factory.mktemp("schema"))
    headers = {"anonymous": {}}
    for role in ROLES[1:]:
        person = env.person(role)
        api = env.logged_in(person)
        headers[role] = {
            "Cookie": f"{sessions.COOKIE}={api.http.cookies.get(sessions.COOKIE)}",
            "X-CSRF-Token": api.csrf,
        }
        if role == "patient":
            api.post("/api/requests", json={"text": NSCLC_TEXT})
    yield env, headers
    env.ctx.close()


def _operations(app):
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


def test_no_server_errors_and_every_reply_documented(world):
    env, headers = world
    operations = _operations(env.app)
    assert len(operations) >= 40
    failures = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=8,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def check(case):
            for role in ROLES:
                env.clock.advance(seconds=1)  # sessions stay fresh; throttling windows move on
                case.call_and_validate(headers=headers[role], excluded_checks=[positive_data_acceptance])

        try:
            check()
        except Exception as exc:  # collect every operation's problem, not only the first
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert not failures, "\n\n".join(failures)
