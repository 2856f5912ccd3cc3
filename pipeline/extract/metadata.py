"""Metadata of a page: the 信息公开 label/value block, the standard <meta> tags, the
info line under the title, and the title itself.

Where values come from, best first (docs/portal-templates.md section 0.3):
  0  a label/value structure (td/td, th/td, dt/dd, li/span, label/span, 2×N tables,
     values wrapped in <!--<$[CODE]>--> comments)
  1  run-on text "标题：… 发文机关：… 发文字号：…" outside the body
  2  the info line under the title (发布时间 / 来源 / 作者 ..., then dropped from the body)
  3  <meta name=ArticleTitle|PubDate|ContentSource ...>
Within one rank the label priority of the lexicon decides (发文字号 > 文件编号 > 文号).
成文日期 and 发布日期 are different fields; 生成日期 is neither.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from lxml import etree

from ..canonical import DATE_FIELDS, MetaValue
from .dates import find_date, parse_date
from .lexicon import clean_value, is_placeholder, lexicon, norm_label, squash
from .html import ElementSet
from .selectors import may_match, select

#: Elements that can hold a label whose value follows them.  (li / p hold "label：value"
#: inside themselves and are read as labelled text instead.)
LABEL_TAGS = frozenset({"td", "th", "dt", "span", "label", "b", "strong", "font", "em", "i", "div"})
BLOCK_TAGS = frozenset({"div", "p", "li", "ul", "ol", "dl", "dt", "dd", "table", "tbody", "thead",
                        "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article",
                        "header", "footer", "form", "blockquote", "center", "pre", "address", "main",
                        "aside", "nav", "figure", "hr", "br"})
_ROW_BLOCKS = ("table", "dl", "ul", "ol")
#: Fields whose values lose every internal space (they are codes).
_CODE_FIELDS = frozenset({"doc-number", "index-number", "unified-number"})

RANK_PAIR, RANK_RUNON, RANK_INFO, RANK_META = 0, 1, 2, 3
RANK_NAMES = {RANK_PAIR: "label/value block", RANK_RUNON: "labelled text",
              RANK_INFO: "info line", RANK_META: "<meta> tag"}


@dataclass
class Found:
    """One labelled value seen on the page."""
    field: str            # canonical field, "" for an uncatalogued label kept as <field>
    label: str            # the page's own label, as shown (trimmed, colon removed)
    value: str            # the value as shown (spaces collapsed); "" when a placeholder
    rank: int
    order: int
    label_rank: int = 100
    block: etree._Element | None = None
    chosen: bool = False
    inside: bool = False  # read from inside the body container


@dataclass
class PageMeta:
    values: dict[str, MetaValue] = field(default_factory=dict)
    extra: list[tuple[str, str]] = field(default_factory=list)
    found: list[Found] = field(default_factory=list)
    blocks: list[etree._Element] = field(default_factory=list)      # meta blocks (not body)
    info_lines: list[etree._Element] = field(default_factory=list)  # info lines (not body)
    url: str | None = None
    title_source: str = ""


def short_text(el: etree._Element, limit: int) -> str | None:
    """The element's text, or None as soon as it exceeds ``limit`` characters.

    Bounds the cost of looking at every element of a huge page for a label."""
    out, n = [], 0
    for t in el.itertext():
        n += len(t)
        if n > limit:
            return None
        out.append(t)
    return "".join(out)


_RUNNING_TEXT = 80   # characters: a line this long without a label is the article's text

_LONE_INFO_WEAK = frozenset({"时间", "日期", "作者"})
_CJK_CHAR = re.compile(r"[\u4e00-\u9fff]")
_EN_SENTENCE = re.compile(r"[.!?;](?=\s|$)")


def _running_text(text: str) -> bool:
    """A line of the article's running text rather than a title or label line: longer
    than ``_RUNNING_TEXT`` characters of Chinese; in English (a title of twenty words is
    common) a sentence, or three times as long."""
    t = text.strip()
    if len(t) <= _RUNNING_TEXT:
        return False
    if len(_CJK_CHAR.findall(t)) * 4 >= len(t):
        return True
    return len(t) > 3 * _RUNNING_TEXT or bool(_EN_SENTENCE.search(t))


#: an English byline opening an info line: "By Zhang Wei |"
_BYLINE = re.compile(r"^[Bb]y\s+([A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*){0,3})\s*[|｜/,]?\s*$")
_LEAD_MAX = 40
_LEAD_SEP = " \t\u3000\xa0|｜/"


def byline(lead: str) -> str | None:
    """The author's name of a leading "By Zhang Wei" part of an info line."""
    m = _BYLINE.match(lead.strip(_LEAD_SEP))
    return m.group(1) if m else None


