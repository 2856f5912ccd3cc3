"""Which characters the installed fonts can draw.

Pango falls back glyph by glyph through every installed font, so a character is
lost (drawn as a "tofu" box) only when no installed font has it.  That is what
this module answers, with the fonts' own cmap tables read by fontTools.  The
font list and each cmap are read once per process: a batch asks for thousands
of documents.
"""
from __future__ import annotations

import bisect
import functools
import subprocess
import unicodedata
from pathlib import Path

from ..style import house_style


def face_family(font: str) -> str:
    """The @font-face family naming a role's exact program (see face_css)."""
    face = house_style().typeface(font).face
    return f"govdoc {face}" if face else ""


def css_stack(font: str) -> str:
    """The CSS font-family list of a typeface role: the role's exact open program
    (an @font-face of ``face_css``), then the official names (used where an office
    font is installed), the open family, the per-glyph fallback and the last-resort
    box font.

    Digits and Latin letters outside the title take the Latin role's face: the
    line builder (render/lines.py) puts them in spans of their own, as the Word
    edition puts them in the Latin font.  (A unicode-range face in front of the
    stack cannot do it: fontconfig trims the families behind it, whose coverage
    the full program it was cut from already has.)"""
    names = [face_family(font), *house_style().typeface(font).stack, LAST_RESORT]
    return ", ".join(f'"{n}"' for n in dict.fromkeys(n for n in names if n)) + ", serif"


def face_css() -> str:
    """@font-face rules loading each role's exact program by its PostScript name.

    Fandol's Bold files declare the Regular weight, so "FandolHei" alone may give
    FandolHei-Bold; ``local("FandolHei-Regular")`` cannot.  One rule per program:
    two families on copies of one program make fontconfig keep only one of them.
    The title's program is declared bold (it is a bold program), so a rare
    character it lacks falls back to the bold weight of its fallback family."""
    hs = house_style()
    rules: dict[str, str] = {}
    for key in hs.raw["fonts"]:
        face = hs.typeface(key)
        if face.face and face.face not in rules:
            rules[face.face] = (f'@font-face {{ font-family: "{face_family(key)}"; '
                                f'src: local("{face.face}"); font-weight: {face.weight}; }}')
    return "\n".join(rules.values())


