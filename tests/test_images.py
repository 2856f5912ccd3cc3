"""Pictures saved beside a page are found, recorded as image/@local and embedded in
both editions; nothing outside the page's folder is named or read."""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pikepdf
from PIL import Image

from pipeline import canonical
from pipeline.images import candidates, local_copy
from tests.conftest import govdoc

TEXT = ("为进一步做好政府信息公开工作，切实保障人民群众的知情权、参与权和监督权，"
        "现将本单位年度工作情况报告如下，请各有关单位认真贯彻执行并抓好落实。")


def test_candidates_stay_inside_the_folder():
    assert candidates("./page_files/a.png", "page.html")[0] == "page_files/a.png"
    assert candidates("http://www.gov.cn/images/2024/a%20b.jpg?v=1", "page.html") == [
        "page_files/a b.jpg", "page.files/a b.jpg", "a b.jpg"]
    assert candidates("../../secret/a.png", "page.html") == [
        "page_files/a.png", "page.files/a.png", "a.png"]
    assert candidates("data:image/png;base64,AAAA", "page.html") == []
    assert candidates("javascript:alert(1)", "page.html") == []


def test_local_copy_refuses_a_symlink_out_of_the_folder(tmp_path):
    outside = tmp_path / "outside.png"
    outside.write_bytes(b"x")
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "link.png").symlink_to(outside)
    assert local_copy("link.png", folder, "page.html") is None
    (folder / "real.png").write_bytes(b"x")
    assert local_copy("http://example.gov.cn/up/real.png", folder, "page.html") == "real.png"


def _png(path: Path, colour: tuple[int, int, int], size=(320, 200)) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "PNG")
    path.write_bytes(buf.getvalue())
    return buf.getvalue()


def test_saved_pictures_are_embedded_in_both_editions(tmp_path):
    site = tmp_path / "site"
    _png(site / "notice_files" / "photo1.png", (200, 30, 30))
    _png(site / "photo2.png", (30, 30, 200))
    outside = _png(tmp_path / "outside.png", (1, 2, 3), size=(97, 89))
    (site / "notice.html").write_text(
        "<html><head><meta charset='utf-8'><title>某县关于开展工作的通知</title></head><body>"
        "<div class='nav'>首页 > 通知公告</div><div class='article'>"
        "<h1>某县关于开展工作的通知</h1>"
        f"<p>　　{TEXT}</p>"
        "<p style='text-align:center'><img src='./notice_files/photo1.png' alt='现场照片一'></p>"
        "<p style='text-align:center'><img src='http://www.example.gov.cn/up/photo2.png' alt='现场照片二'></p>"
        "<p style='text-align:center'><img src='../outside.png' alt='不应读取的图片'></p>"
        f"<p>　　{TEXT}</p></div></body></html>", encoding="utf-8")
    out = tmp_path / "out"
    r = govdoc("convert", str(site), "-o", str(out), "-q", "--json")
    assert r.returncode == 0, r.stderr
    doc_entry = json.loads((out / "manifest.json").read_text())["documents"][0]
    doc = canonical.parse((out / doc_entry["outputs"]["xml"]).read_bytes())
    locals_ = [im.get("local") for im in doc.iter(canonical.q("image"))]
    assert locals_ == ["notice_files/photo1.png", "photo2.png", None]
    assert any("不应读取的图片" in w or "outside.png" in w for w in doc_entry["warnings"])

    with pikepdf.open(out / doc_entry["outputs"]["pdf"]) as pdf:
        sizes = sorted((int(o.Width), int(o.Height)) for o in pdf.objects
                       if isinstance(o, pikepdf.Stream) and o.get("/Subtype") == "/Image")
    assert sizes.count((320, 200)) == 2 and (97, 89) not in sizes

    with zipfile.ZipFile(out / doc_entry["outputs"]["docx"]) as z:
        media = [n for n in z.namelist() if n.startswith("word/media/")]
        blobs = [z.read(n) for n in media]
    assert len(media) == 2 and outside not in blobs
    for blob in blobs:
        with Image.open(io.BytesIO(blob)) as im:
            assert im.size == (320, 200)
