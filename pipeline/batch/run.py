"""A folder of pages in, an output folder with a manifest out.

The batch reads nothing of a page but its bytes (to decide whether it changed,
and to convert pages with the same bytes once), hands the conversions to workers,
publishes each record folder they stage and records the outcome in the ledger as
it arrives, and writes the manifest at the end.  One bad page never stops the
rest; a killed batch, run again, picks up where it stopped.

Integrity rules (docs/batch-integrity.md):

- Only this process publishes (renames a staged folder into ``OUT/<id>/``), right
  before it commits the ledger row; a worker never does, so nothing can appear
  in OUT after the batch is gone.  The record's own ``record.json`` travels with
  its files, and the ledger is checked against it at the start of every run
  (``repair.reconcile``).
- A conversion that does not produce a better record than the one an input has
  (a failure, or a partial record where a complete one exists) never replaces
  it: the good record stays, listed, and the row notes the failed attempt in
  ``last_attempt``.
- The machine's failures (a full disk, I/O errors, timeouts, killed workers) are
  retried by a plain re-run; a full disk, or an output folder that cannot be
  written, stops the batch (``BatchStopped``).
"""
from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import json
import os
import platform
import shutil
import signal
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

from .. import GENERATOR, __version__
from ..convert import FORMATS, STAGING, DocResult, Settings, convert_file, read_input
from ..errors import ENVIRONMENT, NO_SPACE, PAGE, ConversionError, os_reason, retryable, \
    sqlite_fault
from ..sources.inputs import InputPage
from .ledger import Ledger
from .pool import Outcome, run_pool
from .record import FILE_NAMES, clear_unlisted, fsync_folder, publish, read_record, \
    recover_previous, sizes_match, valid_id, write_record
from .repair import from_record, rebuild, reconcile
from ..archive.report import write_batch_files

MANIFEST_NAME = "manifest.json"
LOCK_NAME = ".govdoc.lock"
#: What the worker processes of the last batch wrote on their standard error.
WORKER_LOG = ".govdoc-workers.log"
#: Editions a record can have besides the XML (which every record has).
EDITIONS = ("pdf", "docx")


class BatchBusy(Exception):
    """Another govdoc batch is writing into the same output folder."""


class BatchStopped(Exception):
    """The batch stopped before its end (a full disk, an output folder that cannot be
    written); the message is one line.  ``report`` holds what was done."""

    def __init__(self, message: str, report: "BatchReport | None" = None) -> None:
        super().__init__(message)
        self.report = report


@dataclass
class BatchReport:
    """This run's outcome for each of its inputs, in input order.

    A page whose conversion failed over an earlier record that was kept appears
    here as failed (this run's attempt failed, and the exit status says so), while
    the ledger and the manifest list it with its kept record and ``last_attempt``.
    """

    results: list[DocResult] = field(default_factory=list)   # this run's inputs, in order
    converted: int = 0
    duplicates: int = 0   # same bytes as another input: its result copied, nothing converted
    skipped: int = 0
    elapsed: float = 0.0
    #: one line each: what the batch repaired or wants the person to know
    notices: list[str] = field(default_factory=list)
    #: records that keep editions --formats did not ask for
    kept_editions: int = 0
    #: inputs converted (or copied) in this run, not skipped
    fresh: set[str] = field(default_factory=set)
    #: this run's pages that are the same document as a record kept from another
    #: capture (manifest entries, ``same_as`` set)
    same_document: list[dict] = field(default_factory=list)
    #: this run's records that are a new version of a document already recorded
    #: (manifest entries whose ``version`` number is 2 or more)
    new_versions: list[dict] = field(default_factory=list)

    @property
    def failed(self) -> list[DocResult]:
        return [r for r in self.results if r is not None and r.status != "ok"]

    @property
    def partial(self) -> list[DocResult]:
        return [r for r in self.results if r is not None and r.status == "partial"]

    def summary(self) -> dict:
        done = [r for r in self.results if r is not None]
        return {"inputs": len(self.results), "ok": len(done) - len(self.failed),
                "partial": len(self.partial),
                "failed": len(self.failed) - len(self.partial), "converted": self.converted,
                "duplicates": self.duplicates, "skipped": self.skipped,
                "seconds": round(self.elapsed, 3),
                "peak_worker_rss_mb": max((r.peak_rss_mb for r in done), default=0.0),
                "notices": self.notices,
                "same_document": [{"input": d["input"], "same_as": d["same_as"], "id": d["id"]}
                                  for d in self.same_document],
                "new_versions": [{"input": d["input"], "id": d["id"], **d["version"]}
                                 for d in self.new_versions],
                "failures": [{"input": r.input, "status": r.status, "error": r.error,
                              "retryable": retryable(r.fault)} for r in self.failed]}


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
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, indent=1)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:  # a full disk: no half-written file left beside the manifest
        tmp.unlink(missing_ok=True)
        raise


