"""Hostile and broken pages, written for the tests, and the proofs that they did no harm.

Every page here is a real portal-like article wrapped around one attack or one
kind of damage, so that a conversion that *works* still has something to keep.
"""
from __future__ import annotations

import base64
import http.server
import os
import threading
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

EXT_B_TO_G = "\U00020000\U0002A700\U0002B740\U0002B820\U0002CEB0\U00030000"

ARTICLE = ("<p>　　为进一步做好政府信息公开工作，现将有关事项通知如下。</p>"
           "<p>　　一、各单位要高度重视，认真抓好落实。</p>")


def page(body: str, *, head: str = "", charset: str = "utf-8", title: str = "关于做好信息公开工作的通知") -> str:
    return (f'<!DOCTYPE html><html><head><meta charset="{charset}"><title>{title}</title>{head}</head>'
            f'<body><div class="nav">首页 &gt; 政务公开</div><h1>{title}</h1>'
            f'<div id="zoom">{ARTICLE}{body}</div>'
            f'<div class="footer">主办单位：某某市人民政府办公室 网站标识码：1234567890</div></body></html>')


@dataclass
class Recorder:
    """A loopback HTTP server that records every request made to it."""

    requests: list[str] = field(default_factory=list)
    server: http.server.ThreadingHTTPServer | None = None

    @property
    def base(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> "Recorder":
        rec = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                rec.requests.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"FETCHED-FROM-THE-NETWORK")

            do_POST = do_HEAD = do_GET

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        assert self.server is not None
        self.server.shutdown()
        self.server.server_close()


def reference_attacks(target: str) -> str:
    """``target`` (a URL or path) referenced in every way a page can make a renderer read it."""
    return f"""
<link rel="stylesheet" href="{target}"><link rel="attachment" href="{target}">
<style>@import url("{target}"); @font-face {{ font-family: x; src: url("{target}"); }}
 body {{ background: url("{target}"); }}</style>
<p style="background-image:url('{target}')">　　段落背景。</p>
<img src="{target}" alt="图一"><img srcset="{target} 2x" alt="图二">
<iframe src="{target}"></iframe><object data="{target}"></object><embed src="{target}">
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">
 <image href="{target}" width="10" height="10"/><image xlink:href="{target}"/></svg>
<a href="{target}">附件：相关材料.pdf</a>
<video src="{target}" poster="{target}"></video><audio src="{target}"></audio>
<script src="{target}"></script>
"""


def pdf_streams(path: Path) -> bytes:
    """Every stream of a PDF decoded, and its attachments: a marker cannot hide in
    compression."""
    import pikepdf  # imported late: the loopback server above is used without it

    parts = []
    with pikepdf.open(path) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Stream):
                try:
                    parts.append(obj.read_bytes())
                except pikepdf.PdfError:
                    parts.append(obj.read_raw_bytes())
        for _, att in pdf.attachments.items():
            parts.append(att.get_file().read_bytes())
    return b"\n".join(parts)


def all_output_bytes(folder: Path) -> bytes:
    """Everything a reader could get out of a document folder: raw files, every PDF
    stream decompressed (attachments included), every part of the .docx."""
    chunks: list[bytes] = []
    for f in sorted(folder.iterdir()):
        if f.name == "source.html":
            continue  # the input itself, byte for byte
        data = f.read_bytes()
        chunks.append(data)
        if f.suffix == ".pdf":
            chunks.append(pdf_streams(f))
        elif f.suffix == ".docx":
            with zipfile.ZipFile(f) as z:
                chunks += [z.read(n) for n in z.namelist()]
    return b"\n".join(chunks)


