"""A web archive's index: every record's URL, status, type and offset, in SQLite.

Why an index on disk and not in memory: a crawl of a portal holds hundreds of
thousands of records; the batch's process lists the pages from the index, and
each worker (a local process, or a Dask worker that sees the same folders) looks
up the pictures and attachments of its page there, by URL, then reads each from
the archive by offset.  Payloads are never held: the memory of the batch does not
grow with the archive.

The index is built by one pass over the archive (``warc.scan``) into
``OUT/.govdoc-archives/<key>.sqlite`` and kept: a re-run over an unchanged
archive (same size, time and inode) reads no WARC byte to plan its work.

What is a page: a response (or resource) record of status 200 whose content is
HTML, and a revisit record resolved to such an original (the revisit's own URL,
date and record id; the original's payload).  Everything else is counted, with
its reason, for the summary: redirects (followed when a picture or attachment is
looked up, inside the archive only), other statuses (404, 500, …), and the
records that are not HTML (pictures, attachments, stylesheets), kept for lookups.
"""
from __future__ import annotations

import hashlib
import os
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote_to_bytes, urlsplit

from . import ArchivedPage
from .warc import ArchiveError, Record, Window, scan

INDEX_FORMAT = "govdoc-archive-index 2"
#: Redirects followed when a URL is looked up, at most.
MAX_REDIRECTS = 5

_SCHEMA = """
CREATE TABLE records (
    seq INTEGER PRIMARY KEY, member TEXT, file TEXT NOT NULL, kind TEXT NOT NULL,
    url TEXT NOT NULL, ukey TEXT NOT NULL, date TEXT, record_id TEXT, offset INTEGER NOT NULL,
    status INTEGER, mime TEXT, charset TEXT, location TEXT, filename TEXT,
    payload_digest TEXT, refers_uri TEXT, refers_date TEXT, refers_id TEXT,
    sha256 TEXT, size INTEGER, html INTEGER NOT NULL, problem TEXT);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
"""
_INDEXES = """
CREATE INDEX records_ukey ON records(ukey);
CREATE INDEX records_id ON records(record_id);
CREATE INDEX records_digest ON records(payload_digest);
"""
_COLUMNS = ("seq", "member", "file", "kind", "url", "ukey", "date", "record_id", "offset",
            "status", "mime", "charset", "location", "filename", "payload_digest",
            "refers_uri", "refers_date", "refers_id", "sha256", "size", "html", "problem")
_SAFE = "/:@!$&'()*+,;=-._~"


