"""Bytes of a saved page -> text, without losing a character.

Why not let lxml decode: given bytes declared gb2312, libxml2 silently stops at the
first GBK-only character (珺, 堃, 镕 ...), so the page is truncated without an error.
We decode ourselves and hand lxml text.

Order of evidence:
  1. a byte-order mark                                     -> method "bom"
     UTF-16/32 without one, seen in the pattern of zero bytes an HTML page's ASCII
     markup leaves in them: "declared" when the page says so, else "detected"
     NUL bytes in any other page are no characters of any charset portals use (no
     GB18030, Big5 or UTF-8 sequence holds a zero byte): they are removed, counted
     in ``nuls`` for a warning, and the page read as if they were not there
  2. the declaration: the HTTP Content-Type charset when the page came from a web
     archive (it overrides the page's own, as in a browser), else the page's own
     (<meta charset>, http-equiv, <?xml encoding?>), decoded strictly; gb2312 /
     gbk / cp936 are read as gb18030, their superset       -> method "declared"
  3. no declaration, or it is wrong (strict decoding fails) or the result is
     mojibake: UTF-8 if the bytes are valid UTF-8, else charset-normalizer among
     the charsets portals use, then gb18030                -> method "detected"
  4. no single charset reads the whole page: a page pasted together from parts in
     different charsets (a UTF-8 template around a GBK article is common).  It is
     read piece by piece between the ASCII bytes ``<``, ``>`` and newline, which no
     GBK/GB18030 character contains: each piece as UTF-8 if it is valid UTF-8, else
     as GB18030 if valid and not mojibake, else (a damaged piece) as GB18030 or as
     UTF-8 with GB18030 characters between, whichever replaces fewer bytes with
     U+FFFD (counted in ``replaced``)                        -> method "mixed"
  5. nothing decodes cleanly: UTF-8 with replacement characters, counted in
     ``replaced`` so the caller can warn                   -> method "fallback"
"""
from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, replace
from typing import Literal

Method = Literal["bom", "declared", "detected", "mixed", "fallback"]

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
    #: NUL bytes removed before decoding (a page that is not UTF-16/32)
    nuls: int = 0

    @property
    def notes(self) -> tuple[str, ...]:
        """What decoding did that the record must say (warnings), besides ``replaced``."""
        out = []
        if self.nuls:
            out.append(f"removed {self.nuls} NUL byte(s) from the page before reading it "
                       "(no character is lost: a NUL is not text)")
        if self.method != "bom" and self.encoding.startswith(("utf-16", "utf-32")):
            out.append(f"the page is {self.encoding.upper()} without a byte-order mark; "
                       f"read as {'it declares' if self.method == 'declared' else 'its bytes show'}")
        return tuple(out)


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


_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_CJKISH = re.compile(r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]")
_LATIN = re.compile("[\x80-\xff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
                    "\u2013\u2014\u2018\u2019\u201a\u201c\u201d\u201e\u2020\u2021\u2022\u2026"
                    "\u2030\u2039\u203a\u20ac\u2122]")
_ODD = re.compile(r"[\ue000-\uf8ff\u3400-\u4dbf\ufffd]")


def looks_mojibake(text: str) -> bool:
    """True when text decoded from a Chinese page is plainly the wrong charset.

    Signs: a good share of Latin-1 letters / C1 controls and hardly any CJK (UTF-8 or
    GBK read as cp1252), or many characters from the private use area, the rare CJK
    extension A block or U+FFFD (UTF-8 read as GBK).  Counted with regular
    expressions on a sample, so it costs little on a large page.
    """
    sample = text[:100_000]
    n = len(_NON_ASCII.findall(sample))
    if n < 8:
        return False
    cjk = len(_CJKISH.findall(sample))
    latin = len(_LATIN.findall(sample))
    odd = len(_ODD.findall(sample))
    return (latin / n > 0.3 and cjk / n < 0.3) or odd / n > 0.1


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


