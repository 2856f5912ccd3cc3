"""HTML page -> canonical XML document (the reader, in pandoc's sense).

    bytes --decode--> text --parse/clean--> tree --profile--> container
          --metadata--> meta      --body walk--> blocks --structure--> body
          --build_document/validate--> canonical <document>

``extract`` is the one entry point the CLI calls; ``analyse`` runs the same steps and
keeps what each one decided, for ``inspect_page``.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import PurePath

from lxml import etree

from .. import GENERATOR, __version__
from ..canonical import Provenance, build_document, validate
from ..decode import Decoded, decode
from ..errors import InputError, NotAnArticle
from .body import Block, attachment_blocks, walk_container
from .html import ElementSet, clean, parse, text_of
from .lexicon import lexicon, squash
from .metadata import PageMeta, read_metadata
from .profiles import Profile, catalogue, evidence
from .selectors import select
from .structure import Closing, Trimmed, build_body, find_closing, has_content, trim

__all__ = ["extract", "analyse", "Analysis"]

_MAGIC = (
    (b"%PDF", "PDF"), (b"PK\x03\x04", "ZIP / Office"), (b"\x89PNG", "PNG image"), (b"GIF8", "GIF image"),
    (b"\xff\xd8\xff", "JPEG image"), (b"\xd0\xcf\x11\xe0", "legacy Office (OLE)"), (b"Rar!", "RAR archive"),
    (b"7z\xbc\xaf", "7-Zip archive"), (b"\x1f\x8b", "gzip archive"), (b"BM", None), (b"OFD", None),
)
_TAG = re.compile(r"<\s*(html|head|body|div|p|table|meta|title|span|a|br|td|!doctype)\b", re.I)
_CJK = re.compile(r"[\u4e00-\u9fff]")
_ID_OK = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


@dataclass
class Analysis:
    """Everything one extraction decided, kept for inspection."""
    decoded: Decoded
    profile: str
    profile_name: str
    markers: list[str]
    container: str | None
    meta: PageMeta
    trimmed: Trimmed
    closing: Closing | None
    warnings: list[str] = field(default_factory=list)
    document: etree._Element | None = None


def _check_bytes(data: bytes) -> None:
    if not data:
        raise InputError("empty file (0 bytes)")
    if not data.strip():
        raise InputError("the file holds only white space")
    for magic, kind in _MAGIC:
        if kind and data.startswith(magic):
            raise InputError(f"not an HTML page: the bytes are a {kind} file")
    head = data[:8192]
    if not head.startswith((b"\xff\xfe", b"\xfe\xff")) and head.count(b"\x00") > len(head) // 100:
        raise InputError("not an HTML page: the file is binary data")


def _check_text(text: str) -> None:
    head = text.lstrip("\ufeff \t\r\n")[:4096]
    if head[:1] in "{[" and not _TAG.search(head):
        raise InputError("not an HTML page: the file looks like JSON data")
    if not _TAG.search(text[:200_000]):
        raise InputError("not an HTML page: no HTML markup found")


def _anti_bot(raw: str, root: etree._Element) -> str | None:
    lex = lexicon()
    hit = next((p for p in lex.anti_bot_phrases if p in raw), None)
    if hit is None:
        for rx in lex.anti_bot_re:
            m = rx.search(raw[:500_000])
            if m:
                hit = m.group(0)[:40]
                break
    if hit is None:
        return None
    body = root.find("body")
    visible = len(_CJK.findall(text_of(body))) if body is not None else 0
    return hit if visible < 300 else None


def describe(el: etree._Element) -> str:
    """``div#zoom.art_text`` — how provenance names a container."""
    s = el.tag if isinstance(el.tag, str) else "?"
    if el.get("id"):
        s += "#" + el.get("id")
    classes = (el.get("class") or "").split()
    s += "".join("." + c for c in classes[:3])
    return s


def _score(el: etree._Element, g) -> float:
    lex = lexicon()
    text = text_of(el)
    cjk = len(_CJK.findall(text))
    if cjk < g.min_cjk:
        return float("-inf")
    links = sum(len(_CJK.findall(text_of(a))) for a in el.iter("a"))
    lines = sum(1 for ln in text.split("\n") if len(squash(ln)) >= g.long_line)
    chrome = len(lex.chrome_re.findall(text))
    return cjk + g.line_bonus * lines - g.link_penalty * links - g.chrome_penalty * chrome


def _best_of(els: list[etree._Element]) -> etree._Element | None:
    best, best_n = None, 0
    for el in els:
        n = len(_CJK.findall(text_of(el)))
        if el.find(".//img") is not None or el.find(".//table") is not None:
            n += 1
        if n > best_n:
            best, best_n = el, n
    return best