def url_key(url: str) -> str:
    """A URL as the index matches it: no scheme (an https page may name its pictures
    with http), host in lower case without its default port, the path's percent
    escapes made uniform, the query kept, the fragment dropped."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return url.strip()
    if port and port not in (80, 443):
        host = f"{host}:{port}"
    path = quote(unquote_to_bytes(parts.path or "/"), safe=_SAFE)
    query = quote(unquote_to_bytes(parts.query), safe=_SAFE + "?") if parts.query else ""
    return f"{host}{path}" + (f"?{query}" if query else "")


@dataclass
class Summary:
    """What an archive holds, for the summary: its pages and what was not taken."""
    archive: str                     # as shown
    pages: int = 0
    skipped: Counter = field(default_factory=Counter)   # reason -> records
    others: int = 0                  # records that are not pages (pictures, files, styles)
    error: str | None = None


@dataclass(frozen=True)
class Hit:
    """A URL found in the archive: the record holding its payload."""
    url: str                 # the URL finally read (after redirects)
    file: str
    offset: int
    record_id: str
    mime: str
    filename: str | None     # Content-Disposition's name


def _stat_key(path: Path) -> str:
    st = path.stat()
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ino}"


def index_path(archive: Path, cache_dir: Path) -> Path:
    name = hashlib.sha256(str(archive.resolve()).encode("utf-8", "surrogateescape")).hexdigest()[:16]
    return cache_dir / f"{name}.sqlite"


def build(archive: Path, cache_dir: Path, *, max_page_bytes: int) -> Path:
    """The index of ``archive`` (built now, or the kept one when the archive is unchanged).

    A damaged archive is indexed up to the damage; the reason is kept in the index
    (``meta.error``) and reported with its pages.  Raises ArchiveError when the
    archive cannot be read at all (not a WARC, not a zip)."""
    target = index_path(archive, cache_dir)
    stamp = _stat_key(archive)
    if target.is_file():
        try:
            with sqlite3.connect(f"file:{target}?mode=ro", uri=True) as db:
                meta = dict(db.execute("SELECT key, value FROM meta"))
            if meta.get("format") == INDEX_FORMAT and meta.get("stat") == stamp:
                return target
        except sqlite3.Error:
            pass
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    db = sqlite3.connect(tmp)
    try:
        db.executescript(_SCHEMA)
        error, n = _fill(db, archive, cache_dir / target.stem, max_page_bytes)
        if error and not n:
            raise ArchiveError(error)
        db.executescript(_INDEXES)
        db.executemany("INSERT INTO meta VALUES (?, ?)",
                       [("format", INDEX_FORMAT), ("stat", stamp), ("error", error or "")])
        db.commit()
    except BaseException:
        db.close()
        tmp.unlink(missing_ok=True)
        raise
    db.close()
    os.replace(tmp, target)
    return target


def _fill(db: sqlite3.Connection, archive: Path, stage_dir: Path,
          max_page_bytes: int) -> tuple[str | None, int]:
    """Scan every WARC of ``archive`` into ``db``; (the damage met, records indexed)."""
    if archive.name.lower().endswith(".wacz"):
        from .wacz import members

        parts = [(m.name, m.file, m.start, m.end) for m in members(archive, stage_dir)]
    else:
        parts = [(None, str(archive), 0, archive.stat().st_size)]
    n = 0
    for member, file, start, end in parts:
        rows = []
        try:
            with open(file, "rb") as fh:
                stream = Window(fh, start, end) if member else fh
                if not member:
                    _check_warc(fh)
                for r in scan(stream, max_page_bytes=max_page_bytes):
                    rows.append(_row(r, member, file))
                    if len(rows) >= 5000:
                        _insert(db, rows)
                        n += len(rows)
                        rows = []
        except ArchiveError as exc:
            _insert(db, rows)
            n += len(rows)
            where = f"{member}: " if member else ""
            return f"{where}{exc}", n
        except OSError as exc:
            _insert(db, rows)
            return f"cannot be read ({exc.strerror or exc})", n + len(rows)
        _insert(db, rows)
        n += len(rows)
    return None, n


def _check_warc(fh) -> None:
    """Refuse at once, in words, a file that is no WARC at all (a zip, a PDF, text)."""
    head = fh.read(16)
    fh.seek(0)
    if not head:
        raise ArchiveError("empty file")
    if head[:2] == b"\x1f\x8b" or head.startswith((b"WARC/", b"filedesc:")) or head[:1] in (b"\r", b"\n"):
        return
    raise ArchiveError("not a WARC file (it does not start with a WARC record)")


def _row(r: Record, member: str | None, file: str) -> tuple:
    return (member, file, r.kind, r.url, url_key(r.url), r.date, r.record_id, r.offset,
            r.status, r.mime, r.charset, r.location, r.filename, r.payload_digest,
            r.refers_uri, r.refers_date, r.refers_id, r.sha256, r.size, int(r.html), r.problem)


def _insert(db: sqlite3.Connection, rows: list[tuple]) -> None:
    if rows:
        db.executemany(f"INSERT INTO records ({', '.join(_COLUMNS[1:])}) VALUES "
                       f"({', '.join('?' * (len(_COLUMNS) - 1))})", rows)


def _connect(index: Path) -> sqlite3.Connection:
    db = sqlite3.connect(f"file:{index}?mode=ro", uri=True, check_same_thread=False)
    db.row_factory = sqlite3.Row
    return db


def _status_reason(status: int | None) -> str:
    if status is None:
        return "a response without an HTTP status"
    if 300 <= status < 400:
        return "a redirect (its target, when the archive holds it, is a page of its own)"
    if status == 404:
        return "not found (HTTP 404)"
    return f"HTTP {status}, not a page"


def pages(index: Path, archive: Path, shown: str) -> tuple[list[tuple[ArchivedPage, str]], Summary]:
    """The pages of an indexed archive, each with the name a batch shows it under
    (``ARCHIVE#URL``, with ``@DATE`` for a later capture of the same URL), and what
    was not taken, counted by reason."""
    summary = Summary(archive=shown)
    found: list[tuple[ArchivedPage, str]] = []
    names: Counter = Counter()
    db = _connect(index)
    try:
        summary.error = (dict(db.execute("SELECT key, value FROM meta")).get("error") or None)
        for row in db.execute("SELECT * FROM records ORDER BY seq"):
            payload = row
            if row["kind"] == "revisit":
                payload = _original(db, row)
                if payload is None:
                    summary.skipped["a revisit of a capture the archive does not hold"] += 1
                    continue
            if payload["status"] != 200:
                summary.skipped[_status_reason(payload["status"])] += 1
                continue
            if not payload["html"]:
                summary.others += 1
                continue
            page = ArchivedPage(
                archive=str(archive.resolve()), file=payload["file"], offset=payload["offset"],
                record_id=row["record_id"] or "", uri=row["url"], date=row["date"],
                warc_name=archive.name + (f"!{row['member']}" if row["member"] else ""),
                index=str(index.resolve()), payload_record_id=payload["record_id"] or "",
                sha256=payload["sha256"], size=payload["size"] or 0,
                charset=row["charset"] or payload["charset"],
                error=payload["problem"] or (None if payload["sha256"] else
                                             _too_large(payload["size"])))
            base = f"{shown}#{row['url']}"
            names[base] += 1
            name = base if names[base] == 1 else f"{base}@{row['date'] or row['record_id']}"
            found.append((page, name))
    finally:
        db.close()
    summary.pages = len(found)
    return found, summary


def _too_large(size: int | None) -> str:
    from .inputs import MAX_INPUT_BYTES

    return (f"too large (more than {MAX_INPUT_BYTES // (1024 * 1024)} MB; the limit is "
            f"{MAX_INPUT_BYTES // (1024 * 1024)} MB)")


def _original(db: sqlite3.Connection, revisit: sqlite3.Row) -> sqlite3.Row | None:
    """The response record a revisit stands for: by WARC-Refers-To, else by the target
    URI and date it refers to, else by the payload digest (the nearest earlier
    capture with the same digest)."""
    base = "SELECT * FROM records WHERE kind != 'revisit' AND "
    if revisit["refers_id"]:
        row = db.execute(base + "record_id = ? LIMIT 1", (revisit["refers_id"],)).fetchone()
        if row is not None:
            return row
    uri = revisit["refers_uri"] or revisit["url"]
    if revisit["refers_date"]:
        row = db.execute(base + "ukey = ? AND date = ? LIMIT 1",
                         (url_key(uri), revisit["refers_date"])).fetchone()
        if row is not None:
            return row
    if revisit["payload_digest"]:
        rows = db.execute(base + "payload_digest = ? ORDER BY (ukey = ?) DESC, seq",
                          (revisit["payload_digest"], url_key(uri))).fetchall()
        earlier = [r for r in rows if r["seq"] < revisit["seq"]]
        if earlier or rows:
            return (earlier or rows)[-1 if earlier else 0]
    return None


class Lookup:
    """URLs looked up in one archive's index, as a browser replaying it would see them."""

    def __init__(self, index: str | Path) -> None:
        self.db = _connect(Path(index))

    def close(self) -> None:
        self.db.close()

    def find(self, url: str, near: str | None = None) -> tuple[Hit | None, str]:
        """``(hit, "")``, or ``(None, why)``: not in the archive, captured with an error
        status, or redirected out of it.  Of several captures of a URL, the one nearest
        in time to ``near`` (the page's own capture) is taken."""
        seen: set[str] = set()
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            key = url_key(current)
            if key in seen:
                return None, "redirects in a loop inside the archive"
            seen.add(key)
            rows = self.db.execute("SELECT * FROM records WHERE ukey = ? ORDER BY seq",
                                   (key,)).fetchall()
            if not rows:
                return None, ("not in the archive" if current == url else
                              f"redirected to {current}, which the archive does not hold")
            resolved = []
            for r in rows:
                payload = _original(self.db, r) if r["kind"] == "revisit" else r
                if payload is not None:
                    resolved.append((r, payload))
            if not resolved:
                return None, "a revisit of a capture the archive does not hold"
            ok = [(r, p) for r, p in resolved if p["status"] == 200]
            if ok:
                r, p = min(ok, key=lambda rp: _distance(rp[0]["date"], near))
                return Hit(url=current, file=p["file"], offset=p["offset"],
                           record_id=p["record_id"] or "", mime=p["mime"] or "",
                           filename=p["filename"] or r["filename"]), ""
            moves = [p for _, p in resolved if p["location"] and 300 <= (p["status"] or 0) < 400]
            if not moves:
                status = resolved[-1][1]["status"]
                return None, f"captured as HTTP {status}" if status else "captured without a status"
            current = min(moves, key=lambda p: _distance(p["date"], near))["location"]
        return None, f"more than {MAX_REDIRECTS} redirects"


def _distance(date: str | None, near: str | None) -> tuple[int, str]:
    """Sort key: captures nearest in time to ``near`` first (ISO dates compare as text;
    an exact or missing date sorts by how many leading characters agree)."""
    if not date or not near:
        return (0, date or "")
    common = 0
    for a, b in zip(date, near):
        if a != b:
            break
        common += 1
    return (-common, date)
