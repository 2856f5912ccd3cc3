"""A folder of pages in, an output folder with a manifest out.

The batch reads nothing of a page but its bytes (to decide whether it changed,
and to convert pages with the same bytes once), hands the conversions to a pool
of workers, records each outcome in the ledger as it arrives, and writes the
manifest at the end.  One bad page never stops the rest; a killed batch, run
again, picks up where it stopped.
"""
from __future__ import annotations

import dataclasses
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
from typing import Callable, Iterator, Mapping

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
    duplicates: int = 0   # same bytes as another input: its result copied, nothing converted
    skipped: int = 0
    elapsed: float = 0.0

    @property
    def failed(self) -> list[DocResult]:
        return [r for r in self.results if r.status != "ok"]

    def summary(self) -> dict:
        return {"inputs": len(self.results), "ok": len(self.results) - len(self.failed),
                "failed": len(self.failed), "converted": self.converted,
                "duplicates": self.duplicates, "skipped": self.skipped, "seconds": round(self.elapsed, 3),
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


def convert_page(path: Path, shown: str, out_root: Path, settings: Settings) -> DocResult:
    """One page's work in a worker: the conversion, then the thumbnail of its PDF for
    index.html, drawn here in parallel rather than one after another by the batch at
    the end (10 ms a page: a tenth of the --jobs 2 wall time on short pages)."""
    result = convert_file(path, shown, out_root, settings)
    if result.status == "ok" and result.id and "pdf" in result.sha256:
        from .report import cached_thumbnail

        cached_thumbnail(out_root, result.id, result.sha256["pdf"])
    return result


def input_digest(path: Path) -> str | None:
    """The sha256 of a page's bytes, or None when the worker would refuse it unread.

    Pages that cannot be read (missing, empty, too large) are not grouped with
    anything: each fails on its own with its own reason.
    """
    try:
        return hashlib.sha256(read_input(path)).hexdigest()
    except ConversionError:
        return None


def as_duplicate(result: DocResult, shown: str) -> DocResult:
    """``result`` for another input with the same bytes: same folder, same checksums."""
    return dataclasses.replace(result, input=shown, duplicate_of=result.input,
                               seconds=0.0, peak_rss_mb=0.0)


def _same_record(a: DocResult, b: DocResult) -> bool:
    return (a.id, a.status, a.error, a.outputs, a.sha256, a.input_sha256) == \
           (b.id, b.status, b.error, b.outputs, b.sha256, b.input_sha256)


@dataclass
class Plan:
    """What a run does with each of its inputs (indices into the run's pages)."""

    #: unchanged: the ledger's result stands
    skip: list[int] = field(default_factory=list)
    #: same bytes as a conversion the ledger holds: copy its result, convert nothing
    copy: list[tuple[int, DocResult]] = field(default_factory=list)
    #: one input per digest (the first by path), plus each input that cannot be read
    convert: list[int] = field(default_factory=list)
    #: converted input -> the other inputs of this run with its bytes (they copy its result)
    followers: dict[int, list[int]] = field(default_factory=dict)
    #: converted input -> ledger inputs outside this run with its bytes: their rows
    #: describe the folder the conversion replaces, so they copy a successful result
    outside: dict[int, list[str]] = field(default_factory=dict)


def plan_batch(shown: list[str], digests: list[str | None],
               ledger: Mapping[str, tuple[DocResult, str]], key: str, *, force: bool = False,
               retry_failed: bool = False,
               present: Callable[[DocResult], bool] = lambda r: True) -> Plan:
    """Decide, before anything runs, which inputs are converted, copied or skipped (pure).

    ``shown``/``digests``: each input's name and the sha256 of its bytes (None:
    unreadable).  ``ledger``: input -> (result, settings key) as recorded.
    ``present(result)``: whether the result's output files are all on disk.

    Identical bytes make one record in one folder, so each digest is converted
    at most once, whatever the names it comes under: converting it twice would
    make two workers race on one folder, and give two manifest entries of one
    folder two different XML checksums (the XML names its source file).  The
    conversion a digest's inputs share (its *anchor*) is the one row of the
    ledger that holds a conversion of those bytes, if that is still good;
    otherwise the first input by path is converted and the others copy it.
    """
    plan = Plan()
    in_run = dict(zip(shown, digests))
    groups: dict[str, list[int]] = {}
    for i, d in enumerate(digests):
        if d is not None:
            groups.setdefault(d, []).append(i)
            continue
        prior = ledger.get(shown[i])  # unreadable: as before, failed alone or skipped
        if (not force and not retry_failed and prior and prior[0].status != "ok"
                and prior[0].input_sha256 is None and prior[1] == key):
            plan.skip.append(i)
        else:
            plan.convert.append(i)

    # ledger rows about each digest, leaving out inputs of this run that changed since
    conversions: dict[str, list[tuple[DocResult, str]]] = {}
    outside: dict[str, list[str]] = {}
    for name, (r, k) in sorted(ledger.items()):
        d = r.input_sha256
        if d not in groups or (name in in_run and in_run[name] != d):
            continue
        if name not in in_run:
            outside.setdefault(d, []).append(name)
        if r.duplicate_of is None:
            conversions.setdefault(d, []).append((r, k))

    for d, members in groups.items():
        members.sort(key=lambda i: shown[i])
        anchor = None if force else _anchor(conversions.get(d, []), key, retry_failed, present)
        if anchor is None:
            plan.convert.append(members[0])
            plan.followers[members[0]] = members[1:]
            plan.outside[members[0]] = outside.get(d, [])
            continue
        for i in members:
            prior = ledger.get(shown[i])
            copy_of = None if shown[i] == anchor.input else anchor.input
            if prior and prior[1] == key and prior[0].duplicate_of == copy_of \
                    and _same_record(prior[0], anchor):
                plan.skip.append(i)  # the anchor itself, or already a copy of it
            else:
                plan.copy.append((i, anchor))
    plan.convert.sort()
    plan.skip.sort()
    return plan


def _anchor(conversions: list[tuple[DocResult, str]], key: str, retry_failed: bool,
            present: Callable[[DocResult], bool]) -> DocResult | None:
    """The conversion a digest's inputs can share, or None when it must be converted (again).

    Two conversion rows for one digest (a ledger written before duplicates were
    shared) cannot both match the one folder: convert again to settle it.
    """
    if len(conversions) != 1:
        return None
    r, k = conversions[0]
    if k != key:
        return None
    if r.status == "ok":
        return r if present(r) else None
    return None if retry_failed else r


def run_batch(pages: list[InputPage], out_root: Path, settings: Settings = Settings(), *,
              jobs: int = 1, timeout: float | None = None, memory_mb: int | None = None,
              force: bool = False, retry_failed: bool = False,
              executor: Callable[..., Iterator[Outcome]] | None = None,
              on_result: Callable[[DocResult, bool], None] | None = None) -> BatchReport:
    """Convert ``pages`` into ``out_root``; ``on_result(result, skipped)`` follows progress.

    ``executor`` runs the conversions (default: the local process pool); it is
    called like ``run_pool`` and yields ``Outcome``s.  Inputs with the same bytes
    are converted once (see ``plan_batch``); the others get a copy of its result
    naming it in ``duplicate_of``.
    """
    start = time.perf_counter()
    out_root.mkdir(parents=True, exist_ok=True)
    lock = _locked(out_root)
    report = BatchReport(results=[None] * len(pages))  # type: ignore[list-item]
    try:
        shutil.rmtree(out_root / STAGING, ignore_errors=True)  # leftovers of a killed run
        key = settings.key()
        with Ledger(out_root) as ledger:
            rows = ledger.keyed()
            shown = [p.shown for p in pages]
            plan = plan_batch(shown, [input_digest(p.path) for p in pages], rows, key,
                              force=force, retry_failed=retry_failed,
                              present=lambda r: _outputs_present(out_root, r))

            def settle(result: DocResult, index: int | None = None) -> None:
                """Record a result; remove a folder no input's current result points at."""
                ledger.record(result, key)
                previous = rows.get(result.input)
                # the page changed (new bytes, new id) or failed this time
                for stale in {previous[0].id if previous else None,
                              None if result.status == "ok" else result.id}:
                    if stale and not ledger.id_in_use(stale):
                        shutil.rmtree(out_root / stale, ignore_errors=True)
                if index is not None:
                    report.results[index] = result
                    if on_result:
                        on_result(result, False)

            for i in plan.skip:
                report.results[i] = rows[shown[i]][0]
                report.skipped += 1
                if on_result:
                    on_result(report.results[i], True)
            for i, anchor in plan.copy:
                settle(as_duplicate(anchor, shown[i]), i)
                report.duplicates += 1

            run = executor or run_pool
            tasks = [(pages[i].path, pages[i].shown, out_root, settings) for i in plan.convert]
            # nothing to convert (a re-run): no worker processes are started at all
            outcomes = run(convert_page, tasks, jobs=jobs, timeout=timeout,
                           memory_mb=memory_mb) if tasks else ()
            for outcome in outcomes:
                i = plan.convert[outcome.index]
                if outcome.error is not None:
                    result = DocResult(input=shown[i], id=None, status="failed",
                                       error=outcome.error)
                else:
                    result = outcome.value
                settle(result, i)
                report.converted += 1
                for j in plan.followers.get(i, []):
                    settle(as_duplicate(result, shown[j]), j)
                    report.duplicates += 1
                if result.status == "ok":  # a failure left the folder as it was
                    for name in plan.outside.get(i, []):
                        settle(as_duplicate(result, name))
            everything = ledger.all()
            write_manifest(out_root, everything)
            # catalogue.csv/.json and index.html: the archive branch's module
            write_batch_files(out_root, everything)
    finally:
        shutil.rmtree(out_root / STAGING, ignore_errors=True)
        lock.close()
    report.elapsed = time.perf_counter() - start
    return report


def write_manifest(out_root: Path, results: list[DocResult]) -> None:
    """``OUT/manifest.json``: every input ever converted into this folder, latest state.

    An input with the same bytes as another names it in ``duplicate_of`` and
    carries its outputs and checksums (one record, one folder).
    """
    docs = []
    for r in results:
        docs.append({"input": r.input, "id": r.id, "status": r.status, "error": r.error,
                     "outputs": r.outputs, "sha256": r.sha256, "input_sha256": r.input_sha256,
                     "duplicate_of": r.duplicate_of, "title": r.title, "meta": r.meta,
                     "warnings": r.warnings})
    write_json_atomic(out_root / MANIFEST_NAME, {"generator": generator_info(), "documents": docs})


def read_manifest(out_root: Path) -> dict:
    return json.loads((out_root / MANIFEST_NAME).read_text(encoding="utf-8"))