def choose_container(root: etree._Element, raw: str, url: str | None
                     ) -> tuple[Profile | None, list[str], etree._Element | None, str | None]:
    """The first profile that recognises the page and finds its container; else generic."""
    cat = catalogue()
    for prof in cat.profiles:
        ev = evidence(prof, raw, url, root)
        if ev is None:
            continue
        for sel in prof.containers:
            el = _best_of(select(root, sel))
            if el is not None:
                return prof, ev + [f"container {sel!r}"], el, sel
    g = cat.generic
    cands: dict[int, etree._Element] = {}
    for sel in g.candidates:
        for el in select(root, sel):
            cands.setdefault(id(el), el)
    # parents of paragraphs, as in readability
    for p in root.iter("p", "br"):
        parent = p.getparent()
        if parent is not None and parent.tag not in ("html", "body"):
            cands.setdefault(id(parent), parent)
        if len(cands) > 400:
            break
    scored = [(s, i, el) for i, el in enumerate(cands.values()) if (s := _score(el, g)) != float("-inf")]
    if not scored:
        return None, [], None, None
    scored.sort(key=lambda t: (-t[0], t[1]))
    return None, ["generic: scored container"], scored[0][2], None


def _chrome_elements(container: etree._Element) -> list[etree._Element]:
    classes = lexicon().chrome_classes
    out = []
    for el in container.iter():
        if el is container or not isinstance(el.tag, str):
            continue
        toks = set((el.get("class") or "").split())
        if el.get("id"):
            toks.add(el.get("id"))
        if toks & classes:
            out.append(el)
    return out


def analyse(data: bytes, *, name: str, converted: datetime | None = None) -> Analysis:
    _check_bytes(data)
    dec = decode(data)
    warnings: list[str] = []
    if dec.replaced:
        warnings.append(f"{dec.replaced} byte sequence(s) could not be decoded as {dec.encoding} "
                        "and were replaced with U+FFFD")
    _check_text(dec.text)
    parsed = parse(dec.text)
    warnings += parsed.warnings
    root = parsed.root
    bot = _anti_bot(dec.text, root)
    if bot:
        raise NotAnArticle(f"anti-bot or firewall challenge page, not an article (found {bot!r})")
    clean(root)
    # the page's own URL (needed by URL-shaped profiles) is read before the container
    url = None
    for m in root.iter("meta"):
        if (m.get("name") or m.get("property") or "").lower() in ("url", "og:url"):
            url = (m.get("content") or "").strip() or None
            break
    prof, markers, container, _sel = choose_container(root, dec.text, url)
    if container is None:
        if any("deeper than 256" in w for w in warnings):
            raise NotAnArticle("no article text found: the page nests elements deeper than 256 levels "
                               "and nothing readable remains above that depth")
        raise NotAnArticle("no article text found: the page holds only navigation and page chrome")
    g = catalogue().generic
    title_sel = prof.title if prof else g.title
    meta = read_metadata(root, container, title_sel, prof.dates if prof else ())
    base = meta.url
    skip = ElementSet([*meta.blocks, *meta.info_lines, *_chrome_elements(container)])
    blocks = walk_container(container, base_url=base, skip=skip, ranges=prof.ranges if prof else ())
    trimmed = Trimmed()
    title = meta.values.get("title").value if "title" in meta.values else None
    docno = meta.values.get("doc-number").value if "doc-number" in meta.values else None
    blocks = trim(blocks, title, docno, trimmed)
    seen = {h for b in blocks for h in b.links}
    outside: list[Block] = []
    scopes = []
    if prof:
        for sel in prof.attachments:
            scopes += select(root, sel)
    # attachment links anywhere outside the container (相关附件, 附件下载, ul.fujian ...)
    body_el = root.find("body")
    if body_el is not None:
        scopes.append(body_el)
    in_container = ElementSet(container.iter("a"))
    outside = [b for b in attachment_blocks(scopes, base, seen) if b.source not in in_container]
    blocks, closing = find_closing(blocks)
    body = build_body(blocks, closing, outside)
    if not has_content(body):
        raise NotAnArticle("the page has no article text: its body is empty or only page chrome")
    if "title" not in meta.values:
        from ..canonical import MetaValue
        meta.values["title"] = MetaValue(PurePath(name).stem)
        warnings.append("no title found on the page; the file name is used as the title")
    prov = Provenance(
        input_name=PurePath(name).name or "page.html",
        sha256=hashlib.sha256(data).hexdigest(), size=len(data),
        encoding=dec.encoding, encoding_method=dec.method, declared_encoding=dec.declared,
        profile=prof.id if prof else g.id, container=describe(container),
        generator=GENERATOR, generator_version=__version__,
        converted=converted or datetime.now(timezone.utc).replace(microsecond=0),
        warnings=tuple(warnings))
    stem = PurePath(name).stem
    doc = build_document(meta.values, meta.extra, prov, body,
                         doc_id=stem if _ID_OK.fullmatch(stem) else None)
    validate(doc)
    return Analysis(dec, prov.profile, prof.name if prof else "generic fallback", markers,
                    describe(container), meta, trimmed, closing, warnings, doc)


def extract(data: bytes, *, name: str, converted: datetime | None = None) -> etree._Element:
    """A complete, validated canonical ``document`` for one saved page.

    Raises InputError (empty, binary, not HTML) or NotAnArticle (anti-bot challenge,
    empty shell, chrome only), each with a one-line reason.
    """
    return analyse(data, name=name, converted=converted).document
