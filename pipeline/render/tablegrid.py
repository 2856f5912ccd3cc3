"""The layout of a canonical table, decided once for both editions.

A table prints well when no column is narrower than what cannot be broken in it
(a number with its unit "0.087mg/kg", an exam number "1024310501207", a name
"吉𠮷红"), when cell lines break only between words and never before a closing
mark, when a merged cell has the room its text needs, and when the header is
known so it can be repeated on every page.  Pango and LibreOffice would break a
narrow cell anywhere between two ideographs and each chooses column widths its
own way, so the two editions would neither read well nor agree.  This module
decides all of it from the canonical table alone:

- the type size (the largest of ``[table] size_steps_pt`` at which every column
  holds its longest unbreakable run) and the cell line pitch (a fraction of the
  body line, so rows end on the page's line grid);
- column widths from the content: each column at least its longest unbreakable
  run, the rest of the block shared by how much text each column holds;
- every cell's line breaks, chosen between words (jieba's dictionary), never
  leaving one character of a Chinese run alone on a line, never before a closing
  or after an opening mark; the renderers insert them as explicit line breaks;
- each row's height in body lines, a merged cell's lines growing the last row it
  spans; the header rows (``row/@header``, or a first block of rows that is
  plainly a header); which rows keep together.

Pure functions of the XML and ``layout.toml`` (plus the fonts' advance widths):
``docx_table`` and ``xhtml_table`` only write down what is decided here.
"""
from __future__ import annotations

import functools
import math
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Callable, Iterable

from lxml import etree

from ..canonical import local
from ..style import house_style
from .advances import em_width

# ------------------------------------------------------------------ placing cells


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


def table_rows(table: etree._Element) -> list[etree._Element]:
    return [r for r in table if local(r) == "row"]


def place_cells(rows: list[etree._Element]) -> tuple[dict[tuple[int, int], Placed], int, list[str]]:
    """Map every grid slot to the cell covering it; return the map, the column count, warnings.

    Overlapping spans in the source: the first cell placed keeps the slot, as browsers do."""
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


def owned_span(covered: dict[tuple[int, int], Placed], ncols: int, r: int, c: int) -> int:
    """How many columns from (r, c) on belong to the cell covering (r, c) in row r."""
    placed = covered.get((r, c))
    span = 1
    while placed is not None and c + span < ncols and covered.get((r, c + span)) is placed:
        span += 1
    return span


# ------------------------------------------------------------------ cell text

_WS = re.compile(r"\s+")


def cell_lines(cell: etree._Element) -> list[str]:
    """The cell's text as the renderers set it: one string per paragraph or ``br``
    line, white space folded to single spaces and trimmed."""
    lines: list[str] = []
    cur: list[str] = []

    def flush() -> None:
        lines.append(_WS.sub(" ", "".join(cur)).strip())
        cur.clear()

    def walk(el: etree._Element, top: bool) -> None:
        if not top and local(el) == "p":
            flush()
        if el.text:
            cur.append(el.text)
        for ch in el:
            if local(ch) == "br":
                flush()
            elif isinstance(ch.tag, str):
                walk(ch, False)
            if ch.tail:
                cur.append(ch.tail)
        if not top and local(el) == "p":
            flush()

    walk(cell, True)
    flush()
    out = [ln for ln in lines if ln]
    return out or [""]


def visible_count(text: str) -> int:
    return sum(1 for ch in text if not ch.isspace())


# ------------------------------------------------------------------ break opportunities

#: No line starts with these (GB/T 15834 避头): they close or follow what precedes.
CLOSING = set("，。、；：？！）》」』〕】〉〗”’％‰℃°·…—～,.;:?!)]}%")
#: No line ends with these (避尾): they open what follows.
OPENING = set("（《「『〔【〈〖“‘([{")
#: Characters that go with the number before them ("12件", "3.5万元", "2024年").
UNITS = set("年月日时分秒号元角万亿千百个件人次批条项户家名岁天周倍吨亩米克升只台辆套所间层例份本张页期届")

FORBIDDEN = math.inf
FREE, SUBWORD, FORCED = 0.0, 4.0, 400.0


def is_han(ch: str) -> bool:
    cp = ord(ch)
    return (0x3400 <= cp <= 0x9FFF or 0xF900 <= cp <= 0xFAFF or 0x20000 <= cp <= 0x3FFFF
            or ch == "〇")


