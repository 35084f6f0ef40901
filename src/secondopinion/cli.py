"""The `secondopinion` command: a thin shell around intake, the review engine and the renderers.

Exit codes: 0 ok, 2 bad input (one line on stderr, nothing written), 1 internal error.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from secondopinion.errors import InputError, KnowledgeBaseError, SecondOpinionError
from secondopinion.knowledge.loader import DATA_DIR, load_knowledge_base
from secondopinion.knowledge.schema import KnowledgeBase
from secondopinion.review.model import Review

if TYPE_CHECKING:
    from secondopinion.case import Case
    from secondopinion.store.trials import TrialStore

app = typer.Typer(
    help="SecondOpinion: cited second-opinion pre-reviews of cancer treatment plans.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
kb_app = typer.Typer(help="Check and describe the knowledge base.", no_args_is_help=True)
app.add_typer(kb_app, name="kb")

EXAMPLE = Path(__file__).parent / "examples" / "example-case.txt"
# Every command that reads a case reads it through intake, so every one accepts the same inputs.
CASE_HELP = "case file: PDF report, FHIR bundle (JSON), YAML or JSON form, or text ('-' for standard input)"


class Format(StrEnum):
    text = "text"
    json = "json"
    jsonl = "jsonl"
    markdown = "markdown"
    fhir = "fhir"


def _fail(message: str, code: int = 2) -> typer.Exit:
    Console(stderr=True, highlight=False, soft_wrap=True).print(f"error: {message}", markup=False)
    return typer.Exit(code)


def _load_kb() -> KnowledgeBase:
    try:
        return load_knowledge_base(DATA_DIR)
    except KnowledgeBaseError as exc:
        raise _fail(f"the knowledge base is invalid; run 'secondopinion kb check' ({exc})", 1) from None


def _read_input(path: str) -> tuple[bytes, str]:
    if path == "-":
        return sys.stdin.buffer.read(), "stdin"
    p = Path(path)
    if not p.exists():
        raise InputError(f"{path}: no such file")
    if p.is_dir():
        raise InputError(f"{path}: is a folder; give a case file")
    try:
        return p.read_bytes(), p.name
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from None


def _write(out: Path | None, text: str) -> None:
    """Write all or nothing: a temporary file renamed into place."""
    if out is None:
        sys.stdout.write(text)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _render(reviews: list[Review], fmt: Format, kb: KnowledgeBase) -> str:
    from secondopinion.report.markdown import render_markdown
    from secondopinion.report.terminal import render_text

    if fmt is Format.json:
        dumped = [json.loads(r.model_dump_json()) for r in reviews]
        return json.dumps(dumped[0] if len(dumped) == 1 else dumped, indent=2, ensure_ascii=False) + "\n"
    if fmt is Format.jsonl:
        return "".join(r.model_dump_json() + "\n" for r in reviews)
    if fmt is Format.markdown:
        return "\n".join(render_markdown(r, kb) for r in reviews)
    if fmt is Format.fhir:
        from secondopinion.report.fhir import render_fhir

        return render_fhir(reviews, kb)
    width = min(Console().width, 100)
    return "\n".join(render_text(r, width=width, kb=kb) for r in reviews)


@app.command()
def review(
    files: Annotated[
        list[str] | None,
        typer.Argument(help=CASE_HELP),
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="output format")] = Format.text,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="write here instead of stdout")] = None,
    example: Annotated[bool, typer.Option("--example", help="review the bundled example case")] = False,
    trials: Annotated[
        bool | None,
        typer.Option("--trials/--no-trials", help="add matching trials (default: when a trial store exists)"),
    ] = None,
    one_case: Annotated[
        bool,
        typer.Option("--one-case", help="the files are documents about one person, oldest first: merge them"),
    ] = False,
) -> None:
    """Review one or more cases: triage, plan review, records needed, questions to ask."""
    from secondopinion.intake import read_case_with_warnings
    from secondopinion.intake.merge import merge_cases
    from secondopinion.review import review as run_review

    paths = list(files or [])
    if example:
        paths.append(str(EXAMPLE))
    if not paths:
        raise _fail("give at least one case file, '-' for standard input, or --example")
    kb = _load_kb()
    reviews: list[Review] = []
    errors: list[str] = []
    documents: list[Case] = []  # with --one-case: read all, then merge
    digest = hashlib.sha256()
    for path in paths:
        try:
            data, name = _read_input(path)
            case, warnings = read_case_with_warnings(data, name, kb)
            _warn(name, warnings)
            if one_case:
                documents.append(case)
                digest.update(hashlib.sha256(data).digest())
                continue
            if case.id == "case":
                case = case.model_copy(update={"id": "case-" + hashlib.sha256(data).hexdigest()[:10]})
            reviews.append(run_review(case, kb))
        except InputError as exc:
            errors.append(str(exc))
    if errors:
        for e in errors[:-1]:
            Console(stderr=True, soft_wrap=True).print(f"error: {e}", markup=False)
        raise _fail(errors[-1] + (" (nothing was written)" if len(paths) > 1 or out else ""))
    if one_case:
        case = merge_cases(documents)
        if case.id == "case":
            case = case.model_copy(update={"id": "case-" + digest.hexdigest()[:10]})
        reviews = [run_review(case, kb)]
    if trials is not False:
        reviews = _with_trials(reviews, kb, required=trials is True)
    _write(out, _render(reviews, fmt, kb))


def _warn(name: str, warnings: list[str]) -> None:
    """What intake could not use, on stderr: resource types, ids and fields, never patient data."""
    for w in warnings:
        Console(stderr=True, highlight=False, soft_wrap=True).print(f"warning: {name}: {w}", markup=False)


@app.command()
def export(
    file: OptionalCase = None,
    example: ExampleFlag = False,
    fmt: Annotated[str, typer.Option("--format", "-f", help="output format: fhir (mCODE bundle)")] = "fhir",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="write here instead of stdout")] = None,
) -> None:
    """Export a case as a patient-owned FHIR R4 / mCODE bundle that `review` reads back."""
    from secondopinion.report.fhir import render_case_fhir

    if fmt != "fhir":
        raise _fail(f"unknown export format '{fmt}'; the only one is 'fhir'")
    kb = _load_kb()
    case, _ = _read_case(_case_path(file, example), kb)
    _write(out, render_case_fhir(case, kb))


class ReportFormat(StrEnum):
    html = "html"
    pdf = "pdf"
    markdown = "markdown"


class Audience(StrEnum):
    patient = "patient"
    clinician = "clinician"


OptionalCase = Annotated[str | None, typer.Argument(help=CASE_HELP, show_default=False)]
ExampleFlag = Annotated[bool, typer.Option("--example", help="use the bundled example case, not a file")]


def _case_path(path: str | None, example: bool) -> str:
    if example:
        return str(EXAMPLE)
    if path is None:
        raise _fail("give a case file, '-' for standard input, or --example")
    return path


def _read_case(path: str, kb: KnowledgeBase) -> tuple[Case, str]:
    """One case through intake (so any input `review` takes), its warnings on stderr; a case with no
    id of its own is named from its bytes, so the same file always gets the same id."""
    from secondopinion.intake import read_case_with_warnings

    data, name = _read_input(path)
    case, warnings = read_case_with_warnings(data, name, kb)
    _warn(name, warnings)
    if case.id == "case":
        case = case.model_copy(update={"id": "case-" + hashlib.sha256(data).hexdigest()[:10]})
    return case, name


def _case_for_report(path: str, kb: KnowledgeBase) -> tuple[Review, str]:
    from secondopinion.review import review as run_review

    case, name = _read_case(path, kb)
    return run_review(case, kb), name


def _write_bytes(out: Path | None, data: bytes) -> None:
    """Binary output, all or nothing; refuses to print a PDF onto a terminal."""
    if out is None:
        if sys.stdout.isatty():
            raise InputError("a PDF cannot be shown in the terminal; give --out FILE.pdf")
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@app.command()
def report(
    file: OptionalCase = None,
    example: ExampleFlag = False,
    audience: Annotated[Audience, typer.Option("--audience", "-a", help="who reads it")] = Audience.patient,
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f", help="output format")] = ReportFormat.html,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="write here instead of stdout")] = None,
    near: Annotated[
        str | None, typer.Option("--near", help="city and state or ZIP code, to list centres nearest first")
    ] = None,
) -> None:
    """A report for the patient (plain language) or the clinician (structured, coded, cited)."""
    from secondopinion.report.html import render_report_html, render_report_markdown
    from secondopinion.specialists.data import bundled_gazetteer, default_directory
    from secondopinion.specialists.match import match_specialists

    kb = _load_kb()
    result, _ = _case_for_report(_case_path(file, example), kb)
    matches = match_specialists(
        result.case, kb, default_directory(), bundled_gazetteer(), location=near, limit=5
    )
    aud = audience.value
    if fmt is ReportFormat.markdown:
        _write(out, render_report_markdown(result, kb, aud, specialists=matches))  # type: ignore[arg-type]
        return
    html = render_report_html(result, kb, aud, specialists=matches)  # type: ignore[arg-type]
    if fmt is ReportFormat.html:
        _write(out, html)
        return
    from secondopinion.report.pdf import html_to_pdf

    _write_bytes(out, html_to_pdf(html))


@app.command()
def specialists(
    file: OptionalCase = None,
    example: ExampleFlag = False,
    near: Annotated[
        str | None, typer.Option("--near", help="city and state or ZIP code (default: the case's location)")
    ] = None,
    language: Annotated[
        str | None, typer.Option("--language", help="preferred language for reviewers (ISO code, e.g. es)")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=100, help="how many to list")] = 10,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json")] = "table",
) -> None:
    """Centres and reviewers with the experience for the case's cancer, best placed first."""
    from secondopinion.specialists.data import bundled_gazetteer, default_directory
    from secondopinion.specialists.match import match_specialists

    if fmt not in ("table", "json"):
        raise _fail(f"unknown format '{fmt}'; use table or json")
    kb = _load_kb()
    case, _ = _read_case(_case_path(file, example), kb)
    found = match_specialists(
        case, kb, default_directory(), bundled_gazetteer(), location=near, language=language, limit=limit
    )
    if fmt == "json":
        print(found.model_dump_json(indent=2))
        return
    console = Console()
    title = f"Centres for {found.cancer_name}" + (" (rare cancer)" if found.rare else "")
    if found.place:
        title += f", nearest to {found.place} first"
    table = Table(title=title)
    for col in ("#", "centre", "location", "NCI tier", "distance"):
        table.add_column(col, overflow="fold")
    for i, m in enumerate(found.centres, 1):
        dist = f"{m.distance_km / 1.609344:,.0f} mi" if m.distance_km is not None else "—"
        tier = m.centre.tier + ("" if m.centre.verified else " (unconfirmed)")
        table.add_row(str(i), m.centre.name, m.centre.place, tier, dist)
    console.print(table)
    for note in found.notes:
        console.print(note, markup=False)


