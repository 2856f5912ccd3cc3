"""The canonical XML: namespace, building blocks, validation and serialisation.

This module is the contract between extraction and rendering (see
``docs/canonical-xml.md`` and ``pipeline/schema/canonical.rng``).  Extraction builds
a document with the helpers here; renderers read it with the helpers here; nothing
else knows the element names.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime
from importlib.resources import files
from typing import Iterable, Iterator, Mapping

from lxml import etree

from .errors import InvalidDocument

NS = "urn:govdoc:canonical:1"
#: the canonical namespace is the default one: <document xmlns="urn:govdoc:canonical:1">
NSMAP = {None: NS}
VERSION = "1.0"
XML_NS = "http://www.w3.org/XML/1998/namespace"

#: Metadata fields in schema order.  Those listed in DATE_FIELDS hold an ISO date.
META_FIELDS: tuple[str, ...] = (
    "title", "index-number", "subject", "issuer", "publisher", "doc-number",
    "written-date", "published-date", "disclosure", "review", "validity", "source",
    "doc-type", "keywords", "summary", "unified-number",
    "effective-date", "expiry-date", "generated-date", "site", "column", "url",
)
DATE_FIELDS = frozenset({"written-date", "published-date", "effective-date",
                         "expiry-date", "generated-date"})

#: Characters XML 1.0 cannot hold.  They are dropped on the way in (and reported).
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def q(tag: str) -> str:
    """Qualified name of a canonical element."""
    return f"{{{NS}}}{tag}"


def local(el: etree._Element) -> str:
    tag = el.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def xml_safe(text: str) -> str:
    """Text with the characters XML 1.0 forbids removed."""
    return _XML_INVALID.sub("", text)


def E(tag: str, text: str | None = None, /, **attrs: str | int | None) -> etree._Element:
    """A canonical element; attributes whose value is None are left out.

    A trailing underscore in a keyword stands for a hyphen (``row_span`` is not
    used; ``xml_lang`` is written as ``xml:lang``).
    """
    el = etree.Element(q(tag), nsmap=NSMAP)
    for k, v in attrs.items():
        if v is None:
            continue
        name = f"{{{XML_NS}}}lang" if k == "xml_lang" else k.rstrip("_").replace("_", "-")
        el.set(name, xml_safe(str(v)))
    if text is not None:
        el.text = xml_safe(text)
    return el


def sub(parent: etree._Element, tag: str, text: str | None = None, /, **attrs) -> etree._Element:
    el = E(tag, text, **attrs)
    parent.append(el)
    return el


@dataclass(frozen=True)
class MetaValue:
    """One metadata field: its value, the label it was read under, and for dates the
    text exactly as the page showed it."""

    value: str
    label: str | None = None
    shown: str | None = None
    time: str | None = None


@dataclass(frozen=True)
class WarcRecord:
    """The web-archive record a page was read from."""
    file: str
    record_id: str
    target_uri: str | None = None
    date: str | None = None          # ISO 8601 date-time (WARC-Date)


@dataclass(frozen=True)
class Origin:
    """Where a page came from, as the page or its archive states it (never fetched).

    ``source`` says which statement gave ``url`` (``warc``, ``saved-from``,
    ``url-comment``, ``canonical``, ``og-url``, ``meta-url``, ``base``)."""
    url: str | None = None
    source: str | None = None
    captured: str | None = None      # ISO 8601 date-time
    warc: WarcRecord | None = None


@dataclass(frozen=True)
class Provenance:
    input_name: str
    sha256: str
    size: int
    encoding: str
    encoding_method: str  # bom | declared | detected | mixed | fallback
    declared_encoding: str | None
    profile: str
    container: str | None
    generator: str
    generator_version: str
    converted: datetime
    warnings: tuple[str, ...] = ()
    origin: Origin | None = None


def build_document(meta: Mapping[str, MetaValue], extra_fields: Iterable[tuple[str, str]],
                   provenance: Provenance, body: etree._Element,
                   doc_id: str | None = None, lang: str = "zh-CN") -> etree._Element:
    """Assemble a canonical document from its three parts (not yet validated);
    ``lang`` is the language the page is written in (``en`` for an English edition)."""
    root = E("document", version=VERSION, id=doc_id, xml_lang=lang)
    m = sub(root, "meta")
    for name in META_FIELDS:
        mv = meta.get(name)
        if mv is None or not mv.value.strip():
            continue
        if name in DATE_FIELDS:
            sub(m, name, mv.value, shown=mv.shown, time=mv.time, label=mv.label)
        else:
            sub(m, name, mv.value, label=mv.label)
    for label, value in extra_fields:
        if label.strip() and value.strip():
            sub(m, "field", value, label=label)
    p = sub(root, "provenance")
    sub(p, "input", name=provenance.input_name, sha256=provenance.sha256, bytes=provenance.size)
    o = provenance.origin
    if o is not None and (o.url or o.captured or o.warc):
        oe = sub(p, "origin", url=o.url, from_=o.source if o.url else None, captured=o.captured)
        if o.warc is not None:
            sub(oe, "warc-record", file=o.warc.file, record_id=o.warc.record_id,
                target_uri=o.warc.target_uri, date=o.warc.date)
    sub(p, "encoding", provenance.encoding, method=provenance.encoding_method,
        declared=provenance.declared_encoding)
    sub(p, "template", profile=provenance.profile, container=provenance.container)
    sub(p, "generator", name=provenance.generator, version=provenance.generator_version)
    sub(p, "converted", provenance.converted.isoformat(timespec="seconds"))
    for w in provenance.warnings:
        sub(p, "warning", w)
    if body.tag != q("body"):
        raise ValueError("body must be a canonical <body> element")
    root.append(body)
    return root


@functools.lru_cache(maxsize=1)
def schema() -> etree.RelaxNG:
    """The RELAX NG schema, compiled once per process."""
    path = files("pipeline.schema").joinpath("canonical.rng")
    with path.open("rb") as fh:
        return etree.RelaxNG(etree.parse(fh))


def validation_errors(doc: etree._Element) -> list[str]:
    s = schema()
    if s.validate(doc):
        return []
    return [f"line {e.line}: {e.message}" for e in s.error_log]


def validate(doc: etree._Element) -> None:
    """Raise InvalidDocument naming the first schema error."""
    errors = validation_errors(doc)
    if errors:
        raise InvalidDocument(f"canonical XML does not validate: {errors[0]}"
                              + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""))


def serialize(doc: etree._Element) -> bytes:
    """The document as UTF-8 bytes, with an XML declaration; the namespace is declared
    once, on the root, as the default namespace."""
    etree.cleanup_namespaces(doc, top_nsmap=NSMAP)
    return etree.tostring(doc, encoding="UTF-8", xml_declaration=True, pretty_print=True)


def parse(data: bytes) -> etree._Element:
    """Parse canonical XML safely: no DTDs, no entities, no network."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False, remove_blank_text=False)
    return etree.fromstring(data, parser)


