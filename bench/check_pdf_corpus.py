#!/usr/bin/env python3
"""Render every corpus document and measure it: shared check_pdf.py, pikepdf PDF/A.

    .venv/bin/python bench/check_pdf_corpus.py [OUT_DIR]

Documents are built from the gold files (as tests/pdf_support.py does, until the
extractor lands).  OUT_DIR keeps NAME.pdf and NAME.xml so that any figure can be
re-measured by hand:  python ../shared/tools/check_pdf.py OUT/a01.pdf --xml OUT/a01.xml
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(argv: list[str]) -> int:
    import pikepdf.pdfa

    from pipeline.fidelity import pdf_fidelity
    from tests.pdf_support import Rendered, corpus_golds, load_checker

    out = Path(argv[0]) if argv else Path(tempfile.mkdtemp(prefix="pdf-corpus-"))
    out.mkdir(parents=True, exist_ok=True)
    cp = load_checker()
    print(f"{'doc':4} {'pages':>5} {'top':>5} {'left':>4} {'pitch':>5} {'lines':>5} {'chars':>5} "
          f"{'folios':>6} {'pdfa':>4} {'fid.':>6} {'fid.(ours)':>10} {'pikepdf':>8}  check_pdf verdict")
    ok = 0
    for gold in corpus_golds():
        r = Rendered(gold, out)
        m = cp.measure(str(r.pdf), str(r.xml))
        short = cp.verdict(m)
        report = pikepdf.pdfa.validate_written(r.pdf, "3b")
        ours = pdf_fidelity(r.doc, r.pdf)
        folios = "ok" if all((f["side"] == "right") == bool(f["number"] % 2) for f in m["folios"]) \
            and len(m["folios"]) == m["pages"] else "BAD"
        ok += not short
        print(f"{r.pdf.stem:4} {m['pages']:5d} {m['top_mm']:5} {m['left_mm']:4} {m['line_pitch_pt']:5} "
              f"{m['lines_per_full_page']!s:>5} {m['chars_per_full_line']!s:>5} {folios:>6} "
              f"{m['pdfaid']:>4} {m['fidelity']:6} {ours.ratio:10.4f} {report.verdict:>8}  "
              + ("PDF OK" if not short else "SHORT: " + "; ".join(short))
              + (f"  [{len(r.warnings)} warning(s)]" if r.warnings else ""))
    print(f"\n{ok}/{len(corpus_golds())} PDF OK; files in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