#: Candidates for detection: the charsets Chinese portal pages are written in.
_CANDIDATES = ["gb18030", "big5", "utf_8", "utf_16", "shift_jis", "euc_kr"]


def _detect(data: bytes) -> tuple[str, str] | None:
    """(text, codec) for undeclared or wrongly declared bytes, or None.

    Valid UTF-8 with multi-byte sequences is UTF-8 (GBK text practically never is);
    otherwise charset-normalizer chooses among the charsets portals use, and its
    choice must decode strictly and not read as mojibake; gb18030 is the last try."""
    if data.isascii():
        return data.decode("ascii"), "utf-8"
    text = _strict(data, "utf-8")
    if text is not None:
        return text, "utf-8"
    try:
        from charset_normalizer import from_bytes
        best = from_bytes(data[:200_000], cp_isolation=_CANDIDATES).best()
    except Exception:  # pragma: no cover - detection is a best effort
        best = None
    if best is not None:
        codec = codec_for(best.encoding) or best.encoding
        text = _strict(data, codec)
        if text is not None and not looks_mojibake(text):
            return text, codec
    text = _strict(data, "gb18030")
    if text is not None and not looks_mojibake(text):
        return text, "gb18030"
    return None


#: Piece boundaries for mixed pages: tag brackets and newlines, never inside a
#: GB18030 character (its trail bytes are 0x30-0x39 and 0x40-0xFE).
_PIECES = re.compile(rb"([<>\n])")


def _gb18030_bytewise(exc: UnicodeError) -> tuple[str, int]:
    """Error handler for UTF-8: read the offending bytes as one GB18030 character."""
    if not isinstance(exc, UnicodeDecodeError):  # pragma: no cover - decode only
        raise exc
    data, start = exc.object, exc.start
    for size in (2, 4):
        ch = _strict(bytes(data[start:start + size]), "gb18030")
        if ch is not None and len(ch) == 1:
            return ch, start + size
    return "\ufffd", start + 1


codecs.register_error("govdoc-gb18030", _gb18030_bytewise)


def _decode_mixed(data: bytes) -> str | None:
    """The page read piece by piece (see step 4), or None when it is not a
    UTF-8/GB18030 mixture: it needs pieces valid in each charset, and damaged pieces
    (valid in neither) may hold at most 1% of the non-ASCII bytes, so binary
    garbage is not passed off as text."""
    parts: list[str] = []
    utf8 = gb = damaged = total = 0
    for piece in _PIECES.split(data):
        if piece.isascii():
            parts.append(piece.decode("ascii"))
            continue
        total += len(piece)
        text = _strict(piece, "utf-8")
        if text is not None:
            utf8 += 1
        else:
            text = _strict(piece, "gb18030")
            if text is not None and not looks_mojibake(text):
                gb += 1
            else:
                # damaged: whichever reading replaces fewer bytes, GB18030 on a tie
                damaged += len(piece)
                gbk = piece.decode("gb18030", "replace")
                utf = piece.decode("utf-8", "govdoc-gb18030")
                text = utf if utf.count("\ufffd") < gbk.count("\ufffd") else gbk
        parts.append(text)
    if not (utf8 and gb) or damaged > total / 100:
        return None
    text = "".join(parts)
    # replaced bytes are counted and warned about separately, not taken as mojibake
    return None if looks_mojibake(text.replace("\ufffd", "")) else text


def _wide_family(name: str) -> str | None:
    """"utf-16" or "utf-32" for a declared name of either family, else None."""
    name = name.lower().replace("_", "-")
    if name.startswith(("utf-16", "ucs-2", "unicode")) or name == "utf16":
        return "utf-16"
    if name.startswith(("utf-32", "ucs-4")) or name == "utf32":
        return "utf-32"
    return None


