"""Dates in every form the portals show, read with explicit patterns.

Why not a generic date parser: dateparser has misread ``4月20日 18:10`` (the day as a
year) and could not read ``2015年04月08日10:05``; the forms here are few and known:
``YYYY-MM-DD[ HH:MM[:SS]]``, ``YYYY/MM/DD``, ``YYYY.MM.DD``, ``YYYY年M月D日[ HH:MM]``,
gov.cn's ``YYYY-MM-DD-HH:MM:SS``, Chinese numerals ``二〇二四年二月二十三日``, and the
English editions' ``March 15, 2024`` / ``Mar 15, 2024 09:35`` / ``15 March 2024``.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

_SP = r"[\s\u3000\xa0]*"
_ARABIC = re.compile(
    rf"(?P<y>(?:19|20)\d\d){_SP}(?:[-/.年]){_SP}(?P<m>\d{{1,2}}){_SP}(?:[-/.月]){_SP}(?P<d>\d{{1,2}})(?!\d){_SP}日?"
    rf"(?:{_SP}[-T]?{_SP}(?P<H>[01]?\d|2[0-3]){_SP}[:：时]{_SP}(?P<M>[0-5]\d){_SP}(?:[:：分]{_SP}(?P<S>[0-5]\d))?)?")
_YM = re.compile(rf"(?P<y>(?:19|20)\d\d){_SP}[-/.年]{_SP}(?P<m>\d{{1,2}}){_SP}月?(?![\d日])")
_CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "Ｏ": 0, "О": 0, "O": 0, "0": 0, "一": 1, "二": 2, "三": 3,
              "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN = re.compile(r"(?P<y>[〇○零ＯОO0一二三四五六七八九]{4})年(?P<m>[一二三四五六七八九十]{1,2})月"
                 r"(?P<d>[一二三四五六七八九十]{1,3})日")


_MONTHS = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
           "oct": 10, "nov": 11, "dec": 12}
_MON = (r"(?P<mon>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
        r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
_EN_TIME = r"(?:\s*,?\s*(?P<H>[01]?\d|2[0-3]):(?P<M>[0-5]\d)(?::(?P<S>[0-5]\d))?)?"
_EN_MDY = re.compile(rf"(?<![A-Za-z]){_MON}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s*,?\s*(?P<y>(?:19|20)\d\d)(?!\d)"
                     + _EN_TIME, re.I)
_EN_DMY = re.compile(rf"(?<![\d])(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+{_MON}\s*,?\s*(?P<y>(?:19|20)\d\d)(?!\d)"
                     + _EN_TIME, re.I)


@dataclass(frozen=True)
class ParsedDate:
    iso: str               # YYYY-MM-DD
    time: str | None       # HH:MM:SS
    shown: str             # the text as the page shows it
    start: int = 0
    end: int = 0


def _cn_number(s: str) -> int:
    """Chinese numeral up to 31 (十, 十二, 二十, 二十三, 三十一)."""
    if "十" in s:
        tens, _, ones = s.partition("十")
        return (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)
    return _CN_DIGITS.get(s, 0)


def _valid(y: int, m: int, d: int) -> str | None:
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


def find_date(text: str) -> ParsedDate | None:
    """The first date in ``text`` (Arabic or Chinese numerals), or None."""
    t = unicodedata.normalize("NFKC", text)  # full-width digits and colons
    best: ParsedDate | None = None
    m = _ARABIC.search(t)
    if m:
        iso = _valid(int(m["y"]), int(m["m"]), int(m["d"]))
        if iso:
            tm = None
            if m["H"] is not None:
                tm = f"{int(m['H']):02d}:{m['M']}:{m['S'] or '00'}"
            best = ParsedDate(iso, tm, text[m.start():m.end()].strip(), m.start(), m.end())
    for rx in (_EN_MDY, _EN_DMY):
        e = rx.search(t)
        if e and (best is None or e.start() < best.start):
            iso = _valid(int(e["y"]), _MONTHS[e["mon"][:3].lower()], int(e["d"]))
            if iso:
                tm = f"{int(e['H']):02d}:{e['M']}:{e['S'] or '00'}" if e["H"] is not None else None
                best = ParsedDate(iso, tm, text[e.start():e.end()].strip(), e.start(), e.end())
    c = _CN.search(text)
    if c and (best is None or c.start() < best.start):
        y = int("".join(str(_CN_DIGITS[ch]) for ch in c["y"]))
        iso = _valid(y, _cn_number(c["m"]), _cn_number(c["d"]))
        if iso:
            best = ParsedDate(iso, None, c.group(0), c.start(), c.end())
    return best


def parse_date(text: str) -> ParsedDate | None:
    """A date that makes up (nearly) the whole of ``text``: a metadata value or a date line."""
    d = find_date(text)
    if d is None:
        return None
    rest = (text[:d.start] + text[d.end:]) if d.end else text
    rest = re.sub(r"[\s\u3000\xa0:：()（）,，.。]", "", rest)
    return d if len(rest) <= 2 else None


def is_date_line(text: str) -> bool:
    """A line that is only a date (a signature date, 成文日期 under the issuer)."""
    return parse_date(text) is not None
