"""The PDF renderer reads nothing but the page's own folder and never the network.

A marker file is planted beside (outside) the resource folder and reached every way
a page could try: a relative path, an absolute file: URL, a symlink inside the
folder.  Its bytes must appear in no stream or attachment of the PDF.  A loopback
HTTP server (127.0.0.1 only) started here must receive no request.
"""
from __future__ import annotations

import http.server
import threading
from pathlib import Path

import pytest

from pipeline.canonical import E, serialize, sub
from pipeline.render.fetcher import SandboxFetcher
from pipeline.render.pdf import render_pdf
from tests.pdf_support import corpus_golds
from tests.support.gold_xml import gold_document
from tests.support.hostile import pdf_streams

MARKER = b"GOVDOC-SECRET-MARKER-7f3a91"


@pytest.fixture()
def server():
    """A loopback HTTP server that records every request it gets."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(MARKER)

        def log_message(self, *args):
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", hits
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture()
def folders(tmp_path):
    res = tmp_path / "page"
    res.mkdir()
    secret = tmp_path / "secret.png"
    secret.write_bytes(MARKER)
    (res / "link.png").symlink_to(secret)
    return res, secret


def all_pdf_bytes(path: Path) -> bytes:
    """The file, plus every stream decoded: the marker cannot hide in compression."""
    return path.read_bytes() + pdf_streams(path)


def hostile_document(url: str, secret: Path):
    golds = corpus_golds()
    if not golds:
        pytest.skip("corpus not available")
    doc = gold_document(golds[-1])
    body = doc.find("{urn:govdoc:canonical:1}body")
    for src, local in [(f"{url}/remote.png", None), (f"{url}/a.png", "../secret.png"),
                       (secret.as_uri(), str(secret)), (f"{url}/b.png", "link.png")]:
        fig = E("figure")
        sub(fig, "image", src=src, alt="x", local=local)
        body.insert(0, fig)
    p = body.find("{urn:govdoc:canonical:1}p")
    a = sub(p, "a", "链接", href=f"{url}/page.html")
    a.tail = ""
    return doc


def test_no_file_outside_the_folder_and_no_request(tmp_path, folders, server):
    res, secret = folders
    url, hits = server
    doc = hostile_document(url, secret)
    out = tmp_path / "out.pdf"
    warnings = render_pdf(doc, serialize(doc), out, resource_dir=res)
    assert out.exists()
    assert MARKER not in all_pdf_bytes(out)
    assert hits == []
    assert sum("placeholder" in w for w in warnings) == 4, warnings


def test_weasyprint_itself_is_fenced(tmp_path, folders, server):
    """Even XHTML that asks for them directly gets no remote or outside resource."""
    import weasyprint

    res, secret = folders
    url, hits = server
    (res / "ok.txt").write_bytes(b"inside")
    html = f"""<html><head>
      <link rel="attachment" href="{secret.as_uri()}"/>
      <link rel="attachment" href="{url}/att.bin"/>
      <link rel="stylesheet" href="{url}/style.css"/>
      <style>body {{ background: url({url}/bg.png) }} p {{ background: url({secret.as_uri()}) }}</style>
      </head><body><p>x<img src="{url}/i.png"/><img src="../secret.png"/><img src="link.png"/>
      <img src="ftp://127.0.0.1/x.png"/></p></body></html>"""
    fetcher = SandboxFetcher(res)
    out = tmp_path / "direct.pdf"
    weasyprint.HTML(string=html, base_url=res.as_uri() + "/", url_fetcher=fetcher).write_pdf(out)
    assert MARKER not in all_pdf_bytes(out)
    assert hits == []
    assert len(fetcher.refused) >= 6


def test_fetcher_rules(tmp_path, folders, server):
    res, secret = folders
    url, hits = server
    (res / "ok.png").write_bytes(b"\x89PNG fake")
    f = SandboxFetcher(res)
    assert f.fetch((res / "ok.png").as_uri()).read() == b"\x89PNG fake"
    assert f.fetch("data:text/plain;base64,aGk=").read() == b"hi"
    for bad in (f"{url}/x", url.replace("http", "https") + "/x", "ftp://127.0.0.1/x",
                secret.as_uri(), (res / "link.png").as_uri(), (res / ".." / "secret.png").as_uri(),
                "file://127.0.0.1" + str(res / "ok.png"), "gopher://127.0.0.1/"):
        with pytest.raises(ValueError):
            f.fetch(bad)
    with pytest.raises(ValueError):
        SandboxFetcher(None).fetch((res / "ok.png").as_uri())
    assert hits == []
