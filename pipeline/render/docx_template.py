"""The Word edition's template: python-docx's default document, re-styled once.

Everything that is the same for every document — styles, document defaults, page
geometry, grid, odd/even footers with the page number, settings, font table —
is built here from the house style (``stylesheets/layout.toml``) and cached as
bytes, so a render only loads the bytes and adds content.

The default template is not trusted: its theme fonts, blue headings, 10 pt
spacing after paragraphs, ``w:lang eastAsia=en-US`` and the Title border would
all leak into the document, so every style is removed and the set this module
defines is written instead.
"""
from __future__ import annotations

import functools
import io
from dataclasses import dataclass

import docx
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn
from docx.shared import Mm
from lxml import etree

from ..style import HouseStyle, house_style
from . import ooxml as ox

TWIPS_PER_PT = 20


def twips(pt: float) -> int:
    return round(pt * TWIPS_PER_PT)


@dataclass(frozen=True)
class Metrics:
    """The numbers the Word edition derives from the house style, in Word's units."""

    line: int            # one grid line (28.95 pt = 579 twips)
    cell: float          # one character cell in twips (16 pt condensed by 0.25 pt)
    char_spacing: int    # run character spacing, twentieths of a point (-5)
    block_width: int     # text block width in twips
    block_height: int

    def chars(self, n: float) -> int:
        """*n* character cells in twips."""
        return round(n * self.cell)


def metrics(hs: HouseStyle | None = None) -> Metrics:
    hs = hs or house_style()
    body = hs.role("body")["size_pt"]
    spacing = hs.grid["docx_char_spacing_pt"]
    return Metrics(line=twips(hs.grid["line_pitch_pt"]),
                   cell=(body + spacing) * TWIPS_PER_PT,
                   char_spacing=twips(spacing),
                   block_width=round(hs.block_width_mm * 1440 / 25.4),
                   block_height=round(hs.block_height_mm * 1440 / 25.4))


# Style ids; the names Word shows are given in build_styles().
NORMAL, TITLE, DOC_NUMBER, SUBTITLE, ADDRESSEE = "Normal", "Title", "DocNumber", "Subtitle", "Addressee"
HEADINGS = ("Heading1", "Heading2", "Heading3", "Heading4")
ATTACHMENT_NOTE, ATTACHMENT, NOTE = "AttachmentNote", "Attachment", "Note"
SIGNATURE, SIGNATURE_DATE = "Signature", "SignatureDate"
CAPTION, FIGURE, PLACEHOLDER, TABLE_TEXT, TABLE_TEXT_NARROW = (
    "Caption", "Figure", "ImagePlaceholder", "TableText", "TableTextNarrow")
TABLE_HEAD, TABLE_HEAD_NARROW = "TableHeading", "TableHeadingNarrow"
TABLE_CAPTION = "TableCaption"
ATTACHMENT_NOTE_FIRST = "AttachmentNoteFirst"
FOOTER, TABLE = "Footer", "GovTable"
STRONG, EMPHASIS, HYPERLINK = "Strong", "Emphasis", "Hyperlink"


def _style(kind: str, style_id: str, name: str, *, based_on: str | None = None,
           next_id: str | None = None, ppr: etree._Element | None = None,
           rpr: etree._Element | None = None, tblpr: etree._Element | None = None,
           default: bool = False, priority: int | None = None) -> etree._Element:
    s = ox.el("style", type=kind, styleId=style_id, default=True if default else None)
    s.append(ox.el("name", val=name))
    if based_on:
        s.append(ox.el("basedOn", val=based_on))
    if next_id:
        s.append(ox.el("next", val=next_id))
    if priority is not None:
        s.append(ox.el("uiPriority", val=priority))
    s.append(ox.el("qFormat"))
    for part in (ppr, rpr, tblpr):
        if part is not None:
            s.append(part)
    return s


