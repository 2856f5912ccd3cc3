"""The Word edition as LibreOffice lays it out: geometry, the 22 x 28 grid, page
numbers and every character kept (LibreOffice used to drop hanging punctuation).

Needs LibreOffice; each conversion takes about a second.  The measurements come
from the reviewers' ../shared/tools/check_pdf.py where it exists, plus a stricter
character count of our own (check_pdf counts a line's CJK characters, so a line
with a half-width comma or digits, or a paragraph's indented first line, reads
as fewer than 28).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.fidelity import compare, pdf_fidelity, pdf_text
from pipeline.render.libreoffice import docx_to_pdf, soffice
from tests.pdf_support import table_opening_lines
from tests.support.docx_corpus import gold_files, is_cjk, name_of, pdf_lines, render, render_corpus, shared_tool

GOLD = gold_files()
pytestmark = [
    pytest.mark.libreoffice,
    pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed"),
    pytest.mark.skipif(not GOLD, reason="../shared/corpus is not beside the project"),
]

PITCH_MM = 28.95 * 25.4 / 72
HEADING = re.compile(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+[.．]|（\d+）)")
FIGURES = {"a06_gd_ul_images"}  # a picture frame is kept with its caption: pages end early


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, tuple[Path, Path, object]]:
    """name -> (LibreOffice PDF, canonical XML, canonical doc), converted once."""
    folder = tmp_path_factory.mktemp("lo")
    return {name: (docx_to_pdf(r.docx, folder / "pdf"), r.xml, r.doc)
            for name, r in render_corpus(folder).items()}


@pytest.fixture(scope="module")
def check_pdf():
    tool = shared_tool("check_pdf")
    if tool is None:
        pytest.skip("../shared/tools/check_pdf.py not found")
    return tool


@pytest.mark.parametrize("gold", GOLD, ids=name_of)
def test_geometry_and_page_numbers(rendered, check_pdf, gold):
    pdf, xml, _ = rendered[name_of(gold)]
    m = check_pdf.measure(str(pdf), str(xml))
    assert m["page_mm"] == [210.0, 297.0]
    assert abs(m["top_mm"] - 37) <= 1.5 and abs(m["left_mm"] - 28) <= 1.5
    assert abs(m["line_pitch_pt"] - 28.95) <= 0.3
    assert len(m["folios"]) == m["pages"]
    for f in m["folios"]:
        assert f["number"] == f["page"]
        assert f["side"] == ("right" if f["number"] % 2 else "left")
        if f["side"] == "right":  # one 4号 character in from the block edge
            assert abs(f["x1_mm"] - (184 - 4.94)) < 0.6
        else:
            assert abs(f["x0_mm"] - (28 + 4.94)) < 0.6
    assert m["lines_per_full_page"] is None or m["lines_per_full_page"] <= 22


@pytest.mark.parametrize("gold", GOLD, ids=name_of)
def test_every_character_is_kept(rendered, gold):
    """Every character kept, in order (a04's table cells too: each line of a row is
    read across its cells in both editions)."""
    pdf, _, doc = rendered[name_of(gold)]
    f = pdf_fidelity(doc, pdf, in_order=True)
    assert f.ok, f.summary()
    assert f.in_order == 1.0


CLOSING = "，。、；：？！”’）》」』〕】…—"


@pytest.mark.parametrize("gold", GOLD, ids=name_of)
def test_strict_checker_on_the_rendering(rendered, check_pdf, gold):
    """check_pdf.py --layout --strict on LibreOffice's rendering: nothing short but what
    the source text holds (ragged lines, characters off the grid, 避头尾, 孤字, faces,
    a synthetic bold are all the renderer's), a04's tables included."""
    from tests.pdf_support import strict_verdict

    pdf, xml, doc = rendered[name_of(gold)]
    short, notes = strict_verdict(check_pdf, pdf, xml, doc, archival=False)
    assert short == [], (short, notes)
    assert check_pdf.measure(str(pdf), str(xml))["synthetic_bold"] == []


@pytest.mark.parametrize("gold", GOLD, ids=name_of)
def test_the_two_editions_are_one_document(rendered, gold, tmp_path):
    """compare_editions.py: the PDF edition and LibreOffice's rendering of the Word
    edition of the same XML have the same pages and the same lines (the lines are
    chosen once, render/lines.py; table rows and their breaks once, render/tablegrid.py)."""
    from pipeline.render.pdf import render_pdf

    compare = shared_tool("compare_editions")
    if compare is None:
        pytest.skip("../shared/tools/compare_editions.py not found")
    lo_pdf, xml, doc = rendered[name_of(gold)]
    pdf = tmp_path / "edition.pdf"
    render_pdf(doc, xml.read_bytes(), pdf, resource_dir=gold.parent)
    m = compare.compare(str(pdf), str(lo_pdf))
    assert m["same_text"], (m["only_in_edition"], m["only_in_other"])
    assert m["pages"][0] == m["pages"][1]
    assert m["identical_share"] >= 0.9, m["per_page"]


@pytest.mark.parametrize("gold", GOLD, ids=name_of)
def test_lines_sit_on_a_22_line_grid(rendered, gold):
    """Every body line starts on one of 22 grid slots below the 37 mm top margin."""
    pdf, _, _ = rendered[name_of(gold)]
    pages = pdf_lines(pdf)
    first = pages[0][0]["top"]  # the title's glyph top on slot 0
    offset = first - 37.0
    for n, page in enumerate(pages, start=1):
        slots = [(ln["top"] - 37.0 - offset) / PITCH_MM for ln in page]
        assert max(slots) < 21.5, f"page {n} has a line below slot 22"
        # A page of running text fills all 22 slots, unless keep-with-next moved a
        # heading (一、（一）1.（1）) and the first line after it to the next page, or
        # the next page opens with a table whose (repeated) header and first row, never
        # split, did not fit (a04: pages 3 and 5, as in the PDF edition).
        if n < len(pages) and name_of(gold) not in FIGURES:
            nxt = pages[n][0]["text"]
            table = table_opening_lines(pdf, n + 1)
            if not HEADING.match(nxt) and not (table and table > 21 - max(slots)):
                assert max(slots) > 20.5, f"page {n} of running text does not fill 22 lines"


def test_hanging_punctuation_is_not_dropped(tmp_path):
    """The LibreOffice bug this edition works around: in justified zh-CN text, a line-end
    mark LibreOffice hangs into the margin vanished from the PDF.  w:overflowPunct="1"
    (LibreOffice reads it inverted) stops the hanging; every mark must survive."""
    from pipeline.canonical import E, sub
    from tests.test_docx import make_doc

    body = E("body")
    text = "为进一步加强城市地下管线安全运行管理有效防范化解重大安全风险，" * 12
    for _ in range(6):
        sub(body, "p", text)
    doc = make_doc(body)
    out, _ = render(doc, tmp_path, "hang")
    pdf = docx_to_pdf(out, tmp_path)
    f = compare("".join(doc.find(".//{urn:govdoc:canonical:1}body").itertext()), pdf_text(pdf))
    assert f.ok, f.summary()


def test_picture_is_whole_and_the_grid_goes_on(tmp_path):
    """An embedded picture is drawn whole (an exact line would clip its top), inside
    the block, and the caption after it sits on the line grid again."""
    import shutil
    import subprocess

    from PIL import Image, ImageDraw

    from pipeline.canonical import E, sub
    from tests.test_docx import make_doc

    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) not installed")
    res = tmp_path / "res"
    res.mkdir()
    im = Image.new("RGB", (1600, 900), "white")
    ImageDraw.Draw(im).rectangle([0, 0, 1599, 899], outline="black", width=16)
    im.save(res / "pic.png")
    body = E("body")
    sub(body, "p", "图前正文。")
    f = sub(body, "figure")
    sub(f, "image", src="https://example.gov.cn/pic.png", alt="示意图", local="pic.png")
    sub(f, "caption", "图1 示意图")
    out, warnings = render(make_doc(body), tmp_path, "pic", resource_dir=res)
    assert warnings == []
    pdf = docx_to_pdf(out, tmp_path)
    subprocess.run(["pdftoppm", "-r", "300", "-f", "1", "-l", "1", "-gray", str(pdf),
                    str(tmp_path / "p")], check=True)
    page = Image.open(next(tmp_path.glob("p*.pgm"))).point(lambda v: 255 if v < 100 else 0)
    px = lambda mm: int(mm / 25.4 * 300)  # noqa: E731
    mm = lambda p: p * 25.4 / 300  # noqa: E731
    # the frame's right edge alone (short text lines never reach 180 mm): its height
    _, top, _, bottom = page.crop((px(180), px(60), px(190), px(260))).getbbox()
    height = mm(bottom - top)
    assert abs(height - 156 * 900 / 1600) < 0.6, height  # drawn whole, not clipped
    mid = 60 + mm(top + bottom) / 2
    x0, _, x1, _ = page.crop((px(10), px(mid - 1), px(200), px(mid + 1))).getbbox()
    assert abs(10 + mm(x0) - 28) < 0.5 and abs(10 + mm(x1) - 184) < 0.5  # the block's width
    lines = pdf_lines(pdf)[0]
    caption = next(ln for ln in lines if ln["text"].startswith("图1"))
    before = next(ln for ln in lines if ln["text"].startswith("图前"))  # above the picture
    slots = (caption["top"] - before["top"]) / PITCH_MM
    assert abs(slots - round(slots)) < 0.1, slots


def test_signature_never_stands_alone_on_a_page(tmp_path):
    """7.3.5.5: when the 署名 and date would open a page, the body's last line goes
    with them (18 one-line paragraphs fill page 1 up to the signature's blank line)."""
    from pipeline.canonical import E, sub
    from tests.test_docx import make_doc

    body = E("body")
    for i in range(18):
        sub(body, "p", f"第{i + 1}段正文内容一行。")
    sig = sub(body, "signature")
    sub(sig, "org", "某某市人民政府")
    sub(sig, "date", "2024年3月8日", when="2024-03-08")
    out, _ = render(make_doc(body, title="短标题"), tmp_path, "sig")
    pages = pdf_lines(docx_to_pdf(out, tmp_path))
    assert len(pages) == 2
    assert pages[1][0]["text"].startswith("第18段"), [ln["text"] for ln in pages[1]]


def test_only_the_body_last_line_goes_with_the_signature(tmp_path):
    """7.3.5.5 in a paragraph of several lines: only its last line goes over with the
    署名, as in the PDF edition.  LibreOffice keeps a keep-with-next paragraph whole
    (r07, r09: it moved the whole last paragraph and left page 1 short), so the Word
    edition writes that last line as a paragraph of its own."""
    from pipeline.canonical import E, serialize, sub
    from pipeline.render.pdf import render_pdf
    from tests.test_docx import make_doc

    body = E("body")
    for i in range(16):
        sub(body, "p", f"第{i + 1}段正文内容一行。")
    last = "最后一段正文内容较长，" * 7 + "结束。"  # three lines
    sub(body, "p", last)
    sig = sub(body, "signature")
    sub(sig, "org", "某某市人民政府")
    sub(sig, "date", "2024年3月8日", when="2024-03-08")
    doc = make_doc(body, title="短标题")
    out, _ = render(doc, tmp_path, "sig")
    edition = tmp_path / "edition.pdf"
    render_pdf(doc, serialize(doc), edition)
    for pdf in (docx_to_pdf(out, tmp_path), edition):
        pages = [[ln["text"].replace(" ", "") for ln in p] for p in pdf_lines(pdf)]
        assert len(pages) == 2
        assert pages[0][-3] == "第16段正文内容一行。", pages[0]
        assert "".join(pages[0][-2:]) + pages[1][0] == last, pages
        assert pages[1][1] == "某某市人民政府", pages[1]
    from docx import Document

    texts = [p.text for p in Document(str(out)).paragraphs if p.text.strip()]
    head, tail = texts[texts.index("某某市人民政府") - 2:texts.index("某某市人民政府")]
    assert head + tail == last and 0 < len(tail) < 28, (head, tail)  # two paragraphs


def test_placeholders_of_long_names_keep_the_editions_alike(tmp_path):
    """A picture that cannot be kept leaves a frame with its name; a long name (r11:
    "1755244_b3d66d98-0bc2-416d-b591-742f7c0e7529.jpg") is drawn on one line of the
    frame in both editions, shortened around an ellipsis, so the frames are as tall
    and the pages break alike (each renderer wrapped it its own way, and the Word
    frame grew three lines a line)."""
    from pipeline.canonical import E, serialize, sub
    from pipeline.render.pdf import render_pdf
    from tests.test_docx import make_doc

    compare = shared_tool("compare_editions")
    if compare is None:
        pytest.skip("../shared/tools/compare_editions.py not found")
    body = E("body")
    for i in range(6):
        sub(body, "p", "正文内容较长的一段话，用来占满几行版心。" * 4)
        f = sub(body, "figure")
        sub(f, "image", src=f"https://example.gov.cn/img/1755244_b3d66d98-0bc2-416d-b591-742f7c0e75{i:02}.jpg")
    doc = make_doc(body, title="短标题")
    out, warnings = render(doc, tmp_path, "ph")
    assert sum("b3d66d98-0bc2-416d-b591-742f7c0e75" in w for w in warnings) == 6  # named in full
    edition = tmp_path / "edition.pdf"
    render_pdf(doc, serialize(doc), edition)
    lo = docx_to_pdf(out, tmp_path)
    for pdf in (edition, lo):
        frames = [ln["text"] for page in pdf_lines(pdf) for ln in page if "图片未能收录" in ln["text"]]
        assert len(frames) == 6 and all(t.endswith("］") and "…" in t for t in frames), frames
    m = compare.compare(str(edition), str(lo))
    assert m["pages"][0] == m["pages"][1] and m["identical_share"] == 1.0, m["per_page"]


def test_a_picture_without_caption_keeps_with_nothing(tmp_path):
    """A heading keeps with what follows; a picture with its caption; a picture
    without one with nothing, as in the PDF edition.  r09: an annex of "（一）…" headings
    each over a captionless picture was one keep-with-next chain, and LibreOffice moved
    it whole to the next page, leaving the page before half empty."""
    from pipeline.canonical import E, serialize, sub
    from pipeline.render.pdf import render_pdf
    from tests.test_docx import make_doc

    compare = shared_tool("compare_editions")
    if compare is None:
        pytest.skip("../shared/tools/compare_editions.py not found")
    body = E("body")
    for i in range(12):
        sub(body, "p", f"第{i + 1}段正文内容一行。")
    sec = sub(body, "section", level=1)
    sub(sec, "heading", "四、车辆涂装样图")
    for i, name in enumerate("小中大"):
        sub2 = sub(sec, "section", level=2)
        sub(sub2, "heading", f"（{'一二三'[i]}）{name}型车辆涂装样图。")
        f = sub(sub2, "figure")
        sub(f, "image", src=f"https://example.gov.cn/img/{name}.jpg")
    doc = make_doc(body, title="短标题")
    out, _ = render(doc, tmp_path, "chain")
    edition = tmp_path / "edition.pdf"
    render_pdf(doc, serialize(doc), edition)
    lo = docx_to_pdf(out, tmp_path)
    m = compare.compare(str(edition), str(lo))
    assert m["pages"][0] == m["pages"][1] == 2 and m["identical_share"] == 1.0, m["per_page"]
    assert any(ln["text"].startswith("四、") for ln in pdf_lines(lo)[0])  # not moved whole
