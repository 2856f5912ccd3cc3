"""``govdoc package``: an output folder into a BagIt bag for a records archive.

The bag (RFC 8493, SHA-256 manifests) holds *copies* of every successful record
folder, the batch manifest and the catalogue; an archive can check its fixity
with any BagIt tool, years later, without govdoc.

Why copies, built aside: the bag must not change when the output folder is
converted into again (hardlinks would share the bytes), and a half-built bag must
never sit at the name the archive was told about, so it is assembled in a
sibling folder (``.NAME.govdoc-HOST-PID-XXXXXX``) and renamed into place whole.
A package killed outright leaves that folder behind; the next package run in the
same place removes it (when the process that made it, on this host, is gone).
Each file's sha256 is checked against the manifest while it is copied: a record
that rotted in OUT is refused, not sealed into the bag with a fresh, matching
checksum; and an output folder whose record folders and manifest disagree (an
interrupted convert) is refused before anything is copied.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import socket
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Mapping

from .catalogue import CATALOGUE_CSV, CATALOGUE_JSON, catalogue_csv, catalogue_json, \
    catalogue_rows
from .dublincore import METADATA_CSV, metadata_csv
from .report import REPORT_NAME, report_files
from ..batch.record import valid_id
from ..batch.repair import disagreements
from .verify import entry_files, recorded_checksums

MANIFEST_NAME = "manifest.json"
#: How External-Description names each kind of file a record folder may hold.
_EDITIONS = (("document.xml", "canonical XML"), ("document.pdf", "PDF/A"),
             ("document.docx", "Word"), ("source.html", "original page"))


class PackageError(Exception):
    """The bag cannot be made; the message is one line naming the file and the reason."""


class PackageUsageError(PackageError):
    """The command was wrong (OUT is not an output folder, BAG exists): exit status 2."""


class PackageBusy(PackageError):
    """A govdoc convert is writing into OUT: exit status 3."""


_STAGING = re.compile(r"\.(?P<bag>.+)\.govdoc-(?P<host>[A-Za-z0-9-]+)-(?P<pid>\d+)-[0-9a-f]{6}")


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:60] or "host"


def stale_bags(parent: Path) -> list[Path]:
    """Half-built bags in ``parent`` whose package process (on this host) has gone."""
    found = []
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return found
    for e in entries:
        m = _STAGING.fullmatch(e.name)
        if not m or m["host"] != _host() or not e.is_dir(follow_symlinks=False):
            continue
        try:
            os.kill(int(m["pid"]), 0)
            continue  # still running (or the pid was reused: left for a later run)
        except ProcessLookupError:
            found.append(Path(e.path))
        except (PermissionError, OverflowError):
            continue
    return found


@dataclass
class PackageSummary:
    bag: Path
    documents: int
    ok: int
    failed: int   # no record
    files: int
    bytes: int
    organization: str | None
    partial: int = 0  # a record with an edition missing
    #: half-built bags of interrupted package runs that were removed first
    removed: list[Path] | None = None


#: Source-Organization when ``--organization`` is not given: said, not guessed (the
#: publishers the pages name are the portals' offices, not who hands the bag over).
UNKNOWN_ORGANIZATION = "unknown"
#: The BagIt version written (RFC 8493); bagit-python writes 0.97, so bagit.txt is
#: rewritten and the tag manifest made again.
BAGIT_VERSION = "1.0"


def bag_info(rows: list[Mapping[str, Any]], generator: Mapping[str, str], *,
             organization: str | None, description: str | None,
             identifier: str | None = None, today: date | None = None) -> dict[str, str]:
    """The bag-info.txt fields (pure).  Bag-Software-Agent and Payload-Oxum are bagit's."""
    ok = sum(1 for r in rows if r["status"] == "ok")
    partial = sum(1 for r in rows if r["status"] == "partial")
    failed = len(rows) - ok - partial
    info: dict[str, str] = {}
    info["Source-Organization"] = (organization or "").strip() or UNKNOWN_ORGANIZATION
    info["Bagging-Date"] = (today or date.today()).isoformat()
    names = {p.rsplit("/", 1)[-1] for r in rows for p in r["outputs"]}
    attachments = len({a["file"] for r in rows for a in r.get("attachments") or []})
    editions = ", ".join(label for file, label in _EDITIONS if file in names) or "no files"
    info["External-Description"] = description or (
        f"{len(rows)} government portal pages converted by "
        f"{generator.get('name', 'govdoc')} {generator.get('version', '')}: {ok} records "
        f"({editions}" + (f", {attachments} attachments" if attachments else "") + "), "
        + (f"{partial} partial records (an edition missing), " if partial else "")
        + f"{failed} failed; see data/{CATALOGUE_CSV}, data/{REPORT_NAME}, "
        f"data/{METADATA_CSV} (Dublin Core) and data/{MANIFEST_NAME}")
    if identifier:
        info["External-Identifier"] = identifier
    info["Document-Count"] = str(len(rows))
    info["Converted-Count"] = str(ok)
    if partial:
        info["Partial-Count"] = str(partial)
    info["Failed-Count"] = str(failed)
    info["Generator"] = f"{generator.get('name', 'govdoc')} {generator.get('version', '')}".strip()
    return info


