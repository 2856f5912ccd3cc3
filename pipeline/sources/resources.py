"""A page's pictures and attachments, kept in its record.

For many 政务公开 notices the attachment *is* the document (the 公示名单, the
实施方案, the table of figures), and a record without it is incomplete.  So every
``image`` and ``attachment`` of the canonical XML whose file came with the page is
copied into the record folder, ``images/NAME`` and ``attachments/NAME``, where
both editions read it (the renderers never look at the page's folder or the
archive) and where the checksum file, the manifest, ``verify`` and the bag cover
it like the record's other files.  The element then says ``@local`` (the copy's
path in the record), ``@name`` (the file's original name), ``@sha256``, ``@bytes``
and ``@mime``.  An attachment the page links to that the capture does not hold is
``@missing="true"``, with a warning: it is never fetched.

Where a file comes from (``FolderSource``, ``ArchiveSource``):

- a page on disk: its folder only (the relative ``src``/``href``, ``NAME_files/``,
  beside the page), a regular file reached through no symbolic link and with no
  other name (``images.admit_file``);
- a page from a web archive: the same archive, by URL (``sources.index.Lookup``:
  revisits resolved, redirects followed inside the archive only).

Bounds, per file and per record (hostile input): at most ``MAX_FILE_BYTES`` a
file, ``MAX_RECORD_BYTES`` and ``MAX_FILES`` files a record; a picture is also
admitted as the editions admit it (``images.admit_picture``: pixel limits,
readable).  A file refused is named in a warning with the reason.
"""
from __future__ import annotations

import mimetypes
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Callable, Protocol
from urllib.parse import unquote, urlsplit

from lxml import etree

from ..canonical import q
from . import TooLarge, copy_bounded
from ..images import admit_file, admit_picture, local_copy

#: At most this much a file (the same bound as a page and a picture).
MAX_FILE_BYTES = 64 * 1024 * 1024
#: At most this much, and this many files, a record keeps of a page's files.
MAX_RECORD_BYTES = 256 * 1024 * 1024
MAX_FILES = 200

#: Office formats of Chinese portals that ``mimetypes`` does not know.
_MIME_EXTRA = {".wps": "application/vnd.ms-works", ".et": "application/vnd.ms-excel",
               ".dps": "application/vnd.ms-powerpoint", ".ofd": "application/ofd",
               ".rar": "application/vnd.rar", ".7z": "application/x-7z-compressed",
               ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
               ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
               ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
               ".xls": "application/vnd.ms-excel", ".doc": "application/msword",
               ".pdf": "application/pdf", ".zip": "application/zip", ".webp": "image/webp"}
_MAGIC = ((b"%PDF-", "application/pdf"), (b"\x89PNG\r\n\x1a\n", "image/png"),
          (b"\xff\xd8\xff", "image/jpeg"), (b"GIF8", "image/gif"), (b"PK\x03\x04", "application/zip"),
          (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),
          (b"BM", "image/bmp"), (b"Rar!", "application/vnd.rar"))
_VAGUE = ("", "application/octet-stream", "application/x-download", "application/force-download",
          "application/download", "binary/octet-stream", "unknown/unknown", "text/plain")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Found:
    """A file a page came with: its original name, what its origin says its type
    is, a key telling two references to the same file apart, and how to copy it."""
    name: str
    mime: str | None
    key: str
    url: str | None
    #: copy(dest, max_bytes) -> (size, sha256); raises Refused
    copy: Callable[[Path, int], tuple[int, str]]


class Refused(Exception):
    """A file that is there but may not be kept (the message says why)."""


class Source(Protocol):
    def find(self, ref: str) -> tuple[Found | None, str]: ...


class FolderSource:
    """Files saved with a page on disk: inside the page's folder only."""

    def __init__(self, folder: Path, page_name: str, page_url: str | None = None) -> None:
        self.folder, self.page_name, self.page_url = Path(folder), page_name, page_url

    def find(self, ref: str) -> tuple[Found | None, str]:
        rel = local_copy(ref, self.folder, self.page_name, self.page_url)
        if rel is None:
            return None, "not saved with the page"
        path = self.folder / rel
        verdict = admit_file(path, folder=self.folder, max_bytes=MAX_FILE_BYTES)
        if not verdict.ok:
            raise Refused(f"{rel}: {verdict.reason}")
        return Found(name=path.name, mime=None, key=f"file:{rel}", url=None,
                     copy=lambda dest, limit: _copy_file(path, dest, limit)), ""


