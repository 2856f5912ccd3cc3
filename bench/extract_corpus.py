#!/usr/bin/env python3
"""Run the extractor over a folder of saved pages and write the batch layout the
scorer reads (until ``govdoc convert --formats xml`` does the same):

    OUT/manifest.json               {"documents": [{"input": PATH, "outputs": {"xml": "<id>/document.xml"}}]}
    OUT/<id>/document.xml

Usage:  python bench/extract_corpus.py ../shared/corpus OUT
        python ../shared/tools/score_extraction.py ../shared/corpus OUT
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from pipeline.canonical import serialize
from pipeline.errors import ConversionError
from pipeline.extract import extract


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", type=Path)
    ap.add_argument("out", type=Path)
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    docs, failed = [], 0
    pages = sorted(p for p in args.folder.iterdir() if p.suffix.lower() in (".html", ".htm", ".shtml"))
    for page in pages:
        doc_id = page.stem
        t0 = time.perf_counter()
        try:
            doc = extract(page.read_bytes(), name=page.name)
        except ConversionError as exc:
            failed += 1
            print(f"{page.name}: {type(exc).__name__}: {exc}", file=sys.stderr)
            docs.append({"input": str(page), "outputs": {}, "error": str(exc)})
            continue
        ms = (time.perf_counter() - t0) * 1000
        (args.out / doc_id).mkdir(exist_ok=True)
        (args.out / doc_id / "document.xml").write_bytes(serialize(doc))
        docs.append({"input": str(page), "outputs": {"xml": f"{doc_id}/document.xml"}, "ms": round(ms, 2)})
    (args.out / "manifest.json").write_text(json.dumps({"documents": docs}, ensure_ascii=False, indent=1),
                                            encoding="utf-8")
    print(f"{len(pages) - failed}/{len(pages)} pages extracted into {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
