"""One benchmark stage, run in a fresh process so its peak memory is its own.

    python bench/measure.py STAGE INPUT_DIR [WORK_DIR]

Prints one JSON object: ``{"times_ms": [...per document...], "peak_rss_mb": N, ...}``.
Every stage of ours and of the alternative reads the same inputs: the corpus pages
(and their canonical XML converted once beforehand by run.py).
"""
from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPEAT = 5  # timed calls per document for in-process stages (after one warm-up)


def _rss_mb(who=resource.RUSAGE_SELF) -> float:
    return round(resource.getrusage(who).ru_maxrss / 1024, 1)


def _timed(fn, items, repeat=REPEAT) -> list[float]:
    """Median of ``repeat`` timed calls per item, in ms; one untimed warm-up call first."""
    fn(items[0])
    out = []
    for item in items:
        samples = []
        for _ in range(repeat):
            t = time.perf_counter()
            fn(item)
            samples.append((time.perf_counter() - t) * 1000)
        out.append(statistics.median(samples))
    return out


def pages_of(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in (".html", ".htm", ".shtml"))


def xmls_of(folder: Path) -> list[Path]:
    return sorted(folder.glob("*/document.xml"))


# ------------------------------------------------------------------ extraction

def extract_ours(folder: Path, work: Path) -> dict:
    from pipeline.errors import ConversionError
    from pipeline.extract import extract

    def one(nd):
        try:
            extract(nd[1], name=nd[0])
        except ConversionError:  # a page refused with its reason (tests/pages has an anti-bot page)
            pass

    data = [(p.name, p.read_bytes()) for p in pages_of(folder)]
    times = _timed(one, data)
    return {"times_ms": times, "peak_rss_mb": _rss_mb()}


def extract_trafilatura(folder: Path, work: Path) -> dict:
    import trafilatura

    data = [p.read_bytes() for p in pages_of(folder)]
    times = _timed(lambda d: trafilatura.extract(d, output_format="xml", include_tables=True,
                                                 include_links=True, with_metadata=True), data)
    return {"times_ms": times, "peak_rss_mb": _rss_mb(), "version": trafilatura.__version__}


# ------------------------------------------------------------------ DOCX

def docx_ours(folder: Path, work: Path) -> dict:
    """Whole-process figure: the caller times this process, start-up included."""
    from pipeline import canonical
    from pipeline.render.docx import render_docx

    times = []
    for x in xmls_of(folder):
        t = time.perf_counter()
        doc = canonical.parse(x.read_bytes())
        render_docx(doc, work / f"{x.parent.name}.docx", resource_dir=None)
        times.append((time.perf_counter() - t) * 1000)
    return {"times_ms": times, "peak_rss_mb": _rss_mb()}


def docx_pandoc(folder: Path, work: Path) -> dict:
    """One pandoc process per page, as pandoc is used; pages fed as UTF-8 (pandoc needs it).

    ``<img>``, ``<iframe>``, ``<object>`` and ``<embed>`` are taken out of pandoc's copy:
    pandoc stops with an error on a picture it cannot open (the scraped pages' pictures
    are not saved beside them) and would fetch remote resources from the network
    (pandoc 2.17 has no --sandbox); our renderer draws placeholders."""
    import re

    from pipeline.decode import decode

    img = re.compile(r"<(?:img|embed)\b[^>]*>|<(iframe|object)\b.*?</\1\s*>|<(?:iframe|object)\b[^>]*>",
                     re.I | re.S)
    times = []
    for p in pages_of(folder):
        src = work / f"{p.stem}.utf8.html"
        src.write_text(img.sub("", decode(p.read_bytes()).text), encoding="utf-8")
        t = time.perf_counter()
        subprocess.run(["pandoc", "-f", "html", "-t", "docx", "-o", str(work / f"{p.stem}.docx"),
                        str(src)], check=True, capture_output=True)
        times.append((time.perf_counter() - t) * 1000)
    return {"times_ms": times, "peak_rss_mb": _rss_mb(resource.RUSAGE_CHILDREN),
            "version": subprocess.run(["pandoc", "--version"], capture_output=True,
                                      text=True).stdout.split("\n")[0]}


