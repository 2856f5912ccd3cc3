"""Parsing decoded page text into a tree, and removing what a reader never sees.

Bounded work: libxml2's HTML parser runs without ``huge_tree``, so it stops nesting at
256 levels instead of recursing 100 000 levels deep, and drops what lies deeper.  A
page that hits the limit is parsed a second time with the tags below ``FLATTEN_DEPTH``
levels taken out (``flatten_deep``): its text is kept, in order, as if the innermost
wrappers were not there, and a warning says so.  All our walks over the tree are
iterative.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from ..canonical import xml_safe

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)

#: Elements whose content is never page text (form controls, scripted or plugin
#: content, fallbacks a browser does not show, Word's <xml> data islands).
DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "embed",
             "input", "button", "select", "textarea", "option", "svg", "math", "canvas", "audio",
             "video", "xml", "link")
#: Elements taken out with their content kept in place: what a browser shows of an
#: ``<object>``/``<applet>`` it cannot run is its fallback content, and a ``<map>``'s
#: content is shown like any other.
UNWRAP_TAGS = ("object", "applet", "map")
#: Code: its text is no page text, so dropping it is no loss to report.
_CODE = frozenset({"script", "style"})


_STYLED = etree.XPath("//*[@style or @hidden]")

#: Tags deeper than this are taken out when a page nests past libxml2's 256 levels.
FLATTEN_DEPTH = 200
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)\b[^>]*?(/?)>")
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
#: Block-level tags whose removal would glue two paragraphs' text together.
_BREAKING = frozenset("p div br li tr td th h1 h2 h3 h4 h5 h6 table section article".split())


def flatten_deep(text: str, limit: int = FLATTEN_DEPTH) -> str:
    """``text`` with the element tags nested deeper than ``limit`` removed (a newline
    in place of a block tag), the text between them kept.  A linear scan of the tags,
    with no recursion, whatever the depth."""
    out: list[str] = []
    depth, last = 0, 0
    for m in _TAG.finditer(text):
        closing, name, selfclosing = m.group(1), m.group(2).lower(), m.group(3)
        keep = True
        if closing:
            keep = depth <= limit
            depth = max(depth - 1, 0)
        elif name not in _VOID and not selfclosing:
            depth += 1
            keep = depth <= limit
        elif depth >= limit:
            keep = False
        if not keep:
            out.append(text[last:m.start()])
            out.append("\n" if name in _BREAKING else "")
            last = m.end()
    out.append(text[last:])
    return "".join(out)


class Parsed:
    """A parsed page: the tree plus what parsing noticed."""

    def __init__(self, root: etree._Element, warnings: list[str]):
        self.root = root
        self.warnings = warnings


def parse(text: str) -> Parsed:
    warnings: list[str] = []
    safe = xml_safe(text)
    if len(safe) != len(text):
        warnings.append(f"removed {len(text) - len(safe)} character(s) that XML cannot hold "
                        "(control characters or stray surrogates) from the page")
    safe = _XML_DECL.sub("", safe, count=1)
    safe = prepare(safe)
    safe = keep_content_after_stray_end_tags(safe)
    # A plain etree HTML parser: lxml.html's element-class lookup costs a Python call
    # per element proxy, and we need none of its methods.
    root, limit = _parse_bounded(safe)
    if limit == "depth":
        root, limit = _parse_bounded(flatten_deep(safe))
        warnings.append(f"the page nests elements deeper than 256 levels; the tags below "
                        f"{FLATTEN_DEPTH} levels were taken out and their text kept"
                        + ("" if not limit else ", but some content below that depth was not read"))
    elif limit == "size":
        warnings.append("a part of the page is too large for the parser; what follows it was not read")
    repair_voids(root)
    wrap_loose_body(root)
    return Parsed(root, warnings)


#: What makes a body's own content an article's paragraphs rather than layout blocks:
#: a paragraph, or one of these holding text (a <br> between layout tables is not).
_LOOSE_TEXT = frozenset({"font", "span", "strong", "b"})


def _loose(child: etree._Element) -> bool:
    if not isinstance(child.tag, str):
        return False
    return child.tag == "p" or (child.tag in _LOOSE_TEXT and bool("".join(child.itertext()).strip()))


#: The class of the wrapper ``wrap_loose_body`` puts around a bare body's content.
LOOSE_BODY_CLASS = "govdoc-body"


def wrap_loose_body(root: etree._Element) -> None:
    """A page whose paragraphs sit directly in ``<body>`` (a crawler's fragment with no
    ``<html>``/``<body>`` of its own, a bare page) gets them wrapped in one
    ``div.govdoc-body``: the body is never a container candidate (on a laid-out page
    it holds everything), so without a wrapper such a page had "no article text".
    The wrapper starts at the first paragraph: a heading above it (the title) stays
    outside, where the title is looked for."""
    body = root.find("body")
    if body is None:
        return
    children = list(body)
    if (body.text or "").strip():
        start = 0
    else:
        start = next((i for i, c in enumerate(children) if _loose(c) or (c.tail or "").strip()), None)
        if start is None:
            return
        if not _loose(children[start]):
            start += 1  # loose text after this child: the wrapper starts with that text
    wrapper = etree.Element("div", {"class": LOOSE_BODY_CLASS})
    if start == 0:
        wrapper.text, body.text = body.text, None
    else:
        prev = children[start - 1]
        wrapper.text, prev.tail = prev.tail, None
    for child in children[start:]:
        wrapper.append(child)
    body.append(wrapper)


_END_OF_PAGE = re.compile(r"</\s*(?:html|body)\s*>", re.I)


def keep_content_after_stray_end_tags(text: str) -> str:
    """``text`` without its ``</html>`` and ``</body>`` end tags.

    A server-side include often brings its own ``</html>`` (a header fragment saved as a
    whole page), or a template closes ``</body>`` before the footer and the article.
    libxml2 drops everything after a ``</html>`` and puts what follows a ``</body>``
    outside the body; browsers keep both in the body.  The end of the text closes both
    elements anyway, so removing the end tags loses nothing and keeps the content where
    a reader sees it."""
    if "</" not in text:
        return text
    return _END_OF_PAGE.sub("", text)


def _parse_bounded(text: str) -> tuple[etree._Element, str | None]:
    """``_parse``, again without libxml2's 10 MB buffer bound when a page needs it (a
    piece of text that large; only such pages).  Its nesting bound still holds, at
    2 048 levels instead of 256."""
    root, limit = _parse(text)
    if limit == "size":
        root, limit = _parse(text, huge=True)
    return root, limit


def _parse(text: str, huge: bool = False) -> tuple[etree._Element, str | None]:
    """The tree of ``text``, and which of libxml2's bounds it hit: "depth" (nesting:
    256 levels, 2 048 with ``huge``), "size" (a buffer over 10 MB) or None."""
    parser = etree.HTMLParser(huge_tree=huge, remove_comments=False, remove_pis=True,
                              no_network=True, recover=True, default_doctype=False)
    root = etree.fromstring(text or "<html></html>", parser)
    if root is None:
        root = etree.fromstring("<html><body></body></html>", parser)
    limit = None
    for err in parser.error_log:
        if "depth" in err.message.lower():
            return root, "depth"
        if err.type_name == "ERR_RESOURCE_LIMIT":
            limit = "size"
    return root, limit


# --- before parsing: what libxml2 would truncate, and line breaks inside Chinese text ---

#: Code, comments and attribute values longer than this are emptied before parsing:
#: they are never text, and libxml2 (without huge_tree) drops the rest of a page after
#: a 10 MB one.
_RAW_LIMIT = 1_000_000
_RAW_ELEMENT = re.compile(r"(<(script|style)\b[^>]*>)(.*?)(</\2\s*>)", re.I | re.S)
_COMMENT = re.compile(r"<!--(.*?)-->", re.S)
_LONG_ATTR = re.compile(r"""(=\s*)("[^"]{%d,}"|'[^']{%d,}')""" % (_RAW_LIMIT, _RAW_LIMIT))
#: A data: URL as an attribute value, quoted or not: its payload is taken out before
#: parsing (a picture can be 30 MB of base64), leaving its media type and size.
_DATA_URI = re.compile(r"""(=\s*)(?:"data:([^",]{0,200}),[^"]*"|'data:([^',]{0,200}),[^']*'|"""
                       r"""data:([^,\s>"']{0,200}),[^\s>]*)""", re.I)