@kb_app.command("check")
def kb_check() -> None:
    """Validate every knowledge-base entry: schema, sources and cross-references."""
    try:
        kb = load_knowledge_base(DATA_DIR)
    except KnowledgeBaseError as exc:
        raise _fail(str(exc), 1) from None
    n_recs = sum(
        len(p.recommend) + len(p.advise_against) + len(p.alternatives) + len(p.tests) for p in kb.pathways
    )
    print(
        f"knowledge base {kb.version}: OK — {len(kb.cancers)} cancer types, {len(kb.pathways)} pathways "
        f"({n_recs} recommendations, tests, cautions and alternatives), {len(kb.drugs)} drugs, "
        f"{len(kb.regimens)} regimens, {len(kb.biomarkers)} biomarkers, {len(kb.sources)} sources"
    )


@kb_app.command("coverage")
def kb_coverage(
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json")] = "table",
) -> None:
    """Which cancer types, settings and biomarkers the knowledge base covers."""
    kb = _load_kb()
    rows = []
    for c in sorted(kb.cancers.values(), key=lambda c: c.id):
        paths = kb.pathways_for(c.id)
        settings = sorted({s for p in paths for s in p.when.setting})
        stages = sorted({s for p in paths for s in p.when.stage})
        markers = sorted(
            {b.name for p in paths for b in (*p.when.biomarkers, *p.when.biomarkers_any)}
            | {t.biomarker for p in paths for t in p.tests}
        )
        rows.append(
            {
                "id": c.id,
                "name": c.name,
                "pathways": len(paths),
                "incidence_per_100k": c.incidence.per_100k if c.incidence else None,
                "rare": bool(c.incidence and c.incidence.per_100k < 6),
                "incidence_confirmed": bool(c.incidence and c.incidence.confirmed),
                "settings": settings,
                "stages": stages,
                "biomarkers": markers,
            }
        )
    if fmt == "json":
        print(json.dumps({"version": kb.version, "cancers": rows}, indent=2))
        return
    table = Table(title=f"Knowledge base {kb.version}")
    for col in ("type", "pathways", "per 100k", "settings / stages", "biomarkers"):
        table.add_column(col, overflow="fold")
    for r in rows:
        inc = (
            "—"
            if r["incidence_per_100k"] is None
            else ("" if r["incidence_confirmed"] else "~")
            + f"{r['incidence_per_100k']:g}"
            + (" rare" if r["rare"] else "")
        )
        table.add_row(
            r["name"],
            str(r["pathways"]) if r["pathways"] else "—",
            inc,
            ", ".join(r["settings"] + r["stages"]),
            ", ".join(r["biomarkers"]),
        )
    console = Console()
    console.print(table)
    covered = sum(1 for r in rows if r["pathways"])
    with_inc = sum(1 for r in rows if r["incidence_per_100k"] is not None)
    confirmed = sum(1 for r in rows if r["incidence_confirmed"])
    console.print(
        f"{len(rows)} cancer types; {covered} with pathways; {with_inc} with incidence figures "
        f"({confirmed} checked against their source; ~ marks an unchecked estimate)."
    )


