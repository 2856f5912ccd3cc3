"""A last-resort font for characters no installed font can draw.

Some characters have no glyph anywhere on the machine (CJK Extension G and later,
private-use characters from a portal's own font).  Left alone, the PDF would
show the font's .notdef glyph, which PDF/A forbids (ISO 19005 6.2.11.8), and
the text layer could lose the character.  Instead each such character gets a
glyph of its own in a small font made for this one document: a framed box,
visibly "character not available", while the text layer keeps the exact code
point, so searching and copying still find it and fidelity holds.  The document
also carries a warning naming each such character.
"""
from __future__ import annotations

import base64
import functools
import io

FAMILY = "govdoc last resort"
_UPM = 1000


def _box():
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    pen = TTGlyphPen(None)
    # outer contour clockwise, inner counter-clockwise: a framed square
    for pts in ([(80, -60), (80, 800), (920, 800), (920, -60)],
                [(140, 0), (860, 0), (860, 740), (140, 740)]):
        pen.moveTo(pts[0])
        for p in pts[1:]:
            pen.lineTo(p)
        pen.closePath()
    return pen.glyph()


@functools.lru_cache(maxsize=64)
def font_bytes(chars: frozenset[str]) -> bytes:
    """A TrueType font with one box glyph per character of ``chars``."""
    from fontTools.fontBuilder import FontBuilder

    ordered = sorted(chars)
    names = [".notdef"] + [f"u{ord(c):04X}" for c in ordered]
    fb = FontBuilder(_UPM, isTTF=True)
    fb.setupGlyphOrder(names)
    fb.setupCharacterMap({ord(c): n for c, n in zip(ordered, names[1:])})
    box = _box()
    fb.setupGlyf({n: box for n in names})
    fb.setupHorizontalMetrics({n: (_UPM, 80) for n in names})
    fb.setupHorizontalHeader(ascent=880, descent=-120)
    fb.setupNameTable({"familyName": FAMILY, "styleName": "Regular"})
    fb.setupOS2(sTypoAscender=880, sTypoDescender=-120, usWinAscent=880, usWinDescent=120)
    fb.setupPost()
    out = io.BytesIO()
    fb.save(out)
    return out.getvalue()


def font_face_css(chars: frozenset[str]) -> str:
    """An @font-face rule carrying the font inline (data: URI: no file, no fetch)."""
    data = base64.b64encode(font_bytes(chars)).decode("ascii")
    return (f'@font-face {{ font-family: "{FAMILY}"; '
            f'src: url(data:font/ttf;base64,{data}) format("truetype"); }}')
