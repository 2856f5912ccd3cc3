"""Regulations and rules (条例, 规定, 办法): the promulgation masthead, 第X编/章/节
headings and 第X条 articles.

A 国务院令 (or 省政府令, 部令) prints a masthead above the regulation: the order's name
(中华人民共和国国务院令), its number (第706号), the promulgating text, the signer
(总理　李克强) and the date.  That signer is not the document's signature, and the
masthead sits in the middle of the page, so it is found at the top of the body
before anything looks for a closing signature.  The regulation's own text is divided
into 编 / 章 / 节 (headings, levels counted from the largest unit present) and 条
(article paragraphs whose number is kept apart from their text).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .body import Block
from .dates import parse_date
from .lexicon import squash

_CN_NUM = r"[零〇○一二三四五六七八九十百千两\d０-９]{1,8}"
#: 第一编 / 第二章 / 第三节, then the unit's name (or nothing): a standalone line.
_UNIT = re.compile(rf"^第{_CN_NUM}([编章节])")
#: 第一条 at the start of a paragraph, the article's number.
_ARTICLE = re.compile(rf"^(第{_CN_NUM}条)(?:之[一二三四五六七八九十]+)?")
_KINDS = {"编": "part", "章": "chapter", "节": "section"}
KIND_ORDER = ("part", "chapter", "section")

#: The order that promulgates: 中华人民共和国国务院令, 广东省人民政府令, 中华人民共和国生态环境部令,
#: 中华人民共和国主席令 (a law), 某某省人民代表大会常务委员会公告 (a local regulation).
_ORDER = re.compile(r"^[\u4e00-\u9fff]{0,24}((国务院|人民政府|政府|部|委员会|总局|局|署|银行|办公厅|主席)令|常务委员会公告)$")
#: 第706号, and the year-numbered forms of ministries and some provinces: 2024年第5号, 〔2024〕第5号
_YEAR = r"(?:\d{4}年|[〔\[［(（]\d{4}[〕\]］)）])?"
_ORDER_NUMBER = re.compile(rf"^[（(]?({_YEAR}第{_CN_NUM}号)[）)]?$")
_ORDER_WITH_NUMBER = re.compile(rf"^([\u4e00-\u9fff]{{0,24}}(?:(?:国务院|人民政府|政府|部|委员会|总局|局|署|银行|办公厅|主席)令|常务委员会公告))"
                                rf"[（(]?({_YEAR}第{_CN_NUM}号)[）)]?$")
#: The offices that sign an order, and a name after them.
_OFFICES = ("中华人民共和国主席", "国务院总理", "总理", "代省长", "省长", "代市长", "市长", "自治区主席", "代主席", "主席", "部长", "主任",
            "署长", "局长", "行长", "县长", "区长", "州长", "盟长", "旗长", "委员长")
_GAP = r"[\s\u3000\xa0]*"
#: the office (set with spaces inside on many pages: 省　长), then the signer's name
_SIGNER = re.compile("^(" + "|".join(_GAP.join(o) for o in _OFFICES) + ")" + _GAP
                     + r"([\u4e00-\u9fff·][\u4e00-\u9fff·\s\u3000\xa0]{1,8})$")
_SENTENCE_END = re.compile(r"[。；;！？!?：:]")
#: A line of its own in brackets under a title: （2018年9月6日国务院第23次常务会议修订通过）.
_TITLE_NOTE = re.compile(r"^[（(][^（）()]*(通过|发布|公布|修订|修正|施行|印发|批准|颁布|\d{4}\s*年)[^（）()]*[）)]$")

MASTHEAD_SCAN = 4      # the order's name within the first few lines of the body
_MAX_PROMULGATION = 4  # paragraphs of promulgating text


def unit_kind(b: Block) -> str | None:
    """``part`` / ``chapter`` / ``section`` for a standalone 第X编/章/节 line, else None."""
    if b.kind != "p":
        return None
    s = squash(b.text)
    m = _UNIT.match(s)
    if not m or len(s) > 40 or _SENTENCE_END.search(s):
        return None
    return _KINDS[m.group(1)]


def article_number(b: Block) -> str | None:
    """第X条 opening a paragraph, else None."""
    if b.kind != "p":
        return None
    m = _ARTICLE.match(b.text.strip())
    if not m:
        return None
    rest = b.text.strip()[m.end():]
    # "第三条规定的……" opens a sentence about an article, not an article
    return m.group(0) if not rest or rest[0] in " \u3000\xa0" or len(squash(rest)) > 4 else None


def is_title_note(text: str) -> bool:
    return bool(_TITLE_NOTE.match(squash(text)))


def is_order_line(text: str) -> bool:
    """The name of a promulgating order (国务院令) heading a masthead."""
    s = squash(text)
    return bool(_ORDER.match(s) or _ORDER_WITH_NUMBER.match(s))


@dataclass
class Masthead:
    org: str
    number: str | None
    text: list[Block] = field(default_factory=list)
    signers: list[tuple[str, str]] = field(default_factory=list)   # (office, name)
    date_text: str = ""
    date_iso: str = ""
    lines: list[str] = field(default_factory=list)                 # as shown, for inspect


def _signer(b: Block) -> tuple[str, str] | None:
    if b.kind != "p":
        return None
    t = b.text.strip()
    m = _SIGNER.match(t)
    if not m:
        return None
    office, name = squash(m.group(1)), squash(m.group(2))
    if not 2 <= len(name) <= 5:
        return None
    # office and name apart on the page, or the line set to the right
    if not (t[len(m.group(1)):][:1] in " \u3000\xa0" or b.align == "right"):
        return None
    return office, name


def find_masthead(blocks: list[Block]) -> tuple[Masthead | None, list[Block]]:
    """Split a promulgation masthead off the top of the body (see the module docstring)."""
    for start in range(min(MASTHEAD_SCAN, len(blocks))):
        b = blocks[start]
        if b.kind != "p" or not is_order_line(b.text):
            continue
        s = squash(b.text)
        both = _ORDER_WITH_NUMBER.match(s)
        org, number = (both.group(1), both.group(2)) if both else (b.text.strip(), None)
        i = start + 1
        if number is None and i < len(blocks) and blocks[i].kind == "p" \
                and _ORDER_NUMBER.match(squash(blocks[i].text)):
            number = blocks[i].text.strip()
            i += 1
        if number is None:
            return None, blocks
        text: list[Block] = []
        while i < len(blocks) and len(text) < _MAX_PROMULGATION and blocks[i].kind == "p" \
                and _signer(blocks[i]) is None and parse_date(blocks[i].text) is None:
            text.append(blocks[i])
            i += 1
        signers = []
        while i < len(blocks) and (sg := _signer(blocks[i])) is not None:
            signers.append(sg)
            i += 1
        d = parse_date(blocks[i].text) if i < len(blocks) and blocks[i].kind == "p" else None
        if not text or not (signers or d):
            return None, blocks
        m = Masthead(org=org, number=number, text=text, signers=signers)
        if d is not None:
            m.date_text, m.date_iso = blocks[i].text.strip(), d.iso
            i += 1
        m.lines = [x.text.strip() for x in blocks[start:i]]
        # lines above the order's name (a site's header left by trimming) stay before it
        return m, blocks[:start] + blocks[i:]
    return None, blocks


def unit_levels(blocks: list[Block]) -> tuple[list[str | None], dict[str, int]]:
    """Per block its unit kind (or None), and the level of each kind present: levels
    count from the largest unit the text has (章 and 节 only: 章 = 1, 节 = 2)."""
    kinds = [unit_kind(b) for b in blocks]
    present = [k for k in KIND_ORDER if k in kinds]
    return kinds, {k: i + 1 for i, k in enumerate(present)}


def is_regulation(blocks: list[Block]) -> bool:
    """Articles (第X条) opening two paragraphs or more make a text a regulation or rule."""
    n = 0
    for b in blocks:
        if article_number(b):
            n += 1
            if n >= 2:
                return True
    return False