def info_start(text: str) -> re.Match[str] | None:
    """The first label of an info line: at its start, or after a short unlabelled part
    the line opens with: its date ("2024-06-18 17:42 来源：…"), an English byline
    ("By Zhang Wei | Source: … | Updated: …") or an item set off by a bar."""
    lex = lexicon()
    m = lex.info_re.search(text, 0, _LEAD_MAX + 40)
    if m is None:
        return None
    if m.start() == 0:
        return m
    lead = text[:m.start()]
    if len(lead) > _LEAD_MAX:
        return None
    if lead.rstrip(" \t\u3000\xa0").endswith(("|", "｜")) or not lead.strip(_LEAD_SEP + "【[（("):
        return m   # "chinadaily.com.cn | Updated: …", "【来源：…】【发布时间：…】"
    lead = lead.strip(_LEAD_SEP)
    return m if (parse_date(lead) is not None or byline(lead) is not None) else None


def is_info_line(text: str) -> bool:
    """The info line under a title (发布时间：… 来源：… 浏览次数：…), as a body line.

    A line with only a bare 时间： / 日期： / 作者： is not enough: "时间：3月5日上午9时"
    opens many a meeting notice."""
    lex = lexicon()
    t = text.strip()
    if len(t) > lex.info_max or info_start(t) is None:
        return False
    hits = [norm_label(m.group(1)) for m in lex.info_re.finditer(t)]
    return len(hits) >= 2 or hits[0] not in _LONE_INFO_WEAK


def head_text(el: etree._Element, n: int) -> str:
    """The first ``n``-odd characters of an element's text (enough to look for a label)."""
    out, size = [], 0
    for t in el.itertext():
        out.append(t)
        size += len(t)
        if size >= n:
            break
    return "".join(out)


def _next_element(el: etree._Element) -> etree._Element | None:
    nxt = el.getnext()
    while nxt is not None and not isinstance(nxt.tag, str):
        nxt = nxt.getnext()
    return nxt


def _label_text(raw: str) -> str:
    """The label as shown, without its colon and padding (索 引 号 → 索引号; an
    English label keeps its single spaces: Index No.)."""
    t = unicodedata.normalize("NFKC", raw)
    t = re.sub(r"[\s\u3000\xa0]+", " " if t.strip().isascii() else "", t)
    return t.strip().rstrip(":：").strip()


def _row_block(el: etree._Element) -> etree._Element | None:
    for anc in el.iterancestors():
        if anc.tag in _ROW_BLOCKS:
            return anc
        if anc.tag in ("body", "html"):
            break
    parent = el.getparent()
    return parent.getparent() if parent is not None and parent.getparent() is not None else parent


def _is_label(text: str | None) -> bool:
    """A known label (索引号：, 发布机构) and nothing else."""
    return bool(text) and len(text) <= 40 and norm_label(text) in lexicon().label_field


def _cells(row: etree._Element) -> list[tuple[int, etree._Element]]:
    """(first grid column, cell) of a table row, colspans counted."""
    out, col = [], 0
    for c in row:
        if isinstance(c.tag, str) and c.tag in ("td", "th"):
            out.append((col, c))
            try:
                col += max(1, int(c.get("colspan") or 1))
            except ValueError:
                col += 1
    return out


def _cell_below(cell: etree._Element) -> etree._Element | None:
    """The value under a label cell, when the label's row is all labels and the next
    row holds the values (索引号 | 发布机构 | 发文字号 over their values)."""
    row = cell.getparent()
    if row is None or row.tag != "tr":
        return None
    cells = _cells(row)
    if len(cells) < 2 or not all(_is_label(short_text(c, 40)) for _, c in cells):
        return None
    nxt = _next_element(row)
    if nxt is None or nxt.tag != "tr":
        return None
    # one row of values under the labels (then the table ends, or labels come again):
    # a data table in the text (文件名称 | 文号 | 发布日期 over many rows) is content
    after = _next_element(nxt)
    if after is not None and after.tag == "tr" \
            and not all(_is_label(short_text(c, 40)) for _, c in _cells(after)):
        return None
    col = next(i for i, c in cells if c is cell)
    for i, c in _cells(nxt):
        if i == col:
            return None if _is_label(short_text(c, 40)) else c
    return None