def convert_page(path: Path, shown: str, out_root: Path, settings: Settings,
                 staging: Path | None = None, archived=None) -> DocResult:
    """One page's work in a worker: the conversion into ``staging``, then the thumbnail
    of its PDF for index.html, drawn here in parallel rather than one after another by
    the batch at the end (10 ms a page: a tenth of the --jobs 2 wall time on short
    pages).  The thumbnail cache is keyed by the PDF's sha256, so one drawn for a
    record that is then not published is simply never used."""
    result = convert_file(path, shown, out_root, settings, staging, archived)
    if result.status in ("ok", "partial") and result.id and "pdf" in result.sha256:
        from ..archive.report import cached_thumbnail

        pdf = Path(result.staging) / FILE_NAMES["pdf"] if result.staging else None
        try:
            cached_thumbnail(out_root, result.id, result.sha256["pdf"], pdf=pdf)
        except OSError:  # a picture for index.html, drawn again at the end if need be
            pass
    return result


def input_digest(page: InputPage | Path) -> str | None:
    """The sha256 of a page's bytes, or None when the worker would refuse it unread.

    Pages that cannot be read (missing, empty, too large) are not grouped with
    anything: each fails on its own with its own reason.  A page in a web archive
    has the digest the archive's index took of its payload (read once, at the scan).
    """
    if isinstance(page, InputPage) and page.archived is not None:
        return None if page.archived.error else page.archived.sha256
    try:
        return hashlib.sha256(read_input(page.path if isinstance(page, InputPage)
                                         else page)).hexdigest()
    except ConversionError:
        return None


def as_duplicate(result: DocResult, shown: str) -> DocResult:
    """``result`` for another input with the same bytes: same folder, same checksums."""
    if shown == result.input:
        return result
    return dataclasses.replace(result, input=shown, duplicate_of=result.duplicate_of or result.input,
                               seconds=0.0, peak_rss_mb=0.0)


def _same_record(a: DocResult, b: DocResult) -> bool:
    return (a.id, a.status, a.error, a.outputs, a.sha256, a.input_sha256, a.last_attempt) == \
           (b.id, b.status, b.error, b.outputs, b.sha256, b.input_sha256, b.last_attempt)


def editions(r: DocResult) -> set[str]:
    """The formats a row's record holds (the XML always, when there is a record)."""
    if r.status == "failed":
        return set()
    return {"xml"} | {k for k in r.outputs if k in EDITIONS}


def settled_attempt(r: DocResult | None, digest: str | None, key: str, retry_failed: bool) -> bool:
    """Whether ``r`` records a failed attempt on these bytes that a plain re-run leaves be:
    the page's own fault, same settings (``--retry-failed`` tries it again)."""
    la = r.last_attempt if r else None
    return bool(la) and not retry_failed and la.get("input_sha256") == digest \
        and la.get("settings_key") == key and not la.get("retryable")


def replaces(new: DocResult, old: DocResult | None) -> bool:
    """Whether a new result may take the place of an input's existing record (pure).

    Complete beats partial beats nothing; a newer partial record replaces an older
    one holding no more editions.  A failure never replaces a record.
    """
    if old is None or old.status == "failed":
        return True
    if new.status == "ok":
        return True
    if new.status == "partial" and old.status == "partial":
        return editions(new) >= editions(old)
    return False


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
    #: converted input -> the formats to make: those asked for, plus any edition its
    #: record already has (a narrower --formats never takes an edition away)
    formats: dict[int, tuple[str, ...]] = field(default_factory=dict)


