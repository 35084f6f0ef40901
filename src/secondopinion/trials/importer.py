"""Trial import: files in, trials into the store; one bad record never stops a large import.

Reads what the trial parsers read — ClinicalTrials.gov API v2 study JSON (one study, a `studies`
page, a JSON array, JSON Lines), the legacy XML, FHIR ResearchStudy, MatchMiner CTML (YAML or
JSON) — from files, folders (recursively) and zip archives such as the registry's bulk download.
The unit of work is a blob: a whole file, or one line of a JSON Lines file (streamed, so a
registry dump never sits in memory whole). Blobs are parsed, optionally in worker processes, into
rows ready for the store, which writes them in batches, each batch one transaction. A record
already stored with the same or a later last-update date is not parsed again.
"""

from __future__ import annotations

import re
import zipfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from secondopinion.errors import InputError
from secondopinion.knowledge.schema import KnowledgeBase
from secondopinion.store.trials import PreparedTrial, TrialStore, UpsertResult, prepare
from secondopinion.trials.ctgov import BadRecord, iter_ctgov_records, parse_date, parse_record
from secondopinion.trials.ctml import iter_ctml_trials, parse_ctml
from secondopinion.trials.model import Trial

SUFFIXES = (".json", ".jsonl", ".ndjson", ".xml", ".yaml", ".yml", ".zip")
_LINES = (".jsonl", ".ndjson")
_YAML = (".yaml", ".yml")
# Picked out of a record's bytes without decoding it, to skip records the store already holds.
_V2_ID = re.compile(rb'"nctId"\s*:\s*"([^"]+)"')
_V2_UPDATED = re.compile(rb'"lastUpdatePostDateStruct"\s*:\s*\{[^}]*?"date"\s*:\s*"([0-9-]+)"')
_XML_ID = re.compile(rb"<nct_id>\s*([^<\s]+)\s*</nct_id>")
_XML_UPDATED = re.compile(rb"<last_update_posted[^>]*>\s*([^<]+?)\s*</last_update_posted>")


@dataclass(frozen=True)
class Blob:
    """A unit of work: where it is, its bytes, and (when the text names exactly one record) that
    record's id and last-update date."""

    name: str
    data: bytes
    ident: str | None = None
    updated: date | None = None


@dataclass
class ImportReport:
    files: int = 0
    records: int = 0
    stored: UpsertResult = field(default_factory=UpsertResult)
    bad: list[BadRecord] = field(default_factory=list)


# ----------------------------------------------------------------------------- reading


def discover(paths: Sequence[str | Path]) -> list[Path]:
    """The files to read, folders expanded recursively in name order."""
    found: list[Path] = []
    for p in map(Path, paths):
        if not p.exists():
            raise InputError(f"{p}: no such file or folder")
        if p.is_dir():
            found += sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES)
        else:
            found.append(p)
    return found


def _suffix(name: str) -> str:
    """Suffix of the file a blob comes from ('a.zip!dir/b.jsonl:12' -> '.jsonl')."""
    return Path(name.rpartition("!")[2].partition(":")[0]).suffix.lower()


def _fallback_id(where: str) -> str:
    """'dir/11-112.json#2' -> '11-112-2': an id for a CTML trial that carries none."""
    base, _, index = re.split(r"[/!]", where)[-1].partition("#")
    stem = Path(base.partition(":")[0]).stem
    return f"{stem}-{index}" if index else stem


def make_blob(name: str, data: bytes) -> Blob:
    """A blob, with its record's id and last-update date when it holds exactly one record."""
    if _suffix(name) in _YAML:
        return Blob(name, data)
    for marker, ident_re, date_marker, date_re in (
        (b'"nctId"', _V2_ID, b'"lastUpdatePostDateStruct"', _V2_UPDATED),
        (b"<nct_id>", _XML_ID, b"<last_update_posted", _XML_UPDATED),
    ):
        if data.count(marker) == 1 and data.count(date_marker) == 1:
            ident = ident_re.search(data, data.find(marker))
            updated = date_re.search(data, data.find(date_marker))
            if ident and updated:
                text = updated.group(1).decode("utf-8", errors="replace")
                return Blob(name, data, ident.group(1).decode("utf-8", errors="replace"), parse_date(text))
    return Blob(name, data)


