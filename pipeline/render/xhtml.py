"""Canonical XML -> the XHTML page WeasyPrint lays out.

The XSLT (``stylesheets/canonical-to-xhtml.xsl``, compiled once per process)
maps the structure.  This module then makes the decisions a stylesheet cannot:
which pictures really exist inside the page's folder (the rest become framed
placeholders), where a long title breaks, how far the 署名 sits from the right
edge so that it is centred over the date.  Each returns warnings, never raises,
for a single bad picture must not lose a document.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from ..errors import RenderError
from ..images import admit_picture, file_inside
from ..style import house_style, stylesheet_path
from .css import grid, pt
from . import xhtml_structures, xhtml_table
from .titlebreak import break_title
from .wording import framed_placeholder
from .lines import drawn, editions, first_indent_chars, signature_places
from .xhtml_lines import set_lines, set_single_line

XHTML = "http://www.w3.org/1999/xhtml"
H = f"{{{XHTML}}}"


@functools.lru_cache(maxsize=1)
def _transform() -> etree.XSLT:
    """The compiled XSLT; compiling it per document would dominate small pages."""
    with stylesheet_path("canonical-to-xhtml.xsl").open("rb") as fh:
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        xslt = etree.XSLT(etree.parse(fh, parser),
                          access_control=etree.XSLTAccessControl.DENY_ALL)
    return xslt


@dataclass
class Page:
    """The XHTML to render, the files it may show, and what was noticed on the way."""

    root: etree._Element
    warnings: list[str] = field(default_factory=list)

    def tostring(self) -> bytes:
        return etree.tostring(self.root, encoding="UTF-8", xml_declaration=True)


def to_xhtml(doc: etree._Element, resource_dir: Path | None) -> Page:
    """The page for ``doc``; pictures are read only from ``resource_dir``."""
    try:
        result = _transform()(doc)
    except etree.XSLTError as e:
        raise RenderError(f"canonical XML could not be laid out: {e}") from e
    root = result.getroot()
    if root is None:
        raise RenderError("canonical XML could not be laid out: the transform gave no page")
    page = Page(root)
    _break_title(root)
    _indents(root)
    page.warnings += xhtml_table.apply(root, doc)  # widths, breaks, heights: tablegrid
    page.warnings += xhtml_structures.apply(root)  # annex and regulation titles
    set_lines(root)  # after the tables and structures: they set classes the builder reads
    _signature(root)
    _subtitle(root)
    page.warnings += _figures(root, resource_dir)
    return page


# ------------------------------------------------------------------ title

def _break_title(root: etree._Element) -> None:
    span = root.find(f".//{H}h1/{H}span")
    if span is None or not span.text:
        return
    hs = house_style()
    size = hs.role("title")["size_pt"]
    lines = break_title(span.text, grid()["block_width_pt"] / size)
    span.text = lines[0]
    for line in lines[1:]:
        br = etree.SubElement(span, f"{H}br")
        br.tail = line


# ------------------------------------------------------------------ paragraphs

def _indents(root: etree._Element) -> None:
    """The canonical @indent (characters) as a first-line indent on the grid.

    Body paragraphs default to GB/T 9704's two 字.  When the document records page
    indentation at all, a plain paragraph without @indent was flush on the page (a
    主送机关 line the extractor did not mark, say) and is set flush here too."""
    cell = grid()["cell"]
    marked = root.findall(f".//{H}p[@data-indent]")
    for p in marked:
        n = first_indent_chars(p.attrib.pop("data-indent")) or 0
        if "attachment-note" in (p.get("class") or ""):
            continue  # 附件说明 has its own places (GB/T 9704 7.3.4); the source's indent is not added
        p.set("style", f"text-indent: {pt(n * cell)}")
        p.set("data-first-cells", str(n))  # for the line builder
    if marked:
        for p in root.iterfind(f".//{H}p[@class='body']"):
            if "style" not in p.attrib:
                p.set("style", "text-indent: 0")
                p.set("data-first-cells", "0")


def _subtitle(root: etree._Element) -> None:
    """A subtitle the body opens with (a work report's "——在…会议上的讲话") sits on
    the line under the title, centred; the 空一行 goes under the subtitle instead."""
    body = root.find(f".//{H}div[@class='body']")
    title = root.find(f".//{H}h1")
    if body is None or title is None or title.getnext() is not body:
        return  # a 发文字号 line stands between them
    subs = []
    for el in body:
        if el.tag == f"{H}p" and "subtitle" in (el.get("class") or "").split():
            subs.append(el)
        else:
            break
    if subs:
        pitch = pt(grid()["pitch"])
        subs[0].set("style", f"margin-top: -{pitch}")
        subs[-1].set("style", (subs[-1].get("style", "") + f"; margin-bottom: {pitch}").lstrip("; "))


def _signature(root: etree._Element) -> None:
    """署名 and 成文日期 of a copy without a seal (GB/T 9704 7.3.5.2): the 署名 two
    字 from the right edge, the date's first character two 字 right of the 署名's
    (``lines.signature_places``); both lines drawn as the line builder measures
    them (the space beside digits included), so the places are exact."""
    size = house_style().role("signature")["size_pt"]
    for sig in root.iterfind(f".//{H}div[@class='signature']"):
        orgs = sig.findall(f"{H}p[@class='sig-org']")
        date = sig.find(f"{H}p[@class='sig-date']")
        texts = [" ".join("".join(o.itertext()).split()) for o in orgs]
        date_text = " ".join("".join(date.itertext()).split()) if date is not None else None
        org_right, date_right = signature_places(texts, date_text, size, drawn(editions()[0]))
        for el, right in [*zip(orgs, org_right), *([(date, date_right)] if date is not None else [])]:
            set_single_line(el, house_style().role("signature")["font"])
            el.set("style", f"padding-right: {pt(max(right, 0.0))}; white-space: nowrap")


# ------------------------------------------------------------------ figures

def _figures(root: etree._Element, resource_dir: Path | None) -> list[str]:
    warnings = []
    for img in list(root.iterfind(f".//{H}img[@class='pending']")):
        local = img.get("data-local")
        src = img.get("data-src", "")
        found, reason = _local_image(resource_dir, local) if local else (None, "not saved with the page")
        if found is None:
            warnings.append(f"image {local or src} {reason}: placeholder drawn")
            _placeholder(img)
            continue
        path, (w_px, h_px) = found
        w, h, box = _fit(w_px, h_px)
        try:
            img.set("src", _pdfa_source(path))
        except Exception:  # decodes in verify() but not in full: treat as unreadable
            warnings.append(f"image {local} cannot be read as a picture: placeholder drawn")
            _placeholder(img)
            continue
        img.set("style", f"width: {pt(w)}; height: {pt(h)}; margin-top: {pt((box - h) / 2)}")
        if not (img.get("alt") or "").strip():  # a tagged PDF's figure needs words (PDF/UA)
            cap = img.getparent().find(f"{H}p[@class='caption']")
            img.set("alt", " ".join("".join(cap.itertext()).split()) if cap is not None else "图片")
        for a in ("class", "data-local", "data-src"):
            img.attrib.pop(a, None)
        # the picture's box is a whole number of lines: the text below stays on the grid
        holder = etree.Element(f"{H}div", {"class": "picture", "style": f"height: {pt(box)}"})
        img.addprevious(holder)
        holder.append(img)
    return warnings


def _local_image(resource_dir: Path | None, local: str) -> tuple[tuple[Path, tuple[int, int]] | None, str]:
    """The picture file and its size in pixels, when ``images.admit_picture`` admits
    it (inside the folder, no link, no hard link, within the pixel bounds); else why not."""
    if resource_dir is None:
        return None, "not read (no page folder given)"
    path, why = file_inside(resource_dir, local)
    if path is None and why != "outside":
        return None, "not in the page folder"
    verdict = admit_picture(Path(resource_dir) / local, folder=Path(resource_dir))
    if not verdict.ok or verdict.size is None:
        return None, verdict.reason or "cannot be read as a picture"
    return (path, verdict.size), ""


#: Colour modes WeasyPrint embeds in a way PDF/A with an sRGB OutputIntent accepts.
_PDFA_MODES = {"RGB", "RGBA", "L", "LA", "P", "PA", "1"}


def _pdfa_source(path: Path) -> str:
    """The picture's URL, or a converted copy as a ``data:`` URL when its colours would
    break PDF/A (a CMYK JPEG is DeviceCMYK under an sRGB OutputIntent) or WeasyPrint
    cannot draw it (16-bit grey)."""
    import base64
    import io

    from PIL import Image

    with Image.open(path) as im:
        if im.mode in _PDFA_MODES:
            return path.as_uri()
        if im.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
            im = im.convert("I").point(lambda v: v / 256).convert("L")
        buf = io.BytesIO()
        rgb = im.convert("RGBA" if "A" in im.mode else "RGB")
        if rgb.mode == "RGB":
            rgb.save(buf, "JPEG", quality=90)
            mime = "image/jpeg"
        else:
            rgb.save(buf, "PNG")
            mime = "image/png"
    return f"data:{mime};base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _fit(w_px: int, h_px: int) -> tuple[float, float, float]:
    """Display width and height in pt (aspect kept, at most the block width and
    ``max_lines`` lines) and the height of its box: whole lines, so the text below
    stays on the grid."""
    g = grid()
    max_h = house_style().role("figure")["max_lines"] * g["pitch"]
    w = min(w_px * 0.75, g["block_width_pt"])          # 96 px per inch
    h = w * h_px / w_px
    if h > max_h:
        h, w = max_h, max_h * w_px / h_px
    box = max(1, math.ceil(h / g["pitch"] - 0.01)) * g["pitch"]
    return w, h, box


def _placeholder(img: etree._Element) -> None:
    box = etree.Element(f"{H}div", {"class": "placeholder"})
    box.text = framed_placeholder(img.get("alt") or "", img.get("data-src") or "")
    img.getparent().replace(img, box)
