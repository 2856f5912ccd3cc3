"""Tables of the PDF edition: the shared table layout written onto the XHTML.

The XSLT gives each canonical table a plain ``div.table > table > tbody`` with its
rows in document order.  Here every table gets what ``tablegrid`` decided for it,
the same decisions ``docx_table`` writes into the Word edition: column widths
(``col``), the cells' size, pitch and padding, each row's height in whole body
lines, the line breaks inside cells (``br``), the header rows moved into a
``thead`` (WeasyPrint repeats it on every page), and ``tr.keep`` on a row that
must stay on the page of the next.
"""
from __future__ import annotations

from string import Template

from lxml import etree

from ..canonical import q
from ..style import house_style, read_stylesheet
from .css import pt
from .fonts import css_stack
from .tablegrid import TableLayout, insert_breaks, layout_table

XHTML = "http://www.w3.org/1999/xhtml"
H = f"{{{XHTML}}}"


def stylesheet() -> str:
    """``stylesheets/tables.css`` with its values from layout.toml."""
    hs = house_style()
    values = {
        "table_rule": pt(hs.role("table")["border_pt"]),
        "font_head": css_stack(hs.role("heading1")["font"]),
        "font_caption": css_stack(hs.role("caption")["font"]),
        "body_size": pt(hs.role("body")["size_pt"]),
        "pitch": pt(hs.grid["line_pitch_pt"]),
    }
    return Template(read_stylesheet("tables.css")).substitute(values)


def apply(root: etree._Element, doc: etree._Element) -> list[str]:
    """Lay out every table of the page *root* as its canonical twin in *doc* says.

    The XSLT writes tables in document order, so the n-th ``div.table`` is the n-th
    canonical ``table``."""
    warnings: list[str] = []
    divs = list(root.iterfind(f".//{H}div[@class='table']"))
    tables = list(doc.iter(q("table")))
    for div, table in zip(divs, tables):
        lay = layout_table(table)
        warnings += lay.warnings
        _write(div, lay)
    return warnings


def _write(div: etree._Element, lay: TableLayout) -> None:
    table = div.find(f"{H}table")
    tbody = table.find(f"{H}tbody")
    trs = [tr for tr in tbody if tr.tag == f"{H}tr"]
    table.set("style", f"width: {pt(lay.width)}; font-size: {pt(lay.size)}; "
                       f"line-height: {pt(lay.pitch)}")
    colgroup = etree.Element(f"{H}colgroup")
    for w in lay.widths:
        etree.SubElement(colgroup, f"{H}col", style=f"width: {pt(w)}")
    tbody.addprevious(colgroup)
    # cells: line breaks, padding, header face, vertical alignment
    for r, tr in enumerate(trs):
        tds = [td for td in tr if td.tag in (f"{H}td", f"{H}th")]
        origins = sorted((c for (rr, c), cl in lay.cells.items() if rr == r), key=int)
        for td, c in zip(tds, origins):
            cl = lay.cells[(r, c)]
            if cl.head and td.tag == f"{H}td":
                td.tag = f"{H}th"
            td.set("style", f"padding-left: {pt(lay.padding)}; padding-right: {pt(lay.padding)}")
            # The cell's height and the centring of its lines are set here, not left
            # to the rows: WeasyPrint measures a merged cell against its last row
            # alone when rows have a height, and grows that row (70.0).
            # A merged cell that may run over a page keeps its natural height: a fixed
            # one cannot be split, and WeasyPrint would push it whole onto a page.
            box = td.find(f"{H}div")
            if box is not None:
                height = f"height: {pt(lay.cell_height(cl))}; " if cl.valign != "top" else ""
                box.set("style", f"{height}padding-top: {pt(lay.cell_top(cl))}")
            insert_breaks(td, cl.breaks, lambda: etree.Element(f"{H}br"))
    # header rows into a thead (one body: a merged cell may not cross row groups);
    # a row that stays with the next one says so with break-after: avoid
    for r, tr in enumerate(trs):
        if lay.keep_with_next[r] and r + 1 < len(trs) and r + 1 != lay.header_rows:
            tr.set("class", "keep")
        elif lay.split[r]:
            tr.set("class", "split")  # taller than a page: it breaks
    if lay.header_rows:
        thead = etree.Element(f"{H}thead")
        colgroup.addnext(thead)
        for tr in trs[:lay.header_rows]:
            thead.append(tr)
    # An empty footer row, repeated by WeasyPrint at the foot of every page the table
    # runs over: its rule closes the table there even under a merged cell that goes
    # on to the next page (whose own bottom rule is drawn only where it ends).
    tfoot = etree.Element(f"{H}tfoot")
    tbody.addprevious(tfoot)
    close = etree.SubElement(etree.SubElement(tfoot, f"{H}tr", {"class": "close"}), f"{H}td",
                             colspan=str(lay.ncols))
    close.text = None
