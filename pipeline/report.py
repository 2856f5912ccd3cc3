"""``OUT/index.html``: the batch at a glance, for the person who has to sign it off.

One self-contained page (no external CSS, JS, fonts or images: it must open from
a USB stick or inside a bag on an offline machine): the counts, the failures
first with their reasons, then every record with its key metadata, links to its
files and a small picture of the PDF's first page.

Titles and metadata come from hostile web pages, so every value is escaped and
the page forbids scripts through its Content-Security-Policy as a second guard.
Thumbnails are cached in ``OUT/.thumbs/<id>.png`` together with the sha256 of the
PDF they were drawn from, so a re-run draws only new or changed PDFs.
"""
from __future__ import annotations

import base64
import html
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Mapping
from urllib.parse import quote

from .catalogue import catalogue_rows, write_bytes_atomic, write_catalogue
from .convert import OUTPUT_NAMES

REPORT_NAME = "index.html"
THUMBS = ".thumbs"
THUMB_WIDTH = 100  # px
_THUMB_KEY = "govdoc-pdf-sha256"  # PNG text chunk naming the PDF a thumbnail shows
_THUMB_STYLE = f"w{THUMB_WIDTH}-grey8"  # part of the cache key: a new style redraws all

_LINKS = (("xml", "XML"), ("pdf", "PDF"), ("docx", "Word"), ("source", "原网页"))

_CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em;margin:0 0 .3em}
p.meta{color:#555;margin:.2em 0 1em}
.counts span{display:inline-block;margin-right:1.5em;font-weight:bold}
.counts .bad{color:#b00}
table{border-collapse:collapse;width:100%;font-size:.9em}
th,td{border:1px solid #ccc;padding:.35em .5em;vertical-align:top;text-align:left}
th{background:#f0f0f0;position:sticky;top:0}
tr.failed td{background:#fff0f0}
td.thumb{width:104px;text-align:center}
td.thumb img{width:100px;border:1px solid #999;background:#fff}
.noimg{display:inline-block;width:100px;color:#888;font-size:.8em}
.status-ok{color:#070}
.status-failed{color:#b00;font-weight:bold}
.err{color:#b00}
.id,.path{font-family:monospace;font-size:.85em;color:#555;word-break:break-all}
td.files a{display:inline-block;margin-right:.5em;white-space:nowrap}
th.num,td.num{min-width:8em;max-width:13em;word-break:break-all}
th.org,td.org{min-width:7em}
th.date,td.date{white-space:nowrap}
th.status,td.status{min-width:6em;max-width:22em}
"""


def _e(value: Any) -> str:
    """Escape for HTML text and attribute values (quotes included)."""
    return html.escape("" if value is None else str(value), quote=True)


def _href(rel: str) -> str:
    """A relative link to a file in the output folder: URL-quoted, then HTML-escaped."""
    return _e(quote(rel, safe="/"))


def order_for_report(rows: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Failures first (they need someone's attention), then the rest; order kept within each."""
    rows = list(rows)
    return [r for r in rows if r["status"] != "ok"] + [r for r in rows if r["status"] == "ok"]


def report_html(rows: list[Mapping[str, Any]], thumbs: Mapping[str, bytes], *,
                generator: Mapping[str, str], generated: datetime) -> str:
    """The whole page as a string (pure: rows from ``catalogue_rows``, PNG bytes by id)."""
    ordered = order_for_report(rows)
    failed = sum(1 for r in rows if r["status"] != "ok")
    parts = [
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
        '<a href="catalogue.csv">catalogue.csv</a></p>',
        '<p class="counts">'
        f"<span>{len(rows)} 件 documents</span>"
        f"<span>{len(rows) - failed} 成功 converted</span>"
        f'<span class="{"bad" if failed else ""}">{failed} 失败 failed</span></p>',
        "<table><thead><tr><th>首页 page 1</th><th>题名 title</th>"
        '<th class="num">索引号</th><th class="num">发文字号</th>'
        '<th class="org">发文机关<br>发布机构</th><th class="date">成文日期<br>发布日期</th>'
        '<th class="status">状态 status</th><th>文件 files</th></tr></thead><tbody>',
    ]
    for r in ordered:
        parts.append(_row_html(r, thumbs.get(r["id"])))
    parts.append("</tbody></table></body></html>\n")
    return "\n".join(parts)


def _row_html(r: Mapping[str, Any], thumb: bytes | None) -> str:
    ok = r["status"] == "ok"
    if thumb:
        img = (f'<img alt="page 1" src="data:image/png;base64,'
               f'{base64.b64encode(thumb).decode("ascii")}">')
    else:
        img = f'<span class="noimg">{"no PDF" if ok else "—"}</span>'
    title = _e(r["title"]) if r["title"] else "<i>(no title)</i>"
    orgs = "<br>".join(_e(v) for v in dict.fromkeys([r["issuer"], r["publisher"]]) if v)
    dates = "<br>".join(_e(v) for v in (r["written-date"], r["published-date"]) if v)
    status = ('<span class="status-ok">成功 ok</span>' if ok else
              f'<span class="status-failed">失败 failed</span><br>'
              f'<span class="err">{_e(r["error"])}</span>')
    by_name = {p.rsplit("/", 1)[-1]: p for p in r["outputs"]}
    links = []
    for kind, label in _LINKS:
        rel = next((p for n, p in by_name.items() if _kind(n) == kind), None)
        if rel:
            links.append(f'<a href="{_href(rel)}">{label}</a>')
    return (f'<tr class="{"ok" if ok else "failed"}" id="r{r["no"]}">'
            f'<td class="thumb">{img}</td>'
            f'<td>{title}<br><span class="id">{_e(r["id"])}</span><br>'
            f'<span class="path">{_e(r["source-input"])}</span>'
            + (f'<br><span class="path">重份 same bytes as {_e(r["duplicate-of"])}</span>'
               if r.get("duplicate-of") else "")
            + '</td>'
            f'<td class="num">{_e(r["index-number"])}</td>'
            f'<td class="num">{_e(r["doc-number"])}</td>'
            f'<td class="org">{orgs}</td><td class="date">{dates}</td>'
            f'<td class="status">{status}</td>'
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
    from PIL import Image

    cache = out_root / THUMBS / f"{doc_id}.png"
    try:
        with Image.open(cache) as im:
            if im.text.get(_THUMB_KEY) == f"{pdf_sha256} {_THUMB_STYLE}":
                return cache.read_bytes()
    except (OSError, SyntaxError, ValueError):
        pass  # no cache yet, or unreadable: draw again
    try:
        png = render_thumbnail(pdf or out_root / doc_id / OUTPUT_NAMES["pdf"],
                               f"{pdf_sha256} {_THUMB_STYLE}")
    except Exception:  # a broken PDF costs its thumbnail, nothing more
        return None
    cache.parent.mkdir(exist_ok=True)
    write_bytes_atomic(cache, png)
    return png


def thumbnails(out_root: Path, docs: Iterable[Mapping[str, Any]]) -> dict[str, bytes]:
    """Thumbnails of every successful record with a PDF; stale cache files are removed."""
    thumbs: dict[str, bytes] = {}
    for d in docs:
        sha = (d.get("sha256") or {}).get("pdf")
        if d.get("status") == "ok" and d.get("id") and sha and d["id"] not in thumbs:
            png = cached_thumbnail(out_root, d["id"], sha)
            if png:
                thumbs[d["id"]] = png
    cache = out_root / THUMBS
    if cache.is_dir():
        for f in cache.iterdir():
            if f.suffix == ".png" and f.stem not in thumbs:
                f.unlink(missing_ok=True)
    return thumbs


def write_report(out_root: Path, docs: list[Mapping[str, Any]],
                 generator: Mapping[str, str]) -> Path:
    """Write ``OUT/index.html`` atomically; returns its path."""
    rows = catalogue_rows(docs)
    page = report_html(rows, thumbnails(out_root, docs), generator=generator,
                       generated=datetime.now(timezone.utc))
    path = out_root / REPORT_NAME
    write_bytes_atomic(path, page.encode("utf-8"))
    return path


def write_batch_files(out_root: Path, results: Iterable[Any]) -> None:
    """The end-of-batch files besides the manifest: catalogue.csv/.json and index.html.

    Called once by ``run_batch`` with the ledger's results (the whole folder).
    """
    from .batch import generator_info

    docs = [r.as_dict() if hasattr(r, "as_dict") else dict(r) for r in results]
    generator = generator_info()
    write_catalogue(out_root, catalogue_rows(docs), generator)
    write_report(out_root, docs, generator)
