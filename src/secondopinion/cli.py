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
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from secondopinion.errors import InputError, KnowledgeBaseError, SecondOpinionError
from secondopinion.knowledge.loader import DATA_DIR, load_knowledge_base
from secondopinion.knowledge.schema import KnowledgeBase
from secondopinion.review.model import Review

app = typer.Typer(
    help="SecondOpinion: cited second-opinion pre-reviews of cancer treatment plans.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
kb_app = typer.Typer(help="Check and describe the knowledge base.", no_args_is_help=True)
app.add_typer(kb_app, name="kb")

EXAMPLE = Path(__file__).parent / "examples" / "example-case.txt"


class Format(StrEnum):
    text = "text"
    json = "json"
    jsonl = "jsonl"
    markdown = "markdown"


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


def _render(reviews: list[Review], fmt: Format) -> str:
    from secondopinion.report.markdown import render_markdown
    from secondopinion.report.terminal import render_text

    if fmt is Format.json:
        dumped = [json.loads(r.model_dump_json()) for r in reviews]
        return json.dumps(dumped[0] if len(dumped) == 1 else dumped, indent=2, ensure_ascii=False) + "\n"
    if fmt is Format.jsonl:
        return "".join(r.model_dump_json() + "\n" for r in reviews)
    if fmt is Format.markdown:
        return "\n".join(render_markdown(r) for r in reviews)
    width = min(Console().width, 100)
    return "\n".join(render_text(r, width=width) for r in reviews)


@app.command()
def review(
    files: Annotated[
        list[str] | None,
        typer.Argument(help="case files: text, YAML or JSON ('-' for standard input)"),
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="output format")] = Format.text,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="write here instead of stdout")] = None,
    example: Annotated[bool, typer.Option("--example", help="review the bundled example case")] = False,
) -> None:
    """Review one or more cases: triage, plan review, records needed, questions to ask."""
    from secondopinion.intake import read_case
    from secondopinion.review import review as run_review

    paths = list(files or [])
    if example:
        paths.append(str(EXAMPLE))
    if not paths:
        raise _fail("give at least one case file, '-' for standard input, or --example")
    kb = _load_kb()
    reviews: list[Review] = []
    errors: list[str] = []
    for path in paths:
        try:
            data, name = _read_input(path)
            case = read_case(data, name, kb)
            if case.id == "case":
                case = case.model_copy(update={"id": "case-" + hashlib.sha256(data).hexdigest()[:10]})
            reviews.append(run_review(case, kb))
        except InputError as exc:
            errors.append(str(exc))
    if errors:
        for e in errors[:-1]:
            Console(stderr=True, soft_wrap=True).print(f"error: {e}", markup=False)
        raise _fail(errors[-1] + (" (nothing was written)" if len(paths) > 1 or out else ""))
    _write(out, _render(reviews, fmt))


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
            else f"{r['incidence_per_100k']:g}" + (" rare" if r["rare"] else "")
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
    console.print(f"{len(rows)} cancer types; {covered} with pathways; {with_inc} with incidence figures.")


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
