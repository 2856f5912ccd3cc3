"""Did the rendering keep every character of the document?

A renderer can lose text silently: a glyph no font has, a line pushed out of a
box, punctuation a layout engine hangs off the page.  This compares the body
text of the canonical XML with the text layer read back from the output and
names what is missing.

Characters are compared as a multiset, white space removed: the text layer of
a table is read line by line across cells, so its order legitimately differs
from the XML's cell order, but every character must be there.  The in-order
share (longest common subsequence, as shared/tools/check_pdf.py reports it) is
given alongside for information.
"""
from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from .canonical import body_text, squash


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


def compare(xml_text: str, out_text: str, *, in_order: bool = False) -> Fidelity:
    """Fidelity of ``out_text`` (an output's text layer) to ``xml_text`` (the body)."""
    want, got = squash(xml_text), squash(out_text)
    lost = Counter(want) - Counter(got)
    order = None
    if in_order and want:
        sm = difflib.SequenceMatcher(None, want, got, autojunk=False)
        order = sum(b.size for b in sm.get_matching_blocks()) / len(want)
    return Fidelity(len(want), tuple(lost.most_common()), order)


def pdf_fidelity(doc: etree._Element, pdf: Path, *, in_order: bool = False) -> Fidelity:
    """Fidelity of a rendered PDF to its canonical document."""
    from .render.pdf import pdf_text

    return compare(body_text(doc), pdf_text(pdf), in_order=in_order)