DATA_MARK = "govdoc-stripped="
#: A line break between two Chinese characters is no space (CSS Text 3, "segment
#: break transformation"); kept as white space it puts a gap inside a word.
_CJK = "\u2e80-\u2fff\u3001-\u303f\u3040-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff01-\uffee\U00020000-\U0003ffff"
_PRE = re.compile(r"<pre\b", re.I)
_CJK_BREAK = re.compile(f"(?<=[{_CJK}])[ \t]*(?:\r\n?|\n|\r)+[ \t]*(?=[{_CJK}])")


def prepare(text: str) -> str:
    """The page text made safe to parse without losing what follows.

    ``data:`` URLs in attributes lose their payload (kept in source.html; the body
    walker draws a placeholder for such a picture and says what it was); code,
    comments and attribute values over a megabyte are emptied; a line break between
    two Chinese characters is removed.  Linear regular expressions, each run only on
    pages that can need it."""
    if "data:" in text:
        text = _DATA_URI.sub(_strip_data, text)
    if len(text) > _RAW_LIMIT:
        text = _RAW_ELEMENT.sub(lambda m: m.group(0) if len(m.group(3)) <= _RAW_LIMIT
                                else m.group(1) + m.group(4), text)
        text = _COMMENT.sub(lambda m: m.group(0) if len(m.group(1)) <= _RAW_LIMIT else "<!---->", text)
        text = _LONG_ATTR.sub(lambda m: m.group(1) + '""', text)
    if ("\n" in text or "\r" in text) and not _PRE.search(text):   # in <pre> a line break is one
        text = _CJK_BREAK.sub("", text)
    return text


