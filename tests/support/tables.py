"""Reading tables back from a PDF the way a reader sees them (pdfplumber): the ruled
boxes, each cell's lines of text, the rules, the tokens that must not be split.

Used on the PDF edition and on LibreOffice's rendering of the Word edition alike,
so both are measured by the same, independent means.
"""
from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from pathlib import Path

import pdfplumber

#: What no reader wants to see split over two lines of a cell: a number with its unit
#: or a decimal ("0.087mg/kg", "≤0.2mg/kg", "32.6μg/kg", "75.50"), an id or a code of
#: six digits and more, a date written with hyphens.
UNBREAKABLE = re.compile(r"[≤≥<>±]?\d+(?:\.\d+)?(?:[a-zA-Zμ%‰]+(?:/\d*[a-zA-Zμ]+)?)|"
                         r"\d{6,}|\d+\.\d+|\d{4}-\d{2}-\d{2}")
CLOSING = set("，。、；：？！）》」』〕】〉〗”’％‰·,.;:?!)]}%")


@dataclass
class Cell:
    bbox: tuple[float, float, float, float]
    lines: list[str]


@dataclass
class Table:
    page: int
    bbox: tuple[float, float, float, float]
    cells: list[Cell]
    h_rules: list[dict] = field(default_factory=list)
    v_rules: list[dict] = field(default_factory=list)
    chars: list[dict] = field(default_factory=list)


def _baseline(c: dict) -> float:
    """The glyph's baseline (its box bottom depends on its font's descent: a fallback
    face for a rare character sits lower in its box)."""
    return c["page_height"] - c["matrix"][5]


def _lines(chars: list[dict]) -> list[str]:
    """Characters grouped into lines by baseline, top down, left to right."""
    chars = sorted(chars, key=lambda c: (round(_baseline(c), 0), c["x0"]))
    lines: list[list[dict]] = []
    for c in chars:
        if lines and abs(statistics.median(_baseline(x) for x in lines[-1]) - _baseline(c)) <= 1.5:
            lines[-1].append(c)
        else:
            lines.append([c])
    return ["".join(c["text"] for c in sorted(ln, key=lambda c: c["x0"])) for ln in lines]


def tables(pdf_path: Path) -> list[Table]:
    """Every ruled table on every page, with its cells' lines and its rules."""
    out = []
    with pdfplumber.open(str(pdf_path)) as pdf:
        for n, page in enumerate(pdf.pages, start=1):
            for found in page.find_tables():
                x0, top, x1, bottom = found.bbox
                for c in page.chars:
                    c["page_height"] = page.height
                chars = [c for c in page.chars if c["text"].strip()
                         and x0 - 1 <= (c["x0"] + c["x1"]) / 2 <= x1 + 1
                         and top - 1 <= (c["top"] + c["bottom"]) / 2 <= bottom + 1]
                cells = []
                for bbox in found.cells:
                    inside = [c for c in chars if bbox[0] <= (c["x0"] + c["x1"]) / 2 <= bbox[2]
                              and bbox[1] <= (c["top"] + c["bottom"]) / 2 <= bbox[3]]
                    cells.append(Cell(bbox, _lines(inside)))
                edges = [e for e in page.edges if x0 - 2 <= e["x0"] <= x1 + 2 and top - 2 <= e["top"] <= bottom + 2]
                h = [e for e in edges if abs(e["bottom"] - e["top"]) < 1 and e["x1"] - e["x0"] > 1]
                v = [e for e in edges if abs(e["x1"] - e["x0"]) < 1 and e["bottom"] - e["top"] > 1]
                out.append(Table(n, found.bbox, cells, h, v, chars))
    return out


def split_tokens(table: Table) -> list[str]:
    """Tokens a cell shows broken over two of its lines ("0.087mg/" + "kg")."""
    bad = []
    for cell in table.cells:
        for a, b in zip(cell.lines, cell.lines[1:]):
            joined = a + b
            for m in UNBREAKABLE.finditer(joined):
                if m.start() < len(a) < m.end():
                    bad.append(f"{a}|{b}")
    return bad


def closing_starts(table: Table) -> list[str]:
    """Cell lines after the first that start with a closing mark."""
    return [ln for cell in table.cells for ln in cell.lines[1:] if ln[:1] in CLOSING]


def lone_characters(table: Table) -> list[list[str]]:
    """Cells set one character per line (a column too narrow for its words)."""
    return [cell.lines for cell in table.cells
            if len(cell.lines) >= 3 and sum(len(ln) == 1 for ln in cell.lines) >= 2]


def crossed_glyphs(table: Table) -> list[str]:
    """Glyphs a horizontal rule runs through: text out of its row (a merged cell
    taller than the rows it spans) or past the table's last rule."""
    bad = []
    for c in table.chars:
        cx = (c["x0"] + c["x1"]) / 2
        for e in table.h_rules:
            if e["x0"] <= cx <= e["x1"] and c["top"] + 1 < e["top"] < c["bottom"] - 1:
                bad.append(c["text"])
                break
    bottom = table.bbox[3]
    bad += [c["text"] for c in table.chars if c["bottom"] > bottom + 0.5]
    return bad


def closed(table: Table) -> bool:
    """The box is ruled on all four sides, as wide as the table, on this page."""
    x0, top, x1, bottom = table.bbox
    top_rules = [e for e in table.h_rules if abs(e["top"] - top) < 1.5]
    bottom_rules = [e for e in table.h_rules if abs(e["top"] - bottom) < 1.5]
    left = [e for e in table.v_rules if abs(e["x0"] - x0) < 1.5]
    right = [e for e in table.v_rules if abs(e["x0"] - x1) < 1.5]
    covered = lambda rules, lo, hi, a, b: _union(rules, a, b) >= hi - lo - 1  # noqa: E731
    return (covered(top_rules, x0, x1, "x0", "x1") and covered(bottom_rules, x0, x1, "x0", "x1")
            and covered(left, top, bottom, "top", "bottom") and covered(right, top, bottom, "top", "bottom"))


def _union(rules: list[dict], a: str, b: str) -> float:
    """Total length covered by the rules' [a, b] intervals."""
    spans = sorted((r[a], r[b]) for r in rules)
    total, cur = 0.0, None
    for lo, hi in spans:
        if cur is None or lo > cur[1]:
            if cur:
                total += cur[1] - cur[0]
            cur = [lo, hi]
        else:
            cur[1] = max(cur[1], hi)
    if cur:
        total += cur[1] - cur[0]
    return total


def column_rules(table: Table) -> list[float]:
    """x of the vertical rules that run the height of the table's first row."""
    first = min(e["top"] for e in table.h_rules) if table.h_rules else table.bbox[1]
    return sorted({round(e["x0"], 1) for e in table.v_rules if e["top"] <= first + 1})