# ------------------------------------------------------------------ PDF

def pdf_ours(folder: Path, work: Path) -> dict:
    from pipeline import canonical
    from pipeline.render.pdf import render_pdf

    docs = [(x.parent.name, x.read_bytes()) for x in xmls_of(folder)]

    def one(item):
        name, data = item
        render_pdf(canonical.parse(data), data, work / f"{name}.pdf", resource_dir=None)

    return {"times_ms": _timed(one, docs, repeat=3), "peak_rss_mb": _rss_mb()}


def _bare_weasyprint(folder: Path, work: Path, same_options: bool) -> dict:
    """Bare WeasyPrint on the very XHTML and CSS our renderer produces: our overhead isolated.

    The stylesheets and font configuration are our renderer's (built once, as once
    per worker); the XHTML is ours, its lines already chosen (render/lines.py), so
    what the bare run does not pay is the line choosing, the XSLT, the glyph check
    and the PDF/A finish; each document is then one ``HTML(...).write_pdf``.  With
    ``same_options`` WeasyPrint is asked for what we ask of it (PDF/A-3b, tagged, the
    XML attached), so the difference is our code alone: XSLT, glyph check, PDF/A
    repairs and XMP (pikepdf).  Without, WeasyPrint's defaults (a plain PDF)."""
    import weasyprint

    from pipeline import canonical
    from pipeline.render.pdf import _weasy, stylesheets_for
    from pipeline.render.xhtml import to_xhtml

    _, font_config, _ = _weasy()
    docs = []
    for x in xmls_of(folder):
        data = x.read_bytes()
        page = to_xhtml(canonical.parse(data), None)  # the lines already chosen, as ours
        docs.append((x.parent.name, page.tostring().decode(), data, stylesheets_for(page)))

    def one(item):
        name, xhtml, data, sheets = item
        options = {}
        if same_options:
            options = dict(pdf_variant="pdf/a-3b", pdf_tags=True, attachments=[
                weasyprint.Attachment(string=data, name="document.xml", relationship="Data")])
        weasyprint.HTML(string=xhtml).write_pdf(work / f"{name}.bare.pdf", stylesheets=sheets,
                                                font_config=font_config, **options)

    return {"times_ms": _timed(one, docs, repeat=3), "peak_rss_mb": _rss_mb(),
            "version": weasyprint.__version__}


def pdf_weasyprint(folder: Path, work: Path) -> dict:
    return _bare_weasyprint(folder, work, same_options=True)


def pdf_weasyprint_defaults(folder: Path, work: Path) -> dict:
    return _bare_weasyprint(folder, work, same_options=False)


def pdf_libreoffice(folder: Path, work: Path) -> dict:
    """LibreOffice converting our .docx, one soffice call per document, own profile."""
    from pipeline import canonical
    from pipeline.render.docx import render_docx

    profile = Path(tempfile.mkdtemp(prefix="lo-profile-"))
    env = dict(os.environ)
    times = []
    try:
        for x in xmls_of(folder):
            d = work / f"{x.parent.name}.docx"
            render_docx(canonical.parse(x.read_bytes()), d, resource_dir=None)
            t = time.perf_counter()
            subprocess.run(["soffice", "--headless", "--norestore",
                            f"-env:UserInstallation=file://{profile}", "--convert-to", "pdf",
                            "--outdir", str(work), str(d)], check=True, capture_output=True,
                           env=env, timeout=300)
            times.append((time.perf_counter() - t) * 1000)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return {"times_ms": times, "peak_rss_mb": _rss_mb(resource.RUSAGE_CHILDREN)}


STAGES = {f.__name__: f for f in (extract_ours, extract_trafilatura, docx_ours, docx_pandoc,
                                  pdf_ours, pdf_weasyprint, pdf_weasyprint_defaults,
                                  pdf_libreoffice)}

if __name__ == "__main__":
    stage, folder = sys.argv[1], Path(sys.argv[2])
    work = Path(sys.argv[3]) if len(sys.argv) > 3 else Path(tempfile.mkdtemp(prefix="bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(json.dumps(STAGES[stage](folder, work)))
