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
import re
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
        if d.get("status") not in ("ok", "partial"):
            continue
        for rel, sha in entry_files(d):
            out.setdefault(rel, set()).update({sha} if sha else set())
    return out


def entry_files(d: dict) -> list[tuple[str, str | None]]:
    """(path, sha256) of every file a manifest entry lists: outputs and its record.json."""
    files = [(rel, (d.get("sha256") or {}).get(kind))
             for kind, rel in (d.get("outputs") or {}).items()]
    record = d.get("record")
    if isinstance(record, dict) and isinstance(record.get("path"), str):
        files.append((record["path"], record.get("sha256")))
    return files


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


def read_manifest_file(path: Path) -> tuple[dict[str, str], list[int]]:
    """A BagIt manifest or tag manifest (RFC 8493 §2.1.3) as path -> checksum (pure-ish).

    Read here rather than through bagit, so a bag whose bag-info.txt bagit refuses
    still has every payload file checked.  Returns the entries and the numbers of
    the lines that could not be read.
    """
    entries: dict[str, str] = {}
    bad: list[int] = []
    text = path.read_bytes().decode("utf-8", "replace").lstrip("\ufeff")
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.strip().split(None, 1)
        if len(parts) != 2 or not re.fullmatch(r"[0-9A-Fa-f]+", parts[0]):
            bad.append(n)
            continue
        rel = parts[1].replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%")
        entries[rel.lstrip("*").removeprefix("./")] = parts[0].lower()
    return entries, bad


def verify_bag(folder: Path) -> Verdict:
    """Recompute every payload and tag-file checksum of a bag; report missing and extra files.

    A govdoc bag is also reconciled with itself: every record its own
    data/manifest.json lists must be in the payload with the same checksums, no
    record folder may be there that it does not list, and data/catalogue.csv and
    .json must list the same documents.  A malformed bag-info.txt is reported after
    the payload has been checked, not instead.
    """
    v = Verdict(folder, "bag")
    seen: set[tuple[str, str]] = set()

    def problem(kind: str, rel: str, detail: str = "") -> None:
        if (kind, rel) not in seen:
            seen.add((kind, rel))
            v.problems.append(Problem(kind, rel, detail))

    manifests = {"payload": {}, "tag": {}}  # kind -> algorithm -> {path: digest}
    for f in sorted(folder.iterdir()):
        m = re.fullmatch(r"(tag)?manifest-([a-z0-9]+)\.txt", f.name)
        if not m or not f.is_file():
            continue
        entries, bad = read_manifest_file(f)
        for n in bad:
            problem("INVALID", f.name, f"line {n} is not 'checksum path'")
        manifests["tag" if m[1] else "payload"][m[2]] = entries
    if not manifests["payload"]:
        problem("INVALID", "", "no manifest-<algorithm>.txt: not a complete bag")
    own = folder / "data" / MANIFEST_NAME
    if own.is_file() and "sha256" not in manifests["tag"]:
        problem("MISSING", "tagmanifest-sha256.txt",
                "a govdoc bag has one; without it bag-info.txt and the manifests are unchecked")

    listed: dict[str, dict[str, str]] = {}  # path -> {algorithm: digest}
    for kind in ("payload", "tag"):
        for alg, entries in manifests[kind].items():
            for rel, digest in entries.items():
                listed.setdefault(rel, {})[alg] = digest
    for rel in sorted(listed):
        path = folder / rel
        if ".." in Path(rel).parts or Path(rel).is_absolute():
            problem("INVALID", rel, "unsafe path in a manifest")
            continue
        if not path.is_file():
            problem("MISSING", rel)
            continue
        v.checked += 1
        for alg, expected in sorted(listed[rel].items()):
            try:
                actual = file_digest(path, alg)
            except ValueError:  # an algorithm this Python lacks
                problem("INVALID", rel, f"cannot compute {alg}")
                continue
            if actual != expected:
                problem("CHANGED", rel, f"{alg} differs from the manifest")
                break
    payload = set().union(*(e.keys() for e in manifests["payload"].values())) \
        if manifests["payload"] else set()
    for rel in sorted(_files_under(folder, "data") - payload):
        problem("EXTRA", rel)
    for tagged in manifests["tag"].values():
        for name in ["bagit.txt", "bag-info.txt"] + \
                [f"manifest-{alg}.txt" for alg in manifests["payload"]]:
            if (folder / name).is_file() and name not in tagged:
                problem("INVALID", name, "not covered by the tag manifest")
    if own.is_file():
        _reconcile_bag(folder, manifests["payload"].get("sha256", {}), problem)

    import bagit

    logging.getLogger("bagit").setLevel(logging.ERROR)
    try:
        bag = bagit.Bag(str(folder))
    except bagit.BagError as exc:
        problem("INVALID", "bag-info.txt" if "bag-info" in str(exc) else "",
                _one_line(exc))
        return v
    if v.ok:
        # the rest of what bagit checks without hashing: bagit.txt, Payload-Oxum, layout
        try:
            bag.validate(completeness_only=True)
        except bagit.BagError as exc:
            problem("INVALID", "", _one_line(exc))
    return v


