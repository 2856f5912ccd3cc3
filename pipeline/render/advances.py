"""How wide text is set: glyph advances of the installed fonts, read once.

Both editions break table cells where the shared table layout (``tablegrid``)
says, so it must know how wide a run of text will be in the face the cell is set
in.  The advances come from the font files fontconfig resolves for the typeface
role (the first family of its stack that is installed), read with fontTools; a
character that face lacks is drawn by the per-glyph fallback, which is taken as
one em for full-width characters and 0.55 em for the rest.
"""
from __future__ import annotations

import functools
import unicodedata
from pathlib import Path

from ..style import house_style
from .fonts import installed_fonts

#: Advance of a character the face lacks, in em, by East Asian width.
_FALLBACK_WIDE, _FALLBACK_NARROW = 1.0, 0.55


@functools.lru_cache(maxsize=16)
def _face_file(font: str) -> tuple[Path, int] | None:
    """The regular-weight file of the first installed family of typeface role *font*."""
    fonts = installed_fonts()
    for family in house_style().typeface(font).stack:
        files = [(p, i) for p, i, names in fonts if family in names]
        if files:
            # a family with several weights: the regular one (cells are set regular)
            files.sort(key=lambda f: ("bold" in f[0].name.lower(), "light" in f[0].name.lower(), str(f[0])))
            return files[0]
    return None


@functools.lru_cache(maxsize=16)
def _advances(font: str) -> dict[int, float]:
    """Code point -> advance in em for typeface role *font* ({} when no font is found)."""
    found = _face_file(font)
    if found is None:
        return {}
    from fontTools.ttLib import TTFont

    path, index = found
    try:
        with TTFont(str(path), fontNumber=index, lazy=True) as tt:
            upm = tt["head"].unitsPerEm
            hmtx = tt["hmtx"].metrics
            return {cp: hmtx[g][0] / upm for cp, g in (tt.getBestCmap() or {}).items() if g in hmtx}
    except Exception:  # an unreadable font: estimate every character
        return {}


def _fallback(ch: str) -> float:
    return _FALLBACK_WIDE if unicodedata.east_asian_width(ch) in "WF" else _FALLBACK_NARROW


def em_width(text: str, *fonts: str) -> float:
    """Width of *text* in em when set in typeface role *fonts[0]*, no letter spacing.

    With several roles each character counts at its widest among them: the Word
    edition sets digits and Latin letters in the Latin face, the PDF in the cell's
    own face, and a break must hold in both."""
    tables = [_advances(f) for f in fonts]
    return sum(max((a.get(ord(ch)) or _fallback(ch)) for a in tables) for ch in text)
