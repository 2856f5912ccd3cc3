"""The PDF edition's paragraphs, line by line (``lines.py`` chooses the lines).

Every justified block of the XHTML page (body paragraphs, 主送机关, 附注, 附件说明,
headings) is rewritten as its lines: one ``<br/>`` between lines, the text in
spans that carry the letter-spacing ``lines.line_spacing`` computed for the PDF
edition, the face of a run-in heading or of emphasis, the Latin face for digits
and letters inside another face, and the half-width punctuation face where a
closing mark is squeezed.  The block is then set ``white-space: nowrap``: WeasyPrint
only draws the lines, it never breaks them again, and no second layout is needed.

A block whose inline content the line builder does not know (superscripts, a
picture, an element added later to the canonical XML) is left to WeasyPrint.
"""
from __future__ import annotations

from lxml import etree

from ..style import house_style
from .css import grid, pt
from .lines import LATIN, SPACES, Laid, Style, attachment_indents, drawn, editions, lay_out, pieces

XHTML = "http://www.w3.org/1999/xhtml"
H = f"{{{XHTML}}}"

#: XHTML block -> (typeface role, is a heading)
_HEADINGS = {"h2": 1, "h3": 2, "h4": 3, "h5": 4}
_BODY_CLASSES = {"body", "article", "addressee", "note", "attachment-file", "attachment-note"}
_SKIP_CLASSES = {"align-center", "align-right"}


def _tag_of(el) -> str | None:
    """An XHTML inline element as the canonical XML names it (None: not known)."""
    tag = el.tag.rsplit("}", 1)[-1] if isinstance(el.tag, str) else None
    if tag in ("strong", "em", "br", "sup", "sub"):
        return tag
    if tag == "span" and el.get("class") == "link":
        return "a"
    if tag == "span" and el.get("class") == "num":
        return "num"  # 第X条 of an article, in its own face
    return None


def set_lines(root: etree._Element) -> int:
    """Rewrite the justified blocks of ``root`` line by line; return how many."""
    hs = house_style()
    size = hs.role("body")["size_pt"]
    done = 0
    for el in root.iter(f"{H}p", *(f"{H}{t}" for t in _HEADINGS)):
        tag = el.tag.rsplit("}", 1)[-1]
        classes = set((el.get("class") or "").split())
        cells = el.attrib.pop("data-first-cells", None)
        if tag == "p" and (not classes & _BODY_CLASSES or classes & _SKIP_CLASSES):
            continue
        if "kind" in classes:
            continue  # 第X章 of a regulation: centred, not justified (structures.css)
        span = el.find(f"{H}span")
        if span is None or len(el) != 1 or (el.text or "").strip() or span.get("class") != "t":
            continue
        level = _HEADINGS.get(tag)
        if level is not None:
            face = hs.role(f"heading{level}")["font"]
            first = (hs.role(f"heading{level}")["first_indent_chars"], 0.0)
            rest = (0.0, 0.0)
        else:
            face = hs.role("body")["font"]
            first, rest = _indents(el, classes, cells, span)
        segs = pieces(span, _tag_of, face, keep_faces=level is None)
        if segs is None or not any(text.strip() for seg in segs for text, _ in seg):
            continue
        laid = lay_out(segs, size, first, rest, run_in=level is None and "body" in classes)
        _rebuild(span, laid, face)
        el.set("class", " ".join([*(el.get("class") or "").split(), "set"]))
        if "attachment-note" in classes:
            pdf = editions()[0]
            f_pt = first[0] * pdf.cell(size) + first[1]
            r_pt = rest[0] * pdf.cell(size) + rest[1]
            el.set("style", f"padding-left: {pt(r_pt)}; text-indent: {pt(f_pt - r_pt)}")
        done += 1
    return done


def set_single_line(el: etree._Element, face: str) -> None:
    """Draw a one-line block (署名, 成文日期) as the line builder measures it."""
    span = el.find(f"{H}span")
    if span is None or len(span):
        return
    size = house_style().role("body")["size_pt"]
    segs = pieces(span, _tag_of, face)
    if segs:
        _rebuild(span, lay_out(segs, size, (0.0, 0.0), (0.0, 0.0)), face)


def _indents(el, classes: set[str], cells: str | None, span) -> tuple[tuple[float, float], tuple[float, float]]:
    """(first line, other lines) indents of a body block, as (cells, pt)."""
    hs = house_style()
    body = hs.role("body")["first_indent_chars"]
    if "attachment-note" in classes:
        return attachment_indents("".join(span.itertext()).strip(), "first" in classes)
    if cells is not None:  # the indent the block is drawn with (xhtml._indents)
        return (float(cells), 0.0), (0.0, 0.0)
    if "addressee" in classes:  # 主送机关: flush (7.3.2)
        return (0.0, 0.0), (0.0, 0.0)
    return (float(body), 0.0), (0.0, 0.0)


def _rebuild(span: etree._Element, laid: Laid, face: str) -> None:
    """Write the lines back into ``span``: runs of equal face and spacing, <br/> between."""
    hs = house_style()
    base_ls = grid()["letter_spacing"]
    latin_face = hs.typeface("latin").face
    for child in list(span):
        span.remove(child)
    span.text = None
    last: etree._Element | None = None

    def text(t: str) -> None:
        nonlocal last
        if last is None:
            span.text = (span.text or "") + t
        else:
            last.tail = (last.tail or "") + t

    spacing = laid.spacing(drawn(editions()[0]))
    for li, (line, ls) in enumerate(zip(laid.lines, spacing)):
        if li:
            last = etree.SubElement(span, f"{H}br")
        runs: list[tuple[tuple, str]] = []
        ls = list(ls)
        j = line.end - 1
        while j > line.start and laid.glyphs[j].ch in SPACES and li + 1 < len(laid.lines):
            ls[j - line.start] = -laid.glyphs[j].width  # white space at a line end hangs:
            j -= 1                                      # no width (else the line overflows)
        for g, v in zip(laid.glyphs[line.start:line.end], ls):
            cls = []
            if g.style.face != face:
                cls.append(f"f-{g.style.face}")
            if g.squeezed:
                cls.append("sq")
            elif g.script == LATIN and not g.ch.isspace() and \
                    hs.typeface(g.style.face).face != latin_face:
                cls.append("lat")
            key = (" ".join(cls), round(v, 3))
            if runs and runs[-1][0] == key:
                runs[-1] = (key, runs[-1][1] + g.ch)
            else:
                runs.append((key, g.ch))
        for (cls, v), t in runs:
            if not cls and abs(v - base_ls) < 1e-3:
                text(t)
                continue
            attrib = {}
            if cls:
                attrib["class"] = cls
            if abs(v - base_ls) >= 1e-3:
                attrib["style"] = f"letter-spacing: {pt(v)}"
            last = etree.SubElement(span, f"{H}span", attrib)
            last.text = t


__all__ = ["set_lines", "set_single_line", "Style"]
