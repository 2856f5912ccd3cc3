"""The ledger checked against the record folders, and rebuilt when it is lost.

Each record folder carries its own ``record.json`` (see ``record.py``), published
with its files in one rename; the parent commits the ledger row right after.  So
the folders are the truth and the ledger an index of them, and at the start of
every run the one is checked against the other:

- a folder whose record.json is not the one its rows describe was published by a
  run killed before it committed: if the folder is whole (every file matches
  record.json) its rows are brought up to date from it;
- a record folder no row names was published by a run killed before it committed
  its first row, or is the old folder of a page that changed, left by a kill
  before its removal: the newer of the two (record.json's ``converted_at``) wins;
- a folder the rows name that has gone makes its rows failed (retried);
- a record whose files do not match their own record.json is left alone for
  ``govdoc verify`` to report, and converted again when its page is in the batch.

The check reads each record.json (a few hundred bytes) and stats each file: a
re-run with nothing to do stays cheap.  Full hashing is done only on a folder
about to be trusted over the ledger, and by ``verify`` and ``check``.
"""
from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..convert import DocResult
from ..errors import ENVIRONMENT, PAGE
from .ledger import STATUSES, Ledger
from .record import checksums, is_resource, outputs, read_record, record_folders, untouched, \
    valid_id, valid_output, whole

MANIFEST_NAME = "manifest.json"


@dataclass
class Reconciled:
    #: record folders whose files match the rows naming them (by size; see module doc)
    intact: set[str] = field(default_factory=set)
    #: one line each for the person: what was repaired
    notices: list[str] = field(default_factory=list)


def from_record(rec: dict[str, Any], record_sha: str, input_: str,
                seconds: float = 0.0) -> DocResult:
    """The ledger row of ``input_`` for the record folder ``rec`` describes."""
    return DocResult(input=input_, id=rec["id"], status=rec["status"], error=rec.get("reason"),
                     outputs=outputs(rec), sha256=checksums(rec, record_sha),
                     input_sha256=rec.get("input_sha256"), title=rec.get("title"),
                     meta=dict(rec.get("meta") or {}), warnings=list(rec.get("warnings") or []),
                     duplicate_of=None if input_ == rec.get("input") else rec.get("input"),
                     seconds=seconds, fault=rec.get("fault"),
                     content_digest=rec.get("content_digest"),
                     origin=dict(rec.get("origin") or {}), resources=resources_of(rec))


def resources_of(rec: dict[str, Any]) -> list[dict[str, Any]]:
    """The pictures and attachments record.json lists, as the manifest lists them."""
    return [{"path": f"{rec['id']}/{f['name']}", "role": f.get("role"),
             "name": f.get("original"), "text": f.get("text"), "mime": f.get("mime"),
             "bytes": f.get("bytes"), "url": f.get("url")}
            for k, f in rec["files"].items() if is_resource(k)]


def reconcile(out_root: Path, ledger: Ledger) -> Reconciled:
    """Bring the ledger in line with the record folders on disk (see the module doc)."""
    done = Reconciled()
    rows = ledger.all()
    by_id: dict[str, list[DocResult]] = {}
    for r in rows:
        if r.id and r.status in ("ok", "partial"):
            by_id.setdefault(r.id, []).append(r)
    adopted = gone = 0
    for doc_id, group in by_id.items():
        folder = out_root / doc_id
        got = read_record(folder)
        if got is None:
            if not folder.exists():
                for r in group:
                    ledger.record(_gone(r), "")
                gone += len(group)
            continue  # a folder without a usable record.json: converted again when its page comes
        rec, sha = got
        want = checksums(rec, sha)
        if all(r.sha256 == want for r in group):
            # stat only, unless a file changed since its record.json: then every byte
            if untouched(folder, rec) or whole(folder, rec):
                done.intact.add(doc_id)
            continue
        if rec["status"] in ("ok", "partial") and whole(folder, rec):
            key = rec.get("settings_key") or ""
            for r in group:
                ledger.record(from_record(rec, sha, r.input, r.seconds), key)
            done.intact.add(doc_id)
            adopted += 1

    known = set(by_id)
    removed = 0
    for doc_id in record_folders(out_root):
        if doc_id in known:
            continue
        folder = out_root / doc_id
        got = read_record(folder)
        if got is None or got[0]["status"] not in ("ok", "partial"):
            continue  # not a record govdoc wrote: verify reports it, nothing here touches it
        rec, sha = got
        owner = ledger.lookup(rec["input"]) if isinstance(rec.get("input"), str) else None
        owner_rec = read_record(out_root / owner.id) if owner and owner.id and \
            owner.status in ("ok", "partial") else None
        if owner_rec is not None and owner_rec[0].get("converted_at", "") > rec.get("converted_at", ""):
            # the old folder of a page that changed, its removal interrupted
            if not ledger.id_in_use(doc_id):
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
            continue
        if not whole(folder, rec):
            continue
        ledger.record(from_record(rec, sha, rec["input"]), rec.get("settings_key") or "")
        done.intact.add(doc_id)
        adopted += 1
        if owner and owner.id and owner.id != doc_id and not ledger.id_in_use(owner.id):
            shutil.rmtree(out_root / owner.id, ignore_errors=True)  # the page's older record
    if adopted:
        done.notices.append(f"{adopted} record folder(s) published by an interrupted run were "
                            "whole: the ledger now lists them")
    if removed:
        done.notices.append(f"{removed} older record folder(s) of changed pages, left by an "
                            "interrupted run, were removed")
    if gone:
        done.notices.append(f"{gone} record(s) listed in the ledger had no folder any more "
                            "(removed outside govdoc?): now listed failed, converted again "
                            "when their pages are in a batch")
    return done


