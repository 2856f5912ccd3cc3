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
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import PurePath

from lxml import etree

from .. import GENERATOR, __version__
from ..canonical import MetaValue, Origin, Provenance, build_document, validate
from ..decode import Decoded, decode
from ..errors import NotAnArticle
from .body import attachment_blocks, walk_container
from .container import choose_container, chrome_elements, describe
from .gate import anti_bot, check_bytes, check_text, mirror_copy
from .html import ElementSet, clean, dropped_inside, parse, text_of
from .container import text_units
from .metadata import PageMeta, head_text, read_metadata
from .origin import Statement, choose, statements
from .profiles import catalogue
from .selectors import select
from .structure import Closing, Layout, Trimmed, arrange, build_body, has_content, opening_fields, trim

__all__ = ["extract", "analyse", "Analysis", "choose_container"]

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
    layout: Layout | None = None
    warnings: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)   # blocks inside the container left out, and why
    document: etree._Element | None = None
    origin: Origin | None = None
    statements: list[Statement] = field(default_factory=list)


_CJK = re.compile(r"[\u4e00-\u9fff]")
_WORD = re.compile(r"[A-Za-z]{2,}")


def language(body: etree._Element) -> str:
    """``en`` for an English edition of a portal's page (more English words than
    Chinese characters in its body), else ``zh-CN``."""
    parts, size = [], 0
    for t in body.itertext():   # the first 20 000 characters are enough
        parts.append(t)
        size += len(t)
        if size >= 20_000:
            break
    text = "".join(parts)
    return "en" if len(_WORD.findall(text)) > len(_CJK.findall(text)) else "zh-CN"


def _origin(given: Origin | None, stated: list[Statement]) -> Origin | None:
    """The caller's origin (a WARC record's target) first, else the page's best statement."""
    best = choose(stated)
    if given is not None and given.url:
        return given if given.source else replace(given, source="warc")
    if best is None:
        return given
    return Origin(url=best.url, source=best.source,
                  captured=(given.captured if given and given.captured else best.captured),
                  warc=given.warc if given else None)


