#!/usr/bin/env python3
"""Our extractor beside trafilatura on the same pages: the shared scorer's totals for
both, and the extraction time per page from the same run (median of N rounds).

trafilatura is a benchmark dependency only (``pip install trafilatura`` in your
venv, or ``pip install -e '.[bench]'``); the script says so and stops if it is missing.

trafilatura's XML (<doc title date><main><head/p/table/list>) is mapped onto the
element names the scorer reads (meta/title, published-date; body/section/heading,
p, table/row/cell), so both are scored by the same code against the same gold.

Usage:
    python bench/compare_trafilatura.py ../shared/corpus [tests/pages ...] [--rounds 5] [--json]
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lxml import etree

from pipeline.canonical import serialize
from pipeline.errors import ConversionError
from pipeline.extract import extract
from pipeline.extract.dates import parse_date

HERE = Path(__file__).resolve().parent
SCORER = HERE.parent / ".." / "shared" / "tools" / "score_extraction.py"


def load_scorer(path: Path):
    spec = importlib.util.spec_from_file_location("score_extraction", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def trafilatura_to_xml(out: str | None) -> bytes:
    """trafilatura's XML output -> the element names the scorer reads."""
    doc = etree.Element("document")
    meta = etree.SubElement(doc, "meta")
    body_out = etree.SubElement(doc, "body")
    if not out:
        return etree.tostring(doc)
    src = etree.fromstring(out.encode("utf-8"))
    if src.get("title"):
        etree.SubElement(meta, "title").text = src.get("title")
    d = parse_date(src.get("date") or "")
    if d:
        etree.SubElement(meta, "published-date").text = d.iso
    main = src.find("main")
    if main is None:
        return etree.tostring(doc)
    for el in main:
        tag = el.tag
        if tag == "head":
            rend = el.get("rend") or "h1"
            level = min(4, max(1, int(rend[1]) if rend[1:].isdigit() else 1))
            sec = etree.SubElement(body_out, "section", level=str(level))
            etree.SubElement(sec, "heading").text = "".join(el.itertext())
        elif tag == "table":
            t = etree.SubElement(body_out, "table")
            for row in el.iter("row"):
                r = etree.SubElement(t, "row")
                for cell in row.iter("cell"):
                    c = etree.SubElement(r, "cell")
                    c.text = "".join(cell.itertext())
                    if cell.get("span"):
                        c.set("colspan", cell.get("span"))
        elif tag == "list":
            for item in el.iter("item"):
                etree.SubElement(body_out, "p").text = "".join(item.itertext())
        else:
            etree.SubElement(body_out, "p").text = "".join(el.itertext())
    return etree.tostring(doc)


