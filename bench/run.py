"""Benchmarks against the tools users would otherwise pick, all in one run.

    python bench/run.py [--batch 100] [--pages 5000] [--checkpoint 1000] [--records 30000]
                        [--warc-pages 1000] [--warc-formats xml,pdf,docx] [--skip STAGE,...]

Writes bench/results.md (also printed) and bench/results.json.  Ratios are
theirs / ours from the same run on the same inputs, so above 1 means we are faster.

Stages (each measured in a fresh process, so its peak memory is its own):
  extraction          ours vs trafilatura, same page bytes, in-process, median per page
  docx                ours from the canonical XML (one process for all documents,
                      start-up included) vs `pandoc -f html -t docx` (one process per page)
  pdf_vs_weasyprint   ours vs bare WeasyPrint on the same XHTML and CSS with the same
                      options (PDF/A-3b, tagged, XML attached): our own overhead; and
                      (pdf_vs_weasyprint_defaults) vs WeasyPrint's plain-PDF defaults
  pdf_vs_libreoffice  ours vs `soffice --convert-to pdf` of our .docx (one call per document)
  pipeline            `govdoc convert` of a generated batch with --jobs 1 and --jobs 2,
                      then the same command again with nothing changed
  scale               `govdoc convert --jobs 2` of --pages generated pages, watched: peak
                      RSS per worker at --checkpoint pages and at the end, ms per page, the
                      unchanged re-run, index.html's size and its load time in headless
                      Chromium; then a --records report (vs the same on one page)
                      (bench/scale.py)
  warc                a --warc-pages WARC (warcio; revisits, a 404, a picture) converted
                      with --jobs 2 beside the same pages as loose files: ms per page,
                      peak RSS per worker at --warc-checkpoint and at the end, the
                      parent's peak RSS (it reads the archive once), the re-run
                      (bench/warc.py)
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import os
import time
from pathlib import Path

import scale
import warc
from scale import generate_batch

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CORPUS = (ROOT / ".." / "shared" / "corpus").resolve()
OWN_PAGES = ROOT / "tests" / "pages"
WORK = HERE / "work"
PY = sys.executable
GOVDOC = str(Path(PY).with_name("govdoc"))


def stage(name: str, folder: Path, work: Path) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    r = subprocess.run([PY, str(HERE / "measure.py"), name, str(folder), str(work)],
                       capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - t
    if r.returncode != 0:
        raise RuntimeError(f"{name} failed:\n{r.stderr[-2000:]}")
    out = json.loads(r.stdout.strip().splitlines()[-1])
    out["process_wall_ms"] = wall * 1000
    return out


def median(xs: list[float]) -> float:
    return round(statistics.median(xs), 2) if xs else float("nan")


def pair(ours_ms: float, theirs_ms: float, **extra) -> dict:
    return {"ours_ms": round(ours_ms, 2), "theirs_ms": round(theirs_ms, 2),
            "ratio": round(theirs_ms / ours_ms, 2) if ours_ms else None, **extra}


def collect_pages(dest: Path) -> Path:
    """The corpus pages and our own test pages, side by side in one folder."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for src in (CORPUS, OWN_PAGES):
        if src.is_dir():
            for p in sorted(src.glob("*.htm*")):
                shutil.copy(p, dest / p.name)
    return dest