def analyse(data: bytes, *, name: str, converted: datetime | None = None,
            origin: Origin | None = None, charset: str | None = None) -> Analysis:
    """Run every stage on one page and keep what each decided (see the module docstring).

    ``origin`` is what the caller knows of the page's address (a web archive's
    WARC-Target-URI, ``source="warc"``); without it the page's own statements decide.
    ``charset``: the HTTP response's charset (a web archive keeps it), the declared
    encoding when given."""
    given = origin
    check_bytes(data)
    dec = decode(data, http_charset=charset)
    warnings: list[str] = []
    if dec.replaced:
        warnings.append(f"{dec.replaced} byte sequence(s) could not be decoded as {dec.encoding} "
                        "and were replaced with U+FFFD")
    warnings += dec.notes  # NULs removed, UTF-16/32 without a byte-order mark
    check_text(dec.text)
    parsed = parse(dec.text)
    warnings += parsed.warnings
    root = parsed.root
    bot = anti_bot(dec.text, root)
    if bot:
        raise NotAnArticle(f"anti-bot or firewall challenge page, not an article (found {bot!r})")
    # the page's own address (needed by URL-shaped profiles) is read before the
    # container, and before cleaning takes out the <link> elements
    stated = statements(dec.text, root)
    origin = _origin(given, stated)
    base_href = next((s.url for s in stated if s.source == "base"), None)
    url = origin.url if origin else None
    dropped = clean(root)
    low = dec.text.lower()
    prof, markers, container, _sel = choose_container(root, dec.text, url, low)
    if container is None:
        if any("deeper than 256" in w for w in warnings):
            raise NotAnArticle("no article text found: the page nests elements deeper than 256 levels "
                               "and, flattened, shows no article")
        raise NotAnArticle("no article text found: the page holds only navigation and page chrome")
    warnings += dropped_inside(dropped, container)  # hidden text, <noscript>, placeholders …
    mirror = mirror_copy(text_of(container), dec.encoding)
    if mirror:
        raise NotAnArticle(mirror)
    g = catalogue().generic
    title_sel = prof.title if prof else g.title
    meta = read_metadata(root, container, title_sel, prof.dates if prof else g.dates,
                         trusted_dates=prof is not None, raw=(dec.text, low),
                         block_selectors=prof.meta_blocks if prof else ())
    base = base_href or url
    chrome_els = chrome_elements(container)
    skip = ElementSet([*meta.blocks, *meta.info_lines, *chrome_els])
    skipped = []
    for why, els in (("metadata block", meta.blocks), ("info line", meta.info_lines), ("page chrome", chrome_els)):
        for el in els:
            if el is not container and container in el.iterancestors():
                skipped.append(f"{why}: {describe(el)} “{' '.join(text_of(el).split())[:60]}”")
    blocks, lost = walk_container(container, base_url=base, skip=skip, ranges=prof.ranges if prof else ())
    warnings += lost[:5] + ([f"and {len(lost) - 5} more such warning(s)"] if len(lost) > 5 else [])
    trimmed = Trimmed()
    _opening_meta(meta, blocks, root, container)
    title = meta.values.get("title").value if "title" in meta.values else None
    docno = meta.values.get("doc-number").value if "doc-number" in meta.values else None
    blocks = trim(blocks, title, docno, trimmed)
    # Attachment links outside the container: the profile's lists (ul.fujian, div.fjdown
    # ...), 附件 rows of the metadata block, and any file link after the body (相关附件,
    # 附件下载); file links above the body (navigation, sidebars) are not the document's.
    seen = {h for b in blocks for h in b.links}
    scopes: list[etree._Element] = []
    if prof:
        for sel in prof.attachments:
            scopes += select(root, sel)
    scopes += meta.blocks
    links = [a for scope in scopes for a in scope.iter("a")]
    links += container.xpath("following::a")
    in_container = ElementSet(container.iter("a"))
    outside = [b for b in attachment_blocks(links, base, seen) if b.source not in in_container]
    layout = arrange(blocks)
    body = build_body(layout, outside)
    if not has_content(body):
        raise NotAnArticle("the page has no article text: its body is empty or only page chrome")
    if "title" not in meta.values:
        meta.values["title"] = MetaValue(PurePath(name).stem)
        warnings.append("no title found on the page; the file name is used as the title")
    prov = Provenance(
        input_name=PurePath(name).name or "page.html",
        sha256=hashlib.sha256(data).hexdigest(), size=len(data),
        encoding=dec.encoding, encoding_method=dec.method, declared_encoding=dec.declared,
        profile=prof.id if prof else g.id, container=describe(container),
        generator=GENERATOR, generator_version=__version__,
        converted=converted or datetime.now(timezone.utc).replace(microsecond=0),
        warnings=tuple(warnings), origin=origin)
    stem = PurePath(name).stem
    doc = build_document(meta.values, meta.extra, prov, body,
                         doc_id=stem if _ID_OK.fullmatch(stem) else None, lang=language(body))
    validate(doc)
    return Analysis(dec, prov.profile, prof.name if prof else "generic fallback", markers,
                    describe(container), meta, trimmed, layout.closing, layout, warnings, skipped, doc,
                    origin, stated)


_BARE_SHARE = 0.9


def _bare(root: etree._Element, container: etree._Element) -> bool:
    """The page is the document and nothing else (a Word export published as the page,
    a crawler's slice of the body): its container holds nearly all of its text."""
    body = root if root.tag == "body" else root.find("body")
    if body is None or body is container:
        return True
    whole = text_units(head_text(body, 200_000))
    return whole == 0 or text_units(head_text(container, 200_000)) >= _BARE_SHARE * whole


def _opening_meta(meta: PageMeta, blocks: list, root: etree._Element, container: etree._Element) -> None:
    """The title and 文号 printed as the body's first lines (a 公文's 版头), read when
    the page shows them nowhere else.  The title: when the page has no other.  The 文号:
    only on a bare document (``_bare``) without a labelled one; a portal page, which
    shows its own metadata around the text, keeps the 文号 line as a line of the text."""
    if "title" in meta.values and "doc-number" in meta.values:
        return
    title, docno = opening_fields(blocks)
    if title and "title" not in meta.values:
        meta.values["title"] = MetaValue(title)
        meta.title_source = "the first lines of the body (the page shows no other title)"
    if docno and "doc-number" not in meta.values and _bare(root, container):
        meta.values["doc-number"] = MetaValue(docno)


def extract(data: bytes, *, name: str, converted: datetime | None = None,
            origin: Origin | None = None, charset: str | None = None) -> etree._Element:
    """A complete, validated canonical ``document`` for one saved page.

    Raises InputError (empty, binary, not HTML) or NotAnArticle (anti-bot challenge,
    empty shell, chrome only), each with a one-line reason.
    """
    return analyse(data, name=name, converted=converted, origin=origin,
                   charset=charset).document