trials_app = typer.Typer(help="Import clinical trials and match a case against them.", no_args_is_help=True)
app.add_typer(trials_app, name="trials")
DbOption = Annotated[
    str | None,
    typer.Option("--db", help="database URL (default: $SECONDOPINION_DATABASE_URL or the local SQLite file)"),
]


def _with_trials(reviews: list[Review], kb: KnowledgeBase, required: bool, top: int = 10) -> list[Review]:
    """Fill each review's trials section from the trial store, when there is one."""
    from sqlalchemy.exc import SQLAlchemyError

    from secondopinion.store.db import default_url
    from secondopinion.store.trials import existing_trial_store
    from secondopinion.trials.match import match_trials

    try:
        store = existing_trial_store(default_url())
    except SQLAlchemyError as exc:
        if required:
            raise _fail(f"the trial store cannot be opened ({type(exc).__name__})") from None
        return reviews
    if store is None:
        if required:
            raise _fail("no trial store yet: import trials first with 'secondopinion trials import FILES'")
        return reviews
    try:
        out = []
        for r in reviews:
            ranked = match_trials(r.case, store.candidates(r.case, kb), kb, top=top)
            # A review lists only trials nothing rules out; `trials match` shows the rest too.
            out.append(r.model_copy(update={"trials": [m for m in ranked if not m.not_met]}))
        return out
    finally:
        store.close()


