"""The body container -> a flat list of blocks (lines, tables, figures, attachments).

One iterative walk over the container (lxml ``iterwalk``; no recursion on the page's
depth) turns HTML into canonical inline markup: block elements and ``<br>`` end a
line, ``b/strong``, ``i/em``, ``sup``, ``sub`` and links are kept inline, everything
else (Word's ``span``/``font``/``o:p`` soup) is flattened to its text.  Leading
``\u3000`` / ``&nbsp;`` / ``text-indent`` become the ``indent`` attribute, never text.
Data tables keep their spans; layout tables (one column, or holding another table)
are unwrapped.  Headings, signature and trimming are decided later
(``structure.py``), on the whole list, because they depend on neighbours.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

from lxml import etree

from ..canonical import E, q
from .html import ElementSet, data_uri_facts
from .lexicon import lexicon, norm_label, squash

_BLOCK = frozenset({"p", "div", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6",
                    "blockquote", "section", "article", "center", "address", "pre", "header", "footer",
                    "main", "aside", "nav", "figure", "figcaption", "hr", "form", "fieldset", "tr",
                    "tbody", "thead", "tfoot", "caption", "td", "th", "ucapcontent", "details", "summary",
                    "table", "body", "html"})
_INLINE_MAP = {"b": "strong", "strong": "strong", "em": "em", "i": "em", "sup": "sup", "sub": "sub"}
_WS = re.compile(r"[ \t\r\n\f\v]+")
_LEAD = re.compile(r"^[\s\u3000\xa0\u200b\ufeff]+")
_TRAIL = re.compile(r"[\s\u3000\xa0\u200b\ufeff]+$")
_INDENT_CSS = re.compile(r"text-indent\s*:\s*(-?[\d.]+)\s*(em|pt|px|rem|cm)?", re.I)
_MSO_INDENT = re.compile(r"mso-char-indent-count\s*:\s*([\d.]+)", re.I)
_ALIGN_CSS = re.compile(r"text-align\s*:\s*(left|center|right|justify)", re.I)
_BOLD_CSS = re.compile(r"font-weight\s*:\s*(bold|bolder|[6-9]00)", re.I)
_FONT_CSS = re.compile(r"font-family\s*:\s*([^;]+)", re.I)
_HEAD_FONTS = ("黑体", "楷体", "小标宋", "SimHei", "KaiTi", "方正小标宋", "仿宋_GB2312;font-weight")
_ICON = re.compile(r"(^|[/_.-])(ico|icon|icons|file_?type|fj|attach)[^/]*\.(gif|png|jpg|svg)$|\bicon?_|/images?/(ico|icon)", re.I)
_DOWNLOAD = re.compile(r"downfile\.jsp|download\.jsp|/download\?|filename=", re.I)
_BULLET = re.compile(r"^[\s\u3000\xa0·•●○◆■□▪►>»\-—–*]*$")


@dataclass
class Block:
    kind: str                       # p | table | figure | attachment
    el: etree._Element              # canonical element (p, table, figure, attachment)
    text: str = ""
    align: str | None = None
    indent: int = 0
    bold: float = 0.0               # share of the text set bold
    hfont: float = 0.0              # share of the text set in a heading face (黑体, 楷体 ...)
    source: etree._Element | None = None
    links: list[str] = field(default_factory=list)


@dataclass
class _Ctx:
    tag: str
    align: str | None
    indent: float | None
    bold: bool
    hfont: bool


_PLAIN_BOLD = frozenset({"b", "strong", "h1", "h2", "h3", "h4", "h5", "h6", "center"})


def _style_props(el: etree._Element, parent: _Ctx | None) -> _Ctx:
    style = el.get("style") or ""
    if not style and parent is not None and el.tag not in _PLAIN_BOLD and el.get("align") is None \
            and el.get("face") is None:
        # the common case: nothing of its own, everything inherited
        return _Ctx(el.tag, parent.align, None, parent.bold, parent.hfont)
    align = None
    a = (el.get("align") or "").lower()
    if a in ("left", "center", "right", "middle"):
        align = "center" if a == "middle" else a
    low = style.lower()
    m = _ALIGN_CSS.search(style) if "text-align" in low else None
    if m:
        align = m.group(1).lower()
    if el.tag == "center":
        align = "center"
    if align == "justify":
        align = "left"
    indent = None
    if "indent" in low:
        m = _MSO_INDENT.search(style)
        if m:
            indent = float(m.group(1))
        else:
            m = _INDENT_CSS.search(style)
            if m:
                v, unit = float(m.group(1)), (m.group(2) or "px").lower()
                indent = v if unit in ("em", "rem") else v / 16 if unit in ("pt", "px") else v / 0.56
    bold = ("font-weight" in low and bool(_BOLD_CSS.search(style))) or \
        el.tag in ("b", "strong", "h1", "h2", "h3", "h4", "h5", "h6")
    fm = _FONT_CSS.search(style) if "font-family" in low else None
    face = (fm.group(1) if fm else "") + (el.get("face") or "")
    hfont = any(f in face for f in _HEAD_FONTS) if face else None
    if parent is not None:
        is_block = el.tag in _BLOCK
        if align is None and is_block:
            align = parent.align
        if not is_block:
            align = parent.align
        bold = bold or parent.bold
        if hfont is None:
            hfont = parent.hfont
    return _Ctx(el.tag, align, indent, bold, bool(hfont))


def is_attachment_link(href: str, text: str) -> bool:
    lex = lexicon()
    if not href or href.startswith(("javascript:", "mailto:", "#")):
        return False
    return bool(lex.attach_ext_re.search(href) or _DOWNLOAD.search(href) and lex.attach_ext_re.search(text)
                or lex.attach_ext_re.search(text.strip()))


class _Line:
    """A line being built: a canonical <p> and the inline elements open in it."""

    def __init__(self, ctx: _Ctx, open_inline: list[tuple[str, dict]]):
        self.p = E("p")
        self.stack: list[etree._Element] = [self.p]
        self.align = ctx.align
        self.indent = ctx.indent
        self.chars = 0
        self.bold_chars = 0
        self.hfont_chars = 0
        self.links: list[tuple[etree._Element, bool]] = []
        for tag, attrs in open_inline:
            self.open(tag, attrs)

    def open(self, tag: str, attrs: dict) -> None:
        el = etree.SubElement(self.stack[-1], q(tag), **attrs)
        self.stack.append(el)

    def close(self) -> None:
        if len(self.stack) > 1:
            self.stack.pop()

    def add_text(self, text: str, ctx: _Ctx) -> None:
        cur = self.stack[-1]
        if len(cur):
            last = cur[-1]
            last.tail = (last.tail or "") + text
        else:
            cur.text = (cur.text or "") + text
        n = len(text) - text.count(" ")  # close enough for the bold / face shares
        self.chars += n
        if ctx.bold:
            self.bold_chars += n
        if ctx.hfont:
            self.hfont_chars += n

    def add_br(self) -> None:
        etree.SubElement(self.stack[-1], q("br"))


def _strip_ends(p: etree._Element) -> str:
    """Strip leading and trailing white space across a canonical inline tree; return the
    leading white space removed (it becomes the indent)."""
    lead = ""
    # document order of text slots: el.text, then children..., then el.tail
    order: list[tuple[etree._Element, str]] = []
    stack: list[tuple[etree._Element, bool]] = [(p, False)]
    while stack:
        el, done = stack.pop()
        if done:
            if el is not p:
                order.append((el, "tail"))
            continue
        order.append((el, "text"))
        stack.append((el, True))
        for child in reversed(list(el)):
            stack.append((child, False))
    for el, slot in order:
        if el.tag == q("br") and slot == "text":
            continue
        val = getattr(el, slot) or ""
        m = _LEAD.match(val)
        if m:
            lead += m.group(0)
            setattr(el, slot, val[m.end():] or None)
            if val[m.end():]:
                break
        elif val:
            break
    for el, slot in reversed(order):
        val = getattr(el, slot) or ""
        m = _TRAIL.search(val)
        if m:
            setattr(el, slot, val[:m.start()] or None)
            if val[:m.start()]:
                break
        elif val:
            break
    # drop trailing <br/>s
    while len(p) and p[-1].tag == q("br") and not (p[-1].tail or "").strip():
        p.remove(p[-1])
    return lead


def _drop_empty_inline(p: etree._Element) -> None:
    """Remove inline elements left empty (a <b> that held only spaces), keeping tails."""
    br = q("br")
    for el in reversed(list(p.iter())):
        if el is p or el.tag == br or len(el) or (el.text or ""):
            continue
        parent = el.getparent()
        if el.tail:
            prev = el.getprevious()
            if prev is not None:
                prev.tail = (prev.tail or "") + el.tail
            else:
                parent.text = (parent.text or "") + el.tail
        parent.remove(el)


def _indent_chars(lead: str) -> int:
    n = 0.0
    for c in lead:
        n += 1.0 if c == "\u3000" else 0.5 if c in " \xa0\t" else 0
    return int(round(n))


class Walker:
    """Walks one container (or one table cell) and collects blocks."""

    def __init__(self, *, base_url: str | None, skip: ElementSet, ranges: tuple[tuple[str, str], ...] = (),
                 in_cell: bool = False):
        self.base_url = base_url
        self.skip = skip
        self.ranges = ranges
        self.in_cell = in_cell
        self.blocks: list[Block] = []
        self.line: _Line | None = None
        self.ctx: list[_Ctx] = []
        self.inline: list[tuple[str, dict] | None] = []   # parallel to ctx: inline element opened
        self.active = not ranges
        self.before_range = bool(ranges)   # Hanweb puts a lead image above ContentStart
        self.warnings: list[str] = []

    # ----------------------------------------------------------- lines
    def _cur_ctx(self) -> _Ctx:
        return self.ctx[-1] if self.ctx else _Ctx("div", None, None, False, False)

    def text(self, s: str | None) -> None:
        if not s or not self.active:
            return
        s = _WS.sub(" ", s)
        if self.line is None:
            if not s.strip(" "):
                return
            self.line = _Line(self._block_ctx(), [x for x in self.inline if x is not None])
        self.line.add_text(s, self._cur_ctx())

    def _block_ctx(self) -> _Ctx:
        """Alignment / indent of the nearest block ancestor."""
        align, indent = None, None
        for c in reversed(self.ctx):
            if c.tag in _BLOCK:
                align = c.align if align is None else align
                if indent is None and c.indent is not None:
                    indent = c.indent
                if c.tag in ("p", "div", "li", "td", "th", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "center"):
                    break
        cur = self._cur_ctx()
        return _Ctx(cur.tag, align, indent, cur.bold, cur.hfont)

    def flush(self) -> None:
        line, self.line = self.line, None
        if line is None:
            return
        p = line.p
        lead = _strip_ends(p)
        _drop_empty_inline(p)
        text = "".join(p.itertext())
        if not squash(text):
            return
        indent = _indent_chars(lead)
        if not indent and line.indent:
            indent = max(0, int(round(line.indent)))
        chars = max(1, line.chars)
        links = [(a, is_att) for a, is_att in line.links]
        blk = Block("p", p, text=text, align=line.align if line.align in ("center", "right") else None,
                    indent=indent, bold=line.bold_chars / chars, hfont=line.hfont_chars / chars,
                    links=[a.get("href") for a, _ in links])
        if any(is_att for _, is_att in links) and not self.in_cell:
            if self._split_attachments(blk, links):
                return
        self.blocks.append(blk)

    def _split_attachments(self, blk: Block, links: list[tuple[etree._Element, bool]]) -> bool:
        """A line made only of attachment links (and maybe a 附件： label) -> attachment blocks."""
        rest = blk.text
        for a, _ in links:
            rest = rest.replace("".join(a.itertext()), "", 1)
        prefix = rest.strip(" \u3000\xa0")
        label = norm_label(prefix)
        label_only = bool(label) and (label in lexicon().attach_labels or re.fullmatch(r"附件\d*", label))
        if not (_BULLET.match(rest) or label_only or re.fullmatch(r"[\d\s.．、,，;；:：]*", rest)):
            return False
        if not all(is_att for _, is_att in links):
            return False
        # the document's own label (附件：, 附件1：) is its text; a portal's download label
        # (文件下载：, 附件下载：) over the links is the portal's chrome
        if label_only and re.fullmatch(r"附件\d*", label):
            lab = E("p", prefix)
            self.blocks.append(Block("p", lab, text=prefix, indent=blk.indent))
        for a, _ in links:
            t = " ".join("".join(a.itertext()).split())
            if not t:
                continue
            att = E("attachment", t, href=a.get("href"))
            self.blocks.append(Block("attachment", att, text=t, links=[a.get("href")]))
        return True

    # ----------------------------------------------------------- walk
    def walk(self, root: etree._Element, include_root: bool = True) -> list[Block]:
        it = etree.iterwalk(root, events=("start", "end", "comment"))
        for ev, el in it:
            if ev == "comment":
                self._comment(el)
                continue
            if ev == "start":
                if el is not root or include_root:
                    if self._start(el):
                        it.skip_subtree()
                        self._push_skipped(el)
                        continue
                else:
                    self.ctx.append(_style_props(el, None))
                    self.inline.append(None)
                    self.text(el.text)
            else:
                self._end(el, is_root=el is root)
        self.flush()
        return self.blocks

    def _push_skipped(self, el: etree._Element) -> None:
        """A skipped subtree still gets its end event (for its tail text)."""
        self.ctx.append(_Ctx(el.tag, None, None, False, False))
        self.inline.append(None)

    def _comment(self, c) -> None:
        body = c.text or ""
        for begin, end in self.ranges:
            if begin in body:
                self.flush()
                self.active = True
                self.before_range = False
            elif end in body:
                self.flush()
                self.active = False
        self.text(c.tail)

    def _start(self, el: etree._Element) -> bool:
        """Handle an element's start; True to skip its subtree."""
        tag = el.tag if isinstance(el.tag, str) else ""
        if el in self.skip:
            self.flush()
            return True
        ctx = _style_props(el, self.ctx[-1] if self.ctx else None)
        if tag in _BLOCK:
            self.flush()
        if tag == "table" and self.active:
            if self._table(el):
                return True
        if tag == "br":
            if self.in_cell and self.line is not None:
                self.line.add_br()
            else:
                self.flush()
            self.ctx.append(ctx)
            self.inline.append(None)
            return False
        if tag == "img" and (self.active or self.before_range):
            self._image(el)
        if tag == "hr":
            self.flush()
        inline = None
        itag = _INLINE_MAP.get(tag)
        if tag == "a":
            href = (el.get("href") or "").strip()
            if href and not href.lower().startswith(("javascript:", "#", "mailto:")) and self.active:
                href = urljoin(self.base_url, href) if self.base_url else href
                inline = ("a", {"href": href})
                if self.line is None:
                    self.line = _Line(self._block_ctx_with(ctx), [x for x in self.inline if x is not None])
                self.line.open("a", {"href": href})
                text = "".join(el.itertext())
                self.line.links.append((self.line.stack[-1], is_attachment_link(href, text)))
        elif itag and self.active:
            inline = (itag, {})
            if self.line is not None:
                self.line.open(itag, {})
        self.ctx.append(ctx)
        self.inline.append(inline)
        self.text(el.text)
        return False

    def _block_ctx_with(self, ctx: _Ctx) -> _Ctx:
        self.ctx.append(ctx)
        try:
            return self._block_ctx()
        finally:
            self.ctx.pop()

    def _end(self, el: etree._Element, is_root: bool) -> None:
        ctx = self.ctx.pop() if self.ctx else None
        inline = self.inline.pop() if self.inline else None
        if inline is not None and self.line is not None:
            # close the inline element if it is the innermost open one
            top = self.line.stack[-1]
            if len(self.line.stack) > 1 and top.tag == q(inline[0]):
                self.line.close()
        if ctx is not None and ctx.tag in _BLOCK:
            self.flush()
        if not is_root:
            self.text(el.tail)

    # ----------------------------------------------------------- images
    def _image(self, el: etree._Element) -> None:
        src = (el.get("src") or el.get("data-src") or el.get("oldsrc") or "").strip()
        if not src or _ICON.search(src):
            return
        for dim in ("width", "height"):
            v = el.get(dim) or ""
            if v.isdigit() and int(v) <= 24:
                return
        embedded = data_uri_facts(src)  # a data: picture, its payload taken out before parsing
        if embedded is not None:
            mime, size = embedded
            if size < 256:   # a spacer or an icon, like the small pictures above
                return
            src = f"data:{mime};base64,"
        elif src.startswith("data:"):
            return
        if self.in_cell:  # a cell holds text only in the canonical model
            self.warnings.append(f"an image inside a table cell was not kept: {src}")
            return
        if embedded is not None:
            self.warnings.append(f"a picture embedded in the page as a data: URL ({embedded[0]}, "
                                 f"{_bytes(embedded[1])}) is not kept as a file: a placeholder "
                                 "stands in its place (source.html holds it)")
        self.flush()
        if self.base_url:
            src = urljoin(self.base_url, src)
        fig = E("figure")
        alt = el.get("alt")
        fig.append(E("image", src=src, alt=alt if alt is not None else None))
        self.blocks.append(Block("figure", fig, text="", source=el))

    # ----------------------------------------------------------- tables
    def _table(self, table: etree._Element) -> bool:
        """Build a data table; False when it is a layout table to unwrap."""
        rows = _rows(table)
        if not rows:
            return False
        width = max(len(cells) for _, cells in rows)
        nested = any(t is not table for t in table.iter("table"))
        # a row or two whose cells hold running text is page layout (a two-column page)
        prose = len(rows) <= 2 and any(short_text_len(c, 300) > 300 for _, cells in rows for c in cells)
        if self.in_cell or width <= 1 or nested or prose:
            return False
        self.flush()
        t = E("table")
        cap = table.find("caption")
        if cap is not None and "".join(cap.itertext()).strip():
            t.append(E("caption", " ".join("".join(cap.itertext()).split())))
        for in_head, cells in rows:
            if not cells:
                continue
            r = E("row")
            if in_head or all(c.tag == "th" for c in cells):
                r.set("header", "true")
            for c in cells:
                cell = E("cell", rowspan=_span(c.get("rowspan")), colspan=_span(c.get("colspan")))
                sub = Walker(base_url=self.base_url, skip=self.skip, in_cell=True)
                blocks = [b for b in sub.walk(c, include_root=False) if b.kind == "p"]
                self.warnings += sub.warnings
                if len(blocks) == 1:
                    p = blocks[0].el
                    cell.text = p.text
                    for child in list(p):
                        cell.append(child)
                    if blocks[0].align:
                        cell.set("align", blocks[0].align)
                elif blocks:
                    for b in blocks:
                        b.el.attrib.pop("indent", None)
                        cell.append(b.el)
                align = _style_props(c, None).align
                if align in ("left", "center", "right") and cell.get("align") is None:
                    cell.set("align", align)
                r.append(cell)
            t.append(r)
        if len(t):
            text = "".join(t.itertext())
            self.blocks.append(Block("table", t, text=text, source=table))
        return True


