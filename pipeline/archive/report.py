"""``OUT/index.html``: the batch at a glance, for the person who has to sign it off.

Self-contained pages (no external CSS, JS, fonts or images: they must open from a
USB stick on an offline machine): the counts, then every record, those that need
someone's attention first (failed, then any other state that is not ``ok``, then
those with warnings), each with its key metadata, its warnings, links to its files
and a small picture of the PDF's first page.

A batch of 30 000 records in one page would be 110 MB that no browser opens in
reasonable time, so the records are listed ``PAGE_SIZE`` to a page: ``index.html``
holds the counts, the links to every page and the first ``PAGE_SIZE`` records (so
the failures and warnings come first), ``index-2.html`` … the rest.  Each page is
about 2 MB and opens in about a second.  A batch that fits in one page is one
``index.html``, as before.

Titles, metadata and warnings come from hostile web pages, so every value is
escaped and the pages forbid scripts through their Content-Security-Policy as a
second guard.  Thumbnails are cached in ``OUT/.thumbs/<id>.png`` together with the
sha256 of the PDF they were drawn from, so a re-run draws only new or changed PDFs.
"""
from __future__ import annotations

import base64
import html
import re
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence
from urllib.parse import quote

from .catalogue import catalogue_rows, write_bytes_atomic, write_catalogue
from ..convert import OUTPUT_NAMES
from ..terminal import printable

REPORT_NAME = "index.html"
#: Records listed on one page of the report: ~3.7 KB each with its picture.
PAGE_SIZE = 500
#: Commonest reasons of failure counted at the top of every page.
REASONS_SHOWN = 5
THUMBS = ".thumbs"
THUMB_WIDTH = 100  # px
_THUMB_KEY = "govdoc-pdf-sha256"  # PNG text chunk naming the PDF a thumbnail shows
_THUMB_STYLE = f"w{THUMB_WIDTH}-grey8"  # part of the cache key: a new style redraws all
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_END = b"IEND\xaeB`\x82"
_PAGE_FILE = re.compile(r"index-(\d+)\.html")

_LINKS = (("xml", "XML"), ("pdf", "PDF"), ("docx", "Word"), ("source", "原网页"))
#: How a record's state is shown; any other state is shown as it is, as needing attention.
_STATUS_LABELS = {"ok": "成功 ok", "failed": "失败 failed", "partial": "部分 partial"}

Thumbs = Mapping[str, bytes] | Callable[[Sequence[Mapping[str, Any]]], Mapping[str, bytes]]

_CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em;margin:0 0 .3em}
p.meta{color:#555;margin:.2em 0 1em}
.counts span{display:inline-block;margin-right:1.5em;font-weight:bold}
.counts .bad{color:#b00}
.counts .warn{color:#a60}
.reasons{color:#b00;font-size:.9em;margin:-.5em 0 .8em}
.reasons ul{margin:.2em 0;padding-left:1.4em;overflow-wrap:anywhere}
nav{margin:.5em 0 1em;line-height:1.8}
nav a,nav b{display:inline-block;margin-right:.8em;white-space:nowrap}
nav .what{color:#555;font-size:.85em}
table{border-collapse:collapse;width:100%;font-size:.9em}
th,td{border:1px solid #ccc;padding:.35em .5em;vertical-align:top;text-align:left}
th{background:#f0f0f0;position:sticky;top:0}
tr.failed td{background:#fff0f0}
tr.attention td{background:#fff4e0}
tr.warned td{background:#fffbe8}
td.thumb{width:104px;text-align:center}
td.thumb img{width:100px;border:1px solid #999;background:#fff}
.noimg{display:inline-block;width:100px;color:#888;font-size:.8em}
.status-ok{color:#070}
.status-failed{color:#b00;font-weight:bold}
.status-other{color:#a40;font-weight:bold}
.err{color:#b00;overflow-wrap:anywhere}
ul.warnings{margin:.3em 0 0;padding-left:1.1em;color:#850;overflow-wrap:anywhere}
.id,.path{font-family:monospace;font-size:.85em;color:#555;word-break:break-all}
td.files a{display:inline-block;margin-right:.5em;white-space:nowrap}
th.num,td.num{min-width:8em;max-width:13em;word-break:break-all}
th.org,td.org{min-width:7em}
th.date,td.date{white-space:nowrap}
th.status,td.status{min-width:6em;max-width:26em}
.origin{font-size:.85em;color:#555;overflow-wrap:anywhere}
.rel{font-size:.85em;color:#036}
"""


def _e(value: Any) -> str:
    """Escape for HTML text and attribute values (quotes included)."""
    return html.escape("" if value is None else str(value), quote=True)


def _href(rel: str) -> str:
    """A relative link to a file in the output folder: URL-quoted, then HTML-escaped."""
    return _e(quote(rel, safe="/"))


def attention(row: Mapping[str, Any]) -> int:
    """0 failed, 1 any other state that is not ok (partial, ...), 2 ok with warnings, 3 ok."""
    status = row["status"]
    if status == "failed":
        return 0
    if status != "ok":
        return 1
    return 2 if row.get("warnings") else 3


def order_for_report(rows: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Those needing attention first (failed, other states, warnings), then the rest;
    the catalogue's order kept within each."""
    return sorted(rows, key=attention)


def page_name(number: int) -> str:
    """``index.html`` for the first page, ``index-N.html`` for the others."""
    return REPORT_NAME if number == 1 else f"index-{number}.html"


def report_pages(rows: list[Mapping[str, Any]], thumbs: Thumbs, *,
                 generator: Mapping[str, str], generated: datetime,
                 page_size: int = PAGE_SIZE) -> Iterator[tuple[str, str]]:
    """Every page of the report as ``(file name, HTML)`` (pure: rows from ``catalogue_rows``).

    ``thumbs`` is PNG bytes by record id, or a function giving them for the rows
    of one page, so a batch of 30 000 never holds all its pictures at once.
    """
    ordered = order_for_report(rows)
    chunks = [ordered[i:i + page_size] for i in range(0, len(ordered), page_size)] or [[]]
    head = _header(rows, generator, generated)
    entries = _nav_entries(chunks, page_size)
    for number, chunk in enumerate(chunks, start=1):
        pictures = thumbs(chunk) if callable(thumbs) else thumbs
        nav = _nav(entries, number, page_size) if len(chunks) > 1 else ""
        parts = [head, nav, _TABLE_HEAD]
        parts += [_row_html(r, pictures.get(r["id"])) for r in chunk]
        parts += ["</tbody></table>", nav, "</body></html>\n"]
        yield page_name(number), "\n".join(parts)


def report_html(rows: list[Mapping[str, Any]], thumbs: Mapping[str, bytes], *,
                generator: Mapping[str, str], generated: datetime,
                page_size: int = PAGE_SIZE) -> str:
    """The first page, ``index.html``: the whole report when the batch fits in one page."""
    return next(report_pages(rows, thumbs, generator=generator, generated=generated,
                             page_size=page_size))[1]


def _header(rows: list[Mapping[str, Any]], generator: Mapping[str, str],
            generated: datetime) -> str:
    statuses = Counter(r["status"] for r in rows)
    warned = [r for r in rows if r.get("warnings")]
    counts = [f"<span>{len(rows)} 件 documents</span>",
              f"<span>{statuses.get('ok', 0)} 成功 converted</span>",
              f'<span class="{"bad" if statuses.get("failed") else ""}">'
              f'{statuses.get("failed", 0)} 失败 failed</span>']
    for status, n in sorted(statuses.items()):
        if status not in ("ok", "failed"):
            counts.append(f'<span class="bad">{n} {_e(_STATUS_LABELS.get(status, status))}</span>')
    n_warnings = sum(len(r["warnings"]) for r in warned)
    counts.append(f'<span class="{"warn" if warned else ""}">{len(warned)} 有警告 with '
                  f'warnings ({n_warnings} 条 warnings)</span>')
    same = sum(1 for r in rows if r.get("same-as"))
    newer = sum(1 for r in rows if r.get("version") and r["version"]["number"] > 1)
    if same:
        counts.append(f"<span>{same} 同一文件 same document as an earlier capture</span>")
    if newer:
        counts.append(f'<span class="warn">{newer} 新版本 new versions</span>')
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        # no scripts, no network: only inline styles and data: images
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "img-src data:; style-src 'unsafe-inline'\">",
        '<meta name="viewport" content="width=device-width,initial-scale=1">',
        "<title>govdoc 批次报告 batch report</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>govdoc 批次报告 · batch report</h1>",
        f'<p class="meta">{_e(generator.get("name", "govdoc"))} '
        f'{_e(generator.get("version", ""))} · '
        f'{_e(generated.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))} · '
        'files: <a href="manifest.json">manifest.json</a>, '
        '<a href="catalogue.csv">catalogue.csv</a>, '
        '<a href="catalogue.json">catalogue.json</a></p>',
        f'<p class="counts">{"".join(counts)}</p>',
        _reasons(rows),
    ])


def _reasons(rows: list[Mapping[str, Any]], shown: int = REASONS_SHOWN) -> str:
    """The commonest reasons pages were not converted, counted: 4 000 failures often
    share a handful of causes, and the cause is what the person has to act on."""
    reasons = Counter(r["error"] or r["status"] for r in rows if r["status"] != "ok")
    if not reasons:
        return ""
    items = [f"<li>{n} × {_e(reason)}</li>" for reason, n in reasons.most_common(shown)]
    if len(reasons) > shown:
        rest = sum(n for _, n in reasons.most_common()[shown:])
        items.append(f"<li>{rest} × {len(reasons) - shown} 其他原因 other reasons</li>")
    return f'<div class="reasons">原因 reasons:<ul>{"".join(items)}</ul></div>'



def _nav_entries(chunks: list[list[Mapping[str, Any]]], page_size: int) -> list[str]:
    """Each page's label: the records it lists and what needs attention there."""
    entries = []
    for number, chunk in enumerate(chunks, start=1):
        first = (number - 1) * page_size + 1
        kinds = Counter(attention(r) for r in chunk)
        what = [f"{kinds[k]} {label}" for k, label in
                ((0, "失败 failed"), (1, "其他 other"), (2, "有警告 warnings")) if kinds[k]]
        entries.append(f'{first}–{first + len(chunk) - 1} '
                       f'<span class="what">{", ".join(what) or "成功 ok"}</span>')
    return entries


def _nav(entries: list[str], current: int, page_size: int) -> str:
    """Links to every page; the current one in bold."""
    items = [f"<b>{label}</b>" if number == current
             else f'<a href="{page_name(number)}">{label}</a>'
             for number, label in enumerate(entries, start=1)]
    return (f'<nav>第 {current} / {len(entries)} 页 · page {current} of {len(entries)}, '
            f'{page_size} records a page: {" ".join(items)}</nav>')


_TABLE_HEAD = (
    "<table><thead><tr><th>首页 page 1</th><th>题名 title</th>"
    '<th class="num">索引号</th><th class="num">发文字号</th>'
    '<th class="org">发文机关<br>发布机构</th><th class="date">成文日期<br>发布日期</th>'
    '<th class="status">状态 status</th><th>文件 files</th></tr></thead><tbody>')


def _row_html(r: Mapping[str, Any], thumb: bytes | None) -> str:
    status = r["status"]
    if thumb:
        img = (f'<img alt="page 1" src="data:image/png;base64,'
               f'{base64.b64encode(thumb).decode("ascii")}">')
    else:
        img = f'<span class="noimg">{"—" if status == "failed" else "no PDF"}</span>'
    title = _e(r["title"]) if r["title"] else "<i>(no title)</i>"
    orgs = "<br>".join(_e(v) for v in dict.fromkeys([r["issuer"], r["publisher"]]) if v)
    dates = "<br>".join(_e(v) for v in (r["written-date"], r["published-date"]) if v)
    kind = {"ok": "ok", "failed": "failed"}.get(status, "other")
    state = f'<span class="status-{kind}">{_e(_STATUS_LABELS.get(status, status))}</span>'
    if r["error"]:
        state += f'<br><span class="err">{_e(r["error"])}</span>'
    warnings = r.get("warnings") or []
    if warnings:
        state += (f"<br>{len(warnings)} 条警告 warning{'s' if len(warnings) > 1 else ''}:"
                  '<ul class="warnings">' + "".join(f"<li>{_e(w)}</li>" for w in warnings)
                  + "</ul>")
    by_name = {p.rsplit("/", 1)[-1]: p for p in r["outputs"] if p.count("/") == 1}
    links = []
    for key, label in _LINKS:
        rel = next((p for n, p in by_name.items() if _kind(n) == key), None)
        if rel:
            links.append(f'<a href="{_href(rel)}">{label}</a>')
    for a in r.get("attachments") or []:  # the 附件 kept in the record
        links.append(f'<a href="{_href(a["file"])}">附件 {_e(a["name"] or a["file"])}</a>')
    notes = []
    if r.get("url") or r.get("captured"):
        notes.append('<span class="origin">'
                     + (f'原网址 {_e(printable(r["url"]))}' if r.get("url") else "")
                     + (f' · 采集 captured {_e(r["captured"])}' if r.get("captured") else "")
                     + "</span>")
    if r.get("same-as"):
        notes.append(f'<span class="rel">同一文件 same document as '
                     f'{_e(printable(r["same-as"]))} (an earlier capture)</span>')
    version = r.get("version")
    if version:
        notes.append(f'<span class="rel">第 {version["number"]} / {version["count"]} 版 version '
                     f'{version["number"]} of {version["count"]} ({_e(version["of"])})'
                     + (f', previous {_e(version["previous"])}' if version.get("previous") else "")
                     + "</span>")
    css = {0: "failed", 1: "attention", 2: "warned", 3: "ok"}[attention(r)]
    return (f'<tr class="{css}" id="r{r["no"]}">'
            f'<td class="thumb">{img}</td>'
            f'<td>{title}<br><span class="id">序号 {r["no"]}'
            + (f' · {_e(r["id"])}' if r["id"] else "") + '</span><br>'
            # a file name's control characters shown escaped, as on the terminal
            f'<span class="path">{_e(printable(r["source-input"]))}</span>'
            + (f'<br><span class="path">重份 same bytes as {_e(printable(r["duplicate-of"]))}'
               '</span>' if r.get("duplicate-of") else "")
            + "".join(f"<br>{n}" for n in notes)
            + '</td>'
            f'<td class="num">{_e(r["index-number"])}</td>'
            f'<td class="num">{_e(r["doc-number"])}</td>'
            f'<td class="org">{orgs}</td><td class="date">{dates}</td>'
            f'<td class="status">{state}</td>'
            f'<td class="files">{" ".join(links)}</td></tr>')


def _kind(name: str) -> str:
    return next((k for k, v in OUTPUT_NAMES.items() if v == name), "")


# ------------------------------------------------------------------ thumbnails

def render_thumbnail(pdf: Path, pdf_sha256: str = "", width: int = THUMB_WIDTH) -> bytes:
    """PNG bytes of the PDF's first page, ``width`` pixels wide, 8 greys (about 2 KB).

    ``pdf_sha256`` (the cache key) is stored in the PNG so the cache can tell whether
    it is stale.
    """
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        page = doc[0]
        try:
            scale = width / page.get_width() * 0.9999  # pdfium rounds up: 100.0000001 -> 101 px
            bitmap = page.render(scale=scale, grayscale=True)
            image = bitmap.to_pil().quantize(8)  # 8 greys: -40 % bytes, same look at 100 px
        finally:
            page.close()
    finally:
        doc.close()
    return _png(image, {_THUMB_KEY: pdf_sha256})


def _png(image, text: Mapping[str, str]) -> bytes:
    import io

    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    for k, v in text.items():
        info.add_text(k, v)
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=True, pnginfo=info)
    return buf.getvalue()


def cached_thumbnail(out_root: Path, doc_id: str, pdf_sha256: str,
                     pdf: Path | None = None) -> bytes | None:
    """The thumbnail of ``OUT/<id>/document.pdf`` (or of ``pdf``, the same file still in
    its staging folder), drawn only if the cache is stale.

    The cache file carries the PDF's sha256 in a PNG text chunk; a PDF that cannot
    be drawn gives None (the report shows "no PDF"), never a failed batch.
    """
    cache = out_root / THUMBS / f"{doc_id}.png"
    try:
        data = cache.read_bytes()
    except OSError:
        data = b""  # no cache yet, or unreadable: draw again
    # A tEXt chunk is "keyword NUL text": found by a byte search, not by decoding the
    # picture (30 000 of them are read for each report).  A whole PNG ends with IEND.
    marker = f"{_THUMB_KEY}\0{pdf_sha256} {_THUMB_STYLE}".encode("latin-1")
    if data.startswith(_PNG_SIGNATURE) and data.endswith(_PNG_END) and marker in data:
        return data
    try:
        png = render_thumbnail(pdf or out_root / doc_id / OUTPUT_NAMES["pdf"],
                               f"{pdf_sha256} {_THUMB_STYLE}")
    except Exception:  # a broken PDF costs its thumbnail, nothing more
        return None
    cache.parent.mkdir(exist_ok=True)
    write_bytes_atomic(cache, png)
    return png


def _pdf_checksums(docs: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """The PDF sha256 of every record that has a PDF to picture (any state but failed)."""
    shas: dict[str, str] = {}
    for d in docs:
        sha = (d.get("sha256") or {}).get("pdf")
        if d.get("status") not in (None, "failed") and d.get("id") and sha:
            shas.setdefault(d["id"], sha)
    return shas


def prune_thumbnails(out_root: Path, keep: Iterable[str]) -> None:
    """Remove cached thumbnails of records that are gone or have no PDF any more."""
    keep = set(keep)
    cache = out_root / THUMBS
    if cache.is_dir():
        for f in cache.iterdir():
            if f.suffix == ".png" and f.stem not in keep:
                f.unlink(missing_ok=True)


def thumbnails(out_root: Path, docs: Iterable[Mapping[str, Any]]) -> dict[str, bytes]:
    """Thumbnails of every record with a PDF, all at once; stale cache files are removed.

    For a few records (tests, tools); ``write_report`` fetches them page by page.
    """
    shas = _pdf_checksums(docs)
    prune_thumbnails(out_root, shas)
    return {i: png for i, sha in shas.items() if (png := cached_thumbnail(out_root, i, sha))}


def report_files(out_root: Path, docs: list[Mapping[str, Any]], generator: Mapping[str, str],
                 *, page_size: int = PAGE_SIZE) -> Iterator[tuple[str, bytes]]:
    """The report's pages as ``(file name, bytes)``, ``index.html`` first, one at a time
    (each about 2 MB), with the thumbnails of ``out_root``'s cache: for the output folder
    itself and for a bag (whose ``data/`` has the same layout, so the links hold)."""
    rows = catalogue_rows(docs)
    shas = _pdf_checksums(docs)

    def pictures(chunk: Sequence[Mapping[str, Any]]) -> dict[str, bytes]:
        return {r["id"]: png for r in chunk if r["id"] in shas
                and (png := cached_thumbnail(out_root, r["id"], shas[r["id"]]))}

    for name, text in report_pages(rows, pictures, generator=generator,
                                   generated=datetime.now(timezone.utc), page_size=page_size):
        yield name, text.encode("utf-8")


def write_report(out_root: Path, docs: list[Mapping[str, Any]],
                 generator: Mapping[str, str], *, page_size: int = PAGE_SIZE) -> Path:
    """Write ``OUT/index.html`` (and ``index-N.html`` beyond one page) atomically, page
    by page; pages of an earlier, longer report are removed.  Returns index.html's path."""
    prune_thumbnails(out_root, _pdf_checksums(docs))
    first = None
    written = 0
    for name, data in report_files(out_root, docs, generator, page_size=page_size):
        written += 1
        if name == REPORT_NAME:  # written last: its links then lead to the new pages
            first = data
        else:
            write_bytes_atomic(out_root / name, data)
    path = out_root / REPORT_NAME
    write_bytes_atomic(path, first)
    for f in out_root.glob("index-*.html"):
        m = _PAGE_FILE.fullmatch(f.name)
        if m and int(m.group(1)) > written:
            f.unlink(missing_ok=True)
    return path


def write_batch_files(out_root: Path, results: Iterable[Any]) -> None:
    """The end-of-batch files besides the manifest: catalogue.csv/.json and index.html.

    Called once by ``run_batch`` with the ledger's results (the whole folder).
    """
    from ..batch.run import generator_info

    docs = [r.as_dict() if hasattr(r, "as_dict") else dict(r) for r in results]
    generator = generator_info()
    write_catalogue(out_root, catalogue_rows(docs), generator)
    write_report(out_root, docs, generator)
