"""OUT/index.html: self-contained, failures first, hostile titles escaped, thumbnails cached."""
from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import unquote

import pytest
from lxml import html as lhtml

from pipeline.archive.catalogue import catalogue_rows
from pipeline.archive.report import THUMBS, render_thumbnail, report_html, write_report
from tests.conftest import ROOT, SAMPLES, govdoc

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> & 通知'
GEN = {"name": "govdoc", "version": "0.1.0"}
NOW = datetime(2026, 1, 2, 3, 4, tzinfo=timezone.utc)
HAS_PDF_RENDERER = (ROOT / "pipeline" / "render" / "pdf.py").exists()


def _docs() -> list[dict]:
    return [
        {"input": "in/ok.html", "id": "0123456789abcdef", "status": "ok", "error": None,
         "outputs": {"source": "0123456789abcdef/source.html",
                     "xml": "0123456789abcdef/document.xml",
                     "pdf": "0123456789abcdef/document.pdf"},
         "sha256": {}, "input_sha256": "0" * 64, "title": HOSTILE,
         "meta": {"index-number": "x/2024-1", "doc-number": "国发〔2024〕1号\"'",
                  "issuer": "国务院", "written-date": "2024-01-05"}},
        {"input": "in/<bad>.html", "id": None, "status": "failed",
         "error": "not an article: <b>anti-bot</b> challenge", "outputs": {}, "sha256": {},
         "input_sha256": None, "title": None, "meta": {}},
    ]


def _page(thumbs=None) -> str:
    return report_html(catalogue_rows(_docs()), thumbs or {}, generator=GEN, generated=NOW)


def test_hostile_title_and_error_are_escaped():
    page = _page()
    assert "<script>" not in page and "<img src=x" not in page and "<b>anti-bot" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    tree = lhtml.fromstring(page)
    assert not tree.xpath("//script") and not tree.xpath("//*[@onerror]")
    assert HOSTILE in tree.text_content()


def test_failures_come_first():
    tree = lhtml.fromstring(_page())
    rows = tree.xpath("//tbody/tr")
    assert [r.get("class") for r in rows] == ["failed", "ok"]
    assert "anti-bot" in rows[0].text_content() and "in/<bad>.html" in rows[0].text_content()


def test_self_contained_and_links_relative():
    page = _page({"0123456789abcdef": b"\x89PNG fake"})
    tree = lhtml.fromstring(page)
    srcs = tree.xpath("//@src")
    assert srcs and all(s.startswith("data:image/png;base64,") for s in srcs)
    assert not tree.xpath("//link|//script|//iframe|//object")
    for href in tree.xpath("//a/@href"):
        assert not re.match(r"^[a-z]+:", href) and not href.startswith("/"), href
    assert "default-src 'none'" in page  # CSP: nothing may be loaded, nothing run
    links = {a.text: a.get("href") for a in tree.xpath("//td[@class='files']/a")}
    assert links == {"XML": "0123456789abcdef/document.xml", "PDF": "0123456789abcdef/document.pdf",
                     "原网页": "0123456789abcdef/source.html"}


def _blank_pdf(path: Path) -> None:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument.new()
    pdf.new_page(595, 842)
    pdf.save(str(path))
    pdf.close()


def test_thumbnail_cached_by_pdf_checksum(tmp_path):
    """The cache plumbing, on a PDF made here (no renderer needed)."""
    out = tmp_path
    docs = _docs()
    (out / "0123456789abcdef").mkdir()
    pdf = out / "0123456789abcdef" / "document.pdf"
    _blank_pdf(pdf)
    docs[0]["sha256"]["pdf"] = hashlib.sha256(pdf.read_bytes()).hexdigest()
    write_report(out, docs, GEN)
    thumb = out / THUMBS / "0123456789abcdef.png"
    assert thumb.read_bytes().startswith(b"\x89PNG")
    from PIL import Image
    with Image.open(thumb) as im:
        assert im.width == 100
    page = (out / "index.html").read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") == 1

    stamp = thumb.stat().st_mtime_ns
    write_report(out, docs, GEN)  # same PDF: not drawn again
    assert thumb.stat().st_mtime_ns == stamp
    docs[0]["sha256"]["pdf"] = "f" * 64  # the PDF changed: drawn again
    write_report(out, docs, GEN)
    assert thumb.stat().st_mtime_ns != stamp
    docs[0]["status"] = "failed"  # the record went away: its thumbnail too
    write_report(out, docs, GEN)
    assert not thumb.exists()


def test_broken_pdf_costs_only_its_thumbnail(tmp_path):
    docs = _docs()
    (tmp_path / "0123456789abcdef").mkdir()
    (tmp_path / "0123456789abcdef" / "document.pdf").write_bytes(b"%PDF-1.7 truncated")
    docs[0]["sha256"]["pdf"] = "e" * 64
    write_report(tmp_path, docs, GEN)
    assert "no PDF" in (tmp_path / "index.html").read_text(encoding="utf-8")