def plan_batch(shown: list[str], digests: list[str | None],
               ledger: Mapping[str, tuple[DocResult, str]], key: str, *,
               formats: tuple[str, ...] = FORMATS, force: bool = False,
               retry_failed: bool = False,
               present: Callable[[DocResult], bool] = lambda r: True) -> Plan:
    """Decide, before anything runs, which inputs are converted, copied or skipped (pure).

    ``shown``/``digests``: each input's name and the sha256 of its bytes (None:
    unreadable).  ``ledger``: input -> (result, settings key) as recorded.
    ``present(result)``: whether the result's record folder is on disk as the
    ledger describes it (``repair.reconcile`` checked it).

    A record is reused when its bytes and settings key are the same, it is
    complete and on disk, and it holds every edition ``formats`` asks for (more is
    fine: they are kept).  A partial record, and a failure of the machine's
    (``errors.retryable``), are tried again; a failure of the page's own stands
    until ``retry_failed``.

    Identical bytes make one record in one folder, so each digest is converted
    at most once, whatever the names it comes under: converting it twice would
    make two conversions race for one folder, and give two manifest entries of
    one folder two different XML checksums (the XML names its source file).  The
    conversion a digest's inputs share (its *anchor*) is the one row of the
    ledger that holds a conversion of those bytes, if that is still good;
    otherwise the first input by path is converted and the others copy it.
    """
    plan = Plan()
    wanted = set(formats) | {"xml"}
    in_run = dict(zip(shown, digests))
    groups: dict[str, list[int]] = {}
    for i, d in enumerate(digests):
        if d is not None:
            groups.setdefault(d, []).append(i)
            continue
        prior = ledger.get(shown[i])  # unreadable: as before, failed alone or skipped
        if not force and prior and (
                settled_attempt(prior[0], None, key, retry_failed)
                or (prior[0].status == "failed" and prior[0].input_sha256 is None
                    and prior[1] == key and not retry_failed and not retryable(prior[0].fault))):
            plan.skip.append(i)
        else:
            plan.convert.append(i)
            plan.formats[i] = _formats(wanted, [prior[0]] if prior else [])

    # ledger rows about each digest, leaving out inputs of this run that changed since
    conversions: dict[str, list[tuple[DocResult, str]]] = {}
    holding: dict[str, list[DocResult]] = {}
    for name, (r, k) in sorted(ledger.items()):
        d = r.input_sha256
        if d not in groups or (name in in_run and in_run[name] != d):
            continue
        holding.setdefault(d, []).append(r)
        if r.duplicate_of is None:
            conversions.setdefault(d, []).append((r, k))

    for d, members in groups.items():
        members.sort(key=lambda i: shown[i])
        anchor = None if force else _anchor(conversions.get(d, []), d, key, wanted,
                                            retry_failed, present)
        own = [ledger[shown[i]][0] if shown[i] in ledger else None for i in members]
        if anchor is None and not force and all(settled_attempt(r, d, key, retry_failed)
                                                for r in own):
            plan.skip.extend(members)  # each keeps its record; the same failure would recur
            continue
        if anchor is None:
            plan.convert.append(members[0])
            plan.followers[members[0]] = members[1:]
            plan.formats[members[0]] = _formats(
                wanted, [r for r in own if r] + holding.get(d, []))
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


def _formats(wanted: set[str], rows: list[DocResult]) -> tuple[str, ...]:
    have = set().union(*(editions(r) for r in rows)) if rows else set()
    return tuple(f for f in FORMATS if f in wanted | have)


def _anchor(conversions: list[tuple[DocResult, str]], digest: str, key: str, wanted: set[str],
            retry_failed: bool, present: Callable[[DocResult], bool]) -> DocResult | None:
    """The conversion a digest's inputs can share, or None when it must be converted (again).

    Two conversion rows for one digest (a ledger written before duplicates were
    shared) cannot both match the one folder: convert again to settle it.
    """
    if len(conversions) != 1:
        return None
    r, k = conversions[0]
    if k != key:
        return None
    if r.status == "ok" and present(r):
        if wanted <= editions(r) or settled_attempt(r, digest, key, retry_failed):
            return r
        return None
    if r.status == "failed" and not retry_failed and not retryable(r.fault):
        return r
    return None