@functools.lru_cache(maxsize=1)
def _segmenter():
    """jieba's default dictionary, loaded on first use (about a second, once per process)."""
    import logging

    import jieba

    jieba.setLogLevel(logging.ERROR)
    jieba.initialize()
    return jieba.dt


@functools.lru_cache(maxsize=8192)
def _han_penalties(run: str) -> tuple[float, ...]:
    """Penalty of a break before run[i] (index 0 unused) inside a run of ideographs.

    Between two words of the dictionary: free; inside a longer word where one side is
    a word of its own (质量|检验): allowed at a cost; never so that one character of
    the run stands alone on a line (吉|𠮷红, 检验结|果)."""
    n = len(run)
    pen = [FORBIDDEN] * n
    if n < 4:
        return tuple(pen)
    dt = _segmenter()
    words = list(dt.cut(run, HMM=False))
    bounds, pos = set(), 0
    for w in words:
        pos += len(w)
        bounds.add(pos)
    starts, pos = [], 0
    for w in words:
        starts.append((pos, w))
        pos += len(w)
    for i in range(2, n - 1):
        if i in bounds:
            pen[i] = FREE
    for start, w in starts:
        if len(w) < 4:
            continue
        for k in range(2, len(w) - 1):
            i = start + k
            if 2 <= i <= n - 2 and pen[i] == FORBIDDEN and (dt.FREQ.get(w[:k]) or dt.FREQ.get(w[k:])):
                pen[i] = SUBWORD
    return tuple(pen)


@functools.lru_cache(maxsize=16384)
def break_penalties(text: str) -> tuple[float, ...]:
    """Penalty of a line break before text[i], for i in 1..len(text)-1 (index 0 unused).

    FREE at a space and between words, SUBWORD inside a long word, FORBIDDEN inside a
    number, an id, a Latin word, a number and its unit, before a closing or after an
    opening mark, and where one character of a Chinese run would stand alone."""
    n = len(text)
    pen = [FORBIDDEN] * (n + 1)
    # runs of ideographs, each scored by the dictionary
    i = 0
    while i < n:
        if is_han(text[i]):
            j = i
            while j < n and is_han(text[j]):
                j += 1
            if j - i >= 4:
                for k, p in enumerate(_han_penalties(text[i:j])):
                    if k:
                        pen[i + k] = p
            i = j
        else:
            i += 1
    for i in range(1, n):
        a, b = text[i - 1], text[i]
        if a == " " or b == " ":
            pen[i] = FREE if b == " " or a == " " else pen[i]
        elif is_han(a) and is_han(b):
            continue  # decided above
        elif _other(a) and _other(b):
            continue  # inside a number, an id, a Latin word: never
        elif _other(a) and b in UNITS and a.isdigit():
            continue  # "12件", "2024年"
        elif a in UNITS and b.isdigit() and i >= 2 and text[i - 2].isdigit():
            pen[i] = SUBWORD  # inside a date or a sum: "2024年|6月"
        else:
            pen[i] = FREE  # between a Chinese run and Latin, punctuation, a number
        if b in CLOSING or a in OPENING:
            pen[i] = FORBIDDEN
    # a break just before a space is the same as after it; break after the space
    for i in range(1, n):
        if text[i] == " ":
            pen[i] = FORBIDDEN
    return tuple(pen)


def _other(ch: str) -> bool:
    """Part of a Latin, digit or symbol run (a number with its unit, an id, a URL)."""
    return not is_han(ch) and not ch.isspace() and unicodedata.east_asian_width(ch) not in "WF"


# ------------------------------------------------------------------ breaking lines


@dataclass(frozen=True)
class Broken:
    """One logical line broken to a width: where each display line starts."""

    starts: tuple[int, ...]   # indices into the text; the first is 0
    forced: int               # breaks that had to cut an unbreakable run


class Measure:
    """Text widths in pt at one size in one face (prefix sums, cached per text).

    ``Measure(size, fonts)`` gives the same object for the same arguments, so its
    caches serve every table of a process (cell texts repeat: "0", "合计", names)."""

    _made: dict[tuple[float, tuple[str, ...]], "Measure"] = {}

    def __new__(cls, size: float, fonts: tuple[str, ...]) -> "Measure":
        key = (size, fonts)
        got = cls._made.get(key)
        if got is None:
            got = super().__new__(cls)
            got.size, got.fonts = size, fonts
            got._prefix, got._em, got._longest = {}, {}, {}
            cls._made[key] = got
        return got

    def __init__(self, size: float, fonts: tuple[str, ...]) -> None:
        pass  # set once in __new__

    def width(self, text: str) -> float:
        return self.prefix(text)[-1]

    def prefix(self, text: str) -> list[float]:
        got = self._prefix.get(text)
        if got is None:
            if len(self._prefix) > 50000:  # a batch of many documents: keep memory flat
                self._prefix.clear()
                self._longest.clear()
            em, acc, got = self._em, 0.0, [0.0]
            for ch in text:
                w = em.get(ch)
                if w is None:
                    w = em[ch] = em_width(ch, *self.fonts) * self.size
                acc += w
                got.append(acc)
            self._prefix[text] = got
        return got


