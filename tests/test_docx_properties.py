"""Property test: any valid canonical body renders, keeps every character in order,
and every table comes out a rectangular grid in schema order."""
from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from pipeline.canonical import E, body_text, squash, sub, validation_errors
from pipeline.render.docx import docx_text, render_docx
from pipeline.render.ooxml import order_violations
from tests.test_docx import make_doc

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
TEXT = st.text(alphabet="中文公文格式测试，。、“”（）《》0123456789abcXYZ —…", min_size=1, max_size=40)


@st.composite
def paragraph(draw, parent):
    p = sub(parent, "p", draw(TEXT))
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(["strong", "em", "a", "br", "sup", "sub"]))
        if kind == "br":
            child = sub(p, "br")
        elif kind == "a":
            child = sub(p, "a", draw(TEXT), href=draw(st.sampled_from(
                ["https://www.gov.cn/x.html", "./a.pdf", "javascript:void(0)"])))
        else:
            child = sub(p, kind, draw(TEXT))
        child.tail = draw(st.one_of(st.none(), TEXT))
    return p


@st.composite
def table(draw, parent):
    t = sub(parent, "table")
    nrows = draw(st.integers(1, 5))
    for r in range(nrows):
        row = sub(t, "row")
        for _ in range(draw(st.integers(1, 5))):
            attrs = {}
            if draw(st.booleans()):
                attrs["colspan"] = str(draw(st.integers(1, 3)))
            if draw(st.booleans()):
                attrs["rowspan"] = str(draw(st.integers(1, nrows - r)))
            sub(row, "cell", draw(TEXT), **attrs)
    return t


@st.composite
def bodies(draw):
    body = E("body")
    for _ in range(draw(st.integers(1, 6))):
        if draw(st.booleans()):
            draw(paragraph(body))
        else:
            draw(table(body))
    sec = sub(body, "section", level="1")
    sub(sec, "heading", draw(TEXT))
    draw(paragraph(sec))
    if draw(st.booleans()):
        sig = sub(body, "signature")
        sub(sig, "org", draw(TEXT))
    return body


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bodies())
def test_any_body_renders_without_loss(body):
    doc = make_doc(body)
    assert validation_errors(doc) == []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "p.docx"
        render_docx(doc, out)
        assert body_text(doc) in squash(docx_text(out))
        with zipfile.ZipFile(out) as z:
            root = etree.fromstring(z.read("word/document.xml"))
        assert order_violations(root) == []
        for tbl in root.iter(f"{W}tbl"):
            ncols = len(tbl.find(f"{W}tblGrid"))
            for tr in tbl.iter(f"{W}tr"):
                spans = [int(tc.find(f"{W}tcPr/{W}gridSpan").get(f"{W}val"))
                         if tc.find(f"{W}tcPr/{W}gridSpan") is not None else 1
                         for tc in tr.findall(f"{W}tc")]
                assert sum(spans) == ncols
