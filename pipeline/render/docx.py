"""The Word edition: canonical XML -> .docx laid out per GB/T 9704-2012.

Layout lives in styles (``docx_template``), raw OOXML in ``ooxml``; this module
only walks the canonical document and says which style each block takes.  It
never sees the source page and never touches the network: images are read only
from files inside ``resource_dir``.
"""
from __future__ import annotations

import copy
import re
import zipfile
from datetime import datetime
from pathlib import Path

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml.ns import qn
from docx.shared import Emu
from docx.text.paragraph import Paragraph
from lxml import etree

from ..canonical import body_of, iter_blocks, local, meta_of, q
from ..errors import RenderError
from ..images import admit_picture, file_inside
from ..style import house_style
from . import docx_template as T
from . import ooxml as ox
from .docx_lines import write_runs
from .lines import (Laid, Style, attachment_indents, editions, first_indent_chars, heading_face,
                    lay_out, loose, pieces, signature_places)
from .titlebreak import break_title
from .wording import framed_placeholder

__all__ = ["render_docx", "docx_text"]

_ROLE_STYLE = {
    "addressee": T.ADDRESSEE, "doc-number": T.DOC_NUMBER, "attachment-note": T.ATTACHMENT_NOTE,
    "note": T.NOTE, "caption": T.CAPTION, "subtitle": T.SUBTITLE,
}
_JC = {"left": "left", "center": "center", "right": "right"}
#: Paragraph styles whose lines are chosen by render/lines.py (justified body text).
_LINE_SET = {T.NORMAL, T.ADDRESSEE, T.NOTE, T.ATTACHMENT, T.ATTACHMENT_NOTE, T.ATTACHMENT_NOTE_FIRST}
_INLINE_TAGS = {"strong", "em", "a", "br", "sup", "sub", "num"}


def _canonical_tag(el: etree._Element) -> str | None:
    tag = local(el)
    return tag if tag in _INLINE_TAGS else None
#: XML white space only: a full-width space (U+3000, "第一章　总　则") is text
_WS = re.compile(r"[ \t\r\n]+")
_STANDARD_DATE = re.compile(r"^\d{4}年[1-9]\d?月[1-9]\d?日$")
#: Room under an inline picture for the line's descent, in twips (a 16 pt font's ~0.3 em).
_PICTURE_SLACK = 120
#: Link targets worth a hyperlink; anything else (javascript:, data:) stays plain text.
_LINK = re.compile(r"^(?:(?:https?|ftp|mailto):|[^:]*$)", re.IGNORECASE)

#: Custom property names (what Word's "Properties > Custom" shows) per meta field.
_CUSTOM_LABELS = {
    "index-number": "索引号", "doc-number": "发文字号", "disclosure": "公开方式",
    "issuer": "发文机关", "publisher": "发布机构", "written-date": "成文日期",
    "published-date": "发布日期", "subject": "主题分类", "review": "审核程序",
    "validity": "有效性", "source": "信息来源", "doc-type": "文种", "summary": "摘要",
    "unified-number": "统一编号", "effective-date": "生效日期", "expiry-date": "失效日期",
    "generated-date": "生成日期", "site": "网站", "column": "栏目", "url": "网址",
}


def render_docx(doc: etree._Element, out: Path, *, resource_dir: Path | None = None) -> list[str]:
    """Write the Word edition of canonical document *doc* to *out*; return warnings.

    Raises RenderError when the file cannot be built or written.
    """
    try:
        return _Renderer(doc, resource_dir).write(Path(out))
    except RenderError:
        raise
    except Exception as exc:  # one line for the batch log, never a traceback
        raise RenderError(f"Word edition failed: {type(exc).__name__}: {exc}") from exc


def docx_text(path: Path) -> str:
    """All ``w:t`` text of the main document body, in order (for fidelity checks)."""
    with zipfile.ZipFile(path) as z:
        root = etree.fromstring(z.read("word/document.xml"),
                                etree.XMLParser(resolve_entities=False, no_network=True,
                                                huge_tree=True))
    body = root.find(qn("w:body"))
    return "".join(t.text or "" for t in body.iter(qn("w:t")))


def _clean(text: str | None) -> str:
    """XML white space (indentation, newlines) folded to single spaces."""
    return _WS.sub(" ", text or "")


def _parse_date(value: str) -> datetime | None:
    """An ISO date, year-month or year as a datetime (start of the period)."""
    for fmt in ("%Y-%m-%d", "%Y-%m", "%Y"):
        try:
            return datetime.strptime(value.strip(), fmt)
        except ValueError:
            continue
    return None


