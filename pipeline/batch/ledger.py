"""The batch ledger: what has been converted into an output folder, in SQLite.

One row per input path: the sha256 of its bytes and the settings key it was
converted with, and what came of it (status, error, outputs and their sha256).
A re-run skips an input whose bytes and settings are unchanged; the manifest and
the catalogue are written from the ledger, so they describe the whole folder.

Inputs with the same bytes share one conversion: one row holds it, the others are
copies of that row naming it in ``duplicate_of`` (see ``batch.plan_batch``).

The ledger is an index, not the truth: each record folder carries its own
``record.json``, and the ledger is checked against the folders at the start of
every run and rebuilt from them (and the manifest) when it is lost
(``repair.py``).  Every row read is validated before anything uses it: an id that
is not a record id, or an output path that is not ``<id>/<file name>``, makes the
ledger *damaged* (one line, never a path built from it).
"""
from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from ..convert import DocResult
from ..errors import FAULTS
from .record import valid_id, valid_output

LEDGER_NAME = ".govdoc-ledger.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    input         TEXT PRIMARY KEY,
    input_sha256  TEXT,
    settings_key  TEXT NOT NULL,
    id            TEXT,
    status        TEXT NOT NULL,
    error         TEXT,
    outputs       TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    title         TEXT,
    meta          TEXT NOT NULL,
    warnings      TEXT NOT NULL,
    seconds       REAL,
    finished_at   TEXT NOT NULL,
    duplicate_of  TEXT,
    fault         TEXT,
    last_attempt  TEXT,
    content_digest TEXT,
    origin        TEXT,
    resources     TEXT
);
CREATE INDEX IF NOT EXISTS documents_id ON documents(id);
"""
#: Made after the columns an older ledger lacks are added.
_INDEXES = "CREATE INDEX IF NOT EXISTS documents_content ON documents(content_digest);"
#: Columns read back into a DocResult, in ``_result``'s order.
_FIELDS = ("input", "input_sha256", "id", "status", "error", "outputs", "sha256", "title",
           "meta", "warnings", "seconds", "duplicate_of", "fault", "last_attempt",
           "content_digest", "origin", "resources")
_SELECT = f"SELECT {', '.join(_FIELDS)} FROM documents"
#: Columns added since the first ledgers, added to an older ledger when it is opened.
_ADDED = ("duplicate_of", "fault", "last_attempt", "content_digest", "origin", "resources")
STATUSES = ("ok", "partial", "failed")


class LedgerDamaged(Exception):
    """The ledger cannot be read or holds rows that cannot be trusted (one line)."""


class Ledger:
    """``OUT/.govdoc-ledger.sqlite``.  ``created`` tells whether it was missing."""

    def __init__(self, out_root: Path) -> None:
        self.path = out_root / LEDGER_NAME
        self.created = not self.path.exists()
        if self.created:  # a write-ahead log without its database belongs to nothing
            for suffix in ("-wal", "-shm"):
                self.path.with_name(self.path.name + suffix).unlink(missing_ok=True)
        try:
            self.db = sqlite3.connect(self.path, timeout=30)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(_SCHEMA)
            columns = {row[1] for row in self.db.execute("PRAGMA table_info(documents)")}
            for column in _ADDED:  # a ledger written by an older version
                if column not in columns:
                    self.db.execute(f"ALTER TABLE documents ADD COLUMN {column} TEXT")
            self.db.execute(_INDEXES)
            self.db.commit()
            self.db.execute("SELECT count(*) FROM documents").fetchone()
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError) and not _damage(exc):
                raise  # locked, disk full, I/O: the machine's trouble, not the ledger's
            raise LedgerDamaged(self._damaged(" ".join(str(exc).split()))) from None

    def _damaged(self, why: str) -> str:
        return (f"{self.path}: the ledger is damaged ({why}); move it aside "
                f"(mv '{self.path}' '{self.path}.damaged') and run the same command again: "
                f"the ledger is rebuilt from manifest.json and the record folders")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Ledger":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        try:
            return self.db.execute(sql, params).fetchall()
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError) and not _damage(exc):
                raise
            raise LedgerDamaged(self._damaged(" ".join(str(exc).split()))) from None

    def _read(self, row: tuple) -> DocResult:
        try:
            return _result(row)
        except (ValueError, TypeError, KeyError) as exc:
            raise LedgerDamaged(self._damaged(f"the row of {row[0]!r}: {exc}")) from None

    def lookup(self, shown: str) -> DocResult | None:
        rows = self._rows(f"{_SELECT} WHERE input = ?", (shown,))
        return self._read(rows[0]) if rows else None

    def record(self, result: DocResult, settings_key: str) -> None:
        """Store a result; committed at once, so a kill loses at most the work in flight."""
        self.db.execute(
            "INSERT OR REPLACE INTO documents (input, input_sha256, settings_key, id, status, "
            "error, outputs, sha256, title, meta, warnings, seconds, finished_at, duplicate_of, "
            "fault, last_attempt, content_digest, origin, resources) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (result.input, result.input_sha256, settings_key, result.id, result.status,
             result.error, json.dumps(result.outputs), json.dumps(result.sha256), result.title,
             json.dumps(result.meta, ensure_ascii=False),
             json.dumps(result.warnings, ensure_ascii=False), result.seconds,
             datetime.now(timezone.utc).isoformat(timespec="seconds"), result.duplicate_of,
             result.fault,
             json.dumps(result.last_attempt, ensure_ascii=False) if result.last_attempt else None,
             result.content_digest,
             json.dumps(result.origin or {}, ensure_ascii=False),
             json.dumps(result.resources or [], ensure_ascii=False)))
        self.db.commit()

    def id_in_use(self, doc_id: str) -> bool:
        """Whether some input's current record (ok or partial) lives in folder ``doc_id``."""
        return bool(self._rows("SELECT 1 FROM documents WHERE id = ? AND status IN "
                               "('ok', 'partial') LIMIT 1", (doc_id,)))

    def with_id(self, doc_id: str) -> list[DocResult]:
        """Every row naming folder ``doc_id`` (a record and its copies, or failures)."""
        return [self._read(r) for r in self._rows(f"{_SELECT} WHERE id = ? ORDER BY input",
                                                  (doc_id,))]

    def all(self) -> list[DocResult]:
        return [self._read(r) for r in self._rows(f"{_SELECT} ORDER BY input")]

    def keyed(self) -> dict[str, tuple[DocResult, str]]:
        """Every row as input -> (result, settings key): what a batch plans its run from."""
        rows = self._rows(f"SELECT {', '.join(_FIELDS)}, settings_key FROM documents")
        return {r[0]: (self._read(r[:-1]), r[-1]) for r in rows}


