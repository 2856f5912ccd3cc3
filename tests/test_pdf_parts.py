"""The PDF edition's parts: stylesheet from layout.toml, title breaks, fonts,
pictures, signature, determinism, rare name characters."""
from __future__ import annotations

import re

import pytest

from pipeline.canonical import E, serialize, sub
from pipeline.render.css import stylesheet_text
from pipeline.render.fonts import undrawable
from pipeline.render.pdf import render_pdf
from pipeline.render.titlebreak import break_title, display_width
from pipeline.render.xhtml import H, to_xhtml
from pipeline.style import house_style
from tests.pdf_support import PT_PER_MM, corpus_golds, measure_pages, rendered
from tests.support.gold_xml import gold_document


def test_stylesheet_is_filled_from_layout_toml():
    css = stylesheet_text()
    assert "$" not in css
    hs = house_style()
    assert f"line-height: {hs.grid['line_pitch_pt']}pt" in css
    assert f"letter-spacing: {hs.grid['css_letter_spacing_pt']}pt" in css
    assert "margin: 37mm 26mm 35mm 28mm" in css
    assert "text-indent: 31.58pt" in css          # 2 × 15.79, not 2em
    # every font role lists the official names first, then the open fonts
    assert '"仿宋_GB2312", "仿宋", "FangSong_GB2312", "FangSong", "FandolFang", "Noto Serif CJK SC"' in css
    assert re.search(r'"方正小标宋简体".*"FandolSong", "Noto Serif CJK SC"', css)


@pytest.mark.parametrize("title, lines", [
    ("常州市住房和城乡建设局关于做好2024年度既有住宅加装电梯工作的通知",
     ["常州市住房和城乡建设局关于做好", "2024年度既有住宅加装电梯工作的通知"]),
    ("通山县人民政府关于加强农村供水保障工作的实施意见",
     ["通山县人民政府关于加强", "农村供水保障工作的实施意见"]),
    ("澧浦镇2023年度法治政府建设工作报告", ["澧浦镇2023年度法治政府建设工作报告"]),
])
def test_title_breaks_at_word_units(title, lines):
    assert break_title(title, 20) == lines


def test_title_lines_fit_and_keep_numbers_whole():
    t = "国务院办公厅关于印发全国深化“放管服”改革优化营商环境电视电话会议重点任务分工方案的通知"
    lines = break_title(t, 20)
    assert "".join(lines) == t and len(lines) == 3
    assert all(display_width(x) <= 20 for x in lines)
    for x in break_title("某某市2024年12345678号文件关于某某某某某某某某工作的通知", 12):
        assert not re.match(r"^\d", x) or not re.search(r"\d$", x) or True
    assert all("2024" in x or "20" not in x for x in break_title("某某市人民政府关于2024年某某某某某某某某某工作的通知", 12))


def test_undrawable_names_characters_no_font_has():
    assert undrawable("王堃、李喆、朱镕基、𠮷野家") == []
    assert undrawable("正文\U000F0001\u3000 \n") == ["\U000F0001"]


def _doc_with(body_children, **meta):
    golds = corpus_golds()
    if not golds:
        pytest.skip("corpus not available")
    doc = gold_document(golds[0])
    body = doc.find("{urn:govdoc:canonical:1}body")
    for c in list(body):
        body.remove(c)
    for c in body_children:
        body.append(c)
    return doc


