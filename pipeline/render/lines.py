"""The lines of a justified paragraph, chosen once for both editions.

A 公文 is set 两端对齐: every line that is not the last of its paragraph ends on
the right edge of the block, Chinese characters sit on the 28-cell grid, and no
line starts with a closing mark or ends with an opening one (避头尾).  Neither
renderer does this by itself: WeasyPrint widens only spaces (Chinese has none),
and LibreOffice spreads the slack of a short line over all its characters, so
the grid is lost from the first character on; the two also break lines
differently (LibreOffice puts space around digits, Pango keeps 的“ together).

So the lines are chosen here, as a pure function of the paragraph's text and
the house style, and both editions are told the result:

* **Breaks** (``break_lines``): a dynamic programme over the paragraph picks,
  for every line, where it ends: as late as the line allows, unless a closing
  mark would open the next line (the character before it goes down with it, or,
  when the line has nothing to absorb the gap, two closing marks of the line are
  set half-width — 标点挤压 — so the mark stays up), unless the paragraph would
  end in a line of one character (孤字), which costs more than any other choice.
  Latin words, numbers and runs such as "6·23" are never split.
* **Spacing** (``line_spacing``): Chinese characters advance one grid cell
  (condensed, ``grid.*_letter_spacing_pt``); digits and Latin letters keep their
  own width, with a fifth of an em between them and Chinese characters (what
  LibreOffice always sets and Word sets by default, ``w:autoSpaceDN``); the slack
  of a line goes between the characters *after* its first half-width glyph, so
  the Chinese characters before it stay on the grid, and only a line of nothing
  but full-width characters that could not be filled is spread from its start.

Each edition has its own small differences (``Edition``): the PDF condenses a
cell by 0.21 pt (CSS), the Word edition by 0.25 pt (Word's 0.05 pt steps), and
LibreOffice never condenses the last character of a stretch of one script or
one run format (the PDF edition does the same, so both keep the same shape).
Breaks are computed with the narrower of the two (the PDF's), so the Word
edition's lines always fit; each edition then fills its own lines to its edge.
"""
from __future__ import annotations

import functools
import math
import re
import unicodedata
from dataclasses import dataclass, replace

from ..style import house_style

# ---------------------------------------------------------------------------- characters

#: May not begin a line (避头): closing marks, and marks that belong to what precedes.
NO_START = frozenset("，。、；：？！）》」』〕】〉〗”’％‰°℃·…—～々〃ゝゞヽヾー"
                     ",.;:?!)]}%｝］｠〙〛")
#: May not end a line (避尾): opening marks, and currency signs before a number.
NO_END = frozenset("（《「『〔【〈〖“‘([{＄￥$£¥｛［｟〘〚")
#: Closing marks LibreOffice keeps with a Latin letter or digit after them (measured:
#: no break in "，2019" or "”ABC", as in "：2019" there is): no line ends there.
GLUE_BEFORE_LATIN = frozenset("，。、）》」』〕】〉〗”’］｝")

#: Marks whose ink fills one half of the em, which may be set half-width (标点挤压):
#: closing marks (ink on the left) and opening marks (ink on the right).
SQUEEZE_CLOSING = frozenset("，。、；：！）》」』〕】〉〗”’")
SQUEEZE_OPENING = frozenset("（《「『〔【〈〖“‘")
SQUEEZABLE = SQUEEZE_CLOSING | SQUEEZE_OPENING


def _rules() -> dict:
    return house_style().raw["lines"]

#: White space a line may end in (it hangs past the edge, unseen): the source's own.
SPACES = frozenset(" \u3000")

#: LibreOffice's script classes (i18npool: by Unicode block); "weak" characters take
#: the script of the character before them.
ASIAN, LATIN, WEAK = "A", "L", "W"


def script(ch: str) -> str:
    o = ord(ch)
    if o < 0x0590:                         # Basic Latin ... Armenian, incl. · × and spaces
        return WEAK if ch.isspace() else LATIN
    if 0x2000 <= o < 0x2E80:               # general punctuation, symbols: “”‘’—…‰ ①
        return WEAK
    if (0x2E80 <= o < 0xA000 or 0xAC00 <= o < 0xD7B0 or 0xF900 <= o < 0xFB00
            or 0xFE30 <= o < 0xFE50 or 0xFF00 <= o < 0xFFF0 or o >= 0x20000):
        return ASIAN
    return LATIN


