"""The Word edition, read back with python-docx and as raw parts (fast, no LibreOffice)."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Mm
from lxml import etree

from pipeline import GENERATOR, __version__
from pipeline.canonical import E, MetaValue, Provenance, body_text, build_document, squash, sub, validate
from pipeline.errors import RenderError
from pipeline.render import docx_template as T
from pipeline.render.docx import docx_text, render_docx
from pipeline.render.fontconfig import fonts_conf, fonts_conf_path
from pipeline.style import house_style
from tests.support.docx_corpus import W, part, part_names

HS = house_style()


def make_doc(body: etree._Element, **meta: str) -> etree._Element:
    meta.setdefault("title", "某某市人民政府关于做好2024年度某项工作的通知")
    mv = {k.replace("_", "-"): MetaValue(v) for k, v in meta.items()}
    prov = Provenance(input_name="page.html", sha256="ab" * 32, size=10, encoding="utf-8",
                      encoding_method="declared", declared_encoding="utf-8", profile="test",
                      container=None, generator=GENERATOR, generator_version=__version__,
                      converted=datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone.utc))
    doc = build_document(mv, [("文种", "通知")], prov, body)
    validate(doc)
    return doc


def sample_body() -> etree._Element:
    body = E("body")
    sub(body, "p", "各区人民政府，市政府各部门：", role="addressee")
    p = sub(body, "p", "为做好“某项工作”——现通知如下。")
    s = sub(p, "strong", "重点")
    s.tail = "与"
    em = sub(p, "em", "强调")
    em.tail = "，详见"
    sub(p, "a", "网站", href="https://www.example.gov.cn/a.html")
    sub(p, "br").tail = "第二行。"
    sec = sub(body, "section", level=1)
    sub(sec, "heading", "一、总体要求")
    sub(sec, "p", "正文内容。")
    sec2 = sub(sec, "section", level=2)
    sub(sec2, "heading", "（一）指导思想")
    sec3 = sub(sec2, "section", level=3)
    sub(sec3, "heading", "1.坚持原则")
    sec4 = sub(sec3, "section", level=4)
    sub(sec4, "heading", "（1）具体要求")
    sub(sec4, "p", "四级标题下的正文。")
    sig = sub(body, "signature")
    sub(sig, "org", "某某市人民政府")
    sub(sig, "date", "2024年3月8日", when="2024-03-08")
    sub(body, "p", "（此件公开发布）")
    return body


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> tuple[Path, list[str], etree._Element]:
    doc = make_doc(sample_body(), index_number="000014349/2024-00004", doc_number="某政发〔2024〕6号",
                   issuer="某某市人民政府", publisher="某某市政府办公室", written_date="2024-03-08",
                   published_date="2024-03-10", disclosure="主动公开", subject="综合政务",
                   keywords="通知；工作")
    out = tmp_path_factory.mktemp("docx") / "doc.docx"
    return out, render_docx(doc, out), doc


def test_python_docx_reads_it_back(sample):
    out, warnings, _ = sample
    d = docx.Document(str(out))
    assert warnings == []
    names = [p.style.name for p in d.paragraphs]
    assert names[:2] == ["Title", "Doc Number"]
    for level in (1, 2, 3, 4):
        assert f"Heading {level}" in names
    assert {"Addressee", "Signature", "Signature Date", "Note"} <= set(names)


def test_normal_style_is_the_body_grid(sample):
    out, _, _ = sample
    s = docx.Document(str(out)).styles["Normal"].element
    rf = s.rPr.find(qn("w:rFonts"))
    assert rf.get(qn("w:eastAsia")) == HS.role_typeface("body").office_name == "仿宋_GB2312"
    assert rf.get(qn("w:hint")) == "eastAsia"
    assert s.rPr.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"
    assert s.rPr.find(qn("w:sz")).get(qn("w:val")) == "32"
    assert s.rPr.find(qn("w:spacing")).get(qn("w:val")) == "-5"  # 28 characters per line
    sp = s.pPr.find(qn("w:spacing"))
    assert (sp.get(qn("w:line")), sp.get(qn("w:lineRule"))) == ("579", "exact")
    ind = s.pPr.find(qn("w:ind"))
    assert ind.get(qn("w:firstLineChars")) == "200" and ind.get(qn("w:firstLine")) == "630"
    assert s.pPr.find(qn("w:jc")).get(qn("w:val")) == "both"
    # LibreOffice reads overflowPunct inverted: true keeps hanging punctuation in the PDF
    assert s.pPr.find(qn("w:overflowPunct")).get(qn("w:val")) == "1"


def test_heading_and_title_styles(sample):
    out, _, _ = sample
    styles = docx.Document(str(out)).styles
    want = {1: "黑体", 2: "楷体_GB2312", 3: "仿宋_GB2312", 4: "仿宋_GB2312"}
    for level, font in want.items():
        el = styles[f"Heading {level}"].element
        assert el.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == font
        assert el.pPr.find(qn("w:outlineLvl")).get(qn("w:val")) == str(level - 1)
        assert el.rPr.find(qn("w:color")) is None
        assert el.rPr.find(qn("w:b")).get(qn("w:val")) == "0"
    title = styles["Title"].element
    assert title.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "方正小标宋简体"
    assert title.rPr.find(qn("w:sz")).get(qn("w:val")) == "44"
    assert title.pPr.find(qn("w:pBdr")) is None
    assert title.pPr.find(qn("w:jc")).get(qn("w:val")) == "center"


def test_template_leftovers_are_gone(sample):
    out, _, _ = sample
    styles = part(out, "word/styles.xml")
    xml = etree.tostring(styles).decode()
    assert "Theme" not in xml and "theme" not in xml.replace("themeFontLang", "")
    assert 'w:after="200"' not in xml and 'w:line="276"' not in xml
    assert "365F91" not in xml and "4F81BD" not in xml
    for lang in styles.iter(f"{W}lang"):
        assert lang.get(f"{W}eastAsia") == "zh-CN"
    dd = styles.find(f"{W}docDefaults")
    assert dd.find(f".//{W}rFonts").get(f"{W}eastAsia") == "仿宋_GB2312"
    assert "word/stylesWithEffects.xml" not in part_names(out)
    assert "docProps/thumbnail.jpeg" not in part_names(out)
    assert "word/numbering.xml" not in part_names(out)  # it named the removed list styles
    assert not any(n.startswith("customXml/") for n in part_names(out))
    # every style that names fonts names the East Asian one
    for rf in styles.iter(f"{W}rFonts"):
        assert rf.get(f"{W}eastAsia"), etree.tostring(rf.getparent().getparent())


def test_official_font_names_in_the_file(sample):
    out, _, _ = sample
    fonts = {f.get(f"{W}name") for f in part(out, "word/fontTable.xml")}
    assert {"仿宋_GB2312", "黑体", "楷体_GB2312", "方正小标宋简体", "宋体"} <= fonts


def test_page_geometry_and_grid(sample):
    out, _, _ = sample
    s = docx.Document(str(out)).sections[0]
    p = HS.page
    assert abs(s.page_width - Mm(p["width_mm"])) < Mm(0.1)
    assert abs(s.page_height - Mm(p["height_mm"])) < Mm(0.1)
    for side in ("top", "bottom", "left", "right"):
        assert abs(getattr(s, f"{side}_margin") - Mm(p[f"{side}_mm"])) < Mm(0.1)
    grid = s._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "lines" and grid.get(qn("w:linePitch")) == "579"
    assert 22 * 579 <= s.page_height.twips - s.top_margin.twips - s.bottom_margin.twips


def test_footers_odd_right_even_left_with_page_field(sample):
    out, _, _ = sample
    d = docx.Document(str(out))
    assert d.settings.odd_and_even_pages_header_footer
    s = d.sections[0]
    for footer, jc, side in ((s.footer, "right", "right"), (s.even_page_footer, "left", "left")):
        p = footer._element.find(qn("w:p"))
        assert p.find(f"{W}pPr/{W}jc").get(qn("w:val")) == jc
        assert p.find(f"{W}pPr/{W}ind").get(qn(f"w:{side}")) == "280"  # one 4号 character
        instr = "".join(t.text for t in p.iter(qn("w:instrText")))
        assert instr.strip() == "PAGE"
        assert "".join(t.text for t in p.iter(qn("w:t"))) == "— 1 —"
    footer_style = d.styles["Footer"].element
    assert footer_style.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "宋体"
    assert footer_style.rPr.find(qn("w:sz")).get(qn("w:val")) == "28"


def test_core_and_custom_properties(sample):
    out, _, doc = sample
    cp = docx.Document(str(out)).core_properties
    assert cp.title == "某某市人民政府关于做好2024年度某项工作的通知"
    assert cp.author == "某某市人民政府"  # issuer before publisher
    assert cp.subject == "综合政务" and cp.keywords == "通知；工作"
    assert cp.created.replace(tzinfo=None) == datetime(2024, 3, 8)  # 成文日期
    assert cp.identifier == "000014349/2024-00004"  # 索引号
    custom = part(out, "docProps/custom.xml")
    ns = "{http://schemas.openxmlformats.org/officeDocument/2006/custom-properties}"
    props = {p.get("name"): "".join(p.itertext()) for p in custom.iter(f"{ns}property")}
    assert props["索引号"] == "000014349/2024-00004"
    assert props["发文字号"] == "某政发〔2024〕6号"
    assert props["公开方式"] == "主动公开"
    assert props["源文件SHA256"] == "ab" * 32
    assert props["生成程序"] == f"{GENERATOR} {__version__}"
    assert props["文种"] == "通知"  # an unnamed <field label=…>
    pids = [int(p.get("pid")) for p in custom.iter(f"{ns}property")]
    assert pids == list(range(2, 2 + len(pids)))


def test_text_equals_title_number_and_body(sample):
    out, _, doc = sample
    want = squash("某某市人民政府关于做好2024年度某项工作的通知" + "某政发〔2024〕6号") + body_text(doc)
    assert squash(docx_text(out)) == want


def test_inline_markup(sample):
    out, _, _ = sample
    root = part(out, "word/document.xml")
    styles = [r.get(f"{W}val") for r in root.iter(f"{W}rStyle")]
    assert {"Strong", "Emphasis", "Hyperlink"} <= set(styles)
    link = root.find(f".//{W}hyperlink")
    rels = part(out, "word/_rels/document.xml.rels")
    rel = next(r for r in rels if r.get("Id") == link.get(qn("r:id")))
    assert rel.get("Target") == "https://www.example.gov.cn/a.html"
    assert rel.get("TargetMode") == "External"
    assert root.find(f".//{W}br") is not None


def test_signature_block(sample):
    out, _, _ = sample
    d = docx.Document(str(out))
    org = next(p for p in d.paragraphs if p.style.name == "Signature")
    date = next(p for p in d.paragraphs if p.style.name == "Signature Date")
    assert date.text == "2024年3月8日" and org.text == "某某市人民政府"
    # without a seal (7.3.5.2): the date (longer than 某某市人民政府 less two 字) two 字
    # from the right edge, the 署名 moved left so that the date starts two 字 right of
    # it; where the characters land is measured on the renderings
    # (test_docx_libreoffice.py, test_pdf_parts.py)
    two = 2 * 316  # twips: two cells of 15.8 pt (the unfilled lines' pitch)
    org_right = int(org._p.pPr.find(qn("w:ind")).get(qn("w:right")))
    date_right = int(date._p.pPr.find(qn("w:ind")).get(qn("w:right")))
    assert abs(date_right - two) <= 10
    assert org_right > date_right
    note = d.paragraphs[-1]
    assert note.style.name == "Note" and note.text == "（此件公开发布）"
    # the body's last line goes with the signature (no page of signature alone)
    i = next(i for i, p in enumerate(d.paragraphs) if p.style.name == "Signature")
    assert d.paragraphs[i - 1]._p.pPr.find(qn("w:keepNext")) is not None


def test_schema_order_of_every_property_container(sample):
    out, _, _ = sample
    from pipeline.render.ooxml import order_violations

    for name in part_names(out):
        if name.startswith("word/") and name.endswith(".xml"):
            assert order_violations(part(out, name)) == [], name


def test_order_check_catches_a_raw_append():
    from pipeline.render.ooxml import el, order_violations, sort_children

    ppr = el("pPr")
    ppr.extend([el("jc", val="both"), el("spacing", line=579), el("pStyle", val="Normal")])
    assert order_violations(ppr)
    sort_children(ppr)
    assert order_violations(ppr) == []
    assert [c.tag.rsplit("}", 1)[1] for c in ppr] == ["pStyle", "spacing", "jc"]


def merged_table_doc() -> etree._Element:
    body = E("body")
    t = sub(body, "table")
    sub(t, "caption", "表1 示例")
    r = sub(t, "row", header="true")
    sub(r, "cell", "项目", rowspan=2)
    sub(r, "cell", "数量", colspan=2)
    r = sub(t, "row", header="true")
    sub(r, "cell", "上年")
    sub(r, "cell", "本年")
    r = sub(t, "row")
    sub(r, "cell", "甲")
    sub(r, "cell", "1")
    sub(r, "cell", "2", align="right")
    return make_doc(body)


def test_merged_cells_become_gridspan_and_vmerge(tmp_path):
    doc = merged_table_doc()
    out = tmp_path / "t.docx"
    assert render_docx(doc, out) == []
    d = docx.Document(str(out))
    table = d.tables[0]
    tbl = table._tbl
    grid = [int(c.get(qn("w:w"))) for c in tbl.tblGrid.iter(qn("w:gridCol"))]
    assert len(grid) == 3 and sum(grid) <= T.metrics().block_width
    rows = tbl.findall(qn("w:tr"))
    first = rows[0].findall(qn("w:tc"))
    assert first[0].find(f"{W}tcPr/{W}vMerge").get(qn("w:val")) == "restart"
    assert first[1].find(f"{W}tcPr/{W}gridSpan").get(qn("w:val")) == "2"
    second = rows[1].findall(qn("w:tc"))
    assert second[0].find(f"{W}tcPr/{W}vMerge").get(qn("w:val")) is None  # continue
    for tr in rows:  # every row covers the whole grid
        spans = [int(tc.find(f"{W}tcPr/{W}gridSpan").get(qn("w:val"))) if tc.find(
            f"{W}tcPr/{W}gridSpan") is not None else 1 for tc in tr.findall(qn("w:tc"))]
        assert sum(spans) == 3
    assert rows[0].find(f"{W}trPr/{W}tblHeader") is not None
    assert tbl.tblPr.find(qn("w:tblStyle")).get(qn("w:val")) == "GovTable"
    cell_style = {p.style.name for row in table.rows for c in row.cells for p in c.paragraphs}
    assert cell_style <= {"Table Text", "Table Heading"}
    # the table text is not the body's condensed 16 pt
    assert d.styles["Table Text"].element.rPr.find(qn("w:sz")).get(qn("w:val")) == "24"
    assert squash(docx_text(out)).endswith(body_text(doc)) or body_text(doc) in squash(docx_text(out))


def test_wide_table_stays_in_the_block(tmp_path):
    body = E("body")
    t = sub(body, "table")
    for _ in range(3):
        r = sub(t, "row")
        for i in range(15):
            sub(r, "cell", "很长的单元格内容" * (i % 3 + 1))
    out = tmp_path / "w.docx"
    warnings = render_docx(make_doc(body), out)
    tbl = docx.Document(str(out)).tables[0]._tbl
    widths = [int(c.get(qn("w:w"))) for c in tbl.tblGrid.iter(qn("w:gridCol"))]
    assert sum(widths) == T.metrics().block_width
    assert tbl.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
    # set in the smallest size of [table] size_steps_pt, and still too wide: said so
    smallest = round(min(HS.raw["table"]["size_steps_pt"]) * 2)
    assert {int(sz.get(qn("w:val"))) for sz in tbl.iter(qn("w:sz"))} == {smallest}
    assert any("too wide" in w for w in warnings)


def figure_doc(local: str | None, alt: str = "施工现场") -> etree._Element:
    body = E("body")
    f = sub(body, "figure")
    sub(f, "image", src="https://example.gov.cn/x.png", alt=alt, local=local)
    sub(f, "caption", "图1 施工现场")
    return make_doc(body)


@pytest.fixture
def png(tmp_path) -> Path:
    from PIL import Image

    folder = tmp_path / "res"
    folder.mkdir()
    Image.new("RGB", (3000, 1000), "white").save(folder / "pic.png")
    return folder


def test_image_embedded_and_scaled_to_the_block(tmp_path, png):
    out = tmp_path / "i.docx"
    assert render_docx(figure_doc("pic.png"), out, resource_dir=png) == []
    d = docx.Document(str(out))
    shape = d.inline_shapes[0]
    assert shape.width <= T.metrics().block_width * 635
    assert abs(shape.width / shape.height - 3.0) < 0.01
    assert any(n.startswith("word/media/") for n in part_names(out))
    # the picture's line: a whole number of body lines, "at least" so nothing is clipped
    p = next(p for p in d.paragraphs if p.style.name == "Figure")
    sp = p._p.pPr.find(qn("w:spacing"))
    assert sp.get(qn("w:lineRule")) == "atLeast" and int(sp.get(qn("w:line"))) % 579 == 0
    assert int(sp.get(qn("w:line"))) >= shape.height / 635
    assert all(shape._inline.get(a) == "0" for a in ("distT", "distB", "distL", "distR"))


@pytest.mark.parametrize("local, resource, why", [
    ("pic.png", False, "no resource folder"),
    ("missing.png", True, "local file missing"),
    ("../outside.png", True, "outside the resource folder"),
    (None, True, "no local copy"),
])
def test_image_placeholder_and_warning(tmp_path, png, local, resource, why):
    from PIL import Image

    Image.new("RGB", (10, 10)).save(png.parent / "outside.png")
    out = tmp_path / "p.docx"
    warnings = render_docx(figure_doc(local), out, resource_dir=png if resource else None)
    assert len(warnings) == 1 and why in warnings[0]
    d = docx.Document(str(out))
    assert len(d.inline_shapes) == 0
    ph = next(p for p in d.paragraphs if p.style.name == "Image Placeholder")
    assert "施工现场" in ph.text
    assert d.styles["Image Placeholder"].element.pPr.find(qn("w:pBdr")) is not None


def test_unreadable_image_is_a_placeholder(tmp_path, png):
    (png / "bad.png").write_bytes(b"not a picture")
    warnings = render_docx(figure_doc("bad.png"), tmp_path / "b.docx", resource_dir=png)
    assert len(warnings) == 1 and "bad.png" in warnings[0]


def test_attachments_are_hyperlinks(tmp_path):
    body = E("body")
    sub(body, "p", "附件：1.申请表", role="attachment-note")
    sub(body, "p", "2.汇总表", role="attachment-note")
    sub(body, "attachment", "申请表.docx", href="/uploadfiles/a.docx")
    out = tmp_path / "a.docx"
    render_docx(make_doc(body), out)
    d = docx.Document(str(out))
    names = [p.style.name for p in d.paragraphs]
    assert names[-3:] == ["Attachment Note First", "Attachment Note", "Attachment"]
    root = part(out, "word/document.xml")
    assert "".join(root.find(f".//{W}hyperlink").itertext()) == "申请表.docx"


def test_a_date_not_in_standard_form_is_kept_and_reported(tmp_path):
    body = E("body")
    sub(body, "p", "正文。")
    sig = sub(body, "signature")
    sub(sig, "org", "某局")
    sub(sig, "date", "2024年03月08日", when="2024-03-08")
    out = tmp_path / "d.docx"
    warnings = render_docx(make_doc(body), out)
    assert "2024年03月08日" in docx_text(out)  # never silently rewritten: fidelity first
    assert any("Arabic numerals" in w for w in warnings)


def test_render_error_on_unwritable_target(tmp_path):
    with pytest.raises(RenderError):
        render_docx(make_doc(sample_body()), tmp_path / "no" / "such" / "dir" / "x.docx")


def test_template_is_built_once():
    assert T.template_bytes() is T.template_bytes()


def test_renders_are_deterministic(tmp_path):
    doc = make_doc(sample_body())
    a, b = tmp_path / "a.docx", tmp_path / "b.docx"
    render_docx(doc, a)
    render_docx(doc, b)
    import zipfile

    with zipfile.ZipFile(a) as za, zipfile.ZipFile(b) as zb:
        for name in ("word/document.xml", "word/styles.xml", "docProps/custom.xml"):
            assert za.read(name) == zb.read(name), name


def test_committed_fonts_conf_is_generated_from_layout():
    assert Path(str(fonts_conf_path())).read_text(encoding="utf-8") == fonts_conf(), \
        "run: python -m pipeline.render.fontconfig > stylesheets/fonts.conf"


def test_fonts_conf_aliases_every_official_name():
    conf = fonts_conf()
    for key in HS.raw["fonts"]:
        for name in HS.typeface(key).official:
            assert f"<family>{name}</family><accept>" in conf, name
    assert '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>' in conf


def test_roles_align_and_indent(tmp_path):
    body = E("body")
    sub(body, "p", "（此件公开发布）", role="note")
    sub(body, "p", "居中一行", align="center")
    sub(body, "p", "页面上缩进四字（八个空格）的段落", indent="4")
    sub(body, "p", "顶格的一行", indent="0")
    sub(body, "p", "副标题", role="subtitle")
    out = tmp_path / "r.docx"
    render_docx(make_doc(body), out)
    d = docx.Document(str(out))
    ps = d.paragraphs[1:]
    assert [p.style.name for p in ps] == ["Note", "Normal", "Normal", "Normal", "Subtitle"]
    centre = ps[1]._p.pPr
    assert centre.find(qn("w:jc")).get(qn("w:val")) == "center"
    assert centre.find(qn("w:ind")).get(qn("w:firstLineChars")) == "0"
    # an indented line is a paragraph: two 字, however far the page indented it
    ind = ps[2]._p.pPr.find(qn("w:ind"))
    assert ind.get(qn("w:firstLineChars")) == "200" and ind.get(qn("w:firstLine")) == "630"
    flush = ps[3]._p.pPr.find(qn("w:ind"))
    assert flush.get(qn("w:firstLineChars")) == "0" and flush.get(qn("w:firstLine")) == "0"


def test_mirror_margins_stay_in_schema_order():
    from pipeline.render import ooxml as ox

    settings = T.new_document().settings.element
    ox.insert_in_order(settings, ox.el("mirrorMargins"), ox.SETTINGS_SEQ)
    names = [c.tag.rsplit("}", 1)[1] for c in settings]
    ranks = [ox.SETTINGS_SEQ.index(n) for n in names if n in ox.SETTINGS_SEQ]
    assert ranks == sorted(ranks) and "mirrorMargins" in names


def test_table_rows_add_up_to_whole_grid_lines(tmp_path):
    """Each row is a whole number of body lines (579 twips each, "at least": a line a
    word processor breaks once more grows the row instead of being clipped), rules
    included, less ``table_row_slack_twips`` a line (and the first row less the top
    rule LibreOffice draws again on every page the table runs onto), and never splits
    over a page, so the table keeps the page grid; the cell lines are exact, a whole
    number of them fitting a row with its rule."""
    doc = merged_table_doc()
    out = tmp_path / "g.docx"
    render_docx(doc, out)
    rule = round(HS.role("table")["border_pt"] * 20)
    slack = HS.raw["docx"]["table_row_slack_twips"]
    assert 0 < slack < 579 // 22  # a page of 22 lines loses less than a line
    rows = docx.Document(str(out)).tables[0]._tbl.findall(qn("w:tr"))
    for r, tr in enumerate(rows):
        height = tr.find(f"{qn('w:trPr')}/{qn('w:trHeight')}")
        assert height.get(qn("w:hRule")) == "atLeast"
        val = int(height.get(qn("w:val"))) + (rule if r == 0 else 0)
        assert val % (579 - slack) == 0 and val // (579 - slack) >= 1, (r, val)
        assert tr.find(f"{qn('w:trPr')}/{qn('w:cantSplit')}") is not None
        lines = {int(sp.get(qn("w:line"))) for sp in tr.iter(qn("w:spacing"))}
        assert len(lines) == 1
        n, m = HS.raw["table"]["lines_per_grid"][HS.raw["table"]["size_steps_pt"].index(12)]
        assert abs(lines.pop() * n + rule - m * 579) <= n  # n lines and a rule fill m body lines


def test_picture_table_and_links_validate(tmp_path, png):
    """Schema validation of the parts the corpus lacks: an embedded picture, merged
    cells, hyperlinks, a caption (openxml-audit, when installed)."""
    import subprocess
    import sys

    exe = Path(sys.executable).with_name("openxml-audit")
    if not exe.exists():
        pytest.skip("openxml-audit (pip) not installed")
    body = sample_body()
    body.insert(0, figure_doc("pic.png").find(".//{urn:govdoc:canonical:1}figure"))
    body.insert(1, merged_table_doc().find(".//{urn:govdoc:canonical:1}table"))
    out = tmp_path / "all.docx"
    assert render_docx(make_doc(body, doc_number="某政发〔2024〕6号"), out, resource_dir=png) == []
    r = subprocess.run([str(exe), "-f", "office2016", str(out)], capture_output=True, text=True)
    assert "Errors: 0" in r.stdout, r.stdout[-2000:]


def test_only_real_links_become_hyperlinks(tmp_path):
    body = E("body")
    p = sub(body, "p", "见")
    sub(p, "a", "脚本", href="javascript:alert(1)")
    sub(body, "attachment", "表.docx", href="data:text/plain,x")
    sub(body, "attachment", "办法.pdf", href="./files/办法.pdf")
    out = tmp_path / "l.docx"
    render_docx(make_doc(body), out)
    rels = part(out, "word/_rels/document.xml.rels")
    targets = [r.get("Target") for r in rels if r.get("TargetMode") == "External"]
    assert targets == ["./files/办法.pdf"]
    assert "脚本" in docx_text(out) and "表.docx" in docx_text(out)