def _strip_data(m: re.Match) -> str:
    meta = m.group(2) if m.group(2) is not None else m.group(3) if m.group(3) is not None else m.group(4)
    payload = len(m.group(0)) - len(m.group(1)) - len(meta) - 6 - (0 if m.group(4) is not None else 2)
    size = payload * 3 // 4 if meta.lower().endswith(";base64") else payload
    meta = re.sub(r"[^A-Za-z0-9/+.;=_-]", "", meta)[:100]
    return f'{m.group(1)}"data:{meta};{DATA_MARK}{size},"'


def data_uri_facts(src: str) -> tuple[str, int] | None:
    """(media type, bytes) of a ``data:`` URL whose payload ``prepare`` took out, else None."""
    if not src.startswith("data:") or DATA_MARK not in src:
        return None
    head = src[5:].split(",", 1)[0]
    parts = head.split(";")
    size = next((int(p[len(DATA_MARK):]) for p in parts if p.startswith(DATA_MARK)
                 and p[len(DATA_MARK):].isdigit()), 0)
    return (parts[0] or "text/plain"), size


# --- after parsing: void elements libxml2 does not know --------------------------

#: HTML5's void elements (and the legacy ones browsers parse as void) that libxml2's
#: HTML 4 parser takes for containers: ``<p>a<embed src=x>b</p><p>c</p>`` would hold
#: "b" and every following paragraph inside the ``embed``, which cleaning drops.
UNKNOWN_VOIDS = ("embed", "source", "track", "wbr", "keygen", "image", "bgsound", "menuitem")


def repair_voids(root: etree._Element) -> None:
    """Move what libxml2 put inside a void element out after it, in order, as a
    browser has it; ``<image>`` is the old spelling browsers read as ``<img>``."""
    for el in list(root.iter(*UNKNOWN_VOIDS)):
        if el.tag == "image":
            el.tag = "img"
        if not (el.text or len(el)):
            continue
        children = list(el)
        after = el.tail or ""
        el.tail = el.text
        el.text = None
        if not children:
            el.tail = (el.tail or "") + after or None
            continue
        last = children[-1]
        last.tail = (last.tail or "") + after or None
        anchor = el
        for child in children:
            anchor.addnext(child)
            anchor = child


def is_hidden(el: etree._Element) -> bool:
    style = el.get("style")
    if style and _HIDDEN_STYLE.search(style):
        return True
    return el.get("hidden") is not None


