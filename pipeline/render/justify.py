"""Full justification of Chinese lines, which WeasyPrint does not do.

WeasyPrint's ``text-align: justify`` only widens spaces, and Chinese has none, so
a line that ends early stays ragged: when a closing mark may not start the next
line the last character moves down with it (a 字 short), and a run such as
"“6·23”" or a number moves down whole (up to several 字 short).  A 公文 is set
flush on both sides, like Word's 两端对齐.

The fix takes the lines WeasyPrint actually chose (from a first layout), and
gives each short line that is not the last of its paragraph just enough extra
letter-spacing to reach the right edge.  Widths only grow up to the edge, so
the second layout breaks at the same places; it spreads the slack evenly
between the characters as a typesetter would.
"""
from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from ..style import house_style
from .css import grid, pt

XHTML = "http://www.w3.org/1999/xhtml"
H = f"{{{XHTML}}}"
ATTR = "data-j"
#: Blocks set justified in gbt9704.css whose text is plain (no inline markup).
_CANDIDATES = ("p", "h2", "h3", "h4", "h5")
_JUSTIFIED = {"body", "addressee", "note", "attachment-file", "attachment-note", "h"}
PX_PER_PT = 4 / 3


@dataclass(frozen=True)
class Line:
    text: str
    gap_px: float  # room left before the right edge of the block


def enabled() -> bool:
    """Whether the house style asks for it (``[pdf] justify`` in layout.toml)."""
    return bool(house_style().raw["pdf"].get("justify", False))


def mark(root: etree._Element) -> int:
    """Number the paragraphs that may be justified; return how many."""
    n = 0
    for el in root.iter(*(f"{H}{t}" for t in _CANDIDATES)):
        classes = set((el.get("class") or "").split())
        if not classes & _JUSTIFIED:
            continue
        if el.get("style") and "text-align" in el.get("style"):
            continue
        span = el.find(f"{H}span")
        if span is None or len(el) != 1 or (el.text or "").strip() or _runs(span) is None:
            continue
        n += 1
        el.set(ATTR, str(n))
    return n


def measure(document) -> dict[str, list[Line]]:
    """The lines of every numbered paragraph in a laid-out WeasyPrint document."""
    from weasyprint.formatting_structure import boxes

    found: dict[str, list[Line]] = {}

    def walk(box) -> None:
        element = getattr(box, "element", None)
        key = element.get(ATTR) if element is not None and isinstance(box, boxes.BlockBox) else None
        if key is not None:
            right_edge = box.content_box_x() + box.width
            for line in box.children:
                if not isinstance(line, boxes.LineBox):
                    continue
                texts, right = [], None
                for leaf in line.descendants():
                    if isinstance(leaf, boxes.TextBox):
                        texts.append(leaf.text)
                        end = leaf.position_x + leaf.margin_width()
                        right = end if right is None else max(right, end)
                if texts and right is not None:
                    found.setdefault(key, []).append(Line("".join(texts), right_edge - right))
            return
        for child in getattr(box, "children", ()):
            walk(child)

    for page in document.pages:
        walk(page._page_box)
    return found


def apply(root: etree._Element, lines: dict[str, list[Line]]) -> int:
    """Spread the short lines of each numbered paragraph; return how many lines changed."""
    g = grid()
    rule = house_style().raw["pdf"]
    min_gap = rule["justify_min_gap_chars"] * g["cell"] * PX_PER_PT
    max_gap = rule["justify_max_gap_chars"] * g["cell"] * PX_PER_PT
    changed = 0
    for el in root.iter(*(f"{H}{t}" for t in _CANDIDATES)):
        key = el.attrib.pop(ATTR, None)
        if key is None or len(lines.get(key, ())) < 2:
            continue
        span = el.find(f"{H}span")
        paragraph = lines[key]
        runs = _runs(span)
        text = "".join(r.text for r in runs)
        segments = _segments(text, [x.text for x in paragraph])
        if segments is None:
            continue  # the layout changed the text: leave the paragraph alone
        spacing: list[float | None] = [None] * len(text)
        pos = 0
        for i, (line, seg) in enumerate(zip(paragraph, segments)):
            last = i == len(paragraph) - 1
            if not (last or not min_gap < line.gap_px <= max_gap or len(line.text) < 2
                    or " " in line.text or "\u00a0" in line.text):  # WeasyPrint widens spaces itself
                # the slack goes between the characters: the last one keeps its spacing
                extra_pt = (line.gap_px - 0.05) / PX_PER_PT / (len(line.text) - 1)
                for k in range(pos, pos + len(line.text) - 1):
                    spacing[k] = g["letter_spacing"] + extra_pt
            pos += len(seg)
        if all(x is None for x in spacing):
            continue
        _rebuild(span, runs, spacing)
        changed += 1
    return changed


def _segments(text: str, lines: list[str]) -> list[str] | None:
    """Cut ``text`` into the given lines (white space the layout dropped at a line
    edge stays with the line before it); None if they do not match."""
    out, pos = [], 0
    for i, line in enumerate(lines):
        while pos < len(text) and text[pos].isspace() and not text.startswith(line, pos):
            if out:
                out[-1] += text[pos]
            pos += 1
        if not text.startswith(line, pos):
            return None
        out.append(line)
        pos += len(line)
    if text[pos:].strip():
        return None
    if out:
        out[-1] += text[pos:]
    return out


@dataclass(frozen=True)
class Run:
    """A stretch of a paragraph's text and the inline element it sits in (None: plain)."""

    text: str
    tag: str | None = None
    attrib: tuple[tuple[str, str], ...] = ()


_INLINE = {f"{H}strong", f"{H}em", f"{H}span", f"{H}br"}


def _runs(span: etree._Element) -> list[Run] | None:
    """The paragraph as runs, if its markup is one level of simple inline elements."""
    runs = [Run(span.text or "")]
    for child in span:
        if child.tag not in _INLINE or len(child) or child.get("style"):
            return None
        runs.append(Run(child.text or "", child.tag, tuple(child.attrib.items())))
        runs.append(Run(child.tail or ""))
    if not "".join(r.text for r in runs).strip():
        return None
    return runs


def _rebuild(span: etree._Element, runs: list[Run], spacing: list[float | None]) -> None:
    """Write the runs back, each stretch of equal spacing in its own element."""
    for child in list(span):
        span.remove(child)
    span.text = None
    last: etree._Element | None = None

    def add_text(t: str) -> None:
        nonlocal last
        if last is None:
            span.text = (span.text or "") + t
        else:
            last.tail = (last.tail or "") + t

    pos = 0
    for run in runs:
        if run.tag == f"{H}br":
            last = etree.SubElement(span, run.tag, dict(run.attrib))
            continue
        i = 0
        while i < len(run.text):
            ls = spacing[pos + i]
            j = i
            while j < len(run.text) and spacing[pos + j] == ls:
                j += 1
            chunk = run.text[i:j]
            if run.tag is None and ls is None:
                add_text(chunk)
            else:
                attrib = dict(run.attrib) if run.tag else {"class": "j"}
                if ls is not None:
                    attrib["style"] = f"letter-spacing: {pt(ls)}"
                last = etree.SubElement(span, run.tag or f"{H}span", attrib)
                last.text = chunk
            i = j
        pos += len(run.text)