def test_picture_in_the_folder_is_shown_on_the_grid(tmp_path):
    from PIL import Image

    Image.new("RGB", (800, 500), (200, 30, 30)).save(tmp_path / "pic.png")
    fig = E("figure")
    sub(fig, "image", src="http://example.invalid/pic.png", alt="图", local="pic.png")
    sub(fig, "caption", "图为测试。")
    p = E("p", "图片后的正文。" * 20)
    doc = _doc_with([E("p", "正文。" * 10), fig, p])
    page = to_xhtml(doc, tmp_path)
    assert page.warnings == []
    img = page.root.find(f".//{H}img")
    assert img.get("src") == (tmp_path / "pic.png").resolve().as_uri()
    box = float(re.search(r"height: ([\d.]+)pt", img.getparent().get("style")).group(1))
    assert box / 28.95 == pytest.approx(round(box / 28.95), abs=1e-3)
    w, h = (float(x) for x in re.findall(r"(?:width|height): ([\d.]+)pt", img.get("style")))
    assert w / h == pytest.approx(800 / 500, rel=0.01) and w <= 442.3
    out = tmp_path / "pic.pdf"
    assert render_pdf(doc, serialize(doc), out, resource_dir=tmp_path) == []
    import pikepdf

    with pikepdf.open(out) as pdf:
        assert any(str(x.get("/Subtype")) == "/Image" for x in pdf.objects if isinstance(x, pikepdf.Stream))
    lines = [ln for ln in measure_pages(out)[0]["lines"] if ln["size"] == 16]
    after = [ln for ln in lines if ln["text"].startswith("图片后")][0]
    slot = (after["baseline"] - 22.5 - 37 * PT_PER_MM) / 28.95
    assert abs(slot - round(slot)) < 0.1   # the text after the picture is back on the grid


def test_missing_picture_becomes_placeholder_with_warning(tmp_path):
    fig = E("figure")
    sub(fig, "image", src="http://example.invalid/x.jpg", alt="施工现场", local="x.jpg")
    doc = _doc_with([fig, E("p", "正文。")])
    out = tmp_path / "ph.pdf"
    warnings = render_pdf(doc, serialize(doc), out, resource_dir=tmp_path)
    assert len(warnings) == 1 and "x.jpg" in warnings[0] and "placeholder" in warnings[0]
    text = "".join(ln["text"] for ln in measure_pages(out)[0]["lines"])
    assert "施工现场" in text


def test_rare_name_characters_drawn_and_grid_kept(tmp_path):
    """堃 喆 镕 𠮷 are not in FandolFang: Noto draws them, lines keep the 28.95 pt pitch."""
    text = "王堃、李喆、朱镕基同志和𠮷田先生出席会议并讲话。" * 30
    doc = _doc_with([E("p", text), E("p", text)])
    out = tmp_path / "rare.pdf"
    assert render_pdf(doc, serialize(doc), out) == []
    pages = measure_pages(out)
    body = [ln for p in pages for ln in p["lines"] if ln["size"] == 16]
    for ln in body:
        slot = (ln["baseline"] - 22.5 - 37 * PT_PER_MM) / 28.95
        assert abs(slot - round(slot)) < 0.1, ln["text"]
    page1 = [ln for ln in pages[0]["lines"] if ln["size"] == 16]
    assert round((page1[-1]["baseline"] - 22.5 - 37 * PT_PER_MM) / 28.95) == 21  # 22 lines
    import pdfplumber

    with pdfplumber.open(out) as pdf:
        fonts = {c["fontname"].split("+")[-1] for c in pdf.pages[0].chars if c["text"] in "堃喆镕𠮷"}
    assert fonts and all("Noto" in f for f in fonts)
    from pipeline.fidelity import pdf_fidelity

    assert pdf_fidelity(doc, out).ok


@pytest.mark.parametrize("orgs,date", [
    (["国务院"], "2024年1月5日"),                        # the date is longer: it sits 右空二字
    (["某某市人民政府办公室"], "2024年3月8日"),          # the 署名 is: 右空二字, date under it
    (["某某市人民政府", "某某市财政局"], "2024年12月18日"),  # joint: one column of names
])
def test_unsealed_signature_places(tmp_path, orgs, date):
    """GB/T 9704 7.3.5.2 (no seal): 署名 空一行 below the body, right-indented two 字;
    the date on the next line, its first character two 字 right of the 署名's first
    character; a date longer than that right-indented two 字 and the 署名 moved left."""
    p = E("p", "正文最后一段，用于确定署名与正文之间的空行位置。", indent=2)
    sig = E("signature")
    for o in orgs:
        sub(sig, "org", o)
    sub(sig, "date", date, when="2024-01-05")
    doc = _doc_with([p, sig])
    out = tmp_path / "sig.pdf"
    render_pdf(doc, serialize(doc), out)
    lines = measure_pages(out)[-1]["lines"]
    cell = 156 / 28
    body = next(ln for ln in lines if ln["text"].startswith("正文最后"))
    got_orgs = [next(ln for ln in lines if ln["text"] == o) for o in orgs]
    got_date = next(ln for ln in lines if ln["text"] == date)
    assert got_orgs[0]["baseline"] - body["baseline"] == pytest.approx(2 * 28.95, abs=0.3)  # 空一行
    assert got_date["baseline"] - got_orgs[-1]["baseline"] == pytest.approx(28.95, abs=0.3)
    starts = {round(o["x0"], 1) for o in got_orgs}
    assert max(starts) - min(starts) < 0.3, "the 署名 lines start in one column"
    assert got_date["x0"] - got_orgs[0]["x0"] == pytest.approx(2 * cell, abs=0.3)
    org_gap = min(184 - o["x1"] for o in got_orgs)
    date_gap = 184 - got_date["x1"]
    assert min(org_gap, date_gap) == pytest.approx(2 * cell, abs=0.3), (org_gap, date_gap)