def _value_after(el: etree._Element) -> tuple[etree._Element | None, str | None]:
    """Value of a label element: the next cell, the dd, or the rest of its parent."""
    if el.tag in ("td", "th"):
        nxt = _next_element(el)
        if nxt is None or nxt.tag not in ("td", "th") or _is_label(short_text(nxt, 40)):
            below = _cell_below(el)   # a row of labels over a row of values
            if below is not None:
                return below, short_text(below, 400)
        if nxt is not None and nxt.tag in ("td", "th"):
            return nxt, short_text(nxt, 400)
        return None, None
    if el.tag == "div":
        nxt = _next_element(el)
        return (nxt, short_text(nxt, 400)) if nxt is not None else (None, None)
    if el.tag == "dt":
        nxt = _next_element(el)
        if nxt is not None and nxt.tag == "dd":
            return nxt, short_text(nxt, 400)
        return None, None
    parent = el.getparent()
    if parent is None:
        return None, None
    parts = [el.tail or ""]
    sib = el.getnext()
    size = 0
    while sib is not None:
        if isinstance(sib.tag, str):
            t = short_text(sib, 400)
            if t is None:
                return None, None
            # the next label of a run of label/value spans ends this value
            if sib.tag == el.tag and (sib.get("class") == el.get("class") and el.get("class") or _is_label(t)):
                break
            parts.append(t)
        parts.append(sib.tail or "")
        size += 1
        sib = sib.getnext()
    text = "".join(parts)
    if text.strip(" \u3000\xa0\t\r\n:：") or size:
        return parent, text
    return None, ""


def _clean_field_value(fld: str, value: str) -> str:
    v = clean_value(value)
    if fld in _CODE_FIELDS and not re.search(r"[A-Za-z]{2,}\s", v):   # English codes keep their words apart
        v = squash(v)
    return v


def _inside(el: etree._Element, container: etree._Element | None) -> bool:
    return container is not None and (el is container or container in el.iterancestors())


_SKIP_TAGS = frozenset({"html", "body", "head", "title", "meta"})


def _scan(root: etree._Element) -> tuple[list[tuple[etree._Element, str]], list[etree._Element]]:
    """One pass over the page: elements short enough to be a label (with their text),
    and elements whose text starts with something followed by a colon (labelled text)."""
    labels: list[tuple[etree._Element, str]] = []
    colons: list[etree._Element] = []
    for el in root.iter():
        tag = el.tag
        if not isinstance(tag, str) or tag in _SKIP_TAGS:
            continue
        head = head_text(el, 42)
        if len(head) <= 40 and tag in LABEL_TAGS:  # head is the whole text when this short
            labels.append((el, head))
        h = head.lstrip()[:30]
        if "：" in h or ":" in h or "︰" in h:
            colons.append(el)
    return labels, colons


def _pairs(labels: list[tuple[etree._Element, str]], container: etree._Element | None, found: list[Found],
           blocks: dict[int, list]) -> None:
    lex = lexicon()
    seen_values = ElementSet()
    order = 0
    for el, raw in labels:
        n = norm_label(raw)
        if not n or n not in lex.label_field:
            continue
        fld = lex.label_field[n]
        if el.tag == "div" and (_has_block_child(el) or (_next_element(el) is None)
                                or _next_element(el).tag != "div"):
            continue
        if el.tag in ("td", "th", "dt", "div"):
            value_el, value = _value_after(el)
        else:
            value_el, value = _value_after(el)
            parent = el.getparent()
            if (value is None or not value.strip()) and parent is not None \
                    and parent.tag in ("td", "th", "dt") and norm_label(short_text(parent, 40) or "") == n:
                value_el, value = _value_after(parent)
        if value is None or value_el is None:
            continue
        # one value element read once (a <b> label inside its <td> label finds the same
        # cell); labels inline in one parent (two label spans in one <li>) each own theirs
        key = el if value_el is el.getparent() else value_el
        if key in seen_values:
            continue
        seen_values.add(key)
        # a value that is itself a label means an empty cell followed by the next label
        if norm_label(value) in lex.label_field and len(norm_label(value)) <= 6:
            value = ""
        if len(value) > 300:
            continue
        order += 1
        value = "" if is_placeholder(value) else _clean_field_value(fld, value)
        blk = _row_block(el)
        found.append(Found(fld, _label_text(raw), value, RANK_PAIR, order, lex.label_rank.get(n, 100), blk,
                           inside=_inside(el, container)))
        if blk is not None:
            blocks.setdefault(id(blk), [blk, 0])[1] += 1


