"""The PDF edition as a reader sees it: GB/T 9704 page, grid, page numbers, fonts.

Corpus documents are built from the gold files (tests/support/gold_xml.py), rendered
once per test process, and measured with pdfplumber.  a01 (the seed page, a report
with headings) and a02 (a State Council notice: 主送机关, four heading levels,
signature) run by default; the whole corpus runs with ``-m slow``.
"""
from __future__ import annotations

import pikepdf
import pytest

from tests.pdf_support import PT_PER_MM, corpus_golds, gold_id, is_cjk, measure_pages, rendered

FAST = ["a01", "a02"]
ALL = [gold_id(g) for g in corpus_golds()] or FAST
SLOW = [d for d in ALL if d not in FAST]

PITCH = 28.95          # pt, layout.toml grid.line_pitch_pt
TOP_PT = 37 * PT_PER_MM
BODY_BASE = 22.5       # pdfplumber "bottom" of a 16 pt FandolFang line below its slot top (pt)


def docs():
    return [*FAST, *(pytest.param(d, marks=pytest.mark.slow) for d in SLOW)]


def slot(line: dict) -> float:
    """Which grid line (0-based) a 16 pt body line sits on."""
    return (line["baseline"] - BODY_BASE - TOP_PT) / PITCH


@pytest.mark.parametrize("doc_id", docs())
def test_page_geometry(doc_id):
    pages = measure_pages(rendered(doc_id).pdf)
    for i, p in enumerate(pages, 1):
        assert abs(p["w_mm"] - 210) < 0.5 and abs(p["h_mm"] - 297) < 0.5 or \
            abs(p["w_mm"] - 297) < 0.5, f"page {i} is not A4"
        if p["w_mm"] < 250:  # nothing, table text included, outside the 版心
            for ln in p["lines"]:
                assert 27.7 < ln["x0"] and ln["x1"] < 184.3, f"page {i}: outside the block: {ln['text'][:20]}"
                assert 37 * 0.99 < ln["top_mm"] and ln["top_mm"] < 262, f"page {i}: {ln['text'][:20]}"
        portrait = [ln for ln in p["lines"] if ln["size"] == 16]
        if not portrait or p["w_mm"] > 250:
            continue
        assert min(ln["x0"] for ln in portrait) > 27.7, f"page {i}: text left of the 版心"
        if len(portrait) >= 5:
            assert min(ln["x0"] for ln in portrait) == pytest.approx(28, abs=0.3), f"page {i} left edge"
        assert max(ln["x1"] for ln in portrait) <= 184.3, f"page {i}: text beyond the right edge"


@pytest.mark.parametrize("doc_id", docs())
def test_body_lines_on_the_grid_22_per_page(doc_id):
    """Every 16 pt line sits on one of the 22 grid lines of the 版心; a page the text
    runs on from holds its last line on grid line 22."""
    pages = measure_pages(rendered(doc_id).pdf)
    full = 0
    for i, p in enumerate(pages, 1):
        body = [ln for ln in p["lines"] if ln["size"] == 16]
        for ln in body:
            s = slot(ln)
            assert abs(s - round(s)) < 0.1, f"page {i}: line off the grid ({s:.2f}): {ln['text'][:20]}"
            assert 0 <= round(s) <= 21, f"page {i}: line outside the 版心: {ln['text'][:20]}"
        if body and round(slot(body[-1])) == 21:
            full += 1
    if len(pages) > 2:
        assert full >= 1, "no page uses all 22 lines"


