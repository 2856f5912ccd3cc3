"""The batch ledger: what has been converted into an output folder, in SQLite.

One row per input path: the sha256 of its bytes and the settings key it was
converted with, and what came of it (status, error, outputs and their sha256).
A re-run skips an input whose bytes and settings are unchanged; the manifest and
the catalogue are written from the ledger, so they describe the whole folder.
"""
from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from .convert import DocResult

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
    finished_at   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_id ON documents(id);
"""


class Ledger:
    def __init__(self, out_root: Path) -> None:
        self.path = out_root / LEDGER_NAME
        self.db = sqlite3.connect(self.path, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(_SCHEMA)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Ledger":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def lookup(self, shown: str) -> DocResult | None:
        row = self.db.execute("SELECT * FROM documents WHERE input = ?", (shown,)).fetchone()
        return _result(row) if row else None

    def key_of(self, shown: str) -> tuple[str | None, str] | None:
        row = self.db.execute("SELECT input_sha256, settings_key FROM documents WHERE input = ?",
                              (shown,)).fetchone()
        return (row[0], row[1]) if row else None

    def record(self, result: DocResult, settings_key: str) -> None:
        """Store a result; committed at once, so a kill loses at most the work in flight."""
        self.db.execute(
            "INSERT OR REPLACE INTO documents VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (result.input, result.input_sha256, settings_key, result.id, result.status,
             result.error, json.dumps(result.outputs), json.dumps(result.sha256), result.title,
             json.dumps(result.meta, ensure_ascii=False),
             json.dumps(result.warnings, ensure_ascii=False), result.seconds,
             datetime.now(timezone.utc).isoformat(timespec="seconds")))
        self.db.commit()

    def id_in_use(self, doc_id: str) -> bool:
        """Whether some input's current, successful outputs live in folder ``doc_id``."""
        return self.db.execute("SELECT 1 FROM documents WHERE id = ? AND status = 'ok' LIMIT 1",
                               (doc_id,)).fetchone() is not None

    def all(self) -> list[DocResult]:
        return [_result(r) for r in self.db.execute("SELECT * FROM documents ORDER BY input")]


def _result(row: tuple) -> DocResult:
    (input_, input_sha, _key, id_, status, error, outputs, sha, title, meta, warnings, seconds,
     _at) = row
    return DocResult(input=input_, id=id_, status=status, error=error,
                     outputs=json.loads(outputs), sha256=json.loads(sha), input_sha256=input_sha,
                     title=title, meta=json.loads(meta), warnings=json.loads(warnings),
                     seconds=seconds or 0.0)
