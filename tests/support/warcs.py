"""Web archives written by the tests (warcio's writer), and the pages and files in them.

The crawl is of a made-up portal whose address is a loopback server the test
starts: should govdoc ever fetch a picture or an attachment instead of reading it
from the archive, the server would see the request.
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter


def png(width: int = 40, height: int = 30, colour=(200, 30, 30)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buf, "PNG")
    return buf.getvalue()


def xlsx(rows: list[list[str]]) -> bytes:
    """A small real spreadsheet (OOXML), written without a spreadsheet library."""
    def cell(ref: str, text: str) -> str:
        return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'
    sheet_rows = "".join(
        f'<row r="{i}">' + "".join(cell(f"{chr(65 + j)}{i}", v) for j, v in enumerate(r)) + "</row>"
        for i, r in enumerate(rows, start=1))
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{sheet_rows}</sheetData></worksheet>',
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text)
    return buf.getvalue()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def notice(title: str, *, index_number: str, paragraphs: list[str], images: list[str] = (),
           attachments: list[tuple[str, str]] = (), visits: int = 1000, charset: str | None = "utf-8",
           stamp: str = "2024-03-18 09:00:00", publisher: str = "金华市财政局") -> str:
    """A portal notice with its 信息公开 table, pictures, 附件 links and a visit counter
    (page chrome: it changes at every capture and is not part of the document)."""
    head = f'<meta charset="{charset}">' if charset else ""
    body = "".join(f"<p>　　{p}</p>" for p in paragraphs)
    body += "".join(f'<p style="text-align:center"><img src="{src}" alt="图{n}"></p>'
                    for n, src in enumerate(images, start=1))
    if attachments:
        body += "<p>附件：</p>" + "".join(f'<p><a href="{href}">{text}</a></p>'
                                         for href, text in attachments)
    return (f"<!DOCTYPE html><html><head>{head}<title>{title}_金华市人民政府</title></head><body>"
            '<div class="nav">首页 &gt; 政务公开 &gt; 通知公告</div>'
            '<table class="xxgk">'
            f"<tr><th>索引号：</th><td>{index_number}</td><th>发布机构：</th><td>{publisher}</td></tr>"
            "<tr><th>发文字号：</th><td>金财〔2024〕12号</td><th>发布日期：</th><td>2024-03-18</td></tr>"
            f"</table><h1>{title}</h1><div id=\"zoom\">{body}"
            f'<p style="text-align:right">{publisher}</p>'
            '<p style="text-align:right">2024年3月18日</p></div>'
            f'<div class="footer">访问量：{visits} 次 页面生成时间：{stamp} '
            "主办单位：金华市人民政府办公室</div></body></html>")


@dataclass
class Crawl:
    """A WARC file being written, with what went into it."""

    path: Path
    records: list[dict] = field(default_factory=list)
    gzip: bool = True

    def __post_init__(self) -> None:
        self._fh = open(self.path, "wb")
        self.writer = WARCWriter(self._fh, gzip=self.gzip)

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> "Crawl":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def response(self, url: str, body: bytes, content_type: str, *, status: str = "200 OK",
                 date: str = "2024-05-01T08:00:00Z", headers: list[tuple[str, str]] = ()):
        http = StatusAndHeaders(status, [("Content-Type", content_type), *headers],
                                protocol="HTTP/1.1")
        rec = self.writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                             http_headers=http,
                                             warc_headers_dict={"WARC-Date": date})
        self.writer.write_record(rec)
        facts = {"url": url, "date": date, "id": rec.rec_headers.get_header("WARC-Record-ID"),
                 "digest": rec.rec_headers.get_header("WARC-Payload-Digest"), "status": status}
        self.records.append(facts)
        return facts

    def page(self, url: str, html: str, *, encoding: str = "utf-8", declare: bool = True,
             date: str = "2024-05-01T08:00:00Z"):
        ctype = f"text/html; charset={encoding}" if declare else "text/html"
        return self.response(url, html.encode(encoding), ctype, date=date)

    def revisit(self, url: str, of: dict, date: str):
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                protocol="HTTP/1.1")
        rec = self.writer.create_revisit_record(url, of["digest"], of["url"], of["date"],
                                                http_headers=http,
                                                warc_headers_dict={"WARC-Date": date})
        self.writer.write_record(rec)
        facts = {"url": url, "date": date, "id": rec.rec_headers.get_header("WARC-Record-ID"),
                 "revisit_of": of["id"]}
        self.records.append(facts)
        return facts

    def redirect(self, url: str, location: str, *, date: str = "2024-05-01T08:00:00Z"):
        return self.response(url, b"", "text/html", status="302 Found", date=date,
                             headers=[("Location", location)])


def wacz(path: Path, warc: Path, *, stored: bool = True) -> Path:
    """A WACZ package around one WARC file (stored, as the specification asks, or
    deflated, as a careless zip tool does)."""
    with zipfile.ZipFile(path, "w") as z:
        z.write(warc, f"archive/{warc.name}",
                compress_type=zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)
        z.writestr("datapackage.json", '{"profile": "data-package", "wacz_version": "1.1.1"}')
        z.writestr("pages/pages.jsonl", '{"format": "json-pages-1.0"}\n')
    return path
