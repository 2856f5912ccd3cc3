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