def _gone(r: DocResult) -> DocResult:
    return DocResult(input=r.input, id=r.id, status="failed", input_sha256=r.input_sha256,
                     error=f"its record folder {r.id} has gone (removed outside govdoc); "
                           "it is converted again when its page is in a batch",
                     title=r.title, meta=r.meta, duplicate_of=r.duplicate_of, fault=ENVIRONMENT)


def rebuild(out_root: Path, ledger: Ledger) -> str | None:
    """Fill a new, empty ledger from manifest.json (then ``reconcile`` adds the folders).

    Returns a line for the person, or None when there was nothing to rebuild from.
    Entries that do not validate (an id that is not a record id, a path outside
    its record) are left out, and counted in the line.
    """
    docs: list[Any] = []
    try:
        manifest = json.loads((out_root / MANIFEST_NAME).read_text(encoding="utf-8"))
        docs = manifest.get("documents") or [] if isinstance(manifest, dict) else []
    except (OSError, ValueError):
        pass
    folders = record_folders(out_root)
    if not docs and not folders:
        return None
    taken = refused = 0
    for d in docs:
        r = entry_result(d)
        if r is None:
            refused += 1
            continue
        key = ""
        if r.id and r.status != "failed":
            got = read_record(out_root / r.id)
            if got and checksums(*got) == r.sha256:
                key = got[0].get("settings_key") or ""
        ledger.record(r, key)
        taken += 1
    line = (f"the ledger was missing: rebuilt from manifest.json ({taken} entries"
            + (f", {refused} left out as invalid" if refused else "")
            + f") and {len(folders)} record folder(s)")
    return line


def entry_result(d: Any) -> DocResult | None:
    """A manifest entry as a DocResult, or None when it does not validate."""
    if not isinstance(d, dict) or not isinstance(d.get("input"), str) \
            or d.get("status") not in STATUSES:
        return None
    doc_id = d.get("id")
    if doc_id is not None and not valid_id(doc_id):
        return None
    outs, sha = d.get("outputs") or {}, d.get("sha256") or {}
    if not isinstance(outs, dict) or not isinstance(sha, dict):
        return None
    outs, sha = dict(outs), dict(sha)
    record = d.get("record")
    if isinstance(record, dict):
        outs["record"], sha["record"] = record.get("path"), record.get("sha256")
    if not all(valid_output(doc_id, k, v) for k, v in outs.items()):
        return None
    if d["status"] == "failed":
        outs, sha = {}, {}
    last = d.get("last_attempt")
    return DocResult(input=d["input"], id=doc_id, status=d["status"], error=d.get("error"),
                     outputs=outs, sha256=sha, input_sha256=d.get("input_sha256"),
                     title=d.get("title"), meta=d.get("meta") or {},
                     warnings=d.get("warnings") or [], duplicate_of=d.get("duplicate_of"),
                     fault=None if d["status"] == "ok" else
                     ENVIRONMENT if d.get("retryable") else PAGE,
                     last_attempt=last if isinstance(last, dict) else None,
                     content_digest=d.get("content_digest") if isinstance(
                         d.get("content_digest"), str) else None,
                     origin=d.get("origin") if isinstance(d.get("origin"), dict) else {},
                     resources=[x for x in d.get("resources") or [] if isinstance(x, dict)]
                     if isinstance(d.get("resources"), list) else [])


def disagreements(out_root: Path, docs: list[Any]) -> list[str]:
    """How the record folders on disk and the manifest's entries disagree (one line each).

    What ``package`` refuses to seal: an entry that does not validate, a listed
    record whose folder or record.json is missing or describes other files, a
    record folder no entry lists, and a ledger newer than the manifest.
    """
    problems: list[str] = []
    listed: dict[str, list[DocResult]] = {}
    for d in docs:
        r = entry_result(d)
        if r is None:
            name = d.get("input") if isinstance(d, dict) else None
            problems.append(f"manifest entry {name!r} is not valid (an id or a path that is "
                            "not a record's)")
        elif r.id and r.status in ("ok", "partial"):
            listed.setdefault(r.id, []).append(r)
    for doc_id, group in sorted(listed.items()):
        got = read_record(out_root / doc_id)
        if got is None:
            if (out_root / doc_id).is_dir() and all("record" not in r.outputs for r in group):
                continue  # a record written before record.json existed: its files are checked
            problems.append(f"record {doc_id}: no record.json in its folder")
        elif any(r.sha256 != checksums(*got) for r in group):
            problems.append(f"record {doc_id}: its folder holds other files than manifest.json "
                            "lists (an interrupted govdoc convert?)")
    for doc_id in record_folders(out_root):
        if doc_id not in listed:
            problems.append(f"record folder {doc_id} is not listed in manifest.json")
    if (out_root / ".govdoc-ledger.sqlite").is_file():
        try:
            with Ledger(out_root) as ledger:
                rows = {(r.input, r.id, r.status, json.dumps(r.sha256, sort_keys=True))
                        for r in ledger.all()}
        except Exception:  # a damaged ledger says nothing about the manifest
            rows = None
        entries = {(r.input, r.id, r.status, json.dumps(r.sha256, sort_keys=True))
                   for r in map(entry_result, docs) if r is not None}
        if rows is not None and rows != entries:
            problems.append("manifest.json is older than the batch ledger (an interrupted "
                            "govdoc convert?)")
    return problems