def _attempt(r: DocResult, key: str) -> dict[str, Any]:
    """A failed (or only partial) conversion, as ``last_attempt`` records it."""
    return {"status": r.status, "error": r.error, "retryable": retryable(r.fault),
            "at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "input_sha256": r.input_sha256, "settings_key": key}


def shown_attempt(row: DocResult) -> DocResult:
    """How this run reports an input whose record was kept over a failed attempt."""
    la = row.last_attempt or {}
    what = ("made only a " + (la.get("error") or "partial record")
            if la.get("status") == "partial" else f"failed ({la.get('error') or 'failed'})")
    return dataclasses.replace(row, status="failed", fault=ENVIRONMENT if la.get("retryable")
                               else PAGE, error=f"converting again {what}; the earlier "
                               "record is kept")


def salvage(staging: Path, error: str, result: DocResult) -> DocResult | None:
    """A partial record from the staging folder of a worker killed while rendering.

    The worker wrote the source, the XML and a record.json naming the edition it
    was rendering before it started it; whatever that record.json lists is whole.
    Anything else in the folder (the edition cut short) is removed.
    """
    got = read_record(staging, "")
    if got is None or "rendering" not in got[0]:
        return None
    rec = got[0]
    if rec["id"] != result.id or "xml" not in rec["files"] or not sizes_match(staging, rec):
        return None
    clear_unlisted(staging, rec)
    fmt = rec.pop("rendering")
    later = [f for f in EDITIONS if f in rec.get("formats", ()) and f != fmt
             and f not in rec["files"] and EDITIONS.index(f) > EDITIONS.index(fmt)]
    lost = [f"{fmt.upper()} edition not made: {error}"] + \
        [f"{f.upper()} edition not tried" for f in later]
    from ..convert import partial_reason

    rec["status"], rec["fault"] = "partial", ENVIRONMENT
    rec["reason"] = partial_reason(rec, lost)
    fsync_folder(staging)
    sha = write_record(staging, rec, sync=True)
    r = from_record(rec, sha, result.input)
    r.seconds = result.seconds
    return r


class _Stop(Exception):
    """Internal: the batch must stop (the message is the reason)."""


_DEFERRED = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}


