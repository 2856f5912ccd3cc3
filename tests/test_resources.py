"""A saved page's pictures and 附件 kept in its record, and the files refused (issue 16).

Hostile folders: a link out of the page's folder, a second name (hard link) for a
file elsewhere, a folder with a file's name, ``../`` out of the folder; a record's
files bounded.  Each refusal is a warning naming the file; the page is converted.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from lxml import etree

from pipeline.sources import resources
from pipeline.canonical import q
from tests.conftest import govdoc
from tests.support.warcs import notice, png, xlsx

SHEET = xlsx([["名称", "数量"], ["甲", "3"]])


def _saved_page(folder: Path, outside: Path) -> None:
    """A page saved with its files, next to files it must not reach."""
    files = folder / "notice_files"
    files.mkdir(parents=True)
    (files / "photo.png").write_bytes(png(32, 24))
    (files / "名单 (终稿).xlsx").write_bytes(SHEET)
    (folder / "实施方案.pdf").write_bytes(b"%PDF-1.4\n% a plan\n%%EOF\n")
    (outside / "secret.xlsx").write_bytes(b"secret")
    os.symlink(outside / "secret.xlsx", files / "linked.xlsx")
    os.link(outside / "secret.xlsx", files / "second-name.xlsx")
    (files / "folder.docx").mkdir()
    html = notice("关于印发实施方案的通知", index_number="000014349/2024-00100",
                  paragraphs=["各单位：", "现将实施方案印发给你们。"],
                  images=["notice_files/photo.png"],
                  attachments=[("notice_files/名单%20(终稿).xlsx", "附件1：名单.xlsx"),
                               ("实施方案.pdf", "附件2：实施方案.pdf"),
                               ("../outside/secret.xlsx", "附件4：外部文件"),
                               ("notice_files/linked.xlsx", "附件5：链接"),
                               ("notice_files/second-name.xlsx", "附件6：硬链接"),
                               ("notice_files/folder.docx", "附件7：文件夹"),
                               ("实施方案.pdf", "附件2（重复链接）")])
    (folder / "notice.html").write_text(html, encoding="utf-8")


def test_files_saved_with_the_page_are_kept_and_the_rest_refused(tmp_path):
    pages, outside = tmp_path / "pages", tmp_path / "outside"
    pages.mkdir()
    outside.mkdir()
    _saved_page(pages, outside)
    out = tmp_path / "out"
    r = govdoc("convert", str(pages), "-o", str(out), "--formats", "xml,pdf", "--json")
    assert r.returncode == 0, r.stderr
    [d] = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["documents"]
    kept = sorted(k for k in d["outputs"] if "/" in k)
    assert len(kept) == 3 and sum(k.startswith("attachments/") for k in kept) == 2
    assert sum(k.startswith("images/") for k in kept) == 1
    for k in kept:
        name = k.split("/", 1)[1]
        assert name.isascii() and " " not in name and "/" not in name  # safe file names
    record = json.loads((out / d["id"] / "record.json").read_text(encoding="utf-8"))
    originals = {f.get("original") for f in record["files"].values()}
    assert {"名单 (终稿).xlsx", "实施方案.pdf", "photo.png"} <= originals
    sheet = next(out / v for k, v in d["outputs"].items()
                 if record["files"][k].get("original") == "名单 (终稿).xlsx")
    assert sheet.read_bytes() == SHEET
    # nothing from outside the page's folder reached the record
    for v in d["outputs"].values():
        assert b"secret" != (out / v).read_bytes()
    warnings = "\n".join(d["warnings"])
    for label in ("附件5：链接", "附件6：硬链接", "附件7：文件夹", "附件4：外部文件"):
        assert label in warnings, label
    doc = etree.parse(str(out / d["outputs"]["xml"])).getroot()
    missing = [a.text for a in doc.iter(q("attachment")) if a.get("missing")]
    assert "附件4：外部文件" in missing
    assert sorted({a.get("local") for a in doc.iter(q("attachment")) if a.get("local")}) == \
        sorted(k for k in kept if k.startswith("attachments/"))
    # the copies are checked like the rest of the record
    assert govdoc("verify", str(out)).returncode == 0
    data = bytearray(sheet.read_bytes())
    data[10] ^= 0x01
    sheet.write_bytes(bytes(data))
    r = govdoc("verify", str(out))
    assert r.returncode == 1 and sheet.name in r.stdout + r.stderr


def test_a_records_files_are_bounded(tmp_path, monkeypatch):
    """The bounds per file and per record, lowered so the test stays small: the
    files past them are refused by name, the ones before them kept."""
    folder = tmp_path / "page"
    folder.mkdir()
    for i in range(4):
        (folder / f"f{i}.xlsx").write_bytes(bytes([i]) * 1000)
    (folder / "big.xlsx").write_bytes(b"x" * 5000)
    doc = etree.fromstring(
        f'<document xmlns="urn:govdoc:canonical:1"><body>'
        + "".join(f'<attachment href="f{i}.xlsx">附件{i}</attachment>' for i in range(4))
        + '<attachment href="big.xlsx">大附件</attachment></body></document>')
    monkeypatch.setattr(resources, "MAX_FILE_BYTES", 4000)
    monkeypatch.setattr(resources, "MAX_RECORD_BYTES", 2500)
    record = tmp_path / "record"
    record.mkdir()
    kept = resources.keep(doc, record, resources.FolderSource(folder, "page.html"))
    assert sorted(f["original"] for f in kept.files.values()) == ["f0.xlsx", "f1.xlsx"]
    text = "\n".join(kept.warnings)
    assert "附件2" in text and "附件3" in text and "2500" not in text  # MB, not bytes
    assert "大附件" in text
    assert sorted(p.name for p in (record / "attachments").iterdir()) == \
        sorted(Path(k).name for k in kept.files)
    monkeypatch.setattr(resources, "MAX_RECORD_BYTES", 10 ** 9)
    monkeypatch.setattr(resources, "MAX_FILES", 3)
    record2 = tmp_path / "record2"
    record2.mkdir()
    kept = resources.keep(doc, record2, resources.FolderSource(folder, "page.html"))
    assert len(kept.files) == 3
    assert any("the limit" in w and "附件3" in w for w in kept.warnings)