_GROUP_TEXT = 2_000   # characters: a group of one-pair rows longer than this is not a label block


def _group_single_pairs(found: list[Found], blocks: dict[int, list], container: etree._Element | None) -> None:
    """One label/value pair per row block (``<dl><dt>索引号</dt><dd>…</dd></dl>`` once
    per field, a ``<table>`` per row): the rows' common parent is the block, when it
    holds two or more of them and nothing long (never the body container itself)."""
    singles: dict[int, list] = {}
    for key, (blk, n) in blocks.items():
        parent = blk.getparent()
        if n != 1 or parent is None or parent is container or parent.tag in ("body", "html"):
            continue
        singles.setdefault(id(parent), [parent, []])[1].append(key)
    for parent, keys in singles.values():
        if len(keys) < 2 or short_text(parent, _GROUP_TEXT) is None:
            continue
        moved = ElementSet(blocks[k][0] for k in keys)
        for k in keys:
            del blocks[k]
        for f in found:
            if f.block is not None and f.block in moved:
                f.block = parent
                blocks.setdefault(id(parent), [parent, 0])[1] += 1


def _has_long_cell(block: etree._Element) -> bool:
    return any(short_text(c, 200) is None for c in block.iter("td", "th", "dd", "li"))


def _split_labelled(text: str, rx: re.Pattern[str]) -> list[tuple[str, str]]:
    """'发布时间：X 来源：Y' -> [('发布时间', 'X'), ('来源', 'Y')]."""
    hits = list(rx.finditer(text))
    out = []
    for i, m in enumerate(hits):
        end = hits[i + 1].start() if i + 1 < len(hits) else len(text)
        out.append((m.group(1), text[m.end():end].strip(" \t\u3000|｜【[（(】]")))
    return out


def _has_block_child(el: etree._Element) -> bool:
    return any(isinstance(c.tag, str) and c.tag in BLOCK_TAGS and c.tag != "br" for c in el)


def leading_lines(container: etree._Element, skip: ElementSet | None = None, limit: int = 12) -> ElementSet:
    """The container's first lines (elements without blocks inside, with text), up to
    the first line of running text: where a title, an info line or a label block
    sits when the body element holds them too."""
    lex = lexicon()
    out = ElementSet()
    for el in container.iter():
        if not isinstance(el.tag, str) or el is container or (skip is not None and el in skip) \
                or _has_block_child(el):
            continue
        t = short_text(el, 400)
        if t is None:
            break
        if not t.strip():
            continue
        if _running_text(t) and not lex.info_re.search(t):
            break
        out.add(el)
        if len(out) >= limit:
            break
    return out