def drop(el: etree._Element) -> None:
    """Remove an element but keep its tail text in place."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


@dataclass(frozen=True)
class Dropped:
    """Text cleaning took out: what it was, where it stood (``parent``), how many
    characters (white space not counted)."""
    kind: str
    parent: etree._Element
    chars: int


def clean(root: etree._Element) -> list[Dropped]:
    """Drop script/style-like elements and hidden subtrees (display:none, [hidden]),
    unwrap ``object``/``applet``/``map`` (their fallback text is kept), and take
    template placeholders (``{{title}}``) and CSS shown as text out of the text.

    Returns what was taken out that held text, so that the caller can say how much
    of it stood in the article (``dropped_inside``)."""
    # tag-filtered iteration and an attribute XPath find the candidates at C speed
    for el in list(root.iter("object", "embed", "iframe")):
        _embedded_file_as_link(el)
    if any(True for _ in root.iter(*UNWRAP_TAGS)):
        etree.strip_tags(root, *UNWRAP_TAGS)
    doomed = list(root.iter(*DROP_TAGS))
    doomed += [el for el in _STYLED(root) if is_hidden(el)]
    dropped: list[Dropped] = []
    # Drop outermost first; dropping a parent takes its children with it.
    seen: set[int] = set()
    for el in doomed:
        if any(id(a) in seen for a in el.iterancestors()):
            continue
        seen.add(id(el))
        written = _written_value(el) if el.tag == "script" else None
        if written:
            # the value a browser would show: keep it as text where the script stood
            el.tail = written + (el.tail or "")
        parent = el.getparent()
        if el.tag not in _CODE and parent is not None:
            n = _visible_chars(el)
            if n:
                dropped.append(Dropped("hidden element" if el.tag not in DROP_TAGS else f"<{el.tag}>",
                                       parent, n))
        drop(el)
    dropped += _clean_text(root)
    return dropped


_SPACE = re.compile(r"[\s\u3000\xa0\u200b\ufeff]+")


def _visible_chars(el: etree._Element) -> int:
    """Characters of text in ``el`` (not its tail), code and white space not counted."""
    n = 0
    for node in el.iter():
        if not isinstance(node.tag, str) or node.tag in _CODE:
            continue
        if node.text:
            n += len(_SPACE.sub("", node.text))
        if node is not el and node.tail:
            n += len(_SPACE.sub("", node.tail))
    # the text of a code element's tail is page text; its own text was skipped above
    return n


#: Template placeholders a script would fill (Avalon, Vue, Angular): never text.
_PLACEHOLDER = re.compile(r"\{\{[^{}\n]{0,300}\}\}")
_HAS_PLACEHOLDER = etree.XPath("//text()[contains(., '{{')]")
#: CSS shown as text: a Word ``<style>`` block whose tags a CMS stripped (``@font-face
#: {…} p.MsoNormal {…}``), perhaps still inside its ``<!-- -->``.
_HAS_CSS = etree.XPath("//text()[contains(., '{') and contains(., '}') and (contains(., '@font-face')"
                       " or contains(., 'mso-') or contains(., 'Mso') or contains(., '@page')"
                       " or contains(., 'font-family') or contains(., 'margin'))]")
_CSS_RULE = re.compile(r"(?:<!--|-->|/\*[^*]*\*+(?:[^/*][^*]*\*+)*/|"
                       r"@?[\w.#:,*>~+\[\]=\"'\s-]{1,200}\{[^{}]{0,4000}\})")


def _clean_text(root: etree._Element) -> list[Dropped]:
    """Take template placeholders and CSS shown as text out of the text nodes."""
    dropped: list[Dropped] = []
    for kind, finder, cut in (("{{…}} template placeholder", _HAS_PLACEHOLDER, _cut_placeholders),
                              ("CSS rules shown as text", _HAS_CSS, _cut_css)):
        for t in finder(root):
            holder = t.getparent()
            if holder is None or not isinstance(holder.tag, str) or holder.tag in _CODE and t.is_text:
                continue
            kept = cut(str(t))
            if kept is None:
                continue
            removed = len(_SPACE.sub("", str(t))) - len(_SPACE.sub("", kept))
            if t.is_text:
                holder.text = kept or None
            else:
                holder.tail = kept or None
            if removed:
                where = holder if t.is_text or holder.getparent() is None else holder.getparent()
                dropped.append(Dropped(kind, where, removed))
    return dropped


def _cut_placeholders(text: str) -> str | None:
    kept = _PLACEHOLDER.sub("", text)
    return kept if kept != text else None


def _cut_css(text: str) -> str | None:
    """``text`` without its CSS rules when it is mostly CSS (a stray rule-like phrase in
    running text is left alone), else None."""
    rules = _CSS_RULE.findall(text)
    if not any("{" in r for r in rules):
        return None
    kept = _CSS_RULE.sub("", text)
    if len(_SPACE.sub("", kept)) > 0.2 * len(_SPACE.sub("", text)):
        return None
    return kept


def dropped_inside(dropped: list[Dropped], container: etree._Element) -> list[str]:
    """One warning saying how much text cleaning took out of the article container
    (hidden text, <noscript>, form controls, placeholders …), or none."""
    inside: dict[str, list[int]] = {}
    for d in dropped:
        if d.parent is container or any(a is container for a in d.parent.iterancestors()):
            inside.setdefault(d.kind, []).append(d.chars)
    if not inside:
        return []
    total = sum(sum(v) for v in inside.values())
    parts = [f"{kind} x{len(v)} ({sum(v)})" for kind, v in
             sorted(inside.items(), key=lambda kv: -sum(kv[1]))]
    return [f"cleaning left out {total} character(s) of text inside the article, none of it "
            f"shown as page text: {', '.join(parts)}"]


_FILE = re.compile(r"\.(pdf|docx?|xlsx?|wps|ofd|zip|rar)(?:$|[?#])", re.I)


def _embedded_file_as_link(el: etree._Element) -> None:
    """A document embedded with <iframe>/<embed>/<object> (a PDF shown in the page) is
    the page's content: leave a link to it where the element stood, so it becomes an
    attachment instead of vanishing with the element."""
    src = (el.get("src") or el.get("data") or "").strip()
    if not src or not _FILE.search(src):
        return
    line = etree.Element("p")  # a line of its own: an attachment, not a link inside text
    a = etree.SubElement(line, "a", href=src)
    a.text = src.rsplit("/", 1)[-1].split("?", 1)[0] or src
    line.tail = el.tail
    el.tail = None
    el.addnext(line)


_WRITE_LITERAL = re.compile(r"""document\.write(?:ln)?\(\s*(['"])(.{1,200}?)\1\s*\)""", re.S)
_WRITE_VAR = re.compile(r"""document\.write(?:ln)?\(\s*([A-Za-z_$][\w$]*)\s*\)""")
_VAR = r"""(?:var|let|const)?\s*{name}\s*=\s*(['"])(.{{0,200}}?)\1"""
_MARKUP = re.compile(r"<[A-Za-z/!]")


def _written_value(script: etree._Element) -> str | None:
    """Text a short inline script writes into a value cell (Hunan's
    ``var fileNum='湘政发〔2009〕30号';if(fileNum!='null'){document.write(fileNum)}``).

    Only plain text is recovered, never markup, and the JS placeholder 'null' is no value."""
    parent = script.getparent()
    code = script.text or ""
    if script.get("src") or parent is None or parent.tag not in ("td", "dd", "span", "li", "font", "p", "div") \
            or len(code) > 600:
        return None
    value = None
    m = _WRITE_LITERAL.search(code)
    if m:
        value = m.group(2)
    else:
        m = _WRITE_VAR.search(code)
        if m:
            v = re.search(_VAR.format(name=re.escape(m.group(1))), code)
            value = v.group(2) if v else None
    if not value or value.strip().lower() in ("null", "undefined", "") or _MARKUP.search(value):
        return None
    return value


def text_of(el: etree._Element) -> str:
    """All text of an element; comment contents are not text (their tails are)."""
    return "".join(el.itertext()) if isinstance(el.tag, str) else ""


class ElementSet:
    """A set of elements by identity.

    lxml creates element proxies on demand, so ``id()`` of a proxy that nobody holds
    can be reused by another node's proxy.  Holding a reference to every member keeps
    the ids unique and stable for the set's lifetime."""

    def __init__(self, elements=()):
        self._keep: list[etree._Element] = []
        self._ids: set[int] = set()
        for e in elements:
            self.add(e)

    def add(self, el: etree._Element) -> None:
        if id(el) not in self._ids:
            self._keep.append(el)
            self._ids.add(id(el))

    def __contains__(self, el: object) -> bool:
        return id(el) in self._ids

    def __len__(self) -> int:
        return len(self._keep)

    def __iter__(self):
        return iter(self._keep)