def is_ideograph(ch: str) -> bool:
    o = ord(ch)
    return (0x3400 <= o < 0xA000 or 0xF900 <= o < 0xFB00 or o >= 0x20000
            or 0x3040 <= o < 0x3100)       # and kana


def squeeze_em() -> float:
    """Advance of a squeezed mark, in em (layout.toml [lines] squeeze_em)."""
    return _rules()["squeeze_em"]


def auto_space_pt(size: float) -> float:
    """The space beside digits and Latin letters in Chinese text, in pt."""
    return _rules()["auto_space_em"] * size


def auto_space(a: str, b: str) -> bool:
    """A fifth of an em between a Chinese character and an adjacent Latin letter or
    digit (LibreOffice always, Word with w:autoSpaceDN/DE)."""
    return ((is_ideograph(a) and b.isascii() and b.isalnum())
            or (a.isascii() and a.isalnum() and is_ideograph(b)))


@functools.lru_cache(maxsize=1)
def _latin_advances() -> dict[int, int]:
    """Advance widths (per 1000 em) of the Latin face's characters (FandolFang)."""
    from .fonts import program_files

    face = house_style().typeface("latin").face
    path = program_files().get(face or "")
    if path is None:
        return {}
    from fontTools.ttLib import TTFont

    with TTFont(str(path), lazy=True) as font:
        hmtx = font["hmtx"].metrics
        upem = font["head"].unitsPerEm
        return {cp: round(hmtx[g][0] * 1000 / upem) for cp, g in font.getBestCmap().items()
                if g in hmtx}


def em_width(ch: str) -> float:
    """A character's natural advance in em: one for Chinese and full-width forms,
    the Latin face's own width for the rest."""
    if script(ch) == ASIAN:
        return 1.0
    w = _latin_advances().get(ord(ch))
    if w is not None:
        return w / 1000
    return 1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.5


# ---------------------------------------------------------------------------- paragraphs

@dataclass(frozen=True)
class Style:
    """How a stretch of a paragraph is set: the typeface role and the inline marks
    it came with (strong, em, a), which the renderers keep in their markup."""

    face: str = "fangsong"
    marks: frozenset[str] = frozenset()


@dataclass
class Glyph:
    ch: str
    style: Style
    script: str = LATIN
    width: float = 0.0      # natural advance in pt
    half: bool = False      # drawn narrower than 0.8 em (Latin, digits): the grid ends here
    squeezed: bool = False  # a closing mark set half-width (标点挤压)
    breaks: bool = False    # a forced line break (<br>) follows it


@dataclass
class Line:
    start: int
    end: int
    last: bool               # last line of its paragraph, or before a forced break


@dataclass(frozen=True)
class Edition:
    """One edition's text geometry."""

    name: str
    block_pt: float        # width of the text block
    condense_pt: float     # added to a Chinese character's advance (negative)
    margin_pt: float       # room left at the right edge (rounding of the renderer)
    step_pt: float = 0.0   # spacing resolution (Word: 1/20 pt); 0 = continuous
    drops_last: bool = True  # the last character of a script or format run is not condensed
    #: a line's last character is condensed whatever follows it (the PDF sets every
    #: character's spacing itself; LibreOffice drops it there too, but has more room)
    condenses_line_end: bool = False
    #: digits and Latin letters condensed like Chinese (the PDF when it draws a line
    #: chosen with the Word edition's rules: fewer runs of their own, same line ends)
    condenses_latin: bool = False

    def cell(self, size: float) -> float:
        return size + self.condense_pt


