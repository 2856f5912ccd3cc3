"""A web archive in, beside the same pages as loose files.

    python bench/warc.py [--pages 1000] [--checkpoint 200] [--formats xml,pdf,docx]

(``bench/run.py`` runs it as its ``warc`` stage.)  The generated pages of the scale
stage (the corpus and test pages, each copy's bytes unique) are written into one
gzipped WARC with warcio, one response record a page, with a revisit record of
every tenth page, a 404 and a picture as well, so the archive is read as a crawl
is.  Then, watched from ``/proc`` as in the scale stage:

- ``govdoc convert PAGES/ --jobs 2`` (the baseline: the same pages as files) and
  ``govdoc convert crawl.warc.gz --jobs 2``: wall time, ms per page, and the peak
  RSS per worker when ``--checkpoint`` pages are done and at the end (flat: the
  two agree, for files and for the archive alike);
- the peak RSS of the parent process, which reads the archive once into its
  index of offsets (never the payloads);
- the archive converted again with nothing changed (its index is kept).
"""
from __future__ import annotations

import argparse
import io
import json
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from scale import convert_watched, generate_batch  # noqa: E402

BASE = "http://portal.bench.invalid/"


def write_warc(pages: Path, warc: Path) -> int:
    """Every page of ``pages`` as a response record (and a revisit for every tenth);
    returns the number of records written."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    from tests.support.warcs import png

    n = 0
    with open(warc, "wb") as fh:
        w = WARCWriter(fh, gzip=True)

        def response(url: str, body: bytes, ctype: str, status: str = "200 OK"):
            nonlocal n
            http = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
            rec = w.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http,
                                       warc_headers_dict={"WARC-Date": "2024-05-01T08:00:00Z"})
            w.write_record(rec)
            n += 1
            return rec

        response(f"{BASE}logo.png", png(120, 40), "image/png")
        response(f"{BASE}gone.html", b"<html>404</html>", "text/html", "404 Not Found")
        for i, page in enumerate(sorted(pages.iterdir())):
            url = f"{BASE}pages/{page.name}"
            rec = response(url, page.read_bytes(), "text/html")
            if i % 10 == 9:
                http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")],
                                        protocol="HTTP/1.1")
                rev = w.create_revisit_record(
                    url, rec.rec_headers.get_header("WARC-Payload-Digest"), url,
                    "2024-05-01T08:00:00Z", http_headers=http,
                    warc_headers_dict={"WARC-Date": "2024-06-01T08:00:00Z"})
                w.write_record(rev)
                n += 1
    return n


def convert(inputs: Path, out: Path, checkpoint: int, formats: str) -> dict:
    """``govdoc convert --jobs 2``, its workers and its own process watched."""
    w = convert_watched(inputs, out, checkpoint, "--jobs", "2", "--formats", formats)
    summary = w["summary"]
    return {"wall_s": w["wall_s"], "inputs": summary["inputs"], "failed": summary["failed"],
            "converted": summary["converted"], "duplicates": summary["duplicates"],
            "peak_worker_rss_mb": {str(checkpoint): w["at_checkpoint_mb"], "end": w["peak_mb"]},
            "parent_peak_rss_mb": w["parent_peak_mb"],
            "archives": summary.get("archives", [])}


def run(pages: Path, work: Path, *, n: int = 1000, checkpoint: int = 200,
        formats: str = "xml,pdf,docx", warc_first: bool = False) -> dict:
    """The whole stage; returns the figures (bench/results.json's "warc")."""
    loose = generate_batch(pages, work / f"warc-pages-{n}", n)
    warc = work / f"crawl-{n}.warc.gz"
    records = write_warc(loose, warc)
    result: dict = {"pages": n, "records": records, "warc_mb": round(warc.stat().st_size / 1e6, 2),
                    "jobs": 2, "formats": formats}
    runs = [("files", loose), ("warc", warc)]
    # which runs first is a choice: on a machine others load, run the stage both ways
    result["order"] = [label for label, _ in (runs[::-1] if warc_first else runs)]
    for label, inputs in (runs[::-1] if warc_first else runs):
        out = work / f"out-warc-{label}-{n}"
        shutil.rmtree(out, ignore_errors=True)
        result[label] = convert(inputs, out, checkpoint, formats)
        result[label]["ms_per_page"] = round(result[label]["wall_s"] * 1000 / n, 1)
    again = convert(warc, work / f"out-warc-warc-{n}", checkpoint, formats)
    result["warc_rerun_s"] = again["wall_s"]
    result["warc_rerun_converted"] = again["converted"]
    result["ratio_warc_over_files"] = round(result["warc"]["wall_s"] / result["files"]["wall_s"], 2)
    shutil.rmtree(loose, ignore_errors=True)
    return result


def rows(r: dict) -> list[tuple[str, str, str, str, str]]:
    """Lines of bench/results.md."""
    def rss(x: dict) -> str:
        return " / ".join(f"{k}: {v:.0f}" for k, v in x["peak_worker_rss_mb"].items() if v)

    f, w = r["files"], r["warc"]
    return [
        (f"{r['pages']}-page WARC ({r['records']} records, {r['warc_mb']} MB), --jobs 2, "
         f"--formats {r['formats']}; baseline: the same pages as files "
         f"(run {' then '.join(r.get('order', []))})",
         f"{w['ms_per_page']:.0f} ms/page", f"{f['ms_per_page']:.0f} ms/page",
         f"{r['ratio_warc_over_files']:.2f}× (WARC time / files time)",
         f"peak/worker WARC {rss(w)}; files {rss(f)}; parent WARC {w['parent_peak_rss_mb']:.0f}"
         f" / files {f['parent_peak_rss_mb']:.0f}"),
        ("WARC re-run, nothing changed", f"{r['warc_rerun_s']:.2f} s", f"{w['wall_s']:.0f} s",
         f"{100 * r['warc_rerun_s'] / w['wall_s']:.1f} % of first run", ""),
    ]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=1000)
    ap.add_argument("--checkpoint", type=int, default=200)
    ap.add_argument("--formats", default="xml,pdf,docx")
    ap.add_argument("--warc-first", action="store_true",
                    help="convert the archive before the loose files (the default is after)")
    ap.add_argument("--source", type=Path, default=HERE / "work" / "pages",
                    help="the pages to copy (bench/run.py collects them)")
    a = ap.parse_args()
    r = run(a.source, HERE / "work", n=a.pages, checkpoint=a.checkpoint, formats=a.formats,
            warc_first=a.warc_first)
    print(json.dumps(r, indent=1, ensure_ascii=False))
    for row in rows(r):
        print(" | ".join(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