class ArchiveSource:
    """Files in the web archive a page came from, by URL (never fetched)."""

    def __init__(self, index: str, near: str | None) -> None:
        from .index import Lookup

        self.lookup, self.near = Lookup(index), near

    def close(self) -> None:
        self.lookup.close()

    def find(self, ref: str) -> tuple[Found | None, str]:
        from .warc import ArchiveError, copy_payload

        parts = urlsplit(ref.strip())
        if parts.scheme.lower() not in ("http", "https"):
            return None, "not in the archive (not an http(s) address)"
        hit, why = self.lookup.find(ref, self.near)
        if hit is None:
            return None, why
        name = hit.filename or PurePosixPath(unquote(urlsplit(hit.url).path)).name or "file"

        def copy(dest: Path, limit: int) -> tuple[int, str]:
            try:
                return copy_payload(hit.file, hit.offset, hit.record_id, dest, limit)
            except TooLarge:
                raise Refused(_too_large(limit)) from None
            except ArchiveError as exc:
                raise Refused(str(exc)) from None

        mime = hit.mime if hit.mime not in _VAGUE else None
        return Found(name=name, mime=mime, key=f"warc:{hit.record_id}", url=hit.url, copy=copy), ""


def _too_large(limit: int) -> str:
    return f"too large (more than {limit // (1024 * 1024)} MB, the limit for one file), refused"