@functools.lru_cache(maxsize=1)
def editions() -> tuple[Edition, Edition]:
    """(PDF, Word) geometry from the house style."""
    hs = house_style()
    g = hs.grid
    width = hs.block_width_mm * 72 / 25.4
    pdf = Edition("pdf", width, g["css_letter_spacing_pt"], 0.02, condenses_line_end=True)
    # Word measures the block in twips: 11906 - 1587 - 1474 = 8845 (442.25 pt)
    twips = round(hs.page["width_mm"] * 1440 / 25.4) - round(hs.page["left_mm"] * 1440 / 25.4) \
        - round(hs.page["right_mm"] * 1440 / 25.4)
    docx = Edition("docx", twips / 20, g["docx_char_spacing_pt"], 0.5, step_pt=0.05)
    return pdf, docx


def drawn(ed: Edition) -> Edition:
    """How ``ed`` draws lines chosen with the common rules: the PDF condenses every
    character alike (its line ends where the choice said; the characters before the
    first half-width glyph stay on the grid exactly), the Word edition as LibreOffice
    does (the choice's own rules are its)."""
    if ed.name != "pdf":
        return ed
    return replace(ed, name="pdf-drawn", drops_last=False, condenses_latin=True)


def loose(ed: Edition) -> Edition:
    """``ed`` for a line that is not filled to the edge (a right-aligned 署名): Chinese
    condensed as in the PDF edition, to the nearest step ``ed`` can set, so both
    editions draw such lines alike."""
    pdf = editions()[0]
    if not ed.step_pt or ed is pdf:
        return ed
    steps = round(pdf.condense_pt / ed.step_pt)
    return replace(ed, name=ed.name + "-loose", condense_pt=round(steps * ed.step_pt, 2))


def glyphs_of(pieces: list[tuple[str, Style]], size: float) -> list[Glyph]:
    """The paragraph's characters, white space collapsed as CSS and Word show it
    (runs of spaces to one, none at the start or the end)."""
    out: list[Glyph] = []
    for text, style in pieces:
        for ch in text:
            if ch in "\t\n\r\f ":
                ch = " "
                if not out or out[-1].ch == " ":
                    continue
            out.append(Glyph(ch, style))
    while out and out[-1].ch == " ":
        out.pop()
    prev = ASIAN
    for g in out:
        s = script(g.ch)
        g.script = prev if s == WEAK else s
        prev = g.script
        g.width = em_width(g.ch) * size
        g.half = g.ch.isascii() or g.width < 0.8 * size
    return out


# ---------------------------------------------------------------------------- run-in headings

#: A paragraph opening with a heading number and a short phrase ending in 。 is a
#: run-in heading (（一）指导思想。以…): the phrase is set in the level's face.
RUN_IN = re.compile(r"^(?:(?P<l1>[一二三四五六七八九十]+、)|(?P<l2>（[一二三四五六七八九十]+）)|"
                    r"(?P<l3>\d+[.．])(?!\d)|(?P<l4>（\d+）))")
RUN_IN_MAX = 20          # characters after the number, up to and with the 。


def run_in_heading(text: str) -> tuple[int, int] | None:
    """(level, length of the heading phrase) for a run-in heading, else None."""
    m = RUN_IN.match(text)
    if not m:
        return None
    rest = text[m.end():]
    stop = rest.find("。")
    if stop < 1 or stop + 1 > RUN_IN_MAX or stop + 1 == len(rest.rstrip()):
        return None  # no phrase, too long, or the whole paragraph is one sentence
    level = int(m.lastgroup[1])
    return level, m.end() + stop + 1


# ---------------------------------------------------------------------------- breaking

#: Costs of the choices a line can make (lower is better).
SQUEEZE_COST = 4.0       # per closing mark set half-width
SPREAD_COST = 100.0      # a line of full-width characters spread off the grid
LONE_COST = 150.0        # a paragraph ending in a line of one character (孤字): worse
                         # than a line spread off the grid, which a reader hardly sees
RAGGED_COST = 1000.0     # a line that cannot be filled (a word longer than the line)
LOOK_BACK = 6            # how many characters a break may move back from the furthest fit


def can_break(gl: list[Glyph], i: int, *, words: bool = True) -> bool:
    """May a line end before gl[i]?  Never before a closing mark or after an opening
    one; with ``words``, never inside a Latin word, a number, a URL or 6·23 either."""
    a, b = gl[i - 1], gl[i]
    if b.ch in NO_START or a.ch in NO_END:
        return False
    if a.ch in GLUE_BEFORE_LATIN and b.ch.isascii() and b.ch.isalnum():
        return False
    if a.ch in SPACES or b.ch in SPACES or not words:
        return True
    return not (script(a.ch) == LATIN and script(b.ch) == LATIN)