def _damage(exc: sqlite3.OperationalError) -> bool:
    """Whether an OperationalError says the file is damaged (not busy, full or unreadable)."""
    text = str(exc).lower()
    return "malformed" in text or "no such table" in text or "no such column" in text \
        or "not a database" in text or "corrupt" in text


def _result(row: tuple) -> DocResult:
    """A row as a DocResult, validated: ids and paths from here are safe to build paths from."""
    (input_, input_sha, id_, status, error, outputs, sha, title, meta, warnings, seconds,
     duplicate_of, fault, last_attempt, content, origin, resources) = row
    if not isinstance(input_, str) or status not in STATUSES:
        raise ValueError(f"status {status!r} is not one of {', '.join(STATUSES)}")
    if id_ is not None and not valid_id(id_):
        raise ValueError(f"id {id_!r} is not a record id")
    outputs, sha = json.loads(outputs), json.loads(sha)
    if not isinstance(outputs, dict) or not isinstance(sha, dict):
        raise ValueError("outputs are not a mapping")
    for kind, rel in outputs.items():
        if not valid_output(id_, kind, rel):
            raise ValueError(f"output {rel!r} is not a file of record {id_!r}")
    if fault is not None and fault not in FAULTS:
        raise ValueError(f"fault {fault!r} is unknown")
    return DocResult(input=input_, id=id_, status=status, error=error,
                     outputs=outputs, sha256=sha, input_sha256=input_sha,
                     title=title, meta=json.loads(meta), warnings=json.loads(warnings),
                     duplicate_of=duplicate_of, seconds=seconds or 0.0, fault=fault,
                     last_attempt=json.loads(last_attempt) if last_attempt else None,
                     content_digest=content,
                     origin=json.loads(origin) if origin else {},
                     resources=json.loads(resources) if resources else [])
