"""Real databases for tests: an SQLite file, and a throwaway PostgreSQL server on loopback.

The PostgreSQL server is started once per test process from the Debian binaries (as the
`postgres` user when running as root, since initdb refuses root) and stopped at exit.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from tests.servers import free_port


def _pg_bin() -> Path | None:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]))
    return versions[-1].parent if versions else None


@dataclass
class PostgresServer:
    root: Path
    port: int
    bin: Path
    _counter: itertools.count = field(default_factory=itertools.count)

    def _as_postgres(self, *cmd: str) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else list(cmd)

    def new_database(self) -> str:
        """A fresh, empty database owned by the test role; returns its SQLAlchemy URL."""
        name = f"t{os.getpid()}_{next(self._counter)}"
        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="so", password="so", dbname="so", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}" OWNER so')
        return f"postgresql+psycopg://so:so@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        subprocess.run(
            self._as_postgres(
                str(self.bin / "pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate", "stop"
            ),
            capture_output=True,
            check=False,
        )
        shutil.rmtree(self.root.parent, ignore_errors=True)


def start_postgres() -> PostgresServer | None:
    """Start a private server, or return None when PostgreSQL is not installed here."""
    pg_bin = _pg_bin()
    if pg_bin is None:
        return None
    top = Path(tempfile.mkdtemp(prefix="so-pg-"))
    top.chmod(0o755)
    root = top / "pg"
    root.mkdir(mode=0o700)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    server = PostgresServer(root=root, port=free_port(), bin=pg_bin)
    run = server._as_postgres
    subprocess.run(
        run(
            str(pg_bin / "initdb"),
            "-D",
            str(root / "data"),
            "-U",
            "postgres",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
        ),
        check=True,
        capture_output=True,
    )
    options = f"-c listen_addresses=127.0.0.1 -p {server.port} -k {root} -c fsync=off -c full_page_writes=off"
    subprocess.run(
        run(
            str(pg_bin / "pg_ctl"),
            "-D",
            str(root / "data"),
            "-l",
            str(root / "server.log"),
            "-w",
            "-t",
            "30",
            "-o",
            options,
            "start",
        ),
        check=True,
        capture_output=True,
    )
    subprocess.run(
        run(
            "psql",
            "-h",
            str(root),
            "-p",
            str(server.port),
            "-U",
            "postgres",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            "CREATE ROLE so LOGIN CREATEDB PASSWORD 'so';",
            "-c",
            "CREATE DATABASE so OWNER so;",
        ),
        check=True,
        capture_output=True,
    )
    return server