def png_bomb(path: Path, side: int = 50_000) -> int:
    """Write a valid ``side`` x ``side`` 8-bit grey PNG of zeros (2.5 GB decoded, about
    2.4 MB on disk at 50 000) in well under a second; return its size on disk.

    Deflating 2.5 GB of zeros takes zlib 15 s, but once its window holds only zeros
    each further chunk of zeros deflates (with a sync flush) to the same bytes: two
    chunks are compressed and the second repeated.  Adler-32 of n zero bytes is
    ``(n % 65521) << 16 | 1``."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows_per = 100
    assert side % rows_per == 0
    block = b"\0" * ((side + 1) * rows_per)   # filter byte 0 + a row of zeros, 100 rows
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = c.compress(block) + c.flush(zlib.Z_SYNC_FLUSH)
    second = c.compress(block) + c.flush(zlib.Z_SYNC_FLUSH)
    third = c.compress(block) + c.flush(zlib.Z_SYNC_FLUSH)
    assert second == third
    n = (side + 1) * side
    stream = (b"\x78\xda" + first + second * (side // rows_per - 1) + b"\x03\x00"
              + struct.pack(">I", ((n % 65521) << 16) | 1))
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0))
           + chunk(b"IDAT", stream) + chunk(b"IEND", b""))
    path.write_bytes(png)
    return len(png)


def build_site(root: Path, server: str, marker: Path) -> dict[str, bytes]:
    gbk_text = "关于印发《堃镕喆珺工作方案》的通知".encode("gb18030")
    nest = 100_000
    pages = {
        "file_absolute": page(reference_attacks(marker.as_uri())),
        "file_relative": page(reference_attacks("../secret/marker.txt")
                              + reference_attacks("../../" + marker.parent.parent.name + "/secret/marker.txt")),
        "etc_passwd": page(reference_attacks("file:///etc/passwd")),
        "http_urls": page(reference_attacks(f"{server}/leak.css"),
                          head=f'<base href="{server}/"><meta http-equiv="refresh" content="0;url={server}/r">')
                     + '<img src="relative-through-base.png">',
        "base_file": page('<img src="marker.txt" alt="相对路径图片">',
                          head=f'<base href="{marker.parent.as_uri()}/">'),
        "doctype_entities": ('<?xml version="1.0"?><!DOCTYPE html [<!ENTITY xxe SYSTEM "'
                             + marker.as_uri() + '"><!ENTITY a "啊啊啊啊啊啊啊啊啊啊">'
                             '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">'
                             '<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">]>'
                             + page("<p>&xxe;&e;</p>")),
        "processing_instructions": ('<?xml-stylesheet type="text/xsl" href="' + marker.as_uri() + '"?>'
                                    + page('<?php system("id"); ?><p>　　<?pi 指令?>处理指令之后的正文。</p>')),
        "scripts_everywhere": (page('<script>document.write("<p>脚本写入的假内容</p>")</script>'
                                    '<p>　　正文<script>alert(1)</script>继续。</p>'
                                    '<p onclick="alert(1)">　　事件属性。</p><a href="javascript:alert(1)">链接</a>',
                                    head="<script>var x = '<p>头部脚本</p>';</script>")
                               + "<script>after html</script></body></html><script>x()</script>"),
        "twenty_megabytes": page("<p>　　大页面的正文。</p><!--" + "注" * 3_000_000 + "-->"
                                 + "<script>var junk='" + "x" * 8_000_000 + "';</script>"),
        "deep_nesting": page("<div>" * nest + "<p>　　深层嵌套中的正文。</p>" + "</div>" * nest),
        "control_characters": page("<p>　　控制\x00字符\x01与\x0b换页\x0c和\x1f之后的正文。</p>"),
        "zero_width_bidi": page("<p>　　零宽\u200b字符\u200d与\u202e双向\u202c控制\u2066字符\u2069的正文。</p>"),
        "cjk_extensions": page(f"<p>　　扩展汉字{EXT_B_TO_G}和人名堃喆镕𠮷。</p>"),
        "long_latin": page("<p>　　长串：" + "A" * 2000 + "。</p>"),
        "wide_table": page("<table>" + "".join(
            "<tr>" + "".join(f"<td>第{r}行第{c}列数据</td>" for c in range(30)) + "</tr>"
            for r in range(4)) + "</table>"),
    }
    data = {name: html.encode("utf-8") for name, html in pages.items()}
    data["wrong_charset"] = page("<p>　　声明为UTF-8但实为GBK的正文。</p>").encode("gb18030")
    data["unknown_charset"] = page("<p>　　声明了未知编码的正文。</p>", charset="x-no-such-charset").encode("gb18030")
    data["mixed_encodings"] = (page("<p>　　前半是UTF-8的正文。</p>").encode("utf-8")
                               .replace(b"</div><div class=\"footer\">", b"<p>" + gbk_text + b"</p></div><div class=\"footer\">"))
    data["binary_garbage"] = os.urandom(200_000)
    data["empty"] = b""
    data.update(lossless_pages())
    folder = root / "site" / "pages"
    folder.mkdir(parents=True)
    for name, b in data.items():
        (folder / f"{name}.html").write_bytes(b)
    odd_files(folder, marker)
    return data



#: Text each page of ``lossless_pages`` must keep, past the damage or the attack.
AFTER = "损坏之后的正文必须保留"


def lossless_pages() -> dict[str, bytes]:
    """Pages whose damage used to lose text without a word (issue 13): each holds
    ``AFTER`` past the damage."""
    after = f"<p>　　{AFTER}。</p>"
    big = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x07" * (22 * 1024 * 1024)).decode()
    small = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x01" * 2400).decode()
    utf16 = page(f"<p>　　双字节编码的正文。</p>{after}", charset="utf-16")
    pages = {
        "unclosed_embed": page(f"<p>　　插件<embed src=\"/flash/a.swf\">之后</p><embed src=\"/b.swf\"><p>　　段落一。</p>{after}"),
        "unclosed_voids": page(f"<p>　　甲<source src=x>乙<track>丙<wbr>丁<keygen>戊<bgsound src=y>己</p>{after}"),
        "data_picture_30mb": page(f"<p><img src=\"{big}\" alt=\"大图\"></p>{after}"),
        "data_picture_small": page(f"<p><img src=\"{small}\"></p>{after}"),
        "object_fallback": page(f"<p>　　对象<object data=\"/m.swf\"><param name=q value=1>对象的替代文字</object>之后。</p>{after}"),
        "placeholders_and_css": page("<p>　　标题{{detail.title}}之后<noscript>请开启脚本</noscript>。</p>"
                                     "<p>@font-face {font-family:宋体; panose-1:2 1 6 0 3 1 1 1 1 1;} "
                                     f"p.MsoNormal {{margin:0cm;}}</p><button>打印</button>{after}"),
        "fragment_cr": ("<h2>关于做好信息公开工作的通知</h2>\r" + ARTICLE.replace("</p>", "</p>\r")
                        + f"<p>　　分行\r的正文。</p>{after}"),
    }
    data = {name: html.encode("utf-8") for name, html in pages.items()}
    article = page(f"<p>　　含有空字节的正文。</p>{after}").encode("utf-8")
    data["ten_nuls"] = article.replace("空字节".encode(), "空\0\0\0\0\0字节".encode()).replace(b"<body>", b"<bo\0\0dy>\0\0\0")
    data["nul_prefix"] = b"\0" * 4096 + article
    data["utf16_no_bom"] = utf16.encode("utf-16-le")
    return data


def odd_files(folder: Path, marker: Path) -> None:
    """Files in the input folder that are not pages to read: a FIFO (the batch parent
    used to hang hashing it), a link to /dev/zero (endless), a page linked from
    outside the folder (the marker's folder), and a page whose NAME_files/ holds a
    decompression bomb and a hard link to a picture outside carrying the marker."""
    os.mkfifo(folder / "pipe.html")
    (folder / "zero.html").symlink_to("/dev/zero")
    outside = marker.parent / "outside.html"
    outside.write_text(page(f"<p>　　{marker.read_text()}</p>"), encoding="utf-8")
    (folder / "outside_link.html").symlink_to(outside)
    files = folder / "pictures_files"
    files.mkdir()
    png_bomb(files / "bomb.png")
    secret_png = marker.parent / "secret.png"
    secret_png.write_bytes(_png_with_text(marker.read_text()))
    (files / "hard.png").hardlink_to(secret_png)
    (folder / "pictures.html").write_text(page(
        f'<p><img src="pictures_files/bomb.png" alt="炸弹图"></p><p><img src="pictures_files/hard.png" alt="硬链接图"></p>'
        f"<p>　　{AFTER}。</p>"), encoding="utf-8")


def _png_with_text(text: str) -> bytes:
    """A small real PNG carrying ``text`` in a tEXt chunk (so a leak is visible)."""
    import io

    from PIL import Image, PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", text)
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (9, 9, 9)).save(buf, "PNG", pnginfo=info)
    return buf.getvalue()
