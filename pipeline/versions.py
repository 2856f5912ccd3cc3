"""The same document across captures, and its versions.

Re-scraping a portal gives the same notice with other bytes (a visit counter, a
timestamp in the footer): a record of its own (the record id is a digest of the
bytes), but the same document, which the content digest (``digest.py``) tells.
And a portal corrects a notice and re-publishes it under the same 索引号, or the
page at an address changes between two crawls: the content differs, it is a new
version of that document.

``relate`` reads the manifest's entries and says, for each input:

- ``same_as``: the input of the earliest capture whose record holds the same
  document (the same content digest, other bytes), like ``duplicate_of`` names
  the page whose bytes an input repeats;
- ``version``: for a document (same 索引号, else the same URL) that has more than
  one content digest among the records, ``{"of": "索引号 X", "number": n,
  "count": N, "previous": id}``: its versions numbered by when they were captured
  (the WARC date or what the page states, else when converted), each naming the
  record of the version before it.

Pure: computed again whenever the manifest is written, so it never goes stale
when records come and go.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping


def version_key(d: Mapping[str, Any]) -> tuple[str, str] | None:
    """What makes two records versions of one document: ("索引号", value) or ("url", value)."""
    number = ((d.get("meta") or {}).get("index-number") or "").strip()
    if number:
        return ("索引号", number)
    url = ((d.get("origin") or {}).get("url") or "").strip()
    return ("url", url) if url else None


def _when(d: Mapping[str, Any]) -> tuple[str, str]:
    origin = d.get("origin") or {}
    return (origin.get("captured") or origin.get("converted") or "", d.get("input") or "")


def relate(docs: Iterable[Mapping[str, Any]]) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
    """``(same_as, version)``, both keyed by input (see the module doc)."""
    records = [d for d in docs if d.get("status") in ("ok", "partial")
               and not d.get("duplicate_of") and d.get("content_digest") and d.get("id")]
    by_digest: dict[str, list[Mapping[str, Any]]] = {}
    for d in sorted(records, key=_when):
        by_digest.setdefault(d["content_digest"], []).append(d)
    same: dict[str, str] = {}
    for group in by_digest.values():
        first = group[0]
        for d in group[1:]:
            if d["id"] != first["id"]:
                same[d["input"]] = first["input"]

    documents: dict[tuple[str, str], list[list[Mapping[str, Any]]]] = {}
    for group in by_digest.values():  # in order of each document's first capture
        key = version_key(group[0])
        if key is not None:
            documents.setdefault(key, []).append(group)
    versions: dict[str, dict[str, Any]] = {}
    for (kind, value), groups in documents.items():
        if len(groups) < 2:
            continue
        previous = None
        for n, group in enumerate(groups, start=1):
            facts = {"of": f"{kind} {value}", "number": n, "count": len(groups),
                     "previous": previous}
            for d in group:
                versions[d["input"]] = facts
            previous = group[0]["id"]
    return same, versions
