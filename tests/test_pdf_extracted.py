"""The PDF edition of the real extractor's output for every corpus page (slow)."""
from __future__ import annotations

import pikepdf.pdfa
import pytest

from tests.pdf_support import PT_PER_MM, corpus_golds, extracted, gold_id, load_checker, measure_pages

pytestmark = pytest.mark.slow
DOCS = [gold_id(g) for g in corpus_golds()] or ["a01"]


@pytest.mark.parametrize("doc_id", DOCS)
def test_extracted_page_renders_to_valid_gbt9704_pdfa(doc_id):
    from pipeline.fidelity import pdf_fidelity

    r = extracted(doc_id)
    assert pikepdf.pdfa.validate_written(r.pdf, "3b").passed
    f = pdf_fidelity(r.doc, r.pdf)
    assert f.ok, f.summary()
    pages = measure_pages(r.pdf)
    for n, p in enumerate(pages, 1):
        assert p["folio"] is not None and p["folio"]["text"].replace(" ", "").replace("\u00a0", "") == f"—{n}—"
        for ln in p["lines"]:
            if ln["size"] == 16:
                s = (ln["baseline"] - 22.5 - 37 * PT_PER_MM) / 28.95
                assert abs(s - round(s)) < 0.1 and 0 <= round(s) <= 21, ln["text"][:20]
    with pikepdf.open(r.pdf) as pdf:
        assert pdf.attachments["document.xml"].get_file().read_bytes() == r.xml_bytes


@pytest.mark.parametrize("doc_id", DOCS)
def test_extracted_page_shared_checker(doc_id):
    """check_pdf.py --strict on the real extractor's output: nothing short but what
    the page's own text holds (see test_pdf_layout.test_shared_checker_strict)."""
    from tests.pdf_support import strict_verdict

    r = extracted(doc_id)
    short, notes = strict_verdict(load_checker(), r.pdf, r.xml, r.doc)
    assert short == [], (short, notes)
