"""Parsing decoded page text into a tree, and removing what a reader never sees.

Bounded work: libxml2's HTML parser runs without ``huge_tree``, so it stops nesting at
256 levels (reported as a warning) instead of recursing 100 000 levels deep; all our
walks over the tree are iterative.
"""
from __future__ import annotations

import re

from lxml import etree, html

from ..canonical import xml_safe

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)

#: Elements whose content is never page text.
DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "object", "embed", "applet",
             "input", "button", "select", "textarea", "option", "svg", "math", "canvas", "audio",
             "video", "map", "xml", "link")


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
    parser = html.HTMLParser(huge_tree=False, remove_comments=False, remove_pis=True,
                             no_network=True, recover=True, default_doctype=False)
    root = html.document_fromstring(safe or "<html></html>", parser=parser)
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
    doomed = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag in DROP_TAGS or is_hidden(el):
            doomed.append(el)
    # Drop outermost first; dropping a parent takes its children with it.
    seen: set[int] = set()
    for el in doomed:
        if any(id(a) in seen for a in el.iterancestors()):
            continue
        seen.add(id(el))
        drop(el)


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