def _reconcile_bag(folder: Path, payload: dict[str, str], problem) -> None:
    """A govdoc bag against its own data/manifest.json and catalogue."""
    from ..batch.record import valid_id

    try:
        docs = json.loads((folder / "data" / MANIFEST_NAME).read_text(encoding="utf-8"))["documents"]
        if not isinstance(docs, list):
            raise TypeError("documents is not a list")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        problem("INVALID", f"data/{MANIFEST_NAME}", _one_line(exc))
        return
    records: set[str] = set()
    for d in docs:
        if not isinstance(d, dict):
            continue
        if d.get("status") not in ("ok", "partial") or not valid_id(d.get("id")):
            continue
        records.add(d["id"])
        for rel, sha in entry_files(d):
            path = f"data/{rel}"
            if path not in payload:
                problem("MISSING", path, f"listed in data/{MANIFEST_NAME}, not in the bag's "
                                         "manifest")
            elif sha and payload[path] != sha:
                problem("CHANGED", path, f"the bag's manifest and data/{MANIFEST_NAME} "
                                         "disagree")
    data = folder / "data"
    for entry in sorted(os.scandir(data), key=lambda e: e.name) if data.is_dir() else []:
        if entry.is_dir() and valid_id(entry.name) and entry.name not in records:
            for rel in sorted(_files_under(folder, f"data/{entry.name}")):
                problem("EXTRA", rel, f"not a record data/{MANIFEST_NAME} lists")
    want = sorted((d.get("id") or "", d.get("input") or "", d.get("status") or "")
                  for d in docs if isinstance(d, dict))
    for name, rows in (("catalogue.csv", _csv_rows(data / "catalogue.csv")),
                       ("catalogue.json", _json_rows(data / "catalogue.json"))):
        if rows is None:
            problem("MISSING" if not (data / name).exists() else "INVALID", f"data/{name}",
                    "" if not (data / name).exists() else "cannot be read")
        elif sorted(rows) != want:
            lost = len(set(want) - set(rows))
            more = len(set(rows) - set(want))
            problem("INVALID", f"data/{name}",
                    f"does not list the documents data/{MANIFEST_NAME} lists "
                    f"({lost} missing, {more} not in data/{MANIFEST_NAME})")


def _csv_rows(path: Path) -> list[tuple[str, str, str]] | None:
    import csv

    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
        table = list(csv.reader(lines))
        head = [h.rsplit(" ", 1)[-1] for h in table[0]]
        at = {k: head.index(k) for k in ("id", "source-input", "status")}
    except (OSError, ValueError, IndexError, UnicodeDecodeError):
        return None

    def cell(row: list[str], key: str) -> str:
        value = row[at[key]] if at[key] < len(row) else ""
        # the catalogue defuses spreadsheet formulas with a leading '
        return value[1:] if value[:2] in {"'" + c for c in "=+-@\t\r"} else value
    return [(cell(r, "id"), cell(r, "source-input"), cell(r, "status")) for r in table[1:] if r]


def _json_rows(path: Path) -> list[tuple[str, str, str]] | None:
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))["rows"]
        return [(r.get("id") or "", r.get("source-input") or "", r.get("status") or "")
                for r in rows]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


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