def wide_unicode(data: bytes) -> str | None:
    """``utf-16-le``/``-be`` or ``utf-32-le``/``-be`` when the bytes plainly are that
    without a byte-order mark, else None.

    An HTML page's markup is ASCII, which these encodings pad with zero bytes at fixed
    places: in UTF-16LE the odd bytes of ``<``, ``h``, ``t`` … are zero and the even
    ones are not.  Measured on the first 4 KB, by the share of zero bytes at each
    position modulo 4, so a NUL prefix (zeros everywhere) or NULs scattered through
    a UTF-8 page are not taken for it; the whole page must then decode strictly."""
    sample = data[:4096]
    sample = sample[:len(sample) - len(sample) % 4]
    if len(sample) < 32:
        return None
    quarter = len(sample) // 4
    z = [sample[k::4].count(0) / quarter for k in range(4)]
    guess = None
    if z[2] > 0.95 and z[3] > 0.95 and z[0] < 0.2:
        guess = "utf-32-le"
    elif z[0] > 0.95 and z[1] > 0.95 and z[3] < 0.2:
        guess = "utf-32-be"
    elif (z[1] + z[3]) / 2 > 0.3 and (z[0] + z[2]) / 2 < 0.05:
        guess = "utf-16-le"
    elif (z[0] + z[2]) / 2 > 0.3 and (z[1] + z[3]) / 2 < 0.05:
        guess = "utf-16-be"
    if guess is None:
        return None
    unit = 4 if "32" in guess else 2
    body = data[:len(data) - len(data) % unit]
    return guess if _strict(body, guess) is not None else None


def decode(data: bytes, http_charset: str | None = None) -> Decoded:
    """Decode a saved page; see the module docstring for the order of evidence.

    ``http_charset``: the charset of the HTTP response the page came in (a web
    archive keeps it), the declared encoding when given."""
    for bom, codec in _BOMS:
        if data.startswith(bom) and codec != "utf-8":
            text = data[len(bom):].decode(codec, "replace")
            return Decoded(text, codec, "bom", None, text.count("\ufffd"))
    wide = wide_unicode(data)
    if wide is not None:
        unit = 4 if "32" in wide else 2
        text = data[:len(data) - len(data) % unit].decode(wide)
        said = declared_charset(text[:_SNIFF].encode("ascii", "ignore"))
        family = "utf-32" if unit == 4 else "utf-16"
        said_family = _wide_family(said) if said else None
        method: Method = "declared" if said_family == family else "detected"
        return Decoded(text, wide, method, said)
    nuls = data.count(0)
    if nuls:
        data = data.replace(b"\0", b"")
    narrow = _decode_narrow(data, http_charset)
    return narrow if not nuls else replace(narrow, nuls=nuls)


def _decode_narrow(data: bytes, http_charset: str | None = None) -> Decoded:
    """Decode bytes of a page in a charset without zero bytes (everything but UTF-16/32)."""
    if data.startswith(codecs.BOM_UTF8):
        text = data[len(codecs.BOM_UTF8):].decode("utf-8", "replace")
        return Decoded(text, "utf-8", "bom", None, text.count("\ufffd"))
    http = (http_charset or "").lower().strip() or None
    declared = http if http and codec_for(http) else declared_charset(data)
    if declared:
        codec = codec_for(declared)
        # a UTF-16/32 declaration over bytes that are not (wide_unicode said no) is wrong
        if _wide_family(declared) or (codec and _wide_family(codec)):
            codec = None
        if codec:
            text = _strict(data, codec)
            # strictly valid UTF-8 is UTF-8; any other charset is checked for mojibake
            if text is not None and (codec == "utf-8" or not looks_mojibake(text)):
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
    text = _decode_mixed(data)
    if text is not None:
        return Decoded(text, "utf-8+gb18030", "mixed", declared, text.count("\ufffd"))
    # Nothing decodes cleanly: keep every decodable character, mark the rest.
    codec = codec_for(declared) if declared else None
    codec = codec or "utf-8"
    text = data.decode(codec, "replace")
    return Decoded(text, codec, "fallback", declared, text.count("\ufffd"))
