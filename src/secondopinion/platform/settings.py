"""Platform configuration, read once from the environment at start."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from secondopinion.errors import InputError
from secondopinion.security import crypto
from secondopinion.store.db import ENV_HOME, ENV_URL

ENV_THREADS = "SECONDOPINION_THREADS"


@dataclass(frozen=True)
class PlatformSettings:
    """Everything the platform needs to run. `data_key` encrypts documents, TOTP secrets and the
    health information in the database; an `ephemeral_key` (made up because none was configured)
    is never used to encrypt existing data or checked against the database."""

    database_url: str
    data_dir: Path
    data_key: bytes = field(repr=False)
    demo: bool = False
    ephemeral_key: bool = False
    session_idle_minutes: int = 30
    max_upload_bytes: int = 20 * 1024 * 1024
    turnaround_business_days: int = 5
    account_lock_after: int = 5
    ip_lock_after: int = 20
    lock_minutes: int = 15
    max_followup_questions: int = 3
    # Requests a server process works on at once in its thread pool (the web framework's default is
    # 40). Python runs one thread at a time, so beyond the few that wait on the database more threads
    # only add switching; under load they cost CPU and latency. Slow work (OCR of an upload) holds
    # one thread for its duration.
    threads: int = 8

    @classmethod
    def from_env(
        cls, *, demo: bool = False, environ: Mapping[str, str] | None = None, require_key: bool = True
    ) -> PlatformSettings:
        """Settings from SECONDOPINION_* variables. Outside demo mode a data key is required (tools
        that never decrypt, like the audit verifier, pass require_key=False); demo mode uses a
        fresh temporary folder, database and key that die with the process."""
        env = os.environ if environ is None else environ
        key = crypto.load_key(env)
        if demo:
            home = Path(tempfile.mkdtemp(prefix="secondopinion-demo-"))
            return cls(
                database_url=f"sqlite:///{home / 'demo.db'}",
                data_dir=home,
                data_key=key or crypto.ephemeral_key(),
                demo=True,
                ephemeral_key=key is None,
            )
        ephemeral = key is None and not require_key
        if ephemeral:
            key = crypto.ephemeral_key()
        if key is None:
            raise InputError(
                f"no data key: set {crypto.ENV_KEY} or {crypto.ENV_KEY_FILE} (documents are encrypted "
                "at rest), or try the platform with 'secondopinion serve --demo'"
            )
        home = Path(env.get(ENV_HOME, str(Path.home() / ".secondopinion")))
        url = env.get(ENV_URL) or f"sqlite:///{home / 'secondopinion.db'}"
        threads = env.get(ENV_THREADS, "8")
        if not threads.isdigit() or not 1 <= int(threads) <= 200:
            raise InputError(f"{ENV_THREADS} must be a whole number from 1 to 200")
        return cls(
            database_url=url, data_dir=home, data_key=key, ephemeral_key=ephemeral, threads=int(threads)
        )

    @property
    def documents_dir(self) -> Path:
        """Outside any web root: served only through the permission-checked API."""
        return self.data_dir / "documents"
