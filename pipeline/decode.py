"""Bytes of a saved page -> text, without losing a character.

Why not let lxml decode: given bytes declared gb2312, libxml2 silently stops at the
first GBK-only character (珺, 堃, 镕 ...), so the page is truncated without an error.
We decode ourselves and hand lxml text.

Order of evidence:
  1. a byte-order mark                                     -> method "bom"
  2. the page's own declaration (<meta charset>, http-equiv, <?xml encoding?>),
     decoded strictly; gb2312 / gbk / cp936 are read as gb18030, their superset
                                                           -> method "declared"
  3. no declaration, or it is wrong (strict decoding fails) or the result is
     mojibake: UTF-8 if the bytes are valid UTF-8, then gb18030, then
     charset-normalizer                                    -> method "detected"
  4. nothing decodes cleanly: UTF-8 with replacement characters, counted in
     ``replaced`` so the caller can warn                   -> method "fallback"
"""
from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

Method = Literal["bom", "declared", "detected", "fallback"]

#: How far into the page a declaration is looked for (the head of a bloated page can
#: hold kilobytes of inline CSS before the meta).
_SNIFF = 64 * 1024

_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,400}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.I)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9_.:\-]+)""", re.I)

#: Declared names -> the codec that reads them without loss.
_ALIASES = {
    "gb2312": "gb18030", "gbk": "gb18030", "gb_2312-80": "gb18030", "gb_2312": "gb18030",
    "x-gbk": "gb18030", "cp936": "gb18030", "ms936": "gb18030", "windows-936": "gb18030",
    "euc-cn": "gb18030", "csgb2312": "gb18030", "x-euc-cn": "gb18030", "gb18030": "gb18030",
    "iso-ir-58": "gb18030", "chinese": "gb18030",
    "utf8": "utf-8", "utf-8": "utf-8", "unicode-1-1-utf-8": "utf-8",
    "big5": "big5hkscs", "big5-hkscs": "big5hkscs", "cn-big5": "big5hkscs", "x-x-big5": "big5hkscs",
    # Legacy single-byte declarations on Chinese pages are nearly always wrong; they
    # are decoded as declared, then checked for mojibake.
    "iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "us-ascii": "cp1252",
    "ascii": "cp1252", "windows-1252": "cp1252",
}

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
)


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    method: Method
    declared: str | None
    #: characters that could not be decoded and were replaced by U+FFFD (fallback only)
    replaced: int = 0


def declared_charset(data: bytes) -> str | None:
    """The charset the page declares for itself, lower-cased, or None."""
    head = data[:_SNIFF]
    m = _XML_DECL.match(head) or _META_CHARSET.search(head)
    return m.group(1).decode("ascii", "replace").lower().strip() if m else None


def codec_for(name: str) -> str | None:
    """Python codec for a declared charset name; None when Python does not know it."""
    name = name.lower().strip()
    if name in _ALIASES:
        return _ALIASES[name]
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def looks_mojibake(text: str) -> bool:
    """True when text decoded from a Chinese page is plainly the wrong charset.

    Signs: a good share of Latin-1 letters / C1 controls and hardly any CJK (UTF-8 or
    GBK read as cp1252), or many characters from the rare CJK extension blocks and
    private use area (UTF-8 read as GBK).
    """
    sample = text[:200_000]
    non_ascii = [c for c in sample if ord(c) > 0x7F]
    if len(non_ascii) < 8:
        return False
    cjk = sum(1 for c in non_ascii if "\u4e00" <= c <= "\u9fff" or "\u3000" <= c <= "\u303f"
              or "\uff00" <= c <= "\uffef")
    latin = sum(1 for c in non_ascii if "\x80" <= c <= "\xff" or c in "ŒœŠšŸŽžƒˆ˜–—‘’‚“”„†‡•…‰‹›€™")
    odd = sum(1 for c in non_ascii if "\ue000" <= c <= "\uf8ff" or "\u3400" <= c <= "\u4dbf"
              or unicodedata.category(c) in ("Co", "Cn"))
    n = len(non_ascii)
    return latin / n > 0.3 and cjk / n < 0.3 or odd / n > 0.1


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _detect(data: bytes) -> tuple[str, str] | None:
    """(text, codec) for undeclared or wrongly declared bytes, or None."""
    if data.isascii():
        return data.decode("ascii"), "utf-8"
    text = _strict(data, "utf-8")
    if text is not None:
        return text, "utf-8"
    text = _strict(data, "gb18030")
    if text is not None and not looks_mojibake(text):
        return text, "gb18030"
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - it is a declared dependency
        return None
    best = from_bytes(data[:2_000_000]).best()
    if best is None:
        return None
    codec = codec_for(best.encoding) or best.encoding
    text = _strict(data, codec)
    if text is None or looks_mojibake(text):
        return None
    return text, codec


def decode(data: bytes) -> Decoded:
    """Decode a saved page; see the module docstring for the order of evidence."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            text = data[len(bom):].decode(codec, "replace")
            return Decoded(text, codec, "bom", None, text.count("\ufffd"))

    declared = declared_charset(data)
    if declared:
        codec = codec_for(declared)
        if codec:
            text = _strict(data, codec)
            if text is not None and not looks_mojibake(text):
                # A non-UTF-8 declaration over bytes that are valid UTF-8 with multi-byte
                # sequences is a wrong declaration (GBK text is practically never valid
                # UTF-8, while UTF-8 often "decodes" as gb18030 into nonsense).
                if codec != "utf-8" and not data.isascii() and _strict(data, "utf-8") is not None:
                    return Decoded(data.decode("utf-8"), "utf-8", "detected", declared)
                return Decoded(text, codec, "declared", declared)
    found = _detect(data)
    if found is not None:
        text, codec = found
        return Decoded(text, codec, "detected", declared)
    # Nothing decodes cleanly: keep every decodable character, mark the rest.
    codec = codec_for(declared) if declared else None
    codec = codec or "utf-8"
    text = data.decode(codec, "replace")
    return Decoded(text, codec, "fallback", declared, text.count("\ufffd"))
