"""Text bound for a person's terminal, made safe to show.

File names and page text are hostile: a name can hold an ESC sequence that
recolours the screen, moves the cursor or retitles the window, a newline that
forges a second line of output, a bidi override that shows ``lmth.exe`` as
``exe.html``, or bytes that are not UTF-8 at all.  Everything the CLI prints in
its text mode goes through ``printable`` first, so such a name is *shown*,
escaped the way Python writes it (``\\x1b``, ``\\n``, ``\\u202e``), never obeyed.
JSON output needs no such care (JSON escapes controls itself) but must be valid
UTF-8: ``utf8_safe`` sees to that.
"""
from __future__ import annotations

import unicodedata

#: Characters shown by name rather than as themselves.
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
#: Unicode categories that do something rather than show something: controls (C0,
#: DEL, C1), format characters (bidi overrides, zero-width), line and paragraph
#: separators, and lone surrogates (the bytes of a name that is not UTF-8).
_ESCAPED_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Cs"}


def _escape(ch: str) -> str:
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # a byte os.fsdecode could not decode: show the byte
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def printable(text: object) -> str:
    """``text`` with every control, format and undecodable character escaped visibly.

    Ordinary text, Chinese included, is untouched; only characters that a terminal
    would act on (or cannot show) are replaced, so nothing a name holds is hidden.
    """
    s = "" if text is None else str(text)
    if s.isprintable():  # the common case: nothing to do
        return s
    return "".join(_escape(ch) if unicodedata.category(ch) in _ESCAPED_CATEGORIES else ch
                   for ch in s)


def utf8_safe(text: str) -> str:
    """``text`` with any lone surrogate written as a ``\\udcNN`` escape: valid UTF-8."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
