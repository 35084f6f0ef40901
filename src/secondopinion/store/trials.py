"""The trial store: trial records, the cancer-type keys they are filed under, full-text search.

Upserts are idempotent: a record is identified by its NCT id (or CTML protocol number); a stored
record is replaced only when the incoming one differs and is not older (by its last-update date).
A batch is one transaction, so an import never leaves half a batch behind. Candidate queries
narrow a registry of hundreds of thousands of studies to the open trials filed under the case's
cancer type (and its broader and narrower types), its setting, age and sex; the matcher does the
criterion-by-criterion work on those.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import cast

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    delete,
    func,
    inspect,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Mapped, mapped_column

from secondopinion.case import Case
from secondopinion.knowledge.schema import KnowledgeBase
from secondopinion.review.normalise import normalise
from secondopinion.store.db import Base, make_engine, migrate, session_factory, transaction
from secondopinion.trials.match_keys import (
    case_cancer_keys,
    case_setting,
    is_open,
    trial_cancer_keys,
    trial_setting,
)
from secondopinion.trials.model import Trial


class TrialRecord(Base):
    """One trial. `record` holds the parsed Trial (criteria, arms, sites) as JSON, without the
    eligibility text, which has its own column for the full-text index."""

    __tablename__ = "trials"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    nct_id: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(40))
    open: Mapped[bool] = mapped_column(Boolean, index=True)
    setting: Mapped[str | None] = mapped_column(String(20))
    min_age: Mapped[float | None] = mapped_column(Float)
    max_age: Mapped[float | None] = mapped_column(Float)
    sex: Mapped[str] = mapped_column(String(8))
    conditions: Mapped[str] = mapped_column(Text)
    eligibility_text: Mapped[str] = mapped_column(Text)
    last_update: Mapped[date | None] = mapped_column(Date)
    source_format: Mapped[str] = mapped_column(String(16))
    content_hash: Mapped[str] = mapped_column(String(64))
    record: Mapped[str] = mapped_column(Text)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TrialCancerKey(Base):
    __tablename__ = "trial_cancer_keys"
    __table_args__ = (Index("ix_trial_cancer_keys_key_trial", "key", "trial_id"),)

    trial_id: Mapped[int] = mapped_column(ForeignKey("trials.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)


_TRIALS = cast(Table, TrialRecord.__table__)
_KEYS = cast(Table, TrialCancerKey.__table__)


@dataclass
class UpsertResult:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def __iadd__(self, other: UpsertResult) -> UpsertResult:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged
        return self


@dataclass(frozen=True)
class SearchHit:
    nct_id: str
    title: str
    status: str
    rank: float


@dataclass(frozen=True)
class PreparedTrial:
    """A trial as the store writes it: column values and index keys, computed without the
    database (import workers prepare these, so only plain values cross between processes)."""

    nct_id: str
    last_update: date | None
    row: dict[str, object]
    keys: list[str]


def prepare(trial: Trial, kb: KnowledgeBase) -> PreparedTrial:
    record = trial.model_dump_json(exclude={"eligibility_text"}, exclude_defaults=True)
    digest = hashlib.sha256(record.encode() + b"\0" + trial.eligibility_text.encode()).hexdigest()
    row: dict[str, object] = {
        "nct_id": trial.nct_id,
        "title": trial.title,
        "status": trial.status[:40],
        "open": is_open(trial.status),
        "setting": trial_setting(trial),
        "min_age": trial.min_age,
        "max_age": trial.max_age,
        "sex": trial.sex,
        "conditions": "; ".join(trial.conditions),
        "eligibility_text": trial.eligibility_text,
        "last_update": trial.last_update,
        "source_format": trial.source_format,
        "content_hash": digest,
        "record": record,
    }
    return PreparedTrial(trial.nct_id, trial.last_update, row, trial_cancer_keys(trial, kb))


def _fts_query(query: str) -> str:
    """Words as quoted FTS5 terms (all must appear): user punctuation never reaches FTS syntax."""
    words = re.findall(r"\w+", query.lower())
    return " ".join(f'"{w}"' for w in words)


class TrialStore:
    """Repository over the trial tables of one database (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = session_factory(engine)

    @classmethod
    def open(cls, url: str | None = None) -> TrialStore:
        """Open (creating or upgrading the schema as needed) the database at `url`."""
        engine = make_engine(url)
        migrate(engine)
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    # -- writing ------------------------------------------------------------------------------

    def upsert(self, trials: Sequence[Trial], kb: KnowledgeBase) -> UpsertResult:
        """Insert new trials and replace changed ones, in one transaction."""
        return self.upsert_prepared([prepare(t, kb) for t in trials])

    def upsert_prepared(self, items: Sequence[PreparedTrial]) -> UpsertResult:
        """Insert new trials and replace changed ones, in one transaction. Within a batch the
        newest version of a repeated id wins (the later one on a tie)."""
        now = datetime.now(UTC)
        latest: dict[str, PreparedTrial] = {}
        for t in items:
            seen = latest.get(t.nct_id)
            if seen is None or (t.last_update or date.min) >= (seen.last_update or date.min):
                latest[t.nct_id] = t
        result = UpsertResult(unchanged=len(items) - len(latest))
        if not latest:
            return result
        prepared = {nct: ({**t.row, "imported_at": now}, t.keys) for nct, t in latest.items()}
        with transaction(self._sessions) as session:
            existing = {
                nct: (tid, last, digest)
                for tid, nct, last, digest in session.execute(
                    select(
                        TrialRecord.id, TrialRecord.nct_id, TrialRecord.last_update, TrialRecord.content_hash
                    ).where(TrialRecord.nct_id.in_(list(prepared)))
                )
            }
            to_insert: list[tuple[dict[str, object], list[str]]] = []
            to_update: list[tuple[int, dict[str, object], list[str]]] = []
            for nct in sorted(prepared):
                row, keys = prepared[nct]
                if nct not in existing:
                    to_insert.append((row, keys))
                    continue
                tid, stored_update, digest = existing[nct]
                incoming = row["last_update"]
                # An undated record never replaces a dated one: nothing says it is newer.
                older = stored_update is not None and (
                    not isinstance(incoming, date) or incoming < stored_update
                )
                if digest == row["content_hash"] or older:
                    result.unchanged += 1
                else:
                    to_update.append((tid, row, keys))
            key_rows: list[dict[str, object]] = []
            if to_insert:
                # Core executemany, then one query for the new ids: far cheaper than RETURNING per row.
                session.execute(_TRIALS.insert(), [row for row, _ in to_insert])
                new_ids = dict(
                    session.execute(
                        select(TrialRecord.nct_id, TrialRecord.id).where(
                            TrialRecord.nct_id.in_([str(row["nct_id"]) for row, _ in to_insert])
                        )
                    ).all()
                )
                for row, keys in to_insert:
                    key_rows += [{"trial_id": new_ids[str(row["nct_id"])], "key": k} for k in keys]
            if to_update:
                session.execute(update(TrialRecord), [{"id": tid, **row} for tid, row, _ in to_update])
                stale = [tid for tid, _, _ in to_update]
                session.execute(delete(TrialCancerKey).where(TrialCancerKey.trial_id.in_(stale)))
                for tid, _, keys in to_update:
                    key_rows += [{"trial_id": tid, "key": k} for k in keys]
            if key_rows:
                session.execute(_KEYS.insert(), key_rows)
        result.inserted += len(to_insert)
        result.updated += len(to_update)
        return result

    # -- reading ------------------------------------------------------------------------------

    def get(self, nct_id: str) -> Trial | None:
        with self._sessions() as session:
            row = session.execute(
                select(TrialRecord.record, TrialRecord.eligibility_text).where(TrialRecord.nct_id == nct_id)
            ).first()
        if row is None:
            return None
        trial = Trial.model_validate_json(row[0])
        trial.eligibility_text = row[1]
        return trial

    def last_updates(self, nct_ids: Sequence[str]) -> dict[str, date | None]:
        """Stored last-update dates of those ids that are stored (lets an import skip parsing
        records it already holds)."""
        if not nct_ids:
            return {}
        with self._sessions() as session:
            rows = session.execute(
                select(TrialRecord.nct_id, TrialRecord.last_update).where(
                    TrialRecord.nct_id.in_(list(nct_ids))
                )
            ).all()
        return {nct: last for nct, last in rows}

    def nct_ids(self) -> list[str]:
        """Every stored id, in order."""
        with self._sessions() as session:
            return list(session.scalars(select(TrialRecord.nct_id).order_by(TrialRecord.nct_id)))

    def count(self, open_only: bool = False) -> int:
        query = select(func.count()).select_from(TrialRecord)
        if open_only:
            query = query.where(TrialRecord.open.is_(True))
        with self._sessions() as session:
            return int(session.scalar(query) or 0)

    def snapshot_date(self) -> date | None:
        """The newest last-update date among stored records: how current the store is."""
        with self._sessions() as session:
            return session.scalar(select(func.max(TrialRecord.last_update)))

    def candidates(self, case: Case, kb: KnowledgeBase, open_only: bool = True) -> list[Trial]:
        """Trials worth evaluating for the case, ordered by id: filed under its cancer type (or a
        broader, narrower or generic basket type), open to enrolment, and not excluded outright
        by setting, age or sex. Empty when the case names no cancer type the knowledge base knows."""
        case = normalise(case, kb)
        keys = case_cancer_keys(case, kb)
        if not keys:
            return []
        ids = select(TrialCancerKey.trial_id).where(TrialCancerKey.key.in_(keys))
        query = select(TrialRecord.record).where(TrialRecord.id.in_(ids))
        if open_only:
            query = query.where(TrialRecord.open.is_(True))
        if setting := case_setting(case):
            query = query.where(or_(TrialRecord.setting.is_(None), TrialRecord.setting == setting))
        if (age := case.patient.age) is not None:
            query = query.where(or_(TrialRecord.min_age.is_(None), TrialRecord.min_age <= age))
            query = query.where(or_(TrialRecord.max_age.is_(None), TrialRecord.max_age >= age))
        if case.patient.sex in ("female", "male"):
            query = query.where(TrialRecord.sex.in_(["all", case.patient.sex]))
        with self._sessions() as session:
            records = session.scalars(query.order_by(TrialRecord.nct_id)).all()
        return [Trial.model_validate_json(r) for r in records]

    def search(self, query: str, limit: int = 20) -> list[SearchHit]:
        """Full-text search over titles, conditions and eligibility text, best first."""
        if self.engine.dialect.name == "postgresql":
            sql = text(
                "SELECT nct_id, title, status, ts_rank(search_vector, q) AS rank "
                "FROM trials, websearch_to_tsquery('english', :q) AS q "
                "WHERE search_vector @@ q ORDER BY rank DESC, nct_id LIMIT :n"
            )
            params: dict[str, object] = {"q": query, "n": limit}
            sign = 1.0
        else:
            terms = _fts_query(query)
            if not terms:
                return []
            sql = text(
                "SELECT t.nct_id, t.title, t.status, bm25(trials_fts, 10.0, 5.0, 1.0) AS rank "
                "FROM trials_fts JOIN trials AS t ON t.id = trials_fts.rowid "
                "WHERE trials_fts MATCH :q ORDER BY rank, t.nct_id LIMIT :n"
            )
            params, sign = {"q": terms, "n": limit}, -1.0  # bm25: lower is better
        with self.engine.connect() as conn:
            rows = conn.execute(sql, params).all()
        return [SearchHit(r[0], r[1], r[2], round(sign * float(r[3]), 6)) for r in rows]


def existing_trial_store(url: str) -> TrialStore | None:
    """The store at `url` if it already holds trials; never creates a database or a file."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and (
        not parsed.database or parsed.database == ":memory:" or not Path(parsed.database).is_file()
    ):
        return None
    engine = make_engine(url)
    try:
        if not inspect(engine).has_table("trials"):
            engine.dispose()
            return None
        store = TrialStore(engine)
        if store.count() == 0:
            store.close()
            return None
        return store
    except Exception:
        engine.dispose()
        raise
