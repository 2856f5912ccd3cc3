"""Words both editions print that the source did not write, worded once."""
from __future__ import annotations


def picture_placeholder(alt: str, src: str) -> str:
    """The text of the frame drawn for a picture that could not be kept: its alt
    text, else its file name, so a reader knows what is missing."""
    if (src or "").startswith("data:"):
        name = "内嵌图片"  # a data: URL has no name, and its bytes are no words
    else:
        name = (src or "").split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return f"［图片未能收录：{(alt or '').strip() or name or '无说明'}］"


def framed_placeholder(alt: str, src: str) -> str:
    """``picture_placeholder`` as both editions draw it: on one line of its frame.

    Each renderer would otherwise wrap a long file name where its own rules allow
    (WeasyPrint after a hyphen, LibreOffice anywhere), and the Word edition's frame,
    one paragraph of ``placeholder_lines`` body lines a line, grows by as much per
    line: the editions' pages no longer matched (corpus-real r11).  A text wider
    than the frame keeps its beginning and its end (the file's extension) around
    an ellipsis; the record's warning names the picture in full."""
    from ..style import house_style
    from .advances import em_width
    from .css import grid

    hs = house_style()
    fig, table = hs.role("figure"), hs.role("table")
    g = grid()
    size = table["size_pt"]
    inner = (g["block_width_pt"] - 2 * fig["placeholder_side_chars"] * g["cell"]
             - 2 * table["cell_padding_pt"] - 2 * table["border_pt"])
    room = inner / size - 1.0  # one em to spare: the two editions' faces differ a little
    faces = (fig["font"], hs.role("body")["font"])
    text = picture_placeholder(alt, src)
    if em_width(text, *faces) <= room:
        return text
    head, body, tail = text[:8], text[8:-1], text[-1]  # "［图片未能收录：" … "］"
    keep = len(body)
    while keep > 2:
        keep -= 1
        short = body[:(keep + 1) // 2] + "…" + body[len(body) - keep // 2:]
        if em_width(head + short + tail, *faces) <= room:
            return head + short + tail
    return head + "…" + tail