def _runon(colons: list[etree._Element], container: etree._Element | None,
           found: list[Found], info_lines: list[etree._Element], meta_blocks: list[etree._Element]) -> None:
    """Labelled text outside the body and outside the label/value blocks already read:
    info lines and run-on label blocks."""
    lex = lexicon()
    in_blocks = ElementSet(e for b in meta_blocks for e in b.iter())
    # an info line can sit inside the container, above the text: look at its first
    # lines, up to the first paragraph of running text
    head_lines = leading_lines(container, in_blocks) if container is not None else ElementSet()

    order = 10_000
    done_text: set[str] = set()
    done_els = ElementSet()
    inside_labelled: list[tuple[etree._Element, str]] = []
    for el in colons:
        if el in in_blocks:
            continue
        inside = _inside(el, container)
        if inside and el not in head_lines:
            continue
        raw = short_text(el, 400)
        if raw is None:
            continue
        if _has_block_child(el):
            continue
        text = unicodedata.normalize("NFKC", raw).replace("\xa0", " ")
        stripped = text.strip()
        if not stripped:
            continue
        is_info = is_info_line(stripped) if inside else \
            info_start(stripped) is not None and len(stripped) <= lex.info_max
        run_hit = lex.runon_re.match(stripped)
        if inside and not is_info:
            if run_hit and stripped not in done_text:
                inside_labelled.append((el, stripped))
            continue
        if is_info:
            if stripped in done_text:
                continue
            done_text.add(stripped)
            info_lines.append(el)
            order += 1
            first = lex.split_re.search(stripped)
            name = byline(stripped[:first.start()]) if first is not None and first.start() > 0 else None
            if name:
                order += 1
                found.append(Found("", "By", name, RANK_INFO, order, 200))
            for date_el, d in _unlabelled_info_dates(el, stripped, lex):
                found.append(Found("published-date", "", d.shown, RANK_INFO, order, 200))
                if date_el is not el and date_el not in done_els:
                    done_els.add(date_el)
                    info_lines.append(date_el)
            for label, value in _split_labelled(stripped, lex.split_re):
                n = norm_label(label)
                fld = lex.label_field.get(n)
                if fld is None or fld == "-":
                    continue
                order += 1
                v = "" if is_placeholder(value) else _clean_field_value(fld, value)
                found.append(Found(fld, _label_text(label), v, RANK_INFO, order, lex.label_rank.get(n, 100)))
        elif run_hit:
            if stripped in done_text:
                continue
            done_text.add(stripped)
            for label, value in _split_labelled(stripped, lex.split_re):
                n = norm_label(label)
                fld = lex.label_field.get(n)
                if fld is None or fld == "-":
                    continue
                if len(value) > 300:
                    continue
                order += 1
                v = "" if is_placeholder(value) else _clean_field_value(fld, value)
                found.append(Found(fld, _label_text(label), v, RANK_RUNON, order, lex.label_rank.get(n, 100)))
    # Labelled lines at the top of the body container (索引号：… / 发文机关：… as <li> or
    # <p>) are the page's metadata block when there are three or more: read, and left
    # out of the body.  Fewer may be the text's own ("时间：3月5日上午").
    if len(inside_labelled) >= _INSIDE_BLOCK:
        for el, stripped in inside_labelled:
            done_text.add(stripped)
            info_lines.append(el)
            for label, value in _split_labelled(stripped, lex.split_re):
                n = norm_label(label)
                fld = lex.label_field.get(n)
                if fld is None or fld == "-" or len(value) > 300:
                    continue
                order += 1
                v = "" if is_placeholder(value) else _clean_field_value(fld, value)
                found.append(Found(fld, _label_text(label), v, RANK_RUNON, order, lex.label_rank.get(n, 100),
                                   inside=True))


_INSIDE_BLOCK = 3   # labelled lines inside the body that make a metadata block

_INFO_ITEM_TAGS = frozenset({"li", "span", "em", "i", "font", "small", "td"})


def _unlabelled_info_dates(el: etree._Element, text: str, lex) -> list[tuple[etree._Element, object]]:
    """The publish date an info line shows without a label: leading its text
    ("2024-03-12 10:20 来源：…") or as a sibling item of the same list
    (``<li>来源：新华社</li><li>2023-12-01 14:43</li>``)."""
    out = []
    first = lex.split_re.search(text)
    if first is not None and first.start() > 0:
        d = parse_date(text[:first.start()].strip(" |｜/"))
        if d is not None:
            out.append((el, d))
    parent = el.getparent()
    # items of one short list or line only: the signature date below a labelled
    # paragraph is not the info line's
    if el.tag in _INFO_ITEM_TAGS and parent is not None and short_text(parent, 2 * lex.info_max) is not None:
        for sib in parent:
            if sib is el or not isinstance(sib.tag, str) or sib.tag != el.tag:
                continue
            t = short_text(sib, 60)
            if not t or lex.split_re.search(t):
                continue
            d = parse_date(unicodedata.normalize("NFKC", t).strip())
            if d is not None:
                out.append((sib, d))
                break
    return out