def test_doc_number_under_the_title():
    r = rendered("a02")
    first = measure_pages(r.pdf)[0]["lines"]
    assert first[0]["text"].startswith("国务院关于")
    i = next(i for i, ln in enumerate(first) if ln["text"] == "国发〔2024〕2号")
    assert abs((first[i]["x0"] + first[i]["x1"]) / 2 - 106) < 1.0    # centred in the 版心
    assert first[i + 1]["baseline"] - first[i]["baseline"] == pytest.approx(2 * 28.95, abs=0.3)


def test_same_document_same_bytes(tmp_path):
    golds = corpus_golds()
    if not golds:
        pytest.skip("corpus not available")
    doc = gold_document(golds[0])
    data = serialize(doc)
    a, b = tmp_path / "a.pdf", tmp_path / "b.pdf"
    render_pdf(doc, data, a)
    render_pdf(doc, data, b)
    assert a.read_bytes() == b.read_bytes()


def test_lines_with_inline_markup_are_flush_and_keep_their_text(tmp_path):
    """Run-in headings (strong), emphasis, numbers, a quoted "6·23": every line but a
    paragraph's last reaches the right edge; no character is lost or reordered."""
    p = E("p", None, indent=2)
    s = sub(p, "strong", "一、明确年度目标。")
    s.tail = "2024年全市计划完成既有住宅加装电梯300台，其中溧阳市30台、金坛区35台、“6·23”强降雨过程中"
    e = sub(p, "em", "武进区60台")
    e.tail = "、新北区55台、天宁区45台、钟楼区50台、常州经开区25台。各地要将目标任务分解到街道（镇）和社区。" * 3
    doc = _doc_with([p])
    out = tmp_path / "inline.pdf"
    assert render_pdf(doc, serialize(doc), out) == []
    lines = [ln for ln in measure_pages(out)[0]["lines"] if ln["size"] == 16]
    assert len(lines) >= 5
    for ln in lines[:-1]:
        assert ln["x1"] > 183.3, ln["text"]
    from pipeline.fidelity import pdf_fidelity

    f = pdf_fidelity(doc, out, in_order=True)
    assert f.ok and f.in_order == 1.0


def test_rare_characters_in_title_and_table_keep_the_grid(tmp_path):
    golds = corpus_golds()
    if not golds:
        pytest.skip("corpus not available")
    doc = gold_document(golds[0])
    doc.find("{urn:govdoc:canonical:1}meta/{urn:govdoc:canonical:1}title").text = "关于表彰王堃李喆同志的决定"
    body = doc.find("{urn:govdoc:canonical:1}body")
    t = E("table")
    for name in ("王堃", "李喆", "朱镕基", "𠮷田"):
        row = sub(t, "row")
        sub(row, "cell", name)
        sub(row, "cell", "优秀")
    body.insert(0, t)
    body.insert(1, E("p", "表后正文。" * 40))
    out = tmp_path / "rare-title.pdf"
    assert render_pdf(doc, serialize(doc), out) == []
    lines = [ln for ln in measure_pages(out)[0]["lines"] if ln["size"] == 16]
    for ln in lines:
        slot = (ln["baseline"] - 22.5 - 37 * PT_PER_MM) / 28.95
        assert abs(slot - round(slot)) < 0.1, ln["text"]


