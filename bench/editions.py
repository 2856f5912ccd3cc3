#!/usr/bin/env python3
"""Issue 15's must-show, measured on any folder of pages through the command line.

    .venv/bin/python bench/editions.py INPUT [INPUT ...] [-o OUT] [--jobs 2] [--json FILE]

Each INPUT (a folder of pages, or one page/XML file) is converted with ``govdoc
convert`` into OUT/<input name>/; every record's .docx is rendered by LibreOffice
(``pipeline/render/libreoffice.py``, as the tests do), and then, per document:

* ``check_pdf.py document.pdf --xml document.xml --strict`` on the PDF edition,
* ``check_pdf.py LO.pdf --xml document.xml --layout --strict`` on LibreOffice's PDF,
* ``compare_editions.py document.pdf LO.pdf``: page counts and lines identical.

Strict faults the source text explains (its own half-width punctuation and spaces,
counted in the canonical XML: ``tests/pdf_support.source_held``; gaps of one em,
full-width spaces) are listed apart from the renderer's, and so are the checker's
misreadings, each with what the page holds (``tests/pdf_support.misreadings``).  Every figure can be re-measured by hand on the files kept in
OUT (the LibreOffice PDFs are OUT/<input>/<record>/lo/document.pdf).
"""
from __future__ import annotations

import argparse
import concurrent.futures as cf
import importlib.util
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TOOLS = (ROOT / ".." / "shared" / "tools").resolve()


def _tool(name: str):
    spec = importlib.util.spec_from_file_location(name, TOOLS / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def convert(src: Path, out: Path, jobs: int) -> list[tuple[str, Path]]:
    """``govdoc convert`` of ``src``'s pages into ``out``, and each canonical XML
    document (tests/pages/t04, t05) rendered as it stands: (source name, folder) pairs."""
    govdoc = Path(sys.executable).with_name("govdoc")
    subprocess.run([str(govdoc), "convert", str(src), "-o", str(out), "--jobs", str(jobs)],
                   check=False, capture_output=True, text=True)
    found = [(x.name, render_canonical(x, out / x.stem))
             for x in ([src] if src.is_file() else sorted(src.glob("*.xml"))) if x.suffix == ".xml"]
    manifest = out / "manifest.json"
    docs = json.loads(manifest.read_text(encoding="utf-8"))["documents"] if manifest.is_file() else []
    for d in docs:
        rec = out / d["id"]
        if (rec / "document.pdf").is_file() and (rec / "document.docx").is_file():
            found.append((Path(d["input"]).name, rec))
    return sorted(found)


def render_canonical(xml: Path, folder: Path) -> Path:
    """Both editions of a canonical XML document, as ``convert`` writes them."""
    from pipeline.canonical import parse
    from pipeline.render.docx import render_docx
    from pipeline.render.pdf import render_pdf

    folder.mkdir(parents=True, exist_ok=True)
    data = xml.read_bytes()
    (folder / "document.xml").write_bytes(data)
    doc = parse(data)
    render_pdf(doc, data, folder / "document.pdf", resource_dir=xml.parent)
    render_docx(doc, folder / "document.docx", resource_dir=xml.parent)
    return folder


def _lo(rec: Path) -> Path:
    from pipeline.render.libreoffice import docx_to_pdf

    return docx_to_pdf(rec / "document.docx", rec / "lo")


def measure(name: str, rec: Path, cp, ce) -> dict:
    from lxml import etree

    from tests.pdf_support import misreadings, strict_faults

    doc = etree.parse(str(rec / "document.xml")).getroot()
    xml = str(rec / "document.xml")

    def faults(pdf: Path, archival: bool) -> tuple[list[str], list[str], list[str]]:
        """(what falls short, --strict included, that neither the source's text nor a
        measured misreading explains; what the source's own text explains; the
        misreadings, with their evidence)."""
        m = cp.measure(str(pdf), xml)
        ours, notes = misreadings(m, pdf)
        mine = cp.verdict(ours, archival=archival) + strict_faults(cp, ours, doc, pdf=pdf)
        raw = cp.verdict(m, strict=True, archival=archival)
        explained = [f for f in cp.verdict(ours, strict=True, archival=archival) if f not in mine]
        return mine, explained, notes if raw != mine else []

    lo_pdf = rec / "lo" / "document.pdf"
    cmp = ce.compare(str(rec / "document.pdf"), str(lo_pdf))
    pdf_faults, pdf_source, pdf_misread = faults(rec / "document.pdf", True)
    lo_faults, lo_source, lo_misread = faults(lo_pdf, False)
    lines = sum(max(p["lines"]) for p in cmp["per_page"])
    return {
        "document": name, "record": str(rec),
        "pdf_faults": pdf_faults, "pdf_source": pdf_source, "lo_faults": lo_faults, "lo_source": lo_source,
        "misread": sorted(set(pdf_misread + lo_misread)),
        "pages": cmp["pages"], "identical": cmp["identical_share"], "aligned": cmp["aligned_share"],
        "lines": lines, "identical_lines": sum(p["identical"] for p in cmp["per_page"]),
        "editions_differ": ce.verdict(cmp),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("inputs", nargs="+", type=Path)
    ap.add_argument("-o", "--out", type=Path, default=None, help="where the records are kept (a new temporary folder)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--json", type=Path, default=None, help="write every figure here")
    a = ap.parse_args(argv)
    cp, ce = _tool("check_pdf"), _tool("compare_editions")
    out = a.out or Path(tempfile.mkdtemp(prefix="govdoc-editions-"))
    rows: list[dict] = []
    for src in a.inputs:
        recs = convert(src, out / src.resolve().name, a.jobs)
        with cf.ThreadPoolExecutor(a.jobs) as pool:
            for rec, fut in [(r, pool.submit(_lo, r)) for _, r in recs]:
                fut.result()
        rows += [measure(name, rec, cp, ce) for name, rec in recs]
    ok = True
    print(f"{'document':46} {'pages':>7} {'same':>5} {'algn':>5}  PDF --strict / LibreOffice --layout --strict")
    for r in rows:
        good = not r["pdf_faults"] and not r["lo_faults"] and r["pages"][0] == r["pages"][1] \
            and r["identical"] >= 0.9
        ok &= good
        print(f"{r['document'][:46]:46} {r['pages'][0]:>3}/{r['pages'][1]:<3} {r['identical']:>5.0%} "
              f"{r['aligned']:>5.0%}  {'; '.join(r['pdf_faults']) or 'ok'} / {'; '.join(r['lo_faults']) or 'ok'}")
        if r["pdf_source"] or r["lo_source"]:
            print(f"{'':62}(the source's own, or full-width spaces: {'; '.join(sorted(set(r['pdf_source'] + r['lo_source'])))[:120]})")
        for note in r["misread"]:
            print(f"{'':62}(check_pdf misreads: {note[:140]})")
    same = sum(r["identical_lines"] for r in rows)
    total = sum(r["lines"] for r in rows)
    print(f"{len(rows)} documents, {sum(r['pages'][0] == r['pages'][1] for r in rows)} with the same page count, "
          f"{same}/{total} lines identical ({same / max(total, 1):.1%}); records in {out}")
    if a.json:
        a.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
