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
from pipeline.images import MAX_PICTURE_PIXELS, admit_picture, candidates, local_copy
from tests.conftest import govdoc
from tests.support.hostile import png_bomb

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
    # recorded by its own name, so that the renderers refuse it as a link, saying so
    assert local_copy("link.png", folder, "page.html") == "link.png"
    assert admit_picture(folder / "link.png", folder=folder).reason == "a symbolic link, refused"
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
    # the pictures saved with the page are copied into the record, which the editions read
    assert locals_ == ["images/photo1.png", "images/photo2.png", None]
    record = out / doc_entry["id"]
    assert (record / "images" / "photo1.png").read_bytes() == \
        (site / "notice_files" / "photo1.png").read_bytes()
    assert not (record / "images" / "outside.png").exists()
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


def test_admission_refuses_bombs_links_and_hard_links(tmp_path):
    folder = tmp_path / "site"
    files = folder / "page_files"
    _png(files / "ok.png", (10, 200, 10))
    assert admit_picture(files / "ok.png", folder=folder) == (True, (320, 200), "")
    png_bomb(files / "bomb.png")
    ok, size, why = admit_picture(files / "bomb.png", folder=folder)
    assert not ok and "decompression bomb" in why
    _png(files / "wide.png", (0, 0, 0), size=(10_000, 6_001))   # 60 million and a row
    assert admit_picture(files / "wide.png").reason.startswith("10000 x 6001 pixels, over the limit")
    # a hard link: the file could be any file of the same disk, seen from inside
    _png(tmp_path / "outside.png", (1, 2, 3))
    (files / "hard.png").hardlink_to(tmp_path / "outside.png")
    ok, _, why = admit_picture(files / "hard.png", folder=folder)
    assert not ok and "hard link" in why
    # a symbolic link, even to a picture inside the folder
    (files / "soft.png").symlink_to("ok.png")
    assert admit_picture(files / "soft.png", folder=folder).reason == "a symbolic link, refused"
    (folder / "linked_files").symlink_to(files, target_is_directory=True)
    assert "symbolic link" in admit_picture(folder / "linked_files" / "ok.png", folder=folder).reason
    assert "outside" in admit_picture(tmp_path / "outside.png", folder=folder).reason
    assert "outside" in admit_picture(files / ".." / ".." / "outside.png", folder=folder).reason
    (files / "fake.png").write_bytes(b"<html>not a picture</html>")
    assert admit_picture(files / "fake.png").reason == "cannot be read as a picture"
    assert MAX_PICTURE_PIXELS >= 4960 * 7016   # an A4 page scanned at 600 dpi is admitted


def _embedded_sizes(pdf_path: Path) -> list[tuple[int, int]]:
    with pikepdf.open(pdf_path) as pdf:
        return sorted((int(o.Width), int(o.Height)) for o in pdf.objects
                      if isinstance(o, pikepdf.Stream) and o.get("/Subtype") == "/Image")


def test_neither_edition_embeds_a_bomb_or_a_hard_linked_outside_picture(tmp_path):
    """The Word edition used to embed what the PDF refused (a 50 000 x 50 000 PNG) and
    a hard-linked outside picture in NAME_files/."""
    site = tmp_path / "site"
    files = site / "notice_files"
    _png(files / "good.png", (200, 30, 30))
    png_bomb(files / "bomb.png")
    outside = _png(tmp_path / "secret.png", (1, 2, 3), size=(97, 89))
    (files / "hard.png").hardlink_to(tmp_path / "secret.png")
    (files / "soft.png").symlink_to(tmp_path / "secret.png")
    pictures = "".join(f"<p style='text-align:center'><img src='notice_files/{n}.png' alt='图{n}'></p>"
                       for n in ("good", "bomb", "hard", "soft"))
    (site / "notice.html").write_text(
        "<html><head><meta charset='utf-8'><title>某县关于开展工作的通知</title></head><body>"
        f"<div class='article'><h1>某县关于开展工作的通知</h1><p>　　{TEXT}</p>{pictures}"
        f"<p>　　{TEXT}</p></div></body></html>", encoding="utf-8")
    out = tmp_path / "out"
    r = govdoc("convert", str(site), "-o", str(out), "-q", "--json")
    assert r.returncode == 0, r.stderr
    entry = json.loads((out / "manifest.json").read_text())["documents"][0]
    assert _embedded_sizes(out / entry["outputs"]["pdf"]) == [(320, 200)]
    with zipfile.ZipFile(out / entry["outputs"]["docx"]) as z:
        blobs = [z.read(n) for n in z.namelist() if n.startswith("word/media/")]
    assert len(blobs) == 1 and outside not in blobs
    with Image.open(io.BytesIO(blobs[0])) as im:
        assert im.size == (320, 200)
    warnings = " | ".join(entry["warnings"])
    for name, why in (("bomb", "decompression bomb"), ("hard", "hard link"), ("soft", "symbolic link")):
        # the record says why, once: both editions refuse it with the same words
        assert sum(name in w and why in w for w in entry["warnings"]) == 1, warnings


def test_a_picture_without_alt_text_is_still_described_in_the_tagged_pdf(tmp_path):
    """Pages seldom give alt text; a tagged PDF's figure needs words (PDF/UA), and the
    renderer's complaint must not reach the person as a warning about a staging path."""
    site = tmp_path / "site"
    _png(site / "notice_files" / "chart.png", (20, 120, 20))
    (site / "notice.html").write_text(
        "<html><head><meta charset='utf-8'><title>某县关于开展工作的通知</title></head><body>"
        "<div class='article'><h1>某县关于开展工作的通知</h1>"
        f"<p>　　{TEXT}</p><p style='text-align:center'><img src='./notice_files/chart.png'></p>"
        f"<p>　　{TEXT}</p></div></body></html>", encoding="utf-8")
    out = tmp_path / "out"
    r = govdoc("convert", str(site), "-o", str(out), "-q", "--json", "--formats", "xml,pdf")
    assert r.returncode == 0, r.stderr
    entry = json.loads((out / "manifest.json").read_text())["documents"][0]
    assert not [w for w in entry["warnings"] if "renderer" in w or ".staging" in w], entry["warnings"]
    with pikepdf.open(out / entry["outputs"]["pdf"]) as pdf:
        alts = [str(o.get("/Alt")) for o in pdf.objects
                if isinstance(o, pikepdf.Dictionary) and o.get("/S") == "/Figure"]
    assert alts and all(a.strip() and a != "None" for a in alts), alts
