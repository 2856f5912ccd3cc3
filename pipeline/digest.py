"""The content digest: the same document across byte-different captures.

Re-scraping a portal next month gives the same notice with other bytes (a visit
counter, a timestamp in the footer, another session id in a link), so the record
id, a digest of the bytes, differs.  The content digest is the SHA-256 of the
canonical document *without its provenance*: the metadata and the body, the
document as its reader knows it.  Page chrome is not in the canonical XML, so a
visit counter never reaches it; a changed paragraph, a changed 发文字号 or a
changed attachment (its file's SHA-256) does.

Left out as well, because they say where a capture put things rather than what
the document is: the record id (``document/@id``), and the addresses and local
names of pictures, attachments and links (``src``, ``href``, ``local``, ``name``,
``mime``, ``bytes``, ``missing``: a browser's "Save as" rewrites ``src`` to
``NAME_files/…``, a web archive keeps the site's URL).  A picture or attachment
counts by its file's ``sha256``, when the capture kept it.

The document is serialised by Canonical XML 2.0 (C14N) before hashing, so the
digest is the same whatever the attribute order or namespace prefixes.
"""
from __future__ import annotations

import copy
import hashlib

from lxml import etree

from .canonical import q

#: Attributes that name where a capture put a file, not what the document holds.
_PLACES = ("src", "href", "local", "name", "mime", "bytes", "missing")
_FILE_ELEMENTS = (q("image"), q("attachment"), q("a"))


def content_digest(doc: etree._Element) -> str:
    """The SHA-256 (hex) of ``doc`` without provenance, ids and file places (pure)."""
    root = copy.deepcopy(doc)
    root.attrib.pop("id", None)
    for prov in root.findall(q("provenance")):
        root.remove(prov)
    for el in root.iter(*_FILE_ELEMENTS):
        for a in _PLACES:
            el.attrib.pop(a, None)
    data = etree.tostring(root, method="c14n2", strip_text=False)
    return hashlib.sha256(data).hexdigest()