def build_styles(hs: HouseStyle) -> list[etree._Element]:
    """Every style the renderer uses, from the house style."""
    m = metrics(hs)
    latin = hs.typeface("latin").office_name
    font = lambda role: hs.role_typeface(role).office_name  # noqa: E731
    half = lambda pt: round(pt * 2)  # noqa: E731
    indent2 = hs.role("body")["first_indent_chars"]
    flush = dict(first_line=0, first_line_chars=0)
    table = hs.role("table")
    sig = hs.role("signature")
    folio = hs.folio
    title = hs.role("title")
    att = hs.role("attachment_note")
    fig = hs.role("figure")

    def body_like(**kw) -> etree._Element:
        return ox.para_props(line=m.line, **kw)

    styles = [
        _style("paragraph", NORMAL, "Normal", default=True, ppr=ox.para_props(
            line=m.line, first_line=m.chars(indent2), first_line_chars=indent2 * 100,
            jc="both", widow_control=False, overflow_punct=True, auto_space=True),
            rpr=ox.run_props(east_asia=font("body"), latin=latin, spacing=m.char_spacing,
                             size_half_pt=half(hs.role("body")["size_pt"]), color="000000",
                             lang=True), priority=0),
        _style("paragraph", TITLE, "Title", based_on=NORMAL, next_id=NORMAL,
               ppr=body_like(before=m.line * title["space_before_lines"],
                             after=m.line * title["space_after_lines"], jc="center",
                             snap_to_grid=False, **flush),
               # the title's digits and Latin letters in the title's face (no Times)
               rpr=ox.run_props(east_asia=font("title"), latin=font("title"), spacing=0,
                                size_half_pt=half(title["size_pt"])), priority=10),
        _style("paragraph", DOC_NUMBER, "Doc Number", based_on=NORMAL, next_id=NORMAL,
               ppr=body_like(after=m.line, jc="center", **flush),
               rpr=ox.run_props(east_asia=font("doc_number"), latin=latin,
                                size_half_pt=half(hs.role("doc_number")["size_pt"]))),
        _style("paragraph", SUBTITLE, "Subtitle", based_on=NORMAL, next_id=NORMAL,
               ppr=body_like(jc="center", **flush),
               rpr=ox.run_props(east_asia=font("heading2"), latin=latin), priority=11),
        _style("paragraph", ADDRESSEE, "Addressee", based_on=NORMAL, next_id=NORMAL,
               ppr=body_like(jc="left", **flush)),
    ]
    for level, sid in enumerate(HEADINGS, start=1):
        role = hs.role(f"heading{level}")
        styles.append(_style(
            "paragraph", sid, f"heading {level}", based_on=NORMAL, next_id=NORMAL,
            ppr=body_like(keep_next=True, outline_level=level - 1,
                          first_line=m.chars(role["first_indent_chars"]),
                          first_line_chars=role["first_indent_chars"] * 100),
            rpr=ox.run_props(east_asia=font(f"heading{level}"), latin=latin, bold=False,
                             size_half_pt=half(role["size_pt"])), priority=9))
    sig_right = sig["right_indent_chars"]
    styles += [
        # 附件说明 (7.3.4): "附件：1. 名称", names wrap under the first character after
        # the label; the following "2. 名称" lines align under "1.".
        _style("paragraph", ATTACHMENT_NOTE, "Attachment Note", based_on=NORMAL,
               ppr=body_like(jc="left", left=m.chars(indent2 + att["label_chars"]), **flush)),
        _style("paragraph", ATTACHMENT_NOTE_FIRST, "Attachment Note First",
               based_on=ATTACHMENT_NOTE, next_id=ATTACHMENT_NOTE,
               ppr=body_like(before=m.line * att["space_before_lines"], jc="left",
                             left=m.chars(indent2 + att["label_chars"]),
                             hanging=m.chars(att["label_chars"]),
                             hanging_chars=att["label_chars"] * 100)),
        _style("paragraph", ATTACHMENT, "Attachment", based_on=NORMAL,
               ppr=body_like(jc="left")),
        _style("paragraph", NOTE, "Note", based_on=NORMAL, ppr=body_like(jc="left")),
        _style("paragraph", SIGNATURE, "Signature", based_on=NORMAL, next_id=SIGNATURE_DATE,
               ppr=body_like(before=m.line * sig["space_before_lines"], jc="right",
                             keep_next=True, **flush),
               rpr=ox.run_props(east_asia=font("signature"), latin=latin)),
        _style("paragraph", SIGNATURE_DATE, "Signature Date", based_on=NORMAL, next_id=NOTE,
               ppr=body_like(jc="right", right=m.chars(sig_right),
                             right_chars=sig_right * 100, **flush),
               rpr=ox.run_props(east_asia=font("signature"), latin=latin)),
        _style("paragraph", CAPTION, "caption", based_on=NORMAL, next_id=NORMAL,
               ppr=body_like(jc="center", **flush),
               rpr=ox.run_props(east_asia=font("caption"), latin=latin, spacing=0,
                                size_half_pt=half(hs.role("caption")["size_pt"]))),
        _style("paragraph", TABLE_CAPTION, "Table Caption", based_on=CAPTION, next_id=NORMAL,
               ppr=body_like(jc="center", keep_next=True, **flush)),
        # Pictures need a line that grows: an exact 28.95 pt line would crop them.
        _style("paragraph", FIGURE, "Figure", based_on=NORMAL, next_id=CAPTION,
               ppr=ox.para_props(line=240, line_rule="auto", jc="center", snap_to_grid=False,
                                 keep_next=True, **flush)),
        # A picture that cannot be shown: a dashed frame with its alt text, as tall as
        # placeholder_lines body lines *including* its two rules, so what follows
        # stays on the grid.
        _style("paragraph", PLACEHOLDER, "Image Placeholder", based_on=NORMAL, next_id=NORMAL,
               ppr=_with(ox.para_props(
                   line=m.line * fig["placeholder_lines"] - 2 * twips(table["border_pt"]),
                   jc="center", keep_next=True, snap_to_grid=False,
                   left=m.chars(fig["placeholder_side_chars"]),
                   right=m.chars(fig["placeholder_side_chars"]), **flush),
                   ox.box_borders("pBdr", round(table["border_pt"] * 8), val="dashed")),
               rpr=ox.run_props(east_asia=font("caption"), latin=latin, spacing=0,
                                size_half_pt=half(table["size_pt"]))),
        # Table cells: their own style (small type, no indent, no condensing, centred).
        # With [docx] table_on_grid, one text line per body line as in the PDF edition:
        # a table page still holds 22 lines and the text after a table stays on the
        # grid (docs/word-grid.md); otherwise the compact roles.table line pitch.
        _style("paragraph", TABLE_TEXT, "Table Text", based_on=NORMAL,
               ppr=ox.para_props(line=m.line if hs.raw["docx"]["table_on_grid"]
                                 else twips(table["line_pitch_pt"]),
                                 jc="center", snap_to_grid=False, **flush),
               rpr=ox.run_props(east_asia=font("table"), latin=latin, spacing=0,
                                size_half_pt=half(table["size_pt"]))),
        _style("paragraph", TABLE_TEXT_NARROW, "Table Text Narrow", based_on=TABLE_TEXT,
               rpr=ox.run_props(size_half_pt=half(hs.role("table_pdf")["narrow_size_pt"]))),
        _style("paragraph", TABLE_HEAD, "Table Heading", based_on=TABLE_TEXT,
               rpr=ox.run_props(east_asia=font("heading1"), latin=latin)),
        _style("paragraph", TABLE_HEAD_NARROW, "Table Heading Narrow", based_on=TABLE_TEXT_NARROW,
               rpr=ox.run_props(east_asia=font("heading1"), latin=latin)),
        _style("paragraph", FOOTER, "footer", based_on=NORMAL,
               ppr=ox.para_props(line=twips(folio["size_pt"]), snap_to_grid=False, **flush),
               rpr=ox.run_props(east_asia=hs.typeface(folio["font"]).office_name,
                                latin=hs.typeface(folio["font"]).office_name, spacing=0,
                                size_half_pt=half(folio["size_pt"]))),
        _style("character", "DefaultParagraphFont", "Default Paragraph Font", default=True,
               priority=1),
        # Fandol has no bold or italic faces: emphasis changes the typeface, as in the PDF.
        _style("character", STRONG, "Strong", based_on="DefaultParagraphFont",
               rpr=ox.run_props(east_asia=font("heading1"), latin=latin), priority=22),
        _style("character", EMPHASIS, "Emphasis", based_on="DefaultParagraphFont",
               rpr=ox.run_props(east_asia=font("heading2"), latin=latin), priority=20),
        _style("character", HYPERLINK, "Hyperlink", based_on="DefaultParagraphFont",
               rpr=_with(ox.el("rPr"), ox.el("u", val="single"))),
        _style("table", "TableNormal", "Normal Table", default=True, priority=99,
               tblpr=_with(ox.el("tblPr"), ox.el("tblInd", w=0, type="dxa"),
                           _cell_margins(0, 108))),
        _style("table", TABLE, "Gov Table", based_on="TableNormal", tblpr=_with(
            ox.el("tblPr"),
            ox.box_borders("tblBorders", round(table["border_pt"] * 8),
                           ("top", "left", "bottom", "right", "insideH", "insideV")),
            _cell_margins(0, twips(table["cell_padding_pt"])))),
        _style("numbering", "NoList", "No List", default=True, priority=99),
    ]
    return styles


