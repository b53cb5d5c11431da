"""Where drafts and the audit log live: a SQLite file by default, PostgreSQL by URL.

One schema, versioned migrations applied on open under a lock (two processes starting at once
apply each migration once), and explicit write transactions: SQLite takes its write lock at
BEGIN IMMEDIATE, PostgreSQL serialises the few writers that must be ordered (the audit chain)
with transaction-scoped advisory locks (one per audit chain).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, ClassVar, Protocol

from notify.errors import StoreError

Row = dict[str, Any]
MIGRATION_LOCK = 7_236_001  # advisory lock ids: any constant of our own


class Tx(Protocol):
    audit_heads: dict[str, str]  # by chain: the hash of the last audit entry this transaction wrote

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...
    def rowcount(self) -> int: ...
    def lock(self, key: int) -> None: ...


def default_location() -> str:
    """$NOTIFY_DB, else notify.db in $NOTIFY_HOME, else in the user's data directory."""
    if os.environ.get("NOTIFY_DB"):
        return os.environ["NOTIFY_DB"]
    if os.environ.get("NOTIFY_HOME"):
        return str(Path(os.environ["NOTIFY_HOME"]) / "notify.db")
    data = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return str(data / "notify" / "notify.db")


def open_store(location: str | None = None) -> Store:
    location = location or default_location()
    if location.startswith(("postgresql://", "postgres://")):
        return PostgresStore(location)
    if "://" in location:
        raise StoreError(
            f"unsupported store URL {location.split('://')[0]}://",
            hint="use a file path for SQLite or postgresql://user@host/db",
        )
    return SqliteStore(location)


class Store(ABC):
    """A connection plus the migrations; the queries live with what they are about (drafts, audit)."""

    dialect = ""
    location = ""

    @abstractmethod
    def transaction(self) -> AbstractContextManager[Tx]:
        """One transaction, committed on success and rolled back on any error."""

    def read(self) -> AbstractContextManager[Tx]:
        """A context manager for reading only: like transaction(), without waiting for writers where
        the store lets readers run beside them."""
        return self.transaction()

    @abstractmethod
    def close(self) -> None:
        """Close the connection."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _migrate(self) -> None:
        from notify.store.migrations import MIGRATIONS

        with self.transaction() as tx:
            tx.lock(MIGRATION_LOCK)
            tx.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL)")
            done = {row["version"] for row in tx.execute("SELECT version FROM schema_migrations")}
            newest = max(v for v, _, _ in MIGRATIONS)
            if done and max(done) > newest:
                raise StoreError(
                    f"the store has schema version {max(done)}, newer than this notify knows ({newest})",
                    path=self.location,
                    hint="upgrade notify",
                )
            for version, name, steps in MIGRATIONS:
                if version in done:
                    continue
                for statement in steps(self.dialect):
                    if callable(statement):
                        statement(tx)
                    else:
                        tx.execute(statement)
                tx.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", (version, name))


class _SqliteTx:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection
        self._count = 0
        self.audit_heads: dict[str, str] = {}

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        cursor = self._connection.execute(sql, tuple(params))
        self._count = cursor.rowcount
        if cursor.description is None:
            return []
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def rowcount(self) -> int:
        return self._count

    def lock(self, key: int) -> None:
        """Nothing to do: BEGIN IMMEDIATE already holds the database's single write lock."""