# ------------------------------------------------------------------ reading

def meta_of(doc: etree._Element) -> dict[str, str]:
    """Field name -> value for the named metadata fields."""
    m = doc.find(q("meta"))
    out: dict[str, str] = {}
    if m is None:
        return out
    for child in m:
        name = local(child)
        if name != "field":
            out[name] = (child.text or "").strip()
    return out


def origin_of(doc: etree._Element) -> dict[str, str]:
    """Where the record's page came from: ``url``, ``from`` (which statement gave it),
    ``captured``, and ``warc-file`` / ``warc-record-id`` when it was read from a web
    archive; empty when nothing is known.  For manifests and catalogues."""
    o = doc.find(f"{q('provenance')}/{q('origin')}")
    if o is None:
        return {}
    out = {k: o.get(k) for k in ("url", "from", "captured") if o.get(k)}
    w = o.find(q("warc-record"))
    if w is not None:
        out["warc-file"] = w.get("file")
        out["warc-record-id"] = w.get("record-id")
    return out


def body_of(doc: etree._Element) -> etree._Element:
    body = doc.find(q("body"))
    if body is None:
        raise InvalidDocument("canonical XML has no body")
    return body


_WS = re.compile(r"[\s\u3000\u00a0\u200b\ufeff]+")


def squash(text: str) -> str:
    """Text with all white space removed: what 'every character present' compares."""
    return _WS.sub("", text or "")


def body_text(doc: etree._Element) -> str:
    """Every character of the body, in document order, white space removed."""
    return squash("".join(body_of(doc).itertext()))


def iter_blocks(parent: etree._Element) -> Iterator[etree._Element]:
    """Children of a body or section, in order (blocks, sections, signature)."""
    yield from (c for c in parent if isinstance(c.tag, str))
