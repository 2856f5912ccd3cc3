"""Did the rendering keep every character of the document?

A renderer can lose text silently: a glyph no font has, a line pushed out of a
box, punctuation a layout engine hangs off the page.  Every document is read
back after it is rendered: the text layer of the PDF and the text of the .docx
are compared with the body of the canonical XML, and a missing character fails
the document.

Characters are compared as a multiset, white space and invisible format controls
(Unicode category Cf: zero-width joiners, bidi marks) removed, since no text
layer carries what is never drawn.  The text layer of
a table is read line by line across cells, so its order legitimately differs
from the XML's cell order, but every character must be there.  The in-order
share (longest common subsequence, as shared/tools/check_pdf.py reports it) is
given alongside for information.
"""
from __future__ import annotations

import difflib
import unicodedata
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from .canonical import body_text, squash
from .errors import RenderError

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


@dataclass(frozen=True)
class Fidelity:
    expected: int            # characters in the XML body
    missing: tuple[tuple[str, int], ...]  # (character, how many lost), most lost first
    in_order: float | None = None

    @property
    def found(self) -> int:
        return self.expected - sum(n for _, n in self.missing)

    @property
    def ratio(self) -> float:
        return self.found / self.expected if self.expected else 1.0

    @property
    def ok(self) -> bool:
        return not self.missing

    def summary(self) -> str:
        """One line for a warning or an error message."""
        if self.ok:
            return f"all {self.expected} body characters present"
        lost = "".join(ch if n == 1 else f"{ch}×{n}" for ch, n in self.missing[:20])
        more = "…" if len(self.missing) > 20 else ""
        return (f"{self.expected - self.found} of {self.expected} body characters missing "
                f"from the output: {lost}{more}")


def visible(text: str) -> str:
    """The characters a reader sees: white space and format controls (Cf) removed."""
    return "".join(ch for ch in squash(text) if unicodedata.category(ch) != "Cf")


def compare(xml_text: str, out_text: str, *, in_order: bool = False) -> Fidelity:
    """Fidelity of ``out_text`` (an output's text layer) to ``xml_text`` (the body)."""
    want, got = visible(xml_text), visible(out_text)
    lost = Counter(want) - Counter(got)
    order = None
    if in_order and want:
        sm = difflib.SequenceMatcher(None, want, got, autojunk=False)
        order = sum(b.size for b in sm.get_matching_blocks()) / len(want)
    return Fidelity(len(want), tuple(lost.most_common()), order)


def pdf_text(path: Path) -> str:
    """The text layer of a PDF, page by page, as a reader's copy-paste gives it.

    PDFium reads it (fast, and the engine of a common PDF viewer).  PDFium takes a
    hyphen that ends a line for a word broken across lines and reports it as
    U+FFFE; the glyph is a real "-" of the text (found by the generated-page tests:
    "0000A-" at a paragraph's end), so it is read back as one."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        parts = []
        for page in pdf:
            textpage = page.get_textpage()
            parts.append(textpage.get_text_range().replace("\ufffe", "-"))
            textpage.close()
            page.close()
        return "\n".join(parts)
    finally:
        pdf.close()


def docx_text(path: Path) -> str:
    """All text of a .docx main part, in document order."""
    with zipfile.ZipFile(path) as z:
        data = z.read("word/document.xml")
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True,
                                                  huge_tree=True))
    return "".join(t.text or "" for t in root.iter(f"{{{W_NS}}}t"))


def pdf_fidelity(doc: etree._Element, pdf: Path, *, in_order: bool = False) -> Fidelity:
    """Fidelity of a rendered PDF to its canonical document."""
    return compare(body_text(doc), pdf_text(pdf), in_order=in_order)


def docx_fidelity(doc: etree._Element, docx: Path) -> Fidelity:
    return compare(body_text(doc), docx_text(docx))


def check_outputs(doc: etree._Element, folder: Path, formats: tuple[str, ...]) -> list[str]:
    """Raise RenderError if an edition in ``folder`` lost any body character."""
    checks = {"pdf": ("document.pdf", pdf_fidelity), "docx": ("document.docx", docx_fidelity)}
    for fmt in formats:
        if fmt in checks:
            name, measure = checks[fmt]
            f = measure(doc, folder / name)
            if not f.ok:
                raise RenderError(f"{fmt.upper()} edition: {f.summary()}")
    return []
