"""A small CSS-selector subset compiled to XPath once per process.

Why our own: the profiles only need ``tag``, ``#id``, ``.class``, ``[attr]``,
``[attr=v]`` and the descendant / child combinators; cssselect would be another
dependency and re-translates on every call.  An ``#id`` matches case-insensitively
because portals spell the same container ``zoom`` and ``Zoom``.
"""
from __future__ import annotations

import functools
import re

from lxml import etree

_TOKEN = re.compile(r"""
    (?P<tag>[A-Za-z][A-Za-z0-9_-]*|\*)?
    (?P<rest>(?:\#[A-Za-z0-9_\-]+|\.[A-Za-z0-9_\-]+|\[[A-Za-z_:-]+(?:=["']?[^\]"']*["']?)?\])*)
    """, re.X)
_PART = re.compile(r"""\#[A-Za-z0-9_\-]+|\.[A-Za-z0-9_\-]+|\[[A-Za-z_:-]+(?:=["']?[^\]"']*["']?)?\]""")
_UP = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LOW = "abcdefghijklmnopqrstuvwxyz"


def _step(simple: str) -> str:
    m = _TOKEN.fullmatch(simple)
    if not m:
        raise ValueError(f"unsupported selector part: {simple!r}")
    tag = (m.group("tag") or "*").lower()
    preds = []
    for part in _PART.findall(m.group("rest") or ""):
        if part[0] == "#":
            preds.append(f"translate(@id,'{_UP}','{_LOW}')='{part[1:].lower()}'")
        elif part[0] == ".":
            preds.append(f"contains(concat(' ',normalize-space(@class),' '),' {part[1:]} ')")
        else:
            body = part[1:-1]
            if "=" in body:
                name, value = body.split("=", 1)
                preds.append(f"@{name}='{value.strip(chr(34) + chr(39))}'")
            else:
                preds.append(f"@{body}")
    return tag + "".join(f"[{p}]" for p in preds)


def to_xpath(selector: str) -> str:
    """XPath for a selector (comma-separated alternatives allowed)."""
    alts = []
    for alt in selector.split(","):
        tokens = alt.replace(">", " > ").split()
        if not tokens:
            continue
        path, axis = "", "descendant-or-self::"
        for tok in tokens:
            if tok == ">":
                axis = "/"
                continue
            path += (axis if not path else ("/" if axis == "/" else "//")) + _step(tok)
            axis = "//"
        alts.append(path)
    return " | ".join(alts)


@functools.lru_cache(maxsize=512)
def compile_selector(selector: str) -> etree.XPath:
    """Compiled XPath for a selector; cached, so callers may pass strings freely."""
    return etree.XPath(to_xpath(selector))


def select(root: etree._Element, selector: str) -> list[etree._Element]:
    return [e for e in compile_selector(selector)(root) if isinstance(e.tag, str)]
