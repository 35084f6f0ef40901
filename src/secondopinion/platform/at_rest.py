"""What the platform keeps sealed outside the sealed columns, and where: TOTP secrets (sealed
whole, bound to their row) and document files (one file per document, sealed whole). The service
(accounts.py, documents.py), the key check at start (context.py) and the key rotation (keys.py)
all read these from here, so the layout is written once.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

# (table, column, binding prefix): a secret in `column` of row `id` is sealed as f"{prefix}:{id}".
SEALED_SECRETS = (("pf_users", "totp_secret", "totp"), ("pf_sessions", "totp_setup_secret", "totp-setup"))


def document_path(documents_dir: Path, storage_key: str) -> Path:
    """Where a document's sealed file lives: fanned out by the key's first two characters."""
    return documents_dir / storage_key[:2] / storage_key


def write_durably(path: Path, data: bytes, prefix: str) -> None:
    """The whole file or nothing: written beside its final name, flushed to disk, then renamed
    over it; a failure leaves no temporary file behind."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=prefix)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