@pytest.mark.parametrize("doc_id", docs())
def test_28_characters_per_full_line(doc_id):
    """A line that starts at the left edge and is all Chinese holds 28 characters (digits
    and Latin are half-width, so such lines are left out).  The one exception is the
    line before one whose first or second character is a closing mark (，。）…): a mark
    may not begin a line, so a character goes down with it and the line holds 27.  No
    line reaches past the right edge of the text block (no hanging punctuation), and a
    line with more to come ends less than a 字 short of it unless a run that may not
    be broken (a number, a quoted "6·23") went down whole."""
    pages = measure_pages(rendered(doc_id).pdf)
    counts = []
    cell = 156 / 28
    for p in pages:
        body = [ln for ln in p["lines"] if ln["size"] == 16]
        for ln in body:
            assert ln["x1"] < 184.3, f"past the right edge: {ln['text']}"
        for ln, nxt in zip(body, body[1:]):
            if abs(nxt["x0"] - 28) < 0.3 and ln["x0"] < 40:  # a paragraph line with more to come
                head = nxt["text"][:6]  # plain hanzi: the line could have been filled
                if all("\u4e00" <= c <= "\u9fff" for c in head):
                    assert ln["x1"] > 184 - 2 * cell, f"ragged line: {ln['text']}"
            if abs(ln["x0"] - 28) > 0.3 or ln["x1"] < 183 or not all(is_cjk(c) for c in ln["text"]):
                continue  # not a full line, or holds half-width characters
            if any(c in "，。、；：！？）》”’〕】" for c in nxt["text"][:2]):
                assert len(ln["text"]) in (27, 28), ln["text"]
            elif abs(nxt["x0"] - 28) < 0.3:  # the paragraph goes on: this line is full
                assert len(ln["text"]) == 28, ln["text"]
                counts.append(28)
    assert counts or doc_id in ("a06", "a07")


@pytest.mark.parametrize("doc_id", docs())
def test_page_numbers(doc_id):
    """ "— N —" in 4号: odd pages right, even pages left, one 4号 character in from the
    版心 edge; the dash 7 mm below the 版心."""
    pages = measure_pages(rendered(doc_id).pdf)
    for n, p in enumerate(pages, 1):
        f = p["folio"]
        assert f is not None, f"page {n} has no number"
        assert f["text"].replace(" ", "").replace("\u00a0", "") == f"—{n}—"
        assert f["size"] == 14
        if n % 2:
            assert f["x1"] == pytest.approx(184 - 14 / PT_PER_MM, abs=0.6), f"page {n}"
        else:
            assert f["x0"] == pytest.approx(28 + 14 / PT_PER_MM, abs=0.6), f"page {n}"


