"""Which characters the installed fonts can draw.

Pango falls back glyph by glyph through every installed font, so a character is
lost (drawn as a "tofu" box) only when no installed font has it.  That is what
this module answers, with the fonts' own cmap tables read by fontTools.  The
font list and each cmap are read once per process: a batch asks for thousands
of documents.
"""
from __future__ import annotations

import functools
import subprocess
import unicodedata
from pathlib import Path

from ..style import house_style


def css_stack(font: str) -> str:
    """The CSS font-family list of a typeface role: official names, open fonts, fallback."""
    names = house_style().typeface(font).stack
    return ", ".join(f'"{n}"' for n in names) + ", serif"


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
        font = TTFont(str(path), fontNumber=index, lazy=True)
        return frozenset(font.getBestCmap() or ())
    except Exception:  # a broken font file draws nothing
        return frozenset()


def _needs_glyph(ch: str) -> bool:
    # white space and format/control characters are not drawn
    return not ch.isspace() and unicodedata.category(ch) not in ("Cc", "Cf", "Zs", "Zl", "Zp")


@functools.lru_cache(maxsize=65536)
def drawable(ch: str) -> bool:
    """True when some installed font has a glyph for ``ch``."""
    cp = ord(ch)
    return any(cp in _cmap(path, index) for path, index, _ in installed_fonts())


def undrawable(text: str) -> list[str]:
    """Characters of ``text`` no installed font can draw, each once, in order of appearance."""
    seen: dict[str, None] = {}
    for ch in text:
        if ch not in seen and _needs_glyph(ch) and not drawable(ch):
            seen[ch] = None
    return list(seen)