def _with(parent: etree._Element, *kids: etree._Element) -> etree._Element:
    parent.extend(kids)
    return parent


def _cell_margins(vertical: int, horizontal: int) -> etree._Element:
    mar = ox.el("tblCellMar")
    for side, w in (("top", vertical), ("left", horizontal), ("bottom", vertical),
                    ("right", horizontal)):
        mar.append(ox.el(side, w=w, type="dxa"))
    return mar


def _restyle(document, hs: HouseStyle) -> None:
    styles = document.styles.element
    m = metrics(hs)
    for s in styles.findall(qn("w:style")):
        styles.remove(s)
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is not None:
        styles.remove(defaults)
    defaults = ox.el("docDefaults")
    rpr_default = ox.el("rPrDefault")
    rpr_default.append(ox.run_props(east_asia=hs.role_typeface("body").office_name,
                                    latin=hs.typeface("latin").office_name,
                                    size_half_pt=round(hs.role("body")["size_pt"] * 2), lang=True))
    ppr_default = ox.el("pPrDefault")
    ppr_default.append(ox.para_props(line=m.line))
    defaults.extend([rpr_default, ppr_default])
    styles.insert(0, defaults)
    styles.extend(build_styles(hs))
    ox.strip_theme_fonts(styles)


def _settings(document) -> None:
    settings = document.settings
    settings.odd_and_even_pages_header_footer = True
    el = settings.element
    # A line ended by a manual break (<br/>) is not stretched across the justified line.
    compat = el.find(qn("w:compat"))
    if compat is not None and compat.find(qn("w:doNotExpandShiftReturn")) is None:
        compat.insert(0, ox.el("doNotExpandShiftReturn"))
    for setting in (compat if compat is not None else ()):
        if setting.get(qn("w:name")) == "compatibilityMode":
            setting.set(qn("w:val"), "15")  # Word 2013+ layout, no "compatibility mode"
    lang = el.find(qn("w:themeFontLang"))
    if lang is not None:
        lang.set(qn("w:eastAsia"), "zh-CN")
    rsids = el.find(qn("w:rsids"))
    if rsids is not None:
        el.remove(rsids)