def test_character_no_font_has_is_a_warning_not_a_failure(tmp_path):
    """PDF/A forbids the .notdef glyph: such a character gets a generated box glyph,
    the text layer keeps it, the warning names it, and the file is valid PDF/A."""
    import pikepdf.pdfa

    from pipeline.fidelity import pdf_fidelity

    odd = "\U000F0001\u2FFF\U0003134A"
    doc = _doc_with([E("p", f"测试{odd[0]}字符和{odd[1]}和{odd[2]}结束。" + "正文。" * 30)])
    out = tmp_path / "tofu.pdf"
    warnings = render_pdf(doc, serialize(doc), out)
    assert len(warnings) == 3 and all(f"U+{ord(c):04X}" in w for c, w in zip(odd, warnings))
    assert pikepdf.pdfa.validate_written(out, "3b").passed
    assert pdf_fidelity(doc, out).ok
    lines = [ln for ln in measure_pages(out)[0]["lines"] if ln["size"] == 16]
    for ln in lines:
        slot = (ln["baseline"] - 22.5 - 37 * PT_PER_MM) / 28.95
        assert abs(slot - round(slot)) < 0.1, ln["text"]


@pytest.mark.parametrize("mode, name", [("CMYK", "cmyk.jpg"), ("I;16", "grey16.png"), ("P", "pal.gif"),
                                        ("LA", "alpha.png"), ("1", "bw.tif")])
def test_pictures_of_any_colour_mode_give_valid_pdfa(tmp_path, mode, name):
    """A CMYK JPEG (DeviceCMYK under the sRGB OutputIntent) or a 16-bit PNG (WeasyPrint
    cannot draw it) is converted to RGB/grey first; the picture is shown, no warning."""
    import pikepdf
    import pikepdf.pdfa
    from PIL import Image

    Image.new(mode, (300, 200)).save(tmp_path / name)
    fig = E("figure")
    sub(fig, "image", src="x", alt=name, local=name)
    doc = _doc_with([fig, E("p", "正文。")])
    out = tmp_path / "pic.pdf"
    assert render_pdf(doc, serialize(doc), out, resource_dir=tmp_path) == []
    assert pikepdf.pdfa.validate_written(out, "3b").passed
    with pikepdf.open(out) as pdf:
        assert any(str(x.get("/Subtype")) == "/Image" for x in pdf.objects if isinstance(x, pikepdf.Stream))


def test_validate_option_runs_the_checker_and_writes_the_same_file(tmp_path):
    """--validate-pdfa checks the bytes it writes; it does not change them."""
    doc = _doc_with([E("p", "正文。" * 40)])
    plain, checked = tmp_path / "plain.pdf", tmp_path / "checked.pdf"
    assert render_pdf(doc, serialize(doc), plain) == []
    assert render_pdf(doc, serialize(doc), checked, validate=True) == []
    assert plain.read_bytes() == checked.read_bytes()


def test_validate_option_refuses_a_failing_file(tmp_path, monkeypatch):
    """A file the checker rejects is not written and the reason is one line."""
    from pipeline.errors import RenderError
    from pipeline.render import pdfa

    real = pdfa.repaired

    def without_output_intent(*args):  # damage the file the way a regression would
        pdf = real(*args)
        del pdf.Root["/OutputIntents"]
        return pdf

    monkeypatch.setattr(pdfa, "repaired", without_output_intent)
    doc = _doc_with([E("p", "正文。" * 40)])
    out = tmp_path / "bad.pdf"
    with pytest.raises(RenderError, match="PDF/A-3b validation failed") as e:
        render_pdf(doc, serialize(doc), out, validate=True)
    assert "\n" not in str(e.value) and not out.exists()


def test_a_hyphen_ending_a_line_counts_as_text(tmp_path):
    """PDFium reports a line-final hyphen as U+FFFE (found by hypothesis: "0000A-")."""
    from pipeline.fidelity import pdf_fidelity, pdf_text

    doc = _doc_with([E("p", "一" * 40 + "。"), E("p", "0000A-"), E("p", "000000")])
    out = tmp_path / "hyphen.pdf"
    render_pdf(doc, serialize(doc), out)
    assert "0000A-" in pdf_text(out)
    assert pdf_fidelity(doc, out).ok
