"""Annexes (附件) printed after the signature: where the main text ends and each
annex begins.

A 公文 with annexes ends its main text with the 附件说明 (附件：……), the signature
(issuer + date) and notes such as （此件公开发布）; then each annex follows with its
label (附件 / 附件1), its title and its own text: headings, paragraphs, tables,
pictures.  Looking for the signature from the end of the page would meet the annex's
text first, so the annex labels are found first, and the signature is looked for
just above the first label that has one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from .body import Block
from .lexicon import squash

_NUM = r"[0-9０-９]{1,2}|[一二三四五六七八九十]{1,3}"
#: a label line of its own: 附件 / 附件1 / 附件一 / 附件2： (white space removed first)
_LABEL = re.compile(rf"^附件({_NUM})?[:：]?$")
#: a label with the annex title on the same line: 附件1：废止规范性文件目录
_LABEL_TITLED = re.compile(rf"^(附件({_NUM})?)[:：](.+)$")
_SENTENCE_END = re.compile(r"[。；;！？!?]$")
_MAX_LABELS = 20   # label lines tried as the start of the annexes
_CN = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


@dataclass
class Annex:
    label: str                      # as shown: 附件 / 附件1
    number: str | None              # 1, 2 … when the page numbers it
    title: Block | None             # the title line, when the annex has one
    title_text: str | None = None   # the title when it shares the label's line
    blocks: list[Block] = field(default_factory=list)


def _number(raw: str | None) -> str | None:
    if not raw:
        return None
    raw = raw.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if raw.isdigit():
        return str(int(raw))
    if "十" in raw:
        tens, _, ones = raw.partition("十")
        return str((_CN.get(tens, 1) if tens else 1) * 10 + _CN.get(ones, 0))
    return str(_CN[raw]) if raw in _CN else None


def annex_label(b: Block) -> tuple[str, str | None, str | None] | None:
    """(label as shown, number, title on the same line) for an annex label line."""
    if b.kind != "p":
        return None
    s = squash(b.text)
    m = _LABEL.match(s)
    if m:
        return b.text.strip().rstrip(":："), _number(m.group(1)), None
    m = _LABEL_TITLED.match(s)
    if m and len(m.group(3)) <= 60 and not _SENTENCE_END.search(s):
        text = b.text.strip()
        cut = max(text.find("："), text.find(":"))
        return squash(m.group(1)), _number(m.group(2)), text[cut + 1:].strip()
    return None


def _title_like(b: Block) -> bool:
    s = squash(b.text)
    return b.kind == "p" and 0 < len(s) <= 80 and not _SENTENCE_END.search(s) and annex_label(b) is None


def _substantial(blocks: list[Block]) -> bool:
    """Content an annex is made of, not a list of attachment links or file names."""
    for b in blocks:
        if b.kind in ("table", "figure"):
            return True
        if b.kind == "p" and len(squash(b.text)) > 40:
            return True
    return False


def _announced(above: list[Block], title: str | None) -> bool:
    """The main text's 附件说明 (附件：1.……) names this annex's title."""
    if not title:
        return False
    st = squash(title)
    return len(st) >= 4 and any(b.kind == "p" and squash(b.text).startswith("附件") and st in squash(b.text)
                                for b in above)


def _split(blocks: list[Block]) -> list[Annex]:
    """The annexes from the first label on: each label starts one."""
    out: list[Annex] = []
    for b in blocks:
        fresh = bool(out) and not (out[-1].blocks or out[-1].title or out[-1].title_text)
        lab = None if fresh else annex_label(b)
        if lab is not None:
            out.append(Annex(label=lab[0], number=lab[1], title=None, title_text=lab[2]))
            continue
        a = out[-1]
        if a.title is None and a.title_text is None and not a.blocks and _title_like(b):
            a.title = b
        else:
            a.blocks.append(b)
    return out


def split_annexes(blocks: list[Block], find_closing: Callable) -> tuple[list[Block], object, list[Annex]]:
    """(main text, its closing or None, annexes).

    A label starts the annexes when the text above it ends with a signature, or when
    the 附件说明 above announces the title that follows it; a label with a colon (附件：,
    附件1：title) must also be followed by an annex's content, not only file names."""
    tried = 0
    for k in range(1, len(blocks)):
        lab = annex_label(blocks[k])
        if lab is None:
            continue
        tried += 1
        if tried > _MAX_LABELS:   # bounded work on a page of a thousand 附件 lines
            break
        after = blocks[k + 1:]
        if not any(b.kind != "attachment" for b in after):
            continue   # 附件： over file links only: an attachment list, not an annex
        colon = squash(blocks[k].text)[-1:] in (":", "：")
        if (lab[2] is not None or colon) and not _substantial(after):
            continue
        main, closing = find_closing(blocks[:k])
        title = lab[2] if lab[2] is not None else (after[0].text if _title_like(after[0]) else None)
        if closing is None and not _announced(blocks[:k], title):
            continue
        return main, closing, _split(blocks[k:])
    main, closing = find_closing(blocks)
    return main, closing, []