def _meta_tags(root: etree._Element, found: list[Found]) -> dict[str, str]:
    lex = lexicon()
    tags: dict[str, str] = {}
    for m in root.iter("meta"):
        name = (m.get("name") or m.get("property") or "").strip()
        content = (m.get("content") or "").strip()
        if not name or not content:
            continue
        tags.setdefault(name.lower(), content)
    order = 20_000
    for name, content in tags.items():
        fld = lex.meta_tags.get(name)
        if not fld:
            continue
        order += 1
        v = "" if is_placeholder(content) else clean_value(content)
        found.append(Found(fld, "", v, RANK_META, order, 100))
    return tags


def page_url(root: etree._Element, tags: dict[str, str]) -> str | None:
    """The page's own URL when it states one (meta Url, og:url, canonical link, base)."""
    for name in ("url", "og:url"):
        v = tags.get(name)
        if v and re.match(r"https?://", v):
            return v
    for link in root.iter("link"):
        if (link.get("rel") or "").lower() == "canonical" and re.match(r"https?://", link.get("href") or ""):
            return link.get("href")
    for base in root.iter("base"):
        href = base.get("href") or ""
        if re.match(r"https?://", href):
            return href
    return None


_SITE_TAIL = re.compile(r"[-–—_|｜]+[^-–—_|｜《》“”]{2,30}(网站|门户网|政府网|网|政府|厅|局|委员会|委|办公室|中心|在线)$")
TITLE_SPLIT = re.compile(r"\s*[_|｜]\s*|\s+[-–—]+\s+|\s{2,}")


def clean_title(title: str, site: str | None, column: str | None) -> str:
    """``标题_栏目_站名`` / ``标题 - 站名`` / ``站名 栏目 标题`` -> 标题."""
    t = clean_value(title)
    parts = [p for p in TITLE_SPLIT.split(t) if p.strip()]
    drop = {squash(x) for x in (site, column) if x}
    keep = [p for p in parts if squash(p) not in drop]
    if not keep:
        return t
    if len(parts) >= 2 and squash(parts[0]) in drop:  # Hanweb: 站名 栏目 标题
        return keep[-1]
    if len(parts) == 1 and site and t.startswith(site + " "):
        return t.rsplit(" ", 1)[-1]
    # "标题-站名" without spaces: cut a trailing part that names a site or an office
    m = _SITE_TAIL.search(keep[0])
    if m and len(keep[0]) - len(m.group(0)) >= 6:
        return keep[0][: m.start()]
    return keep[0]


def _pick(found: list[Found]) -> dict[str, Found]:
    best: dict[str, Found] = {}
    for f in sorted(found, key=lambda f: (f.rank, f.label_rank, f.order)):
        if not f.field or f.field == "-" or not f.value:
            continue
        if f.field in best:
            continue
        best[f.field] = f
    return best


def _unlabelled_dates(root: etree._Element, selectors: tuple[str, ...], found: list[Found],
                      container: etree._Element | None, trusted: bool, raw: tuple[str, str] | None,
                      leading: ElementSet | None = None, info_lines: list | None = None) -> None:
    """A publish date sitting unlabelled in an element: a profile's own selectors
    (gov.cn div.pages-date, Shanghai small.PBtime) rank with the info line; the
    generic guesses (.date, .time ...) only count above the body (or among the body
    element's leading lines, when it holds the title too) and rank last, so a date in
    a related-items list never wins over a real one."""
    where = None
    if container is not None and not trusted:
        where = container.xpath("count(preceding::*)")
    for sel in selectors:
        if raw is not None and not may_match(sel, *raw):
            continue
        for el in select(root, sel)[:20]:  # bounded: each position test walks the page
            inside = container is not None and (el is container or container in el.iterancestors())
            if inside and (leading is None or el not in leading):
                continue
            if not inside and where is not None and el.xpath("count(preceding::*)") >= where:
                continue
            t = short_text(el, 200)
            if not t:
                continue
            own = (el.text or "").strip() or t
            d = find_date(own)
            if d is not None and (not inside or parse_date(t.strip()) is not None):
                found.append(Found("published-date", "", d.shown, RANK_INFO if trusted else RANK_META + 1,
                                   15_000))
                if inside and info_lines is not None:
                    info_lines.append(el)   # the date line above the text is not the text
                return


