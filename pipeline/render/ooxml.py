"""Raw WordprocessingML: every ``w:`` element the Word renderer writes by hand.

python-docx has no API for what a Chinese official document needs (``w:eastAsia``
fonts, ``w:hint``, ``w:lang`` East Asian, the document grid, fields, table merges,
custom properties) and appends raw children in call order, not in the order the
ECMA-376 schema prescribes.  Word rejects out-of-order children where LibreOffice
forgives them, so everything raw lives here and :func:`sort_children` puts each
property container back into schema order before the file is saved.

Units: twips (1/20 pt, "dxa") unless a name says otherwise.
"""
from __future__ import annotations

from datetime import datetime
from typing import Iterable, Mapping

from docx.oxml import OxmlElement
from docx.oxml.ns import nsmap, qn
from lxml import etree

W_NS = nsmap["w"]
R_NS = nsmap["r"]

# ----------------------------------------------------------------- schema order
# Child sequences from ECMA-376 Part 1 (5th ed.) §17, the same lists python-docx
# keeps privately as ``_tag_seq`` (deleted after class creation, hence copied).
_SEQ: dict[str, tuple[str, ...]] = {
    "pPr": (
        "pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl",
        "numPr", "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens",
        "kinsoku", "wordWrap", "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN",
        "bidi", "adjustRightInd", "snapToGrid", "spacing", "ind", "contextualSpacing",
        "mirrorIndents", "suppressOverlap", "jc", "textDirection", "textAlignment",
        "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr", "sectPr", "pPrChange"),
    "rPr": (
        "ins", "del", "moveFrom", "moveTo",  # CT_ParaRPr (paragraph mark) only
        "rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike", "dstrike",
        "outline", "shadow", "emboss", "imprint", "noProof", "snapToGrid", "vanish",
        "webHidden", "color", "spacing", "w", "kern", "position", "sz", "szCs", "highlight",
        "u", "effect", "bdr", "shd", "fitText", "vertAlign", "rtl", "cs", "em", "lang",
        "eastAsianLayout", "specVanish", "oMath", "rPrChange"),
    "sectPr": (
        "headerReference", "footerReference", "footnotePr", "endnotePr", "type", "pgSz",
        "pgMar", "paperSrc", "pgBorders", "lnNumType", "pgNumType", "cols", "formProt",
        "vAlign", "noEndnote", "titlePg", "textDirection", "bidi", "rtlGutter", "docGrid",
        "printerSettings", "sectPrChange"),
    "tblPr": (
        "tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize",
        "tblStyleColBandSize", "tblW", "jc", "tblCellSpacing", "tblInd", "tblBorders", "shd",
        "tblLayout", "tblCellMar", "tblLook", "tblCaption", "tblDescription", "tblPrChange"),
    "trPr": (
        "cnfStyle", "divId", "gridBefore", "gridAfter", "wBefore", "wAfter", "cantSplit",
        "trHeight", "tblHeader", "tblCellSpacing", "jc", "hidden", "ins", "del", "trPrChange"),
    "tcPr": (
        "cnfStyle", "tcW", "gridSpan", "hMerge", "vMerge", "tcBorders", "shd", "noWrap",
        "tcMar", "textDirection", "tcFitText", "vAlign", "hideMark", "headers", "cellIns",
        "cellDel", "cellMerge", "tcPrChange"),
    "style": (
        "name", "aliases", "basedOn", "next", "link", "autoRedefine", "hidden", "uiPriority",
        "semiHidden", "unhideWhenUsed", "qFormat", "locked", "personal", "personalCompose",
        "personalReply", "rsid", "pPr", "rPr", "tblPr", "trPr", "tcPr", "tblStylePr"),
    "pBdr": ("top", "left", "bottom", "right", "between", "bar"),
    "tblBorders": ("top", "left", "start", "bottom", "right", "end", "insideH", "insideV"),
    "tcBorders": ("top", "left", "start", "bottom", "right", "end", "insideH", "insideV",
                  "tl2br", "tr2bl"),
    "tblCellMar": ("top", "left", "start", "bottom", "right", "end"),
    "font": ("altName", "panose1", "charset", "family", "notTrueType", "pitch", "sig",
             "embedRegular", "embedBold", "embedItalic", "embedBoldItalic"),
}
#: The start of CT_Settings (ECMA-376 §17.15.1.78), enough to place what we add.
SETTINGS_SEQ = (
    "writeProtection", "view", "zoom", "removePersonalInformation", "removeDateAndTime",
    "doNotDisplayPageBoundaries", "displayBackgroundShape", "printPostScriptOverText",
    "printFractionalCharacterWidth", "printFormsData", "embedTrueTypeFonts",
    "embedSystemFonts", "saveSubsetFonts", "saveFormsData", "mirrorMargins",
    "alignBordersAndEdges", "bordersDoNotSurroundHeader", "bordersDoNotSurroundFooter",
    "gutterAtTop", "hideSpellingErrors", "hideGrammaticalErrors", "activeWritingStyle",
    "proofState", "formsDesign", "attachedTemplate", "linkStyles",
    "stylePaneFormatFilter", "stylePaneSortMethod", "documentType", "mailMerge",
    "revisionView", "trackRevisions", "doNotTrackMoves", "doNotTrackFormatting",
    "documentProtection", "autoFormatOverride", "styleLockTheme", "styleLockQFSet",
    "defaultTabStop")