def _copy_file(path: Path, dest: Path, limit: int) -> tuple[int, str]:
    """Copy a file admitted from a page's folder, opened without following a link and
    checked again on the open descriptor (the same regular file, one name)."""
    before = os.lstat(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise Refused(f"cannot be read ({exc.strerror or exc})") from None
    with os.fdopen(fd, "rb") as src:
        now = os.fstat(src.fileno())
        if (now.st_dev, now.st_ino) != (before.st_dev, before.st_ino) \
                or not stat.S_ISREG(now.st_mode) or now.st_nlink > 1:
            raise Refused("the file was replaced while being copied, refused")
        try:
            return copy_bounded(src, dest, limit)
        except TooLarge:
            raise Refused(_too_large(limit)) from None


def mime_of(name: str, declared: str | None, head: bytes) -> str:
    """A file's media type: what its origin declared (unless vague), else its name's
    extension, else its first bytes; ``application/octet-stream`` when none says."""
    if declared and declared not in _VAGUE:
        return declared
    ext = PurePosixPath(name.lower()).suffix
    if ext in _MIME_EXTRA:
        return _MIME_EXTRA[ext]
    guessed = mimetypes.guess_type(f"x{ext}", strict=False)[0] if ext else None
    if guessed:
        return guessed
    return next((m for magic, m in _MAGIC if head.startswith(magic)), "application/octet-stream")


def safe_name(original: str, kind: str, number: int, taken: set[str]) -> str:
    """A file name every file system and archive accepts (ASCII letters, digits,
    ``.``, ``_``, ``-``), from the original when it has such characters, else
    ``attachment-N``; never one already taken."""
    pure = PurePosixPath(original.replace("\\", "/")).name
    stem, ext = os.path.splitext(pure)
    ext = _UNSAFE.sub("", ext.lower())[:10]
    ext = f".{ext.lstrip('.')}" if ext.strip(".") else ""
    clean = _UNSAFE.sub("_", stem).strip("._-")[:60]
    if not re.search(r"[A-Za-z0-9]", clean):
        clean = f"{kind}-{number}"
    name = f"{clean}{ext}"
    n = 2
    while name.lower() in taken:
        name = f"{clean}-{n}{ext}"
        n += 1
    taken.add(name.lower())
    return name


@dataclass
class Kept:
    """What ``keep`` put into the record: record.json's entries by kind (the file's
    path in the record), and the warnings."""
    files: dict[str, dict] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def listed(self) -> list[dict]:
        """The manifest's view: path, role, original name, type, size, URL."""
        return [{"path": k, "role": f["role"], "name": f["original"], "text": f.get("text"),
                 "mime": f["mime"], "bytes": f["bytes"], "url": f.get("url")}
                for k, f in self.files.items()]


def keep(doc: etree._Element, record: Path, source: Source) -> Kept:
    """Copy every picture and attachment of ``doc`` that ``source`` holds into the
    record folder ``record``, and describe each on its element (see the module doc)."""
    kept = Kept()
    taken: set[str] = set()
    by_key: dict[str, dict[str, str]] = {}
    total = 0
    counters = {"image": 0, "attachment": 0}
    for el in doc.iter(q("image"), q("attachment")):
        role = "image" if el.tag == q("image") else "attachment"
        ref = (el.get("src") if role == "image" else el.get("href")) or ""
        if not ref or ref.startswith("data:"):
            continue  # a data: picture is a placeholder; its payload stays in source.html
        el.attrib.pop("local", None)  # only a copy in the record may be named here
        shown = ref if role == "image" else f"{' '.join((el.text or '').split())} ({ref})"
        try:
            found, why = source.find(ref)
        except Refused as exc:
            kept.warnings.append(f"{role} {shown}: {exc}: not kept"
                                 + (", placeholder drawn" if role == "image" else ""))
            continue
        if found is None:
            if role == "attachment":
                el.set("missing", "true")
                kept.warnings.append(f"attachment {shown} is not in the capture ({why}): the "
                                     "record lacks it (never fetched)")
            continue  # a picture not saved: the editions draw a placeholder and say so
        if found.key in by_key:
            for k, v in by_key[found.key].items():
                el.set(k, v)
            continue
        if len(kept.files) >= MAX_FILES:
            kept.warnings.append(f"{role} {shown}: not kept: the record already keeps "
                                 f"{MAX_FILES} files, the limit")
            continue
        counters[role] += 1
        folder = "images" if role == "image" else "attachments"
        name = safe_name(found.name, role, counters[role], taken)
        rel = f"{folder}/{name}"
        (record / folder).mkdir(exist_ok=True)
        dest = record / rel
        limit = min(MAX_FILE_BYTES, MAX_RECORD_BYTES - total)
        try:
            size, sha = found.copy(dest, limit)
        except Refused as exc:
            dest.unlink(missing_ok=True)
            taken.discard(name.lower())
            if limit < MAX_FILE_BYTES and "too large" in str(exc):
                exc = Refused(f"not kept: the record's files would pass "
                              f"{MAX_RECORD_BYTES // (1024 * 1024)} MB, the limit")
            kept.warnings.append(f"{role} {shown}: {exc}: not kept"
                                 + (", placeholder drawn" if role == "image" else ""))
            continue
        if role == "image":
            verdict = admit_picture(dest, folder=record)
            if not verdict.ok:
                dest.unlink(missing_ok=True)
                taken.discard(name.lower())
                kept.warnings.append(f"image {shown}: {verdict.reason}: not kept, "
                                     "placeholder drawn")
                continue
        with open(dest, "rb") as fh:
            head = fh.read(16)
        mime = mime_of(found.name, found.mime, head)
        facts = {"local": rel, "name": found.name, "sha256": sha, "bytes": str(size), "mime": mime}
        for k, v in facts.items():
            el.set(k, v)
        el.attrib.pop("missing", None)
        by_key[found.key] = facts
        total += size
        entry = {"name": rel, "bytes": size, "sha256": sha, "role": role,
                 "original": found.name, "mime": mime,
                 "text": " ".join(((el.text if role == "attachment" else el.get("alt")) or "")
                                  .split())[:200]}
        if found.url:
            entry["url"] = found.url
        kept.files[rel] = entry
    for folder in ("images", "attachments"):  # no empty folder when nothing was kept
        try:
            (record / folder).rmdir()
        except OSError:
            pass
    return kept
