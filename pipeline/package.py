"""``govdoc package``: an output folder into a BagIt bag for a records archive.

The bag (RFC 8493, SHA-256 manifests) holds *copies* of every successful record
folder, the batch manifest and the catalogue; an archive can check its fixity
with any BagIt tool, years later, without govdoc.

Why copies, built aside: the bag must not change when the output folder is
converted into again (hardlinks would share the bytes), and a half-built bag must
never sit at the name the archive was told about, so it is assembled in a
sibling folder and renamed into place whole.  Each file's sha256 is checked
against the manifest while it is copied: a record that rotted in OUT is refused,
not sealed into the bag with a fresh, matching checksum.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Mapping

from .catalogue import CATALOGUE_CSV, CATALOGUE_JSON, catalogue_csv, catalogue_json, \
    catalogue_rows, most_common_organization

MANIFEST_NAME = "manifest.json"


class PackageError(Exception):
    """The bag cannot be made; the message is one line naming the file and the reason."""


@dataclass
class PackageSummary:
    bag: Path
    documents: int
    ok: int
    failed: int
    files: int
    bytes: int
    organization: str | None


def bag_info(rows: list[Mapping[str, Any]], generator: Mapping[str, str], *,
             organization: str | None, description: str | None,
             identifier: str | None = None, today: date | None = None) -> dict[str, str]:
    """The bag-info.txt fields (pure).  Bag-Software-Agent and Payload-Oxum are bagit's."""
    ok = sum(1 for r in rows if r["status"] == "ok")
    failed = len(rows) - ok
    org = organization or most_common_organization(rows)
    info: dict[str, str] = {}
    if org:
        info["Source-Organization"] = org
    info["Bagging-Date"] = (today or date.today()).isoformat()
    info["External-Description"] = description or (
        f"{len(rows)} government portal pages converted by "
        f"{generator.get('name', 'govdoc')} {generator.get('version', '')}: {ok} records "
        f"(canonical XML, PDF/A, Word, original page), {failed} failed; "
        f"see data/{CATALOGUE_CSV} and data/{MANIFEST_NAME}")
    if identifier:
        info["External-Identifier"] = identifier
    info["Document-Count"] = str(len(rows))
    info["Converted-Count"] = str(ok)
    info["Failed-Count"] = str(failed)
    info["Generator"] = f"{generator.get('name', 'govdoc')} {generator.get('version', '')}".strip()
    return info


def _copy_checked(src: Path, dst: Path, expected: str | None) -> int:
    """Copy ``src`` to a new file ``dst`` (never a link) and check its sha256 on the way."""
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
    if expected and h.hexdigest() != expected:
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

    from .batch import BatchBusy, _locked, generator_info

    manifest_file = out_root / MANIFEST_NAME
    if not manifest_file.is_file():
        raise PackageError(f"{out_root}: not a govdoc output folder (no {MANIFEST_NAME}); "
                           f"run `govdoc convert` into it first")
    if bag_path.exists() or bag_path.is_symlink():
        raise PackageError(f"{bag_path}: already exists; give a new folder name for the bag")
    if not bag_path.parent.is_dir():
        raise PackageError(f"{bag_path.parent}: no such folder")
    try:
        out_real, bag_real = out_root.resolve(), bag_path.resolve()
    except OSError as exc:
        raise PackageError(f"{bag_path}: {exc.strerror or exc}") from None
    if bag_real.is_relative_to(out_real):
        raise PackageError(f"{bag_path}: is inside the output folder; put the bag elsewhere")

    try:  # no convert may write into OUT while we copy it
        lock = _locked(out_root)
    except BatchBusy as exc:
        raise PackageError(str(exc)) from None
    staging = bag_path.parent / f".{bag_path.name}.govdoc-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    try:
        manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
        docs = manifest.get("documents", [])
        rows = catalogue_rows(docs)
        generator = generator_info()
        staging.mkdir()
        files = total = 0
        copied: set[str] = set()
        for d in docs:
            if d.get("status") != "ok" or not d.get("id") or d["id"] in copied:
                continue  # failed pages have no folder; a page scraped twice is one record
            copied.add(d["id"])
            (staging / d["id"]).mkdir()
            for kind, rel in d.get("outputs", {}).items():
                rel_path = Path(rel)
                if rel_path.is_absolute() or ".." in rel_path.parts or rel_path.parts[0] != d["id"]:
                    raise PackageError(f"{manifest_file}: unsafe output path {rel!r}")
                total += _copy_checked(out_root / rel_path, staging / rel_path,
                                       d.get("sha256", {}).get(kind))
                files += 1
        shutil.copy2(manifest_file, staging / MANIFEST_NAME)
        (staging / CATALOGUE_CSV).write_bytes(catalogue_csv(rows))
        (staging / CATALOGUE_JSON).write_text(
            json.dumps(catalogue_json(rows, generator), ensure_ascii=False, indent=1) + "\n",
            encoding="utf-8")
        info = bag_info(rows, generator, organization=organization, description=description,
                        identifier=identifier)
        logging.getLogger("bagit").setLevel(logging.WARNING)  # no per-file chatter
        bagit.make_bag(str(staging), info, processes=processes, checksums=["sha256"])
        _fsync_tree(staging)
        if bag_path.exists():  # someone took the name while we were copying
            raise PackageError(f"{bag_path}: already exists; give a new folder name for the bag")
        os.rename(staging, bag_path)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        lock.close()
    ok = sum(1 for r in rows if r["status"] == "ok")
    return PackageSummary(bag=bag_path, documents=len(rows), ok=ok, failed=len(rows) - ok,
                          files=files + 3, bytes=total, organization=info.get("Source-Organization"))


def _fsync_tree(root: Path) -> None:
    """Flush every file of the bag to disk before its name appears."""
    for dirpath, _dirs, names in os.walk(root):
        for n in names:
            with open(os.path.join(dirpath, n), "rb") as fh:
                os.fsync(fh.fileno())