def count_lines(text: str, width: float, m: Measure) -> int:
    """Display lines *text* needs within *width*: first fit over the allowed breaks,
    which gives the fewest lines (a piece wider than *width* counts as one line)."""
    pre = m.prefix(text)
    n = len(text)
    if pre[n] <= width + 1e-6:
        return 1
    pen = break_penalties(text)
    lines, start, last = 1, 0, None
    for i in range(1, n + 1):
        end = i
        while end > start and text[end - 1] == " ":
            end -= 1
        if pre[end] - pre[start] > width + 1e-6 and last is not None and last > start:
            lines += 1
            start, last = last, None
        if i < n and pen[i] < FORBIDDEN:
            last = i
    return lines


def longest_run(text: str, m: Measure) -> float:
    """Width of the widest piece of *text* that may not be broken."""
    got = m._longest.get(text)
    if got is None:
        got = m._longest[text] = _longest_run(text, m)
    return got


def _longest_run(text: str, m: Measure) -> float:
    pen = break_penalties(text)
    pre = m.prefix(text)
    best, start = 0.0, 0
    for i in range(1, len(text) + 1):
        if i == len(text) or pen[i] < FORBIDDEN:
            end = i
            while end > start and text[end - 1] == " ":
                end -= 1
            best = max(best, pre[end] - pre[start])
            start = i
    return best


def break_line(text: str, width: float, m: Measure) -> Broken:
    """The fewest display lines for *text* within *width*, breaking only where allowed,
    then the fewest breaks inside words, then the most even lines (cells are centred).
    A piece wider than *width* is cut where it must (counted in ``forced``)."""
    n = len(text)
    pre = m.prefix(text)
    if n == 0 or pre[n] <= width + 1e-6:
        return Broken((0,), 0)
    pen = break_penalties(text)
    cand = [i for i in range(1, n) if pen[i] < FORBIDDEN]

    def span(i: int, j: int) -> float:
        while j > i and text[j - 1] == " ":
            j -= 1
        return pre[j] - pre[i]

    # best[j] = (cost, previous start) for a line ending just before position j
    points = [0, *cand, n]
    best: dict[int, tuple[tuple[float, float, float], int]] = {0: ((0, 0, 0), -1)}
    for jj, j in enumerate(points[1:], 1):
        opts = []
        for i in points[:jj]:
            if i not in best:
                continue
            w = span(i, j)
            if w > width + 1e-6:
                continue
            lines, penalty, raggedness = best[i][0]
            slack = (width - w) / width
            opts.append(((lines + 1, penalty + (pen[j] if j < n else 0), raggedness + slack * slack), i))
        if opts:
            best[j] = min(opts)
    if n in best:
        starts, j = [], n
        while j > 0:
            j = best[j][1]
            starts.append(j)
        return Broken(tuple(sorted(starts)), 0)
    # some piece is wider than the column: cut greedily, character by character
    starts, forced, i = [0], 0, 0
    while i < n:
        j = i + 1
        while j < n and span(i, j + 1) <= width + 1e-6:
            j += 1
        if j >= n:
            break
        k = max((c for c in cand if i < c <= j), default=None)
        if k is None:  # cut the run, still never before a closing or after an opening mark
            k, forced = j, forced + 1
            while k > i + 1 and (text[k] in CLOSING or text[k - 1] in OPENING):
                k -= 1
        starts.append(k)
        i = k
        while i < n and text[i] == " ":
            i += 1
    return Broken(tuple(starts), forced)


# ------------------------------------------------------------------ the whole table


@dataclass
class CellLayout:
    placed: Placed
    lines: list[str]            # the display lines, as set
    breaks: tuple[int, ...]     # visible-character offsets where the renderers insert a break
    head: bool                  # set in the header face
    valign: str                 # "center", or "top" for a merged cell taller than a page's share
    top_min: float = 0.0        # least room above the first line (a row that may open a page)


