"""Template profiles (portal CMS families) loaded from ``pipeline/portals/profiles.toml``.

A profile says how to recognise a family (raw-HTML markers, URL shapes, required
blocks) and where its parts are (body container, comment ranges, metadata block,
attachment lists, title).  Matching is data-driven: adding a portal is adding an entry.
"""
from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass, field
from importlib.resources import files

from lxml import etree

from .selectors import compile_selector, may_match, select


@dataclass(frozen=True)
class Profile:
    id: str
    name: str
    markers: tuple[str, ...] = ()
    marker_regex: tuple[re.Pattern[str], ...] = ()
    url_regex: tuple[re.Pattern[str], ...] = ()
    requires: tuple[str, ...] = ()
    containers: tuple[str, ...] = ()
    ranges: tuple[tuple[str, str], ...] = ()
    meta_blocks: tuple[str, ...] = ()
    attachments: tuple[str, ...] = ()
    title: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()          # elements holding the unlabelled publish date


@dataclass(frozen=True)
class Generic:
    id: str
    candidates: tuple[str, ...]
    line_bonus: int
    long_line: int
    link_penalty: int
    chrome_penalty: int
    min_cjk: int
    title: tuple[str, ...]
    dates: tuple[str, ...] = ()
    name_weight: float = 0.0
    content_names: frozenset[str] = frozenset()
    layout_names: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Catalogue:
    profiles: tuple[Profile, ...]
    generic: Generic


@dataclass
class Match:
    """Which profile applies to a page, and the evidence."""
    profile: Profile | None
    markers: list[str] = field(default_factory=list)


def _tuple(v) -> tuple:
    return tuple(v or ())


@functools.lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    """The profiles, parsed and with every selector compiled (once per process)."""
    data = tomllib.loads(files("pipeline.portals").joinpath("profiles.toml").read_text("utf-8"))
    profiles = []
    for p in data["profile"]:
        prof = Profile(
            id=p["id"], name=p.get("name", p["id"]),
            markers=_tuple(p.get("markers")),
            marker_regex=tuple(re.compile(x) for x in p.get("marker_regex", ())),
            url_regex=tuple(re.compile(x) for x in p.get("url_regex", ())),
            requires=_tuple(p.get("requires")),
            containers=_tuple(p.get("containers")),
            ranges=tuple(tuple(r) for r in p.get("ranges", ())),
            meta_blocks=_tuple(p.get("meta_blocks")),
            attachments=_tuple(p.get("attachments")),
            title=_tuple(p.get("title")),
            dates=_tuple(p.get("dates")),
        )
        for sel in prof.requires + prof.containers + prof.meta_blocks + prof.attachments + prof.dates:
            compile_selector(sel)
        for sel in prof.title:
            if not sel.startswith("meta:"):
                compile_selector(sel)
        profiles.append(prof)
    g = data["generic"]
    generic = Generic(id=g["id"], candidates=_tuple(g["candidates"]), line_bonus=g["line_bonus"],
                      long_line=g["long_line"], link_penalty=g["link_penalty"],
                      chrome_penalty=g["chrome_penalty"], min_cjk=g["min_cjk"], title=_tuple(g["title"]),
                      dates=_tuple(g.get("dates")), name_weight=float(g.get("name_weight", 0.0)),
                      content_names=frozenset(g.get("content_names", ())),
                      layout_names=frozenset(g.get("layout_names", ())))
    for sel in generic.candidates:
        compile_selector(sel)
    return Catalogue(tuple(profiles), generic)


def evidence(profile: Profile, raw: str, url: str | None, root: etree._Element,
             raw_lower: str | None = None) -> list[str] | None:
    """The markers by which ``profile`` recognises the page, or None when it does not.

    A profile with markers / regexes / URL patterns needs one of them; its ``requires``
    selectors must all match as well.
    """
    found: list[str] = []
    signals = bool(profile.markers or profile.marker_regex or profile.url_regex)
    for m in profile.markers:
        if m in raw:
            found.append(f"marker {m!r}")
            break
    for rx in profile.marker_regex:
        hit = rx.search(raw)
        if hit:
            found.append(f"pattern {hit.group(0)!r}")
            break
    if url:
        for rx in profile.url_regex:
            if rx.search(url):
                found.append(f"url {rx.pattern!r}")
                break
    if signals and not found:
        return None
    low = raw_lower if raw_lower is not None else raw.lower()
    for sel in profile.requires:
        if not may_match(sel, raw, low) or not select(root, sel):
            return None
        found.append(f"block {sel!r}")
    return found
