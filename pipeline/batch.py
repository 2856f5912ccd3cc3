"""A folder of pages in, an output folder with a manifest out.

The batch reads nothing of a page but its bytes (to decide whether it changed),
hands the conversions to a pool of workers, records each outcome in the ledger
as it arrives, and writes the manifest at the end.  One bad page never stops the
rest; a killed batch, run again, picks up where it stopped.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import platform
import shutil
import time
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Callable, Iterator

from . import GENERATOR, __version__
from .convert import STAGING, DocResult, Settings, convert_file, read_input
from .errors import ConversionError
from .inputs import InputPage
from .ledger import Ledger
from .pool import Outcome, run_pool
from .report import write_batch_files

MANIFEST_NAME = "manifest.json"
LOCK_NAME = ".govdoc.lock"


class BatchBusy(Exception):
    """Another govdoc batch is writing into the same output folder."""


@dataclass
class BatchReport:
    results: list[DocResult] = field(default_factory=list)   # this run's inputs, in order
    converted: int = 0
    skipped: int = 0
    elapsed: float = 0.0

    @property
    def failed(self) -> list[DocResult]:
        return [r for r in self.results if r.status != "ok"]

    def summary(self) -> dict:
        return {"inputs": len(self.results), "ok": len(self.results) - len(self.failed),
                "failed": len(self.failed), "converted": self.converted,
                "skipped": self.skipped, "seconds": round(self.elapsed, 3),
                "peak_worker_rss_mb": max((r.peak_rss_mb for r in self.results), default=0.0),
                "failures": [{"input": r.input, "error": r.error} for r in self.failed]}


def generator_info() -> dict[str, str]:
    info = {"name": GENERATOR, "version": __version__, "python": platform.python_version()}
    for dist in ("weasyprint", "python-docx", "lxml", "pikepdf"):
        try:
            info[dist] = version(dist)
        except PackageNotFoundError:
            pass
    return info


def _locked(out_root: Path):
    fh = open(out_root / LOCK_NAME, "w")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.close()
        raise BatchBusy(f"{out_root}: another govdoc batch is writing here") from None
    return fh


def write_json_atomic(path: Path, data) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=1)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _outputs_present(out_root: Path, r: DocResult) -> bool:
    return all((out_root / rel).is_file() for rel in r.outputs.values())


def run_batch(pages: list[InputPage], out_root: Path, settings: Settings = Settings(), *,
              jobs: int = 1, timeout: float | None = None, memory_mb: int | None = None,
              force: bool = False, retry_failed: bool = False,
              executor: Callable[..., Iterator[Outcome]] | None = None,
              on_result: Callable[[DocResult, bool], None] | None = None) -> BatchReport:
    """Convert ``pages`` into ``out_root``; ``on_result(result, skipped)`` follows progress.

    ``executor`` runs the conversions (default: the local process pool); it is
    called like ``run_pool`` and yields ``Outcome``s.
    """
    start = time.perf_counter()
    out_root.mkdir(parents=True, exist_ok=True)
    lock = _locked(out_root)
    report = BatchReport(results=[None] * len(pages))  # type: ignore[list-item]
    try:
        shutil.rmtree(out_root / STAGING, ignore_errors=True)  # leftovers of a killed run
        key = settings.key()
        with Ledger(out_root) as ledger:
            todo: list[int] = []
            previous_ids: dict[int, str | None] = {}
            for i, page in enumerate(pages):
                prior = ledger.lookup(page.shown)
                previous_ids[i] = prior.id if prior else None
                if force or prior is None:
                    todo.append(i)
                    continue
                try:
                    digest = hashlib.sha256(read_input(page.path)).hexdigest()
                except ConversionError:
                    digest = None
                same = (digest == prior.input_sha256 and ledger.key_of(page.shown)[1] == key)
                if same and prior.status == "ok" and _outputs_present(out_root, prior):
                    report.results[i] = prior
                elif same and prior.status != "ok" and not retry_failed:
                    report.results[i] = prior
                else:
                    todo.append(i)
                    continue
                report.skipped += 1
                if on_result:
                    on_result(prior, True)

            run = executor or run_pool
            tasks = [(pages[i].path, pages[i].shown, out_root, settings) for i in todo]
            for outcome in run(convert_file, tasks, jobs=jobs, timeout=timeout, memory_mb=memory_mb):
                i = todo[outcome.index]
                if outcome.error is not None:
                    result = DocResult(input=pages[i].shown, id=None, status="failed",
                                       error=outcome.error)
                else:
                    result = outcome.value
                ledger.record(result, key)
                report.results[i] = result
                report.converted += 1
                # A folder no input's current result points at goes: the page changed
                # (new bytes, new id) or failed this time.
                for stale in {previous_ids.get(i), None if result.status == "ok" else result.id}:
                    if stale and not ledger.id_in_use(stale):
                        shutil.rmtree(out_root / stale, ignore_errors=True)
                if on_result:
                    on_result(result, False)
            write_manifest(out_root, ledger.all())
            # catalogue.csv/.json and index.html: the archive branch's module
            write_batch_files(out_root, ledger.all())
    finally:
        shutil.rmtree(out_root / STAGING, ignore_errors=True)
        lock.close()
    report.elapsed = time.perf_counter() - start
    return report


def write_manifest(out_root: Path, results: list[DocResult]) -> None:
    """``OUT/manifest.json``: every input ever converted into this folder, latest state."""
    docs = []
    for r in results:
        docs.append({"input": r.input, "id": r.id, "status": r.status, "error": r.error,
                     "outputs": r.outputs, "sha256": r.sha256, "input_sha256": r.input_sha256,
                     "title": r.title, "meta": r.meta, "warnings": r.warnings})
    write_json_atomic(out_root / MANIFEST_NAME, {"generator": generator_info(), "documents": docs})


def read_manifest(out_root: Path) -> dict:
    return json.loads((out_root / MANIFEST_NAME).read_text(encoding="utf-8"))
