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
