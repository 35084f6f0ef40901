"""The whole second-opinion journey in a real browser against a real server: a patient signs up
and creates a request from pasted text and a PDF report, sees the pre-review at once and sends
it; the coordinator (enrolling an authenticator at first login) marks the records complete and
assigns the top-ranked reviewer; the reviewer (enrolling too) writes and signs a structured
opinion; the coordinator delivers; the patient reads the opinion and the first-vs-second
comparison and asks a follow-up question, which the reviewer answers.

Screenshots of every main page go to tests/e2e/artifacts/journey-*.png; each main page is also
checked with axe-core (WCAG 2.1 A/AA). Each role keeps its own browser context (its own session
cookie), as three people on three computers would.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyotp
import pytest

from tests.servers import free_port, stop, wait_until_serving

expect = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed").expect

STAFF_PASSWORD = "staff password for the journey"
PATIENT = {"name": "Jo Journey", "email": "jo@example.org", "password": "a long patient password"}
CASE_TEXT = (
    "I am a 66-year-old woman, never smoker, with stage IVB adenocarcinoma of the lung that has spread to "
    "the liver and brain. Tissue NGS found an EGFR L858R mutation. PD-L1 TPS is 60%. My oncologist proposes "
    "carboplatin, pemetrexed and pembrolizumab. Should I wait for a second opinion before starting? "
    "Is there a pill that targets EGFR?"
)


@dataclass(frozen=True)
class LiveServer:
    url: str
    staff: dict[str, str]  # role -> e-mail


def _seed_staff(env: dict[str, str]) -> dict[str, str]:
    """Staff accounts as an operator creates them (no authenticator yet: they enrol in the browser)."""
    from secondopinion.platform import Actor, Platform, PlatformSettings, accounts

    platform = Platform.open(PlatformSettings.from_env(environ=env))
    try:
        staff = {}
        for role, name in (("coordinator", "Cam Coordinator"), ("reviewer", "Dr Rey Reviewer")):
            user = accounts.bootstrap_user(platform, f"{role}@example.org", role, name, STAFF_PASSWORD)
            staff[role] = user.email
            if role == "reviewer":
                accounts.update_my_profile(
                    platform,
                    Actor(user.id, "reviewer"),
                    specialties=["nsclc"],
                    subspecialty="thoracic medical oncology",
                    yearly_case_volume=300,
                    languages=["en"],
                    licence_jurisdiction="US-IL",
                    location="Chicago, IL",
                )
    finally:
        platform.close()
    return staff


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """uvicorn in its own process on a free loopback port, with a temporary SQLite database and
    data key; stopped at the end of the session."""
    home = tmp_path_factory.mktemp("live-server")
    env = {
        **os.environ,
        "SECONDOPINION_HOME": str(home),
        "SECONDOPINION_DATABASE_URL": f"sqlite:///{home / 'journey.db'}",
        "SECONDOPINION_DATA_KEY": secrets.token_hex(32),
    }
    staff = _seed_staff(env)
    port = free_port()
    log = (home / "server.log").open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "secondopinion.web.app:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(
            proc, url + "/api/health", seconds=60, output=lambda: (home / "server.log").read_text()
        )
        yield LiveServer(url=url, staff=staff)
    finally:
        stop(proc)
        log.close()


def pathology_pdf(path: Path) -> Path:
    """A small pathology report as a real PDF (WeasyPrint, as the reports use)."""
    weasyprint = pytest.importorskip("weasyprint", reason="WeasyPrint is not installed")
    html = (
        "<html><body><h1>Pathology report</h1><p>Specimen: core biopsy, liver lesion.</p>"
        "<p>Diagnosis: metastatic adenocarcinoma, consistent with lung primary (TTF-1 positive).</p>"
        "<p>Molecular: EGFR exon 21 L858R detected by NGS.</p></body></html>"
    )
    weasyprint.HTML(string=html).write_pdf(str(path))
    return path


class Person:
    """One browser context: a person at their own computer."""

    def __init__(self, browser: Any, server: LiveServer, name: str, artifacts: Path, axe: Any) -> None:
        # bypass_csp only so that the axe fixture can inject its script into the page
        self.context = browser.new_context(
            viewport={"width": 1100, "height": 900}, locale="en-US", bypass_csp=True
        )
        self.page = self.context.new_page()
        self.server, self.name, self.artifacts, self.axe = server, name, artifacts, axe
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def go(self, path: str) -> None:
        self.page.goto(self.server.url + path)

    def shot(self, step: str, *, check: bool = True) -> None:
        """A full-page screenshot saved as a test artefact, after the page passes axe-core."""
        page = self.page
        page.wait_for_load_state("load")
        if check:
            assert page.evaluate("document.documentElement.lang") == "en"
            assert page.locator("h1").count() == 1, f"{step}: one h1 per page"
            violations = self.axe(page)
            assert violations == [], f"{step}: {violations}"
        page.screenshot(path=str(self.artifacts / f"journey-{step}.png"), full_page=True)

    def login_staff(self, email: str) -> None:
        """Password, then authenticator enrolment with the secret shown on the page, then a code."""
        page = self.page
        self.go("/login")
        page.fill("#email", email)
        page.fill("#password", STAFF_PASSWORD)
        page.click("button:has-text('Log in')")
        page.click("button:has-text('Set up my authenticator')")
        secret = page.locator("#totp-secret").get_attribute("data-secret")
        assert secret
        page.fill("#code", pyotp.TOTP(secret).now())
        page.click("button:has-text('Continue')")

    def close(self) -> None:
        assert self.errors == [], self.errors
        self.context.close()


def test_the_whole_journey_from_request_to_follow_up_question(live_server, browser, axe, artifacts, tmp_path):
    patient = Person(browser, live_server, "patient", artifacts, axe)
    coordinator = Person(browser, live_server, "coordinator", artifacts, axe)
    reviewer = Person(browser, live_server, "reviewer", artifacts, axe)
    p, c, r = patient.page, coordinator.page, reviewer.page

    # The patient signs up (and is logged in at once).
    patient.go("/")
    patient.shot("01-home")
    p.click("text=Create an account")
    p.fill("#display_name", PATIENT["name"])
    p.fill("#email", PATIENT["email"])
    p.fill("#password", PATIENT["password"])
    p.fill("#password_again", PATIENT["password"])
    patient.shot("02-signup")
    p.click("button:has-text('Create my account')")
    expect(p.locator("h1")).to_have_text("My requests")

    # A new request from pasted text, with a PDF pathology report attached.
    p.click("text=Ask for a second opinion")
    patient.shot("03-new-request")
    p.fill("#title", "Lung cancer: is chemo-immunotherapy right?")
    p.fill("#text", CASE_TEXT)
    p.set_input_files("#attachments", str(pathology_pdf(tmp_path / "pathology-report.pdf")))
    p.click("button:has-text('See my pre-review')")
    p.wait_for_url("**/pre-review?done=created")
    expect(p.locator("h1")).to_have_text("Your second-opinion pre-review")
    expect(p.get_by_text("What the evidence advises against")).to_be_visible()
    patient.shot("04-pre-review")
    p.check("input[name=consent]")
    p.click("button:has-text('Send my request')")
    expect(p.get_by_text("Your request is sent")).to_be_visible()
    patient.shot("05-request-sent")
    p.click("nav.tabs >> text=Records")
    expect(p.locator("table").get_by_text("pathology-report.pdf")).to_be_visible()
    request_path = p.url.removesuffix("/records")
    request_path = request_path[len(live_server.url) :]

    # The coordinator enrols an authenticator, marks the records complete and assigns.
    coordinator.login_staff(live_server.staff["coordinator"])
    expect(c.locator("h1")).to_have_text("Dashboard")
    coordinator.shot("06-coordinator-dashboard")
    c.click(f"a[href='{request_path}']")
    c.click("button:has-text('Mark records complete')")
    expect(c.get_by_text("The 5-business-day clock has started")).to_be_visible()
    expect(c.get_by_text("Dr Rey Reviewer")).to_be_visible()
    coordinator.shot("07-coordinator-assign")
    c.click("button:has-text('Assign')")
    expect(c.get_by_text("Assigned. The reviewers see the case")).to_be_visible()

    # The reviewer enrols, writes the structured opinion and signs it.
    reviewer.login_staff(live_server.staff["reviewer"])
    expect(r.locator("h1")).to_have_text("My cases")
    r.click(f"a[href='{request_path}']")
    r.click("text=Open the workspace")
    r.check("input[name=diagnosis_verdict][value=same]")
    r.check("input[name=stage_verdict][value=same]")
    r.check("input[name=plan_0_verdict][value=replace]")
    r.fill("#plan_0_text", "Osimertinib, an EGFR-targeted pill, as first treatment")
    r.fill("#plan_0_reason", "An EGFR L858R mutation: osimertinib first is the evidence-based choice.")
    r.check("input[name=plan_1_verdict][value=replace]")
    r.fill("#plan_1_text", "No immunotherapy now")
    r.fill("#plan_1_reason", "Immunotherapy helps little with EGFR mutations and raises side effects later.")
    r.fill("#trial_0_id", "NCT00000001")
    r.fill("#trial_0_title", "A trial of a next-generation EGFR inhibitor")
    answers = r.locator("textarea[name^=answer_]")
    for i in range(answers.count()):
        answers.nth(i).fill("Yes: starting with a targeted pill is better than the proposed plan.")
    r.fill(
        "#summary",
        "The diagnosis and stage are confirmed. I recommend osimertinib instead of chemo-immunotherapy.",
    )
    reviewer.shot("08-reviewer-workspace")
    r.click("button:has-text('Save draft')")
    expect(r.get_by_text("Draft saved")).to_be_visible()
    r.check("input[name=confirm]")
    r.click("button:has-text('Sign the opinion')")
    expect(r.get_by_text("The opinion is signed")).to_be_visible()
    reviewer.shot("09-reviewer-signed")

    # The coordinator delivers.
    c.reload()
    c.click("button:has-text('Deliver to the patient')")
    expect(c.get_by_text("Delivered. The patient can read the opinion now.")).to_be_visible()

    # The patient reads the opinion and the comparison, and asks a follow-up question.
    patient.go(request_path)
    expect(p.get_by_text("Your second opinion is ready", exact=False).first).to_be_visible()
    patient.shot("10-opinion-ready")
    p.click("text=Read the opinion")
    expect(p.locator("h2", has_text="First and second opinion, side by side")).to_be_visible()
    rows = p.locator(".comparison tbody tr")
    assert rows.count() >= 4  # diagnosis, stage and each plan element
    assert p.locator(".comparison .badge.different").count() == 2
    expect(p.get_by_text("NCT00000001")).to_be_visible()
    patient.shot("11-opinion-and-comparison")
    p.click("nav.tabs >> text=Follow-up")
    p.fill("#question-text", "How soon should I start osimertinib?")
    p.click("button:has-text('Send my question')")
    expect(p.get_by_text("Your question is sent to the specialist.")).to_be_visible()
    assert "done=asked" not in p.url  # htmx swapped the section in place; no page load
    expect(p.get_by_text("How soon should I start osimertinib?")).to_be_visible()
    expect(p.get_by_text("You can ask 2 more questions")).to_be_visible()
    patient.shot("12-follow-up-question")

    # The reviewer answers it; the patient sees the answer.
    reviewer.go(request_path + "/follow-up")
    r.fill("textarea[name=text]", "As soon as your doctors agree: within a week or two is usual.")
    r.click("button:has-text('Send the answer')")
    patient.go(request_path + "/follow-up")
    expect(p.get_by_text("within a week or two is usual")).to_be_visible()
    patient.shot("13-follow-up-answered")

    for person in (patient, coordinator, reviewer):
        person.close()


@pytest.fixture(scope="module")
def demo_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, dict[str, tuple[str, str, str | None]]]]:
    """`secondopinion serve --demo` as a newcomer starts it; yields its address and the printed accounts."""
    port = free_port()
    out = tmp_path_factory.mktemp("demo") / "demo.out"
    log = out.open("wb")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SECONDOPINION_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "secondopinion.cli", "serve", "--demo", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(
            proc, url + "/api/health", seconds=90, name="the demo server", output=out.read_text
        )
        printed = out.read_text()
        accounts = {}
        for m in re.finditer(
            r"^\s+(\w+)\s+(\S+@\S+)\s+password: (\S+)(?:\n\s+TOTP secret: (\w+))?", printed, re.M
        ):
            accounts[m.group(1)] = (m.group(2), m.group(3), m.group(4))
        yield url, accounts
    finally:
        stop(proc)
        log.close()


DEMO_PAGES = {
    "patient": ["/requests", "{0}", "{0}/pre-review", "{0}/opinion", "{0}/follow-up", "/requests/new"],
    "caregiver": ["/requests", "{0}"],
    "reviewer": ["/requests", "{0}/workspace", "/reviewer/profile"],
    "coordinator": ["/dashboard", "{0}", "{1}", "{2}"],
    "admin": ["/admin/audit"],
}


@pytest.mark.parametrize("role", list(DEMO_PAGES))
def test_the_demo_gives_each_role_pages_to_click_through(demo_server, role, browser, axe, artifacts):
    url, printed = demo_server
    assert set(printed) == set(DEMO_PAGES)
    email, password, secret = printed[role]
    server = LiveServer(url=url, staff={})
    person = Person(browser, server, role, artifacts, axe)
    page = person.page
    person.go("/login")
    expect(page.get_by_text("The demo accounts")).to_be_visible()
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button:has-text('Log in')")
    if secret:
        page.fill("#code", pyotp.TOTP(secret).now())
        page.click("button:has-text('Continue')")
    # Clicking starts the login; the links are read only once the first page after it has loaded.
    page.wait_for_url(lambda address: "/login" not in address)
    page.wait_for_load_state("load")
    requests: list[str | None] = []
    if role != "admin":
        expect(page.locator("main table a").first).to_be_visible()
        requests = [a.get_attribute("href") for a in page.locator("main table a").all()]
    assert role == "admin" or requests, f"the demo gives the {role} requests to open"
    for i, template in enumerate(DEMO_PAGES[role]):
        if "{" in template:
            n = int(template[1])
            if n >= len(requests):
                continue
            person.go(template.format(*requests) if n < len(requests) else template)
        else:
            person.go(template)
        assert page.locator("h1").count() == 1
        person.shot(f"demo-{role}-{i}")
    person.close()
