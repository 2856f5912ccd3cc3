"""The line builder (render/lines.py) on its own: the lines it chooses for any
paragraph, and the places of 附件说明 and 署名 it gives both editions.

Property tests run random paragraphs of Chinese, punctuation, digits and Latin
through it and check what a typesetter checks on every line; the renderings of
the same choices are measured in test_pdf_layout.py, test_pdf_pages.py and
test_docx_libreoffice.py.
"""
from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from pipeline.render.lines import (NO_END, NO_START, SQUEEZABLE, Style, attachment_indents,
                                   editions, first_indent_chars, lay_out, natural_width,
                                   run_in_heading, signature_places)

settings.register_profile("lines", max_examples=int(os.environ.get("LINES_EXAMPLES", "150")),
                          deadline=None, suppress_health_check=[HealthCheck.too_slow])

SIZE = 16.0
PDF, DOCX = editions()
HANZI = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
MARKS = st.sampled_from("，，，。。、、；：？！“”（）《》—…·")
LATIN = st.sampled_from(["2024", "3.86", "0.087mg/kg", "CIM", "6·23", "100%", ",", "(1)", "GB/T 9704"])
PIECE = st.one_of(HANZI, HANZI, HANZI, HANZI, HANZI, MARKS, LATIN)
PARAGRAPH = st.lists(PIECE, min_size=1, max_size=160).map("".join)


def lines_of(text: str, first: float = 2.0):
    laid = lay_out([[(text, Style())]], SIZE, (first, 0.0), (0.0, 0.0))
    return laid, [("".join(g.ch for g in laid.glyphs[ln.start:ln.end]), ln) for ln in laid.lines]


def widths(laid, ed):
    """Each line's drawn width in edition ``ed``: glyphs plus their spacing, without
    the last glyph's own spacing (it only moves what follows)."""
    out = []
    for ln, sp in zip(laid.lines, laid.spacing(ed)):
        gl = laid.glyphs[ln.start:ln.end]
        vis = len(gl)
        while vis > 1 and gl[vis - 1].ch in " \u3000":
            vis -= 1
        w = sum((g.width * 0.48 if g.squeezed else g.width) for g in gl[:vis]) + sum(sp[:vis - 1])
        out.append(w)
    return out


@settings(settings.get_profile("lines"))
@given(PARAGRAPH)
def test_every_line_is_whole_flush_and_obeys_kinsoku(text):
    laid, lines = lines_of(text)
    assert "".join(t for t, _ in lines) == "".join(g.ch for g in laid.glyphs)  # nothing lost
    for i, (t, ln) in enumerate(lines):
        assert t, "an empty line"
        if i + 1 < len(lines):
            nxt = lines[i + 1][0]
            assert nxt[0] not in NO_START, (t, nxt)    # 避头
            assert t[-1] not in NO_END, (t, nxt)       # 避尾
            a, b = t[-1], nxt[0]
            if a.isascii() and b.isascii() and a != " " and b != " " and len(t) > 1:
                # a Latin run breaks only when it is longer than a line
                assert len(t) >= 20, (t, nxt)
    for ed in (PDF, DOCX):
        for (t, ln), w in zip(lines, widths(laid, ed)):
            room = ed.block_pt - laid.indent_pt(ln, ed)
            assert w <= room + 0.3, (ed.name, t, w, room)  # never past the edge
    for g in laid.glyphs:
        if g.squeezed:
            assert g.ch in SQUEEZABLE


@given(st.lists(HANZI, min_size=40, max_size=200).map("".join))
@settings(max_examples=60, deadline=None)
def test_chinese_lines_hold_28_cells_and_end_on_the_edge(text):
    """All-Chinese lines are full (26 after the indent, then 28) and end on the edge;
    only to spare the last line a lone character (孤字) one line holds one fewer,
    spread to the edge."""
    laid, lines = lines_of(text)
    short = []
    for t, ln in lines:
        cells = 26 if ln.start == 0 else 28
        if not ln.last and len(t) != cells:
            assert len(t) == cells - 1, t
            short.append(t)
    assert len(short) <= 1 and (not short or len(lines[-1][0]) == 2), lines
    for ed in (PDF, DOCX):
        for (t, ln), w in zip(lines, widths(laid, ed)):
            if not ln.last:
                assert w > ed.block_pt - laid.indent_pt(ln, ed) - 0.2 * ed.cell(SIZE) - ed.margin_pt


def test_a_closing_mark_after_a_full_line_stays_up_squeezed():
    """28 cells full and a "，" next: it may not open the next line.  The line keeps
    it by setting two marks of the line half-width (标点挤压), not by sending the
    character before it down and spreading the rest off the grid."""
    text = "甲" * 10 + "，" + "乙" * 17 + "，" + "丙" * 20
    laid, lines = lines_of(text, first=0.0)
    first, ln = lines[0]
    assert first == "甲" * 10 + "，" + "乙" * 17 + "，", lines
    assert sum(1 for g in laid.glyphs[ln.start:ln.end] if g.squeezed) == 2


def test_the_slack_goes_after_the_first_half_width_glyph():
    """A line short because a number moved down whole: the Chinese characters before
    the line's first digit keep the grid's spacing; the slack is after it."""
    text = "各地区各有关部门持续推进地下管线建设改造在2024年和2025年完成12345678项改造任务"
    laid, _ = lines_of(text, first=0.0)
    ln, sp = laid.lines[0], laid.spacing(PDF)[0]
    gl = laid.glyphs[ln.start:ln.end]
    k = next(i for i, g in enumerate(gl) if g.half)
    assert all(v == pytest.approx(PDF.condense_pt) for v in sp[:k - 1])


