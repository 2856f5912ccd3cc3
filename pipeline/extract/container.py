"""Choosing the body container: the first profile that recognises the page and finds
its container, else the scored generic fallback (docs/portal-templates.md section 5)."""
from __future__ import annotations

import re

from lxml import etree

from .html import LOOSE_BODY_CLASS
from .lexicon import lexicon, squash
from .metadata import TITLE_SPLIT, head_text, short_text
from .profiles import Profile, catalogue, evidence
from .selectors import may_match, select

_CJK = re.compile(r"[\u4e00-\u9fff]+")
_WORD = re.compile(r"[A-Za-z]{2,}")


def cjk_count(text: str) -> int:
    """CJK characters in ``text`` (counted by runs: ten times faster than one match each)."""
    return sum(map(len, _CJK.findall(text)))
#: an English word carries about as much as two Chinese characters
WORD_UNITS = 2


def text_units(text: str) -> int:
    """How much text there is, in Chinese characters: each CJK character counts one,
    each English word two (the English editions of the portals are scored alike)."""
    n = cjk_count(text)
    if n * 4 < len(text):   # little CJK: count the words too
        n += WORD_UNITS * len(_WORD.findall(text))
    return n


_SENTENCE = re.compile(r"[。！？；]|[.!?;](?=\s|$)")


def _long_line(line: str, long_line: int) -> bool:
    """A line of running text: ``long_line`` CJK characters, or three times as many
    characters of English (words and spaces), with a sentence in it.  A headline is as
    long but ends no sentence: a sidebar of unlinked headlines is not running text."""
    s = squash(line)
    if len(s) >= long_line and (cjk_count(s) * 2 >= len(s) or len(line.strip()) >= 3 * long_line):
        return bool(_SENTENCE.search(line))
    return False


def describe(el: etree._Element) -> str:
    """``div#zoom.art_text`` — how provenance names a container.

    The wrapper parsing puts around a bare body's paragraphs is the page's ``body``:
    provenance names what the page holds, not a device of ours."""
    if el.tag == "div" and el.get("class") == LOOSE_BODY_CLASS:
        return "body"
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
    cjk = text_units(text)
    if cjk < g.min_cjk:
        return float("-inf")
    links = 0
    for i, a in enumerate(el.iter("a")):
        if i >= _SCORE_LINKS:
            break
        links += text_units(head_text(a, 200))
    lines = sum(1 for ln in text.split("\n") if _long_line(ln, g.long_line))
    chrome = len(lex.chrome_re.findall(text))
    score = cjk + g.line_bonus * lines - g.link_penalty * links - g.chrome_penalty * chrome
    return score * name_factor(el, g) if score > 0 else score


_NAME_PARTS = re.compile(r"[^a-z]+")


def name_factor(el: etree._Element, g) -> float:
    """What the element's id and classes say it holds: 1 + weight when a part of them
    names content (``detil-new-cont``, ``article_content_01``) and none names layout,
    1 - weight when one names layout or chrome (``row``, ``sidebar``) and none names
    content, else 1.
    Parts, not substrings: ``xcontenty`` names nothing."""
    if not g.name_weight:
        return 1.0
    names = f"{el.get('id') or ''} {el.get('class') or ''}".lower()
    if not names.strip():
        return 1.0
    parts = set(_NAME_PARTS.split(names))
    content, layout = bool(parts & g.content_names), bool(parts & g.layout_names)
    if content and not layout:
        return 1.0 + g.name_weight
    if layout and not content:
        return 1.0 - g.name_weight
    return 1.0   # both (news-con-list, article-list) or neither: the name says nothing


_MIN_CJK = 10  # a profile container with less than this (and no image or table) is a decoy


