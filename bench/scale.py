"""The batch at scale: thousands of pages, as a records officer would run them.

    python bench/scale.py [--pages 5000] [--checkpoint 1000] [--records 30000]

(``bench/run.py`` runs it as its ``scale`` stage.)  One ``govdoc convert --jobs 2``
of ``--pages`` generated pages (the corpus pages and our test pages under other
names, each copy's bytes made unique so that each is converted), watched while it
runs:

- peak RSS per worker process, read from ``/proc`` (VmHWM of every process the
  command started) each half second, reported when ``--checkpoint`` pages are done
  and at the end: flat memory means the two agree;
- ms per page (wall time of the whole command / pages), and the same command run
  again with nothing changed;
- the report: index.html's size, the size of all its pages, and the time headless
  Chromium takes to open index.html and the heaviest page (a page full of pictures);
- a ``--records`` report generated from the batch's own records (each made a
  record of its own, its real thumbnail kept), written by ``write_report`` and
  opened in Chromium the same way; and, as the baseline, the same records on one
  page, the way the report was written before it was paged.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

GOVDOC = str(Path(sys.executable).with_name("govdoc"))


def _descendants(pid: int) -> list[int]:
    """Every live process below ``pid``, from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as fh:
                    stat = fh.read()
            except OSError:
                continue
            ppid = int(stat.rsplit(b")", 1)[1].split()[1])
            parents.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        kids = parents.get(todo.pop(), [])
        found += kids
        todo += kids
    return found


def _status_mb(pid: int, field: str) -> float:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class Watch:
    """Samples the worker processes of a running command; reads its progress lines."""

    def __init__(self, proc: subprocess.Popen, checkpoint: int) -> None:
        self.proc = proc
        self.checkpoint = checkpoint
        self.done = 0
        self.peak_mb = 0.0          # highest VmHWM of any worker so far
        self.at_checkpoint: float | None = None
        self.curve: list[tuple[int, float]] = []   # (pages done, highest current VmRSS)
        self.workers: set[int] = set()
        self.stderr: list[str] = []
        self._stop = threading.Event()

    def _sample(self) -> None:
        while not self._stop.is_set():
            kids = _descendants(self.proc.pid)
            self.workers.update(kids)
            hwm = max((_status_mb(k, "VmHWM") for k in kids), default=0.0)
            self.peak_mb = max(self.peak_mb, hwm)
            rss = max((_status_mb(k, "VmRSS") for k in kids), default=0.0)
            if rss and (not self.curve or self.curve[-1][0] != self.done):
                self.curve.append((self.done, round(rss, 1)))
            if self.at_checkpoint is None and self.done >= self.checkpoint:
                self.at_checkpoint = round(self.peak_mb, 1)
            self._stop.wait(0.5)

    def run(self) -> None:
        sampler = threading.Thread(target=self._sample, daemon=True)
        sampler.start()
        for line in self.proc.stderr:  # plain progress lines: stderr is a pipe here
            self.stderr.append(line)
            if line.startswith("govdoc: ") and " pages (" in line:
                try:
                    self.done = int(line.split()[1].split("/")[0])
                except ValueError:
                    pass
        self.proc.wait()
        self._stop.set()
        sampler.join()


