"""Regulations, promulgations and annexes in the PDF edition.

The XSLT writes their structure (``div.annex``, ``div.masthead``, ``h*.kind``,
``span.num``, ``p.reg-title``, ``p.title-note``); ``stylesheets/structures.css``
sets them as GB/T 9704 7.3.7 and the printed 国务院令 do.  What a stylesheet cannot
do is done here: annex and regulation titles broken between words, like the
document's title.
"""
from __future__ import annotations

from string import Template

from lxml import etree

from ..style import house_style, read_stylesheet
from .css import pt
from .fonts import css_stack
from .titlebreak import break_title

XHTML = "http://www.w3.org/1999/xhtml"
H = f"{{{XHTML}}}"


def stylesheet() -> str:
    """``stylesheets/structures.css`` with its values from layout.toml."""
    hs = house_style()
    a, r = hs.raw["annex"], hs.raw["regulation"]
    line = hs.grid["line_pitch_pt"]
    cell = hs.grid["char_pitch_pt"]

    def face(font: str) -> str:
        return css_stack(font)

    values = {
        "annex_label_font": face(a["label_font"]), "annex_label_size": pt(a["label_size_pt"]),
        "annex_title_font": face(a["title_font"]), "annex_title_size": pt(a["title_size_pt"]),
        "annex_title_weight": hs.typeface(a["title_font"]).weight,
        "annex_title_before": pt(a["title_space_before_lines"] * line),
        "annex_title_after": pt(a["title_space_after_lines"] * line),
        "heading_font": face(r["heading_font"]), "heading_space": pt(r["heading_space_lines"] * line),
        "article_number_font": face(r["article_number_font"]),
        "reg_title_font": face(r["title_font"]), "reg_title_size": pt(r["title_size_pt"]),
        "reg_title_weight": hs.typeface(r["title_font"]).weight,
        "title_note_font": face(r["title_note_font"]),
        "masthead_font": face(r["masthead_font"]), "masthead_size": pt(r["masthead_size_pt"]),
        "masthead_weight": hs.typeface(r["masthead_font"]).weight,
        "masthead_space": pt(r["masthead_space_lines"] * line),
        "signer_right": pt(r["signer_right_indent_chars"] * cell),
        "one_line": pt(line),
    }
    return Template(read_stylesheet("structures.css")).substitute(values)


def apply(root: etree._Element) -> list[str]:
    """Break annex and regulation titles at word units in a balanced shape; a
    regulation whose own title (under its promulgation) is the document's title
    opens with the promulgation, the title not printed twice."""
    hs = house_style()
    width = hs.block_width_mm * 72 / 25.4
    mh = root.find(f".//{H}div[@class='masthead']")
    reg = mh.getnext() if mh is not None else None
    if reg is not None and (reg.tag != f"{H}h1" or reg.get("class") != "reg-title"):
        reg = None
    top = root.find(f".//{H}h1[@class='title']")
    if reg is not None and top is not None and "".join(reg.itertext()).split() == "".join(top.itertext()).split():
        top.getparent().remove(top)
    for xpath, size in ((f".//{H}h2[@class='annex-title']/{H}span", hs.raw["annex"]["title_size_pt"]),
                        (f".//{H}h1[@class='reg-title']/{H}span", hs.raw["regulation"]["title_size_pt"])):
        for span in root.iterfind(xpath):
            if len(span) or not span.text:
                continue  # inline markup inside: left to the renderer
            lines = break_title(" ".join(span.text.split()), width / size)
            span.text = lines[0]
            for line in lines[1:]:
                br = etree.SubElement(span, f"{H}br")
                br.tail = line
    return []