def _bytes(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{max(1, round(n / 1024))} KB"


def _span(v: str | None) -> int | None:
    if not v:
        return None
    m = re.match(r"\s*(\d+)", v)
    if not m:
        return None
    n = min(int(m.group(1)), 1000)
    return n if n > 1 else None


def _rows(table: etree._Element) -> list[tuple[bool, list[etree._Element]]]:
    """Rows of a table (its own, not nested tables'): (in <thead>, its td/th cells)."""
    rows = []
    for child in table:
        if not isinstance(child.tag, str):
            continue
        if child.tag in ("thead", "tbody", "tfoot"):
            trs = [tr for tr in child if isinstance(tr.tag, str) and tr.tag == "tr"]
        elif child.tag == "tr":
            trs = [child]
        else:
            continue
        for tr in trs:
            rows.append((child.tag == "thead", [c for c in tr if isinstance(c.tag, str) and c.tag in ("td", "th")]))
    return rows


def short_text_len(el: etree._Element, limit: int) -> int:
    """Length of an element's text, counted only up to just past ``limit``."""
    n = 0
    for t in el.itertext():
        n += len(t.strip())
        if n > limit:
            break
    return n


def walk_container(container: etree._Element, *, base_url: str | None, skip: ElementSet,
                   ranges: tuple[tuple[str, str], ...] = ()) -> tuple[list[Block], list[str]]:
    """Blocks of a body container, in document order, and what could not be kept."""
    active_ranges = tuple(r for r in ranges if any(
        isinstance(c.tag, str) is False and r[0] in (c.text or "") for c in container.iter(etree.Comment)))
    w = Walker(base_url=base_url, skip=skip, ranges=active_ranges)
    blocks = w.walk(container, include_root=False)
    return blocks, w.warnings


def attachment_blocks(links: list[etree._Element], base_url: str | None,
                      seen: set[str]) -> list[Block]:
    """Attachment blocks for the file links among ``links`` (outside the container),
    each href once."""
    out = []
    for a in links:
        href = (a.get("href") or "").strip()
        text = " ".join("".join(a.itertext()).split()) or (a.get("title") or "").strip()
        if not text or not is_attachment_link(href, text):
            continue
        full = urljoin(base_url, href) if base_url else href
        if full in seen:
            continue
        seen.add(full)
        out.append(Block("attachment", E("attachment", text, href=full), text=text, source=a))
    return out