@dataclass
class TableLayout:
    """Everything both editions need to set one table alike."""

    ncols: int
    nrows: int
    widths: list[float]          # pt per column, summing to the table's width
    size: float                  # type size of the cells, pt
    pitch: float                 # cell line pitch, pt
    padding: float               # left and right cell padding, pt
    rule: float                  # rule width, pt
    grid: float                  # the body line pitch rows are measured in, pt
    row_lines: list[int]         # each row's height in body lines
    header_rows: int             # leading rows repeated on every page
    keep_with_next: list[bool]   # a row that must stay on the page of the row below
    split: list[bool]            # a row taller than a page (header aside): it may break
    covered: dict[tuple[int, int], Placed]
    cells: dict[tuple[int, int], CellLayout] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def width(self) -> float:
        return sum(self.widths)

    def cell_height(self, cl: CellLayout) -> float:
        """Height inside the rules of the rows the cell spans, pt."""
        p = cl.placed
        return sum(self.row_lines[p.row:p.row + p.rowspan]) * self.grid - self.rule

    def cell_top(self, cl: CellLayout) -> float:
        """Room above the cell's first line: its lines centred in the cell, or at the
        top of a merged cell that may run over a page."""
        if cl.valign == "top":
            return cl.top_min
        return max(cl.top_min, (self.cell_height(cl) - len(cl.lines) * self.pitch) / 2)


def settings() -> dict:
    return house_style().raw["table"]


def _faces() -> tuple[tuple[str, ...], tuple[str, ...]]:
    hs = house_style()
    body = hs.role("table")["font"]
    head = hs.role("heading1")["font"]
    # digits and Latin letters: the Word edition sets them in the Latin face (the
    # body face in the LibreOffice preview); a break must hold in both
    return (body,), (head, body)


def header_rows(rows: list[etree._Element], covered: dict[tuple[int, int], Placed], ncols: int) -> int:
    """How many leading rows are the table's header.

    The source says so (``th``/``thead``: ``row/@header``); else a first block of rows
    is a header when all its cells are labels (no numbers), no merged cell runs out of
    it, and the row after it holds numbers, or, in a table without numbers, when its
    cells name columns (序号, 姓名, 名称 …, ``[table] header_words``).  A table whose
    body has rows spanning all columns (sub-tables with their own titles) gets none
    from the heuristic: no single header fits all its parts."""
    n = len(rows)
    explicit = 0
    while explicit < n and rows[explicit].get("header") in ("true", "1"):
        explicit += 1
    if explicit:
        return _close_spans(explicit, covered, ncols, n)
    if n < 3:
        return 0
    cfg = settings()
    limit = min(cfg["header_max_rows"], n - 1)

    by_row: dict[int, list[Placed]] = {}
    for (rr, c), p in sorted(covered.items()):
        if p.row == rr and p.col == c:
            by_row.setdefault(rr, []).append(p)

    @functools.lru_cache(maxsize=None)
    def texts(r: int) -> tuple[str, ...]:
        return tuple("".join(p.cell.itertext()).strip() for p in by_row.get(r, ()))

    def full_width(r: int) -> bool:
        """A title row of a sub-table: one cell across the table, or one cell with text
        and the rest of the row empty (a span written out as empty cells)."""
        cells = texts(r)
        if len(cells) == 1 and covered.get((r, 0)) is not None and covered[(r, 0)].colspan >= ncols:
            return True
        return ncols > 1 and len(cells) > 1 and sum(1 for t in cells if t) == 1 and bool(cells[0])

    if full_width(0):
        return 0
    for k in range(1, limit + 1):
        if any(_numeric(t) for t in texts(k - 1)):
            return 0
        if _close_spans(k, covered, ncols, n) != k:
            continue
        if any(full_width(r) for r in range(k, n)):
            return 0
        if any(_numeric(t) for t in texts(k)):
            return k
    words = cfg["header_words"]
    first = [t for t in texts(0) if t]
    short = all(sum(1 for ch in t if is_han(ch)) <= cfg["header_word_cell_max"] for t in first)
    repeated = bool(set(first) & set(texts(1)))  # a data row, not the names of columns
    if first and short and not repeated and not any(_numeric(t) for t in first) \
            and _close_spans(1, covered, ncols, n) == 1 \
            and 2 * sum(any(w in t for w in words) for t in first) >= len(first) \
            and not any(full_width(r) for r in range(1, n)):
        return 1
    return 0