def _trial_store(db: str | None, create: bool) -> TrialStore:
    """The trial store at --db (or the default); a store that cannot be reached is one line."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from secondopinion.store.db import default_url
    from secondopinion.store.trials import TrialStore, existing_trial_store

    url = db or default_url()
    try:
        store = TrialStore.open(url) if create else existing_trial_store(url)
    except SQLAlchemyError as exc:
        where = make_url(url).render_as_string(hide_password=True)
        raise _fail(f"cannot open the trial store at {where} ({type(exc).__name__})", 1) from None
    if store is None:
        raise _fail("no trial store yet: import trials first with 'secondopinion trials import FILES'")
    return store


@trials_app.command("import")
def trials_import(
    paths: Annotated[list[str], typer.Argument(help="files or folders: JSON, JSONL, XML, CTML, zip")],
    db: DbOption = None,
    workers: Annotated[int, typer.Option("--workers", "-j", help="parsing processes", min=1)] = 1,
    batch: Annotated[int, typer.Option("--batch", help="records per transaction", min=1)] = 500,
    force: Annotated[bool, typer.Option("--force", help="re-parse records already stored")] = False,
) -> None:
    """Import trial records into the trial store (idempotent: unchanged records are skipped)."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from secondopinion.trials.importer import import_paths, total_bytes

    kb = _load_kb()
    total = total_bytes(paths)
    store = _trial_store(db, create=True)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    columns = (TextColumn("{task.description}"), BarColumn(), TimeRemainingColumn())
    try:
        with Progress(*columns, console=err, disable=not err.is_terminal, transient=True) as bar:
            task = bar.add_task("importing", total=total or 1)

            def advance(done: int, records: int, bad: int) -> None:
                bar.update(task, completed=done, description=f"{records:,} trials, {bad:,} skipped")

            report = import_paths(
                paths, store, kb, batch_size=batch, workers=workers, progress=advance, force=force
            )
        for bad in report.bad[:50]:
            err.print(f"skipped: {bad.id or '(no id)'} at {bad.where}: {bad.reason}", markup=False)
        if len(report.bad) > 50:
            err.print(f"skipped: ... and {len(report.bad) - 50:,} more bad records", markup=False)
        s = report.stored
        print(
            f"{report.records:,} trials read from {report.files:,} file(s): {s.inserted:,} new, "
            f"{s.updated:,} updated, {s.unchanged:,} unchanged; {len(report.bad):,} bad record(s) skipped. "
            f"The store holds {store.count():,} trials ({store.count(open_only=True):,} open to enrolment), "
            f"records up to {store.snapshot_date() or 'an unknown date'}."
        )
    finally:
        store.close()
    if report.records == 0 and report.bad:
        raise _fail("no trial could be imported; the skipped records are listed above")