_TITLE_TAGS = frozenset({"h1", "h2", "h3"})


_SENTENCE_END_RE = re.compile(r"[。；！？]$")


def _title_element(root: etree._Element, container: etree._Element | None,
                   selectors: tuple[str, ...], title_tag: str, pm: PageMeta,
                   raw: tuple[str, str] | None = None, leading: ElementSet | None = None,
                   title_raw: str = "") -> str | None:
    """The title shown on the page, from the profile's title selectors.

    A candidate must look like a title (4–200 characters, not a label or info line)
    and, when the page has a <title>, be part of it: that rules out a label cell
    that happens to share a class name (``td.bt`` labels vs ``div.bt`` titles)."""
    lex = lexicon()
    fallback: tuple[str, str, str] | None = None
    # the <title>'s parts other than its longest name the site or the column: an
    # element holding only one of them (a logo's <h1>) is not the title
    parts = [squash(x) for x in TITLE_SPLIT.split(clean_value(title_raw)) if x.strip()] if title_raw else []
    minor = set(sorted(parts, key=len)[:-1]) if len(parts) > 1 else set()
    main = max(parts, key=len) if parts else ""
    for sel in selectors:
        if sel.startswith("meta:") or (raw is not None and not may_match(sel, *raw)):
            continue
        for el in select(root, sel):
            if container is not None and (el is container or container in el.iterancestors()) \
                    and (leading is None or el not in leading or el.tag not in _TITLE_TAGS):
                continue
            t = short_text(el, 300)
            if not t:
                continue
            st = squash(t)
            if not 4 <= len(st) <= 200 or lex.info_re.match(t.strip()) or norm_label(t) in lex.label_field \
                    or st in minor:
                continue
            # part of the <title>: one of its parts whole, holding its longest part, or half
            # of it at least (a logo's "某某市人民政府" inside "某某市人民政府办公室关于……" is not)
            of_title = title_tag in st or (st in title_tag and (not parts or st in parts or main in st
                                                               or 2 * len(st) >= len(main)))
            if title_tag and not of_title:
                if fallback is None and 8 <= len(st) <= 100 and not _SENTENCE_END_RE.search(st):
                    fallback = (sel, t, st)
                continue
            pm.title_source = f"element {sel}"
            return clean_value(t)
    # A <title> made of the column and the site only (工作进展情况_平潭综合实验区党工委管委会):
    # the first title-like element, longer than any part of it, is the title; an element
    # named for a title (div.detail-title, p.bt) above the body counts as well.
    if fallback is None and title_raw:
        fallback = _title_named(root, container)
    if fallback is not None and title_raw:
        if parts and max(len(x) for x in parts) < len(fallback[2]):
            pm.title_source = f"element {fallback[0]} (the <title> names only the column and site)"
            return clean_value(fallback[1])
    return None


_TITLE_NAMES = frozenset({"title", "tit", "bt", "biaoti", "headline", "heading", "wzbt"})
_TITLE_SCAN = 400   # elements above the body looked at for a title-named one
_NAME_SPLIT = re.compile(r"[^a-z]+")


def _title_named(root: etree._Element, container: etree._Element | None) -> tuple[str, str, str] | None:
    """The first element above the body whose id or class names a title, holding a
    title-like line (8–100 characters, no sentence end, not a label)."""
    lex = lexicon()
    for i, el in enumerate(root.iter()):
        if i > _TITLE_SCAN * 10 or el is container:
            break
        if not isinstance(el.tag, str) or el.tag in _SKIP_TAGS:
            continue
        names = f"{el.get('id') or ''} {el.get('class') or ''}".lower()
        if not names.strip() or not set(_NAME_SPLIT.split(names)) & _TITLE_NAMES:
            continue
        t = short_text(el, 300)
        st = squash(t or "")
        if 8 <= len(st) <= 100 and not _SENTENCE_END_RE.search(st) and not lex.info_re.search(t) \
                and norm_label(t) not in lex.label_field and not _has_block_child(el):
            return (f"{el.tag}.{names.split()[0] if names.split() else ''}", t, st)
    return None