def _escape(text: str) -> str:
    """Text for an XML attribute or element (xml.sax.saxutils would import urllib,
    http and ssl: 17 ms of every worker's start-up)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def insert_in_order(parent: etree._Element, new: etree._Element, seq: tuple[str, ...]) -> etree._Element:
    """Insert *new* before the first child that comes after it in *seq*.

    For containers holding foreign-namespace children (settings: ``m:mathPr``,
    ``w14:docId``), which :func:`sort_children` must not reorder.
    """
    rank = seq.index(_local(new))
    for i, c in enumerate(parent):
        name = _local(c)
        if name in seq and seq.index(name) > rank:
            parent.insert(i, new)
            return new
    parent.append(new)
    return new


def _local(el: etree._Element) -> str | None:
    tag = el.tag
    if not isinstance(tag, str) or not tag.startswith("{" + W_NS + "}"):
        return None
    return tag.rsplit("}", 1)[1]


def sort_children(root: etree._Element) -> etree._Element:
    """Put the children of every ordered ``w:`` container under *root* in schema order.

    The sort is stable, so repeated elements (footer references, borders) keep
    their relative order; unknown children go last.
    """
    for el in root.iter():
        seq = _SEQ.get(_local(el) or "")
        if not seq or len(el) < 2:
            continue
        rank = {name: i for i, name in enumerate(seq)}
        kids = list(el)
        ordered = sorted(kids, key=lambda c: rank.get(_local(c) or "", len(seq)))
        if ordered != kids:
            for c in kids:
                el.remove(c)
            el.extend(ordered)
    return root


def order_violations(root: etree._Element) -> list[str]:
    """Containers under *root* whose children break the ECMA-376 sequence (for tests)."""
    bad = []
    for el in root.iter():
        name = _local(el)
        seq = _SEQ.get(name or "")
        if not seq:
            continue
        ranks = [seq.index(n) if n in seq else None for n in (_local(c) for c in el)]
        if None in ranks:
            bad.append(f"w:{name} has an unknown child: {[_local(c) for c in el]}")
        elif ranks != sorted(ranks):
            bad.append(f"w:{name} children out of order: {[_local(c) for c in el]}")
    return bad


# ----------------------------------------------------------------- building blocks

def el(tag: str, /, **attrs: str | int | bool | None) -> etree._Element:
    """A ``w:`` element; keyword ``val`` becomes ``w:val``; None values are left out."""
    e = OxmlElement(f"w:{tag}")
    for k, v in attrs.items():
        if v is None:
            continue
        if isinstance(v, bool):
            v = "1" if v else "0"
        e.set(qn(f"w:{k}"), str(v))
    return e


def put(parent: etree._Element, child: etree._Element) -> etree._Element:
    """Replace *parent*'s child of the same tag with *child* (or add it)."""
    old = parent.find(child.tag)
    if old is not None:
        parent.replace(old, child)
    else:
        parent.append(child)
    return child


def rfonts(east_asia: str, latin: str) -> etree._Element:
    """Font names per script.

    ``w:eastAsia`` is the Chinese font (python-docx never writes it), and
    ``w:hint="eastAsia"`` makes Word take quotes, dashes and ellipses — characters
    shared by both scripts — from the Chinese font too.
    """
    return el("rFonts", ascii=latin, hAnsi=latin, eastAsia=east_asia, cs=latin, hint="eastAsia")