@trials_app.command("search")
def trials_search(
    query: Annotated[str, typer.Argument(help="words to find in titles, conditions and eligibility text")],
    limit: Annotated[int, typer.Option("--limit", "-n", help="how many trials to list", min=1)] = 20,
    db: DbOption = None,
) -> None:
    """Full-text search of the trial store, best matches first."""
    store = _trial_store(db, create=False)
    try:
        hits = store.search(query, limit=limit)
    finally:
        store.close()
    for h in hits:
        print(f"{h.nct_id}\t{h.status}\t{h.title}")
    if not hits:
        Console(stderr=True, highlight=False).print("no trial matches these words", markup=False)


@trials_app.command("match")
def trials_match(
    case_file: OptionalCase = None,
    example: ExampleFlag = False,
    top: Annotated[int, typer.Option("--top", "-n", help="how many trials to show", min=1)] = 10,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text, markdown or json")] = "text",
    db: DbOption = None,
    all_statuses: Annotated[bool, typer.Option("--all-statuses", help="also trials not recruiting")] = False,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="write here instead of stdout")] = None,
) -> None:
    """Trials the case may fit, best first, each criterion met, not met or unknown."""
    from rich.markdown import Markdown

    from secondopinion.report.markdown import trials_section
    from secondopinion.trials.match import match_trials

    if fmt not in ("text", "markdown", "json"):
        raise _fail(f"unknown format '{fmt}'; use text, markdown or json")
    kb = _load_kb()
    case, name = _read_case(_case_path(case_file, example), kb)
    if case.primary is None or case.primary.type not in kb.cancers:
        raise _fail(f"{name}: the case does not say which cancer it is; add the cancer type to match trials")
    store = _trial_store(db, create=False)
    try:
        candidates = store.candidates(case, kb, open_only=not all_statuses)
        matches = match_trials(case, candidates, kb, top=top)
        stored, snapshot = store.count(), store.snapshot_date()
    finally:
        store.close()
    if fmt == "json":
        doc = {
            "case_id": case.id,
            "trial_store": {"trials": stored, "newest_record": snapshot.isoformat() if snapshot else None},
            "candidates": len(candidates),
            "matches": [json.loads(m.model_dump_json()) for m in matches],
        }
        _write(out, json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        return
    lines = trials_section(matches, heading=f"# Trials for {case.id}")
    lines += ["", f"{len(candidates):,} candidate trials evaluated out of {stored:,} in the store."]
    text = "\n".join(lines) + "\n"
    if fmt == "text":
        width = min(Console().width, 100)
        console = Console(width=width, record=True, force_terminal=False, color_system=None)
        with console.capture() as capture:
            console.print(Markdown(text))
        text = capture.get()
    _write(out, text)


audit_app = typer.Typer(help="The platform's append-only, hash-chained audit trail.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
users_app = typer.Typer(help="Platform accounts (the first administrator).", no_args_is_help=True)
app.add_typer(users_app, name="users")
keys_app = typer.Typer(help="The data key: make one, rotate the data to a new one.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    demo: Annotated[
        bool, typer.Option("--demo", help="seed demo accounts and requests (loopback only)")
    ] = False,
) -> None:
    """Run the platform: JSON API and pages. Needs SECONDOPINION_DATA_KEY (or _FILE) unless --demo."""
    from secondopinion.web.serve import run

    run(host, port, demo)


def _open_platform(require_key: bool = True):  # type: ignore[no-untyped-def]
    from secondopinion.platform import Platform, PlatformSettings

    return Platform.open(PlatformSettings.from_env(require_key=require_key))


@audit_app.command("verify")
def audit_verify() -> None:
    """Recompute the audit trail's hash chain; exit 1 if any event was changed, removed or reordered."""
    from secondopinion.platform.audit_log import verification

    platform = _open_platform(require_key=False)
    result = verification(platform)
    platform.close()
    if result.ok:
        print(f"audit trail OK: {result.checked} events; head {result.head}")
        return
    raise _fail(
        f"audit trail BROKEN at event {result.first_bad_seq}: {result.problem} "
        f"({result.checked} events verified before it)",
        1,
    )


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Option(help="e-mail address (the login)")],
    role: Annotated[str, typer.Option(help="patient, caregiver, reviewer, coordinator or admin")] = "admin",
    name: Annotated[str, typer.Option(help="display name")] = "Administrator",
) -> None:
    """Create an account from the server's shell (the password is asked for, never an argument)."""
    from secondopinion.platform.accounts import bootstrap_user

    password = typer.prompt("password (at least 12 characters)", hide_input=True, confirmation_prompt=True)
    platform = _open_platform()
    user = bootstrap_user(platform, email, role, name, password)
    platform.close()
    print(f"created {user.role} {user.id}; staff set up their authenticator at first login")