def test_page_number_dash_7mm_below_the_block():
    """The dash's ink, measured on a raster, starts 7 mm under the 版心 (262 mm)."""
    import shutil
    import subprocess

    if not shutil.which("pdftoppm"):
        pytest.skip("poppler-utils not installed")
    from PIL import Image

    r = rendered("a01")
    png = r.pdf.with_suffix("")
    subprocess.run(["pdftoppm", "-r", "300", "-gray", "-png", "-f", "1", "-l", "1",
                    "-y", str(round(255 / 25.4 * 300)), "-H", str(round(25 / 25.4 * 300)),
                    str(r.pdf), str(png)], check=True)
    im = Image.open(next(png.parent.glob(png.name + "*.png"))).convert("L")
    w, h = im.size
    dots = 300 / 25.4
    ink_cols = [x for x in range(w // 2, w) if min(im.getpixel((x, y)) for y in range(h)) < 128]
    dash = range(ink_cols[0], ink_cols[0] + round(2 * dots))  # the first dash's left end
    ink_rows = [y for y in range(h) if min(im.getpixel((x, y)) for x in dash) < 128]
    top_mm = 255 + ink_rows[0] / dots
    assert top_mm == pytest.approx(269, abs=0.6)


@pytest.mark.parametrize("doc_id", docs())
def test_fonts_embedded_and_roles(doc_id):
    r = rendered(doc_id)
    with pikepdf.open(r.pdf) as pdf:
        names = set()
        for page in pdf.pages:
            for _, font in page.obj.Resources.get("/Font", {}).items():
                desc = font.DescendantFonts[0].FontDescriptor if "/DescendantFonts" in font \
                    else font.get("/FontDescriptor")
                assert desc is not None and any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                names.add(str(font.BaseFont).split("+", 1)[-1])
    assert "FandolFang" in names          # 仿宋: body
    assert "FandolSong-Bold" in names     # 小标宋 stand-in: title
    assert any(n.startswith("FandolSong") and n != "FandolSong-Bold" for n in names)  # 宋体: page numbers
    doc_has = {h.get("level") for h in r.doc.iter("{urn:govdoc:canonical:1}section")}
    if "1" in doc_has:
        assert "FandolHei" in names       # 黑体: 一、
    if "2" in doc_has:
        assert "FandolKai" in names       # 楷体: （一）


@pytest.mark.parametrize("doc_id", docs())
def test_pdfa_identity_intent_attachment_metadata(doc_id):
    r = rendered(doc_id)
    with pikepdf.open(r.pdf) as pdf:
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "3" and meta["pdfaid:conformance"] == "B"
        assert meta["dc:title"] == r.doc.findtext("{urn:govdoc:canonical:1}meta/{urn:govdoc:canonical:1}title")
        m = {c.tag.rsplit("}", 1)[-1]: c.text for c in r.doc.find("{urn:govdoc:canonical:1}meta")}
        creator = m.get("issuer") or m.get("publisher") or m.get("source")
        assert meta.get("dc:creator") == [creator], "issuer/publisher (else source) as dc:creator"
        assert "zh-CN" in meta.get("dc:language", set())
        (intent,) = pdf.Root.OutputIntents
        assert intent.S == "/GTS_PDFA1" and "/DestOutputProfile" in intent
        assert str(pdf.Root.Lang) == "zh-CN"
        assert "/StructTreeRoot" in pdf.Root and pdf.Root.MarkInfo.Marked
        af = list(pdf.Root.AF)
        assert len(af) == 1, "the XML is listed once in /AF"
        assert af[0].AFRelationship == "/Data"
        att = pdf.attachments["document.xml"]
        assert att.get_file().read_bytes() == r.xml_bytes
        assert str(att.get_file().mime_type) in ("text/xml", "/text/xml", "text#2fxml")
        for page in pdf.pages:  # the repairs hold
            res = page.obj.Resources
            for key in ("/Pattern", "/Shading"):
                assert key not in res or len(res[key].keys()) > 0


@pytest.mark.parametrize("doc_id", docs())
def test_pikepdf_pdfa_checker_passes(doc_id):
    import pikepdf.pdfa

    report = pikepdf.pdfa.validate_written(rendered(doc_id).pdf, "3b")
    assert report.passed, report.summary()


@pytest.mark.parametrize("doc_id", docs())
def test_fidelity_every_body_character(doc_id):
    from pipeline.fidelity import pdf_fidelity

    r = rendered(doc_id)
    f = pdf_fidelity(r.doc, r.pdf, in_order=True)
    assert f.ok and f.ratio == 1.0, f.summary()
    assert f.in_order > 0.99


@pytest.mark.parametrize("doc_id", docs())
def test_outline_nests_under_the_title(doc_id):
    r = rendered(doc_id)
    headings = [h for h in r.doc.iter("{urn:govdoc:canonical:1}heading")]
    with pikepdf.open(r.pdf) as pdf, pdf.open_outline() as outline:
        assert len(outline.root) == 1, "one top entry: the title"
        top = outline.root[0]
        n, stack = 0, list(top.children)
        while stack:
            item = stack.pop()
            n += 1
            stack.extend(item.children)
        assert n == len(headings)


@pytest.mark.parametrize("doc_id", docs())
def test_shared_checker(doc_id):
    """shared/tools/check_pdf.py: everything it measures except the heuristics that
    do not hold for every real document (see KNOWN_CHECKER_LIMITS)."""
    from tests.pdf_support import load_checker

    cp = load_checker()
    r = rendered(doc_id)
    m = cp.measure(str(r.pdf), str(r.xml))
    short = cp.verdict(m)
    allowed = KNOWN_CHECKER_LIMITS.get(doc_id, ())
    unexpected = [s for s in short if not any(a in s for a in allowed)]
    assert not unexpected, f"check_pdf: {short}"


#: check_pdf heuristics that a correct GB/T 9704 page cannot meet for these documents,
#: measured and explained in docs/pdf-edition.md: (1) a two-page document's only
#: "full" page is page 1, whose title and 空一行 leave 21 text lines on 22 grid lines;
#: (2) the character count takes the most common count over full lines, and indented
#: first lines (26 = 28 − 2 字 indent) or lines with half-width digits outnumber
#: plain 28-character lines in documents of short paragraphs; (3) with the gold
#: tables (spans written out as empty cells) wrapped cells are read across the row
#: line by line, so the in-order share falls although every character is there.
KNOWN_CHECKER_LIMITS: dict[str, tuple[str, ...]] = {
    "a01": ("chars/line",),                 # (2): half-width commas in the source text
    "a03": ("lines/page", "chars/line"),    # (1), (2): two pages, short paragraphs
    "a04": ("fidelity",),                   # (3): gold tables without spans
    "a05": ("lines/page",),                 # (1)
    "a06": ("lines/page", "chars/line"),    # (1) + picture placeholders, (2)
    "a07": ("chars/line",),                 # (2): one page of short paragraphs with dates
    "a08": ("chars/line",),                 # (2)
}
