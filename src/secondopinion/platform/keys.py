"""Replacing the platform's data key: every sealed database value, TOTP secret, stored document and
the key check re-encrypted under a new key, all or nothing, across a database and a folder of files.

1. Lock. Every running platform holds the key lock shared (PostgreSQL: a session advisory lock;
   SQLite: flock on `<database>.keylock`); a rotation takes it exclusively, so it refuses while a
   server runs and a server refuses to start while a rotation runs.
2. Stage. The marker `documents/.key-rotation` is written; each document is opened with the old key
   (tag and SHA-256 checked) and written sealed with the new key as `<file>.rotate` beside the old
   file (temp file, fsync, rename). Nothing the platform reads has changed yet.
3. Commit. One database transaction re-seals every sealed column, TOTP secret and pending TOTP
   enrolment, seals the key check (`pf_key_check` row 1) with the new key and records the old key's
   check as row 2, which means "committed, file swap pending".
4. Swap. Each `<file>.rotate` is renamed over its file; then row 2 and the marker are removed.

A failure before the commit leaves the database unchanged and the old files in place; the staged
files are deleted at once or, after a crash, by the next start (the marker without row 2). A crash
after the commit leaves row 2: the next start with the new key renames the remaining staged files,
each checked first to open with the new key, and removes row 2; a start with the old key is refused
with a line saying a rotation is waiting for the new key. An error seen after the commit reached the
database (a lost acknowledgement) keeps the staged files: row 2 says the rotation committed. Platforms
starting together may finish the same rotation at once: a staged file already gone counts as swapped,
and only the one whose delete removed row 2 audits it.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import structlog
from alembic import command
from sqlalchemy import Connection, Engine, Table, bindparam, delete, insert, select, text, update

from secondopinion.errors import InputError
from secondopinion.platform.at_rest import SEALED_SECRETS, document_path, write_durably
from secondopinion.platform.context import KEY_CHECK, Clock, system_clock
from secondopinion.platform.sealing import SealedColumn, reseal, sealed_columns_by_table
from secondopinion.security import audit
from secondopinion.security.crypto import ENV_KEY, ENV_KEY_FILE, IntegrityError, Vault, same_key
from secondopinion.store.db import Base, alembic_config, make_engine, session_factory
from secondopinion.store.platform import KeyCheck
from secondopinion.store.platform_requests import Document

if TYPE_CHECKING:
    from secondopinion.platform.context import Platform
    from secondopinion.platform.settings import PlatformSettings

log = structlog.get_logger("secondopinion.platform.keys")

MARKER = ".key-rotation"
STAGED_SUFFIX = ".rotate"
STAGING_PREFIX = ".rotate-tmp."
CURRENT_ROW, PENDING_ROW = 1, 2
PAGE = 500
_PG_LOCK_ID = 0x5EC0_4E15
# Secrets sealed whole with the data key and bound to "<prefix>:<row id>" (written by accounts.py).


@dataclass(frozen=True)
class Rotated:
    """What a rotation re-encrypted (counts only: the audit event carries these)."""

    sealed_values: int
    totp_secrets: int
    documents: int

    def detail(self) -> dict[str, int]:
        return asdict(self)


# ------------------------------------------------------------------ the key lock


class KeyLock:
    """The key lock as held by one process: released when the platform closes or the process dies
    (a PostgreSQL session ends, a file descriptor closes), so a crash never leaves it stale."""

    def __init__(self, release: Callable[[], None]) -> None:
        self._release: Callable[[], None] | None = release

    def release(self) -> None:
        if self._release is not None:
            release, self._release = self._release, None
            release()


def _sqlite_lock_path(engine: Engine) -> Path | None:
    """Beside the database file; never the file itself (closing another descriptor of an SQLite file
    drops the locks SQLite holds on it)."""
    db = engine.url.database
    if not db or db == ":memory:" or db.startswith("file:"):
        return None
    path = Path(db)
    return path.with_name(path.name + ".keylock")


def hold(engine: Engine, *, exclusive: bool) -> KeyLock | None:
    """Take the key lock without waiting; None when another holder excludes this one."""
    if engine.dialect.name == "postgresql":
        conn = engine.execution_options(isolation_level="AUTOCOMMIT").connect()
        conn.detach()  # a connection of its own, closed (and the lock with it) on release
        fn = "pg_try_advisory_lock" if exclusive else "pg_try_advisory_lock_shared"
        if not conn.scalar(text(f"SELECT {fn}(:k)"), {"k": _PG_LOCK_ID}):
            conn.close()
            return None
        return KeyLock(conn.close)
    path = _sqlite_lock_path(engine)
    if path is None:  # an in-memory database lives and dies with one process
        return KeyLock(lambda: None)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return KeyLock(lambda: os.close(fd))


def hold_for_server(engine: Engine) -> KeyLock:
    """The shared lock a running platform keeps until it closes."""
    lock = hold(engine, exclusive=False)
    if lock is None:
        raise InputError(
            "a data key rotation is running on this database: start the server when it has finished"
        )
    return lock


# ------------------------------------------------------------------ the key check, both keys


def _check_value(conn: Connection, row: int) -> str | None:
    return conn.execute(select(KeyCheck.sealed).where(KeyCheck.id == row)).scalar()


def _opens(vault: Vault, sealed: str | None, row: int) -> bool:
    if sealed is None:
        return False
    try:
        return vault.open_text(sealed, f"pf_key_check:{row}") == KEY_CHECK
    except (IntegrityError, ValueError):
        return False


def _wrong_key(engine: Engine, vault: Vault, which: str) -> InputError:
    """The refusal for a key that does not open the key check, saying so when it is the key that a
    committed but unfinished rotation is replacing."""
    with engine.connect() as conn:
        pending = _check_value(conn, PENDING_ROW)
    if _opens(vault, pending, PENDING_ROW):
        return InputError(
            f"{which} is the one a key rotation replaced; the rotation is waiting to finish: set the new "
            f"key as {ENV_KEY} (or {ENV_KEY_FILE}) and start the platform"
        )
    return InputError(
        f"{which} is not the one this database's data was encrypted with: set the original "
        f"{ENV_KEY} (or {ENV_KEY_FILE})"
    )


def check_on_start(platform: Platform) -> None:
    """At every start with a configured key: check it, then finish or undo an interrupted rotation."""
    try:
        platform.check_key()
    except InputError:
        raise _wrong_key(platform.engine, platform.vault, "the data key") from None
    finish_interrupted(platform.engine, platform.settings.documents_dir, platform.vault, platform.now())


# ------------------------------------------------------------------ document files


def _staged(path: Path) -> Path:
    return path.with_name(path.name + STAGED_SUFFIX)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _documents(engine: Engine) -> list[tuple[str, str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(Document.id, Document.storage_key, Document.sha256).order_by(Document.id)
        ).all()
    return [(r[0], r[1], r[2]) for r in rows]


def _stage(engine: Engine, documents_dir: Path, old: Vault, new: Vault) -> set[str]:
    """Every document re-encrypted beside its file; the files the platform reads stay untouched."""
    documents_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_durably(documents_dir / MARKER, b"a data key rotation is staging files here\n", ".marker.")
    _fsync_dir(documents_dir)
    staged: set[str] = set()
    folders: set[Path] = set()
    for doc_id, key, sha256 in _documents(engine):
        path = document_path(documents_dir, key)
        try:
            data = old.open(path.read_bytes(), f"document:{doc_id}")
        except FileNotFoundError:
            raise IntegrityError(f"document {doc_id}: its stored file is missing") from None
        except OSError as exc:
            raise IntegrityError(
                f"document {doc_id}: its stored file cannot be read ({exc.strerror})"
            ) from None
        except IntegrityError:
            raise IntegrityError(
                f"document {doc_id} does not open with the current data key (changed or damaged)"
            ) from None
        if hashlib.sha256(data).hexdigest() != sha256:
            raise IntegrityError(f"document {doc_id} does not match its recorded checksum")
        write_durably(_staged(path), new.seal(data, f"document:{doc_id}"), STAGING_PREFIX)
        staged.add(doc_id)
        folders.add(path.parent)
    for folder in folders:
        _fsync_dir(folder)
    return staged


def _remove_staged(documents_dir: Path) -> None:
    for pattern in (f"*/*{STAGED_SUFFIX}", f"*/{STAGING_PREFIX}*"):
        for leftover in documents_dir.glob(pattern):
            leftover.unlink(missing_ok=True)


def _abandon(documents_dir: Path) -> None:
    """Undo a rotation that did not commit: its staged files go, the marker last."""
    _remove_staged(documents_dir)
    (documents_dir / MARKER).unlink(missing_ok=True)


def _swap(engine: Engine, documents_dir: Path, new: Vault, *, verify: bool) -> int:
    """Rename each staged file over its document (after a crash, only copies that open with the key
    now in force); returns how many were renamed."""
    swapped = 0
    folders: set[Path] = set()
    for doc_id, key, _ in _documents(engine):
        path = document_path(documents_dir, key)
        staged = _staged(path)
        # A copy that is gone was swapped already: before the interruption, or just now by another
        # process finishing the same rotation (every starting platform holds the lock shared).
        try:
            if verify:
                try:
                    new.open(staged.read_bytes(), f"document:{doc_id}")
                except IntegrityError:
                    raise IntegrityError(
                        f"the re-encrypted copy of document {doc_id} does not open with the data key; "
                        "both files were left in place"
                    ) from None
            os.replace(staged, path)
        except FileNotFoundError:
            continue
        swapped += 1
        folders.add(path.parent)
    for folder in folders:
        _fsync_dir(folder)
    _remove_staged(documents_dir)  # copies of documents no longer in the database
    return swapped


def finish_interrupted(engine: Engine, documents_dir: Path, vault: Vault, now: datetime) -> None:
    """Complete a rotation that committed (row 2 present) or undo one that did not (marker alone).
    `vault` holds the key in force, already checked against row 1."""
    with engine.connect() as conn:
        pending = _check_value(conn, PENDING_ROW) is not None
    marker = documents_dir / MARKER
    if pending:
        swapped = _swap(engine, documents_dir, vault, verify=True)
        if _clear_pending(engine, documents_dir):  # only the process that removed row 2 reports it
            _audit(engine, "key_rotation_finished", {"documents": swapped}, now)
            log.info("key rotation finished", documents=swapped)
    elif marker.exists():
        _abandon(documents_dir)
        log.info("unfinished key rotation undone")


def _clear_pending(engine: Engine, documents_dir: Path) -> bool:
    """Remove row 2 and the marker; True for the one process whose delete removed row 2."""
    with engine.begin() as conn:
        removed = conn.execute(delete(KeyCheck).where(KeyCheck.id == PENDING_ROW)).rowcount == 1
    (documents_dir / MARKER).unlink(missing_ok=True)
    return removed


def _committed(engine: Engine, old: Vault) -> bool | None:
    """Whether this rotation's transaction reached the database (row 2 holds the old key's check);
    None when the database cannot say (e.g. the connection is gone)."""
    try:
        with engine.connect() as conn:
            return _opens(old, _check_value(conn, PENDING_ROW), PENDING_ROW)
    except Exception:
        return None


# ------------------------------------------------------------------ the database transaction


def _reseal_rows(
    conn: Connection,
    table: Table,
    columns: list[str],
    reseal_value: Callable[[str, str, str | None], str | None],
) -> int:
    """Re-seal the given columns of every row, a page at a time (keyset by id) inside the caller's
    transaction; returns how many values were re-sealed."""
    ids = table.c.id
    stmt = update(table).where(ids == bindparam("row_id")).values({c: bindparam(f"v_{c}") for c in columns})
    last: Any = None
    count = 0
    while True:
        page = select(ids, *(table.c[c] for c in columns)).order_by(ids).limit(PAGE)
        rows = conn.execute(page if last is None else page.where(ids > last)).all()
        if not rows:
            return count
        params = []
        for row in rows:
            stored = dict(zip(columns, row[1:], strict=True))
            if not any(stored.values()):
                continue
            params.append(
                {"row_id": row[0], **{f"v_{c}": reseal_value(c, row[0], v) for c, v in stored.items()}}
            )
            count += sum(1 for v in stored.values() if v)
        if params:
            conn.execute(stmt, params)
        last = rows[-1][0]


def _secret_resealer(
    table: str, prefix: str, old: Vault, new: Vault
) -> Callable[[str, str, str | None], str | None]:
    def reseal_secret(column: str, row_id: str, stored: str | None) -> str | None:
        if not stored:
            return stored
        associated = f"{prefix}:{row_id}"
        try:
            return new.seal_text(old.open_text(stored, associated), associated)
        except (IntegrityError, ValueError):
            raise IntegrityError(
                f"{table}.{column} of row {row_id} does not open with the current data key"
            ) from None

    return reseal_secret


def _column_resealer(
    columns: tuple[SealedColumn, ...], old: Vault, new: Vault
) -> Callable[[str, str, str | None], str | None]:
    by_name = {c.column: c for c in columns}
    return lambda column, row_id, stored: reseal(old, new, by_name[column], row_id, stored)


def _commit(engine: Engine, old: Vault, new: Vault, staged: set[str], now: datetime) -> Rotated:
    tables = Base.metadata.tables
    with engine.begin() as conn:
        values = 0
        for name, columns in sealed_columns_by_table().items():
            values += _reseal_rows(
                conn, tables[name], [c.column for c in columns], _column_resealer(columns, old, new)
            )
        secrets = 0
        for name, column, prefix in SEALED_SECRETS:
            secrets += _reseal_rows(conn, tables[name], [column], _secret_resealer(name, prefix, old, new))
        if set(conn.scalars(select(Document.id))) != staged:
            raise InputError("documents were added or removed during the rotation: run it again")
        conn.execute(
            update(KeyCheck)
            .where(KeyCheck.id == CURRENT_ROW)
            .values(sealed=new.seal_text(KEY_CHECK, f"pf_key_check:{CURRENT_ROW}"), created_at=now)
        )
        conn.execute(
            insert(KeyCheck).values(
                id=PENDING_ROW, sealed=old.seal_text(KEY_CHECK, f"pf_key_check:{PENDING_ROW}"), created_at=now
            )
        )
    return Rotated(sealed_values=values, totp_secrets=secrets, documents=len(staged))


# ------------------------------------------------------------------ the rotation


def _audit(engine: Engine, action: str, detail: dict[str, Any], now: datetime, outcome: str = "ok") -> None:
    entry = audit.Entry(action=action, outcome=outcome, object_type="data_key", detail=detail)
    audit.append(session_factory(engine), entry, now, engine=engine)


def rotate(settings: PlatformSettings, new_key: bytes, *, clock: Clock = system_clock) -> Rotated:
    """Re-encrypt everything under `new_key` (the current key is `settings.data_key`). Refuses in one
    line when the key is wrong, the keys are the same or a server is running; any failure before
    the commit leaves the database and the files as they were."""
    if settings.ephemeral_key:
        raise InputError(f"no current data key: set {ENV_KEY} or {ENV_KEY_FILE}")
    if same_key(settings.data_key, new_key):
        raise InputError("the new key is the current key: make another with 'secondopinion keys new'")
    engine = make_engine(settings.database_url)
    try:
        lock = hold(engine, exclusive=True)
        if lock is None:
            raise InputError(
                "the platform is running on this database (or another rotation is): stop every server first"
            )
        try:
            return _rotate_locked(engine, settings, new_key, clock)
        finally:
            lock.release()
    finally:
        engine.dispose()


def _rotate_locked(engine: Engine, settings: PlatformSettings, new_key: bytes, clock: Clock) -> Rotated:
    config = alembic_config(engine)
    config.attributes["data_key"] = settings.data_key
    command.upgrade(config, "heads")
    old, new = Vault(settings.data_key), Vault(new_key)
    with engine.connect() as conn:
        current = _check_value(conn, CURRENT_ROW)
    if current is None:
        raise InputError(
            "this database has no data sealed with a key yet: start the platform once with its key"
        )
    if not _opens(old, current, CURRENT_ROW):
        raise _wrong_key(engine, old, "the current data key")
    documents_dir = settings.documents_dir
    finish_interrupted(engine, documents_dir, old, clock())
    try:
        staged = _stage(engine, documents_dir, old, new)
        counts = _commit(engine, old, new, staged, clock())
    except BaseException as exc:
        # The commit may have reached the database although the client saw an error (a lost
        # acknowledgement, an interrupt): then the staged files are the only copies sealed with the
        # key in force and must stay for the next start to swap in.
        committed = _committed(engine, old)
        if committed is not False:
            log.warning("key rotation interrupted after staging", committed=committed)
            if committed:
                try:
                    _audit(engine, "key_rotated", {}, clock())
                except Exception:
                    log.warning("the committed key rotation could not be audited")
                raise IntegrityError(
                    "the rotation committed; start the platform with the new key to finish it"
                ) from exc
            raise IntegrityError(
                "the rotation was interrupted and the database cannot say whether it committed: start the "
                "platform with the new key (or, if that is refused, the current one) to finish or undo it"
            ) from exc
        _abandon(documents_dir)
        try:
            _audit(engine, "key_rotated", {}, clock(), outcome="failed")
        except Exception:  # the rotation's own error is the one to report
            log.warning("the failed key rotation could not be audited")
        raise
    _audit(engine, "key_rotated", counts.detail(), clock())
    try:
        _swap(engine, documents_dir, new, verify=False)
        _clear_pending(engine, documents_dir)
    except OSError as exc:
        raise IntegrityError(
            f"the new key is in force but the document files were not all swapped ({exc.strerror}): start "
            "the platform with the new key to finish"
        ) from exc
    return counts