@contextlib.contextmanager
def _signals_deferred():
    """Ctrl-C, SIGTERM and SIGHUP wait until a record is published *and* its rows are
    committed, so an interrupted batch leaves its manifest true at once (a kill
    cannot wait; the next run repairs what it leaves, see repair.py).

    Python runs signal handlers in the main thread whichever thread the kernel
    delivered to, so the handlers themselves are swapped for one that notes the
    signal, which is raised again, to the handlers that were there, at the end.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []
    old = {sig: signal.signal(sig, lambda signum, frame: pending.append(signum))
           for sig in _DEFERRED}
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)
        for sig in pending:
            signal.raise_signal(sig)


def run_batch(pages: list[InputPage], out_root: Path, settings: Settings = Settings(), *,
              jobs: int = 1, timeout: float | None = None, memory_mb: int | None = None,
              force: bool = False, retry_failed: bool = False,
              executor: Callable[..., Iterator[Outcome]] | None = None,
              on_result: Callable[[DocResult, bool], None] | None = None,
              pages_per_worker: int | None = None) -> BatchReport:
    """Convert ``pages`` into ``out_root``; ``on_result(result, skipped)`` follows progress.

    ``executor`` runs the conversions (default: the local process pool); it is
    called like ``run_pool`` and yields ``Outcome``s.  Inputs with the same bytes
    are converted once (see ``plan_batch``); the others get a copy of its result
    naming it in ``duplicate_of``.  Raises ``BatchBusy`` when another batch holds
    the folder, ``LedgerDamaged`` when the ledger cannot be trusted, and
    ``BatchStopped`` when the disk fills up or OUT cannot be written.
    """
    start = time.perf_counter()
    out_root.mkdir(parents=True, exist_ok=True)
    lock = _locked(out_root)
    report = BatchReport(results=[None] * len(pages))  # type: ignore[list-item]
    staging_root = out_root / STAGING
    try:
        recover_previous(out_root, staging_root)
        shutil.rmtree(staging_root, ignore_errors=True)  # leftovers of a killed run
        key = settings.key()
        with Ledger(out_root) as ledger:
            try:
                _run(pages, out_root, settings, key, ledger, report, jobs=jobs, timeout=timeout,
                     memory_mb=memory_mb, force=force, retry_failed=retry_failed,
                     executor=executor, on_result=on_result, pages_per_worker=pages_per_worker)
                docs = _write_batch_files(out_root, ledger)
                report.same_document = [d for d in docs if d["input"] in report.fresh
                                        and d["same_as"] and d["status"] != "failed"]
                report.new_versions = [d for d in docs if d["input"] in report.fresh
                                       and d["version"] and d["version"]["number"] > 1]
            except _Stop as stop:
                try:  # what was finished is listed, if the disk lets us
                    _write_batch_files(out_root, ledger)
                except (_Stop, OSError, sqlite3.Error):
                    pass
                report.elapsed = time.perf_counter() - start
                raise BatchStopped(str(stop), report) from None
            except BaseException:  # Ctrl-C, SIGTERM: the manifest lists what was finished
                try:
                    write_manifest(out_root, ledger.all())
                except Exception:
                    pass
                raise
    finally:
        shutil.rmtree(staging_root, ignore_errors=True)
        lock.close()
    report.elapsed = time.perf_counter() - start
    return report


def _write_batch_files(out_root: Path, ledger: Ledger) -> list[dict[str, Any]]:
    everything = ledger.all()
    try:
        write_manifest(out_root, everything)
        docs = manifest_entries(everything)
        # catalogue.csv/.json and index.html: the report's module, from the manifest's entries
        write_batch_files(out_root, docs)
    except OSError as exc:
        raise _Stop(_stop_line(out_root, exc)) from None
    return docs


def _stop_line(out_root: Path, exc: BaseException) -> str:
    if isinstance(exc, sqlite3.Error):
        what = ("no space left on device" if sqlite_fault(exc) == NO_SPACE
                else " ".join(str(exc).split()))
        return f"{out_root}: cannot write the ledger: {what}"
    if isinstance(exc, OSError):
        return f"{out_root}: cannot write the output folder: {os_reason(exc)}"
    return f"{out_root}: {exc}"


def _run(pages: list[InputPage], out_root: Path, settings: Settings, key: str, ledger: Ledger,
         report: BatchReport, *, jobs: int, timeout: float | None, memory_mb: int | None,
         force: bool, retry_failed: bool, executor, on_result, pages_per_worker) -> None:
    if ledger.created:
        line = rebuild(out_root, ledger)
        if line:
            report.notices.append(line)
    fixed = reconcile(out_root, ledger)
    report.notices += fixed.notices
    rows = ledger.keyed()
    shown = [p.shown for p in pages]
    digests = [input_digest(p) for p in pages]
    origins = [capture_origin(p) for p in pages]
    plan = plan_batch(shown, digests, rows, key, formats=settings.formats, force=force,
                      retry_failed=retry_failed, present=lambda r: r.id in fixed.intact)
    wanted = set(settings.formats)
    report.kept_editions = sum(1 for i in plan.convert if set(plan.formats[i]) > wanted)
    if report.kept_editions:
        extra = sorted({f.upper() for i in plan.convert for f in plan.formats[i]} - {
            f.upper() for f in wanted})
        report.notices.append(
            f"{report.kept_editions} record(s) already had the {', '.join(extra)} edition(s), "
            f"which --formats {','.join(settings.formats)} does not ask for: they are made "
            "again and kept (convert into a new folder for records without them)")
    staging_root = out_root / STAGING

    def show(index: int, row: DocResult) -> None:
        shown_row = shown_attempt(row) if row.last_attempt and index in fresh else row
        report.results[index] = shown_row
        report.fresh.add(row.input)
        if on_result:
            on_result(shown_row, False)

    def commit(row: DocResult) -> None:
        try:
            ledger.record(row, key)
        except sqlite3.Error as exc:
            raise _Stop(_stop_line(out_root, exc)) from None

    def drop_unused(ids: set[str | None]) -> None:
        for stale in ids:
            if stale and valid_id(stale) and not ledger.id_in_use(stale):
                shutil.rmtree(out_root / stale, ignore_errors=True)

    fresh: set[int] = set()  # inputs whose row got a last_attempt in this run
    for i in plan.skip:
        report.results[i] = rows[shown[i]][0]
        report.skipped += 1
        if on_result:
            on_result(report.results[i], True)
    for i, anchor in plan.copy:
        prior = rows.get(shown[i], (None, ""))[0]
        copy = as_duplicate(anchor, shown[i])
        if origins[i] and copy is not anchor:
            copy = dataclasses.replace(copy, origin=origins[i])
        row = _row_for(copy, prior, None, key)
        if row.last_attempt and row is not prior:
            fresh.add(i)
        with _signals_deferred():
            commit(row)
            drop_unused({prior.id if prior else None} - {row.id})
        show(i, row)
        report.duplicates += 1

    run = executor or run_pool
    stagings = [staging_root / (digests[i][:16] if digests[i] else f"task-{n}")
                for n, i in enumerate(plan.convert)]
    tasks = [(pages[i].path, pages[i].shown, out_root,
              dataclasses.replace(settings, formats=plan.formats[i]), stagings[n],
              pages[i].archived)
             for n, i in enumerate(plan.convert)]
    if not tasks:  # a re-run with nothing to do starts no worker process at all
        return
    options: dict[str, Any] = {"jobs": jobs, "timeout": timeout, "memory_mb": memory_mb}
    log = out_root / WORKER_LOG
    if run is run_pool:  # the local pool keeps what its workers say off the terminal
        options["log_path"], options["log_dir"] = log, staging_root
        if pages_per_worker:
            options["tasks_per_worker"] = pages_per_worker
        log.unlink(missing_ok=True)
    outcomes = run(convert_page, tasks, **options)
    try:
        for outcome in outcomes:
            n = outcome.index
            i = plan.convert[n]
            result = _result_of(outcome, shown[i], digests[i], stagings[n])
            report.converted += 1
            if result.fault == NO_SPACE:
                prior = rows.get(shown[i], (None, ""))[0]
                try:
                    commit(_row_for(result, prior, _attempt(result, key), key))
                except _Stop:
                    pass
                raise _Stop(f"{out_root}: no space left on device ({shown[i]}: {result.error}); "
                            "the batch stopped")
            with _signals_deferred():
                _settle(i, result, plan, shown, rows, key, ledger, out_root, stagings[n],
                        fixed.intact, commit, drop_unused, show, fresh, origins)
            report.duplicates += len(plan.followers.get(i, []))
    except OSError as exc:
        raise _Stop(_stop_line(out_root, exc)) from None
    finally:
        close = getattr(outcomes, "close", None)
        if close:
            close()  # stops the workers at once when the batch stops or is interrupted
        if log.is_file() and log.stat().st_size:
            report.notices.append(f"the worker processes wrote messages on their standard "
                                  f"error (libraries' diagnostics): {log}")


def _result_of(outcome: Outcome, shown: str, digest: str | None, staging: Path) -> DocResult:
    """The DocResult of a task: its value, or a failure (or a salvaged partial record)."""
    if outcome.error is None:
        result: DocResult = outcome.value
        if result.id is not None and not valid_id(result.id):  # never build a path from it
            return DocResult(input=shown, id=None, status="failed", fault=PAGE,
                             error=f"internal error: the worker gave the id {result.id!r}")
        return result
    failed = DocResult(input=shown, id=digest[:16] if digest else None, status="failed",
                       error=outcome.error, input_sha256=digest, fault=ENVIRONMENT)
    if digest and staging.is_dir():
        return salvage(staging, outcome.error, failed) or failed
    return failed


def _row_for(candidate: DocResult, prior: DocResult | None, attempt: dict | None,
             key: str) -> DocResult:
    """The row an input gets after an attempt (pure).

    ``candidate`` describes what the input's bytes have now (the record folder
    as published or as kept, or a failure); ``prior`` is the input's row before.
    A prior record in another folder (the page changed) is kept when the
    candidate is not better, with the attempt noted in ``last_attempt``.
    """
    if prior is not None and prior.id != candidate.id and not replaces(candidate, prior):
        return dataclasses.replace(prior, last_attempt=attempt or _attempt(candidate, key))
    if candidate.status == "failed":
        return dataclasses.replace(candidate, last_attempt=None)
    return dataclasses.replace(candidate, last_attempt=attempt)


def _settle(i: int, result: DocResult, plan: Plan, shown: list[str], rows, key: str,
            ledger: Ledger, out_root: Path, staging: Path, intact: set[str], commit,
            drop_unused, show, fresh: set[int], origins: list[dict | None]) -> None:
    """Publish a conversion if it is better than the record it would replace; record the
    rows of its input, of the other inputs with its bytes, and of the folder's copies."""
    doc_id = result.id
    holders = [r for r in (ledger.with_id(doc_id) if doc_id else []) if r.status != "failed"]
    # the record now in the folder, if it is as the ledger describes it (else it is no
    # record to keep: damaged, or gone)
    current = next((r for r in holders if r.duplicate_of is None), holders[0] if holders else None)
    if doc_id not in intact:
        current = None
    members = [i] + plan.followers.get(i, [])
    priors = {j: rows.get(shown[j], (None, ""))[0] for j in members}
    # a partial record is published only where it is the best an input has
    wanted = holders or any(p is None or p.id == doc_id or replaces(result, p)
                            for p in priors.values())
    published = False
    if result.status in ("ok", "partial") and replaces(result, current) and wanted:
        publish(staging, out_root / doc_id)
        intact.add(doc_id)
        published = True
    attempt = None if published else _attempt(result, key)
    state = result if published or current is None else current
    for j in members:
        row = as_duplicate(state, shown[j])
        if origins[j] and row is not state:  # a web archive page: its own URL and date
            row = dataclasses.replace(row, origin=origins[j])
        row = _row_for(row, priors[j], attempt if state is current
                       and current is not None else None, key)
        if row.last_attempt:
            fresh.add(j)
        commit(row)
        show(j, row)
    if published:  # every other row of the folder describes the folder it now is
        names = {shown[j] for j in members}
        for other in holders:
            if other.input not in names and other.status != "failed":
                commit(dataclasses.replace(as_duplicate(result, other.input),
                                           origin=other.origin or result.origin))
    drop_unused({p.id for p in priors.values() if p} - {doc_id})


