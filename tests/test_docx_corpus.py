"""Every corpus page's Word edition (from its gold canonical XML): the reviewers'
check_docx verdict, schema order in every part, and text equal to the XML body."""
from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.canonical import body_text, meta_of, squash
from pipeline.render.docx import docx_text
from pipeline.render.ooxml import order_violations
from tests.support.docx_corpus import gold_files, name_of, part, part_names, render_corpus, shared_tool
from tests.support.gold_xml import gold_document

GOLD = gold_files()
pytestmark = pytest.mark.skipif(not GOLD, reason="../shared/corpus is not beside the project")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, tuple[Path, Path, list[str]]]:
    """name -> (docx, canonical xml, warnings), each corpus page rendered once."""
    return {name: (r.docx, r.xml, r.warnings)
            for name, r in render_corpus(tmp_path_factory.mktemp("corpus-docx")).items()}


@pytest.mark.parametrize("gold", GOLD, ids=name_of)
def test_check_docx_says_ok(rendered, gold):
    tool = shared_tool("check_docx")
    if tool is None:
        pytest.skip("../shared/tools/check_docx.py not found")
    docx, xml, _ = rendered[name_of(gold)]
    m = tool.measure(str(docx), str(xml))
    assert tool.verdict(m) == [], m
    assert m["fidelity"] == 1.0


@pytest.mark.parametrize("gold", GOLD, ids=name_of)
def test_schema_order_in_every_part(rendered, gold):
    docx, _, _ = rendered[name_of(gold)]
    for name in part_names(docx):
        if name.startswith("word/") and name.endswith(".xml"):
            assert order_violations(part(docx, name)) == [], name


@pytest.mark.parametrize("gold", GOLD, ids=name_of)
def test_text_is_title_number_and_body(rendered, gold):
    docx, _, warnings = rendered[name_of(gold)]
    doc = gold_document(gold)
    meta = meta_of(doc)
    front = squash(meta["title"] + meta.get("doc-number", ""))
    text = squash(docx_text(docx))
    assert text.startswith(front)
    rest = text[len(front):]
    if not warnings:  # no placeholder text added
        assert rest == body_text(doc)
    else:
        import re
        assert re.sub(r"［图片未能收录：[^］]*］", "", rest) == body_text(doc)


def test_image_pages_warn_once_per_missing_picture(rendered):
    for name, (_, _, warnings) in rendered.items():
        if name.startswith("a06"):
            assert len(warnings) == 2 and all("image not embedded" in w for w in warnings)
        else:
            assert warnings == [], name


def _audit_exe() -> Path | None:
    import sys

    exe = Path(sys.executable).with_name("openxml-audit")
    return exe if exe.exists() else None


@pytest.mark.skipif(_audit_exe() is None, reason="openxml-audit (pip) not installed: schema "
                    "validation against ECMA-376 / Office 2016 skipped")
def test_every_part_validates_against_the_office_schemas(rendered):
    """A full schema validation (openxml-audit, pure Python, the Open XML SDK rules):
    catches what LibreOffice forgives and Word rejects."""
    import subprocess

    for name, (docx, _, _) in rendered.items():
        r = subprocess.run([str(_audit_exe()), "-f", "office2016", "-m", "20", str(docx)],
                           capture_output=True, text=True, timeout=120)
        assert "Errors: 0" in r.stdout, (name, r.stdout[-2000:])
