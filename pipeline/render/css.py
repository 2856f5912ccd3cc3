"""The PDF stylesheet: ``stylesheets/gbt9704.css`` filled from ``layout.toml``.

The CSS file is a ``string.Template``; this module is the one place that turns
the house style into CSS lengths, so a value changed in layout.toml changes the
PDF without touching CSS or Python.
"""
from __future__ import annotations

import functools
from string import Template

from ..style import HouseStyle, house_style, read_stylesheet
from .fonts import HALF_PUNCT, css_stack


def pt(x: float) -> str:
    return f"{x:.3f}".rstrip("0").rstrip(".") + "pt"


def mm(x: float) -> str:
    return f"{x:g}mm"


@functools.lru_cache(maxsize=1)
def grid() -> dict[str, float]:
    """Grid figures in points the renderer also needs (signature, figures)."""
    hs = house_style()
    g = hs.grid
    return {
        "pitch": g["line_pitch_pt"],
        "cell": g["char_pitch_pt"],  # one 字 on the body grid
        "letter_spacing": g["css_letter_spacing_pt"],
        "body_size": hs.role("body")["size_pt"],
        "block_width_pt": hs.block_width_mm * 72 / 25.4,
        "block_height_pt": hs.block_height_mm * 72 / 25.4,
    }


def css_values(hs: HouseStyle) -> dict[str, str]:
    """Template name -> CSS value."""
    p, g, f = hs.page, hs.grid, hs.folio
    cell = g["char_pitch_pt"]
    pitch = g["line_pitch_pt"]
    body, title, sig = hs.role("body"), hs.role("title"), hs.role("signature")
    table, fig = hs.role("table"), hs.role("figure")
    att = hs.role("attachment_note")
    folio_char = f["size_pt"]  # 空一字 of the 4号 page number (layout doc §3.3)
    return {
        "page_top": mm(p["top_mm"]), "page_right": mm(p["right_mm"]),
        "page_bottom": mm(p["bottom_mm"]), "page_left": mm(p["left_mm"]),
        "lines": str(g["lines"]),
        "pitch": pt(pitch),
        "one_line": pt(pitch),
        "letter_spacing": pt(g["css_letter_spacing_pt"]),
        "indent_body": pt(body["first_indent_chars"] * cell),
        "body_size": pt(body["size_pt"]),
        "font_fangsong": css_stack(body["font"]),
        "font_title": css_stack(title["font"]),
        "title_weight": hs.typeface(title["font"]).weight,
        "title_size": pt(title["size_pt"]),
        "title_space_after": pt(title.get("space_after_lines", 1) * pitch),
        "font_doc_number": css_stack(hs.role("doc_number")["font"]),
        "font_heading1": css_stack(hs.role("heading1")["font"]),
        "font_heading2": css_stack(hs.role("heading2")["font"]),
        "font_heading3": css_stack(hs.role("heading3")["font"]),
        "font_heading4": css_stack(hs.role("heading4")["font"]),
        "font_caption": css_stack(hs.role("caption")["font"]),
        "caption_size": pt(hs.role("caption")["size_pt"]),
        "font_folio": css_stack(f["font"]),
        "font_latin": css_stack("latin"),
        "font_halfpunct": f'"{HALF_PUNCT}", ' + css_stack(body["font"]),
        # a stretch of a line in another role's face (run-in heading, emphasis)
        "face_classes": "\n".join(f"span.f-{key} {{ font-family: {css_stack(key)}; }}"
                                   for key in hs.raw["fonts"] if key != "latin"),
        "folio_size": pt(f["size_pt"]),
        "folio_side": pt(f["side_indent_chars"] * folio_char),
        "folio_padding_top": mm(f["pdf"]["padding_top_mm"]),
        "signature_space_before": pt(sig.get("space_before_lines", 1) * pitch),
        "attachment_label": pt(att["label_chars"] * cell),
        "attachment_name_indent": pt((body["first_indent_chars"] + att["label_chars"]) * cell),
        "table_size": pt(table["size_pt"]),
        "table_rule": pt(table["border_pt"]),
        "cell_padding": pt(table["cell_padding_pt"]),
        "placeholder_height": pt(fig["placeholder_lines"] * pitch),
        "placeholder_side": pt(fig["placeholder_side_chars"] * cell),
    }


@functools.lru_cache(maxsize=1)
def stylesheet_text() -> str:
    """The filled stylesheet, built once per process (the tables' sheet after the house one)."""
    from .xhtml_structures import stylesheet as structures_stylesheet
    from .xhtml_table import stylesheet as table_stylesheet

    return Template(read_stylesheet("gbt9704.css")).substitute(css_values(house_style())) \
        + "\n" + table_stylesheet() + "\n" + structures_stylesheet()