def _best_of(els: list[etree._Element]) -> etree._Element | None:
    """The match holding the most text; None when none holds a sentence's worth (a
    font-size widget may carry the container's id while the text sits elsewhere)."""
    best, best_n = None, _MIN_CJK - 1
    for el in els:
        n = text_units(head_text(el, _SCORE_TEXT))
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
                ev = ev + [f"container {sel!r}"]
                if is_weak(ev) or _holds_meta_block(el, prof, raw, low):
                    inner = narrow(el, cat.generic)
                    if inner is not el:
                        ev.append(f"narrowed to {describe(inner)}: the rest of {describe(el)} is "
                                  "labels and page chrome")
                        el = inner
                return prof, ev, el, sel
    g = cat.generic
    cands: dict[int, etree._Element] = {}
    for sel in g.candidates:
        if not may_match(sel, raw, low):
            continue
        for el in select(root, sel):
            cands.setdefault(id(el), el)
    for el in paragraph_parents(root, exclude=("html", "body")):
        cands.setdefault(id(el), el)
    body = _fragment_body(root)
    if body is not None:
        cands.setdefault(id(body), body)
    scored = [(s, i, el) for i, el in enumerate(cands.values()) if (s := _score(el, g)) != float("-inf")]
    if not scored:
        return None, [], None, None
    anchored = _title_anchored(root, [el for _, _, el in scored])
    if anchored:
        scored = [(s * TITLE_BONUS if s > 0 and id(el) in anchored else s, i, el) for s, i, el in scored]
    scored.sort(key=lambda t: (-t[0], t[1]))
    why = f"generic: the highest score of {len(scored)} candidate(s), {scored[0][0]:.0f}"
    if id(scored[0][2]) in anchored:
        why += ", right under the page's title"
    if len(scored) > 1:
        why += f" (next: {describe(scored[1][2])}, {scored[1][0]:.0f})"
    best = scored[0][2]
    inner = _named_prose_block(best, [el for _, _, el in scored[1:]], g)
    if inner is not None:
        return None, [why, f"narrowed to {describe(inner)}: it is named for content and holds the "
                           f"running text of {describe(best)}"], inner, None
    return None, [why], best, None


#: the block right under the page's title is the article more often than a longer one
#: elsewhere (a sidebar's 机构简介 of running text outweighs a two-paragraph notice)
TITLE_BONUS = 3.0
_TITLE_NEAR = 600       # characters of text between the title and the block's first text
_TITLE_TOP = 300        # a block holding the title holds it among its first characters
_TITLE_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "div", "p", "td", "span", "strong", "b", "font",
                         "center", "header"})


def _page_title(root: etree._Element) -> str | None:
    """The title as the head states it: <meta ArticleTitle>, else the longest part of
    <title> (标题_栏目_站名)."""
    for m in root.iter("meta"):
        if (m.get("name") or "").lower() == "articletitle" and squash(m.get("content") or ""):
            return squash(m.get("content"))
    t = root.find(".//title")
    if t is None or not (t.text or "").strip():
        return None
    parts = [squash(x) for x in TITLE_SPLIT.split(t.text.strip()) if squash(x)]
    best = max(parts, key=len) if parts else ""
    return best if len(best) >= 6 else None


def _title_anchored(root: etree._Element, cands: list[etree._Element]) -> set[int]:
    """Candidates that hold the element showing the page's title at their top, else
    the first to start under it: the article follows its title.  Empty when the page
    shows its title nowhere in the body."""
    title = _page_title(root)
    if not title:
        return set()
    start: dict[int, int] = {}
    stop: dict[int, int] = {}
    cum = 0
    title_el = None
    for ev, el in etree.iterwalk(root, events=("start", "end")):
        if not isinstance(el.tag, str):
            continue
        if ev == "start":
            start[id(el)] = cum
            if title_el is None and el.tag in _TITLE_TAGS:
                st = squash(short_text(el, 300) or "")
                if st and (st == title or (title in st and len(st) <= len(title) + 12)):
                    title_el = el
            cum += len(el.text or "")
        else:
            stop[id(el)] = cum
            cum += len(el.tail or "")
    if title_el is None:
        return set()
    t0, t1 = start[id(title_el)], stop[id(title_el)]
    holding = [c for c in cands if c is not title_el and c in title_el.iterancestors()
               and t0 - start[id(c)] <= _TITLE_TOP]
    inner = max(holding, key=lambda c: start[id(c)]) if holding else None
    limit = min(stop[id(inner)] - 1 if inner is not None else t1 + _TITLE_NEAR, t1 + _TITLE_NEAR)
    after = [(start[id(c)], c) for c in cands if t1 <= start[id(c)] <= limit
             and (inner is None or inner in c.iterancestors())]
    if after:   # the first block under the title (inside the block holding it, if any)
        first = min(p for p, _ in after)
        return {id(c) for p, c in after if p == first}
    return {id(inner)} if inner is not None else set()


_FRAGMENT_PARAGRAPHS = 3


def _fragment_body(root: etree._Element) -> etree._Element | None:
    """The <body> itself, when the paragraphs sit directly in it: a crawler's slice of
    the article (no wrapping element survives) or a bare page such as a Word export.
    A portal page's body holds layout blocks, not paragraphs, so it is not a candidate."""
    body = root if root.tag == "body" else root.find("body")
    if body is None:
        return None
    n = 0
    for c in body:
        if isinstance(c.tag, str) and (c.tag == "p" or c.tag == "div" and _text_div(c)) and (c.text or len(c)):
            n += 1
            if n >= _FRAGMENT_PARAGRAPHS:
                return body
    return None