_NUMBER = re.compile(r"^[+\-−]?[\d,，.．]+%?$|^[\d.]+[%‰]$")


def _numeric(text: str) -> bool:
    return bool(_NUMBER.match(text.replace(" ", "")))


def _close_spans(k: int, covered: dict[tuple[int, int], Placed], ncols: int, n: int) -> int:
    """The smallest row count >= k that no merged cell crosses."""
    while k < n and any((k - 1, c) in covered and covered[(k - 1, c)] is covered.get((k, c))
                        for c in range(ncols)):
        k += 1
    return k


def layout_table(table: etree._Element, block_width: float | None = None) -> TableLayout:
    """Decide the table's size, widths, line breaks, row heights and header.

    The two editions of a document ask for the same tables: the layout is kept for
    the last few tables seen (by their serialised XML), and must not be changed by
    the caller."""
    key = (etree.tostring(table), block_width)
    got = _recent.get(key)
    if got is None:
        got = _layout_table(table, block_width)
        if len(_recent) >= 64:
            _recent.pop(next(iter(_recent)))
        _recent[key] = got
    return got


_recent: dict[tuple[bytes, float | None], "TableLayout"] = {}


def _layout_table(table: etree._Element, block_width: float | None) -> TableLayout:
    hs = house_style()
    cfg = settings()
    role = hs.role("table")
    if block_width is None:
        block_width = hs.block_width_mm * 72 / 25.4
    grid = hs.grid["line_pitch_pt"]
    rule = role["border_pt"]
    rows = table_rows(table)
    covered, ncols, warnings = place_cells(rows)
    ncols = max(ncols, 1)
    nrows = len(rows)
    heads = header_rows(rows, covered, ncols)
    origins = sorted({id(p): p for p in covered.values()}.values(), key=lambda p: (p.row, p.col))
    body_faces, head_faces = _faces()

    def is_head(p: Placed) -> bool:
        return p.row < heads or rows[p.row].get("header") in ("true", "1")

    texts = {id(p): cell_lines(p.cell) for p in origins}
    steps = cfg["size_steps_pt"]
    # The largest size at which every column holds its longest unbreakable run; a
    # smaller one that fits too is taken when it makes the table markedly shorter
    # (a long table of wrapped labels reads better in 五号 on half the pages).
    fits, needs = [], {}
    for k, size in enumerate(steps):
        padding = cfg["cell_padding_em"] * size
        measures = (Measure(size, body_faces), Measure(size, head_faces))
        needs[k] = _column_needs(origins, texts, ncols, measures, is_head, padding + rule / 2)
        if sum(needs[k][0]) <= block_width + 1e-6:
            fits.append(k)
    if not fits:
        k = len(steps) - 1
        warnings.append(f"table of {ncols} columns is too wide for the page even at {steps[k]:g} pt: "
                        "some numbers or words in it are broken")
        return _layout_at(k, **ctx(locals()))
    best = _layout_at(fits[0], **ctx(locals()))
    for k in fits[1:]:
        if sum(best.row_lines) * (1 - cfg["smaller_size_saves"]) < nrows:
            break  # rows hardly wrap: no smaller size can save that much
        other = _layout_at(k, **ctx(locals()))
        if sum(other.row_lines) <= (1 - cfg["smaller_size_saves"]) * sum(best.row_lines):
            best = other
    return best


def ctx(names: dict) -> dict:
    """The shared arguments of _layout_at, picked from layout_table's locals."""
    keys = ("rows", "covered", "ncols", "nrows", "heads", "origins", "texts", "is_head",
            "block_width", "grid", "rule", "warnings", "needs")
    return {k: names[k] for k in keys}


