"""The page's own address, from what the page (or its web archive) says about itself.

Nothing is fetched: the address is read from statements the saved bytes carry, most
trustworthy first:

  warc         the WARC-Target-URI of the record the page was read from (given by the caller)
  saved-from   what the tool that saved the page says it saved: a browser's
               ``<!-- saved from url=(0053)http://… -->``, HTTrack's ``<!-- Mirrored from
               HOST/PATH by HTTrack Website Copier … -->``, SingleFile's ``<!-- Page saved
               with SingleFile url: … saved date: … -->`` (with when it was saved)
  url-comment  a crawler's ``<!--http://…-->`` written before the doctype, or the address a
               Founder 方正 ENP page states in its ``<!--enpproperty … <url>…</url> -->``
  canonical    ``<link rel=canonical href=…>``: the site's own statement
  og-url       ``<meta property=og:url content=…>``
  meta-url     ``<meta name=url content=…>`` (the 政府网站 Url tag)
  base         ``<base href=…>``: often only the site's root, so last

Templates often state the site's home page where the page's address belongs
(``<link rel=canonical href="http://www.x.gov.cn/">`` on every page); such a root
address gives way to a more specific one from a weaker statement on the same site.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from lxml import etree

_SAVED_FROM = re.compile(r"<!--\s*saved from url=\(\d+\)\s*(\S+?)\s*-->", re.I)
_URL_COMMENT = re.compile(r"\A\s*<!--\s*(https?://[^\s<>\"']+)\s*-->", re.I)
#: HTTrack writes the address without its scheme when it is http
_HTTRACK = re.compile(r"<!--\s*Mirrored from\s+(\S+)\s+by HTTrack Website Copier[^,>]*,\s*([^>]*?)\s*-->", re.I)
_SINGLEFILE = re.compile(r"<!--\s*Page saved with SingleFile\s+url:\s*(\S+)(?:\s+saved date:\s*([^\n>]*?))?\s*-->",
                         re.I)
_ENP_URL = re.compile(r"<!--\s*enpproperty\b.{0,3000}?<url>\s*([^<\s]+)\s*</url>", re.S)
#: SingleFile's date: Wed Jul 10 2024 15:20:11 GMT+0800 (中国标准时间)
_JS_DATE = re.compile(r"^[A-Z][a-z]{2} ([A-Z][a-z]{2} \d{1,2} \d{4} \d{2}:\d{2}:\d{2}) GMT([+-]\d{4})")
_ABSOLUTE = re.compile(r"^https?://[^\s/?#]+", re.I)
_ROOT_PATHS = frozenset({"", "/", "/index.html", "/index.htm", "/index.shtml", "/index.jsp", "/index.php",
                         "/default.html", "/default.htm"})
#: the order of trust (see the module docstring)
SOURCES = ("warc", "saved-from", "url-comment", "canonical", "og-url", "meta-url", "base")
_HEAD = 4096   # the comments a saving tool writes come first
_ENP_SCAN = 20_000   # a Founder page's property comment sits at the top of its body


@dataclass(frozen=True)
class Statement:
    source: str
    url: str
    captured: str | None = None   # when the saving tool says it saved the page (ISO 8601)


def _saved_when(text: str | None) -> str | None:
    """An HTTrack (RFC 1123) or SingleFile (JavaScript Date) save date, as ISO 8601."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        m = _JS_DATE.match(text)
        if m:
            d = datetime.strptime(m.group(1) + " " + m.group(2), "%b %d %Y %H:%M:%S %z")
        else:
            d = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if d.tzinfo is None:
        return None
    return d.isoformat()


def _absolute(url: str | None) -> str | None:
    url = (url or "").strip()
    if not url or any(c in url for c in " \t\r\n<>\"") or not _ABSOLUTE.match(url):
        return None
    return url


def statements(raw: str, root: etree._Element) -> list[Statement]:
    """Every absolute http(s) address the page states for itself, in the order of trust."""
    out: list[Statement] = []
    head = raw[:_HEAD]
    m = _SAVED_FROM.search(head)
    if m and _absolute(m.group(1)):
        out.append(Statement("saved-from", m.group(1)))
    m = _HTTRACK.search(head)
    if m:
        url = m.group(1) if re.match(r"https?://", m.group(1), re.I) else "http://" + m.group(1)
        if _absolute(url):
            out.append(Statement("saved-from", url, _saved_when(m.group(2))))
    m = _SINGLEFILE.search(head)
    if m and _absolute(m.group(1)):
        out.append(Statement("saved-from", m.group(1), _saved_when(m.group(2))))
    m = _URL_COMMENT.match(head)
    if m and _absolute(m.group(1)):
        out.append(Statement("url-comment", m.group(1)))
    m = _ENP_URL.search(raw, 0, _ENP_SCAN)
    if m and _absolute(m.group(1)):
        out.append(Statement("url-comment", m.group(1)))
    found: dict[str, str] = {}
    for link in root.iter("link"):
        rels = (link.get("rel") or "").lower().split()
        if "canonical" in rels and (u := _absolute(link.get("href"))):
            found.setdefault("canonical", u)
    for meta in root.iter("meta"):
        prop = (meta.get("property") or "").strip().lower()
        name = (meta.get("name") or "").strip().lower()
        u = _absolute(meta.get("content"))
        if not u:
            continue
        if prop == "og:url" or name == "og:url":
            found.setdefault("og-url", u)
        elif name == "url":
            found.setdefault("meta-url", u)
    for base in root.iter("base"):
        if u := _absolute(base.get("href")):
            found.setdefault("base", u)
            break
    for source in ("canonical", "og-url", "meta-url", "base"):
        if source in found:
            out.append(Statement(source, found[source]))
    return out


def _is_root(url: str) -> bool:
    return urlsplit(url).path.lower() in _ROOT_PATHS and not urlsplit(url).query


def choose(candidates: list[Statement]) -> Statement | None:
    """The most trustworthy statement; a site-root address yields to a specific one
    on the same host."""
    if not candidates:
        return None
    best = candidates[0]
    if _is_root(best.url):
        host = urlsplit(best.url).hostname
        for c in candidates[1:]:
            if not _is_root(c.url) and urlsplit(c.url).hostname == host:
                return c
    return best