def _check_links(out: Path) -> lhtml.HtmlElement:
    tree = lhtml.parse(str(out / "index.html")).getroot()
    for href in tree.xpath("//a/@href"):
        assert (out / unquote(href)).is_file(), href
    return tree


def test_convert_writes_index_html(tmp_path):
    """A real article whose title carries markup, plus an empty page."""
    import html

    (tmp_path / "in").mkdir()
    sample = (SAMPLES / "a02_govcn_state_council_notice.html").read_text(encoding="utf-8")
    title = "国务院关于加强城市地下管线安全运行管理的通知"
    assert title in sample
    (tmp_path / "in" / "hostile.html").write_text(
        sample.replace(title, html.escape('<script>alert("x")</script>' + title)),
        encoding="utf-8")
    (tmp_path / "in" / "empty.html").write_bytes(b"")
    out = tmp_path / "out"
    r = govdoc("convert", str(tmp_path / "in"), "-o", str(out), "--formats", "xml", "-q")
    assert r.returncode == 1
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    ok = [d for d in manifest["documents"] if d["status"] == "ok"]
    assert ok and "<script>" in ok[0]["title"], "the extractor kept the markup as text"
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "<script>" not in page
    tree = _check_links(out)
    assert not tree.xpath("//script")
    rows = tree.xpath("//tbody/tr")
    assert len(rows) == len(manifest["documents"])
    assert rows[0].get("class") == "failed" and "empty.html" in rows[0].text_content()
    assert '<script>alert("x")</script>' in rows[1].text_content()


@pytest.mark.skipif(not HAS_PDF_RENDERER, reason="no PDF renderer on this tree yet")
def test_convert_with_pdf_embeds_a_thumbnail(tmp_path):
    out = tmp_path / "out"
    r = govdoc("convert", str(SAMPLES / "a02_govcn_state_council_notice.html"), "-o", str(out),
               "--formats", "xml,pdf", "-q")
    assert r.returncode == 0, r.stderr
    doc = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["documents"][0]
    assert (out / THUMBS / f"{doc['id']}.png").is_file()
    tree = _check_links(out)
    assert tree.xpath("//img[starts-with(@src, 'data:image/png;base64,')]")
    thumb = render_thumbnail(out / doc["outputs"]["pdf"])
    assert len(thumb) < 30_000


def test_a_duplicate_names_the_page_it_copies():
    docs = _docs()
    docs.append(dict(docs[0], input="in/copy <1>.html", duplicate_of="in/ok.html"))
    tree = lhtml.fromstring(report_html(catalogue_rows(docs), {}, generator=GEN, generated=NOW))
    rows = [r.text_content() for r in tree.xpath("//tbody/tr")]
    assert sum("same bytes as in/ok.html" in r for r in rows) == 1
    assert any("in/copy <1>.html" in r and "same bytes as" in r for r in rows)


# ------------------------------------------------------------------ warnings and states

WARNING = "image ./W0201.png not saved with the page: placeholder drawn"


def _many(n: int, *, failed=(), partial=(), warned=()) -> list[dict]:
    """``n`` generated manifest entries; the given positions failed, partial or warned."""
    docs = []
    for i in range(n):
        d = {"input": f"in/{i:05d}.html", "id": f"{i:016x}", "status": "ok", "error": None,
             "outputs": {"xml": f"{i:016x}/document.xml"}, "sha256": {},
             "input_sha256": f"{i:064x}", "title": f"关于第{i}号文件的通知", "meta": {},
             "warnings": []}
        if i in failed:
            d.update(status="failed", id=None, error=f"broken page {i}", outputs={})
        elif i in partial:
            d.update(status="partial", error=f"PDF edition failed on page {i}")
        if i in warned:
            d["warnings"] = [WARNING, f"warning {i}", WARNING]  # the manifest may repeat one
        docs.append(d)
    return docs


def test_warnings_shown_once_each_in_the_report():
    docs = _many(4, warned={2})
    tree = lhtml.fromstring(report_html(catalogue_rows(docs), {}, generator=GEN, generated=NOW))
    items = [li.text_content() for li in tree.xpath("//ul[@class='warnings']/li")]
    assert items == [WARNING, "warning 2"]
    rows = tree.xpath("//tbody/tr")
    assert rows[0].get("class") == "warned" and "in/00002.html" in rows[0].text_content()
    assert "1 有警告 with warnings (2 条 warnings)" in tree.xpath("//p[@class='counts']")[0].text_content()