def read_metadata(root: etree._Element, container: etree._Element | None,
                  title_selectors: tuple[str, ...], date_selectors: tuple[str, ...] = (),
                  trusted_dates: bool = True, raw: tuple[str, str] | None = None,
                  block_selectors: tuple[str, ...] = ()) -> PageMeta:
    """Every metadata field of the page; ``raw`` (page text, lower-cased page text)
    lets selectors that cannot match be skipped without running them."""
    pm = PageMeta()
    found: list[Found] = []
    blocks: dict[int, list] = {}
    labels, colons = _scan(root)
    _pairs(labels, container, found, blocks)
    _group_single_pairs(found, blocks, container)
    # Pairs inside the body container count only when they form a metadata block:
    # three labels or more, mostly unambiguous ones, and no cell of running text (a
    # data table with 名称 / 时间 headers in the body is content, not metadata).
    lex = lexicon()
    strong: dict[int, int] = {}
    for f in found:
        if f.block is not None and norm_label(f.label) not in lex.weak_labels:
            strong[id(f.block)] = strong.get(id(f.block), 0) + 1
    # the profile's own metadata blocks need no further proof
    hinted = ElementSet()
    for sel in block_selectors:
        if raw is None or may_match(sel, *raw):
            for el in select(root, sel):
                hinted.add(el)
    pm.blocks = []
    for b, n in blocks.values():
        if n < 2:
            continue
        inside = container is not None and (b is container or container in b.iterancestors())
        if inside and (n < 3 or strong.get(id(b), 0) < 2 or _has_long_cell(b)) and b not in hinted:
            continue
        pm.blocks.append(b)
    block_ids = {id(b) for b in pm.blocks}
    found = [f for f in found if not f.inside or
             (f.block is not None and id(f.block) in block_ids)]
    # A lone label/value pair (a sidebar's 发布日期, a search form's label) is weaker
    # evidence than a block of them.
    for f in found:
        if f.rank == RANK_PAIR and (f.block is None or id(f.block) not in block_ids):
            f.rank = RANK_RUNON
    _runon(colons, container, found, pm.info_lines, pm.blocks)
    leading = leading_lines(container) if container is not None else None
    _unlabelled_dates(root, date_selectors, found, container, trusted_dates, raw, leading, pm.info_lines)
    tags = _meta_tags(root, found)
    pm.url = page_url(root, tags)
    best = _pick(found)

    # Title: <meta ArticleTitle>, the labelled 标题/名称, the profile's title element, <title>.
    title_f = None
    for f in sorted((f for f in found if f.field == "title" and f.value),
                    key=lambda f: (0 if f.rank == RANK_META else 1, f.rank, f.order)):
        title_f = f
        break
    title = label = None
    if title_f is not None:
        title, label = title_f.value, title_f.label or None
        pm.title_source = "meta ArticleTitle" if title_f.rank == RANK_META else f"label {title_f.label}"
        title_f.chosen = True
    tt = root.find(".//title")
    title_tag = (tt.text or "").strip() if tt is not None else ""
    if not title:
        title = _title_element(root, container, title_selectors, squash(title_tag), pm, raw, leading, title_tag)
    if not title and title_tag:
        title = clean_title(title_tag, tags.get("sitename"), tags.get("columnname"))
        pm.title_source = "<title>"
    if title:
        pm.values["title"] = MetaValue(title, label=label)

    for fld, f in best.items():
        if fld == "title":
            continue
        f.chosen = True
        if fld in DATE_FIELDS:
            d = parse_date(f.value) or find_date(f.value)
            if d is None:
                pm.extra.append((f.label or fld, f.value))
                continue
            pm.values[fld] = MetaValue(d.iso, label=f.label or None, shown=f.value, time=d.time)
        else:
            pm.values[fld] = MetaValue(f.value, label=f.label or None)
    # Uncatalogued labels the page shows (公开时限, 签发人 ...) are kept under their own label.
    seen_extra = set()
    for f in found:
        if f.field == "" and f.value and f.rank <= RANK_INFO and f.label not in seen_extra:
            seen_extra.add(f.label)
            pm.extra.append((f.label, f.value))
    seen_f: set[tuple] = set()
    pm.found = []
    for f in found:
        key = (f.field, f.label, f.value, f.rank)
        if key in seen_f and not f.chosen:
            continue
        seen_f.add(key)
        pm.found.append(f)
    return pm