def test_no_paragraph_ends_in_one_character():
    """孤字: a paragraph whose last line would hold one character takes another down."""
    text = "国务院专利行政部门依法对专利代理行业组织进行监督、指导。"
    _, lines = lines_of(text)
    assert sum(1 for c in lines[-1][0] if c.isalnum()) >= 2, lines


def test_words_and_numbers_are_never_split():
    for text in ("为加快推进城乡供水一体化高质量发展完成投资3.86亿元新建改造供水管网312.5公里",
                 "依托城市信息模型平台建设统一的地下管线综合管理信息系统CIM平台实现数据共享",
                 "在“6·23”强降雨过程中各地及时启动应急响应全力做好防汛抢险救灾工作确保安全"):
        _, lines = lines_of(text, first=0.0)
        joined = "|".join(t for t, _ in lines)
        for word in ("3.86", "312.5", "CIM", "6·23"):
            if word in text:
                assert word in joined.replace("|", "") and f"{word[:1]}|{word[1:]}" not in joined


def test_run_in_headings():
    assert run_in_heading("（一）指导思想。以习近平新时代中国特色社会主义思想为指导。") == (2, 8)
    assert run_in_heading("1.开展普查建档。各城市人民政府要组织普查。") == (3, 9)
    assert run_in_heading("一、总体要求。坚持人民至上。") == (1, 7)
    assert run_in_heading("（1）核对信息。逐户核对。") == (4, 8)
    assert run_in_heading("（一）小学入学对象为本区户籍适龄儿童。") is None   # one sentence: body text
    assert run_in_heading("（一）有符合法律、行政法规规定的专利代理机构名称；") is None  # a list item
    assert run_in_heading("2024年全市计划完成。") is None


def test_indented_lines_are_paragraphs_at_two_characters():
    assert first_indent_chars("4") == 2 and first_indent_chars("2") == 2
    assert first_indent_chars("0") == 0 and first_indent_chars(None) is None


def test_attachment_note_places():
    """附件说明 (7.3.4): "附件：" two 字 in; a wrapped name under its first character;
    "2." under "1."."""
    (f_cells, f_pt), (r_cells, r_pt) = attachment_indents("附件：1.某某市重点项目清单", True)
    assert (f_cells, f_pt) == (2, 0) and r_cells == 5
    assert r_pt == pytest.approx(natural_width("1.", SIZE, PDF))
    (f2, _), (r2, r2_pt) = attachment_indents("2.领导小组成员名单", False)
    assert f2 == 5 and r2 == 5 and r2_pt == pytest.approx(r_pt)
    (_, _), (r3, r3_pt) = attachment_indents("附件：某某市重点项目清单", True)
    assert r3 == 5 and r3_pt == 0


@pytest.mark.parametrize("orgs,date", [(["国务院"], "2024年1月5日"),
                                       (["某某市人民政府办公室"], "2024年3月8日"),
                                       (["某某市人民政府", "某某市财政局"], "2024年12月18日")])
@pytest.mark.parametrize("ed", [PDF, DOCX], ids=["pdf", "docx"])
def test_signature_places(orgs, date, ed):
    """7.3.5.2 in numbers: the date starts two 字 right of the 署名; whichever of the
    two reaches further right is two 字 from the edge; the 署名 lines share a column."""
    two = 2 * ed.cell(SIZE)
    rights, date_right = signature_places(orgs, date, SIZE, ed)
    starts = [ed.block_pt - r - natural_width(o, SIZE, ed) for o, r in zip(orgs, rights)]
    assert max(starts) - min(starts) < 1e-6
    date_start = ed.block_pt - date_right - natural_width(date, SIZE, ed)
    assert date_start - starts[0] == pytest.approx(two)
    assert min(min(rights), date_right) == pytest.approx(two)


@pytest.mark.parametrize("role", [None, "addressee", "note"])
def test_lines_are_laid_out_at_the_indent_they_are_drawn_with(tmp_path, role):
    """A block is broken into lines for the indent it is drawn with, whatever its role:
    a 主送机关 the page indented (t02: a long first sentence marked addressee with
    @indent 2) once overflowed the block by two 字 in the PDF edition, drawn indented
    but broken for a flush line.  Every line ends inside the block, in both editions,
    and the first line fills it to the edge."""
    from pipeline.canonical import E, serialize, sub
    from pipeline.render.libreoffice import docx_to_pdf, soffice
    from pipeline.render.pdf import render_pdf
    from tests.support.docx_corpus import pdf_lines, render
    from tests.test_docx import make_doc

    text = "根据《2024年度某市考试录用公务员公告》，现将某市某局笔试、面试成绩及总成绩公布如下：" * 2
    body = E("body")
    sub(body, "p", text, indent="2", **({"role": role} if role else {}))
    doc = make_doc(body, title="短标题")
    pdfs = [tmp_path / "edition.pdf"]
    render_pdf(doc, serialize(doc), pdfs[0])
    if soffice() is not None:
        pdfs.append(docx_to_pdf(render(doc, tmp_path, "w")[0], tmp_path / "lo"))
    for pdf in pdfs:
        lines = [ln for ln in pdf_lines(pdf)[0] if ln["text"] != "短标题"]
        assert all(ln["x1"] < 184.3 for ln in lines), [(ln["text"], ln["x1"]) for ln in lines]
        assert abs(lines[0]["x0"] - (28 + 2 * 156 / 28)) < 0.5, lines[0]
        assert "".join(ln["text"].replace(" ", "") for ln in lines) == text
        assert lines[0]["x1"] > 183.5 and lines[1]["x0"] < 28.5, lines[:2]  # full, justified
