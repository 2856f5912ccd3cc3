"""The batch ledger: what has been converted into an output folder, in SQLite.

One row per input path: the sha256 of its bytes and the settings key it was
converted with, and what came of it (status, error, outputs and their sha256).
A re-run skips an input whose bytes and settings are unchanged; the manifest and
the catalogue are written from the ledger, so they describe the whole folder.

Inputs with the same bytes share one conversion: one row holds it, the others are
copies of that row naming it in ``duplicate_of`` (see ``batch.plan_batch``).
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
    finished_at   TEXT NOT NULL,
    duplicate_of  TEXT
);
CREATE INDEX IF NOT EXISTS documents_id ON documents(id);
"""
#: Columns read back into a DocResult, in ``_result``'s order.
_FIELDS = ("input", "input_sha256", "id", "status", "error", "outputs", "sha256", "title",
           "meta", "warnings", "seconds", "duplicate_of")
_SELECT = f"SELECT {', '.join(_FIELDS)} FROM documents"


class Ledger:
    def __init__(self, out_root: Path) -> None:
        self.path = out_root / LEDGER_NAME
        self.db = sqlite3.connect(self.path, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(_SCHEMA)
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(documents)")}
        if "duplicate_of" not in columns:  # a ledger written before duplicates were shared
            self.db.execute("ALTER TABLE documents ADD COLUMN duplicate_of TEXT")
            self.db.commit()

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Ledger":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def lookup(self, shown: str) -> DocResult | None:
        row = self.db.execute(f"{_SELECT} WHERE input = ?", (shown,)).fetchone()
        return _result(row) if row else None

    def record(self, result: DocResult, settings_key: str) -> None:
        """Store a result; committed at once, so a kill loses at most the work in flight."""
        self.db.execute(
            "INSERT OR REPLACE INTO documents (input, input_sha256, settings_key, id, status, "
            "error, outputs, sha256, title, meta, warnings, seconds, finished_at, duplicate_of) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (result.input, result.input_sha256, settings_key, result.id, result.status,
             result.error, json.dumps(result.outputs), json.dumps(result.sha256), result.title,
             json.dumps(result.meta, ensure_ascii=False),
             json.dumps(result.warnings, ensure_ascii=False), result.seconds,
             datetime.now(timezone.utc).isoformat(timespec="seconds"), result.duplicate_of))
        self.db.commit()

    def id_in_use(self, doc_id: str) -> bool:
        """Whether some input's current, successful outputs live in folder ``doc_id``."""
        return self.db.execute("SELECT 1 FROM documents WHERE id = ? AND status = 'ok' LIMIT 1",
                               (doc_id,)).fetchone() is not None

    def all(self) -> list[DocResult]:
        return [_result(r) for r in self.db.execute(f"{_SELECT} ORDER BY input")]

    def keyed(self) -> dict[str, tuple[DocResult, str]]:
        """Every row as input -> (result, settings key): what a batch plans its run from."""
        rows = self.db.execute(f"SELECT {', '.join(_FIELDS)}, settings_key FROM documents")
        return {r[0]: (_result(r[:-1]), r[-1]) for r in rows}


def _result(row: tuple) -> DocResult:
    (input_, input_sha, id_, status, error, outputs, sha, title, meta, warnings, seconds,
     duplicate_of) = row
    return DocResult(input=input_, id=id_, status=status, error=error,
                     outputs=json.loads(outputs), sha256=json.loads(sha), input_sha256=input_sha,
                     title=title, meta=json.loads(meta), warnings=json.loads(warnings),
                     duplicate_of=duplicate_of, seconds=seconds or 0.0)