def lang_zh() -> etree._Element:
    """Chinese line breaking and SC glyph forms for East Asian text."""
    return el("lang", val="en-US", eastAsia="zh-CN", bidi="ar-SA")


def run_props(*, east_asia: str | None = None, latin: str | None = None,
              size_half_pt: int | None = None, spacing: int | None = None,
              bold: bool | None = None, color: str | None = None,
              lang: bool = False) -> etree._Element:
    """A ``w:rPr`` (children in any order; sorted before saving)."""
    rpr = el("rPr")
    if east_asia:
        rpr.append(rfonts(east_asia, latin or east_asia))
    if bold is not None:
        rpr.append(el("b", val=bold))
        rpr.append(el("bCs", val=bold))
    if color:
        rpr.append(el("color", val=color))
    if spacing is not None:
        rpr.append(el("spacing", val=spacing))
    if size_half_pt:
        rpr.append(el("sz", val=size_half_pt))
        rpr.append(el("szCs", val=size_half_pt))
    if lang:
        rpr.append(lang_zh())
    return rpr


def para_props(*, line: int | None = None, line_rule: str = "exact", before: int = 0,
               after: int = 0, first_line: int | None = None, first_line_chars: int | None = None,
               left: int | None = None, right: int | None = None,
               right_chars: int | None = None, hanging: int | None = None,
               hanging_chars: int | None = None,
               jc: str | None = None,
               keep_next: bool = False, outline_level: int | None = None,
               snap_to_grid: bool | None = None, widow_control: bool | None = None,
               overflow_punct: bool | None = None,
               auto_space: bool | None = None) -> etree._Element:
    """A ``w:pPr``.

    Indents are written twice on purpose: ``w:firstLineChars`` (hundredths of a
    character, what Word reads first) and ``w:firstLine`` in twips (LibreOffice
    ignores the Chars form when the document has no character grid).
    """
    ppr = el("pPr")
    if keep_next:
        ppr.append(el("keepNext"))
    if widow_control is not None:
        ppr.append(el("widowControl", val=widow_control))
    if overflow_punct is not None:
        ppr.append(el("overflowPunct", val=overflow_punct))
    if auto_space is not None:  # extra space between Chinese and Latin letters / digits
        ppr.append(el("autoSpaceDE", val=auto_space))
        ppr.append(el("autoSpaceDN", val=auto_space))
    if snap_to_grid is not None:
        ppr.append(el("snapToGrid", val=snap_to_grid))
    ppr.append(el("spacing", before=before, after=after, line=line,
                  lineRule=line_rule if line is not None else None))
    if hanging is not None:  # a hanging indent replaces the (inherited) first-line indent
        first_line, first_line_chars = None, 0
    if any(v is not None for v in (first_line, first_line_chars, left, right, right_chars,
                                   hanging)):
        ppr.append(el("ind", left=left, right=right, rightChars=right_chars,
                      hanging=hanging, hangingChars=hanging_chars,
                      firstLine=first_line, firstLineChars=first_line_chars))
    if jc:
        ppr.append(el("jc", val=jc))
    if outline_level is not None:
        ppr.append(el("outlineLvl", val=outline_level))
    return ppr


def border(side: str, *, size_eighths: int, val: str = "single", space: int = 0,
           color: str = "000000") -> etree._Element:
    """One border line; ``w:sz`` is in eighths of a point."""
    return el(side, val=val, sz=size_eighths, space=space, color=color)


def box_borders(container: str, size_eighths: int, sides: Iterable[str] = (
        "top", "left", "bottom", "right"), val: str = "single") -> etree._Element:
    """``w:pBdr``/``w:tblBorders``/``w:tcBorders`` with the same line on *sides*."""
    box = el(container)
    for side in sides:
        box.append(border(side, size_eighths=size_eighths, val=val))
    return box


def strip_theme_fonts(root: etree._Element) -> None:
    """Remove ``w:*Theme`` font attributes: a theme font wins over an explicit name."""
    for rf in root.iter(qn("w:rFonts")):
        for attr in list(rf.attrib):
            if attr.endswith("Theme") or attr.endswith("theme"):
                del rf.attrib[attr]


