#!/usr/bin/env python3
"""Measure the Word edition of every corpus page, the way a reviewer would.

    .venv/bin/python scripts/measure_docx.py [OUT_DIR] [--corpus DIR] [--tools DIR]
    .venv/bin/python scripts/measure_docx.py OUT_DIR --batch BATCH_DIR

For each ``*.gold.json`` in the corpus: build the canonical XML (tests/support/
gold_xml.py), render the .docx, run ``check_docx.py`` on it, convert it with
LibreOffice (private fonts.conf, own profile) and run ``check_pdf.py`` on that
PDF.  With ``--batch``, measure instead the editions a ``govdoc convert`` run
wrote (its manifest.json lists them): document.docx against document.xml.  Prints one table row per page; all files stay in OUT_DIR.  PDF/A marks
and the attached XML are not expected from LibreOffice, so those verdict items
are listed separately.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.canonical import parse, serialize  # noqa: E402
from pipeline.fidelity import pdf_fidelity  # noqa: E402
from pipeline.render.docx import render_docx  # noqa: E402
from pipeline.render.libreoffice import docx_to_pdf  # noqa: E402
from tests.support.gold_xml import gold_document  # noqa: E402

NOT_FROM_LIBREOFFICE = ("no PDF/A identification", "no OutputIntent", "canonical XML not attached")


def run_tool(tool: Path, *args: str) -> tuple[dict, str]:
    r = subprocess.run([sys.executable, str(tool), *args, "--json"], capture_output=True, text=True)
    lines = r.stdout.splitlines()
    verdict = lines[-1] if lines else r.stderr.strip()
    return json.loads("\n".join(lines[:-1])), verdict


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", nargs="?", type=Path)
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    ap.add_argument("--tools", type=Path, default=ROOT.parent / "shared" / "tools")
    ap.add_argument("--batch", type=Path, help="a govdoc convert output folder")
    a = ap.parse_args()
    out = a.out or Path(tempfile.mkdtemp(prefix="govdoc-docx-"))
    out.mkdir(parents=True, exist_ok=True)
    print(f"outputs in {out}")
    print("| page | check_docx | pages | A4 | top mm | left mm | lines/full page | chars/full line "
          "| pitch pt | folios | fidelity in order (multiset) | layout verdict |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, doc, xml, docx in documents(a, out):
        _, dverdict = run_tool(a.tools / "check_docx.py", str(docx), "--xml", str(xml))
        pdf = docx_to_pdf(docx, out / "pdf")
        m, pverdict = run_tool(a.tools / "check_pdf.py", str(pdf), "--xml", str(xml))
        multiset = pdf_fidelity(doc, pdf)
        short = [s for s in pverdict.removeprefix("PDF SHORT: ").split("; ")
                 if pverdict.startswith("PDF SHORT") and not s.startswith(NOT_FROM_LIBREOFFICE)]
        folios = " ".join(f"{f['number']}{f['side'][0]}" for f in m["folios"])
        print(f"| {name} | {dverdict} | {m['pages']} | {m['page_mm'] == [210.0, 297.0]} "
              f"| {m['top_mm']} | {m['left_mm']} | {m['lines_per_full_page']} "
              f"| {m['chars_per_full_line']} | {m['line_pitch_pt']} | {folios} "
              f"| {m.get('fidelity')} ({multiset.ratio:.4f}) | {'; '.join(short) or 'OK'} |")
    return 0


def documents(a, out: Path):
    """(name, canonical doc, XML path, .docx path) for each page to measure."""
    if a.batch:
        manifest = json.loads((a.batch / "manifest.json").read_text(encoding="utf-8"))
        for d in sorted(manifest["documents"], key=lambda d: d["input"]):
            if d["status"] != "ok" or "docx" not in d["outputs"]:
                continue
            xml = a.batch / d["outputs"]["xml"]
            docx = out / (Path(d["input"]).stem + ".docx")
            docx.write_bytes((a.batch / d["outputs"]["docx"]).read_bytes())
            yield Path(d["input"]).stem, parse(xml.read_bytes()), xml, docx
        return
    for gold in sorted(a.corpus.glob("*.gold.json")):
        name = gold.name.split(".")[0]
        doc = gold_document(gold)
        xml = out / f"{name}.xml"
        xml.write_bytes(serialize(doc))
        docx = out / f"{name}.docx"
        render_docx(doc, docx)
        yield name, doc, xml, docx


if __name__ == "__main__":
    sys.exit(main())