def generate_batch(pages: Path, dest: Path, n: int) -> Path:
    """``n`` distinct pages: the sample pages repeated, each copy's bytes made unique."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    src = sorted(pages.glob("*.htm*"))
    for i in range(n):
        p = src[i % len(src)]
        (dest / f"{i:05d}_{p.name}").write_bytes(p.read_bytes() + f"\n<!-- copy {i} -->\n".encode())
    return dest


def convert_watched(inputs: Path, out: Path, checkpoint: int, *args: str) -> dict:
    """``govdoc convert`` of ``inputs`` watched from /proc: its workers' peak RSS (at
    ``checkpoint`` pages and at the end) and its own process's."""
    t = time.perf_counter()
    proc = subprocess.Popen([GOVDOC, "convert", str(inputs), "-o", str(out), "--json", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watch = Watch(proc, checkpoint)
    parent = {"peak": 0.0}
    stop = threading.Event()

    def sample_parent() -> None:
        while not stop.is_set():
            parent["peak"] = max(parent["peak"], _status_mb(proc.pid, "VmHWM"))
            stop.wait(0.25)

    sampler = threading.Thread(target=sample_parent, daemon=True)
    sampler.start()
    stdout: list[str] = []
    reader = threading.Thread(target=lambda: stdout.append(proc.stdout.read()), daemon=True)
    reader.start()
    watch.run()
    reader.join()
    stop.set()
    sampler.join()
    wall = time.perf_counter() - t
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"govdoc convert failed: {''.join(watch.stderr)[-2000:]}")
    summary = json.loads("".join(stdout))
    return {"wall_s": round(wall, 2), "summary": summary, "peak_mb": round(watch.peak_mb, 1),
            "at_checkpoint_mb": watch.at_checkpoint, "curve": watch.curve,
            "parent_peak_mb": round(parent["peak"], 1),
            "processes": len(watch.workers),
            "progress_lines": sum(" pages (" in l for l in watch.stderr)}


#: Screenshots of the reports opened, for a person to look at (not kept in git).
SHOTS = HERE / "work" / "screenshots"


def _browser(pages: list[Path], label: str = "") -> dict[str, dict]:
    from tests.support.browser import Browser, chromium

    if chromium() is None:
        return {}
    out = {}
    SHOTS.mkdir(parents=True, exist_ok=True)
    with Browser() as b:
        for p in pages:
            shown = b.open(p, screenshot=True)
            (SHOTS / f"{label}{p.stem}.png").write_bytes(shown.screenshot)
            out[p.name] = {"load_ms": shown.load_ms, "shown_ms": shown.shown_ms,
                           "rows": shown.rows, "bytes": p.stat().st_size}
    return out


def _report_files(out: Path) -> list[Path]:
    return sorted(out.glob("index*.html"), key=lambda p: (len(p.name), p.name))


def _heaviest(out: Path) -> Path:
    return max(_report_files(out), key=lambda p: p.stat().st_size)


def report_at(out: Path, work: Path, records: int, *, single_page: bool) -> dict:
    """A report of ``records`` records made from ``out``'s own, timed, opened in Chromium."""
    from pipeline.archive.report import write_report
    from tests.support.report_scale import generated_records

    big = work / f"report-{records}"
    shutil.rmtree(big, ignore_errors=True)
    (big / ".thumbs").mkdir(parents=True)
    shutil.copy2(out / "manifest.json", big / "manifest.json")
    for f in (out / ".thumbs").iterdir():
        os.link(f, big / ".thumbs" / f.name)
    docs = generated_records(big, records)
    gen = {"name": "govdoc", "version": "bench"}
    t = time.perf_counter()
    write_report(big, docs, gen)
    write_s = time.perf_counter() - t
    files = _report_files(big)
    result = {"records": records, "write_s": round(write_s, 2), "pages": len(files),
              "index_bytes": (big / "index.html").stat().st_size,
              "all_pages_bytes": sum(f.stat().st_size for f in files),
              "browser": _browser([big / "index.html", _heaviest(big)], f"{records}-")}
    if single_page:  # the baseline: everything on one page, as before paging
        one = work / f"report-{records}-one-page"
        shutil.rmtree(one, ignore_errors=True)
        one.mkdir()
        os.rename(big / ".thumbs", one / ".thumbs")
        shutil.copy2(big / "manifest.json", one / "manifest.json")
        t = time.perf_counter()
        write_report(one, docs, gen, page_size=records)
        result["one_page"] = {"write_s": round(time.perf_counter() - t, 2),
                              "index_bytes": (one / "index.html").stat().st_size,
                              "browser": _browser([one / "index.html"], f"{records}-one-page-")}
        shutil.rmtree(one, ignore_errors=True)
    shutil.rmtree(big, ignore_errors=True)
    return result


def run(pages: Path, work: Path, *, n: int = 5000, checkpoint: int = 1000,
        records: int = 30000, single_page: bool = True) -> dict:
    """The whole stage; returns the figures (bench/results.json's "scale")."""
    batch = generate_batch(pages, work / f"scale-{n}", n)
    out = work / f"out-scale-{n}"
    shutil.rmtree(out, ignore_errors=True)
    first = convert_watched(batch, out, checkpoint, "--jobs", "2")
    again = convert_watched(batch, out, checkpoint, "--jobs", "2")
    s = first["summary"]
    files = _report_files(out)
    result = {
        "pages": n, "jobs": 2, "failed": s["failed"], "seconds": first["wall_s"],
        "ms_per_page": round(first["wall_s"] * 1000 / n, 1),
        "peak_worker_rss_mb": {str(checkpoint): first["at_checkpoint_mb"], str(n): first["peak_mb"]},
        "peak_worker_rss_mb_reported": s.get("peak_worker_rss_mb"),
        "worker_processes": first["processes"],
        "rss_curve": first["curve"][:: max(1, len(first["curve"]) // 40)],
        "progress_lines": first["progress_lines"],
        "rerun_s": again["wall_s"], "rerun_converted": again["summary"]["converted"],
        "report": {"pages": len(files), "index_bytes": (out / "index.html").stat().st_size,
                   "all_pages_bytes": sum(f.stat().st_size for f in files),
                   "browser": _browser([out / "index.html", _heaviest(out)], f"{n}-")},
    }
    if records:
        result["report_at"] = report_at(out, work, records, single_page=single_page)
    shutil.rmtree(batch, ignore_errors=True)
    return result


def rows(r: dict) -> list[tuple[str, str, str, str, str]]:
    """Lines of bench/results.md."""
    n, cp = str(r["pages"]), [k for k in r["peak_worker_rss_mb"] if k != str(r["pages"])]
    rss = r["peak_worker_rss_mb"]
    out = [(f"{n} pages, --jobs 2", f"{r['ms_per_page']:.0f} ms/page", "", "",
            f"peak/worker {' / '.join(f'{k}: {rss[k]:.0f}' for k in cp + [n])}"),
           ("re-run, nothing changed", f"{r['rerun_s']:.2f} s", f"{r['seconds']:.0f} s",
            f"{100 * r['rerun_s'] / r['seconds']:.1f} % of first run", "")]
    for label, rep in ((f"report of {n}", r["report"]),
                       (f"report of {r.get('report_at', {}).get('records', '')}", r.get("report_at"))):
        if not rep:
            continue
        b = rep.get("browser", {})
        heavy = max((v for k, v in b.items() if k != "index.html"), key=lambda v: v["bytes"],
                    default=b.get("index.html"))
        line = (f"{rep['pages']} pages, index.html {rep['index_bytes'] / 1e6:.2f} MB, "
                f"all {rep['all_pages_bytes'] / 1e6:.0f} MB")
        if b:
            line += (f"; Chromium: index.html {b['index.html']['shown_ms'] / 1000:.1f} s, "
                     f"fullest page ({heavy['bytes'] / 1e6:.1f} MB) {heavy['shown_ms'] / 1000:.1f} s")
        one = rep.get("one_page")
        ratio = ""
        if one and one.get("browser") and b:
            o = one["browser"]["index.html"]["shown_ms"]
            line += f"; on one page ({one['index_bytes'] / 1e6:.0f} MB): {o / 1000:.1f} s"
            ratio = f"{o / b['index.html']['shown_ms']:.0f}× (one page / paged)"
        out.append((label, line, "", ratio, ""))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=5000)
    ap.add_argument("--checkpoint", type=int, default=1000)
    ap.add_argument("--records", type=int, default=30000)
    ap.add_argument("--no-single-page", action="store_true")
    ap.add_argument("--source", type=Path, default=HERE / "work" / "pages",
                    help="the pages to copy (bench/run.py collects them)")
    a = ap.parse_args()
    r = run(a.source, HERE / "work", n=a.pages, checkpoint=a.checkpoint, records=a.records,
            single_page=not a.no_single_page)
    print(json.dumps(r, indent=1))
    for row in rows(r):
        print(" | ".join(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