def capture_origin(page: InputPage) -> dict[str, str] | None:
    """The origin a web archive page has whatever record it shares (its own URL, date,
    WARC record); None for a page on disk (its origin is what its bytes state)."""
    a = page.archived
    if a is None or a.error or not a.uri:
        return None
    origin = {"url": a.uri, "from": "warc"}
    if a.date:
        origin["captured"] = a.date
    origin.update({"warc-file": a.warc_name, "warc-record-id": a.record_id})
    return origin


def manifest_entry(r: DocResult) -> dict[str, Any]:
    """A ledger row as manifest.json lists it (and the catalogue and report read it).

    ``outputs``/``sha256`` name the source and the editions; the record's own
    checksum file is listed apart, as ``record`` (its path and sha256).
    """
    outputs = {k: v for k, v in r.outputs.items() if k != "record"}
    sha = {k: v for k, v in r.sha256.items() if k != "record"}
    record = ({"path": r.outputs["record"], "sha256": r.sha256.get("record")}
              if "record" in r.outputs else None)
    return {"input": r.input, "id": r.id, "status": r.status, "error": r.error,
            "retryable": None if r.status == "ok" else retryable(r.fault),
            "outputs": outputs, "sha256": sha, "record": record,
            "input_sha256": r.input_sha256, "duplicate_of": r.duplicate_of,
            "content_digest": r.content_digest, "origin": r.origin,
            "title": r.title, "meta": r.meta, "resources": r.resources if r.status != "failed"
            else [], "warnings": r.warnings, "last_attempt": r.last_attempt}