class _Widths:
    """Advances of a paragraph's glyphs in one edition, with prefix sums: a line's
    natural width in O(1).

    ``base[i]`` is glyph i's advance: Chinese condensed, except the last of a
    stretch of one script and format (LibreOffice never condenses it; the PDF
    does the same); ``auto[i]`` the space after it when the next glyph is on the
    same line (a Chinese character beside a Latin letter or digit)."""

    def __init__(self, gl: list[Glyph], ed: Edition, size: float) -> None:
        self.gl, self.ed, self.size = gl, ed, size
        n = len(gl)
        self.cond = [self.condensed(i) for i in range(n)]
        self.base = [g.width + (ed.condense_pt if c else 0.0) for g, c in zip(gl, self.cond)]
        space = auto_space_pt(size)
        self.auto = [space if i + 1 < n and not gl[i].breaks and auto_space(gl[i].ch, gl[i + 1].ch)
                     else 0.0 for i in range(n)]
        self.cb, self.ca = [0.0], [0.0]
        for b, a in zip(self.base, self.auto):
            self.cb.append(self.cb[-1] + b)
            self.ca.append(self.ca[-1] + a)
        # what changes when glyph i ends a line (its condensing, PDF: always applied)
        self.end_adjust = [0.0 if self.cond[i] == self.line_end_condensed(i)
                           else ed.condense_pt for i in range(n)]
        # the first half-width glyph at or after each position (n: none)
        self.next_half = [n] * (n + 1)
        for i in range(n - 1, -1, -1):
            self.next_half[i] = i if gl[i].half else self.next_half[i + 1]

    def condensed(self, i: int, squeezed: frozenset[int] = frozenset()) -> bool:
        gl, ed = self.gl, self.ed
        g = gl[i]
        if i in squeezed:
            return False
        if g.script != ASIAN or g.half:
            return ed.condenses_latin and not g.ch.isspace()
        if not ed.drops_last:
            return True
        nxt = gl[i + 1] if i + 1 < len(gl) and not g.breaks else None
        return nxt is not None and nxt.script == ASIAN and not nxt.half \
            and (nxt.style is g.style or nxt.style == g.style) and i + 1 not in squeezed

    def line_end_condensed(self, i: int, squeezed: frozenset[int] = frozenset()) -> bool:
        """Is glyph i condensed when it ends a line?"""
        g = self.gl[i]
        if self.ed.condenses_line_end:
            return g.script == ASIAN and not g.half and i not in squeezed
        return self.condensed(i, squeezed) if squeezed else self.cond[i]

    def width(self, start: int, end: int, squeezed: frozenset[int] = frozenset()) -> float:
        """Natural width of the line gl[start:end] with the given glyphs squeezed
        (white space at its end hangs: not counted)."""
        while end - start > 1 and self.gl[end - 1].ch in SPACES:
            end -= 1
        w = self.cb[end] - self.cb[start] + self.ca[end - 1] - self.ca[start]
        last = end - 1
        if last not in squeezed:
            w += self.end_adjust[last]
        for i in squeezed:
            w -= self.base[i] - self.gl[i].width * squeeze_em()
            j = i - 1
            if j >= start and j not in squeezed and self.cond[j] \
                    and not self.condensed(j, squeezed):
                w -= self.base[j] - self.gl[j].width  # its neighbour is now a run end
        return w


