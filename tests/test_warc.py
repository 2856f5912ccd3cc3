"""Web archives in, verified bags out (issue 16), through the command line.

The WARC is written here with warcio: a portal notice in UTF-8 with a picture, an
.xlsx 附件 and a 附件 the crawl did not get; a notice in GBK declared only by the
HTTP header; a revisit of the first; a redirect; a 404; a non-HTML response.  The
portal's address is a loopback server this test starts: every URL in the archive
points at it, so a single fetch of a picture or attachment would reach it.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import subprocess
import sys
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pikepdf
import pytest
from lxml import etree

from tests.conftest import govdoc
from tests.support.warcs import XLSX, Crawl, notice, png, xlsx

NS = {"g": "urn:govdoc:canonical:1"}
RED = (200, 30, 30)
PICTURE = png(40, 30, RED)
BLUE = (20, 40, 200)
MOVED = png(36, 20, BLUE)  # page B's picture, reached through a redirect in the archive
SHEET = xlsx([["单位", "金额（万元）"], ["婺城区", "120"], ["金东区", "95"]])
PAGE_A = dict(index_number="11330700002592599F/2024-00012",
              paragraphs=["各县（市、区）财政局：", "现将2024年度专项资金分配名单予以公布。",
                          "请各地按要求做好资金拨付工作。"])
TITLE_A = "关于公布2024年度专项资金分配名单的通知"
TITLE_B = "关于开展财政资金使用情况检查的通知"


class _Recorder(BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        type(self).requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()
        self.wfile.write(PICTURE)

    do_HEAD = do_POST = do_GET

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def portal():
    """A loopback HTTP server standing for the portal: it records every request."""
    handler = type("Recorder", (_Recorder,), {"requests": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    # the recorder works: a request to it is seen (then forgotten)
    from urllib.request import urlopen

    with urlopen(f"http://127.0.0.1:{server.server_address[1]}/probe", timeout=10) as resp:
        assert resp.read() == PICTURE
    assert handler.requests == ["/probe"]
    handler.requests.clear()
    yield f"http://127.0.0.1:{server.server_address[1]}/", handler.requests
    server.shutdown()
    server.server_close()


def _page_a(base: str, *, visits: int = 1000, paragraphs=None) -> str:
    facts = dict(PAGE_A, paragraphs=paragraphs or PAGE_A["paragraphs"])
    return notice(TITLE_A, images=[f"{base}img/fund.png"],
                  attachments=[("../files/fund-list.xlsx", "附件1：2024年度专项资金分配名单.xlsx"),
                               (f"{base}files/not-crawled.docx", "附件2：申报表.docx")],
                  visits=visits, **facts)


def _page_b(picture: str, charset: str | None) -> str:
    return notice(TITLE_B, index_number="11330700002592599F/2024-00013",
                  paragraphs=["各有关单位：", "请于4月底前完成自查。"], images=[picture],
                  charset=charset)


def _write_crawl(path: Path, base: str) -> dict:
    with Crawl(path) as c:
        a = c.page(f"{base}news/a.html", _page_a(base))
        c.response(f"{base}img/fund.png", PICTURE, "image/png")
        c.response(f"{base}files/fund-list.xlsx", SHEET, XLSX)
        # GBK, declared only by the HTTP header (the page has no <meta charset>)
        c.page(f"{base}news/b.html", _page_b(f"{base}img/moved.png", charset=None),
               encoding="gbk")
        c.redirect(f"{base}img/moved.png", "/img/2024/check.png")
        c.response(f"{base}img/2024/check.png", MOVED, "image/png")
        c.revisit(f"{base}news/a.html", a, "2024-06-01T08:00:00Z")
        c.redirect(f"{base}news/old-b.html", f"{base}news/b.html")
        c.response(f"{base}news/gone.html", "<html><body>页面不存在</body></html>".encode(),
                   "text/html; charset=utf-8", status="404 Not Found")
        c.response(f"{base}api/count.json", b'{"visits": 1000}', "application/json")
    return {"a": a}


@pytest.fixture(scope="module")
def crawl(tmp_path_factory, portal):
    """The crawl converted once (all editions), with its --json summary."""
    base, requests = portal
    root = tmp_path_factory.mktemp("warc")
    warc = root / "crawl.warc.gz"
    facts = _write_crawl(warc, base)
    out = root / "out"
    r = govdoc("convert", str(warc), "-o", str(out), "--jobs", "1", "--json")
    assert r.returncode == 0, r.stderr
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return {"root": root, "warc": warc, "out": out, "summary": json.loads(r.stdout),
            "stderr": r.stderr, "manifest": manifest, "base": base, "requests": requests,
            **facts}


def _entry(crawl, suffix: str) -> dict:
    return next(d for d in crawl["manifest"]["documents"] if d["input"].endswith(suffix))


def _xml(crawl, entry: dict) -> etree._Element:
    return etree.parse(str(crawl["out"] / entry["outputs"]["xml"])).getroot()


def test_every_article_is_converted_and_the_rest_counted(crawl):
    base = crawl["base"]
    inputs = sorted(d["input"] for d in crawl["manifest"]["documents"])
    warc = str(crawl["warc"])
    assert inputs == sorted([f"{warc}#{base}news/a.html", f"{warc}#{base}news/a.html@2024-06-01T08:00:00Z",
                             f"{warc}#{base}news/b.html"])
    assert all(d["status"] == "ok" for d in crawl["manifest"]["documents"])
    # the revisit is the first capture's payload: the same bytes, the same record
    a, again = _entry(crawl, "a.html"), _entry(crawl, "@2024-06-01T08:00:00Z")
    assert again["id"] == a["id"] and again["duplicate_of"] == a["input"]
    [archive] = crawl["summary"]["archives"]
    assert archive["pages"] == 3 and archive["not_html"] == 4  # 2 pictures, sheet, json
    assert sum(archive["skipped"].values()) == 3  # 2 redirects, a 404
    assert any("404" in why for why in archive["skipped"])
    assert any("redirect" in why for why in archive["skipped"])
    assert "not found (HTTP 404)" in crawl["stderr"]
    assert crawl["requests"] == [], "nothing is fetched from the portal"


def test_gbk_page_read_by_the_http_charset_its_picture_through_a_redirect(crawl):
    b = _entry(crawl, "b.html")
    doc = _xml(crawl, b)
    [image] = doc.iter("{urn:govdoc:canonical:1}image")
    assert (crawl["out"] / b["id"] / image.get("local")).read_bytes() == MOVED
    with pikepdf.open(crawl["out"] / b["outputs"]["pdf"]) as pdf:
        shown = [pikepdf.PdfImage(img).as_pil_image()
                 for page in pdf.pages for img in page.get_images().values()]
    assert any(im.size == (36, 20) and im.convert("RGB").getpixel((3, 3)) == BLUE for im in shown)
    assert doc.findtext("g:meta/g:title", namespaces=NS) == TITLE_B
    assert "请于4月底前完成自查。" in "".join(doc.find("g:body", NS).itertext())
    enc = doc.find("g:provenance/g:encoding", NS)
    assert enc.get("method") == "declared" and enc.get("declared") == "gbk"


def test_origin_from_the_warc_in_xml_manifest_and_catalogue(crawl):
    base, a = crawl["base"], _entry(crawl, "a.html")
    origin = _xml(crawl, a).find("g:provenance/g:origin", NS)
    assert origin.get("url") == f"{base}news/a.html" and origin.get("from") == "warc"
    assert origin.get("captured") == "2024-05-01T08:00:00Z"
    record = origin.find("g:warc-record", NS)
    assert record.get("file") == "crawl.warc.gz" and record.get("record-id") == crawl["a"]["id"]
    assert a["origin"]["url"] == f"{base}news/a.html"
    table = list(csv.DictReader(io.StringIO(
        (crawl["out"] / "catalogue.csv").read_bytes().decode("utf-8-sig"))))
    row = next(r for r in table if r["来源文件 source-input"] == a["input"])
    assert row["原网址 url"] == f"{base}news/a.html"
    assert row["采集时间 captured"] == "2024-05-01T08:00:00Z"
    assert row["附件数 attachment-count"] == "1"
    assert "2024年度专项资金分配名单.xlsx" in row["附件 attachments"]
    report = (crawl["out"] / "index.html").read_text(encoding="utf-8")
    assert f"{base}news/a.html" in report and "2024-05-01T08:00:00Z" in report


def test_picture_and_attachment_kept_in_the_record_from_the_archive(crawl):
    a = _entry(crawl, "a.html")
    out = crawl["out"]
    kept = {k: v for k, v in a["outputs"].items() if "/" in k}
    assert sorted(k.split("/")[0] for k in kept) == ["attachments", "images"]
    sheet = next(out / v for k, v in kept.items() if k.startswith("attachments/"))
    picture = next(out / v for k, v in kept.items() if k.startswith("images/"))
    assert sheet.read_bytes() == SHEET and picture.read_bytes() == PICTURE
    for key in kept:
        assert a["sha256"][key] == hashlib.sha256((out / kept[key]).read_bytes()).hexdigest()
    with zipfile.ZipFile(sheet) as z:  # a real spreadsheet, whole
        assert "婺城区" in z.read("xl/worksheets/sheet1.xml").decode()
    record = json.loads((out / a["id"] / "record.json").read_text(encoding="utf-8"))
    assert {k for k in record["files"]} >= set(kept)
    # the 附件 the crawl did not get: marked, warned of, never fetched
    doc = _xml(crawl, a)
    missing = [x for x in doc.iter("{urn:govdoc:canonical:1}attachment") if x.get("missing")]
    assert [x.get("href") for x in missing] == [f"{crawl['base']}files/not-crawled.docx"]
    assert any("申报表.docx" in w and "not in the capture" in w for w in a["warnings"])


def test_pdf_shows_the_archived_picture_and_carries_the_files(crawl):
    a = _entry(crawl, "a.html")
    with pikepdf.open(crawl["out"] / a["outputs"]["pdf"]) as pdf:
        shown = [pikepdf.PdfImage(img).as_pil_image()
                 for page in pdf.pages for img in page.get_images().values()]
        assert any(im.size == (40, 30) and im.convert("RGB").getpixel((5, 5)) == RED
                   for im in shown), "the WARC's picture is on the page"
        files = {name: spec for name, spec in pdf.attachments.items()}
        assert files["attachments/fund-list.xlsx"].get_file().read_bytes() == SHEET
        assert files["images/fund.png"].get_file().read_bytes() == PICTURE
        af = {str(f.get("/UF")): f for f in pdf.Root.AF}
        assert af["fund-list.xlsx"].AFRelationship == pikepdf.Name.Supplement
        assert af["fund-list.xlsx"].EF.F.Subtype == pikepdf.Name("/" + XLSX)
        assert af["fund.png"].EF.F.Subtype == pikepdf.Name("/image/png")
        assert af["document.xml"].AFRelationship == pikepdf.Name.Data
    with zipfile.ZipFile(crawl["out"] / a["outputs"]["docx"]) as z:
        media = [z.read(n) for n in z.namelist() if n.startswith("word/media/")]
    assert media, "the Word edition shows the picture as well"


def test_bag_validates_with_the_attachments_and_verify_catches_a_flipped_byte(crawl):
    bag = crawl["root"] / "bag"
    r = govdoc("package", str(crawl["out"]), "-o", str(bag), "--organization", "金华市档案馆")
    assert r.returncode == 0, r.stderr
    a = _entry(crawl, "a.html")
    sheet = bag / "data" / a["outputs"]["attachments/fund-list.xlsx"]
    assert sheet.read_bytes() == SHEET
    assert (bag / "data" / "index.html").is_file()
    assert "BagIt-Version: 1.0" in (bag / "bagit.txt").read_text()
    assert "Source-Organization: 金华市档案馆" in (bag / "bag-info.txt").read_text(encoding="utf-8")
    dc = list(csv.reader(io.StringIO(
        (bag / "data" / "metadata" / "metadata.csv").read_text(encoding="utf-8"))))
    row = dict(zip(dc[0], next(r for r in dc[1:] if r[0] == f"objects/{a['id']}")))
    assert row["dc.title"] == TITLE_A and row["dc.source"] == f"{crawl['base']}news/a.html"
    assert row["dc.description"] == f"captured {a['origin']['captured']}"  # the WARC-Date
    values = next(r for r in dc[1:] if r[0] == f"objects/{a['id']}")
    assert PAGE_A["index_number"] in [v for k, v in zip(dc[0], values) if k == "dc.identifier"]
    r = subprocess.run([sys.executable, "-m", "bagit", "--validate", str(bag)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert govdoc("verify", str(bag)).returncode == 0
    data = bytearray(sheet.read_bytes())
    data[len(data) // 2] ^= 0x01
    sheet.write_bytes(bytes(data))
    r = govdoc("verify", str(bag))
    assert r.returncode == 1 and "fund-list.xlsx" in r.stdout + r.stderr
    r = subprocess.run([sys.executable, "-m", "bagit", "--validate", str(bag)],
                       capture_output=True, text=True)
    assert r.returncode != 0


def test_the_same_pages_as_loose_files_give_the_same_documents(crawl, tmp_path):
    """Saved by a browser: the picture and the 附件 in a_files/, the link to the file
    the crawl did not get left absolute.  Same content digest as from the WARC."""
    base = crawl["base"]
    folder = tmp_path / "saved"
    (folder / "a_files").mkdir(parents=True)
    (folder / "a_files" / "fund.png").write_bytes(PICTURE)
    (folder / "a_files" / "fund-list.xlsx").write_bytes(SHEET)
    html = _page_a(base, visits=2345).replace(f"{base}img/fund.png", "a_files/fund.png") \
        .replace("../files/fund-list.xlsx", "a_files/fund-list.xlsx")
    (folder / "a.html").write_text(html, encoding="utf-8")
    (folder / "b_files").mkdir()
    (folder / "b_files" / "check.png").write_bytes(MOVED)
    (folder / "b.html").write_bytes(_page_b("b_files/check.png", charset="gbk").encode("gbk"))
    out = tmp_path / "out"
    r = govdoc("convert", str(folder), "-o", str(out), "--formats", "xml", "-q")
    assert r.returncode == 0, r.stderr
    loose = {Path(d["input"]).name: d
             for d in json.loads((out / "manifest.json").read_text(encoding="utf-8"))["documents"]}
    assert loose["a.html"]["id"] != _entry(crawl, "a.html")["id"]  # other bytes
    assert loose["a.html"]["content_digest"] == _entry(crawl, "a.html")["content_digest"]
    assert loose["b.html"]["content_digest"] == _entry(crawl, "b.html")["content_digest"]
    assert sorted(k for k in loose["a.html"]["outputs"] if "/" in k) == \
        sorted(k for k in _entry(crawl, "a.html")["outputs"] if "/" in k)
    assert crawl["requests"] == [], "nothing is fetched from the portal"


def test_recapture_same_document_and_new_version(crawl, tmp_path):
    """Next month's crawl: notice A with another visit counter (the same document),
    then notice A corrected under the same 索引号 (a new version)."""
    base = crawl["base"]
    warc = tmp_path / "june.warc.gz"
    with Crawl(warc) as c:
        c.page(f"{base}news/a.html", _page_a(base, visits=1587), date="2024-06-03T08:00:00Z")
        c.response(f"{base}img/fund.png", PICTURE, "image/png", date="2024-06-03T08:00:01Z")
        c.response(f"{base}files/fund-list.xlsx", SHEET, XLSX, date="2024-06-03T08:00:02Z")
    changed = PAGE_A["paragraphs"][:1] + ["现将2024年度专项资金分配名单（修订）予以公布。"] \
        + PAGE_A["paragraphs"][2:]
    july = tmp_path / "july.warc.gz"
    with Crawl(july) as c:
        c.page(f"{base}news/a.html", _page_a(base, visits=2044, paragraphs=changed),
               date="2024-07-01T08:00:00Z")
        c.response(f"{base}img/fund.png", PICTURE, "image/png", date="2024-07-01T08:00:01Z")
        c.response(f"{base}files/fund-list.xlsx", SHEET, XLSX, date="2024-07-01T08:00:02Z")
    out = tmp_path / "out"
    r = govdoc("convert", str(crawl["warc"]), str(warc), "-o", str(out), "--formats", "xml",
               "--json")
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    june_in = f"{warc}#{base}news/a.html"
    first_in = f"{crawl['warc']}#{base}news/a.html"
    assert [(d["input"], d["same_as"]) for d in summary["same_document"]] == [(june_in, first_in)]
    assert summary["new_versions"] == []
    assert "Same document as an earlier capture" in r.stderr

    r = govdoc("convert", str(crawl["warc"]), str(warc), str(july), "-o", str(out),
               "--formats", "xml", "--json")
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    july_in = f"{july}#{base}news/a.html"
    assert summary["converted"] == 1  # only the new capture; the others are kept
    [new] = summary["new_versions"]
    assert new["input"] == july_in and new["number"] == 2 and new["count"] == 2
    assert new["of"] == f"索引号 {PAGE_A['index_number']}"
    assert "New versions of a document" in r.stderr and july_in in r.stderr
    docs = {d["input"]: d for d in
            json.loads((out / "manifest.json").read_text(encoding="utf-8"))["documents"]}
    assert new["previous"] == docs[first_in]["id"]
    assert docs[july_in]["content_digest"] != docs[first_in]["content_digest"]
    assert docs[june_in]["content_digest"] == docs[first_in]["content_digest"]

    table = list(csv.DictReader(io.StringIO(
        (out / "catalogue.csv").read_bytes().decode("utf-8-sig"))))
    rows = {r["来源文件 source-input"]: r for r in table}
    assert rows[june_in]["同一文件 same-as"] == first_in
    assert rows[july_in]["版本 version"].startswith("2/2 (索引号 ")
    assert rows[first_in]["版本 version"].startswith("1/2 (索引号 ")
    report = (out / "index.html").read_text(encoding="utf-8")
    assert "1 新版本 new versions" in report and "version 2 of 2" in report
    assert "同一文件 same document as" in report
    assert crawl["requests"] == [], "nothing is fetched from the portal"


def test_wacz_gives_the_same_records(crawl, tmp_path):
    from tests.support.warcs import wacz

    package = wacz(tmp_path / "crawl.wacz", crawl["warc"])
    out = tmp_path / "out"
    r = govdoc("convert", str(package), "-o", str(out), "--formats", "xml", "-q")
    assert r.returncode == 0, r.stderr
    docs = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["documents"]
    by_url = {d["origin"]["url"]: d for d in docs if not d.get("duplicate_of")}
    for name in ("a.html", "b.html"):
        e = _entry(crawl, name)
        assert by_url[e["origin"]["url"]]["id"] == e["id"]
    a = by_url[_entry(crawl, "a.html")["origin"]["url"]]
    assert (out / a["outputs"]["attachments/fund-list.xlsx"]).read_bytes() == SHEET
    assert a["origin"]["warc-file"].startswith("crawl.wacz!")


def test_on_dask_the_same_records_as_the_local_pool(crawl, tmp_path):
    """Workers on Dask read the archive themselves, by offset: the same records, the
    files kept, nothing fetched; run again, nothing is converted (resume by digest)."""
    pytest.importorskip("distributed")
    out = tmp_path / "dask"
    r = govdoc("convert", str(crawl["warc"]), "-o", str(out), "--executor", "dask", "-j", "2",
               "--formats", "xml", "-q")
    assert r.returncode == 0, r.stderr
    docs = {d["input"]: d for d in
            json.loads((out / "manifest.json").read_text(encoding="utf-8"))["documents"]}
    for d in crawl["manifest"]["documents"]:
        mine = docs[d["input"]]
        assert (mine["id"], mine["content_digest"], mine["origin"]["url"]) == \
            (d["id"], d["content_digest"], d["origin"]["url"])
        assert {k: v for k, v in mine["sha256"].items() if "/" in k} == \
            {k: v for k, v in d["sha256"].items() if "/" in k}
    r = govdoc("convert", str(crawl["warc"]), "-o", str(out), "--formats", "xml", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["converted"] == 0
    assert crawl["requests"] == [], "nothing is fetched from the portal"


def _small_crawl(path: Path, base: str, *, gzip: bool = True) -> Path:
    with Crawl(path, gzip=gzip) as c:
        c.page(f"{base}n/1.html", _page_b(f"{base}img/1.png", charset="utf-8"))
        c.response(f"{base}img/1.png", MOVED, "image/png")
    return path


def test_a_deflated_wacz_member_and_a_plain_warc_are_read(tmp_path, portal):
    from tests.support.warcs import wacz

    base, requests = portal
    plain = _small_crawl(tmp_path / "plain.warc", base, gzip=False)
    package = wacz(tmp_path / "zipped.wacz", _small_crawl(tmp_path / "z.warc.gz", base),
                   stored=False)
    folder = tmp_path / "crawls"
    folder.mkdir()
    plain.rename(folder / plain.name)
    package.rename(folder / package.name)
    out = tmp_path / "out"
    r = govdoc("convert", str(folder), "-o", str(out), "--formats", "xml", "--json")
    assert r.returncode == 0, r.stderr
    docs = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["documents"]
    assert len(docs) == 2 and all(d["status"] == "ok" for d in docs)
    for d in docs:
        [pic] = [v for k, v in d["outputs"].items() if k.startswith("images/")]
        assert (out / pic).read_bytes() == MOVED
    assert requests == []


def test_a_damaged_archive_is_one_line_and_the_batch_goes_on(tmp_path, portal):
    """A WARC cut short in its last record, and one gzipped as a single stream (not
    record by record): each named in one line; the pages before the damage and the
    other inputs are converted."""
    import gzip as gz

    base, requests = portal
    good = _small_crawl(tmp_path / "good.warc.gz", base)
    whole = tmp_path / "whole.warc.gz"
    whole.write_bytes(gz.compress((_small_crawl(tmp_path / "p.warc", base, gzip=False))
                                  .read_bytes()))
    cut = tmp_path / "cut.warc.gz"
    with Crawl(cut) as c:
        c.page(f"{base}n/cut-1.html", _page_b(f"{base}img/none.png", charset="utf-8"))
        c.page(f"{base}n/cut-2.html", notice("第二份通知", index_number="X/2024-2",
                                             paragraphs=["内容。"]))
    data = cut.read_bytes()
    cut.write_bytes(data[: len(data) - 200])
    (tmp_path / "p.warc").unlink()
    out = tmp_path / "out"
    r = govdoc("convert", str(good), str(whole), str(cut), "-o", str(out), "--formats", "xml",
               "--json")
    lines = r.stderr.splitlines()
    assert any("whole.warc.gz" in line and "gzip" in line.lower() for line in lines), r.stderr
    assert any("cut.warc.gz" in line and "damaged" in line for line in lines), r.stderr
    docs = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["documents"]
    ok = sorted(d["input"].rsplit("#", 1)[-1] for d in docs if d["status"] == "ok")
    assert f"{base}n/1.html" in ok and f"{base}n/cut-1.html" in ok
    assert r.returncode in (0, 1) and "Traceback" not in r.stderr
    assert requests == []