class SqliteStore(Store):
    """One file, one writer at a time. Writers queue on a lock for the file (a thread lock within
    this process, an flock on "<file>.lock" across processes) rather than on SQLite's busy
    handler, which sleeps and polls and makes the slowest request very slow."""

    dialect = "sqlite"
    _writers: ClassVar[dict[str, threading.Lock]] = {}
    _writers_guard = threading.Lock()

    def __init__(self, path: str) -> None:
        self.location = path
        with self._writers_guard:
            self._writer = self._writers.setdefault(os.path.abspath(path), threading.Lock())
        target = Path(path)
        self._lock_path = str(target) + ".lock"
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._connection = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
            self._connection.execute("PRAGMA busy_timeout = 30000")
            # switching a new file to WAL does not wait on SQLite's busy handler: two processes
            # opening it at once could get "database is locked"; they take turns on the file lock
            with _file_lock(self._lock_path):
                self._connection.execute("PRAGMA journal_mode = WAL")
            self._connection.execute("PRAGMA foreign_keys = ON")
            self._connection.execute("PRAGMA synchronous = NORMAL")
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(
                f"cannot open the SQLite store: {exc}",
                path=path,
                hint="pass --db PATH or set NOTIFY_DB to a writable place",
            ) from None
        self._migrate()

    @contextmanager
    def transaction(self) -> Iterator[_SqliteTx]:
        with self._writer, _file_lock(self._lock_path):
            try:
                self._connection.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise StoreError(f"the store is busy or unreadable: {exc}", path=self.location) from None
            try:
                yield _SqliteTx(self._connection)
                self._connection.execute("COMMIT")
            except BaseException as exc:
                if self._connection.in_transaction:
                    self._connection.execute("ROLLBACK")
                if isinstance(exc, sqlite3.OperationalError) and "full" in str(exc):
                    raise StoreError(
                        "the disk is full: nothing of this change was stored",
                        path=self.location,
                        hint="free some space and run it again; what was stored before is intact",
                    ) from None
                raise

    @contextmanager
    def read(self) -> Iterator[_SqliteTx]:
        """WAL lets readers see the last commit while a writer works: no need to queue for the lock."""
        self._connection.execute("BEGIN")
        try:
            yield _SqliteTx(self._connection)
        finally:
            self._connection.execute("COMMIT")

    def close(self) -> None:
        self._connection.close()


@contextmanager
def _file_lock(path: str) -> Iterator[None]:
    """An exclusive flock for as long as the block runs; waiting sleeps in the kernel until it is free."""
    try:
        import fcntl
    except ImportError:  # not on this platform: SQLite's own locking still keeps writers apart
        yield
        return
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


class _PostgresTx:
    """In pipeline mode: a statement whose result nobody reads (an INSERT, say) is queued and goes
    to the server with the next one that must be answered, so a write transaction costs a few round
    trips rather than one per statement."""

    def __init__(self, cursor: Any, pipeline: Any = None) -> None:
        self._cursor = cursor
        self._pipeline = pipeline
        self.audit_heads: dict[str, str] = {}

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        self._cursor.execute(sql.replace("?", "%s"), tuple(params))
        if self._pipeline is not None:
            if not _answers(sql):
                return []
            self._pipeline.sync()  # send what is queued and wait for this answer
        if self._cursor.description is None:
            return []
        names = [d.name for d in self._cursor.description]
        return [dict(zip(names, row, strict=True)) for row in self._cursor.fetchall()]

    def rowcount(self) -> int:
        if self._pipeline is not None:
            self._pipeline.sync()
        return int(self._cursor.rowcount)

    def lock(self, key: int) -> None:
        """Queued like a write: the server takes the lock before the next statement runs, and that
        statement's answer brings back both (one round trip instead of two)."""
        self._cursor.execute("SELECT pg_advisory_xact_lock(%s)", (key,))
        if self._pipeline is None:
            self._cursor.fetchall()


def _answers(sql: str) -> bool:
    """Whether a statement returns rows the caller reads."""
    head = sql.lstrip()[:6].upper()
    return head in ("SELECT", "WITH") or " RETURNING " in sql.upper()


class PostgresStore(Store):
    dialect = "postgresql"

    def __init__(self, url: str) -> None:
        try:
            import psycopg
        except ImportError:
            raise StoreError("PostgreSQL needs psycopg: pip install 'notify[postgres]'") from None
        self.location = _redact(url)
        try:
            self._connection = psycopg.connect(url, autocommit=True, connect_timeout=10)  # BEGIN is ours
        except psycopg.Error as exc:
            raise StoreError(
                f"cannot connect to PostgreSQL: {str(exc).strip().splitlines()[0]}", path=self.location
            ) from None
        self._migrate()

    @contextmanager
    def transaction(self) -> Iterator[_PostgresTx]:
        with (
            self._connection.pipeline() as pipeline,
            self._connection.transaction(),
            self._connection.cursor() as cursor,
        ):
            yield _PostgresTx(cursor, pipeline)

    @contextmanager
    def read(self) -> Iterator[_PostgresTx]:
        """Each statement on its own (autocommit): no BEGIN and COMMIT round trips for a lookup."""
        with self._connection.cursor() as cursor:
            yield _PostgresTx(cursor)

    def close(self) -> None:
        self._connection.close()


def _redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    scheme, _, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not at:
        return url
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in credentials else f"{scheme}://{user}@{host}"
