"""The Word edition's justified paragraphs, with the lines ``lines.py`` chose.

The paragraph stays one flowing Word paragraph (a Word user edits it as usual):
no line break is written.  Its runs carry what makes Word and LibreOffice end
each line where the PDF edition does: the character spacing of each stretch
(``lines.line_spacing`` for the Word edition: condensed Chinese, natural Latin,
the slack of a line after its first half-width glyph; not the space beside
digits and Latin letters, which both add themselves), 48 % width for a squeezed
mark (``w:w``, 标点挤压) and the face of a run-in heading or of emphasis.  A line
filled this way to its edge leaves no room for the next character, so the
renderer breaks there; the half point left over it spreads itself (``w:jc both``).
"""
from __future__ import annotations

from lxml import etree

from ..style import HouseStyle
from . import ooxml as ox
from .lines import LATIN, Edition, Laid, auto_space, auto_space_pt, editions, squeeze_em


def write_runs(target: etree._Element, laid: Laid, base_face: str, hs: HouseStyle,
               style_spacing_pt: float, edition: Edition | None = None) -> None:
    """Append the runs of ``laid`` to ``target`` (a ``w:p`` or a ``w:hyperlink``).

    ``base_face`` is the paragraph style's typeface role and ``style_spacing_pt``
    its character spacing: runs repeat neither.  ``edition``: the Word edition's
    geometry (default), or its ``loose`` variant for a line that is not filled."""
    latin = hs.typeface("latin").office_name
    width = round(squeeze_em() * 100)
    spacing = laid.spacing(edition or editions()[1])
    space = auto_space_pt(laid.size)
    style_twips = round(style_spacing_pt * 20)
    gl = laid.glyphs
    runs: list[tuple[tuple, str]] = []
    for li, (line, ls) in enumerate(zip(laid.lines, spacing)):
        if li and laid.lines[li - 1].last:
            runs.append((("br",), ""))  # a forced break of the source (<br>)
        for i, v in zip(range(line.start, line.end), ls):
            g = gl[i]
            if i + 1 < line.end and auto_space(g.ch, gl[i + 1].ch):
                v -= space  # Word and LibreOffice add it themselves
            twips = round(v * 20)
            face = g.style.face if g.style.face != base_face else None
            key = (face, twips, g.squeezed)
            if runs and runs[-1][0] != ("br",) and twips == 0 and not g.squeezed and g.script != LATIN:
                # the last Chinese character of a stretch of one script or format:
                # LibreOffice never condenses it; written in the run before it (not a
                # run of its own, whose start would end that run and uncondense its
                # last character too)
                prev = runs[-1][0]
                if prev[0] == face and not prev[2] and prev[1] < 0:
                    key = prev
            if runs and runs[-1][0] == key and key != ("br",):
                runs[-1] = (key, runs[-1][1] + g.ch)
            else:
                runs.append((key, g.ch))
    style_twips = round(style_spacing_pt * 20)
    for key, text in runs:
        if key == ("br",):
            target.append(ox.break_run())
            continue
        face, twips, squeezed = key
        rpr = ox.el("rPr")
        if face is not None:
            rpr.append(ox.rfonts(hs.typeface(face).office_name, latin))
        if twips != style_twips:
            rpr.append(ox.el("spacing", val=twips))
        if squeezed:
            rpr.append(ox.el("w", val=width))
        target.append(ox.text_run(text, rpr if len(rpr) else None))
