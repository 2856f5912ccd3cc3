"""Parsing decoded page text into a tree, and removing what a reader never sees.

Bounded work: libxml2's HTML parser runs without ``huge_tree``, so it stops nesting at
256 levels (reported as a warning) instead of recursing 100 000 levels deep; all our
walks over the tree are iterative.
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
    # A plain etree HTML parser: lxml.html's element-class lookup costs a Python call
    # per element proxy, and we need none of its methods.
    parser = etree.HTMLParser(huge_tree=False, remove_comments=False, remove_pis=True,
                              no_network=True, recover=True, default_doctype=False)
    root = etree.fromstring(safe or "<html></html>", parser)
    if root is None:
        root = etree.fromstring("<html><body></body></html>", parser)
    for err in parser.error_log:
        if "depth" in err.message.lower() or err.type_name == "ERR_RESOURCE_LIMIT":
            warnings.append("the page nests elements deeper than 256 levels; "
                            "content below that depth was not read")
            break
    return Parsed(root, warnings)


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