def _layout_at(k: int, *, rows, covered, ncols, nrows, heads, origins, texts, is_head,
               block_width, grid, rule, warnings, needs) -> TableLayout:
    """The table laid out at the k-th size step."""
    cfg = settings()
    body_faces, head_faces = _faces()
    size = cfg["size_steps_pt"][k]
    per_grid = cfg["lines_per_grid"][k]
    padding = cfg["cell_padding_em"] * size
    measures = (Measure(size, body_faces), Measure(size, head_faces))
    mins, maxs = needs[k]
    warnings = list(warnings)
    slack = cfg["slack_pt"]

    def inner_of(ws: list[float], p: Placed) -> float:
        return sum(ws[p.col:p.col + p.colspan]) - 2 * padding - rule - slack

    cells = [(p, texts[id(p)], measures[1 if is_head(p) else 0]) for p in origins]
    widths = _distribute(mins, maxs, block_width, cells, nrows, inner_of, size / 2)
    # n cell lines in m body lines, the row's rule included: rows end on the grid
    n_lines, m_grid = per_grid
    pitch = (m_grid * grid - rule) / n_lines
    inner = lambda p: inner_of(widths, p)

    lay = TableLayout(ncols=ncols, nrows=nrows, widths=widths, size=size, pitch=pitch,
                      padding=padding, rule=rule, grid=grid, row_lines=[1] * nrows,
                      header_rows=heads, keep_with_next=[False] * nrows,
                      split=[False] * nrows, covered=covered,
                      warnings=warnings)
    forced = 0
    need: dict[int, int] = {}
    for p in origins:
        head = is_head(p)
        m = measures[1 if head else 0]
        lines, breaks, offset = [], [], 0
        for text in texts[id(p)]:
            b = break_line(text, max(inner(p), size), m)
            forced += b.forced
            for a, z in zip(b.starts, (*b.starts[1:], len(text))):
                lines.append(text[a:z].strip())
                if a:
                    breaks.append(offset + visible_count(text[:a]))
            offset += visible_count(text)
        lay.cells[(p.row, p.col)] = CellLayout(p, lines, tuple(breaks), head, "center")
        need[id(p)] = len(lines)
    if forced:
        warnings.append(f"table: {forced} cell line(s) had to break inside a number or word")
    # A row that may open a page (the header's first, or any row of a table without a
    # header) sets its first text line no higher than a one-line row would: on the
    # page's first line slot, so the top of the text block stays where it is.
    opening = {0} if heads else set(range(nrows))
    top_min = max(0.0, (grid - pitch) / 2 - cfg["opening_tolerance_pt"])
    keep = cfg["keep_merged_max_lines"]

    def grid_lines(height: float) -> int:
        return max(1, math.ceil(height / grid - 1e-6))

    # row heights in body lines: single-row cells first, then merged cells grow their last row
    for p in origins:
        cl = lay.cells[(p.row, p.col)]
        if p.row in opening:
            cl.top_min = top_min
        if p.rowspan == 1:
            want = cl.top_min + need[id(p)] * pitch + rule
            lay.row_lines[p.row] = max(lay.row_lines[p.row], grid_lines(want))
    for p in origins:
        if p.rowspan > 1:
            cl = lay.cells[(p.row, p.col)]
            last = p.row + p.rowspan - 1
            if sum(lay.row_lines[p.row:last + 1]) > keep:
                # a tall merged cell may run over a page: its text at its top, where the
                # cell starts (it would be lost between pages if centred)
                cl.valign, cl.top_min = "top", top_min
            have = sum(lay.row_lines[p.row:last + 1]) * grid
            want = cl.top_min + need[id(p)] * pitch + rule
            if want > have + 1e-6:
                lay.row_lines[last] += math.ceil((want - have) / grid - 1e-6)
    # rows under a merged cell that is not tall stay on one page; under a tall one,
    # the rows its text needs do (its text is never cut by a page break)
    for p in origins:
        if p.rowspan == 1:
            continue
        cl = lay.cells[(p.row, p.col)]
        last = p.row + p.rowspan - 1
        if cl.valign == "top":
            want, have, last = cl.top_min + need[id(p)] * pitch + rule, 0.0, p.row
            while last < p.row + p.rowspan - 1 and have + lay.row_lines[last] * grid < want - 1e-6:
                have += lay.row_lines[last] * grid
                last += 1
        for r in range(p.row, last):
            lay.keep_with_next[r] = True
    if heads:  # the header never stands alone at a page foot
        for r in range(heads):
            lay.keep_with_next[r] = True
    # a row taller than what a page holds below the header must break; its cells
    # then start at their top and grow with their text
    room = house_style().grid["lines"] - sum(lay.row_lines[:heads])
    for r in range(heads, nrows):
        if lay.row_lines[r] > room:
            lay.split[r] = True
            lay.keep_with_next[r] = False
            if r:
                lay.keep_with_next[r - 1] = False
            for (rr, c), cl in lay.cells.items():
                if rr <= r < rr + cl.placed.rowspan:
                    cl.valign = "top"
    return lay


