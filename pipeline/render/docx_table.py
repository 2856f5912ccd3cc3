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

from ..canonical import local
from ..style import house_style
from . import docx_template as T
from . import ooxml as ox

#: A long cell counts as this many characters at most, so it cannot starve the others.
_MAX_WEIGHT = 12.0


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


def column_widths(covered: dict[tuple[int, int], Placed], ncols: int, total: int,
                  size: int = 240, padding: int = 60) -> list[int]:
    """Twips per column summing to *total*.

    Each column first gets room for up to two characters of its widest single-column
    cell (a column of "0"s needs one, a column headed 总计 two); the rest of the block
    goes to the columns whose text is longer, in proportion to the excess, so long
    labels wrap less and number columns stay narrow."""
    want = [1.0] * ncols  # widest single-column text, in characters
    for (r, c), placed in covered.items():
        if placed.colspan == 1 and placed.row == r:
            text = "".join(placed.cell.itertext()).strip()
            width = sum(1.0 if ord(ch) >= 0x2E80 else 0.55 for ch in text)
            want[c] = max(want[c], min(width, _MAX_WEIGHT))
    floors = [int(min(w, 2.0) * size) + 2 * padding for w in want]
    if sum(floors) > total:  # too many columns even for that: share equally
        floors = [total // ncols] * ncols
    spare = total - sum(floors)
    excess = [max(w - 2.0, 0.0) for w in want]
    if sum(excess) == 0:
        excess = [1.0] * ncols
    widths = [f + int(spare * e / sum(excess)) for f, e in zip(floors, excess)]
    widths[-1] += total - sum(widths)
    return widths


def build_table(table: etree._Element, m: T.Metrics,
                fill: Callable[[etree._Element, etree._Element, str], None]
                ) -> tuple[etree._Element, list[str]]:
    """A ``w:tbl`` for canonical *table*; *fill(tc, cell, style)* writes a cell's paragraphs."""
    rows = [r for r in table if local(r) == "row"]
    covered, ncols, warnings = place_cells(rows)
    ncols = max(ncols, 1)
    hs = house_style()
    role, tpdf = hs.role("table"), hs.role("table_pdf")
    # From the PDF's threshold on, cells use the smaller size (both editions alike).
    narrow = ncols >= tpdf["narrow_from_cols"]
    style = T.TABLE_TEXT_NARROW if narrow else T.TABLE_TEXT
    head = T.TABLE_HEAD_NARROW if narrow else T.TABLE_HEAD
    size = T.twips(tpdf["narrow_size_pt"] if narrow else role["size_pt"])
    padding = T.twips(tpdf["narrow_cell_padding_pt"] if narrow else role["cell_padding_pt"])
    rule = T.twips(role["border_pt"])
    widths = column_widths(covered, ncols, m.block_width, size, padding)

    tbl = ox.el("tbl")
    tblpr = ox.el("tblPr")
    tblpr.extend([ox.el("tblStyle", val=T.TABLE), ox.el("tblW", w=m.block_width, type="dxa"),
                  ox.el("jc", val="center"), ox.el("tblLayout", type="fixed"),
                  ox.el("tblLook", val="04A0", firstRow=1, lastRow=0, firstColumn=0,
                        lastColumn=0, noHBand=1, noVBand=1)])
    if narrow:
        mar = ox.el("tblCellMar")
        mar.extend([ox.el("left", w=padding, type="dxa"), ox.el("right", w=padding, type="dxa")])
        tblpr.append(mar)
    tbl.append(tblpr)
    grid = ox.el("tblGrid")
    grid.extend(ox.el("gridCol", w=w) for w in widths)
    tbl.append(grid)

    lines = _row_lines(covered, len(rows), widths, padding, size)
    for r, row in enumerate(rows):
        tr = ox.el("tr")
        if row.get("header") in ("true", "1"):  # repeated on every page the table runs to
            trpr = ox.el("trPr")
            trpr.append(ox.el("tblHeader"))
            tr.append(trpr)
        c = 0
        while c < ncols:
            placed = covered.get((r, c))
            if placed is None:  # a short row: pad with an empty cell
                tr.append(_cell(widths[c], 1, None, None, style, fill))
                c += 1
                continue
            # the columns of this row the cell really owns (overlapping spans in the
            # source: the first cell placed keeps the slot, as browsers do)
            span = 1
            while c + span < ncols and covered.get((r, c + span)) is placed:
                span += 1
            width = sum(widths[c:c + span])
            if placed.row == r and placed.col == c:
                below = covered.get((r + 1, c)) is placed
                is_head = row.get("header") in ("true", "1")
                tr.append(_cell(width, span, "restart" if below else None, placed.cell,
                                head if is_head else style, fill))
            elif placed.row < r and placed.col == c:
                tr.append(_cell(width, span, "continue", None, style, fill))
            else:  # the rest of a cell cut in two by an overlapping one
                tr.append(_cell(width, span, None, None, style, fill))
            c += span
        if hs.raw["docx"]["table_on_grid"]:
            _on_grid(tr, lines[r], m.line, rule * (2 if r == 0 else 1))
        tbl.append(tr)
    return tbl, warnings


def _row_lines(covered: dict[tuple[int, int], Placed], nrows: int, widths: list[int],
               padding: int, size: int) -> list[int]:
    """Estimated text lines per row.  A cell merged over several rows spreads its
    lines over them; what does not fit grows the last of them, as Word and
    LibreOffice do."""
    origins = {p.cell: p for p in covered.values()}.values()
    lines = [1] * nrows
    for p in origins:
        if p.rowspan == 1:
            lines[p.row] = max(lines[p.row], _lines_needed(p, widths, padding, size))
    for p in origins:
        if p.rowspan > 1:
            last = p.row + p.rowspan - 1
            need = _lines_needed(p, widths, padding, size) - sum(lines[p.row:last + 1])
            if need > 0:
                lines[last] += need
    return lines


def _lines_needed(placed: Placed, widths: list[int], padding: int, size: int) -> int:
    """Estimated text lines of a cell: its text width over the width inside the padding."""
    inside = sum(widths[placed.col:placed.col + placed.colspan]) - 2 * padding
    per_line = max(inside // size, 1)
    paras = [p for p in placed.cell if local(p) == "p"] or [placed.cell]
    total = 0
    for p in paras:
        text = " ".join("".join(p.itertext()).split())
        cells = sum(1.0 if ord(ch) >= 0x2E80 else 0.55 for ch in text)
        total += max(1, -(-int(cells * 100) // int(per_line * 100)))
    return total


def _on_grid(tr: etree._Element, lines: int, pitch: int, rules: int) -> None:
    """Give the row's text lines exact heights that, with the row's rules, add up to a
    whole number of body lines, so the table keeps the page's 22-line grid (the PDF
    edition does the same with a negative margin).  An estimate off by a line moves
    what follows by a rule's width, never clips text."""
    line = (lines * pitch - rules) // lines
    for ppr in tr.iter(ox.el("pPr").tag):
        ppr.append(ox.el("spacing", before=0, after=0, line=line, lineRule="exact"))


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