def _lines(name: str, stream: Iterable[bytes]) -> Iterator[Blob]:
    for lineno, line in enumerate(stream, 1):
        if line.strip():
            yield make_blob(f"{name}:{lineno}", line)


def read_blobs(path: Path) -> Iterator[Blob | BadRecord]:
    """The units of work of one file (or of each member of a zip archive); a file that cannot
    be read comes out as a BadRecord."""
    if path.suffix.lower() == ".zip":
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            yield BadRecord(str(path), None, f"{path}: not a readable zip archive ({exc})")
            return
        with archive:
            for info in sorted(archive.infolist(), key=lambda i: i.filename):
                suffix = Path(info.filename).suffix.lower()
                if info.is_dir() or suffix not in SUFFIXES or suffix == ".zip":
                    continue
                name = f"{path}!{info.filename}"
                with archive.open(info) as member:
                    if suffix in _LINES:
                        yield from _lines(name, member)
                    else:
                        yield make_blob(name, member.read())
        return
    try:
        if path.suffix.lower() in _LINES:
            with path.open("rb") as fh:
                yield from _lines(str(path), fh)
            return
        yield make_blob(str(path), path.read_bytes())
    except OSError as exc:
        yield BadRecord(str(path), None, f"{path}: cannot be read ({exc.strerror})")


# ----------------------------------------------------------------------------- parsing


def _first_line(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:300]


def _reason(exc: Exception, *labels: str | None) -> str:
    """The error's first line without the record label the parsers put in front of it."""
    text = _strip(_first_line(exc), *labels)
    return text if isinstance(exc, InputError) else f"{type(exc).__name__}: {text}"


def parse_blob(blob: Blob, kb: KnowledgeBase) -> Iterator[Trial | BadRecord]:
    """The trials of one blob, with the records that cannot be used reported in their place."""
    line = _suffix(blob.name) in _LINES

    def where(w: str) -> str:  # a line of JSON Lines is the record: no position inside it
        return blob.name if line and w.startswith(f"{blob.name}:") else w

    try:
        if _suffix(blob.name) in _YAML:
            for item in iter_ctml_trials(blob.data, blob.name, kb):
                if isinstance(item, BadRecord):
                    item = BadRecord(item.where, item.id, _strip(item.reason, item.id, item.where))
                yield item
            return
        for record in iter_ctgov_records(blob.data, blob.name):
            try:
                if record.format == "ctml" and record.error is None:
                    yield parse_ctml(record.content, kb, fallback_id=_fallback_id(record.where))
                else:
                    yield parse_record(record, kb)
            except Exception as exc:  # one bad record must never stop the import
                yield BadRecord(where(record.where), record.id, _reason(exc, record.id, record.where))
    except Exception as exc:
        yield BadRecord(blob.name, blob.ident, _reason(exc, blob.name))


def _strip(text: str, *labels: str | None) -> str:
    for label in labels:
        if label and text.startswith(f"{label}: "):
            return text[len(label) + 2 :]
    return text


def prepare_blob(blob: Blob, kb: KnowledgeBase) -> list[PreparedTrial | BadRecord]:
    """Trials of a blob made ready for the store (done in the workers, so that only plain values
    travel back to the writing process)."""
    out: list[PreparedTrial | BadRecord] = []
    for item in parse_blob(blob, kb):
        if isinstance(item, BadRecord):
            out.append(item)
            continue
        try:
            out.append(prepare(item, kb))
        except Exception as exc:
            out.append(BadRecord(blob.name, item.nct_id, f"{item.nct_id}: {_first_line(exc)}"))
    return out


_WORKER_KB: KnowledgeBase | None = None


def _init_worker(kb: KnowledgeBase) -> None:
    global _WORKER_KB
    _WORKER_KB = kb


def _prepare_chunk(chunk: list[Blob]) -> list[list[PreparedTrial | BadRecord]]:
    assert _WORKER_KB is not None
    return [prepare_blob(b, _WORKER_KB) for b in chunk]


# ----------------------------------------------------------------------------- importing


Progress = Callable[[int, int, int], None]  # (bytes done, records done, bad records)


