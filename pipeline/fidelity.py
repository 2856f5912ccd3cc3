"""Text fidelity: every character of the canonical body must reach each edition.

A renderer can drop a character without an error (a missing glyph, a hung
punctuation mark, a mis-decoded run), so each document is read back after it is
rendered: the text layer of the PDF and the text of the .docx are compared with
the body of the canonical XML.  A missing character fails the document.
"""
from __future__ import annotations

import zipfile
from collections import Counter
from pathlib import Path

from lxml import etree

from . import canonical
from .errors import RenderError

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_MAX_SHOWN = 12


def pdf_text(path: Path) -> str:
    """The text layer of a PDF, page by page, as a reader's copy-paste would give it."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        parts = []
        for page in pdf:
            textpage = page.get_textpage()
            parts.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return "".join(parts)
    finally:
        pdf.close()


def docx_text(path: Path) -> str:
    """All text of a .docx main part, in document order (w:t and w:tab/w:br as nothing)."""
    with zipfile.ZipFile(path) as z:
        data = z.read("word/document.xml")
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True,
                                                  huge_tree=True))
    return "".join(t.text or "" for t in root.iter(f"{{{W_NS}}}t"))


def missing_characters(expected: str, actual: str) -> Counter[str]:
    """Characters of ``expected`` (white space ignored) not found in ``actual``, counted."""
    need = Counter(canonical.squash(expected))
    have = Counter(canonical.squash(actual))
    return need - have


def describe(missing: Counter[str]) -> str:
    shown = "".join(ch for ch, _ in missing.most_common(_MAX_SHOWN))
    more = len(missing) - _MAX_SHOWN
    return f"{sum(missing.values())} characters missing: {shown!r}" + (f" and {more} more" if more > 0 else "")


def check_outputs(doc: etree._Element, folder: Path, formats: tuple[str, ...]) -> list[str]:
    """Raise RenderError if an edition in ``folder`` lost any body character."""
    expected = "".join(canonical.body_of(doc).itertext())
    readers = {"pdf": ("document.pdf", pdf_text), "docx": ("document.docx", docx_text)}
    for fmt in formats:
        if fmt not in readers:
            continue
        name, read = readers[fmt]
        missing = missing_characters(expected, read(folder / name))
        if missing:
            raise RenderError(f"{fmt.upper()} edition lost text: {describe(missing)}")
    return []