def _copy_checked(src: Path, dst: Path, expected: set[str]) -> int:
    """Copy ``src`` to a new file ``dst`` (never a link) and check its sha256 on the way.

    ``expected``: the checksums the manifest records for this path (see
    ``verify.recorded_checksums``); empty means none was recorded.
    """
    h = hashlib.sha256()
    size = 0
    try:
        with open(src, "rb") as fi, open(dst, "xb") as fo:
            for chunk in iter(lambda: fi.read(1 << 20), b""):
                h.update(chunk)
                fo.write(chunk)
                size += len(chunk)
    except FileNotFoundError:
        raise PackageError(f"{src}: missing (listed in the manifest); "
                           f"run `govdoc verify` on the output folder") from None
    if expected and h.hexdigest() not in expected:
        raise PackageError(f"{src}: differs from its checksum in the manifest; "
                           f"run `govdoc verify` on the output folder")
    shutil.copystat(src, dst)
    return size


def make_package(out_root: Path, bag_path: Path, *, organization: str | None = None,
                 description: str | None = None, identifier: str | None = None,
                 processes: int = 1) -> PackageSummary:
    """Write the bag at ``bag_path`` from the output folder ``out_root``.

    Raises PackageError (one line) when the folder is not a govdoc output folder,
    the bag already exists, or a record's file is missing or changed.
    """
    import bagit

    from ..batch.run import BatchBusy, _locked, generator_info

    manifest_file = out_root / MANIFEST_NAME
    if not manifest_file.is_file():
        raise PackageUsageError(f"{out_root}: not a govdoc output folder (no {MANIFEST_NAME}); "
                           f"run `govdoc convert` into it first")
    if bag_path.exists() or bag_path.is_symlink():
        raise PackageUsageError(f"{bag_path}: already exists; give a new folder name for the bag")
    if not bag_path.parent.is_dir():
        raise PackageUsageError(f"{bag_path.parent}: no such folder")
    try:
        out_real, bag_real = out_root.resolve(), bag_path.resolve()
    except OSError as exc:
        raise PackageError(f"{bag_path}: {exc.strerror or exc}") from None
    if bag_real.is_relative_to(out_real):
        raise PackageUsageError(f"{bag_path}: is inside the output folder; put the bag elsewhere")

    try:  # no convert may write into OUT while we copy it
        lock = _locked(out_root)
    except BatchBusy as exc:
        raise PackageBusy(str(exc)) from None
    except OSError:  # read-only media: nobody can be writing there either
        lock = None
    removed = []
    for stale in stale_bags(bag_path.parent):
        shutil.rmtree(stale, ignore_errors=True)
        removed.append(stale)
    staging = bag_path.parent / (f".{bag_path.name}.govdoc-{_host()}-{os.getpid()}-"
                                 f"{uuid.uuid4().hex[:6]}")
    try:
        try:
            manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
            docs = manifest.get("documents", [])
            if not isinstance(docs, list):
                raise ValueError("no list of documents")
        except (ValueError, AttributeError) as exc:
            raise PackageError(f"{manifest_file}: not a govdoc manifest "
                               f"({' '.join(str(exc).split())[:100]})") from None
        problems = disagreements(out_root, docs)
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise PackageError(f"{out_root}: {problems[0]}{more}; the record folders and "
                               f"the manifest disagree, so no bag was made: run the same "
                               f"govdoc convert again (or govdoc verify {out_root})")
        rows = catalogue_rows(docs)
        generator = generator_info()
        staging.mkdir()
        recorded = recorded_checksums(docs)
        files = total = 0
        copied: set[str] = set()
        for d in docs:
            if d.get("status") not in ("ok", "partial") or d["id"] in copied:
                continue  # failed pages have no folder; a page scraped twice is one record
            if not valid_id(d["id"]):  # checked by disagreements(); never a path from it
                raise PackageError(f"{manifest_file}: {d['id']!r} is not a record id")
            copied.add(d["id"])
            (staging / d["id"]).mkdir()
            for rel, _ in entry_files(d):
                rel_path = Path(rel)
                if rel_path.is_absolute() or ".." in rel_path.parts or rel_path.parts[0] != d["id"]:
                    raise PackageError(f"{manifest_file}: unsafe output path {rel!r}")
                (staging / rel_path).parent.mkdir(exist_ok=True)  # attachments/, images/
                total += _copy_checked(out_root / rel_path, staging / rel_path, recorded[rel])
                files += 1
        shutil.copy2(manifest_file, staging / MANIFEST_NAME)
        (staging / CATALOGUE_CSV).write_bytes(catalogue_csv(rows))
        (staging / CATALOGUE_JSON).write_text(
            json.dumps(catalogue_json(rows, generator), ensure_ascii=False, indent=1) + "\n",
            encoding="utf-8")
        # the batch report (its links lead to the records' files in the bag) and the
        # Dublin Core of every record, for Archivematica
        for name, data in report_files(out_root, docs, generator):
            (staging / name).write_bytes(data)
            files += 1
        (staging / METADATA_CSV).parent.mkdir()
        (staging / METADATA_CSV).write_bytes(metadata_csv(docs))
        files += 1
        info = bag_info(rows, generator, organization=organization, description=description,
                        identifier=identifier)
        logging.getLogger("bagit").setLevel(logging.WARNING)  # no per-file chatter
        bagit.make_bag(str(staging), info, processes=processes, checksums=["sha256"])
        _declare_version(staging)
        _fsync_tree(staging)
        if bag_path.exists():  # someone took the name while we were copying
            raise PackageError(f"{bag_path}: already exists; give a new folder name for the bag")
        os.rename(staging, bag_path)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        if lock is not None:
            lock.close()
    ok = sum(1 for r in rows if r["status"] == "ok")
    partial = sum(1 for r in rows if r["status"] == "partial")
    return PackageSummary(bag=bag_path, documents=len(rows), ok=ok,
                          failed=len(rows) - ok - partial, partial=partial,
                          files=files + 3, bytes=total, organization=info.get("Source-Organization"),
                          removed=removed)


