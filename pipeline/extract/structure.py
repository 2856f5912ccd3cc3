"""From a flat list of blocks to the canonical body: trim chrome at the ends, drop the
repeated title and 文号, split off a regulation's masthead and the annexes, find the
closing signature, recognise headings, nest sections.

Headings (GB/T 9704-2012): 一、 → level 1, （一） → 2, 1. → 3, （1） → 4 (whatever
stands above them), on a *standalone* line; a numbered run-in paragraph ("（一）指导思想。以……") stays a
paragraph.  Bold or a heading face (黑体, 楷体) only breaks ties for longer lines.
English editions number I. → 1, (I) → 2 the same way.  A regulation's 第X编/章/节
take the top levels (``regulation.py``); each annex restarts the levels.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from ..canonical import E, q, sub
from .body import Block
from .dates import parse_date
from .annex import Annex, split_annexes
from .lexicon import lexicon, norm_label, squash
from .metadata import is_info_line as _is_info_line
from .regulation import (Masthead, article_number, find_masthead, is_order_line, is_regulation, is_title_note,
                         unit_kind, unit_levels)

_NUMBERING = (
    (1, re.compile(r"^[一二三四五六七八九十百]+\s*[、．.]")),
    (2, re.compile(r"^[（(]\s*[一二三四五六七八九十百]+\s*[）)]")),
    (3, re.compile(r"^\d{1,2}\s*[.．、](?!\d)")),
    (4, re.compile(r"^[（(]\s*\d{1,2}\s*[）)]")),
    # English editions: I. → 1, (I) → 2 (1. and (1) as above)
    (1, re.compile(r"^(?=[IVX])X{0,3}(IX|IV|V?I{0,3})\.\s*(?=[A-Z])")),
    (2, re.compile(r"^\(\s*(?=[IVX])X{0,3}(IX|IV|V?I{0,3})\s*\)\s*(?=[A-Z])")),
)
#: an English sentence end: a full stop, semicolon … followed by a space or the end
_EN_SENTENCE_END = re.compile(r"(?<![A-Z])(?<!\b[A-Z][a-z])(?<!\bNo)[.;!?](?=\s|$)")
_EN_ORG = re.compile(r"\b(Council|Office|Ministry|Commission|Government|Bureau|Administration|Committee|Department|"
                     r"Agency|Center|Centre|Authority|Congress|Court|Procuratorate|Bank|Corporation|Association|"
                     r"Federation|Institute|University|Group|Company|Team|Headquarters)\b")
_SENTENCE_END = re.compile(r"[。；;！？!?]")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_NUMBERING_PREFIX = re.compile(r"^(\(?\s*([IVX]+|\d{1,2})\s*[).、．]?)\s*")
#: Lines that follow a signature: （此件公开发布）, （本文有删减）, 附注, （联系人：…）.
_NOTE = re.compile(r"^[（(][^（()）]{1,40}[）)]$|^附\s*注[:：]|^[（(]\s*(联系人|联系电话)[:：]")
_NOTE_STRICT = re.compile(r"^[（(]\s*此件[^）)]{0,12}[）)]$|^附\s*注[:：]")
_ORG_SUFFIX = re.compile(r"(局|政府|办公室|办公厅|委员会|厅|部|院|中心|公司|委|会|办|所|队|站|处|科|镇|街道|乡|村|"
                         r"集团|银行|大学|学院|学校|医院|协会|联合会|管委会|小组|指挥部|署|室|馆|社|台)$")
_ADDRESSEE = re.compile(r"^[^。；！？]{2,120}(人民政府|委员会|各部门|各单位|有关单位|直属机构|办公室|机构|局|委|厅|办|部门|单位|院|公司|街道|镇|乡)[^。；！？]{0,20}[：:]$")
_ATTACH_ITEM = re.compile(r"^\d{1,2}\s*[.．、]")
_DOCNO = re.compile(r"^[\u4e00-\u9fa5A-Za-z]{1,12}\s*[〔\[［(（【]\s*\d{4}\s*[〕\]］)）】]\s*\d+\s*号$")


@dataclass
class Closing:
    orgs: list[str] = field(default_factory=list)
    date_text: str = ""
    date_iso: str = ""
    after: list[Block] = field(default_factory=list)


@dataclass
class Trimmed:
    """What was cut from the ends of the body (for ``inspect``)."""
    head: list[str] = field(default_factory=list)
    tail: list[str] = field(default_factory=list)


_OPENING_SCAN = 6   # lines at the top of the body where a 公文 prints its 文号 and title
_TITLE_LEN = (6, 100)


def opening_fields(blocks: list[Block]) -> tuple[str | None, str | None]:
    """(title, 文号) a page shows only as the first lines of its body, as a 公文 is
    printed: a centred 文号 line (某财预〔2024〕56号) and the centred or bold title
    above the addressee.  Used when the page has no title and no 文号 elsewhere (a
    Word export published as the page, a crawler's slice of the body); the lines are
    then the repeats ``trim`` drops."""
    title = docno = None
    for b in blocks[:_OPENING_SCAN]:
        if b.kind != "p":
            break
        t = b.text.strip()
        s = squash(t)
        if not s or _is_chrome_line(t) or _is_info_line(t):
            continue
        if docno is None and _DOCNO.match(s) and (b.align == "center" or len(s) <= 24):
            docno = s
            continue
        if title is None and _TITLE_LEN[0] <= len(s) <= _TITLE_LEN[1] and not _SENTENCE_END.search(s) \
                and not s.endswith(("：", ":")) and (b.align == "center" or b.bold >= 0.5) \
                and parse_date(t) is None and not level_of(b) and not is_order_line(t):
            title = " ".join(t.split())
            continue
        break   # the addressee or the text: the opening lines are over
    return title, docno


def _is_chrome_line(text: str, tail: bool = False) -> bool:
    """A line of page chrome: a known chrome line, or a short line made of chrome
    phrases and widget words with at most a few other characters.  Only ever asked
    about lines at the ends of the body."""
    lex = lexicon()
    t = text.strip()
    if not t:
        return True
    if any(rx.search(t) for rx in lex.chrome_lines):
        return True
    if tail and any(rx.search(t) for rx in lex.tail_lines):
        return True
    if len(t) <= 80 and lex.chrome_re.search(t):
        rest = lex.fillers_re.sub("", lex.chrome_re.sub("", t))
        rest = re.sub(r"[\s\u3000\xa0|｜:：【】\[\]()（）>»/\-—·•,，.。!！]+", "", rest)
        if len(rest) <= 4:
            return True
    return False


def _title_at(blocks: list[Block], stitle: str) -> int | None:
    """Index just past the title when it is repeated near the top of the body (one
    line, or wrapped over up to four) with only short lines above it (site header,
    breadcrumb): everything up to it is page chrome.  A promulgating order's name
    (国务院令) above it is not chrome: the title there is the regulation's own."""
    if len(stitle) < 8:  # a title as short as "通知" proves nothing
        return None
    for k in range(min(8, len(blocks))):
        t = squash(blocks[k].text)
        if blocks[k].kind != "p" or len(t) > max(60, len(stitle) + 4) or is_order_line(blocks[k].text):
            return None
        end = _title_run(blocks, k, stitle)
        if end is not None:
            return end
    return None


def _title_run(blocks: list[Block], k: int, stitle: str) -> int | None:
    """Index past the lines from ``k`` that together spell the title, or None."""
    acc = ""
    for j in range(k, min(k + 4, len(blocks))):
        if blocks[j].kind != "p":
            return None
        acc += squash(blocks[j].text)
        if acc == stitle:
            return j + 1
        if not stitle.startswith(acc) or (j == k and len(acc) < 4):
            return None
    return None


def _tail_list_start(blocks: list[Block], start: int, end: int) -> int | None:
    """Start of a related-items block at the tail: its heading (相关链接, 相关稿件 ...)
    followed by short lines only."""
    lex = lexicon()
    for i in range(end - 1, max(start, end - 40) - 1, -1):
        b = blocks[i]
        if b.kind != "p":
            continue
        n = norm_label(b.text)
        if n in lex.tail_headings or any(n.startswith(h) and len(n) <= len(h) + 2 for h in lex.tail_headings):
            if all(x.kind in ("p", "attachment") and len(squash(x.text)) <= 120 for x in blocks[i + 1:end]):
                return i
    return None


def trim(blocks: list[Block], title: str | None, doc_number: str | None, trimmed: Trimmed) -> list[Block]:
    """Cut chrome from both ends only; mid-body text is content whatever it says."""
    stitle = squash(title or "")
    sdoc = squash(doc_number or "")
    start = _title_at(blocks, stitle) or 0
    while start < len(blocks):
        b = blocks[start]
        if b.kind != "p":
            break
        t = squash(b.text)
        run = _title_run(blocks, start, stitle) if stitle else None
        if _is_chrome_line(b.text) or _is_info_line(b.text) or (sdoc and t == sdoc):
            start += 1
        elif run is not None:  # the title, on one line or wrapped
            start = run
        else:
            break
    end = len(blocks)
    while end > start:
        b = blocks[end - 1]
        if b.kind == "p" and (_is_chrome_line(b.text, tail=True) or _is_info_line(b.text)):
            end -= 1
            continue
        cut = _tail_list_start(blocks, start, end)
        if cut is not None:
            end = cut
            continue
        break
    trimmed.head = [b.text for b in blocks[:start]]
    trimmed.tail = [b.text for b in blocks[end:]]
    return blocks[start:end]


def _org_like(b: Block) -> bool:
    t = b.text.strip()
    s = squash(t)
    if b.kind != "p" or not s or "：" in s or ":" in s:
        return False
    if is_latin(t):   # General Office of the State Council
        if len(t.split()) > 14 or _EN_SENTENCE_END.search(t) or parse_date(t):
            return False
        return b.align == "right" or bool(_EN_ORG.search(t))
    if len(s) > 40 or _SENTENCE_END.search(s):
        return False
    if parse_date(t):
        return False
    return b.align == "right" or bool(_ORG_SUFFIX.search(s))


def _attachment_run_above(blocks: list[Block], i: int) -> bool:
    """Block i is a numbered continuation of an "附件：" line somewhere above it."""
    j = i - 1
    while j >= 0 and blocks[j].kind == "p" and _ATTACH_ITEM.match(squash(blocks[j].text)):
        j -= 1
    return j >= 0 and blocks[j].kind == "p" and squash(blocks[j].text).startswith("附件")


#: the 版记 printed under a 公文's signature and notes (GB/T 9704 7.4): 抄送 … and the
#: 印发机关 + 印发日期 line ("某某市人民政府办公室　　2024年5月9日印发"), （共印N份）
_BANJI = re.compile(r"^(抄送|抄报|分送|主送)[:：]|^[\u4e00-\u9fff（）()]{2,40}\d{4}年\d{1,2}月\d{1,2}日印发?$|^[（(]共印\d+份[）)]$")
#: a signature written on one line: 某某市应急管理局　　2024年5月8日
_ORG_DATE = re.compile(r"^(.{2,40}?)[\s\u3000\xa0]+(\S.{5,20})$")


def _seal(b: Block) -> bool:
    """A picture inside the signature block (the issuer's seal)."""
    return b.kind == "figure" and not squash(b.text)


def _is_after_line(blocks: list[Block], i: int) -> bool:
    """Block i can follow a signature: a note (（此件公开发布）, 附注), an attachment line
    or link, a line of the 版记, the seal's picture just under the date."""
    b = blocks[i]
    if b.kind == "attachment":
        return True
    if _seal(b):
        return i > 0 and blocks[i - 1].kind == "p" and parse_date(blocks[i - 1].text) is not None
    if b.kind != "p":
        return False
    s = squash(b.text)
    return bool(_NOTE.search(s) or s.startswith("附件") or _BANJI.search(s)
                or (_ATTACH_ITEM.match(s) and _attachment_run_above(blocks, i)))


def _one_line_signature(b: Block):
    """(org, date text, parsed date) of a right-aligned line holding both, else None."""
    if b.kind != "p" or b.align != "right":
        return None
    m = _ORG_DATE.match(b.text.strip())
    if not m:
        return None
    d = parse_date(m.group(2))
    org = Block("p", b.el, text=m.group(1), align="right")
    if d is None or not _org_like(org) or parse_date(m.group(1)):
        return None
    return m.group(1).strip(), m.group(2).strip(), d


def find_closing(blocks: list[Block]) -> tuple[list[Block], Closing | None]:
    """Split off the signature (issuer lines + date) and the lines after it.  A
    picture among the signature lines (the seal) follows the signature."""
    i = len(blocks) - 1
    # lines after the signature: notes (（此件公开发布）, 附注), attachment links, the 版记
    while i >= 0 and _is_after_line(blocks, i):
        i -= 1
    if i < 1:
        return blocks, None
    date_b = blocks[i]
    d = parse_date(date_b.text) if date_b.kind == "p" else None
    if d is None:
        one = _one_line_signature(date_b)
        if one is None or level_of(date_b):
            return blocks, None
        org, shown, d = one
        return blocks[:i], Closing(orgs=[org], date_text=shown, date_iso=d.iso, after=blocks[i + 1:])
    j = i - 1
    orgs: list[Block] = []
    seals: list[Block] = []
    while j >= 0 and len(orgs) < 4 and (_org_like(blocks[j]) or _seal(blocks[j])):
        # only a right-aligned / org-like run just above the date
        (seals if _seal(blocks[j]) else orgs).insert(0, blocks[j])
        j -= 1
    while seals and orgs and j + 1 < len(blocks) and blocks[j + 1] is seals[0] and blocks[j + 1] is not orgs[0]:
        j += 1            # a picture above the first org line is not the signature's
        seals.pop(0)
    if not orgs:
        return blocks, None
    if not (date_b.align == "right" or any(o.align == "right" for o in orgs)
            or all(_EN_ORG.search(o.text) if is_latin(o.text) else _ORG_SUFFIX.search(squash(o.text))
                   for o in orgs)):
        return blocks, None
    # an org line that is really a heading or a list item is not a signature
    if any(level_of(o) for o in orgs):
        return blocks, None
    closing = Closing(orgs=[o.text.strip() for o in orgs], date_text=date_b.text.strip(),
                      date_iso=d.iso, after=seals + blocks[i + 1:])
    return blocks[:j + 1], closing


def numbering_level(text: str) -> int | None:
    t = text.strip()
    for level, rx in _NUMBERING:
        if rx.match(t):
            return level
    return None


def level_of(b: Block) -> int | None:
    """Heading level of a standalone numbered line, else None."""
    if b.kind != "p":
        return None
    t = b.text.strip()
    level = numbering_level(t)
    if level is None:
        return None
    if is_latin(t):
        return _english_level(b, t, level)
    s = squash(t)
    body = s
    # run-in: a sentence end followed by more text
    m = _SENTENCE_END.search(body)
    if m and m.end() < len(body):
        return None
    if "：" in body[:-1] or ":" in body[:-1]:
        return None
    if len(s) > 60:
        return None
    if len(s) > 30 and b.bold < 0.5 and b.hfont < 0.5:
        return None
    if m and b.bold < 0.5 and b.hfont < 0.5:  # "一、明确年度目标。" alone, plain: a list item
        return None
    return level


def is_latin(text: str) -> bool:
    """A line written in English (Latin letters, little or no CJK)."""
    letters = sum(1 for c in text if c.isascii() and c.isalpha())
    return letters >= 3 and letters > 2 * len(_CJK.findall(text))


def _english_level(b: Block, t: str, level: int) -> int | None:
    """Heading rules for an English line: standalone (no sentence after the first),
    short in words, and plain lines shorter still."""
    m = _NUMBERING_PREFIX.match(t)
    rest = t[m.end():] if m else t
    end = _EN_SENTENCE_END.search(rest)
    if end and rest[end.end():].strip():
        return None
    if ":" in rest.rstrip(":") or "：" in rest.rstrip("："):
        return None
    words = len(rest.split())
    if words > 16 or (words > 10 and b.bold < 0.5 and b.hfont < 0.5):
        return None
    if end and b.bold < 0.5 and b.hfont < 0.5:
        return None
    return level


def _demote_lists(blocks: list[Block], levels: list[int | None]) -> None:
    """Consecutive numbered lines of one level with nothing between them, none set
    bold or in a heading face, are a list (名单, 附件 items), not headings."""
    i = 0
    while i < len(levels):
        lv = levels[i]
        if not lv:
            i += 1
            continue
        j = i
        while j + 1 < len(levels) and levels[j + 1] == lv:
            j += 1
        if j > i and all(blocks[k].bold < 0.5 and blocks[k].hfont < 0.5 for k in range(i, j + 1)):
            for k in range(i, j + 1):
                levels[k] = None
        i = j + 1


_CAPTION_HINT = re.compile(r"^(图|圖|图片|照片)|供图|摄影?[）)]?$|摄）|（.{0,12}摄）")


def _captions(blocks: list[Block], levels: list[int | None]) -> set[int]:
    """Indexes of lines that caption the image just above them: short, centred (or
    worded like a caption: 图为…, …供图, …摄), not a heading."""
    out = set()
    for i in range(1, len(blocks)):
        b, prev = blocks[i], blocks[i - 1]
        if prev.kind != "figure" or b.kind != "p" or levels[i]:
            continue
        t = squash(b.text)
        if 0 < len(t) <= 60 and (b.align == "center" or _CAPTION_HINT.search(t)):
            out.add(i)
    return out


@dataclass
class Layout:
    """The parts of a body in reading order: a regulation's masthead, the main text,
    its closing (signature and the lines after it) and the annexes."""
    masthead: Masthead | None
    main: list[Block]
    closing: Closing | None
    annexes: list[Annex] = field(default_factory=list)


def arrange(blocks: list[Block]) -> Layout:
    """Masthead off the top, annexes off the end, then the signature above them."""
    masthead, rest = find_masthead(blocks)
    main, closing, annexes = split_annexes(rest, find_closing)
    if closing is None and not annexes:
        main, closing = split_issued(main)
    return Layout(masthead, main, closing, annexes)


#: a sentence that issues a document: 现将《……办法》印发给你们 / 制定了《……》
_ISSUES = re.compile(r"印发|转发|批转|发布|公布|下发|颁布|制定")
_NAMED = re.compile(r"《([^《》]{2,80})》")
_ISSUED_SCAN = 200   # blocks tried as the issued document's title


def split_issued(blocks: list[Block]) -> tuple[list[Block], Closing | None]:
    """A notice that issues a document (印发 / 转发 … 《X》) and prints it after its own
    signature without an annex label: the signature above the line that is X's title.
    The issued text follows the signature as its blocks; one with headings of its own
    is left whole (the record keeps sections in the main text or an annex only)."""
    named: set[str] = set()
    for t, b in enumerate(blocks[:_ISSUED_SCAN]):
        if b.kind != "p":
            continue
        s = squash(b.text)
        if t >= 2 and s in named and not _SENTENCE_END.search(s) and (b.align == "center" or b.bold >= 0.5):
            main, closing = find_closing(blocks[:t])
            rest = blocks[t:]
            if closing is None or any(level_of(x) or unit_kind(x) for x in rest):
                return blocks, None
            closing.after += rest
            return main, closing
        if _ISSUES.search(s):
            named.update(squash(m) for m in _NAMED.findall(b.text))
    return blocks, None


def _levels(blocks: list[Block], regulation: bool) -> tuple[list[int | None], list[str | None]]:
    """Heading level (or None) and unit kind of every block of one part (the main
    text or an annex).  第X编/章/节 take the top levels; the GB/T numbering follows
    below them, except in a regulation, where numbered lines are items of an article."""
    kinds, kind_level = unit_levels(blocks)
    levels: list[int | None] = []
    attach_list = False
    for b, kind in zip(blocks, kinds):
        t = squash(b.text)
        # "附件：1.xxx" and its continuation lines "2.xxx" are a list, not headings
        if b.kind == "p" and t.startswith("附件"):
            attach_list = True
        elif attach_list and b.kind == "p" and _ATTACH_ITEM.match(t):
            pass
        else:
            attach_list = False
        if attach_list and b.kind == "p" and b.el.get("role") is None:
            b.el.set("role", "attachment-note")   # 附件说明 (GB/T 9704 7.3.4)
        levels.append(None if kind is not None or attach_list or regulation else level_of(b))
    _demote_lists(blocks, levels)
    # GB/T 9704's numbering says the level itself: （一） is level 2 even where no 一、
    # stands above it (a level may be skipped).  Under 第X章 units the numbering
    # starts just below the smallest unit.
    present = [lv for lv in levels if lv]
    below = len(kind_level)
    shift = (min(present) - 1) if present and below else 0
    out: list[int | None] = []
    for lv, kind in zip(levels, kinds):
        if kind is not None:
            out.append(kind_level[kind])
        elif lv:
            lv = lv - shift + below
            out.append(lv if lv <= 4 else None)
        else:
            out.append(None)
    return out, kinds


def _as_article(p: etree._Element, num: str) -> bool:
    """Make ``p`` an article paragraph: ``<num>第一条</num>`` first, then its text."""
    n = E("num", num)
    text = p.text or ""
    if text.startswith(num):
        n.tail = text[len(num):].lstrip(" \u3000\xa0") or None
        p.text = None
        p.insert(0, n)
    elif not text.strip() and len(p) and p[0].tag == q("strong") and not len(p[0]) \
            and (p[0].text or "").startswith(num):
        strong = p[0]
        rest = strong.text[len(num):].lstrip(" \u3000\xa0")
        p.text = None
        if rest:
            strong.text = rest
            p.insert(0, n)
        else:
            n.tail = (strong.tail or "").lstrip(" \u3000\xa0") or None
            p.replace(strong, n)
    else:
        return False
    p.set("role", "article")
    return True


def _fill(parent: etree._Element, blocks: list[Block], *, opening: bool,
          under_masthead: bool = False) -> etree._Element:
    """Blocks of one part into ``parent`` (body or annex), nested in sections; returns
    the element open at the end (where trailing blocks go)."""
    regulation = is_regulation(blocks)
    levels, kinds = _levels(blocks, regulation)
    if opening:
        _opening_roles(blocks, levels, under_masthead)
    stack: list[tuple[int, etree._Element]] = [(0, parent)]
    captions = _captions(blocks, levels)
    for i, (b, lv) in enumerate(zip(blocks, levels)):
        if i in captions:
            continue
        if b.kind == "figure" and i + 1 in captions:
            cap = E("caption")
            p = blocks[i + 1].el
            cap.text = p.text
            for child in list(p):
                cap.append(child)
            b.el.append(cap)
        if lv:
            while stack[-1][0] >= lv:
                stack.pop()
            sec = sub(stack[-1][1], "section", level=lv, kind=kinds[i])
            h = E("heading")
            p = b.el
            h.text = p.text
            for child in list(p):
                h.append(child)
            sec.append(h)
            stack.append((lv, sec))
            continue
        if regulation and b.el.get("role") is None:
            num = article_number(b)
            if num:
                _as_article(b.el, num)
        stack[-1][1].append(_finish(b))
    return stack[-1][1]


def _opening_roles(blocks: list[Block], levels: list[int | None], under_masthead: bool) -> None:
    """Roles of the first lines of the main text: 主送机关 (各…：), a regulation's own
    title under its masthead (subtitle) and the note under a title (题注)."""
    if not blocks or blocks[0].kind != "p":
        return
    first = blocks[0]
    if _ADDRESSEE.match(squash(first.text)) and not levels[0]:
        first.el.set("role", "addressee")
        return
    i = 0
    s = squash(first.text)
    if not levels[0] and 2 <= len(s) <= 40 and not _SENTENCE_END.search(s) and not is_title_note(first.text) \
            and (first.align == "center" or first.bold >= 0.5) and len(blocks) > 1 \
            and (under_masthead or is_title_note(blocks[1].text)):
        first.el.set("role", "subtitle")
        i = 1
    if blocks[i].kind == "p" and not levels[i] and is_title_note(blocks[i].text):
        blocks[i].el.set("role", "title-note")


def _masthead(m: Masthead) -> etree._Element:
    el = E("masthead")
    sub(el, "org", m.org)
    if m.number:
        sub(el, "number", m.number)
    for b in m.text:
        el.append(_finish(b))
    for office, name in m.signers:
        sub(el, "signer", name, office=office)
    if m.date_text:
        sub(el, "date", m.date_text, when=m.date_iso or None)
    return el


def build_body(layout: Layout, extra_attachments: list[Block]) -> etree._Element:
    body = E("body")
    if layout.masthead is not None:
        body.append(_masthead(layout.masthead))
    last = _fill(body, layout.main, opening=True, under_masthead=layout.masthead is not None)
    closing = layout.closing
    if closing is not None:
        sig = sub(body, "signature")
        for org in closing.orgs:
            sub(sig, "org", org)
        sub(sig, "date", closing.date_text, when=closing.date_iso)
        issued = is_regulation(closing.after)   # the rules a notice issues, printed after it
        for b in closing.after:
            if b.kind == "p" and _NOTE.search(squash(b.text)):
                b.el.set("role", "note")
            elif issued and b.el.get("role") is None and (num := article_number(b)):
                _as_article(b.el, num)
            body.append(_finish(b))
        for b in extra_attachments:
            body.append(b.el)
    else:
        for b in extra_attachments:
            last.append(b.el)
    for a in layout.annexes:
        ael = sub(body, "annex", number=a.number)
        sub(ael, "label", a.label)
        if a.title is not None:
            t = sub(ael, "title")
            t.text = a.title.el.text
            for child in list(a.title.el):
                t.append(child)
        elif a.title_text:
            sub(ael, "title", a.title_text)
        _fill(ael, a.blocks, opening=False)
    return body


def _finish(b: Block) -> etree._Element:
    el = b.el
    if b.kind == "p" and _DOCNO.match(squash(b.text)) and el.get("role") is None:
        el.set("role", "doc-number")
    if b.kind == "p":
        if b.indent:
            el.set("indent", str(b.indent))
        if b.align:
            el.set("align", b.align)
        if b.text.strip() and _NOTE_STRICT.search(squash(b.text)) and el.get("role") is None:
            el.set("role", "note")
    return el


def has_content(body: etree._Element) -> bool:
    return any(squash(t) for t in body.itertext()) or body.find(f".//{q('image')}") is not None