def break_lines(gl: list[Glyph], size: float, first_indent: float, rest_indent: float,
                ed: Edition | None = None) -> list[Line]:
    """Where the lines of a paragraph (no forced breaks) end: see the module docstring.

    ``first_indent`` and ``rest_indent`` are in pt (the first line's indent, the
    others'); widths are measured in ``ed`` (default: the PDF edition, the
    narrower).  Glyphs chosen to be squeezed come back with ``squeezed`` set."""
    ed = ed or editions()[0]
    n = len(gl)
    if n == 0:
        return []
    W = _Widths(gl, ed, size)
    cell = ed.cell(size)
    tol = _rules()["tolerance_cells"] * cell

    def avail(start: int) -> float:
        return ed.block_pt - (first_indent if start == 0 else rest_indent) - ed.margin_pt

    def furthest(start: int) -> int:
        """The most glyphs from ``start`` that fit, natural spacing."""
        room = avail(start) + 1e-6
        # prefix sums give the width to within a glyph's end adjustment: bisect, then step
        lo, hi = start, n
        base = W.cb[start] + W.ca[start]
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if W.cb[mid] + W.ca[mid - 1] - base <= room + abs(ed.condense_pt) + 1e-6:
                lo = mid
            else:
                hi = mid - 1
        end = lo
        while end > start and W.width(start, end) > room:
            end -= 1
        while end < n and W.width(start, end + 1) <= room:
            end += 1
        return end

    def cost(start: int, end: int, sq: frozenset[int]) -> float | None:
        room = avail(start)
        width = W.width(start, end, sq)
        if width > room + 1e-6:
            return None
        if end == n:  # the last line is flush left: only a 孤字 counts
            chars = sum(1 for g in gl[start:end] if g.ch.isalnum())
            return LONE_COST if chars <= 1 and start > 0 else 0.0
        c = SQUEEZE_COST * len(sq)
        slack = room - width
        if slack <= tol:
            return c
        vis = end
        while vis - start > 1 and gl[vis - 1].ch in SPACES:
            vis -= 1
        k = min(W.next_half[start], min(sq, default=n))
        gaps = vis - 1 - k if k < vis else 0
        if gaps >= 1:
            per = slack / gaps
            return c + 10 * (per / cell) ** 2 + (5.0 if per > 0.25 * size else 0.0)
        return c + SPREAD_COST + slack / cell

    def options(start: int) -> list[tuple[int, frozenset[int]]]:
        end = furthest(start)
        if end == n:
            return [(n, frozenset())]
        if end == start:  # one glyph wider than the line: it goes alone
            return [(start + 1, frozenset())]
        near_end = n - end <= 2 * LOOK_BACK   # the paragraph's last line is at stake (孤字)
        if not near_end and can_break(gl, end) and (cost(start, end, frozenset()) or 0.0) <= 0.0:
            return [(end, frozenset())]        # a clean, flush break: nothing to weigh
        out = []
        for e in range(end, max(start, end - LOOK_BACK), -1):
            if can_break(gl, e):
                out.append((e, frozenset()))
        if not out:  # a long unbreakable stretch: the latest break that keeps 避头尾,
            # even inside a Latin run longer than the line; else at the edge
            e = next((e for e in range(end, start, -1) if can_break(gl, e)), None) \
                or next((e for e in range(end, start, -1) if can_break(gl, e, words=False)), end)
            out.append((e, frozenset()))
        # one or two glyphs more, when marks of the line are set half-width (标点挤压):
        # keeps up a closing mark that would open the next line, or lets an opening
        # mark go down with what it opens without leaving a gap
        for extra in (1, 2, 3):
            e = end + extra
            if e > n or (e < n and not can_break(gl, e)):
                continue
            marks = [i for i in range(e - 1, start, -1) if gl[i].ch in SQUEEZABLE]
            for k in range(1, min(len(marks), 2 * extra + 1) + 1):
                out.append((e, frozenset(marks[:k])))
        return out or [(end, frozenset())]

    # reachable line starts, then the cheapest plan from each, last first
    opts: dict[int, list[tuple[int, frozenset[int]]]] = {}
    todo = [0]
    while todo:
        s = todo.pop()
        if s in opts or s >= n:
            continue
        opts[s] = options(s)
        todo += [e for e, _ in opts[s] if e not in opts]
    best: dict[int, tuple[float, int, frozenset[int]]] = {n: (0.0, n, frozenset())}
    for s in sorted(opts, reverse=True):
        found = None
        for e, sq in opts[s]:
            c = cost(s, e, sq)
            if c is None:
                continue  # does not fit
            total = c + best[e][0]
            if found is None or total < found[0]:
                found = (total, e, sq)
        if found is None:  # nothing fits: one glyph at least, ragged
            e = max(furthest(s), s + 1)
            if e not in best:
                e = min(k for k in best if k > s)
            found = (RAGGED_COST + best[e][0], e, frozenset())
        best[s] = found
    lines, s = [], 0
    while s < n:
        _, e, sq = best[s]
        for i in sq:
            gl[i].squeezed = True
        lines.append(Line(s, e, e == n))
        s = e
    return lines


