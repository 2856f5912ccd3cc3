"""The batch catalogue (归档文件目录): one row per input page, failures included.

An archive reconciles a transfer against its catalogue before it looks at a
single file, so the catalogue must list *every* input (a page that failed is
still a page the archive was promised) with the columns DA/T 22-2015 asks for
that a web capture can fill: 题名, 文号, 责任者, 日期, plus the record id, the
source page and its SHA-256, and what became of it.  A page scraped twice under
two names is one record with two rows; the second names the first under 重份
(duplicate), so a reconciliation counts pages and records without guessing.

Rows are built from the manifest / ledger (``DocResult.meta``), never by
re-reading each XML: building the catalogue of 10 000 records must not cost a
second pass over 10 000 files.  The builders here are pure; writing is at the end.
"""
from __future__ import annotations

import csv
import io
import os
from collections import Counter
from pathlib import Path
from typing import Any, Iterable, Mapping

CATALOGUE_CSV = "catalogue.csv"
CATALOGUE_JSON = "catalogue.json"

#: Output kinds in the order a reader expects them listed.
OUTPUT_ORDER = ("xml", "pdf", "docx", "source")

#: (key, Chinese heading) of each column, in order.  The JSON uses the keys; the
#: CSV heading row shows ``中文 key`` so a records officer and a script can both read it.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("no", "序号"),
    ("id", "记录号"),
    ("title", "题名"),
    ("index-number", "索引号"),
    ("doc-number", "发文字号"),
    ("issuer", "发文机关"),
    ("publisher", "发布机构"),
    ("written-date", "成文日期"),
    ("published-date", "发布日期"),
    ("source-input", "来源文件"),
    ("url", "原网址"),
    ("captured", "采集时间"),
    ("input-sha256", "来源文件SHA-256"),
    ("content-digest", "内容摘要"),
    ("duplicate-of", "重份"),
    ("same-as", "同一文件"),
    ("version", "版本"),
    ("status", "状态"),
    ("error", "失败原因"),
    ("warnings", "警告"),
    ("attachment-count", "附件数"),
    ("attachments", "附件"),
    ("outputs", "文件"),
)
META_KEYS = ("index-number", "doc-number", "issuer", "publisher", "written-date",
             "published-date")


def catalogue_rows(docs: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One catalogue row per manifest document entry (``DocResult.as_dict()`` shape).

    Order is kept (the manifest's, i.e. by input path); ``no`` counts from 1.
    Missing values are empty strings so every row has every column.
    """
    rows = []
    for n, d in enumerate(docs, start=1):
        meta = d.get("meta") or {}
        outputs = d.get("outputs") or {}
        row: dict[str, Any] = {
            "no": n,
            "id": d.get("id") or "",
            "title": d.get("title") or meta.get("title") or "",
        }
        for key in META_KEYS:
            row[key] = meta.get(key) or ""
        origin = d.get("origin") or {}
        failed = d.get("status") in (None, "failed")
        kept = [] if failed else [r for r in d.get("resources") or []
                                  if isinstance(r, dict) and r.get("role") == "attachment"]
        row.update({
            "source-input": d.get("input") or "",
            # where the page came from and when it was captured (the WARC, or the page)
            "url": origin.get("url") or "",
            "captured": origin.get("captured") or "",
            "input-sha256": d.get("input_sha256") or "",
            # the document without its page chrome: equal across captures of one document
            "content-digest": d.get("content_digest") or "",
            # the same page scraped under another name: the record is that page's
            "duplicate-of": d.get("duplicate_of") or "",
            # the same document captured before, with other bytes: that capture
            "same-as": d.get("same_as") or "",
            "version": d.get("version") or "",
            "status": d.get("status") or "failed",
            "error": d.get("error") or "",
            # what was lost or replaced on the way (a missing picture, a character no
            # font has): each once, however many stages noticed it
            "warnings": record_warnings(d),
            # the 附件 kept in the record (a link whose file the capture lacks is warned of)
            "attachment-count": len(kept),
            "attachments": [{"name": r.get("text") or r.get("name") or "", "file": r.get("path")}
                            for r in kept],
            # a failed page has no files, whatever a stale entry might say; a
            # record in any other state (ok, partial) lists those it has
            "outputs": ([outputs[k] for k in OUTPUT_ORDER if k in outputs]
                        + [v for k, v in outputs.items() if k not in OUTPUT_ORDER])
            if d.get("status") not in (None, "failed") else [],
        })
        rows.append(row)
    return rows


def record_warnings(d: Mapping[str, Any]) -> list[str]:
    """A manifest entry's warnings, each once, in the order they were noticed."""
    return list(dict.fromkeys(str(w) for w in d.get("warnings") or [] if w))


def catalogue_csv(rows: list[dict[str, Any]]) -> bytes:
    """The rows as CSV, UTF-8 *with* a BOM: without it Excel reads Chinese as mojibake."""
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([f"{zh} {key}" for key, zh in COLUMNS])
    for row in rows:
        w.writerow([_cell(row[key], key) for key, _ in COLUMNS])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _cell(value: Any, key: str = "") -> str:
    # warnings are sentences that may hold "; " themselves: one a line in the cell
    sep = "\n" if key in ("warnings", "attachments") else "; "
    if key == "attachments":
        value = [f"{a['name']} ({a['file']})" if a.get("name") else a["file"] for a in value]
    elif key == "version" and isinstance(value, dict):
        value = (f"{value['number']}/{value['count']} ({value['of']}"
                 + (f"; previous {value['previous']}" if value.get("previous") else "") + ")")
    text = sep.join(value) if isinstance(value, list) else str(value)
    # A cell starting with = + - @ is run as a formula by spreadsheets; hostile
    # page titles must not be able to do that (CSV injection).
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        text = "'" + text
    return text


def catalogue_json(rows: list[dict[str, Any]], generator: Mapping[str, str]) -> dict[str, Any]:
    """The rows with the column headings and who wrote them, for scripts."""
    counts = Counter(r["status"] for r in rows)
    return {"generator": dict(generator),
            "columns": [{"key": k, "heading": zh} for k, zh in COLUMNS],
            "documents": len(rows), "ok": counts.get("ok", 0),
            "failed": len(rows) - counts.get("ok", 0),  # not ok: failed, partial, ...
            "statuses": dict(sorted(counts.items())),
            "with-warnings": sum(1 for r in rows if r["warnings"]),
            "same-document": sum(1 for r in rows if r["same-as"]),
            "new-versions": sum(1 for r in rows if r["version"] and r["version"]["number"] > 1),
            "rows": rows}


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write a file so a reader sees the old one or the new one, never half of one."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_catalogue(folder: Path, rows: list[dict[str, Any]],
                    generator: Mapping[str, str]) -> None:
    """``folder/catalogue.csv`` and ``folder/catalogue.json``, each replaced atomically."""
    import json

    write_bytes_atomic(folder / CATALOGUE_CSV, catalogue_csv(rows))
    text = json.dumps(catalogue_json(rows, generator), ensure_ascii=False, indent=1) + "\n"
    write_bytes_atomic(folder / CATALOGUE_JSON, text.encode("utf-8"))
