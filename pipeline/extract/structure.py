"""From a flat list of blocks to the canonical body: trim chrome at the ends, drop the
repeated title and 文号, find the closing signature, recognise headings, nest sections.

Headings (GB/T 9704-2012): 一、 → level 1, （一） → 2, 1. → 3, （1） → 4, on a
*standalone* line; a numbered run-in paragraph ("（一）指导思想。以……") stays a
paragraph.  Bold or a heading face (黑体, 楷体) only breaks ties for longer lines.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from ..canonical import E, q, sub
from .body import Block
from .dates import parse_date
from .lexicon import lexicon, norm_label, squash

_NUMBERING = (
    (1, re.compile(r"^[一二三四五六七八九十百]+\s*[、．.]")),
    (2, re.compile(r"^[（(]\s*[一二三四五六七八九十百]+\s*[）)]")),
    (3, re.compile(r"^\d{1,2}\s*[.．、](?!\d)")),
    (4, re.compile(r"^[（(]\s*\d{1,2}\s*[）)]")),
)
_SENTENCE_END = re.compile(r"[。；;！？!?]")
_NOTE = re.compile(r"^[（(]\s*此件[^）)]{0,12}[）)]$|^附\s*注[:：]|^[（(]\s*(联系人|联系电话)[:：]")
_ORG_SUFFIX = re.compile(r"(局|政府|办公室|办公厅|委员会|厅|部|院|中心|公司|委|会|办|所|队|站|处|科|镇|街道|乡|村|"
                         r"集团|银行|大学|学院|学校|医院|协会|联合会|管委会|小组|指挥部|署|室|馆|社|台)$")
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


def _is_chrome_line(text: str) -> bool:
    lex = lexicon()
    t = text.strip()
    if not t:
        return True
    for rx in lex.chrome_lines:
        if rx.search(t):
            return True
    # a short line that is mostly chrome phrases
    if len(t) <= 80 and lex.chrome_re.search(t):
        rest = lex.chrome_re.sub("", t)
        rest = re.sub(r"[\s\u3000\xa0|｜:：【】\[\]()（）>»/\-—·•]+", "", rest)
        if len(rest) <= max(12, len(t) // 2):
            return True
    return False


def _is_info_line(text: str) -> bool:
    lex = lexicon()
    t = text.strip()
    m = lex.info_re.match(t)
    return bool(m) and len(t) <= lex.info_max


def trim(blocks: list[Block], title: str | None, doc_number: str | None, trimmed: Trimmed) -> list[Block]:
    """Cut chrome from both ends only; mid-body text is content whatever it says."""
    lex = lexicon()
    start = 0
    stitle = squash(title or "")
    sdoc = squash(doc_number or "")
    while start < len(blocks):
        b = blocks[start]
        if b.kind != "p":
            break
        t = squash(b.text)
        nxt = squash(blocks[start + 1].text) if start + 1 < len(blocks) else ""
        if _is_chrome_line(b.text) or _is_info_line(b.text) or (stitle and t == stitle) or (sdoc and t == sdoc):
            trimmed.head.append(b.text)
            start += 1
        elif stitle and nxt and len(t) >= 4 and t + nxt == stitle:  # a title wrapped over two lines
            trimmed.head.extend([b.text, blocks[start + 1].text])
            start += 2
        else:
            break
    end = len(blocks)
    # related-item lists: a tail heading and the short lines after it
    for i in range(len(blocks) - 1, max(start, len(blocks) - 40) - 1, -1):
        b = blocks[i]
        if b.kind not in ("p",):
            continue
        n = norm_label(b.text)
        if n in lex.tail_headings or any(n.startswith(h) and len(n) <= len(h) + 2 for h in lex.tail_headings):
            if all(x.kind in ("p", "attachment") and len(squash(x.text)) <= 120 for x in blocks[i + 1:end]):
                trimmed.tail.extend(x.text for x in blocks[i:end])
                end = i
    while end > start:
        b = blocks[end - 1]
        if b.kind == "p" and (_is_chrome_line(b.text) or _is_info_line(b.text)):
            trimmed.tail.append(b.text)
            end -= 1
            continue
        break
    trimmed.tail.reverse()
    return blocks[start:end]


def _org_like(b: Block) -> bool:
    t = b.text.strip()
    s = squash(t)
    if b.kind != "p" or not s or len(s) > 40 or _SENTENCE_END.search(s) or "：" in s or ":" in s:
        return False
    if parse_date(t):
        return False
    return b.align == "right" or bool(_ORG_SUFFIX.search(s))


def find_closing(blocks: list[Block]) -> tuple[list[Block], Closing | None]:
    """Split off the signature (issuer lines + date) and the lines after it."""
    i = len(blocks) - 1
    # lines after the signature: notes (（此件公开发布）, 附注) and attachment links
    while i >= 0 and (blocks[i].kind == "attachment" or
                      blocks[i].kind == "p" and _NOTE.search(squash(blocks[i].text))):
        i -= 1
    if i < 1:
        return blocks, None
    date_b = blocks[i]
    d = parse_date(date_b.text) if date_b.kind == "p" else None
    if d is None:
        return blocks, None
    j = i - 1
    orgs: list[Block] = []
    while j >= 0 and len(orgs) < 4 and _org_like(blocks[j]):
        # only a right-aligned / org-like run just above the date
        orgs.insert(0, blocks[j])
        j -= 1
    if not orgs:
        return blocks, None
    if not (date_b.align == "right" or any(o.align == "right" for o in orgs)
            or all(_ORG_SUFFIX.search(squash(o.text)) for o in orgs)):
        return blocks, None
    # an org line that is really a heading or a list item is not a signature
    if any(level_of(o) for o in orgs):
        return blocks, None
    closing = Closing(orgs=[o.text.strip() for o in orgs], date_text=date_b.text.strip(),
                      date_iso=d.iso, after=blocks[i + 1:])
    return blocks[:j + 1], closing


def numbering_level(text: str) -> int | None:
    t = text.strip()
    for level, rx in _NUMBERING:
        if rx.match(t):
            return level
    return None


def level_of(b: Block, prev: Block | None = None) -> int | None:
    """Heading level of a standalone numbered line, else None."""
    if b.kind != "p":
        return None
    t = b.text.strip()
    level = numbering_level(t)
    if level is None:
        return None
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
    # continuation lines of an attachment list ("附件：1.xxx" / "2.xxx")
    if prev is not None and level == 3 and prev.kind == "p" and (
            squash(prev.text).startswith("附件") or getattr(prev, "_attach_list", False)):
        b._attach_list = True  # type: ignore[attr-defined]
        return None
    return level


def build_body(blocks: list[Block], closing: Closing | None, extra_attachments: list[Block]) -> etree._Element:
    body = E("body")
    levels: list[int | None] = []
    prev = None
    for b in blocks:
        levels.append(level_of(b, prev))
        prev = b
    present = [lv for lv in levels if lv]
    shift = (min(present) - 1) if present else 0
    stack: list[tuple[int, etree._Element]] = [(0, body)]
    for b, lv in zip(blocks, levels):
        if lv:
            lv -= shift
            while stack[-1][0] >= lv:
                stack.pop()
            sec = sub(stack[-1][1], "section", level=lv)
            h = E("heading")
            p = b.el
            h.text = p.text
            for child in list(p):
                h.append(child)
            sec.append(h)
            stack.append((lv, sec))
            continue
        stack[-1][1].append(_finish(b))
    if closing is not None:
        sig = sub(body, "signature")
        for org in closing.orgs:
            sub(sig, "org", org)
        sub(sig, "date", closing.date_text, when=closing.date_iso)
        for b in closing.after:
            if b.kind == "p" and _NOTE.search(squash(b.text)):
                b.el.set("role", "note")
            body.append(_finish(b))
        for b in extra_attachments:
            body.append(b.el)
    else:
        for b in extra_attachments:
            stack[-1][1].append(b.el)
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
        if b.text.strip() and _NOTE.search(squash(b.text)) and el.get("role") is None:
            el.set("role", "note")
    return el


def has_content(body: etree._Element) -> bool:
    return any(squash(t) for t in body.itertext()) or body.find(f".//{q('image')}") is not None
