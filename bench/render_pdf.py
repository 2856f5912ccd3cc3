#!/usr/bin/env python3
"""Render time per page and peak memory of the PDF edition over the corpus.

    .venv/bin/python bench/render_pdf.py [--repeat N] [CORPUS_DIR]

Each corpus document is built from its gold file (tests/support/gold_xml.py) and
rendered N times in one process, as a batch worker would: the first render of the
process pays for WeasyPrint's import, font configuration and stylesheet parsing
(shown separately), the rest show the steady per-document cost.  Memory is the
process's peak resident set (ru_maxrss) after each document.
"""
from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", nargs="?", default=str(ROOT.parent / "shared" / "corpus"))
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args(argv)

    import pikepdf

    from pipeline.canonical import serialize
    from tests.support.gold_xml import gold_document

    rss0 = maxrss_mb()
    t0 = time.perf_counter()
    from pipeline.render.pdf import _weasy, render_pdf
    _weasy()
    setup = time.perf_counter() - t0
    print(f"set-up (import WeasyPrint, fonts, CSS): {setup:.2f} s, ru_maxrss {rss0:.0f} -> {maxrss_mb():.0f} MB")
    print()
    print(f"{'document':34} {'pages':>5} {'first s':>8} {'warm s':>7} {'s/page':>7} {'KB':>6} {'maxrss MB':>9}")
    golds = sorted(Path(a.corpus).glob("*.gold.json"))
    total_pages, total_warm = 0, 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for g in golds:
            doc = gold_document(g)
            data = serialize(doc)
            out = Path(tmp) / "out.pdf"
            times = []
            for _ in range(max(1, a.repeat)):
                t = time.perf_counter()
                render_pdf(doc, data, out, resource_dir=g.parent)
                times.append(time.perf_counter() - t)
            with pikepdf.open(out) as pdf:
                pages = len(pdf.pages)
            warm = statistics.median(times[1:]) if len(times) > 1 else times[0]
            total_pages += pages
            total_warm += warm
            name = g.name.removesuffix(".gold.json")[:34]
            print(f"{name:34} {pages:5d} {times[0]:8.2f} {warm:7.2f} {warm / pages:7.3f} "
                  f"{out.stat().st_size / 1024:6.0f} {maxrss_mb():9.0f}")
    print()
    print(f"corpus: {len(golds)} documents, {total_pages} pages, warm {total_warm:.2f} s "
          f"= {total_warm / max(total_pages, 1):.3f} s/page; peak ru_maxrss {maxrss_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