def _column_needs(origins: list[Placed], texts: dict[int, list[str]], ncols: int,
                  measures: tuple[Measure, Measure], is_head: Callable[[Placed], bool],
                  pad: float) -> tuple[list[float], list[float]]:
    """Per column: the width its longest unbreakable run needs (min) and the width its
    text needs on one line per paragraph (max), padding and rule included.  A merged
    cell wider than its columns widens them evenly."""
    cfg = settings()
    cap = cfg["max_run_share"] * (house_style().block_width_mm * 72 / 25.4)
    slack = cfg["slack_pt"]
    mins = [2 * pad + slack] * ncols
    maxs = [2 * pad + slack] * ncols
    spanning = []
    for p in origins:
        m = measures[1 if is_head(p) else 0]
        lo = max((min(longest_run(t, m), cap) for t in texts[id(p)]), default=0.0) + 2 * pad + slack
        hi = max((m.width(t) for t in texts[id(p)]), default=0.0) + 2 * pad + slack
        if p.colspan == 1:
            mins[p.col] = max(mins[p.col], lo)
            maxs[p.col] = max(maxs[p.col], hi)
        else:
            spanning.append((p, lo, hi))
    for p, lo, hi in spanning:
        cols = range(p.col, min(p.col + p.colspan, ncols))
        for need, arr in ((lo, mins), (hi, maxs)):
            have = sum(arr[c] for c in cols)
            if need > have:
                for c in cols:
                    arr[c] += (need - have) / len(cols)
    maxs = [max(a, b) for a, b in zip(mins, maxs)]
    return mins, maxs


class _Rows:
    """Row line counts with some rows overridden (a trial), indexable like a list."""

    def __init__(self, base: list[int], over: dict[int, int]) -> None:
        self.base, self.over = base, over

    def __getitem__(self, r: int) -> int:
        return self.over.get(r, self.base[r])