class _Renderer:
    """One document's render: state is the python-docx Document and the warnings."""

    def __init__(self, doc: etree._Element, resource_dir: Path | None) -> None:
        self.doc = doc
        self.meta = meta_of(doc)
        self.resources = Path(resource_dir).resolve() if resource_dir is not None else None
        self.warnings: list[str] = []
        self.hs = house_style()
        self.m = T.metrics(self.hs)
        self.document = T.new_document()
        self.body = self.document.element.body
        self._sectpr = self.body.find(qn("w:sectPr"))
        #: the last paragraph written from chosen lines: (w:p, its lines, its face)
        self._last_set: tuple[etree._Element, Laid, str] | None = None
        # a document that records page indentation at all set a paragraph without
        # @indent flush on the page (an unmarked 主送机关): flush here too, as in the PDF
        self.records_indent = any(p.get("indent") is not None for p in body_of(doc).iter(q("p"))
                                  if local(p.getparent()) != "cell")

    # ------------------------------------------------------------ top level
    def write(self, out: Path) -> list[str]:
        title = self._front_matter()
        self._blocks(body_of(self.doc), after_signature=False)
        self._subtitle(title)
        self._properties()
        ox.sort_children(self.body)
        self.document.save(str(out))
        return self.warnings

    def _front_matter(self) -> etree._Element | None:
        """Title and 发文字号; returns the title paragraph when nothing follows it."""
        title = self.meta.get("title")
        number = self.meta.get("doc-number")
        if body_of(self.doc).find(f".//{q('p')}[@role='doc-number']") is not None:
            number = None  # the body carries its own 发文字号 line
        if title:
            p = self._paragraph(T.TITLE)
            # Breaks at word units in a balanced shape (7.3.1), the same as the PDF's.
            size = self.hs.role("title")["size_pt"]
            lines = break_title(_clean(title).strip(), self.hs.block_width_mm * 72 / 25.4 / size)
            for i, line in enumerate(lines):
                if i:
                    p.append(ox.break_run())
                p.append(ox.text_run(line))
            if number:  # the 空一行 goes under the 发文字号 instead
                p[0].append(ox.el("spacing", after=0))
        if number:
            self._paragraph(T.DOC_NUMBER).append(ox.text_run(_clean(number).strip()))
            return None
        return p if title else None

    def _subtitle(self, title: etree._Element | None) -> None:
        """A subtitle the body opens with sits on the line under the title (centred);
        the 空一行 goes under the subtitle instead, as in the PDF edition."""
        if title is None:
            return
        subs = []
        nxt = title.getnext()
        while nxt is not None and nxt.tag == qn("w:p") and \
                nxt[0].find(qn("w:pStyle")) is not None and \
                nxt[0].find(qn("w:pStyle")).get(qn("w:val")) == T.SUBTITLE:
            subs.append(nxt)
            nxt = nxt.getnext()
        if subs:
            title[0].append(ox.el("spacing", after=0))
            subs[-1][0].append(ox.el("spacing", after=self.m.line))

    def _blocks(self, parent: etree._Element, *, after_signature: bool) -> None:
        for block in iter_blocks(parent):
            kind = local(block)
            if kind == "heading":
                continue  # written by _section
            if kind == "section":
                self._section(block)
            elif kind == "p" and self._structure_p(block):
                pass  # an article, a title note, a regulation's own title
            elif kind == "p":
                self._p(block, default=T.NOTE if after_signature else T.NORMAL)
            elif kind == "table":
                self._table(block)
            elif kind == "figure":
                self._figure(block)
            elif kind == "attachment":
                self._attachment(block)
            elif kind == "signature":
                self._signature(block)
                after_signature = True
            elif kind == "masthead":     # structures: docx methods at the end of the class
                self._masthead(block)
            elif kind == "annex":
                self._annex(block)

    def _section(self, section: etree._Element) -> None:
        level = int(section.get("level", "1"))
        heading = section.find(q("heading"))
        if heading is not None and section.get("kind"):
            self._kind_heading(heading, level)  # 第X编/章/节 of a regulation: centred, not justified
        elif heading is not None:
            p = self._paragraph(T.HEADINGS[min(level, 4) - 1])
            role = self.hs.role(f"heading{min(level, 4)}")
            # the level decides the face, whatever bold the source had
            if not self._set_lines(p, heading, heading_face(level),
                                   (role["first_indent_chars"], 0.0), (0.0, 0.0), keep_faces=False):
                self._inline(p, heading)
        self._blocks(section, after_signature=False)

    # ------------------------------------------------------------ paragraphs
    def _paragraph(self, style: str, container: etree._Element | None = None) -> etree._Element:
        """A new ``w:p`` of *style*, appended to the body (before sectPr) or *container*."""
        p = ox.el("p")
        ppr = ox.el("pPr")
        if style != T.NORMAL:
            ppr.append(ox.el("pStyle", val=style))
        p.append(ppr)
        if container is None:
            self._sectpr.addprevious(p)
        else:
            container.append(p)
        return p

    def _p(self, block: etree._Element, *, default: str,
           container: etree._Element | None = None) -> etree._Element:
        style = _ROLE_STYLE.get(block.get("role") or "", default)
        if style == T.ATTACHMENT_NOTE and "".join(block.itertext()).strip().startswith("附件"):
            style = T.ATTACHMENT_NOTE_FIRST  # "附件：1. …" opens the 附件说明
        p = self._paragraph(style, container)
        ppr = p[0]
        indent = block.get("indent")
        attachment_note = style in (T.ATTACHMENT_NOTE, T.ATTACHMENT_NOTE_FIRST)
        if indent is not None and not attachment_note:  # 附件说明 has its own places (7.3.4)
            n = first_indent_chars(indent) or 0
            ppr.append(ox.el("ind", firstLine=self.m.chars(n), firstLineChars=n * 100))
        elif indent is None and self._flush(block, style) and container is None:
            ppr.append(ox.el("ind", firstLine=0, firstLineChars=0))
        if block.get("align") in _JC:
            ppr.append(ox.el("jc", val=_JC[block.get("align")]))
            if block.get("align") != "left" and indent is None \
                    and ppr.find(qn("w:ind")) is None:  # centred lines: no indent
                ppr.append(ox.el("ind", firstLine=0, firstLineChars=0))
        if container is None and style in _LINE_SET and block.get("align") in (None, "left"):
            first, rest = self._indents(block, style, indent)
            if self._set_lines(p, block, self.hs.role("body")["font"], first, rest,
                               run_in=style == T.NORMAL):
                if attachment_note:
                    self._hanging(ppr, first, rest)
                return p
        self._inline(p, block)
        return p

    def _indents(self, block: etree._Element, style: str, indent: str | None
                 ) -> tuple[tuple[float, float], tuple[float, float]]:
        """(first line, other lines) indents of a line-set paragraph, as (cells, pt)."""
        if style in (T.ATTACHMENT_NOTE, T.ATTACHMENT_NOTE_FIRST):
            return attachment_indents(_clean("".join(block.itertext())).strip(),
                                      style == T.ATTACHMENT_NOTE_FIRST)
        if style == T.ADDRESSEE:  # flush (7.3.2), unless the record says the page indented it
            return (float(first_indent_chars(indent) or 0), 0.0), (0.0, 0.0)
        n = first_indent_chars(indent)
        if n is None:
            n = 0 if self._flush(block, style) else self.hs.role("body")["first_indent_chars"]
        return (float(n), 0.0), (0.0, 0.0)

    def _flush(self, block: etree._Element, style: str) -> bool:
        """A plain paragraph without @indent in a document that records indentation
        was flush on the page (as the PDF edition reads it: only role-less ones)."""
        return style == T.NORMAL and self.records_indent and not block.get("role")

    def _hanging(self, ppr: etree._Element, first: tuple[float, float],
                 rest: tuple[float, float]) -> None:
        """附件说明: the names' column as the left indent, the label hanging out of it."""
        cell = self.m.cell / 20
        left = round((rest[0] * cell + rest[1]) * 20)
        start = round((first[0] * cell + first[1]) * 20)
        for old in ppr.findall(qn("w:ind")):
            ppr.remove(old)
        if start <= left:
            ppr.append(ox.el("ind", left=left, hanging=left - start, hangingChars=0,
                             firstLineChars=0))
        else:
            ppr.append(ox.el("ind", left=left, firstLine=start - left, firstLineChars=0))

    def _set_lines(self, p: etree._Element, node: etree._Element, face: str,
                   first: tuple[float, float], rest: tuple[float, float], *,
                   run_in: bool = False, keep_faces: bool = True,
                   target: etree._Element | None = None) -> bool:
        """Write ``node``'s text as runs that end each line where the PDF edition
        does (render/lines.py); False (nothing written) when its inline content is
        not plain enough (links, superscripts), for the ordinary inline writer."""
        segs = pieces(node, _canonical_tag, face, keep_faces=keep_faces)
        if segs is None or not any(t.strip() for seg in segs for t, _ in seg):
            return False
        if any("a" in st.marks for seg in segs for _, st in seg):
            return False
        size = self.hs.role("body")["size_pt"]
        laid = lay_out(segs, size, first, rest, run_in=run_in)
        write_runs(p if target is None else target, laid, face, self.hs,
                   self.hs.grid["docx_char_spacing_pt"])
        self._last_set = (p, laid, face) if target is None else None
        return True

    def _inline(self, p: etree._Element, node: etree._Element, marks: frozenset[str] = frozenset(),
                target: etree._Element | None = None) -> None:
        """Runs for *node*'s mixed content; *marks* are the enclosing strong/em/sup/sub."""
        target = p if target is None else target
        first = target is p and len(p) == 1  # only pPr so far: trim leading space
        if node.text:
            text = _clean(node.text)
            target.append(ox.text_run(text.lstrip() if first else text, self._rpr(marks)))
        for child in node:
            kind = local(child)
            if kind == "br":
                target.append(ox.break_run())
            elif kind == "a" and _LINK.match(child.get("href", "").strip()):
                rid = self.document.part.relate_to(child.get("href", "").strip(), RT.HYPERLINK,
                                                   is_external=True)
                link = ox.hyperlink(rid)
                target.append(link)
                self._inline(p, child, marks | {"a"}, link)
            elif kind in ("strong", "em", "sup", "sub", "num"):
                self._inline(p, child, marks | {kind}, target)
            elif isinstance(child.tag, str):
                self._inline(p, child, marks, target)
            if child.tail:
                target.append(ox.text_run(_clean(child.tail), self._rpr(marks)))
        # drop trailing white space of the paragraph's last run
        if target is p:
            runs = p.findall(qn("w:r"))
            if runs:
                t = runs[-1].find(qn("w:t"))
                if t is not None and t.text:
                    t.text = t.text.rstrip()

    def _rpr(self, marks: frozenset[str]) -> etree._Element | None:
        """Run properties for nested inline marks.  One character style per run: the
        link's, else strong's (黑体), else em's (楷体); a second mark inside a link or
        inside strong adds its typeface directly, as the PDF edition does."""
        if not marks:
            return None
        rpr = ox.el("rPr")
        if "a" in marks:
            rpr.append(ox.el("rStyle", val=T.HYPERLINK))
        elif "strong" in marks:
            rpr.append(ox.el("rStyle", val=T.STRONG))
        elif "em" in marks:
            rpr.append(ox.el("rStyle", val=T.EMPHASIS))
        extra = ("strong" if "a" in marks and "strong" in marks
                 else "em" if "em" in marks and ("a" in marks or "strong" in marks) else None)
        if extra:
            face = self.hs.role_typeface("heading1" if extra == "strong" else "heading2")
            rpr.append(ox.rfonts(face.office_name, self.hs.typeface("latin").office_name))
        if "num" in marks and not extra:  # 第X条 in the article number's face
            face = self.hs.typeface(self.hs.raw["regulation"]["article_number_font"])
            rpr.append(ox.rfonts(face.office_name, self.hs.typeface("latin").office_name))
        if "sup" in marks or "sub" in marks:
            rpr.append(ox.el("vertAlign", val="superscript" if "sup" in marks else "subscript"))
        return rpr if len(rpr) else None

    # ------------------------------------------------------------ end matter
    def _signature(self, sig: etree._Element) -> None:
        """署名 and 成文日期 without a seal (GB/T 9704 7.3.5.2): the 署名 two 字 from the
        right edge, the date's first character two 字 right of the 署名's
        (``lines.signature_places``, as in the PDF edition)."""
        orgs = [_clean(o.text).strip() for o in sig.findall(q("org"))]
        date_el = sig.find(q("date"))
        date_text = _clean(date_el.text).strip() if date_el is not None else ""
        size = self.hs.role("signature")["size_pt"]
        org_right, date_right = signature_places(orgs, date_text or None, size,
                                                 loose(editions()[1]))
        # 7.3.5.5: the 署名 and date never stand alone on a page ("此页无正文"):
        # the body's last line goes along with them.
        last = self._sectpr.getprevious()
        if last is not None and last.tag == qn("w:p"):
            last = self._split_last_line(last)
            last[0].append(ox.el("keepNext"))
        for i, (org, right) in enumerate(zip(orgs, org_right)):
            p = self._paragraph(T.SIGNATURE)
            p[0].append(ox.el("ind", right=max(round(right * 20), 0), rightChars=0,
                              firstLine=0, firstLineChars=0))
            if i:
                p[0].append(ox.el("spacing", before=0))
            self._single_line(p, org)
        if date_text:
            p = self._paragraph(T.SIGNATURE_DATE)
            p[0].append(ox.el("ind", right=max(round(date_right * 20), 0), rightChars=0,
                              firstLine=0, firstLineChars=0))
            self._single_line(p, date_text)
            if not _STANDARD_DATE.match(date_text):
                self.warnings.append(f"signature date {date_text!r} is not in the GB/T 9704 "
                                     "form (Arabic numerals, no zero padding); kept as written")

    def _split_last_line(self, p: etree._Element) -> etree._Element:
        """The paragraph that keeps with the 署名: ``p``'s last line, on its own.

        Only the body's last line must go over with the 署名 (7.3.5.5), as in the PDF
        edition and in Word.  LibreOffice never splits a paragraph that keeps with the
        next (``w:keepNext`` is keep-together there too: sw/source/core/text/widorp.cxx),
        so it moved the whole last paragraph and left its page short by as many lines.
        The paragraph is therefore written as two: its lines but the last (still full
        to the edge), and its last line, which carries the keep.  A paragraph of one
        line, or one not written from chosen lines, is returned as it is."""
        if self._last_set is None or self._last_set[0] is not p:
            return p
        _, laid, face = self._last_set
        if len(laid.lines) < 2:
            return p
        head = Laid(laid.glyphs, laid.lines[:-1], laid.first_indent, laid.rest_indent, laid.size)
        tail = Laid(laid.glyphs, laid.lines[-1:], laid.first_indent, laid.rest_indent, laid.size)
        for child in list(p)[1:]:
            p.remove(child)
        spacing = self.hs.grid["docx_char_spacing_pt"]
        write_runs(p, head, face, self.hs, spacing)
        nxt = ox.el("p")
        nxt.append(copy.deepcopy(p[0]))
        for old in nxt[0].findall(qn("w:ind")):
            nxt[0].remove(old)
        left = round(laid.indent_pt(laid.lines[-1], editions()[1]) * 20)
        nxt[0].append(ox.el("ind", left=left, firstLine=0, firstLineChars=0))
        write_runs(nxt, tail, face, self.hs, spacing)
        p.addnext(nxt)
        return nxt

    def _single_line(self, p: etree._Element, text: str) -> None:
        """A one-line paragraph's runs, spaced as the line builder measures them."""
        face = self.hs.role("signature")["font"]
        laid = lay_out([[(text, Style(face))]], self.hs.role("signature")["size_pt"],
                       (0.0, 0.0), (0.0, 0.0))
        write_runs(p, laid, face, self.hs, self.hs.grid["docx_char_spacing_pt"],
                   loose(editions()[1]))

    def _attachment(self, att: etree._Element) -> None:
        p = self._paragraph(T.ATTACHMENT)
        href = att.get("href", "").strip()
        indent = (float(self.hs.role("body")["first_indent_chars"]), 0.0)
        link = None
        if _LINK.match(href):
            link = ox.hyperlink(self.document.part.relate_to(href, RT.HYPERLINK, is_external=True))
        if self._set_lines(p, att, self.hs.role("body")["font"], indent, (0.0, 0.0), target=link):
            if link is not None:
                for r in link.findall(qn("w:r")):  # the link's look on every run
                    rpr = r.find(qn("w:rPr"))
                    if rpr is None:
                        rpr = ox.el("rPr")
                        r.insert(0, rpr)
                    rpr.append(ox.el("rStyle", val=T.HYPERLINK))  # ordered when saved
                p.append(link)
            return
        run = ox.text_run(_clean(att.text).strip(), style=T.HYPERLINK if _LINK.match(href) else None)
        if _LINK.match(href):
            link = ox.hyperlink(self.document.part.relate_to(href, RT.HYPERLINK, is_external=True))
            link.append(run)
            p.append(link)
        else:
            p.append(run)

    # ------------------------------------------------------------ tables
    def _table(self, table: etree._Element) -> None:
        from .docx_table import build_table  # small module of its own: the grid algorithm
        caption = table.find(q("caption"))
        if caption is not None:
            self._inline(self._paragraph(T.TABLE_CAPTION), caption)
        tbl, warnings = build_table(table, self.m, self._cell_content)
        self.warnings.extend(warnings)
        self._sectpr.addprevious(tbl)

    def _cell_content(self, tc: etree._Element, cell: etree._Element, style: str) -> None:
        """A cell's paragraphs: its own <p> children, or one paragraph for inline content."""
        paras = cell.findall(q("p"))
        align = cell.get("align")
        if paras:
            for block in paras:
                p = self._p(block, default=style, container=tc)
                if block.get("role") is None:
                    p[0].find(qn("w:pStyle")).set(qn("w:val"), style)
                if align in _JC and block.get("align") is None:
                    p[0].append(ox.el("jc", val=_JC[align]))
        else:
            p = self._paragraph(style, tc)
            if align in _JC:
                p[0].append(ox.el("jc", val=_JC[align]))
            self._inline(p, cell)

    # ------------------------------------------------------------ figures
    def _figure(self, figure: etree._Element) -> None:
        image = figure.find(q("image"))
        caption = figure.find(q("caption"))
        alt = (image.get("alt") or "").strip() if image is not None else ""
        src = image.get("src", "") if image is not None else ""
        path, reason = self._local_image(image)
        placed = False
        if path is not None:
            p = self._paragraph(T.FIGURE)
            try:
                self._picture(Paragraph(p, self.document._body), path, alt)
                placed = True
            except Exception as exc:  # unreadable or unsupported format
                p.getparent().remove(p)
                reason = f"cannot embed {path.name}: {type(exc).__name__}"
        if not placed:
            p = self._paragraph(T.PLACEHOLDER)
            p.append(ox.text_run(framed_placeholder(alt, src)))
            self.warnings.append(f"image not embedded ({reason}): {src}")
        if caption is None:
            # the styles keep a picture with its caption; without one it keeps with
            # nothing (as div.figure in the PDF): a run of headings and captionless
            # pictures would otherwise be one chain LibreOffice moves whole (r09)
            p[0].append(ox.el("keepNext", val=False))
        if caption is not None:
            self._inline(self._paragraph(T.CAPTION), caption)

    def _local_image(self, image: etree._Element | None) -> tuple[Path | None, str]:
        """The image file, only if it lies inside resource_dir and ``images.admit_picture``
        admits it: the same admission as the PDF edition's (no link, no hard link,
        within the pixel bounds), so neither edition embeds what the other refuses."""
        if image is None:
            return None, "no image element"
        local_name = image.get("local")
        if not local_name:
            return None, "no local copy"
        if self.resources is None:
            return None, "no resource folder"
        path, why = file_inside(self.resources, local_name)
        if path is None and why != "outside":
            return None, "local file missing"
        verdict = admit_picture(self.resources / local_name, folder=self.resources)
        if not verdict.ok:
            if verdict.reason.startswith("outside"):
                return None, "local path outside the resource folder"
            return None, f"{local_name}: {verdict.reason}"
        return path, ""

    def _picture(self, paragraph: Paragraph, path: Path, alt: str) -> None:
        """The picture at its natural size, shrunk to fit the text block, in a line
        a whole number of body lines high so what follows stays on the grid."""
        run = paragraph.add_run()
        shape = run.add_picture(str(path))
        max_w = Emu(self.m.block_width * 635)   # 1 twip = 635 EMU
        max_h = Emu((self.hs.role("figure")["max_lines"] * self.m.line - _PICTURE_SLACK) * 635)
        scale = min(1.0, max_w / shape.width, max_h / shape.height)
        if scale < 1.0:
            shape.width, shape.height = Emu(int(shape.width * scale)), Emu(int(shape.height * scale))
        for side in ("distT", "distB", "distL", "distR"):  # else LibreOffice adds 3.2 mm
            shape._inline.set(side, "0")
        doc_pr = shape._inline.docPr
        if alt:
            doc_pr.set("descr", alt)
        # "At least" a whole number of body lines, taller than the picture plus the
        # line's descent: the line is then exactly that high (an exact line would clip
        # the picture's top in Word and LibreOffice, an automatic one leaves the grid).
        lines = -(-(shape.height // 635 + _PICTURE_SLACK) // self.m.line)
        paragraph._p.get_or_add_pPr().append(
            ox.el("spacing", before=0, after=0, line=lines * self.m.line, lineRule="atLeast"))

    # ------------------------------------------------------------ metadata
    def _properties(self) -> None:
        meta = self.meta
        cp = self.document.core_properties
        # the package's properties hold at most 255 characters each (python-docx refuses
        # more, which failed the whole Word edition of a 5 000-character title); the
        # document itself holds the whole text
        fit = lambda v: v if len(v) <= 255 else v[:254] + "…"  # noqa: E731
        cp.title = fit(meta.get("title", ""))
        cp.author = fit(meta.get("issuer") or meta.get("publisher") or "")
        cp.subject = fit(meta.get("subject", ""))
        cp.keywords = fit(meta.get("keywords", ""))
        cp.category = fit(meta.get("doc-type", ""))
        cp.comments = fit(meta.get("summary", ""))
        cp.identifier = fit(meta.get("index-number") or meta.get("doc-number") or "")
        cp.language = self.doc.get("{http://www.w3.org/XML/1998/namespace}lang") or "zh-CN"
        created = _parse_date(meta.get("written-date") or meta.get("published-date") or "")
        if created is not None:
            cp.created = created
        prov = self.doc.find(q("provenance"))
        gen = prov.find(q("generator")) if prov is not None else None
        converted = prov.find(q("converted")) if prov is not None else None
        generator = f"{gen.get('name')} {gen.get('version')}" if gen is not None else "govdoc"
        cp.last_modified_by = generator
        cp.revision = 1
        if converted is not None and converted.text:
            try:
                cp.modified = datetime.fromisoformat(converted.text.strip()).replace(tzinfo=None)
            except ValueError:
                pass
        self._custom_properties(prov, generator, converted)

    def _custom_properties(self, prov: etree._Element | None, generator: str,
                           converted: etree._Element | None) -> None:
        props: dict[str, str] = {}
        for name, label in _CUSTOM_LABELS.items():
            if self.meta.get(name):
                props[label] = self.meta[name]
        m = self.doc.find(q("meta"))
        for field in (m.findall(q("field")) if m is not None else ()):
            label = (field.get("label") or "").strip()
            if label and label not in props and (field.text or "").strip():
                props[label] = field.text.strip()
        inp = prov.find(q("input")) if prov is not None else None
        if inp is not None:
            props["源文件"] = inp.get("name", "")
            props["源文件SHA256"] = inp.get("sha256", "")
        props["生成程序"] = generator
        if converted is not None and converted.text:
            props["转换时间"] = converted.text.strip()
        package = self.document.part.package
        part = Part(PackURI("/docProps/custom.xml"), ox.CUSTOM_PROPS_CT,
                    ox.custom_properties_xml(props), package)
        package.relate_to(part, ox.CUSTOM_PROPS_RT)

    # ------------------------------------------------------------ structures
    # Regulations, their promulgation and annexes, set as the PDF edition sets them
    # (stylesheets/structures.css); values from layout.toml [annex] and [regulation].
    def _face(self, p: etree._Element, font: str, *, digits_too: bool = False) -> None:
        """Every run of *p* in typeface role *font*; digits and Latin in the Latin face,
        or with *digits_too* in the same face ("附件1" all in 黑体, as the PDF sets it)."""
        face = self.hs.typeface(font).office_name
        fonts = ox.rfonts(face, face if digits_too else self.hs.typeface("latin").office_name)
        for run in p.iter(qn("w:r")):
            rpr = run.find(qn("w:rPr"))
            if rpr is None:
                rpr = ox.el("rPr")
                run.insert(0, rpr)
            ox.put(rpr, copy.deepcopy(fonts))

    def _spacing(self, p: etree._Element, before_lines: float = 0, after_lines: float = 0) -> None:
        """Blank lines above and below *p*, collapsing with the space below the paragraph
        before it (as CSS margins do in the PDF edition: one blank line between two
        headings that each want one)."""
        before = round(before_lines * self.m.line)
        prev = p.getprevious()
        if prev is not None and prev.tag == qn("w:p"):
            sp = prev.find(f"{qn('w:pPr')}/{qn('w:spacing')}")
            after_prev = int(sp.get(qn("w:after"), "0")) if sp is not None else 0
            before = max(0, before - after_prev)
        ox.put(p[0], ox.el("spacing", before=before, after=round(after_lines * self.m.line)))

    def _centred(self, p: etree._Element) -> None:
        ox.put(p[0], ox.el("jc", val="center"))
        ox.put(p[0], ox.el("ind", firstLine=0, firstLineChars=0))

    def _title_lines(self, p: etree._Element, text: str, size: float) -> None:
        """A title's text broken at word units in a balanced shape, as the PDF's."""
        for i, line in enumerate(break_title(_clean(text).strip(), self.hs.block_width_mm * 72 / 25.4 / size)):
            if i:
                p.append(ox.break_run())
            p.append(ox.text_run(line))

    def _masthead(self, mh: etree._Element) -> None:
        """The promulgation (国务院令) above the regulation's text: the organ centred and
        large, the number, the promulgating text, the signer and the date right-indented
        four 字 (7.3.5.3), a blank line between them."""
        r = self.hs.raw["regulation"]
        space = r["masthead_space_lines"]
        org = self._paragraph(T.TITLE)
        org.append(ox.text_run(_clean(mh.findtext(q("org"))).strip(),
                               ox.run_props(size_half_pt=round(r["masthead_size_pt"] * 2))))
        self._face(org, r["masthead_font"])
        self._spacing(org)
        number = mh.find(q("number"))
        if number is not None:
            p = self._paragraph(T.DOC_NUMBER)
            p.append(ox.text_run(_clean(number.text).strip()))
            self._spacing(p, before_lines=space)
        for i, block in enumerate(mh.findall(q("p"))):
            p = self._p(block, default=T.NORMAL)
            if i == 0:
                self._spacing(p, before_lines=space)
        right = r["signer_right_indent_chars"]
        lines = []
        for signer in mh.findall(q("signer")):
            office = _clean(signer.get("office")).strip()
            lines.append((f"{office}\u3000" if office else "") + _clean(signer.text).strip())
        date = mh.find(q("date"))
        for i, text in enumerate(lines + ([_clean(date.text).strip()] if date is not None else [])):
            p = self._paragraph(T.NORMAL)
            p.append(ox.text_run(text))
            ox.put(p[0], ox.el("jc", val="right"))
            ox.put(p[0], ox.el("ind", right=self.m.chars(right), rightChars=right * 100,
                                firstLine=0, firstLineChars=0))
            if i == 0:
                self._spacing(p, before_lines=space)
        last = self._sectpr.getprevious()
        self._spacing(last, before_lines=space if len(lines) + (date is not None) == 1 else 0,
                      after_lines=space)
        # The regulation's own title right under it, when it is the document's title:
        # the masthead opens the page and the title follows it (not printed twice).
        nxt = mh.getnext()
        if nxt is not None and nxt.tag == q("p") and nxt.get("role") == "subtitle" \
                and _clean("".join(nxt.itertext())).strip() == _clean(self.meta.get("title")).strip():
            for p in self.body.iterchildren(qn("w:p")):
                style = p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
                if style is not None and style.get(qn("w:val")) == T.TITLE and p is not org:
                    self.body.remove(p)
                    break

    def _structure_p(self, block: etree._Element) -> bool:
        """Write *block* if it is a regulation's paragraph; False for any other."""
        role = block.get("role")
        r = self.hs.raw["regulation"]
        prev = block.getprevious()
        if role == "subtitle" and prev is not None and prev.tag == q("masthead"):
            p = self._paragraph(T.TITLE)  # the regulation's own title, as a title
            self._title_lines(p, "".join(block.itertext()), r["title_size_pt"])
            self._face(p, r["title_font"])
            nxt = block.getnext()
            note = nxt is not None and nxt.get("role") == "title-note"
            self._spacing(p, after_lines=0 if note else 1)
            return True
        if role == "title-note":  # （…公布　自…施行） centred in 楷体 under the title
            p = self._p(block, default=T.NORMAL)
            self._centred(p)
            self._face(p, r["title_note_font"])
            self._spacing(p, after_lines=1)
            return True
        if role == "article" and len(block) and block[0].tag == q("num"):
            return self._article(block)
        return False

    def _article(self, block: etree._Element) -> bool:
        """第X条: the number in its face, a full-width space, then the article's text,
        justified like any paragraph (the number is one more face to the line builder)."""
        shown = copy.deepcopy(block)
        num = shown[0]
        num.text = _clean(num.text).strip()
        num.tail = "\u3000" + (num.tail or "").lstrip(" \u3000\t\r\n\xa0")
        self._p(shown, default=T.NORMAL)
        return True

    def _kind_heading(self, heading: etree._Element, level: int) -> None:
        """第X编 / 第X章 / 第X节: centred, 黑体, a blank line above and below; still an
        outline level, so Word's navigation pane lists the chapters."""
        r = self.hs.raw["regulation"]
        p = self._paragraph(T.HEADINGS[min(level, 4) - 1])
        self._inline(p, heading)
        self._centred(p)
        self._face(p, r["heading_font"])
        self._spacing(p, before_lines=r["heading_space_lines"], after_lines=r["heading_space_lines"])

    def _annex(self, annex: etree._Element) -> None:
        """附件 (GB/T 9704 7.3.7): on a new page, "附件N" flush left in 黑体 on the block's
        first line, the annex title centred on its third, then the annex's blocks."""
        a = self.hs.raw["annex"]
        label = self._paragraph(T.NORMAL)
        label.append(ox.text_run(_clean(annex.findtext(q("label"))).strip(),
                                 ox.run_props(size_half_pt=round(a["label_size_pt"] * 2))))
        ox.put(label[0], ox.el("pageBreakBefore"))
        ox.put(label[0], ox.el("keepNext"))
        ox.put(label[0], ox.el("jc", val="left"))
        ox.put(label[0], ox.el("ind", firstLine=0, firstLineChars=0))
        self._face(label, a["label_font"], digits_too=True)
        title = annex.find(q("title"))
        if title is not None:
            p = self._paragraph(T.TITLE)
            self._title_lines(p, "".join(title.itertext()), a["title_size_pt"])
            self._face(p, a["title_font"])
            ox.put(p[0], ox.el("spacing", before=round(a["title_space_before_lines"] * self.m.line),
                               after=round(a["title_space_after_lines"] * self.m.line)))
        self._blocks(annex, after_signature=False)