def test_warnings_column_in_the_catalogue_once_each(tmp_path):
    import csv
    import io

    from pipeline.archive.catalogue import write_catalogue

    rows = catalogue_rows(_many(3, warned={1}))
    write_catalogue(tmp_path, rows, GEN)
    table = list(csv.reader(io.StringIO((tmp_path / "catalogue.csv").read_bytes().decode("utf-8-sig"))))
    col = table[0].index("警告 warnings")
    assert [t[col] for t in table[1:]] == ["", f"{WARNING}\nwarning 1", ""]
    cat = json.loads((tmp_path / "catalogue.json").read_text(encoding="utf-8"))
    assert [r["warnings"] for r in cat["rows"]] == [[], [WARNING, "warning 1"], []]
    assert cat["with-warnings"] == 1


def test_any_state_but_ok_shows_and_comes_before_warnings():
    docs = _many(6, failed={5}, partial={3}, warned={1})
    docs[4]["status"] = "quarantined"  # a state this report has never heard of
    tree = lhtml.fromstring(report_html(catalogue_rows(docs), {}, generator=GEN, generated=NOW))
    rows = tree.xpath("//tbody/tr")
    assert [r.get("class") for r in rows] == ["failed", "attention", "attention", "warned", "ok", "ok"]
    assert "部分 partial" in rows[1].text_content() and "PDF edition failed on page 3" in rows[1].text_content()
    assert "quarantined" in rows[2].text_content()
    counts = tree.xpath("//p[@class='counts']")[0].text_content()
    assert "1 部分 partial" in counts and "1 quarantined" in counts and "1 失败 failed" in counts
    assert rows[1].xpath(".//td[@class='files']/a")  # a partial record links the files it has
    cat = catalogue_rows(docs)
    assert cat[3]["outputs"] and not cat[5]["outputs"]


def _report_pages(out: Path) -> dict[str, lhtml.HtmlElement]:
    return {p.name: lhtml.parse(str(p)).getroot() for p in sorted(out.glob("index*.html"))}


def test_a_large_batch_is_paged_problems_first(tmp_path):
    docs = _many(23, failed={4, 20}, partial={11}, warned={0, 15})
    write_report(tmp_path, docs, GEN, page_size=5)
    pages = _report_pages(tmp_path)
    assert sorted(pages) == ["index-2.html", "index-3.html", "index-4.html", "index-5.html", "index.html"]
    order = ["index.html"] + [f"index-{k}.html" for k in range(2, 6)]
    listed = []
    for name in order:
        tree = pages[name]
        rows = tree.xpath("//tbody/tr")
        assert len(rows) == (3 if name == "index-5.html" else 5)
        listed += [r.xpath(".//span[@class='path']")[0].text for r in rows]
        # every page: the counts of the whole batch, links to every other page, all resolving
        assert "23 件 documents" in tree.xpath("//p[@class='counts']")[0].text_content()
        links = set(tree.xpath("//nav//a/@href"))
        assert links == set(order) - {name}
        assert all((tmp_path / href).is_file() for href in links)
    # each record once; failed, then partial, then warned, then the rest in catalogue order
    assert listed[:5] == ["in/00004.html", "in/00020.html", "in/00011.html", "in/00000.html",
                          "in/00015.html"]
    assert sorted(listed) == sorted(d["input"] for d in docs) and len(set(listed)) == 23
    nav = pages["index.html"].xpath("//nav")[0].text_content()
    assert "1–5 2 失败 failed, 1 其他 other, 2 有警告 warnings" in nav and "21–23 成功 ok" in nav

    write_report(tmp_path, docs[:7], GEN, page_size=5)  # the batch shrank: old pages go
    assert sorted(_report_pages(tmp_path)) == ["index-2.html", "index.html"]
    write_report(tmp_path, docs[:5], GEN, page_size=5)
    assert sorted(_report_pages(tmp_path)) == ["index.html"]
    assert not _report_pages(tmp_path)["index.html"].xpath("//nav")  # one page: no page links


def test_control_characters_in_names_shown_escaped_in_the_report():
    docs = _many(1, failed={0})
    docs[0]["input"] = "in/bad\x1b[31mred\nx\u202e.html"
    page = report_html(catalogue_rows(docs), {}, generator=GEN, generated=NOW)
    assert "\x1b" not in page and "\u202e" not in page
    assert "in/bad\\x1b[31mred\\nx\\u202e.html" in lhtml.fromstring(page).text_content()


def test_commonest_failure_reasons_counted_at_the_top():
    docs = _many(9, failed={0, 1, 2, 3, 4, 5, 6}, partial={7})
    for i in range(6):
        docs[i]["error"] = ["empty file", "empty file", "empty file", "too large", "a", "b"][i]
    tree = lhtml.fromstring(report_html(catalogue_rows(docs), {}, generator=GEN, generated=NOW))
    items = [li.text_content() for li in tree.xpath("//div[@class='reasons']//li")]
    assert items[:2] == ["3 × empty file", "1 × too large"] and len(items) == 6
    assert items[-1] == "1 × 1 其他原因 other reasons"  # 6 reasons in all, 5 shown
    assert not lhtml.fromstring(report_html(catalogue_rows(_many(2)), {}, generator=GEN,
                                            generated=NOW)).xpath("//div[@class='reasons']")
