"""Canonical tables as ``w:tbl``: what ``tablegrid`` decided, written in WordprocessingML.

Canonical cells carry ``rowspan``/``colspan``; Word wants a rectangular grid
where a horizontal span is ``w:gridSpan`` on one cell and a vertical span is a
``w:vMerge restart`` cell followed by ``w:vMerge`` (continue) cells in the rows
below.  Everything else comes from the shared table layout, the same the PDF
edition uses: the fixed column widths (``w:tblGrid``, adding up to at most the
text block), the cells' size, line pitch and padding, the line breaks inside
cells (``w:br``), each row's exact height in body lines (the page keeps its
22-line grid), ``w:cantSplit`` on every row (LibreOffice and Word move a row
whole to the next page), ``w:tblHeader`` on the header rows (repeated on every
page) and ``w:keepNext`` on rows that stay with the next one.
"""
from __future__ import annotations

import copy
from typing import Callable

from docx.oxml.ns import qn
from lxml import etree

from ..canonical import q
from ..style import house_style
from . import docx_template as T
from . import ooxml as ox
from .tablegrid import CellLayout, TableLayout, insert_breaks, layout_table, owned_span


def _tw(pt: float) -> int:
    return round(pt * 20)


def _twips_widths(lay: TableLayout, block: int) -> list[int]:
    """Column widths in twips, their sum the table's width rounded (never past the block)."""
    total = min(_tw(lay.width), block)
    widths = [_tw(w) for w in lay.widths]
    widths[-1] += total - sum(widths)
    return widths


def build_table(table: etree._Element, m: T.Metrics,
                fill: Callable[[etree._Element, etree._Element, str], None]
                ) -> tuple[etree._Element, list[str]]:
    """A ``w:tbl`` for canonical *table*; *fill(tc, cell, style)* writes a cell's paragraphs."""
    lay = layout_table(table)
    widths = _twips_widths(lay, m.block_width)
    ncols = lay.ncols
    rows = [r for r in table if r.tag == q("row")]

    tbl = ox.el("tbl")
    tblpr = ox.el("tblPr")
    mar = ox.el("tblCellMar")
    mar.extend([ox.el("top", w=0, type="dxa"), ox.el("left", w=_tw(lay.padding), type="dxa"),
                ox.el("bottom", w=0, type="dxa"), ox.el("right", w=_tw(lay.padding), type="dxa")])
    tblpr.extend([ox.el("tblStyle", val=T.TABLE), ox.el("tblW", w=sum(widths), type="dxa"),
                  ox.el("jc", val="center"), ox.el("tblLayout", type="fixed"), mar,
                  ox.el("tblLook", val="04A0", firstRow=1, lastRow=0, firstColumn=0,
                        lastColumn=0, noHBand=1, noVBand=1)])
    tbl.append(tblpr)
    grid = ox.el("tblGrid")
    grid.extend(ox.el("gridCol", w=w) for w in widths)
    tbl.append(grid)

    covered = lay.covered
    rule = _tw(house_style().role("table")["border_pt"])
    slack = house_style().raw["docx"]["table_row_slack_twips"]
    for r in range(lay.nrows):
        tr = ox.el("tr")
        trpr = ox.el("trPr")
        if not lay.split[r]:
            trpr.append(ox.el("cantSplit"))   # a row is never cut across two pages
        # as many body lines high as the PDF's row, rules included; "at least", so a
        # line that a word processor with other fonts breaks once more grows the row
        # instead of being clipped (an exact height hides what does not fit).
        # LibreOffice draws the table's top rule above the first row on every page the
        # table runs onto: the first row pays it, and every row is a little short of
        # its lines (``[docx] table_row_slack_twips`` a line), so a page of rows keeps
        # room for that rule and ends at the row the PDF ends it at (docs/word-grid.md).
        top_rule = rule if r == 0 else 0
        trpr.append(ox.el("trHeight", val=lay.row_lines[r] * (m.line - slack) - top_rule,
                          hRule="atLeast"))
        if r < lay.header_rows:           # repeated on every page the table runs to
            trpr.append(ox.el("tblHeader"))
        tr.append(trpr)
        c = 0
        while c < ncols:
            placed = covered.get((r, c))
            if placed is None:  # a short row: pad with an empty cell
                tr.append(_cell(widths[c], 1, None, None, None, lay, T.TABLE_TEXT, fill))
                c += 1
                continue
            span = owned_span(covered, ncols, r, c)
            width = sum(widths[c:c + span])
            if placed.row == r and placed.col == c:
                below = covered.get((r + 1, c)) is placed
                cl = lay.cells[(r, c)]
                tr.append(_cell(width, span, "restart" if below else None, placed.cell, cl, lay,
                                T.TABLE_HEAD if cl.head else T.TABLE_TEXT, fill))
            elif placed.row < r and placed.col == c:
                cl = lay.cells[(placed.row, placed.col)]
                tr.append(_cell(width, span, "continue", None, cl, lay, T.TABLE_TEXT, fill))
            else:  # the rest of a cell cut in two by an overlapping one
                tr.append(_cell(width, span, None, None, None, lay, T.TABLE_TEXT, fill))
            c += span
        if lay.keep_with_next[r]:
            for ppr in tr.iter(qn("w:pPr")):
                ox.put(ppr, ox.el("keepNext"))
        tbl.append(tr)
    return tbl, list(lay.warnings)