def _distribute(mins: list[float], maxs: list[float], total: float,
                cells: list[tuple[Placed, list[str], Measure]], nrows: int,
                inner: Callable[[list[float], Placed], float], step: float) -> list[float]:
    """Column widths summing to *total*, every column at least its minimum.

    When not all text fits on one line, the room above the minimums is handed out a
    step at a time to the column where it saves the most lines of table (a column of
    long labels before one whose single long header would merely fit), until no step
    saves a line; what is left goes to the columns whose text still wraps, in
    proportion to what they lack, or to all columns once everything fits."""
    ncols = len(mins)
    if sum(maxs) <= total:
        spare = total - sum(maxs)
        return [m + spare * m / sum(maxs) for m in maxs]
    if sum(mins) >= total:
        scale = total / sum(mins)
        return [m * scale for m in mins]
    widths = list(mins)
    lines = {id(p): sum(count_lines(t, inner(widths, p), m) for t in texts) for p, texts, m in cells}
    by_col: dict[int, list[tuple[Placed, list[str], Measure]]] = {c: [] for c in range(ncols)}
    by_row: dict[int, list[Placed]] = {r: [] for r in range(nrows)}
    merged = [p for p, _, _ in cells if p.rowspan > 1]
    for entry in cells:
        p = entry[0]
        for c in range(p.col, min(p.col + p.colspan, ncols)):
            by_col[c].append(entry)
        if p.rowspan == 1:
            by_row[p.row].append(p)
    # merged cells that a column's change can touch: their own column, or a row they span
    merged_by_col = {c: [p for p in merged if any(
        p.row <= q.row < p.row + p.rowspan or q is p for q, _, _ in by_col[c])] for c in range(ncols)}

    def row_max(r: int, ln: dict[int, int]) -> int:
        return max((ln[id(p)] for p in by_row[r]), default=0)

    rows = [row_max(r, lines) for r in range(nrows)]

    def extra(p: Placed, rs: list[int] | dict[int, int], ln: dict[int, int]) -> int:
        return max(0, ln[id(p)] - sum(rs[r] for r in range(p.row, p.row + p.rowspan)))

    counted: dict[tuple[int, float], int] = {}

    def lines_at(p: Placed, texts: list[str], m: Measure, ws: list[float]) -> int:
        key = (id(p), round(inner(ws, p), 3))
        got = counted.get(key)
        if got is None:
            got = counted[key] = sum(count_lines(t, key[1], m) for t in texts)
        return got

    def gain_of(c: int, trial: list[float]) -> tuple[float, dict[int, int], dict[int, int]]:
        """Lines of table saved by *trial* widths, which differ from the current in column c."""
        # a cell already on one line cannot gain from more width
        changed = {id(p): lines_at(p, texts, m, trial) for p, texts, m in by_col[c] if lines[id(p)] > 1}
        changed = {k: v for k, v in changed.items() if v != lines[k]}
        if not changed:
            return 0.0, lines, {}
        new = dict(lines)
        new.update(changed)
        touched = {p.row for p, _, _ in by_col[c] if p.rowspan == 1 and id(p) in changed}
        new_rows = {r: row_max(r, new) for r in touched}
        gain = sum(rows[r] - v for r, v in new_rows.items())
        view = _Rows(rows, new_rows)
        for p in merged_by_col[c]:
            gain += extra(p, rows, lines) - extra(p, view, new)
        gain += 0.01 * sum(lines[k] - v for k, v in changed.items())
        return gain, new, new_rows

    def best_step(c: int, spare: float):
        """The smallest widening of column c (up to four steps) that saves a line of
        table, as (saving per pt, width, new lines, new rows), or None."""
        room = maxs[c] - widths[c]
        k = 1
        while room > 1e-6 and k <= 4:
            d = min(k * step, room, spare)
            trial = list(widths)
            trial[c] += d
            gain, new, new_rows = gain_of(c, trial)
            if gain > 0.5:  # a line of the table saved (not merely a cell's line)
                return gain / d, d, new, new_rows
            if d >= room or d >= spare:
                return None
            k += 1
        return None

    # Lazy greedy: savings only shrink as columns widen, so a column's saving computed
    # earlier is an upper bound; recompute the best until it stays the best.
    import heapq

    spare = total - sum(widths)
    heap = []
    for c in range(ncols):
        got = best_step(c, spare)
        if got is not None:
            heapq.heappush(heap, (-got[0], c))
    while spare > 1e-6 and heap:
        _, c = heapq.heappop(heap)
        got = best_step(c, spare)
        if got is None:
            if not heap:  # nothing left in view: look at every column once more
                for cc in range(ncols):
                    again = best_step(cc, spare)
                    if again is not None:
                        heapq.heappush(heap, (-again[0], cc))
            continue
        if heap and -heap[0][0] > got[0] + 1e-9:
            heapq.heappush(heap, (-got[0], c))  # another column may save more now
            continue
        ratio, d, lines, new_rows = got
        for r, v in new_rows.items():
            rows[r] = v
        widths[c] += d
        spare -= d
        heapq.heappush(heap, (-ratio, c))
    lack = [max(b - w, 0.0) for w, b in zip(widths, maxs)]
    share = lack if sum(lack) > 1e-6 else widths
    return [w + spare * x / sum(share) for w, x in zip(widths, share)]


# ------------------------------------------------------------------ writing breaks down


def insert_breaks(el: etree._Element, offsets: Iterable[int], make_br: Callable[[], etree._Element]) -> None:
    """Insert ``make_br()`` elements into *el*'s mixed content before the visible
    (non-white-space) characters at *offsets*, counting through all descendants in
    document order: the renderers' own markup around the text does not matter."""
    todo = sorted(set(o for o in offsets if o > 0))
    if not todo:
        return
    count = 0
    # every text slot in document order: a node's text before its children, a
    # child's tail after its subtree
    ordered: list[tuple[etree._Element, bool]] = []

    def walk(node: etree._Element) -> None:
        ordered.append((node, False))
        for ch in node:
            if isinstance(ch.tag, str):
                walk(ch)
            ordered.append((ch, True))

    walk(el)
    for node, tail in ordered:
        if not todo:
            break
        text = (node.tail if tail else node.text) or ""
        if not text:
            continue
        local_cuts = []
        for i, ch in enumerate(text):
            if ch.isspace():
                continue
            if todo and count == todo[0]:
                local_cuts.append(i)
                todo.pop(0)
            count += 1
        if not local_cuts:
            continue
        pieces = [text[a:b] for a, b in zip([0, *local_cuts], [*local_cuts, len(text)])]
        if tail:
            node.tail = pieces[0]
            anchor = node
            for piece in pieces[1:]:
                br = make_br()
                br.tail = piece
                anchor.addnext(br)
                anchor = br
        else:
            node.text = pieces[0]
            anchor = None
            for piece in pieces[1:]:
                br = make_br()
                br.tail = piece
                if anchor is None:
                    node.insert(0, br)
                else:
                    anchor.addnext(br)
                anchor = br