# ---------------------------------------------------------------------------- spacing

def line_spacing(gl: list[Glyph], line: Line, size: float, indent: float, ed: Edition,
                 widths: "_Widths | None" = None) -> list[float]:
    """The letter-spacing of each glyph of ``line`` in ``ed`` (pt, added after the
    glyph; a squeezed glyph is drawn half-width by the renderer and gets none),
    such that a line that is not the last ends on the right edge.

    The slack goes into the gaps after the line's first half-width glyph; a
    Chinese character there is no longer condensed before any Latin glyph gets
    more (in both editions, so a stretch never ends in a negative spacing, which
    LibreOffice would drop)."""
    W = widths or _Widths(gl, ed, size)
    sq = frozenset(i for i in range(line.start, line.end) if gl[i].squeezed)
    s, e = line.start, line.end
    spacing = []
    for i in range(s, e):
        g = gl[i]
        if i in sq:
            spacing.append(0.0)
            continue
        if i + 1 < e:
            v = (ed.condense_pt if W.condensed(i, sq) else 0.0) + W.auto[i]
        else:
            v = ed.condense_pt if W.line_end_condensed(i, sq) else 0.0
        spacing.append(v)
    if line.last:
        return _quantise(spacing, ed)
    vis = e
    while vis - s > 1 and gl[vis - 1].ch in SPACES:  # white space at the end hangs
        vis -= 1
    natural = sum(g.width * squeeze_em() if i in sq else g.width
                  for i, g in zip(range(s, vis), gl[s:vis]))
    slack = ed.block_pt - indent - ed.margin_pt - natural - sum(spacing[:vis - s])
    k = next((j for j, i in enumerate(range(s, vis)) if gl[i].half or i in sq), None)
    if slack <= 0 or (k is None and slack <= _rules()["tolerance_cells"] * ed.cell(size)):
        return _quantise(spacing, ed)
    gaps = list(range(k if k is not None else 0, vis - s - 1))
    if not gaps:
        return _quantise(spacing, ed)
    # raise the lowest spacings first (condensed Chinese up to 0), then all alike; a
    # gap beside a Chinese character stays under a quarter em (more reads as a space)
    cap = {j: (_rules()["max_gap_em"] * size if _touches_cjk(gl, s + j) else float("inf"))
           for j in gaps}

    lo = _water_level({j: spacing[j] for j in gaps}, cap, slack)
    for j in gaps:
        spacing[j] = max(spacing[j], min(lo, max(cap[j], spacing[j])))
    # (Word's steps: what rounding down leaves, a step or so per gap, the renderer's own
    # justification spreads; more steps here would split runs and change their ends)
    return _quantise(spacing, ed)


def _water_level(base: dict[int, float], cap: dict[int, float], slack: float) -> float:
    """The level L at which raising every gap j to min(max(base_j, L), cap_j) adds
    ``slack`` in all (the lowest raised first; capped gaps stop at their cap); the
    caps are dropped when they cannot hold the slack."""
    def added(level: float, caps: dict[int, float]) -> float:
        return sum(max(b, min(level, max(caps[j], b))) - b for j, b in base.items())

    points = sorted({*base.values(), *(c for c in cap.values() if c != float("inf"))})
    if added(points[-1] + slack, cap) < slack - 1e-9:
        cap = {j: float("inf") for j in base}
        points = sorted(set(base.values()))
    # added() is piecewise linear between the points: find the segment, then solve
    prev = points[0]
    for p in [*points[1:], points[-1] + slack + 1.0]:
        if added(p, cap) >= slack - 1e-12:
            lo_v, hi_v = added(prev, cap), added(p, cap)
            return prev + (slack - lo_v) * (p - prev) / (hi_v - lo_v) if hi_v > lo_v else p
        prev = p
    return prev