def _cell(width: int, span: int, merge: str | None, cell: etree._Element | None,
          cl: CellLayout | None, lay: TableLayout, style: str,
          fill: Callable[[etree._Element, etree._Element, str], None]) -> etree._Element:
    tc = ox.el("tc")
    # lines placed from the top by the shared layout (centred, or lower in a row that
    # may open a page), as the PDF edition places them
    tc.append(ox.table_cell_props(width=width, grid_span=span, v_merge=merge, v_align="top"))
    if cell is None:  # every w:tc needs a paragraph, even a merged-away one
        p = ox.el("p")
        ppr = ox.el("pPr")
        ppr.append(ox.el("pStyle", val=style))
        p.append(ppr)
        tc.append(p)
    else:
        # the cell's text with the shared line breaks written in as canonical <br/>
        shown = copy.deepcopy(cell)
        insert_breaks(shown, cl.breaks, lambda: etree.Element(q("br")))
        fill(tc, shown, style)
    _set_text(tc, lay, lay.cell_top(cl) if cell is not None else 0.0)
    return tc


def _set_text(tc: etree._Element, lay: TableLayout, top: float) -> None:
    """The table's size and line pitch on every paragraph and run of the cell; *top*
    (pt) above its first line."""
    line = _tw(lay.pitch)
    half_points = round(lay.size * 2)
    for i, p in enumerate(tc.iter(qn("w:p"))):
        ppr = p.find(qn("w:pPr"))
        if ppr is None:
            ppr = ox.el("pPr")
            p.insert(0, ppr)
        ox.put(ppr, ox.el("spacing", before=_tw(top) if i == 0 else 0, after=0, line=line,
                          lineRule="exact"))
        ox.put(ppr, ox.el("ind", left=0, right=0, firstLine=0, firstLineChars=0))
        ox.put(ppr, ox.el("snapToGrid", val=0))
        rpr = ppr.find(qn("w:rPr"))
        if rpr is None:
            rpr = ox.el("rPr")
            ppr.append(rpr)
        ox.put(rpr, ox.el("sz", val=half_points))
        ox.put(rpr, ox.el("szCs", val=half_points))
        for run in p.iter(qn("w:r")):
            rpr = run.find(qn("w:rPr"))
            if rpr is None:
                rpr = ox.el("rPr")
                run.insert(0, rpr)
            ox.put(rpr, ox.el("sz", val=half_points))
            ox.put(rpr, ox.el("szCs", val=half_points))
