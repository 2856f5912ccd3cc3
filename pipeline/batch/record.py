"""A record folder ``OUT/<id>/`` and its own checksum file, ``record.json``.

Why a checksum file inside the folder: the folder and the checksums that describe
it must become visible together, or a kill between the two leaves files that the
manifest misdescribes.  The worker writes ``record.json`` into the staging folder
with the other files; the batch's parent renames the whole folder into place (one
atomic rename, or an atomic exchange with the folder it replaces) and only then
commits the ledger row.  Whatever is interrupted, a record folder on disk carries
the truth about itself, and the ledger and the manifest can be checked against it
and repaired from it (``repair.py``).

``record.json`` holds the record's id, status (``ok`` or ``partial``) and reason,
the input it was converted from and that input's sha256, the editions asked for,
the settings key and the generator, and for every other file of the folder its
name, size and sha256, plus the catalogue metadata and the warnings, so a lost
ledger can be rebuilt from the folders alone.  While a worker renders, the file
says ``"rendering": "pdf"`` (or ``"docx"``): a worker killed at that point (a
timeout, the memory limit) leaves a staging folder the parent can still publish as
a partial record with the source and the XML.
"""
from __future__ import annotations

import ctypes
import errno
import hashlib
import json
import os
import re
import shutil
import stat
import uuid
from pathlib import Path
from typing import Any

RECORD_NAME = "record.json"
RECORD_FORMAT = "govdoc-record 1"
#: A record id: the first 16 hex digits of the sha256 of the page (convert.document_id).
_ID = re.compile(r"[0-9a-f]{16}")
#: Files a record folder may hold, by kind.
FILE_NAMES = {"source": "source.html", "xml": "document.xml", "pdf": "document.pdf",
              "docx": "document.docx", "record": RECORD_NAME}
#: Sub-folders holding the files a page came with (``resources.py``): a file there is
#: its own kind, named by its path in the record (``attachments/P0204.xlsx``).
RESOURCE_FOLDERS = ("attachments", "images")
#: A resource's path inside its record: one of those folders, then a safe file name
#: (ASCII letters, digits, ``.``, ``_``, ``-``, not starting with a dot).
_RESOURCE = re.compile(r"(?:attachments|images)/[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}")
_PREVIOUS = ".previous-"


def valid_id(value: Any) -> bool:
    """Whether ``value`` is a record id, safe to build a path from."""
    return isinstance(value, str) and _ID.fullmatch(value) is not None


def is_resource(kind: Any) -> bool:
    """Whether ``kind`` names a kept attachment or picture (``attachments/x.xlsx``)."""
    return isinstance(kind, str) and _RESOURCE.fullmatch(kind) is not None


def file_name(kind: str) -> str:
    """The path of a record's file of ``kind`` inside the record folder."""
    return kind if is_resource(kind) else FILE_NAMES[kind]