# ----------------------------------------------------------------- section

def doc_grid(sectpr: etree._Element, *, line_pitch: int, grid_type: str = "lines",
             char_space: int | None = None) -> etree._Element:
    """Set the section's ``w:docGrid`` (see docs/word-grid.md for the choice)."""
    return put(sectpr, el("docGrid", type=grid_type, linePitch=line_pitch, charSpace=char_space))


# ----------------------------------------------------------------- fields and runs

def field_runs(instruction: str, cached: str, rpr: etree._Element | None = None
               ) -> list[etree._Element]:
    """A complex field (``begin``/instruction/``separate``/cached result/``end``) as runs."""
    def run(*kids: etree._Element) -> etree._Element:
        r = el("r")
        if rpr is not None:
            r.append(etree.fromstring(etree.tostring(rpr)))
        r.extend(kids)
        return r

    instr = el("instrText")
    instr.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    instr.text = f" {instruction} "
    return [run(el("fldChar", fldCharType="begin")), run(instr),
            run(el("fldChar", fldCharType="separate")), run(text(cached)),
            run(el("fldChar", fldCharType="end"))]


def text(value: str) -> etree._Element:
    """A ``w:t`` that keeps leading/trailing spaces."""
    t = el("t")
    t.text = value
    if value != value.strip():
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return t


def text_run(value: str, rpr: etree._Element | None = None,
             style: str | None = None) -> etree._Element:
    r = el("r")
    if style or rpr is not None:
        props = rpr if rpr is not None else el("rPr")
        if style:
            props.insert(0, el("rStyle", val=style))
        r.append(props)
    r.append(text(value))
    return r


def break_run() -> etree._Element:
    r = el("r")
    r.append(el("br"))
    return r


def hyperlink(r_id: str) -> etree._Element:
    """An empty ``w:hyperlink`` pointing at relationship *r_id* (runs go inside)."""
    h = el("hyperlink")
    h.set(qn("r:id"), r_id)
    h.set(qn("w:history"), "1")
    return h


# ----------------------------------------------------------------- tables

def table_cell_props(*, width: int, grid_span: int = 1, v_merge: str | None = None,
                     v_align: str = "top") -> etree._Element:
    """``w:tcPr``: width, horizontal span, vertical merge (``restart``/``continue``)."""
    tcpr = el("tcPr")
    tcpr.append(el("tcW", w=width, type="dxa"))
    if grid_span > 1:
        tcpr.append(el("gridSpan", val=grid_span))
    if v_merge == "restart":
        tcpr.append(el("vMerge", val="restart"))
    elif v_merge == "continue":
        tcpr.append(el("vMerge"))
    tcpr.append(el("vAlign", val=v_align))
    return tcpr


# ----------------------------------------------------------------- package parts

CUSTOM_PROPS_CT = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
CUSTOM_PROPS_RT = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
                   "custom-properties")
_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"  # the user-defined property set


def custom_properties_xml(props: Mapping[str, str | datetime]) -> bytes:
    """``docProps/custom.xml`` holding *props* as ``vt:lpwstr`` (or ``vt:filetime``)."""
    out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
           'custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/'
           '2006/docPropsVTypes">']
    for pid, (name, value) in enumerate(props.items(), start=2):  # pids start at 2
        if isinstance(value, datetime):
            v = f"<vt:filetime>{value.strftime('%Y-%m-%dT%H:%M:%SZ')}</vt:filetime>"
        else:
            v = f"<vt:lpwstr>{_escape(str(value))}</vt:lpwstr>"
        out.append(f'<property fmtid="{_FMTID}" pid="{pid}" name="{_escape(name)}">'
                   f"{v}</property>")
    out.append("</Properties>")
    return "".join(out).encode("utf-8")


def font_entry(name: str, alt_name: str | None, *, charset: str = "86",
               family: str = "modern", pitch: str = "fixed") -> etree._Element:
    """A ``w:font`` for fontTable.xml; charset 86 = GB2312, so Word substitutes a Chinese face."""
    f = el("font", name=name)
    if alt_name and alt_name != name:
        f.append(el("altName", val=alt_name))
    f.append(el("charset", val=charset))
    f.append(el("family", val=family))
    f.append(el("pitch", val=pitch))
    return f