@keys_app.command("new")
def keys_new() -> None:
    """Print a fresh random data key (64 hex characters) for SECONDOPINION_DATA_KEY(_FILE)."""
    from secondopinion.security.crypto import new_key_text

    print(new_key_text())


@keys_app.command("rotate")
def keys_rotate(
    new_key_file: Annotated[
        Path, typer.Option("--new-key-file", help="file holding the new key (from 'secondopinion keys new')")
    ],
) -> None:
    """Re-encrypt every sealed value, document and TOTP secret under a new data key, all or nothing.
    The current key comes from SECONDOPINION_DATA_KEY (or _FILE); every server must be stopped."""
    from secondopinion.platform import PlatformSettings
    from secondopinion.platform.keys import rotate
    from secondopinion.security.crypto import read_key_file

    new_key = read_key_file(new_key_file, "--new-key-file")
    done = rotate(PlatformSettings.from_env(), new_key)
    print(
        f"data key rotated: {done.sealed_values} sealed values, {done.totp_secrets} TOTP secrets and "
        f"{done.documents} documents re-encrypted; start the platform with the new key"
    )


def main() -> None:
    """Console entry point: deliberate errors exit 2, anything unexpected exits 1 in one line."""
    try:
        app()
    except SecondOpinionError as exc:
        raise SystemExit(_fail(str(exc)).exit_code) from None
    except Exception as exc:
        err = Console(stderr=True, soft_wrap=True)
        err.print(f"internal error: {type(exc).__name__}: {exc}", markup=False)
        err.print("Please report this with the command you ran (not your case text).", markup=False)
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
