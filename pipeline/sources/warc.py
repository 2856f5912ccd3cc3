"""A WARC file read once, record by record, and one record read again by its offset.

Why one pass and offsets: a crawl is often several gigabytes.  ``scan`` reads the
stream once (``warcio``) and yields, for every response, resource and revisit
record, what the index needs (URL, date, status, type, where it starts), never
the payload; it hashes the payload of the HTML pages only, in chunks, so the
batch can tell a page it converted before without reading it again.  A worker
later opens the file at a record's offset and reads that record alone
(``read_payload``, ``copy_payload``), bounded in size.  A gzipped WARC must be
compressed record by record (as every crawler writes it) for offsets to work;
one compressed as a single stream is refused in one line with the fix.
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterator
from urllib.parse import unquote, urljoin

from . import TooLarge, copy_bounded  # noqa: F401  (TooLarge: raised here, caught by callers)

#: Content types read as pages.
HTML_TYPES = ("text/html", "application/xhtml+xml")
#: Content types that say nothing of what the payload is: sniffed.
_VAGUE_TYPES = ("", "application/octet-stream", "unknown/unknown", "text/plain")
_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title)\b",
                         re.I | re.S)
_DATE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)")
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", re.I)
_CHUNK = 1 << 20


class ArchiveError(Exception):
    """A WARC that cannot be read (further): the message is one line."""


@dataclass
class Record:
    """One response, resource or revisit record as the index keeps it."""

    kind: str                 # response | resource | revisit
    url: str
    date: str | None
    record_id: str
    offset: int
    status: int | None        # HTTP status; None for a resource record (no HTTP)
    mime: str                 # Content-Type without parameters, lower case
    charset: str | None       # its charset parameter
    location: str | None      # an HTTP redirect's target, absolute
    filename: str | None      # Content-Disposition's file name (download links)
    payload_digest: str | None
    refers_uri: str | None = None    # a revisit's original
    refers_date: str | None = None
    refers_id: str | None = None
    sha256: str | None = None        # of the payload: HTML pages only
    size: int | None = None          # payload bytes: HTML pages only (None: not read)
    html: bool = False               # a page (HTML, status 200)
    problem: str | None = None       # why the page's payload cannot be read


def _clean_uri(value: str | None) -> str:
    return (value or "").strip().strip("<>").strip()


def _date(value: str | None) -> str | None:
    value = (value or "").strip()
    return value if _DATE.fullmatch(value) else None


def content_type(value: str | None) -> tuple[str, str | None]:
    """(media type, charset) of a Content-Type header value."""
    value = value or ""
    mime = value.split(";", 1)[0].strip().lower()
    m = _CHARSET.search(value)
    return mime, (m.group(1).lower() if m else None)


def disposition_name(value: str | None) -> str | None:
    """The file name a Content-Disposition header gives, decoded (RFC 6266 ``filename*``
    first; a raw ``filename`` in UTF-8 or GBK bytes, as Chinese servers send it)."""
    if not value:
        return None
    m = re.search(r"filename\*\s*=\s*([A-Za-z0-9_-]+)'[^']*'([^;]+)", value, re.I)
    if m:
        try:
            name = unquote(m.group(2).strip().strip('"'), encoding=m.group(1), errors="strict")
        except (LookupError, UnicodeDecodeError):
            name = None
        if name:
            return os.path.basename(name.replace("\\", "/")) or None
    m = re.search(r"filename\s*=\s*(\"([^\"]*)\"|[^;]+)", value, re.I)
    if not m:
        return None
    raw = (m.group(2) if m.group(2) is not None else m.group(1)).strip()
    try:  # warcio decodes header bytes as latin-1 when they are not UTF-8
        raw = raw.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        try:
            raw = raw.encode("latin-1").decode("gb18030")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    if "%" in raw:
        raw = unquote(raw)
    return os.path.basename(raw.replace("\\", "/")) or None


class Window(io.RawIOBase):
    """The bytes ``[start, end)`` of an open file, with the file's own positions (a WARC
    stored uncompressed inside a WACZ zip: offsets stay those of the zip file)."""

    def __init__(self, fh: IO[bytes], start: int, end: int) -> None:
        self.fh, self.start, self.end = fh, start, end
        self.fh.seek(start)

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.fh.tell()

    def read(self, size: int = -1) -> bytes:
        left = self.end - self.fh.tell()
        if left <= 0:
            return b""
        return self.fh.read(left if size is None or size < 0 else min(size, left))

    def readinto(self, b) -> int:
        data = self.read(len(b))
        b[:len(data)] = data
        return len(data)


def _http(rec) -> tuple[int | None, str, str | None, str | None, str | None]:
    """(status, mime, charset, location, file name) of a record."""
    if rec.rec_type == "resource":
        mime, charset = content_type(rec.rec_headers.get_header("Content-Type"))
        return 200, mime, charset, None, None
    h = rec.http_headers
    if h is None:
        return None, "", None, None, None
    try:
        status = int(h.get_statuscode())
    except (TypeError, ValueError):
        status = None
    mime, charset = content_type(h.get_header("Content-Type"))
    return (status, mime, charset, h.get_header("Location"),
            disposition_name(h.get_header("Content-Disposition")))


def scan(fh: IO[bytes], *, max_page_bytes: int) -> Iterator[Record]:
    """Every response, resource and revisit record of the WARC stream ``fh``.

    Raises ArchiveError, after yielding the records before it, when the stream is
    damaged (truncated, a bad gzip member, a record that does not parse) or is a
    gzip of the whole file.  warcio's notes on bad records (it writes them on
    standard error) are kept off the terminal.
    """
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    notes = io.StringIO()
    where = fh.tell()
    try:
        with contextlib.redirect_stderr(notes):
            it = ArchiveIterator(fh)
            for rec in it:
                kind = rec.rec_type
                if kind not in ("response", "resource", "revisit"):
                    where = it.get_record_offset() + it.get_record_length()
                    continue
                h = rec.rec_headers
                url = _clean_uri(h.get_header("WARC-Target-URI"))
                status, mime, charset, location, filename = _http(rec)
                r = Record(kind=kind, url=url, date=_date(h.get_header("WARC-Date")),
                           record_id=(h.get_header("WARC-Record-ID") or "").strip(),
                           offset=0, status=status, mime=mime, charset=charset,
                           location=urljoin(url, location.strip()) if location else None,
                           filename=filename,
                           payload_digest=(h.get_header("WARC-Payload-Digest") or "").strip() or None)
                if kind == "revisit":
                    r.refers_uri = _clean_uri(h.get_header("WARC-Refers-To-Target-URI")) or None
                    r.refers_date = _date(h.get_header("WARC-Refers-To-Date"))
                    r.refers_id = (h.get_header("WARC-Refers-To") or "").strip() or None
                elif status == 200 and url:
                    try:
                        _read_page(rec, r, max_page_bytes)
                    except Exception as exc:  # a Content-Encoding that does not decode
                        r.html = True
                        r.problem = (f"its payload cannot be decoded ({type(exc).__name__}: "
                                     f"{' '.join(str(exc).split())[:100]})")
                r.offset = it.get_record_offset()
                where = r.offset + it.get_record_length()
                yield r
    except ArchiveLoadFailed as exc:
        text = " ".join(str(exc).split())
        if "non-chunked gzip" in text:
            raise ArchiveError("compressed as one gzip stream, not record by record, so its "
                               "records cannot be read by offset; recompress it with "
                               "`warcio recompress IN OUT` and convert that") from None
        raise ArchiveError(f"damaged after byte {where}: {text[:200]}") from None
    except (OSError, EOFError, ValueError, IndexError) as exc:
        raise ArchiveError(f"damaged or cut short after byte {where} "
                           f"({type(exc).__name__}: {' '.join(str(exc).split())[:160]})") from None
    if notes.getvalue().strip():
        line = notes.getvalue().strip().splitlines()[0]
        raise ArchiveError(f"a record's length is wrong near byte {where} "
                           f"({' '.join(line.split())[:160]}); the records after it were not read")


def _read_page(rec, r: Record, max_bytes: int) -> None:
    """Hash the payload of what may be a page (HTML, or of a vague type that sniffs as
    HTML), in chunks; leaves ``r.html`` False for anything else."""
    if r.mime not in HTML_TYPES and r.mime not in _VAGUE_TYPES:
        return
    stream = rec.content_stream()
    first = stream.read(4096)
    if r.mime not in HTML_TYPES and not _HTML_START.match(first):
        return
    r.html = True
    h = hashlib.sha256(first)
    n = len(first)
    while n <= max_bytes:
        chunk = stream.read(_CHUNK)
        if not chunk:
            break
        h.update(chunk)
        n += len(chunk)
    r.size = n
    r.sha256 = h.hexdigest() if n <= max_bytes else None


@contextlib.contextmanager
def payload_stream(file: str | Path, offset: int, record_id: str):
    """The decoded payload (HTTP body) of the record at ``offset`` of ``file``.

    The record found there must carry ``record_id``: an archive rewritten since it
    was indexed fails in one line rather than yielding another record's bytes."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    try:
        with open(file, "rb") as fh, contextlib.redirect_stderr(io.StringIO()):
            fh.seek(offset)
            it = ArchiveIterator(fh)
            rec = next(iter(it), None)
            if rec is None or (rec.rec_headers.get_header("WARC-Record-ID") or "").strip() != record_id:
                raise ArchiveError(f"record {record_id} is not at byte {offset} any more "
                                   "(the archive changed since it was read)")
            yield rec.content_stream()
    except ArchiveLoadFailed as exc:
        raise ArchiveError(f"record {record_id} cannot be read: "
                           f"{' '.join(str(exc).split())[:200]}") from None
    except (EOFError, ValueError, IndexError) as exc:
        raise ArchiveError(f"record {record_id} cannot be read ({type(exc).__name__})") from None


def read_payload(file: str | Path, offset: int, record_id: str, max_bytes: int) -> bytes:
    """A record's payload, at most ``max_bytes`` (TooLarge past it)."""
    with payload_stream(file, offset, record_id) as stream:
        chunks, n = [], 0
        while n <= max_bytes:
            chunk = stream.read(min(_CHUNK, max_bytes + 1 - n))
            if not chunk:
                break
            chunks.append(chunk)
            n += len(chunk)
    if n > max_bytes:
        raise TooLarge(n)
    return b"".join(chunks)


def copy_payload(file: str | Path, offset: int, record_id: str, dest: Path,
                 max_bytes: int) -> tuple[int, str]:
    """Write a record's payload to the new file ``dest``; (size, sha256).  Past
    ``max_bytes`` the copy is removed and TooLarge raised."""
    with payload_stream(file, offset, record_id) as stream:
        return copy_bounded(stream, dest, max_bytes)