def _declare_version(bag: Path) -> None:
    """bagit.txt says BagIt 1.0 (RFC 8493), as the README promises; the tag manifest,
    which covers bagit.txt, is written again."""
    (bag / "bagit.txt").write_text(f"BagIt-Version: {BAGIT_VERSION}\n"
                                   "Tag-File-Character-Encoding: UTF-8\n", encoding="utf-8")
    lines = []
    for dirpath, dirs, names in os.walk(bag):
        rel_dir = Path(dirpath).relative_to(bag)
        if rel_dir == Path("."):
            dirs[:] = [d for d in dirs if d != "data"]
        for n in sorted(names):
            rel = (rel_dir / n).as_posix()
            if not re.fullmatch(r"tagmanifest-.+\.txt", rel):
                h = hashlib.sha256((bag / rel).read_bytes()).hexdigest()
                lines.append(f"{h} {rel}\n")
    (bag / "tagmanifest-sha256.txt").write_text("".join(sorted(lines, key=lambda x: x[65:])),
                                                encoding="utf-8")


def _fsync_tree(root: Path) -> None:
    """Flush every file of the bag to disk before its name appears."""
    for dirpath, _dirs, names in os.walk(root):
        for n in names:
            with open(os.path.join(dirpath, n), "rb") as fh:
                os.fsync(fh.fileno())
