"""Canonical tables as ``w:tbl``: the span grid, column widths, merged cells.

Canonical cells carry ``rowspan``/``colspan``; Word wants a rectangular grid
where a horizontal span is ``w:gridSpan`` on one cell and a vertical span is a
``w:vMerge restart`` cell followed by ``w:vMerge`` (continue) cells in the rows
below.  Widths are fixed and add up to the text block, so no table runs into
the margin however many columns it has.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from lxml import etree

from ..canonical import local, q
from ..style import house_style
from . import docx_template as T
from . import ooxml as ox

#: Column weights are clamped so a long cell cannot starve the other columns.
_MIN_WEIGHT, _MAX_WEIGHT = 2.0, 12.0


@dataclass(frozen=True)
class Placed:
    """A canonical cell at its grid position."""

    cell: etree._Element
    row: int
    col: int
    rowspan: int
    colspan: int


def _span(cell: etree._Element, name: str) -> int:
    try:
        return max(1, int(cell.get(name, "1")))
    except ValueError:
        return 1


def place_cells(rows: list[etree._Element]) -> tuple[dict[tuple[int, int], Placed], int, list[str]]:
    """Map every grid slot to the cell covering it; return the map, the column count, warnings."""
    covered: dict[tuple[int, int], Placed] = {}
    warnings: list[str] = []
    ncols = 0
    for r, row in enumerate(rows):
        c = 0
        for cell in (x for x in row if local(x) == "cell"):
            while (r, c) in covered:
                c += 1
            rs, cs = _span(cell, "rowspan"), _span(cell, "colspan")
            if r + rs > len(rows):
                warnings.append(f"table cell rowspan {rs} runs past the last row; clipped")
                rs = len(rows) - r
            placed = Placed(cell, r, c, rs, cs)
            for i in range(rs):
                for j in range(cs):
                    covered.setdefault((r + i, c + j), placed)
            c += cs
        ncols = max(ncols, c, max((cc + 1 for (rr, cc) in covered if rr == r), default=0))
    return covered, ncols, warnings


def column_widths(covered: dict[tuple[int, int], Placed], ncols: int, total: int) -> list[int]:
    """Twips per column, proportional to the longest single-column text, summing to *total*."""
    weights = [_MIN_WEIGHT] * ncols
    for (r, c), placed in covered.items():
        if placed.colspan == 1 and placed.row == r:
            text = "".join(placed.cell.itertext()).strip()
            width = sum(1.0 if ord(ch) >= 0x2E80 else 0.5 for ch in text)
            weights[c] = max(weights[c], min(width, _MAX_WEIGHT))
    widths = [int(total * w / sum(weights)) for w in weights]
    widths[-1] += total - sum(widths)
    return widths


def build_table(table: etree._Element, m: T.Metrics,
                fill: Callable[[etree._Element, etree._Element, str], None]
                ) -> tuple[etree._Element, list[str]]:
    """A ``w:tbl`` for canonical *table*; *fill(tc, cell, style)* writes a cell's paragraphs."""
    rows = [r for r in table if local(r) == "row"]
    covered, ncols, warnings = place_cells(rows)
    ncols = max(ncols, 1)
    widths = column_widths(covered, ncols, m.block_width)
    # From the PDF's threshold on, cells use the smaller size (both editions alike).
    narrow = ncols >= house_style().role("table_pdf")["narrow_from_cols"]
    style = T.TABLE_TEXT_WIDE if narrow else T.TABLE_TEXT
    head = T.TABLE_HEAD_WIDE if narrow else T.TABLE_HEAD

    tbl = ox.el("tbl")
    tblpr = ox.el("tblPr")
    tblpr.extend([ox.el("tblStyle", val=T.TABLE), ox.el("tblW", w=m.block_width, type="dxa"),
                  ox.el("jc", val="center"), ox.el("tblLayout", type="fixed"),
                  ox.el("tblLook", val="04A0", firstRow=1, lastRow=0, firstColumn=0,
                        lastColumn=0, noHBand=1, noVBand=1)])
    tbl.append(tblpr)
    grid = ox.el("tblGrid")
    grid.extend(ox.el("gridCol", w=w) for w in widths)
    tbl.append(grid)

    for r, row in enumerate(rows):
        tr = ox.el("tr")
        trpr = ox.el("trPr")
        trpr.append(ox.el("cantSplit"))
        if row.get("header") in ("true", "1"):
            trpr.append(ox.el("tblHeader"))
        tr.append(trpr)
        c = 0
        while c < ncols:
            placed = covered.get((r, c))
            if placed is None:  # a short row: pad with an empty cell
                tr.append(_cell(widths[c], 1, None, None, style, fill))
                c += 1
                continue
            span = min(placed.colspan, ncols - placed.col)
            width = sum(widths[placed.col:placed.col + span])
            if placed.row == r:
                merge = "restart" if placed.rowspan > 1 else None
                is_head = row.get("header") in ("true", "1")
                tr.append(_cell(width, span, merge, placed.cell, head if is_head else style, fill))
            else:
                tr.append(_cell(width, span, "continue", None, style, fill))
            c = placed.col + span
        tbl.append(tr)
    return tbl, warnings


def _cell(width: int, span: int, merge: str | None, cell: etree._Element | None, style: str,
          fill: Callable[[etree._Element, etree._Element, str], None]) -> etree._Element:
    tc = ox.el("tc")
    tc.append(ox.table_cell_props(width=width, grid_span=span, v_merge=merge))
    if cell is None:  # every w:tc needs a paragraph, even a merged-away one
        p = ox.el("p")
        ppr = ox.el("pPr")
        ppr.append(ox.el("pStyle", val=style))
        p.append(ppr)
        tc.append(p)
    else:
        fill(tc, cell, style)
    return tc
