from pathlib import Path

from pipeline.inputs import discover


def test_folders_recurse_into_page_files_only(tmp_path):
    for rel in ["a.html", "b/c.HTM", "b/d.shtml", "b/e.txt", "b/f.pdf", ".hidden/g.html", "out/h.html"]:
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("x")
    pages = discover([str(tmp_path), str(tmp_path / "a.html"), "missing.html"], exclude=tmp_path / "out")
    shown = [Path(p.shown).relative_to(tmp_path).as_posix() if p.shown != "missing.html" else p.shown
             for p in pages]
    assert shown == ["a.html", "b/c.HTM", "b/d.shtml", "missing.html"]


def test_a_saved_page_resource_folder_is_part_of_its_page(tmp_path):
    """"Save page as… complete" writes NAME_files/ (frames as .html inside): not pages.
    A folder of that shape without its page beside it is searched as usual."""
    for rel in ["notice.html", "notice_files/frame.html", "notice_files/top.htm",
                "old.htm", "old.files/frame.html", "orphan_files/page.html", "sub/x.html"]:
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("x")
    shown = [Path(p.shown).relative_to(tmp_path).as_posix() for p in discover([str(tmp_path)])]
    assert shown == ["notice.html", "old.htm", "orphan_files/page.html", "sub/x.html"]
    # given by name, a page inside such a folder is converted like any other
    assert [p.shown for p in discover([str(tmp_path / "notice_files" / "frame.html")])] == [
        str(tmp_path / "notice_files" / "frame.html")]


def test_a_file_name_that_is_not_utf8_is_converted_and_shown_readably(tmp_path):
    """A zip made on Chinese Windows gives GBK file names; the batch used to stop with a
    traceback when the ledger met one."""
    import json
    import os

    from tests.conftest import SAMPLES, govdoc

    folder = tmp_path / "in"
    folder.mkdir()
    raw = os.fsencode(folder) + b"/" + "关于通知.html".encode("gbk")
    with open(raw, "wb") as fh:
        fh.write(next(SAMPLES.glob("*.html")).read_bytes())
    with open(os.fsencode(folder) + b"/bad\xff\xfename.html", "wb") as fh:
        fh.write(b"")
    out = tmp_path / "out"
    r = govdoc("convert", str(folder), "-o", str(out), "-q", "--formats", "xml")
    assert r.returncode == 1 and "Traceback" not in r.stderr  # the empty page fails, alone
    docs = {d["input"]: d for d in json.loads((out / "manifest.json").read_text())["documents"]}
    good = docs[f"{folder}/关于通知.html"]
    assert good["status"] == "ok"
    assert 'name="关于通知.html"' in (out / good["outputs"]["xml"]).read_text(encoding="utf-8")
    bad = [d for name, d in docs.items() if name.startswith(f"{folder}/bad")]
    assert len(bad) == 1 and bad[0]["status"] == "failed" and "empty" in bad[0]["error"]
