"""Trial import: files in, trials into the store; one bad record never stops a large import.

Reads ClinicalTrials.gov API v2 study JSON (one study, a `studies` page, a JSON array, or JSON
Lines), the legacy ClinicalTrials.gov XML, and MatchMiner CTML (YAML or JSON), from files,
folders (recursively) or zip archives such as the registry's bulk download. Records are parsed by
the trial parsers (optionally in worker processes) and written in batches, each batch one
transaction. A record that cannot be read or parsed is reported with its id and skipped.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from secondopinion.errors import InputError
from secondopinion.knowledge.schema import KnowledgeBase
from secondopinion.store.trials import TrialStore, UpsertResult
from secondopinion.trials.model import Trial

SUFFIXES = (".json", ".jsonl", ".ndjson", ".xml", ".yaml", ".yml", ".zip")
Kind = Literal["ctgov_v2", "ctgov_xml", "ctml", "unknown"]
_NCT = re.compile(r"<nct_id>\s*([^<\s]+)\s*</nct_id>")
_XML_UPDATED = re.compile(r"<last_update_posted[^>]*>\s*([^<]+?)\s*</last_update_posted>")
_V2_ID = re.compile(r'"nctId"\s*:\s*"([^"]+)"')
_V2_UPDATED = re.compile(r'"lastUpdatePostDateStruct"\s*:\s*\{[^}]*?"date"\s*:\s*"([0-9-]+)"')
_STUDY_SPLIT = re.compile(r"(?=<clinical_study\b)")


@dataclass(frozen=True)
class Raw:
    """One record as read: where it came from, what it looks like, and its content (text still
    to decode, or an already decoded object)."""

    source: str
    kind: Kind
    payload: Any
    ident: str | None = None
    size: int = 0
    updated: date | None = None


@dataclass(frozen=True)
class BadRecord:
    source: str
    record_id: str | None
    reason: str

    def line(self) -> str:
        return f"{self.record_id or '(no id)'} at {self.source}: {self.reason}"


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


def _kind_of(obj: object) -> Kind:
    if isinstance(obj, dict):
        if "protocolSection" in obj:
            return "ctgov_v2"
        if "treatment_list" in obj or "protocol_no" in obj:
            return "ctml"
    return "unknown"


def _date(text: str | None) -> date | None:
    """'2023-06-15', '2023-06' or 'June 15, 2023' (legacy XML); None when it is neither."""
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%Y-%m", "%B %d, %Y", "%B %Y"):
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None


def _updated(obj: object) -> date | None:
    try:
        return _date(obj["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"])  # type: ignore[index]
    except (KeyError, TypeError):
        return None


def _ident(obj: object) -> str | None:
    if not isinstance(obj, dict):
        return None
    try:
        nct = obj["protocolSection"]["identificationModule"]["nctId"]
        return str(nct)
    except (KeyError, TypeError):
        pass
    for key in ("nct_id", "protocol_no", "protocol_id"):
        if obj.get(key):
            return str(obj[key])
    return None


def _objects(obj: object, source: str, size: int) -> Iterator[Raw]:
    """Studies inside one decoded JSON or YAML document."""
    if isinstance(obj, dict) and isinstance(obj.get("studies"), list):
        items: list[object] = obj["studies"]
    elif isinstance(obj, list):
        items = obj
    else:
        items = [obj]
    share = size // max(len(items), 1)
    for i, item in enumerate(items):
        where = source if len(items) == 1 else f"{source}[{i}]"
        yield Raw(where, _kind_of(item), item, _ident(item), share, _updated(item))


def _read_lines(name: str, lines: Iterable[bytes]) -> Iterator[Raw]:
    """JSON Lines, one record per line, streamed: a registry dump never sits in memory whole.
    The id and last-update date are picked out without decoding, so known records can be skipped."""
    for lineno, line in enumerate(lines, 1):
        if line.strip():
            text = line.decode("utf-8", errors="replace")
            ident, updated = _V2_ID.search(text), _V2_UPDATED.search(text)
            yield Raw(
                f"{name}:{lineno}",
                "unknown",
                text,
                ident.group(1) if ident else None,
                len(line),
                _date(updated.group(1)) if updated else None,
            )


def _is_lines(name: str) -> bool:
    return Path(name).suffix.lower() in (".jsonl", ".ndjson")


def _read_text(name: str, text: str, size: int) -> Iterator[Raw]:
    suffix = Path(name).suffix.lower()
    if suffix == ".xml":
        parts = [p for p in _STUDY_SPLIT.split(text) if "<clinical_study" in p] or [text]
        for i, part in enumerate(parts):
            m, u = _NCT.search(part), _XML_UPDATED.search(part)
            where = name if len(parts) == 1 else f"{name}[{i}]"
            updated = _date(u.group(1)) if u else None
            yield Raw(where, "ctgov_xml", part, m.group(1) if m else None, size // len(parts), updated)
        return
    if suffix in (".yaml", ".yml"):
        try:
            docs = [d for d in yaml.safe_load_all(text) if d is not None]
        except yaml.YAMLError as exc:
            raise _Unreadable(name, f"not valid YAML ({str(exc).splitlines()[0]})") from None
        share = size // max(len(docs), 1)
        for i, doc in enumerate(docs):
            where = name if len(docs) == 1 else f"{name}[{i}]"
            for raw in _objects(doc, where, share):
                kind: Kind = "ctml" if raw.kind == "unknown" else raw.kind
                yield Raw(raw.source, kind, raw.payload, raw.ident, raw.size, raw.updated)
        return
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _Unreadable(name, f"not valid JSON ({exc.msg} at line {exc.lineno})") from None
    yield from _objects(obj, name, size)


class _Unreadable(Exception):
    def __init__(self, source: str, reason: str) -> None:
        super().__init__(reason)
        self.source, self.reason = source, reason


def read_path(path: Path) -> Iterator[Raw | BadRecord]:
    """Records of one file (or of each member of a zip archive); unreadable input comes out as
    a BadRecord instead of an exception."""
    if path.suffix.lower() == ".zip":
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            yield BadRecord(str(path), None, f"not a readable zip archive ({exc})")
            return
        with archive:
            for info in sorted(archive.infolist(), key=lambda i: i.filename):
                if info.is_dir() or Path(info.filename).suffix.lower() not in SUFFIXES[:-1]:
                    continue
                name = f"{path}!{info.filename}"
                if _is_lines(info.filename):
                    with archive.open(info) as member:
                        yield from _read_lines(name, member)
                    continue
                text = archive.read(info).decode("utf-8", errors="replace")
                yield from _safe(name, text, info.file_size)
        return
    try:
        if _is_lines(path.name):
            with path.open("rb") as fh:
                yield from _read_lines(str(path), fh)
            return
        data = path.read_bytes()
    except OSError as exc:
        yield BadRecord(str(path), None, f"cannot be read ({exc.strerror})")
        return
    yield from _safe(str(path), data.decode("utf-8", errors="replace"), len(data))


def _safe(name: str, text: str, size: int) -> Iterator[Raw | BadRecord]:
    try:
        yield from _read_text(name, text, size)
    except _Unreadable as exc:
        yield BadRecord(exc.source, None, exc.reason)


# ----------------------------------------------------------------------------- parsing


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        return f"invalid field {where}: {err['msg']}{more}"
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}"[:300] if not isinstance(exc, InputError) else text[:300]


def parse_raw(raw: Raw, kb: KnowledgeBase) -> Trial | BadRecord:
    """One record to a Trial, or the reason it cannot be one."""
    payload, kind, ident = raw.payload, raw.kind, raw.ident
    try:
        if isinstance(payload, str) and kind == "unknown":
            try:
                payload = json.loads(payload)
            except json.JSONDecodeError as exc:
                return BadRecord(raw.source, None, f"not valid JSON ({exc.msg})")
            kind, ident = _kind_of(payload), _ident(payload)
        if kind == "ctgov_v2":
            from secondopinion.trials.ctgov import parse_ctgov_json

            return parse_ctgov_json(payload, kb)
        if kind == "ctgov_xml":
            from secondopinion.trials.ctgov import parse_ctgov_xml

            return parse_ctgov_xml(payload, kb)
        if kind == "ctml":
            from secondopinion.trials.ctml import parse_ctml

            return parse_ctml(payload, kb)
        return BadRecord(raw.source, ident, "neither a ClinicalTrials.gov study nor a CTML trial")
    except Exception as exc:  # one bad record must never stop the import
        return BadRecord(raw.source, ident, _reason(exc))


_WORKER_KB: KnowledgeBase | None = None


def _init_worker(kb: KnowledgeBase) -> None:
    global _WORKER_KB
    _WORKER_KB = kb


def _parse_chunk(chunk: list[Raw]) -> list[Trial | BadRecord]:
    assert _WORKER_KB is not None
    return [parse_raw(r, _WORKER_KB) for r in chunk]


# ----------------------------------------------------------------------------- importing


Progress = Callable[[int, int, int], None]  # (bytes done, records done, bad records)


def _chunks(paths: Sequence[Path], size: int, report: ImportReport) -> Iterator[list[Raw | BadRecord]]:
    chunk: list[Raw | BadRecord] = []
    for path in paths:
        report.files += 1
        for item in read_path(path):
            chunk.append(item)
            if len(chunk) >= size:
                yield chunk
                chunk = []
    if chunk:
        yield chunk


def _store_batch(store: TrialStore, trials: list[Trial], kb: KnowledgeBase, report: ImportReport) -> None:
    """One transaction for the batch; if it fails, each record alone, so that only the records
    the database refuses are reported (and a database that refuses everything stops the import)."""
    if not trials:
        return
    try:
        report.stored += store.upsert(trials, kb)
        return
    except SQLAlchemyError as batch_error:
        failures = 0
        for t in trials:
            try:
                report.stored += store.upsert([t], kb)
            except SQLAlchemyError as exc:
                failures += 1
                report.bad.append(
                    BadRecord(t.nct_id, t.nct_id, f"could not be stored ({type(exc).__name__})")
                )
        if failures == len(trials):
            raise batch_error


@dataclass(frozen=True)
class _Known:
    """A record the store already holds at this last-update date or later: not parsed again."""

    size: int


_Item = Raw | BadRecord | _Known


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
    for; storing stays in this process, in input order."""
    files = discover(paths)
    if not files:
        raise InputError("no trial files found (.json, .jsonl, .ndjson, .xml, .yaml, .yml or .zip)")
    report = ImportReport()
    done_bytes = 0

    def known(chunk: list[Raw | BadRecord]) -> list[_Item]:
        if force:
            return list(chunk)
        dated = [c for c in chunk if isinstance(c, Raw) and c.ident and c.updated]
        stored = store.last_updates(sorted({c.ident for c in dated if c.ident}))
        out: list[_Item] = []
        for c in chunk:
            if isinstance(c, Raw) and c.ident and c.updated:
                have = stored.get(c.ident)
                if have is not None and c.updated <= have:
                    out.append(_Known(c.size))
                    continue
            out.append(c)
        return out

    def consume(chunk: list[_Item], parsed: list[Trial | BadRecord | None]) -> None:
        nonlocal done_bytes
        trials: list[Trial] = []
        for item, result in zip(chunk, parsed, strict=True):
            done_bytes += 0 if isinstance(item, BadRecord) else item.size
            if isinstance(item, _Known):
                report.records += 1
                report.stored.unchanged += 1
            elif isinstance(result, BadRecord):
                report.bad.append(result)
            elif isinstance(result, Trial):
                trials.append(result)
                report.records += 1
        _store_batch(store, trials, kb, report)
        if progress:
            progress(done_bytes, report.records, len(report.bad))

    def to_parse(chunk: list[_Item]) -> list[Raw]:
        return [c for c in chunk if isinstance(c, Raw)]

    def merge(chunk: list[_Item], parsed: list[Trial | BadRecord]) -> list[Trial | BadRecord | None]:
        it = iter(parsed)
        return [next(it) if isinstance(c, Raw) else c if isinstance(c, BadRecord) else None for c in chunk]

    if workers <= 1:
        for raw_chunk in _chunks(files, batch_size, report):
            chunk = known(raw_chunk)
            consume(chunk, merge(chunk, [parse_raw(r, kb) for r in to_parse(chunk)]))
        return report
    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(kb,)) as pool:
        pending: deque[tuple[list[_Item], Future[list[Trial | BadRecord]]]] = deque()
        for raw_chunk in _chunks(files, batch_size, report):
            chunk = known(raw_chunk)
            pending.append((chunk, pool.submit(_parse_chunk, to_parse(chunk))))
            while len(pending) > 2 * workers:
                done_chunk, future = pending.popleft()
                consume(done_chunk, merge(done_chunk, future.result()))
        while pending:
            done_chunk, future = pending.popleft()
            consume(done_chunk, merge(done_chunk, future.result()))
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
