"""What is not an article: unusable bytes, non-HTML text, anti-bot challenges and
spam mirror copies.  Each check raises (or names) a one-line reason for the person
running the batch; none of them looks at the page's structure."""
from __future__ import annotations

import re

from lxml import etree

from ..errors import InputError
from .html import text_of
from .lexicon import lexicon

_MAGIC = (
    (b"%PDF", "PDF"), (b"PK\x03\x04", "ZIP / Office"), (b"\x89PNG", "PNG image"), (b"GIF8", "GIF image"),
    (b"\xff\xd8\xff", "JPEG image"), (b"\xd0\xcf\x11\xe0", "legacy Office (OLE)"), (b"Rar!", "RAR archive"),
    (b"7z\xbc\xaf", "7-Zip archive"), (b"\x1f\x8b", "gzip archive"),
)
#: Markup that makes text a page: a crawler's fragment may hold no <html>, <head> or
#: <body>, only the article's own elements.
_TAG = re.compile(r"<\s*(html|head|body|div|p|table|tbody|tr|td|th|meta|title|span|a|br|h[1-6]|"
                  r"section|article|main|header|ul|ol|li|dl|dt|dd|font|center|strong|b|em|i|u|"
                  r"img|pre|blockquote|form|!doctype)\b", re.I)
_CJK = re.compile(r"[\u4e00-\u9fff]")


def check_bytes(data: bytes) -> None:
    """Raise InputError for bytes that cannot be a page (empty, a known binary format)."""
    if not data:
        raise InputError("empty file (0 bytes)")
    if not data.strip():
        raise InputError("the file holds only white space")
    if not data.replace(b"\0", b"").strip():
        raise InputError("the file holds only NUL bytes (and white space): a damaged or "
                         "preallocated download?")
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            raise InputError(f"not an HTML page: the bytes are a {kind} file")
    # NUL bytes alone do not make a file binary (UTF-16 has them by design, and a
    # damaged download can hold a run of them): decode() removes or reads them and
    # check_text() judges what remains.


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ufffd]")


def check_text(text: str) -> None:
    """Raise InputError for decoded text with no HTML markup (JSON, plain text), or
    that is binary data under a text name (a share of control characters and
    undecodable bytes no page has)."""
    sample = text[:200_000]
    odd = len(_CONTROL.findall(sample))
    if sample and odd > max(20, len(sample) // 50):
        raise InputError(f"not an HTML page: {100 * odd / len(sample):.0f}% of the text is control "
                         "characters or undecodable bytes (binary data?)")
    head = text.lstrip("\ufeff \t\r\n")[:4096]
    if head[:1] and head[:1] in "{[" and not _TAG.search(head):
        raise InputError("not an HTML page: the file looks like JSON data")
    if not _TAG.search(text[:200_000]):
        raise InputError("not an HTML page: no HTML markup found")


def anti_bot(raw: str, root: etree._Element) -> str | None:
    """The tell-tale of a WAF / anti-bot challenge (Ruishu, 云堤, Cloudflare) on a page
    with little visible text, or None."""
    lex = lexicon()
    hit = next((p for p in lex.anti_bot_phrases if p in raw), None)
    if hit is None:
        for rx in lex.anti_bot_re:
            m = rx.search(raw[:500_000])
            if m:
                hit = m.group(0)[:40]
                break
    if hit is None:
        return None
    body = root.find("body")
    visible = len(_CJK.findall(text_of(body))) if body is not None else 0
    return hit if visible < 300 else None


def mirror_copy(text: str, encoding: str) -> str | None:
    """Why the text is a spam / mirror copy of a government page, or None.

    A page whose bytes are Big5 was written in traditional characters to begin with
    (Hong Kong, Macao, Taiwan); only a traditional page in a mainland encoding is
    taken for a converted copy."""
    lex = lexicon()
    sample = text[:200_000]
    pinyin = len(lex.pinyin_re.findall(sample))
    if pinyin >= lex.pinyin_min and pinyin * 5 >= len(_CJK.findall(sample)):
        return "a spam mirror copy, not the portal's page: pinyin is injected after the characters"
    trad = 0 if encoding.startswith("big5") else len(lex.traditional_re.findall(sample))
    if trad >= lex.traditional_min and trad > 3 * len(lex.simplified_re.findall(sample)):
        return ("a traditional-character copy of a mainland government page (a mirror), "
                "not the portal's own page")
    return None
