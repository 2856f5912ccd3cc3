"""Choosing the body container: the first profile that recognises the page and finds
its container, else the scored generic fallback (docs/portal-templates.md section 5)."""
from __future__ import annotations

import re

from lxml import etree

from .html import text_of
from .lexicon import lexicon, squash
from .metadata import head_text, short_text
from .profiles import Profile, catalogue, evidence
from .selectors import may_match, select

_CJK = re.compile(r"[\u4e00-\u9fff]")


def describe(el: etree._Element) -> str:
    """``div#zoom.art_text`` — how provenance names a container."""
    s = el.tag if isinstance(el.tag, str) else "?"
    if el.get("id"):
        s += "#" + el.get("id")
    classes = (el.get("class") or "").split()
    s += "".join("." + c for c in classes[:3])
    return s


_SCORE_TEXT = 60_000   # characters of a candidate looked at: enough to rank, bounded on huge pages
_SCORE_LINKS = 2_000


def _score(el: etree._Element, g) -> float:
    """The generic fallback's score (docs/portal-templates.md section 5): CJK characters
    + a bonus per long line - link text - chrome phrases."""
    lex = lexicon()
    text = head_text(el, _SCORE_TEXT)
    cjk = len(_CJK.findall(text))
    if cjk < g.min_cjk:
        return float("-inf")
    links = 0
    for i, a in enumerate(el.iter("a")):
        if i >= _SCORE_LINKS:
            break
        links += len(_CJK.findall(head_text(a, 200)))
    lines = sum(1 for ln in text.split("\n") if len(squash(ln)) >= g.long_line)
    chrome = len(lex.chrome_re.findall(text))
    return cjk + g.line_bonus * lines - g.link_penalty * links - g.chrome_penalty * chrome


_MIN_CJK = 10  # a profile container with less than this (and no image or table) is a decoy


def _best_of(els: list[etree._Element]) -> etree._Element | None:
    """The match holding the most text; None when none holds a sentence's worth (a
    font-size widget may carry the container's id while the text sits elsewhere)."""
    best, best_n = None, _MIN_CJK - 1
    for el in els:
        n = len(_CJK.findall(text_of(el)))
        if el.find(".//img") is not None or el.find(".//table") is not None:
            n += _MIN_CJK
        if n > best_n:
            best, best_n = el, n
    return best


def choose_container(root: etree._Element, raw: str, url: str | None, low: str | None = None
                     ) -> tuple[Profile | None, list[str], etree._Element | None, str | None]:
    """The first profile that recognises the page and finds its container; else generic."""
    cat = catalogue()
    low = raw.lower() if low is None else low
    for prof in cat.profiles:
        ev = evidence(prof, raw, url, root, low)
        if ev is None:
            continue
        for sel in prof.containers:
            if not may_match(sel, raw, low):
                continue
            el = _best_of(select(root, sel))
            if el is not None:
                return prof, ev + [f"container {sel!r}"], el, sel
    g = cat.generic
    cands: dict[int, etree._Element] = {}
    for sel in g.candidates:
        if not may_match(sel, raw, low):
            continue
        for el in select(root, sel):
            cands.setdefault(id(el), el)
    # parents of paragraphs, as in readability
    for p in root.iter("p", "br"):
        parent = p.getparent()
        if parent is not None and parent.tag not in ("html", "body"):
            cands.setdefault(id(parent), parent)
        if len(cands) > 200:
            break
    scored = [(s, i, el) for i, el in enumerate(cands.values()) if (s := _score(el, g)) != float("-inf")]
    if not scored:
        return None, [], None, None
    scored.sort(key=lambda t: (-t[0], t[1]))
    return None, ["generic: scored container"], scored[0][2], None


def chrome_elements(container: etree._Element) -> list[etree._Element]:
    """Share bars, QR blocks, print/close links ... inside the container, by class or id.

    Only short ones: a class name is weak evidence, and a long block carrying one
    (``div.editor`` around real text) is kept rather than lose the text."""
    classes = lexicon().chrome_classes
    out = []
    for el in container.iter():
        if el is container or not isinstance(el.tag, str):
            continue
        toks = set((el.get("class") or "").split())
        if el.get("id"):
            toks.add(el.get("id"))
        if toks & classes and short_text(el, 300) is not None:
            out.append(el)
    return out