def total_line(mod, rows: list[dict]) -> dict:
    t: dict[str, int] = {}
    for s in rows:
        for k, v in s.items():
            if isinstance(v, int):
                t[k] = t.get(k, 0) + v
        t["leak_n"] = t.get("leak_n", 0) + len(s["leak"])
    r = mod.ratio
    p, rc = r(t.get("chars_common", 0), t.get("chars_sys", 0)), r(t.get("chars_common", 0), t.get("chars_gold", 0))
    return {"meta": r(t.get("meta_ok", 0), t.get("meta_total", 0)), "textP": p, "textR": rc,
            "F1": 2 * p * rc / (p + rc) if p + rc else 0.0, "leak": t.get("leak_n", 0),
            "heads": r(t.get("heads_ok", 0), t.get("heads_total", 0)),
            "cells": r(t.get("cells_ok", 0), t.get("cells_total", 0)),
            "sign": r(t.get("sig_ok", 0), t.get("sig_total", 0))}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folders", nargs="+", type=Path)
    ap.add_argument("--rounds", type=int, default=5, help="timing rounds per page (median taken)")
    ap.add_argument("--scorer", type=Path, default=SCORER)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    try:
        import trafilatura
    except ImportError:
        print("trafilatura is not installed in this environment: `pip install trafilatura` "
              "(or `pip install -e '.[bench]'`) and run again. Nothing was compared.", file=sys.stderr)
        return 2
    if not args.scorer.exists():
        print(f"scorer not found at {args.scorer}", file=sys.stderr)
        return 2
    mod = load_scorer(args.scorer)
    pairs = []
    for folder in args.folders:
        for gold in sorted(folder.glob("*.gold.json")):
            stem = gold.name[: -len(".gold.json")]
            page = next((p for p in folder.glob(stem + ".*") if not p.name.endswith(".gold.json")), None)
            if page:
                pairs.append((page, gold))
    extract(pairs[0][0].read_bytes(), name=pairs[0][0].name)      # warm both up: per-process costs
    trafilatura.extract(pairs[0][0].read_bytes(), output_format="xml", include_tables=True, with_metadata=True)

    ours_rows, traf_rows, per_page = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        tmpd = Path(tmp)
        for page, gold_path in pairs:
            data = page.read_bytes()
            gold = json.loads(gold_path.read_text(encoding="utf-8"))
            t_ours, t_traf = [], []
            doc = traf = None
            for _ in range(args.rounds):
                t0 = time.perf_counter()
                try:
                    doc = extract(data, name=page.name)
                except ConversionError:
                    doc = None
                t_ours.append((time.perf_counter() - t0) * 1000)
                t0 = time.perf_counter()
                traf = trafilatura.extract(data, output_format="xml", include_tables=True,
                                           include_links=False, with_metadata=True)
                t_traf.append((time.perf_counter() - t0) * 1000)
            ours_xml = tmpd / f"{page.stem}.ours.xml"
            ours_xml.write_bytes(serialize(doc) if doc is not None else b"<document/>")
            traf_xml = tmpd / f"{page.stem}.traf.xml"
            traf_xml.write_bytes(trafilatura_to_xml(traf))
            so = mod.score_page(gold, mod.read_system(ours_xml))
            st = mod.score_page(gold, mod.read_system(traf_xml))
            ours_rows.append(so)
            traf_rows.append(st)
            per_page.append({"page": page.stem, "ours_ms": statistics.median(t_ours),
                             "trafilatura_ms": statistics.median(t_traf),
                             "ours": total_line(mod, [so]), "trafilatura": total_line(mod, [st])})
    ours_t, traf_t = total_line(mod, ours_rows), total_line(mod, traf_rows)
    med_o = statistics.median(p["ours_ms"] for p in per_page)
    med_t = statistics.median(p["trafilatura_ms"] for p in per_page)
    if args.json:
        print(json.dumps({"pages": per_page, "ours": ours_t, "trafilatura": traf_t,
                          "median_ms": {"ours": med_o, "trafilatura": med_t}}, ensure_ascii=False, indent=1))
        return 0
    print(f"{'page':32} {'ours ms':>8} {'traf ms':>8}   ours meta/F1/leak/heads   traf meta/F1/leak/heads")
    for p in per_page:
        o, t = p["ours"], p["trafilatura"]
        print(f"{p['page'][:32]:32} {p['ours_ms']:8.1f} {p['trafilatura_ms']:8.1f}   "
              f"{o['meta']:.2f}/{o['F1']:.3f}/{o['leak']}/{o['heads']:.2f}          "
              f"{t['meta']:.2f}/{t['F1']:.3f}/{t['leak']}/{t['heads']:.2f}")
    cols = ("meta", "textP", "textR", "F1", "leak", "heads", "cells", "sign")
    print()
    print(f"{'TOTAL':12} " + " ".join(f"{c:>6}" for c in cols) + f" {'median ms':>10}")
    for name, t, med in (("ours", ours_t, med_o), ("trafilatura", traf_t, med_t)):
        print(f"{name:12} " + " ".join(f"{t[c]:6d}" if c == "leak" else f"{t[c]:6.3f}" for c in cols)
              + f" {med:10.1f}")
    print(f"\n{len(per_page)} pages, {args.rounds} rounds each; ours is {med_t / med_o:.1f}x faster "
          f"(median per page, trafilatura {trafilatura.__version__}, include_tables=True, with_metadata=True)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