@functools.lru_cache(maxsize=1)
def program_files() -> dict[str, Path]:
    """PostScript name -> font file, of every installed font program (fc-list, once)."""
    try:
        out = subprocess.run(["fc-list", "--format", "%{postscriptname}\t%{file}\n"],
                             capture_output=True, text=True, timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    found: dict[str, Path] = {}
    for line in out.splitlines():
        name, _, path = line.partition("\t")
        if name and path:
            found.setdefault(name, Path(path))
    return found


@functools.lru_cache(maxsize=1)
def font_files() -> frozenset[Path]:
    """Every installed font file (resolved): what the house stylesheet may read."""
    return frozenset(p.resolve() for p, _, _ in installed_fonts())


@functools.lru_cache(maxsize=1)
def installed_fonts() -> tuple[tuple[Path, int, tuple[str, ...]], ...]:
    """(file, face index, family names) of every font fontconfig knows, read once."""
    try:
        out = subprocess.run(["fc-list", "--format", "%{file}\t%{index}\t%{family}\n"],
                             capture_output=True, text=True, timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    fonts = []
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) != 3:
            continue
        try:
            fonts.append((Path(parts[0]), int(parts[1] or 0), tuple(parts[2].split(","))))
        except ValueError:
            continue
    # the families the house style names first: they answer most questions alone
    preferred = {n for role in house_style().raw["fonts"] for n in house_style().typeface(role).stack}
    fonts.sort(key=lambda f: (not preferred.intersection(f[2]), str(f[0]), f[1]))
    return tuple(fonts)


@functools.lru_cache(maxsize=None)
def _cmap(path: Path, index: int) -> frozenset[int]:
    from fontTools.ttLib import TTFont  # imported late: only needed for rare characters

    try:
        with TTFont(str(path), fontNumber=index, lazy=True) as font:
            return frozenset(font.getBestCmap() or ())
    except Exception:  # a broken font file draws nothing
        return frozenset()


def _needs_glyph(ch: str) -> bool:
    # white space and format/control characters are not drawn
    return not ch.isspace() and unicodedata.category(ch) not in ("Cc", "Cf", "Zs", "Zl", "Zp")


@functools.lru_cache(maxsize=1)
def _coverage() -> tuple[list[int], list[int]] | None:
    """Every code point some installed font draws, as merged ranges (starts, ends),
    from fontconfig's own charsets: one ``fc-list`` call per worker (about 40 ms),
    where reading every font's cmap for a character none has took 15-30 s under
    load.  fontconfig's charset is also what Pango's fallback consults.  None when
    fc-list cannot be run (the fonts' cmaps are read instead)."""
    try:
        out = subprocess.run(["fc-list", "--format", "%{charset}\n"],
                             capture_output=True, text=True, timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    spans = []
    for token in out.split():
        lo, _, hi = token.partition("-")
        try:
            spans.append((int(lo, 16), int(hi or lo, 16)))
        except ValueError:
            continue
    spans.sort()
    starts: list[int] = []
    ends: list[int] = []
    for lo, hi in spans:
        if ends and lo <= ends[-1] + 1:
            ends[-1] = max(ends[-1], hi)
        else:
            starts.append(lo)
            ends.append(hi)
    return starts, ends


@functools.lru_cache(maxsize=65536)
def drawable(ch: str) -> bool:
    """True when some installed font has a glyph for ``ch``."""
    cp = ord(ch)
    cov = _coverage()
    if cov is not None and cov[0]:
        i = bisect.bisect_right(cov[0], cp) - 1
        return i >= 0 and cp <= cov[1][i]
    return any(cp in _cmap(path, index) for path, index, _ in installed_fonts())


def undrawable(text: str) -> list[str]:
    """Characters of ``text`` no installed font can draw, each once, in order of appearance."""
    return [ch for ch in dict.fromkeys(text) if _needs_glyph(ch) and not drawable(ch)]


#: Family of the generated font that draws characters no installed font has.
LAST_RESORT = "govdoc last resort"


def _box_glyph():
    """A framed square, 1 em wide: outer contour clockwise, inner counter-clockwise."""
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    pen = TTGlyphPen(None)
    for pts in ([(80, -60), (80, 820), (920, 820), (920, -60)],
                [(140, 0), (860, 0), (860, 760), (140, 760)]):
        pen.moveTo(pts[0])
        for p in pts[1:]:
            pen.lineTo(p)
        pen.closePath()
    return pen.glyph()


@functools.lru_cache(maxsize=256)
def last_resort_font(codepoints: frozenset[int]) -> bytes:
    """A small TrueType font drawing a framed box for each of ``codepoints``.

    PDF/A forbids showing the .notdef glyph (ISO 19005 6.2.11.8), so a character no
    installed font has would make the whole document fail.  This font gives such
    characters a real glyph (an open box, like the "Last Resort" font) while the
    text layer keeps the character itself, so nothing is lost and the warning
    names it.  One glyph per character: the PDF's ToUnicode map then gives each its
    own text.
    """
    import io

    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    ordered = sorted(codepoints)
    names = [f"box{cp:X}" for cp in ordered]
    box = _box_glyph()
    fb = FontBuilder(1000, isTTF=True)
    fb.setupGlyphOrder([".notdef", *names])
    fb.setupCharacterMap(dict(zip(ordered, names)))
    fb.setupGlyf({".notdef": TTGlyphPen(None).glyph(), **{n: box for n in names}})
    fb.setupHorizontalMetrics({".notdef": (1000, 0), **{n: (1000, 80) for n in names}})
    fb.setupHorizontalHeader(ascent=880, descent=-120)
    fb.setupNameTable({"familyName": LAST_RESORT, "styleName": "Regular"})
    fb.setupOS2(sTypoAscender=880, sTypoDescender=-120, usWinAscent=880, usWinDescent=120,
                fsType=0)
    fb.setupPost()
    buf = io.BytesIO()
    fb.save(buf)
    return buf.getvalue()


def last_resort_css(chars: list[str]) -> str:
    """An @font-face rule (data: URL, no file) for the last-resort font of ``chars``."""
    import base64

    data = base64.b64encode(last_resort_font(frozenset(ord(c) for c in chars))).decode("ascii")
    return (f'@font-face {{ font-family: "{LAST_RESORT}"; '
            f"src: url(data:font/ttf;base64,{data}) format('truetype'); }}")


#: Family of the generated face holding the squeezable closing marks at half width.
HALF_PUNCT = "govdoc halfwidth punctuation"


@functools.lru_cache(maxsize=1)
def half_punct_font() -> bytes | None:
    """The body face's closing and opening marks (，。）》 … （《“ …) at half width.

    A mark whose ink fills one half of its em is set half-width when a line must
    hold one more character (标点挤压, render/lines.py; ``[lines] squeeze_em``).  Drawn
    from a face of its own, the mark *is* a half-width glyph in the PDF (its width
    reads half an em, its outline is the body face's), instead of a full glyph
    overlapped by the next one.  Built once per process from the installed body
    font (None when it is not installed: the marks then stay full width)."""
    import io

    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.transformPen import TransformPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont

    from .lines import SQUEEZABLE, SQUEEZE_OPENING, squeeze_em

    face = house_style().role_typeface("body").face
    path = program_files().get(face or "")
    if path is None:
        return None
    with TTFont(str(path), lazy=True) as src:
        upem = src["head"].unitsPerEm
        cmap, glyphs = src.getBestCmap(), src.getGlyphSet()
        ascent, descent = src["hhea"].ascent, src["hhea"].descent
        half = round(upem * squeeze_em())
        names, outlines, metrics, mapping = [".notdef"], {}, {}, {}
        outlines[".notdef"] = TTGlyphPen(None).glyph()
        metrics[".notdef"] = (half, 0)
        for ch in sorted(SQUEEZABLE):
            g = cmap.get(ord(ch))
            if g is None:
                continue
            name = f"uni{ord(ch):04X}"
            pen = TTGlyphPen(None)
            # TrueType outlines (quadratic): a CFF font of its own would be a non-CID
            # CFF under a CID font in the PDF, which PDF/A does not allow
            target = Cu2QuPen(pen, max_err=1.0, reverse_direction=True)
            # an opening mark's ink is in the right half of its em: move it left
            shift = half - upem if ch in SQUEEZE_OPENING else 0
            glyphs[g].draw(TransformPen(target, (1, 0, 0, 1, shift, 0)) if shift else target)
            outlines[name] = pen.glyph()
            metrics[name] = (half, 0)
            mapping[ord(ch)] = name
            names.append(name)
    ps = f"{face}-HalfwidthPunct"
    fb = FontBuilder(upem, isTTF=True)
    fb.setupGlyphOrder(names)
    fb.setupCharacterMap(mapping)
    fb.setupGlyf(outlines)
    fb.setupHorizontalMetrics(metrics)
    fb.setupHorizontalHeader(ascent=ascent, descent=descent)
    fb.setupNameTable({"familyName": HALF_PUNCT, "styleName": "Regular", "psName": ps})
    fb.setupOS2(sTypoAscender=ascent, sTypoDescender=descent, usWinAscent=ascent,
                usWinDescent=-descent, fsType=0)
    fb.setupPost()
    buf = io.BytesIO()
    fb.save(buf)
    return buf.getvalue()


def half_punct_css() -> str:
    """The @font-face rule (data: URL) of ``half_punct_font``, or "" without it."""
    import base64

    data = half_punct_font()
    if data is None:
        return ""
    return (f'@font-face {{ font-family: "{HALF_PUNCT}"; '
            f"src: url(data:font/ttf;base64,{base64.b64encode(data).decode('ascii')}) "
            "format('truetype'); }")
