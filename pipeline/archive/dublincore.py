"""Dublin Core per record, as ``metadata/metadata.csv`` for Archivematica.

Archivematica reads a transfer's ``metadata/metadata.csv`` (in a bag:
``data/metadata/metadata.csv``) and writes each row into the METS as the
descriptive metadata (dmdSec) of the file or folder its ``filename`` column names,
``objects/…`` being the transfer's content.  One row per record folder
(``objects/<id>``), so the archive's catalogue shows 题名, 索引号, 发布机构, the dates
and the page's address without reading our XML.  Mapping (ISO 15836):

| column | from |
| --- | --- |
| dc.title | 题名 |
| dc.creator | 发文机关 (issuer), else 发布机构 |
| dc.subject | 主题分类 |
| dc.publisher | 发布机构 (publisher) |
| dc.date | 成文日期, else 发布日期 |
| dc.type | 文种 when the page gives it, else ``Text`` |
| dc.format | ``text/html`` (the capture; the editions are derived from it) |
| dc.identifier | 索引号; a second dc.identifier column holds 发文字号 |
| dc.source | the page's URL (WARC-Target-URI, or what the page states) |
| dc.language | ``zh-CN`` (``en`` for an English edition) |
| dc.relation | the attachments kept, one per line |
| dc.description | when the page was captured (``captured …``: not dc.coverage, which is the document's subject in space or time) |

Repeated ``dc.identifier`` columns are how Archivematica takes several values.
Failed pages have no record folder and no row; a page scraped twice is one row.
"""
from __future__ import annotations

import csv
import io
from typing import Any, Iterable, Mapping

METADATA_CSV = "metadata/metadata.csv"
HEADER = ("filename", "dc.title", "dc.creator", "dc.subject", "dc.publisher", "dc.date",
          "dc.type", "dc.format", "dc.identifier", "dc.identifier", "dc.source", "dc.language",
          "dc.relation", "dc.description")


def dc_rows(docs: Iterable[Mapping[str, Any]]) -> list[list[str]]:
    """One row per record (manifest entries; ok and partial), in the manifest's order (pure)."""
    rows, seen = [], set()
    for d in docs:
        if d.get("status") not in ("ok", "partial") or not d.get("id") or d["id"] in seen:
            continue
        seen.add(d["id"])
        meta = d.get("meta") or {}
        origin = d.get("origin") or {}
        attachments = [r.get("text") or r.get("name") or r.get("path") or ""
                       for r in d.get("resources") or [] if r.get("role") == "attachment"]
        rows.append([
            f"objects/{d['id']}",
            d.get("title") or meta.get("title") or "",
            meta.get("issuer") or meta.get("publisher") or "",
            meta.get("subject") or "",
            meta.get("publisher") or "",
            meta.get("written-date") or meta.get("published-date") or "",
            meta.get("doc-type") or "Text",
            "text/html",
            meta.get("index-number") or "",
            meta.get("doc-number") or "",
            origin.get("url") or "",
            d.get("language") or "zh-CN",
            "\n".join(a for a in attachments if a),
            f"captured {origin['captured']}" if origin.get("captured") else "",
        ])
    return rows


def metadata_csv(docs: Iterable[Mapping[str, Any]]) -> bytes:
    """``metadata.csv`` as bytes: UTF-8 (what Archivematica reads; no BOM, which would
    become part of the first column's name)."""
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(HEADER)
    w.writerows(dc_rows(docs))
    return buf.getvalue().encode("utf-8")