def _font_table(document, hs: HouseStyle) -> None:
    """Declare the official Chinese names with a GB2312 charset and a common alternative,
    so Word and WPS substitute a Chinese face of the right kind when one is missing."""
    part = next(p for p in document.part.package.iter_parts()
                if p.partname == "/word/fontTable.xml")
    root = etree.fromstring(part.blob)
    for f in list(root):
        root.remove(f)
    root.append(ox.font_entry(hs.typeface("latin").office_name, None, charset="00",
                              family="roman", pitch="variable"))
    for key in hs.raw["fonts"]:
        face = hs.typeface(key)
        if key == "latin":
            continue
        alt = next((n for n in face.official[1:] if n != face.office_name), None)
        root.append(ox.font_entry(face.office_name, alt))
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _drop_parts(document) -> None:
    """Remove template leftovers: Word 2010 styles-with-effects (the old blue styles),
    list numbering that points at the removed List Bullet/List Number styles, an empty
    bibliography customXml item and the thumbnail of an empty page."""
    main = document.part
    for rid, rel in list(main.rels.items()):
        if rel.reltype.endswith(("/stylesWithEffects", "/numbering", "/customXml")):
            main.drop_rel(rid)
    pkg = main.package
    for rid, rel in list(pkg.rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            del pkg.rels[rid]


def _app_properties(document) -> None:
    """docProps/app.xml: the template claims "Microsoft Macintosh Word" made the file."""
    from .. import GENERATOR, __version__

    part = next((p for p in document.part.package.iter_parts()
                 if p.partname == "/docProps/app.xml"), None)
    if part is None:
        return
    root = etree.fromstring(part.blob)
    ns = "{http://schemas.openxmlformats.org/officeDocument/2006/extended-properties}"
    for tag, value in (("Application", f"{GENERATOR} {__version__}"), ("Template", None),
                       ("Pages", None), ("Words", None), ("Characters", None), ("Lines", None),
                       ("Paragraphs", None), ("TotalTime", None),
                       ("CharactersWithSpaces", None)):
        el = root.find(ns + tag)
        if el is not None and value is None:
            root.remove(el)  # counts Word would fill in; stale ones mislead
        elif el is not None:
            el.text = value
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _page(document, hs: HouseStyle) -> None:
    section = document.sections[0]
    p = hs.page
    m = metrics(hs)
    section.page_width, section.page_height = Mm(p["width_mm"]), Mm(p["height_mm"])
    section.top_margin, section.bottom_margin = Mm(p["top_mm"]), Mm(p["bottom_mm"])
    section.left_margin, section.right_margin = Mm(p["left_mm"]), Mm(p["right_mm"])
    section.footer_distance = Mm(hs.raw["docx"]["footer_distance_mm"])
    section.header_distance = Mm(15)
    sectpr = section._sectPr
    ox.doc_grid(sectpr, line_pitch=m.line, grid_type=hs.raw["docx"]["grid_type"])
    if p.get("mirror"):  # even pages: left 26 / right 28 (layout doc §2.3)
        ox.insert_in_order(document.settings.element, ox.el("mirrorMargins"), ox.SETTINGS_SEQ)
    _folios(section, hs)


def _folios(section, hs: HouseStyle) -> None:
    """"— N —" footers: odd pages right, even pages left, one 4号 character in."""
    folio = hs.folio
    side = twips(folio["size_pt"] * folio["side_indent_chars"])
    before, _, after = folio["text"].partition("{page}")
    for footer, jc, ind in ((section.footer, "right", dict(right=side)),
                            (section.even_page_footer, "left", dict(left=side))):
        footer.is_linked_to_previous = False
        ftr = footer._element
        for old in list(ftr):
            ftr.remove(old)
        p = ox.el("p")
        ppr = ox.el("pPr")
        ppr.extend([ox.el("pStyle", val=FOOTER), ox.el("ind", **ind), ox.el("jc", val=jc)])
        p.append(ppr)
        p.append(ox.text_run(before))
        p.extend(ox.field_runs("PAGE", "1"))
        p.append(ox.text_run(after))
        ftr.append(p)
        ox.sort_children(ftr)


def _clear_core(document) -> None:
    cp = document.core_properties
    cp.author = cp.comments = cp.title = cp.subject = cp.keywords = cp.category = ""
    cp.last_modified_by = ""


@functools.lru_cache(maxsize=1)
def template_bytes() -> bytes:
    """The styled, empty .docx (built once per process)."""
    hs = house_style()
    document = docx.Document()
    _restyle(document, hs)
    _settings(document)
    _font_table(document, hs)
    _drop_parts(document)
    _app_properties(document)
    _page(document, hs)
    _clear_core(document)
    for part in (document.element, document.styles.element, document.settings.element):
        ox.sort_children(part)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def new_document():
    """A fresh python-docx Document on the cached template."""
    return docx.Document(io.BytesIO(template_bytes()))