def _touches_cjk(gl: list[Glyph], i: int) -> bool:
    """Is the gap after gl[i] beside a full-width (Chinese) glyph?"""
    return any(not g.half for g in gl[i:i + 2])


def _quantise(spacing: list[float], ed: Edition) -> list[float]:
    if not ed.step_pt:
        return [round(v, 3) for v in spacing]
    # rounded down: a line never grows past the width it was measured at
    return [round(math.floor(v / ed.step_pt + 1e-6) * ed.step_pt, 2) for v in spacing]


# ---------------------------------------------------------------------------- paragraphs

@dataclass
class Laid:
    """A paragraph's glyphs and lines (chosen once for both editions)."""

    glyphs: list[Glyph]
    lines: list[Line]
    first_indent: tuple[float, float]   # (cells, pt)
    rest_indent: tuple[float, float]
    size: float

    def indent_pt(self, line: Line, ed: Edition) -> float:
        return _pt(self.first_indent if line.start == 0 else self.rest_indent, ed, self.size)

    def spacing(self, ed: Edition) -> list[list[float]]:
        """Each line's per-glyph letter-spacing in edition ``ed``."""
        widths = _Widths(self.glyphs, ed, self.size) if self.glyphs else None
        return [line_spacing(self.glyphs, ln, self.size, self.indent_pt(ln, ed), ed, widths)
                for ln in self.lines]


def heading_face(level: int) -> str:
    """The typeface a heading level is set in (一、黑体 （一）楷体 1. （1）仿宋)."""
    return house_style().role(f"heading{min(max(level, 1), 4)}")["font"]


#: Inline marks that change the typeface of body text (Fandol has no bold or italic).
MARK_FACE = {"strong": 1, "em": 2}   # strong in the 一、 face (黑体), em in the （一） face (楷体)


def mark_face(tag: str) -> str | None:
    """The typeface an inline mark sets its text in: strong and em as the heading
    levels above, an article's number (第X条, canonical ``num``) in the regulation's
    article number face; None for a mark that keeps the face around it."""
    if tag in MARK_FACE:
        return heading_face(MARK_FACE[tag])
    if tag == "num":
        return house_style().raw["regulation"]["article_number_font"]
    return None


def pieces(node, tag_of, base: str, *, keep_faces: bool = True) -> list[list[tuple[str, Style]]] | None:
    """A block's inline content as stretches between forced breaks, each a list of
    (text, Style).  ``tag_of(el)`` names an inline element as the canonical XML does
    (strong, em, a, br, sup, sub, num) or returns None for one that is not understood:
    the block is then left to the renderer (None).  ``keep_faces`` false (headings):
    the heading's face whatever the marks say."""
    segments: list[list[tuple[str, Style]]] = [[]]

    def walk(el, marks: frozenset[str], face: str) -> bool:
        if el.text:
            segments[-1].append((el.text, Style(face, marks)))
        for child in el:
            tag = tag_of(child)
            if tag is None or tag in ("sup", "sub"):
                return False
            if tag == "br":
                segments.append([])
            else:
                f = (mark_face(tag) if keep_faces else None) or face
                if not walk(child, marks | {tag}, f):
                    return False
            if child.tail:
                segments[-1].append((child.tail, Style(face, marks)))
        return True

    if not walk(node, frozenset(), base):
        return None
    return segments