def convert(inputs: Path, out: Path, *args: str) -> tuple[float, dict]:
    t = time.perf_counter()
    r = subprocess.run([GOVDOC, "convert", str(inputs), "-o", str(out), "-q", "--json", *args],
                       capture_output=True, text=True)
    wall = time.perf_counter() - t
    if r.returncode not in (0, 1):
        raise RuntimeError(f"govdoc convert failed: {r.stderr[-2000:]}")
    return wall, json.loads(r.stdout)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batch", type=int, default=100, help="pages in the --jobs 1/2 batch")
    ap.add_argument("--pages", type=int, default=5000, help="pages in the scale stage's batch")
    ap.add_argument("--checkpoint", type=int, default=1000,
                    help="pages done when the scale stage's first RSS figure is read")
    ap.add_argument("--records", type=int, default=30000,
                    help="records in the generated report of the scale stage (0: none)")
    ap.add_argument("--warc-pages", type=int, default=1000,
                    help="pages in the warc stage's web archive (and as loose files)")
    ap.add_argument("--warc-checkpoint", type=int, default=200,
                    help="pages done when the warc stage's first RSS figure is read")
    ap.add_argument("--warc-formats", default="xml,pdf,docx",
                    help="the editions the warc stage makes (xml alone: the reading and "
                         "extraction costs without the layout)")
    ap.add_argument("--warc-first", action="store_true",
                    help="in the warc stage, convert the archive before the loose files")
    ap.add_argument("--skip", default="", help="stages to skip, comma-separated")
    a = ap.parse_args()
    skip = set(filter(None, a.skip.split(",")))
    WORK.mkdir(exist_ok=True)
    pages = collect_pages(WORK / "pages")
    xml_out = WORK / "xml"
    shutil.rmtree(xml_out, ignore_errors=True)
    convert(pages, xml_out, "--formats", "xml")
    n_pages = len(list(pages.iterdir()))
    results: dict = {"pages": n_pages, "load_average_start": os.getloadavg()}
    rows: list[tuple[str, str, str, str, str]] = []

    def row(label: str, figures: dict) -> None:
        rows.append((label, f"{figures['ours_ms']:.1f}", f"{figures['theirs_ms']:.1f}",
                     f"{figures['ratio']:.2f}×",
                     f"{figures['ours_peak_rss_mb']:.0f} / {figures['theirs_peak_rss_mb']:.0f}"))

    if "extraction" not in skip:
        o, t = stage("extract_ours", pages, WORK / "e1"), stage("extract_trafilatura", pages, WORK / "e2")
        results["extraction"] = pair(median(o["times_ms"]), median(t["times_ms"]),
                                     ours_peak_rss_mb=o["peak_rss_mb"], theirs_peak_rss_mb=t["peak_rss_mb"],
                                     theirs=f"trafilatura {t.get('version', '')}")
        row("extraction (vs trafilatura)", results["extraction"])
    if "docx" not in skip:
        # Each tool as it is used: one pandoc process per page (it has no batch mode),
        # one govdoc process for all the documents, its start-up shared among them.
        # Measured on the corpus pages and on the generated batch (the same pages,
        # each copy's bytes unique), where the start-up weighs as in real batches.
        gen = generate_batch(pages, WORK / "docx-batch", a.batch)
        gen_xml = WORK / "docx-batch-xml"
        shutil.rmtree(gen_xml, ignore_errors=True)
        convert(gen, gen_xml, "--formats", "xml")
        figures = {}
        for label, page_dir, xml_dir in (("corpus", pages, xml_out), ("batch", gen, gen_xml)):
            o = stage("docx_ours", xml_dir, WORK / f"d1-{label}")
            t = stage("docx_pandoc", page_dir, WORK / f"d2-{label}")
            n = len(o["times_ms"])
            figures[label] = pair(o["process_wall_ms"] / n, median(t["times_ms"]), documents=n,
                                  ours_in_process_ms=median(o["times_ms"]),
                                  ours_peak_rss_mb=o["peak_rss_mb"], theirs_peak_rss_mb=t["peak_rss_mb"],
                                  theirs=t.get("version", "pandoc"))
        results["docx"] = dict(figures["batch"], corpus=figures["corpus"])
        row(f"DOCX (vs pandoc, process start incl.), {figures['corpus']['documents']} corpus pages",
            figures["corpus"])
        row(f"DOCX (vs pandoc, process start incl.), {figures['batch']['documents']}-page batch",
            figures["batch"])
    if "pdf" not in skip:
        o = stage("pdf_ours", xml_out, WORK / "p1")
        w = stage("pdf_weasyprint", xml_out, WORK / "p2")
        d = stage("pdf_weasyprint_defaults", xml_out, WORK / "p2d")
        results["pdf_vs_weasyprint"] = pair(median(o["times_ms"]), median(w["times_ms"]),
                                            ours_peak_rss_mb=o["peak_rss_mb"], theirs_peak_rss_mb=w["peak_rss_mb"],
                                            theirs="WeasyPrint, same XHTML+CSS, same options "
                                                   "(PDF/A-3b, tagged, XML attached)")
        results["pdf_vs_weasyprint_defaults"] = pair(
            median(o["times_ms"]), median(d["times_ms"]), ours_peak_rss_mb=o["peak_rss_mb"],
            theirs_peak_rss_mb=d["peak_rss_mb"],
            theirs="WeasyPrint, same XHTML+CSS, default options (plain PDF, no tags, no attachment)")
        row("PDF (vs bare WeasyPrint: same XHTML+CSS, same PDF/A-3b+tags+attachment)",
            results["pdf_vs_weasyprint"])
        row("PDF (vs bare WeasyPrint: same XHTML+CSS, plain PDF)", results["pdf_vs_weasyprint_defaults"])
        if shutil.which("soffice") and "libreoffice" not in skip:
            lo = stage("pdf_libreoffice", xml_out, WORK / "p3")
            results["pdf_vs_libreoffice"] = pair(median(o["times_ms"]), median(lo["times_ms"]),
                                                 ours_peak_rss_mb=o["peak_rss_mb"],
                                                 theirs_peak_rss_mb=lo["peak_rss_mb"])
            row("PDF (vs LibreOffice from our DOCX)", results["pdf_vs_libreoffice"])
    if "pipeline" not in skip:
        batch = generate_batch(pages, WORK / "batch", a.batch)
        t1, s1 = convert(batch, WORK / "out-j1", "--jobs", "1", "--force")
        t2, s2 = convert(batch, WORK / "out-j2", "--jobs", "2", "--force")
        t3, s3 = convert(batch, WORK / "out-j2", "--jobs", "2")
        results["pipeline"] = {"documents": a.batch, "jobs1_s": round(t1, 2), "jobs2_s": round(t2, 2),
                               "rerun_s": round(t3, 2), "jobs1_ms_per_doc": round(t1 * 1000 / a.batch, 1),
                               "failed": s2["failed"], "rerun_converted": s3["converted"]}
        results["jobs2_speedup"] = round(t1 / t2, 2)
        results["rerun_fraction"] = round(t3 / t2, 4)
        rows.append(("whole pipeline --jobs 1 / --jobs 2", f"{t1 * 1000 / a.batch:.0f}/doc",
                     f"{t2 * 1000 / a.batch:.0f}/doc", f"{t1 / t2:.2f}× (speed-up)", ""))
        rows.append(("re-run, nothing changed", f"{t3:.2f} s", f"{t2:.2f} s",
                     f"{100 * t3 / t2:.1f} % of first run", ""))
    if "scale" not in skip:
        results["scale"] = scale.run(pages, WORK, n=a.pages, checkpoint=a.checkpoint,
                                     records=a.records)
        rss = results["scale"]["peak_worker_rss_mb"]
        results["peak_rss_mb"] = max(v for v in rss.values() if v is not None)
        rows += scale.rows(results["scale"])
    if "warc" not in skip:
        results["warc"] = warc.run(pages, WORK, n=a.warc_pages, checkpoint=a.warc_checkpoint,
                                   formats=a.warc_formats, warc_first=a.warc_first)
        rows += warc.rows(results["warc"])
    results["load_average_end"] = os.getloadavg()

    md = ["| stage | ours (ms/doc) | theirs (ms/doc) | ratio theirs/ours | peak RSS MB ours / theirs |",
          "|---|---|---|---|---|"] + [f"| {' | '.join(r)} |" for r in rows]
    load = ", ".join(f"{x:.1f}" for x in results["load_average_start"])
    text = (f"# Benchmark results\n\n{n_pages} pages (corpus + tests/pages); medians per document; "
            f"generated with `make bench` ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
            f"{os.cpu_count()} cores, load average at the start {load}).\n\n"
            + "\n".join(md) + "\n")
    (HERE / "results.md").write_text(text, encoding="utf-8")
    (HERE / "results.json").write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