def write_manifest(out_root: Path, results: list[DocResult]) -> None:
    """``OUT/manifest.json``: every input ever converted into this folder, latest state.

    An input with the same bytes as another names it in ``duplicate_of`` and
    carries its outputs and checksums (one record, one folder).  ``retryable``
    says, for a page that is not ok, whether a plain re-run tries it again;
    ``last_attempt`` notes a conversion that failed over a record that was kept.
    """
    docs = manifest_entries(results)
    write_json_atomic(out_root / MANIFEST_NAME, {"generator": generator_info(), "documents": docs})


def manifest_entries(results: list[DocResult]) -> list[dict[str, Any]]:
    """Every row as the manifest lists it, related to the others (versions.py):
    ``same_as``, for a record whose document (content digest) an earlier capture's
    record holds too, names that capture; ``version``, for a record of a document
    (same 索引号 or URL) whose content changed between captures, gives its number,
    the count and the record of the version before it."""
    from ..versions import relate

    docs = [manifest_entry(r) for r in results]
    same, versions = relate(docs)
    for d in docs:
        d["same_as"] = same.get(d["input"])
        d["version"] = versions.get(d["input"])
    return docs


def read_manifest(out_root: Path) -> dict:
    return json.loads((out_root / MANIFEST_NAME).read_text(encoding="utf-8"))