def _store_batch(store: TrialStore, trials: list[PreparedTrial], report: ImportReport) -> None:
    """One transaction for the batch; if it fails, each record alone, so that only the records
    the database refuses are reported (and a database that refuses everything stops the import)."""
    if not trials:
        return
    try:
        report.stored += store.upsert_prepared(trials)
        return
    except SQLAlchemyError as batch_error:
        failures = 0
        for t in trials:
            try:
                report.stored += store.upsert_prepared([t])
            except SQLAlchemyError as exc:
                failures += 1
                report.bad.append(
                    BadRecord(t.nct_id, t.nct_id, f"could not be stored ({type(exc).__name__})")
                )
        if failures == len(trials):
            raise batch_error


@dataclass
class _Chunk:
    items: list[Blob | BadRecord]
    known: list[bool]  # per item: already stored at this date or later, not parsed

    def to_parse(self) -> list[Blob]:
        return [b for b, k in zip(self.items, self.known, strict=True) if isinstance(b, Blob) and not k]


def import_paths(
    paths: Sequence[str | Path],
    store: TrialStore,
    kb: KnowledgeBase,
    batch_size: int = 500,
    workers: int = 1,
    progress: Progress | None = None,
    force: bool = False,
) -> ImportReport:
    """Read, parse and store every record under `paths`. A record whose id is stored with the
    same or a later last-update date is counted unchanged without being parsed (unless `force`,
    e.g. after a parser upgrade). Parsing runs in `workers` processes when more than one is asked
    for; storing stays in this process, in input order, `batch_size` blobs per transaction."""
    files = discover(paths)
    if not files:
        raise InputError("no trial files found (.json, .jsonl, .ndjson, .xml, .yaml, .yml or .zip)")
    report = ImportReport()
    done_bytes = 0

    def chunks() -> Iterator[_Chunk]:
        items: list[Blob | BadRecord] = []
        for path in files:
            report.files += 1
            for item in read_blobs(path):
                items.append(item)
                if len(items) >= batch_size:
                    yield _mark(items)
                    items = []
        if items:
            yield _mark(items)

    def _mark(items: list[Blob | BadRecord]) -> _Chunk:
        dated = [b for b in items if isinstance(b, Blob) and b.ident and b.updated]
        stored = {} if force or not dated else store.last_updates(sorted({b.ident for b in dated if b.ident}))
        known = []
        for b in items:
            have = stored.get(b.ident) if isinstance(b, Blob) and b.ident else None
            known.append(
                isinstance(b, Blob) and have is not None and b.updated is not None and b.updated <= have
            )
        return _Chunk(items, known)

    def consume(chunk: _Chunk, parsed: list[list[PreparedTrial | BadRecord]]) -> None:
        nonlocal done_bytes
        results = iter(parsed)
        ready: list[PreparedTrial] = []
        for item, known in zip(chunk.items, chunk.known, strict=True):
            if isinstance(item, BadRecord):
                report.bad.append(item)
                continue
            done_bytes += len(item.data)
            if known:
                report.records += 1
                report.stored.unchanged += 1
                continue
            for result in next(results):
                if isinstance(result, BadRecord):
                    report.bad.append(result)
                else:
                    ready.append(result)
                    report.records += 1
        _store_batch(store, ready, report)
        if progress:
            progress(done_bytes, report.records, len(report.bad))

    if workers <= 1:
        for chunk in chunks():
            consume(chunk, [prepare_blob(b, kb) for b in chunk.to_parse()])
        return report
    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(kb,)) as pool:
        pending: deque[tuple[_Chunk, Future[list[list[PreparedTrial | BadRecord]]]]] = deque()
        for chunk in chunks():
            pending.append((chunk, pool.submit(_prepare_chunk, chunk.to_parse())))
            while len(pending) > 2 * workers:
                done, future = pending.popleft()
                consume(done, future.result())
        while pending:
            done, future = pending.popleft()
            consume(done, future.result())
    return report


def total_bytes(paths: Sequence[str | Path]) -> int:
    """Size of everything import_paths will read (uncompressed), for a progress bar."""
    total = 0
    for p in discover(paths):
        if p.suffix.lower() == ".zip" and zipfile.is_zipfile(p):
            with zipfile.ZipFile(p) as archive:
                total += sum(
                    i.file_size for i in archive.infolist() if Path(i.filename).suffix.lower() in SUFFIXES
                )
        else:
            total += p.stat().st_size
    return total
