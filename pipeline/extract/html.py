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

from lxml import etree

from ..canonical import xml_safe

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)

#: Elements whose content is never page text.
DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "object", "embed", "applet",
             "input", "button", "select", "textarea", "option", "svg", "math", "canvas", "audio",
             "video", "map", "xml", "link")


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
    safe = keep_content_after_stray_end_tags(safe)
    # A plain etree HTML parser: lxml.html's element-class lookup costs a Python call
    # per element proxy, and we need none of its methods.
    root, too_deep = _parse(safe)
    if too_deep:
        root, too_deep = _parse(flatten_deep(safe))
        warnings.append(f"the page nests elements deeper than 256 levels; the tags below "
                        f"{FLATTEN_DEPTH} levels were taken out and their text kept"
                        + ("" if not too_deep else ", but some content below that depth was not read"))
    return Parsed(root, warnings)


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


def _parse(text: str) -> tuple[etree._Element, bool]:
    """The tree of ``text``, and whether libxml2 hit its nesting limit."""
    parser = etree.HTMLParser(huge_tree=False, remove_comments=False, remove_pis=True,
                              no_network=True, recover=True, default_doctype=False)
    root = etree.fromstring(text or "<html></html>", parser)
    if root is None:
        root = etree.fromstring("<html><body></body></html>", parser)
    too_deep = any("depth" in err.message.lower() or err.type_name == "ERR_RESOURCE_LIMIT"
                   for err in parser.error_log)
    return root, too_deep


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


def clean(root: etree._Element) -> None:
    """Drop script/style-like elements and hidden subtrees (display:none, [hidden])."""
    # tag-filtered iteration and an attribute XPath find the candidates at C speed
    doomed = list(root.iter(*DROP_TAGS))
    for el in doomed:
        if el.tag in ("iframe", "embed", "object"):
            _embedded_file_as_link(el)
    doomed += [el for el in _STYLED(root) if is_hidden(el)]
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
        drop(el)


_FILE = re.compile(r"\.(pdf|docx?|xlsx?|wps|ofd|zip|rar)(?:$|[?#])", re.I)


def _embedded_file_as_link(el: etree._Element) -> None:
    """A document embedded with <iframe>/<embed>/<object> (a PDF shown in the page) is
    the page's content: leave a link to it where the element stood, so it becomes an
    attachment instead of vanishing with the element."""
    src = (el.get("src") or el.get("data") or "").strip()
    if not src or not _FILE.search(src):
        return
    a = etree.Element("a", href=src)
    a.text = src.rsplit("/", 1)[-1].split("?", 1)[0] or src
    a.tail = el.tail
    el.tail = None
    el.addnext(a)


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