_PROSE = re.compile(r"[，。；！？]|[,.;](?=\s)")
_PROSE_SHARE = 0.9
_MAX_NAMED = 20


def _named_prose_block(best: etree._Element, others: list[etree._Element], g) -> etree._Element | None:
    """Inside a winner whose name says nothing of content (``div.row``,
    ``div.container``), the candidate named for content (``div#content``) that holds
    nearly all of its running text: what the winner adds is lists, headlines and chrome
    (a sidebar of unlinked headlines outweighs a short article by characters alone)."""
    if name_factor(best, g) > 1.0:
        return None
    total = len(_PROSE.findall(head_text(best, _SCORE_TEXT)))
    if total == 0:
        return None
    inside = [el for el in others if name_factor(el, g) > 1.0 and best in el.iterancestors()]
    for el in inside[:_MAX_NAMED]:
        if len(_PROSE.findall(head_text(el, _SCORE_TEXT))) >= _PROSE_SHARE * total:
            return el
    return None


_MAX_PARENTS = 120
_DIV_BLOCKS = frozenset({"div", "p", "table", "ul", "ol", "dl", "h1", "h2", "h3", "h4", "h5", "h6", "section",
                         "article", "form"})


def _text_div(el: etree._Element) -> bool:
    """A <div> used as a paragraph (Word and TRS exports): text of its own, no blocks inside."""
    if not (el.text or "").strip() and not any((c.tail or "").strip() for c in el):
        if not any(isinstance(c.tag, str) and c.tag in ("span", "font", "strong", "b") for c in el):
            return False
    return not any(isinstance(c.tag, str) and c.tag in _DIV_BLOCKS for c in el)


def paragraph_parents(root: etree._Element, exclude: tuple[str, ...] = ()) -> list[etree._Element]:
    """Parents of paragraphs (<p>, or a <div> used as one) and line breaks, as in
    readability: the ones holding the
    most of them, at most ``_MAX_PARENTS`` (a page's navigation can hold hundreds of
    <p> before the article does)."""
    counts: dict[int, list] = {}
    for p in root.iter("p", "br", "div"):
        if p.tag == "div" and not _text_div(p):
            continue
        parent = p.getparent()
        if parent is not None and parent.tag not in exclude:
            entry = counts.get(id(parent))
            if entry is None:
                counts[id(parent)] = [parent, 1, len(counts)]
            else:
                entry[1] += 1
    ranked = sorted(counts.values(), key=lambda e: (-e[1], e[2]))[:_MAX_PARENTS]
    return [e[0] for e in sorted(ranked, key=lambda e: e[2])]


def _holds_meta_block(el: etree._Element, prof: Profile, raw: str, low: str) -> bool:
    """The container holds the profile's own 信息公开 block: a layout block (a
    profile's last-resort ``div.wrap``), not the article."""
    for sel in prof.meta_blocks:
        if may_match(sel, raw, low) and any(m is not el and el in m.iterancestors() for m in select(el, sel)):
            return True
    return False


def is_weak(evidence: list[str]) -> bool:
    """Evidence that is only the page's URL: the URL says which CMS made the page, not
    which of its blocks holds the article."""
    kinds = {e.split(" ", 1)[0] for e in evidence}
    return "url" in kinds and not kinds & {"marker", "pattern", "block"}


def _noise(el: etree._Element) -> int:
    """Chrome phrases and metadata labels (label + colon) in an element's text."""
    lex = lexicon()
    text = head_text(el, _SCORE_TEXT)
    return len(lex.chrome_re.findall(text)) + len(lex.runon_re.findall(text))


def narrow(el: etree._Element, g) -> etree._Element:
    """The block inside ``el`` whose text is the article, when ``el`` is a layout block.

    A descendant wins when it scores higher by the generic score and the rest of ``el``
    holds labels or chrome phrases (evidence that ``el`` wraps more than the article);
    a descendant that merely leaves out links (an attachment list) does not."""
    cands: dict[int, etree._Element] = {}
    for sel in g.candidates:
        for d in select(el, sel):
            cands.setdefault(id(d), d)
    for d in paragraph_parents(el):
        cands.setdefault(id(d), d)
    cands.pop(id(el), None)
    if not cands:
        return el
    best_score, best = _score(el, g), el
    outer_noise = _noise(el)
    if outer_noise == 0:
        return el
    for d in cands.values():
        s = _score(d, g)
        if s > best_score and _noise(d) < outer_noise:
            best_score, best = s, d
    return best


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