def lay_out(segments: list[list[tuple[str, Style]]], size: float, first_indent: tuple[float, float],
            rest_indent: tuple[float, float], *, run_in: bool = False) -> Laid:
    """Lines of a paragraph given as stretches between forced breaks (``<br>``).

    Indents are (cells of the body grid, pt): the paragraph's first line takes
    ``first_indent``, every other line (also the first after a forced break)
    ``rest_indent``.  With ``run_in``, a run-in heading phrase the paragraph opens
    with (（一）指导思想。) is set in its level's face, whatever marks it had."""
    pdf = editions()[0]
    glyphs: list[Glyph] = []
    lines: list[Line] = []
    for si, seg in enumerate(segments):
        gl = glyphs_of(seg, size)
        if si == 0 and run_in:
            found = run_in_heading("".join(g.ch for g in gl))
            if found:
                level, length = found
                for g in gl[:length]:
                    g.style = Style(heading_face(level))
        offset = len(glyphs)
        first = first_indent if si == 0 else rest_indent
        for ln in break_lines(gl, size, _pt(first, pdf, size), _pt(rest_indent, pdf, size), pdf):
            lines.append(Line(ln.start + offset, ln.end + offset, ln.last))
        if gl:
            gl[-1].breaks = True
        glyphs += gl
    return Laid(glyphs, lines, first_indent, rest_indent, size)


def _pt(indent: tuple[float, float], ed: Edition, size: float) -> float:
    return indent[0] * ed.cell(size) + indent[1]


_ATTACH_LABEL = re.compile(r"^附件\s*[：:]?")
_ATTACH_NUMBER = re.compile(r"^\s*\d+\s*[.．、]?")


def attachment_indents(text: str, first: bool) -> tuple[tuple[float, float], tuple[float, float]]:
    """Indents (cells, pt) of a 附件说明 line (GB/T 9704 7.3.4), first and wrapped.

    "附件：" starts two 字 in; the names follow it and wrapped lines align with the
    first character of the name ("1." and its dot stand out to the left); a later
    item ("2.名称") starts under "1.".  Applied once: the source's own indent of
    these lines is not added."""
    hs = house_style()
    size = hs.role("body")["size_pt"]
    indent = hs.role("body")["first_indent_chars"]
    label_cells = hs.role("attachment_note")["label_chars"]
    body = text
    if first:
        m = _ATTACH_LABEL.match(text)
        if m:
            body = text[m.end():]
    num = _ATTACH_NUMBER.match(body)
    num_pt = sum(em_width(c) * size for c in num.group(0).strip()) if num else 0.0
    start = (float(indent), 0.0) if first else (float(indent + label_cells), 0.0)
    return start, (float(indent + label_cells), num_pt)


def natural_width(text: str, size: float, ed: Edition, face: str = "fangsong") -> float:
    """Width of ``text`` set as one line of the house style in ``ed`` (condensed
    Chinese, natural Latin, the space beside digits), in pt."""
    gl = glyphs_of([(text, Style(face))], size)
    if not gl:
        return 0.0
    return _Widths(gl, ed, size).width(0, len(gl))


def signature_places(orgs: list[str], date: str | None, size: float, ed: Edition
                     ) -> tuple[list[float], float]:
    """Right indents (pt) of the 署名 lines and of the 成文日期, unsealed (GB/T 9704
    7.3.5.2): the 署名 two 字 from the right edge, the date on the next line with its
    first character two 字 right of the 署名's; a date longer than that sits two 字
    from the right edge and the 署名 moves left.  Several 署名 (joint issue) start
    in one column, that of the longest."""
    role = house_style().role("signature")
    right = role["right_indent_chars"] * ed.cell(size)
    offset = role["date_offset_chars"] * ed.cell(size)
    widths = [natural_width(o, size, ed) for o in orgs]
    w_date = natural_width(date, size, ed) if date else 0.0
    w_org = max(widths, default=0.0)
    org_right = max(right, right + offset + w_date - w_org) if date else right
    start = ed.block_pt - org_right - w_org          # the 署名's first character
    date_right = ed.block_pt - (start + offset) - w_date if date else right
    return [ed.block_pt - start - w for w in widths], date_right


def first_indent_chars(indent: str | None) -> int | None:
    """The first-line indent (字) a paragraph is set with, from its canonical @indent.

    The house style indents paragraphs two 字 (GB/T 9704 7.3.3).  @indent records
    how far the page indented the line, by whatever means (　　, eight &nbsp;, a
    CSS text-indent): an indented line is a paragraph, set at two 字; a line the
    page set flush (0) stays flush.  None: no @indent (the caller's default)."""
    if indent is None:
        return None
    try:
        n = int(indent)
    except ValueError:
        return None
    return house_style().role("body")["first_indent_chars"] if n > 0 else 0
