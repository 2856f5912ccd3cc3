"""``govdoc verify``: has anything in a bag or an output folder changed since it was written?

Every file is hashed again in full.  bagit's "fast" validation only compares the
Payload-Oxum (file count and total size), so a flipped bit in a PDF of the same
size passes it; an archive's fixity check must read every byte.

The result is a list of problems, one per file (CHANGED / MISSING / EXTRA, or
INVALID for a bag whose structure is broken), built by pure-ish walkers so the
command line only prints it.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

MANIFEST_NAME = "manifest.json"
#: Top-level names of an output folder that are batch files, not records.
_BATCH_DIRS = {".thumbs", ".staging"}


@dataclass(frozen=True)
class Problem:
    kind: str   # CHANGED | MISSING | EXTRA | INVALID
    path: str   # relative to the folder verified ("" for the folder itself)
    detail: str = ""

    def line(self) -> str:
        return f"{self.kind} {self.path}" + (f"  ({self.detail})" if self.detail else "")


@dataclass
class Verdict:
    folder: Path
    kind: str          # "bag" | "output folder"
    checked: int = 0   # files whose checksums were recomputed
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def counts(self) -> dict[str, int]:
        c = {k: 0 for k in ("CHANGED", "MISSING", "EXTRA", "INVALID")}
        for p in self.problems:
            c[p.kind] += 1
        return c

    def summary(self) -> str:
        if self.ok:
            return f"{self.folder}: {self.kind}, {self.checked} files checked, all intact"
        c = self.counts()
        parts = [f"{n} {k.lower()}" for k, n in c.items() if n]
        return f"{self.folder}: {self.kind}, {self.checked} files checked: " + ", ".join(parts)

    def as_dict(self) -> dict:
        return {"folder": str(self.folder), "kind": self.kind, "ok": self.ok,
                "checked": self.checked, **{k.lower(): n for k, n in self.counts().items()},
                "problems": [{"kind": p.kind, "path": p.path, "detail": p.detail}
                             for p in self.problems]}


class NotVerifiable(Exception):
    """The folder is neither a bag nor a govdoc output folder."""


def recorded_checksums(docs: list[dict]) -> dict[str, set[str]]:
    """Output path -> the sha256 values the manifest records for it (pure).

    A page scraped twice under two names is one record, one folder, but two
    manifest entries.  ``govdoc convert`` converts it once and gives both entries
    the same checksums; manifests written before it did record each entry's own
    conversion (the XML names its input and conversion time, so they differ), and
    the folder holds one of them.  So a file matching any checksum recorded for
    its path is intact.
    """
    out: dict[str, set[str]] = {}
    for d in docs:
        if d.get("status") != "ok":
            continue
        for kind, rel in (d.get("outputs") or {}).items():
            sha = (d.get("sha256") or {}).get(kind)
            out.setdefault(rel, set()).update({sha} if sha else set())
    return out


def file_digest(path: Path, algorithm: str = "sha256") -> str:
    h = hashlib.new(algorithm)
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def verify(folder: Path) -> Verdict:
    """Verify a bag (has ``bagit.txt``) or a govdoc output folder (has ``manifest.json``)."""
    if not folder.is_dir():
        raise NotVerifiable(f"{folder}: no such folder")
    if (folder / "bagit.txt").is_file():
        return verify_bag(folder)
    if (folder / MANIFEST_NAME).is_file():
        return verify_output(folder)
    raise NotVerifiable(f"{folder}: neither a bag (no bagit.txt) nor a govdoc output folder "
                        f"(no {MANIFEST_NAME})")


def _files_under(root: Path, sub: str) -> set[str]:
    """Every regular file below ``root/sub``, as POSIX paths relative to ``root``."""
    found = set()
    for dirpath, _dirs, names in os.walk(root / sub):
        for n in names:
            found.add((Path(dirpath) / n).relative_to(root).as_posix())
    return found


def verify_bag(folder: Path) -> Verdict:
    """Recompute every payload and tag-file checksum of a bag; report missing and extra files."""
    import bagit

    logging.getLogger("bagit").setLevel(logging.ERROR)
    v = Verdict(folder, "bag")
    try:
        bag = bagit.Bag(str(folder))
    except bagit.BagError as exc:
        v.problems.append(Problem("INVALID", "", _one_line(exc)))
        return v
    # bag.entries: path -> {algorithm: digest}, payload (data/…) and tag files alike
    entries = {Path(p).as_posix(): hashes for p, hashes in bag.entries.items()}
    for rel in sorted(entries):
        path = folder / rel
        if not path.is_file():
            v.problems.append(Problem("MISSING", rel))
            continue
        v.checked += 1
        for alg, expected in sorted(entries[rel].items()):
            try:
                actual = file_digest(path, alg)
            except ValueError:  # an algorithm this Python lacks
                v.problems.append(Problem("INVALID", rel, f"cannot compute {alg}"))
                continue
            if actual != expected.lower():
                v.problems.append(Problem("CHANGED", rel, f"{alg} differs from the manifest"))
                break
    for rel in sorted(_files_under(folder, "data") - set(entries)):
        v.problems.append(Problem("EXTRA", rel))
    if v.ok:
        # the rest of what bagit checks without hashing: bagit.txt, Payload-Oxum, layout
        try:
            bag.validate(completeness_only=True)
        except bagit.BagError as exc:
            v.problems.append(Problem("INVALID", "", _one_line(exc)))
    return v


def verify_output(folder: Path) -> Verdict:
    """Recompute the sha256 of every output the manifest lists; report missing and extra files."""
    v = Verdict(folder, "output folder")
    try:
        manifest = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
        docs = manifest["documents"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        v.problems.append(Problem("INVALID", MANIFEST_NAME, _one_line(exc)))
        return v
    expected = recorded_checksums(docs)
    for rel in sorted(expected):
        path = folder / rel
        if ".." in Path(rel).parts or Path(rel).is_absolute():
            v.problems.append(Problem("INVALID", rel, "unsafe path in the manifest"))
        elif not path.is_file():
            v.problems.append(Problem("MISSING", rel))
        else:
            v.checked += 1
            if not expected[rel]:
                v.problems.append(Problem("INVALID", rel, "no checksum in the manifest"))
            elif file_digest(path) not in expected[rel]:
                v.problems.append(Problem("CHANGED", rel, "sha256 differs from the manifest"))
    # files inside record folders that the manifest does not know
    present: set[str] = set()
    for entry in folder.iterdir():
        if entry.is_dir() and not entry.name.startswith(".") and entry.name not in _BATCH_DIRS:
            present |= _files_under(folder, entry.name)
    for rel in sorted(present - set(expected)):
        v.problems.append(Problem("EXTRA", rel))
    return v


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    details = getattr(exc, "details", None)
    if details:
        text += ": " + "; ".join(" ".join(str(d).split()) for d in details[:3])
    return text[:300]