def valid_output(doc_id: str, kind: str, rel: Any) -> bool:
    """Whether ``rel`` is the path a record's file of ``kind`` has (``<id>/<name>``)."""
    if not valid_id(doc_id) or not (kind in FILE_NAMES or is_resource(kind)):
        return False
    return rel == f"{doc_id}/{file_name(kind)}"


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def record_bytes(rec: dict[str, Any]) -> bytes:
    return (json.dumps(rec, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def write_record(folder: Path, rec: dict[str, Any], *, sync: bool = False) -> str:
    """Write ``folder/record.json`` atomically; returns the sha256 of its bytes."""
    data = record_bytes(rec)
    tmp = folder / f".{RECORD_NAME}.tmp"
    with open(tmp, "wb") as fh:
        fh.write(data)
        if sync:
            fh.flush()
            os.fsync(fh.fileno())
    os.replace(tmp, folder / RECORD_NAME)
    return hashlib.sha256(data).hexdigest()


def read_record(folder: Path, doc_id: str | None = None) -> tuple[dict[str, Any], str] | None:
    """``(record, sha256 of record.json)``, or None when there is no usable record.json.

    A record.json that does not parse, names another id than ``doc_id`` (by
    default the folder's name; a staging folder passes ``""`` for any id), or
    lists a file under an unexpected name is not usable (never trusted to build a
    path).
    """
    try:
        data = (folder / RECORD_NAME).read_bytes()
        rec = json.loads(data)
    except (OSError, ValueError):
        return None
    want = folder.name if doc_id is None else doc_id
    if not isinstance(rec, dict) or rec.get("format") != RECORD_FORMAT \
            or not valid_id(rec.get("id")) or (want and rec.get("id") != want) \
            or rec.get("status") not in ("ok", "partial"):
        return None
    files = rec.get("files")
    if not isinstance(files, dict) or not all(
            isinstance(f, dict) and (k in FILE_NAMES or is_resource(k)) and k != "record"
            and f.get("name") == file_name(k) and isinstance(f.get("bytes"), int)
            and isinstance(f.get("sha256"), str) for k, f in files.items()):
        return None
    return rec, hashlib.sha256(data).hexdigest()


def checksums(rec: dict[str, Any], record_sha256: str) -> dict[str, str]:
    """The sha256 of every file of the folder, record.json included, by kind."""
    out = {k: f["sha256"] for k, f in rec["files"].items()}
    out["record"] = record_sha256
    return out


def outputs(rec: dict[str, Any]) -> dict[str, str]:
    """Every file of the folder, record.json included, as ``<id>/<name>`` by kind."""
    names = {k: f"{rec['id']}/{f['name']}" for k, f in rec["files"].items()}
    names["record"] = f"{rec['id']}/{RECORD_NAME}"
    return names


def sizes_match(folder: Path, rec: dict[str, Any]) -> bool:
    """Every file record.json lists is a regular file of the size it gives (cheap: stat only)."""
    for f in rec["files"].values():
        try:
            st = os.lstat(folder / f["name"])
        except OSError:
            return False
        if not stat.S_ISREG(st.st_mode) or st.st_size != f["bytes"]:
            return False
    return True


def untouched(folder: Path, rec: dict[str, Any]) -> bool:
    """Sizes match and no listed file was written after ``record.json`` (stat only).
    ``record.json`` is written after every other file of the record, so an edit
    since — a flipped byte by any ordinary write, a file replaced — shows as a newer
    mtime; a file whose mtime was set back is found by ``govdoc verify``."""
    if not sizes_match(folder, rec):
        return False
    try:
        written = os.lstat(folder / RECORD_NAME).st_mtime_ns
        return all(os.lstat(folder / f["name"]).st_mtime_ns <= written for f in rec["files"].values())
    except OSError:
        return False


def whole(folder: Path, rec: dict[str, Any]) -> bool:
    """Every file record.json lists is there with its sha256 (reads every byte)."""
    if not sizes_match(folder, rec):
        return False
    try:
        return all(file_sha256(folder / f["name"]) == f["sha256"] for f in rec["files"].values())
    except OSError:
        return False


def fsync_folder(folder: Path) -> None:
    """Flush every file of ``folder`` (and of its resource folders) and the folders
    themselves to disk."""
    for f in folder.iterdir():
        if f.is_file() and not f.is_symlink():
            with open(f, "rb") as fh:
                os.fsync(fh.fileno())
        elif f.name in RESOURCE_FOLDERS and f.is_dir() and not f.is_symlink():
            fsync_folder(f)
    _fsync_dir(folder)


def clear_unlisted(folder: Path, rec: dict[str, Any]) -> None:
    """Remove from a staging folder every file record.json does not list (an edition
    or a resource cut short by a kill), resource folders included."""
    listed = {f["name"] for f in rec["files"].values()} | {RECORD_NAME}
    for f in list(folder.iterdir()):
        if f.name in RESOURCE_FOLDERS and f.is_dir() and not f.is_symlink():
            for g in list(f.iterdir()):
                if f"{f.name}/{g.name}" not in listed:
                    g.unlink() if not g.is_dir() or g.is_symlink() else shutil.rmtree(g, True)
        elif f.name not in listed:
            f.unlink() if f.is_file() or f.is_symlink() else shutil.rmtree(f, ignore_errors=True)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# ------------------------------------------------------------------ publishing

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
try:
    _renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
except (OSError, AttributeError):  # not Linux, or a libc without it
    _renameat2 = None


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders atomically (Linux renameat2 RENAME_EXCHANGE); False if unsupported."""
    if _renameat2 is None:
        return False
    if _renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(a), None, str(b))


def publish(staging: Path, final: Path) -> None:
    """Move a finished record folder into place so it appears whole or not at all.

    The files are flushed to disk first.  An older folder of the same id is swapped
    out in one atomic exchange, so a reader (or a kill) sees the old complete
    folder or the new complete one, never neither.  Where the file system cannot
    exchange, the old folder is first renamed to ``<id>.previous-…`` beside the
    staging folders, and ``recover_previous`` puts it back should a kill fall
    between the two renames.
    """
    fsync_folder(staging)
    try:
        os.rename(staging, final)
    except OSError as exc:
        if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
            raise
        if _exchange(staging, final):
            shutil.rmtree(staging, ignore_errors=True)  # the old folder, now at the staging name
        else:
            old = staging.parent / f"{final.name}{_PREVIOUS}{uuid.uuid4().hex[:8]}"
            os.rename(final, old)
            os.rename(staging, final)
            shutil.rmtree(old, ignore_errors=True)
    _fsync_dir(final.parent)


def recover_previous(out_root: Path, staging_root: Path) -> list[str]:
    """Put back old record folders a kill left swapped out (see ``publish``); their ids."""
    back = []
    if not staging_root.is_dir():
        return back
    for p in staging_root.iterdir():
        doc_id, sep, _ = p.name.partition(_PREVIOUS)
        if sep and valid_id(doc_id) and p.is_dir() and not (out_root / doc_id).exists():
            os.rename(p, out_root / doc_id)
            back.append(doc_id)
    return back


def record_folders(out_root: Path) -> list[str]:
    """The ids of the record folders in ``out_root`` (names that are ids, nothing else)."""
    try:
        return sorted(e.name for e in os.scandir(out_root)
                      if valid_id(e.name) and e.is_dir(follow_symlinks=False))
    except OSError:
        return []
