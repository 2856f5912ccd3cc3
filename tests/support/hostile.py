"""Hostile and broken pages, written for the tests, and the proofs that they did no harm.

Every page here is a real portal-like article wrapped around one attack or one
kind of damage, so that a conversion that *works* still has something to keep.
"""
from __future__ import annotations

import http.server
import threading
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

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
