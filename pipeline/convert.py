"""One page in, one document folder out.

``convert_file`` is the unit of work a batch runs (in a worker process, locally or
on a Dask cluster): it reads the page, extracts the canonical XML, validates it,
renders the editions, checks that nothing was lost, and leaves the record folder,
with its own checksum file (``record.py``), in a staging folder that the batch's
parent publishes.  It never raises for a bad page: the failure is returned as a
result with a one-line reason and its fault (the page's, or the machine's), so the
batch goes on.

The XML and the source are on disk before any edition is rendered: an edition
that fails, runs out of memory or is killed at the time limit costs that edition,
not the record (status ``partial``).
"""
from __future__ import annotations

import hashlib
import os
import resource
import shutil
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from . import GENERATOR, __version__
from .errors import ENVIRONMENT, MEMORY_ERROR, PAGE, ConversionError, os_fault, os_reason
from .sources.inputs import MAX_INPUT_BYTES, read_archived, read_input  # noqa: F401 (the batch reads inputs through here)
from .batch.record import FILE_NAMES, RECORD_FORMAT, file_sha256, fsync_folder, publish, write_record

#: Output formats, in the order they are produced.  XML is always produced: it is
#: the source of truth the other two are rendered from.
FORMATS = ("xml", "pdf", "docx")
#: The files of a record folder by kind (``record`` is its own checksum file).
OUTPUT_NAMES = FILE_NAMES
STAGING = ".staging"
#: Metadata fields carried into the manifest, the ledger and the catalogue.
CATALOGUE_FIELDS = ("title", "index-number", "doc-number", "issuer", "publisher",
                    "written-date", "published-date", "source", "subject", "validity",
                    "doc-type")



@dataclass(frozen=True)
class Settings:
    """What a conversion depends on besides the input bytes (part of the resume key)."""

    formats: tuple[str, ...] = FORMATS
    #: run pikepdf's PDF/A checker on each PDF before it is published.  It checks,
    #: it does not change the output, so it is not part of the resume key.
    validate_pdfa: bool = False

    def key(self) -> str:
        """A short stable digest of what shapes the outputs: the generator and its version.

        The editions asked for are not part of it: a record holding more editions
        than ``--formats`` asks for satisfies the request (and keeps them), one
        holding fewer is converted again (see ``batch.plan_batch``).
        """
        text = f"{GENERATOR} {__version__} record-1"
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass
class DocResult:
    """The outcome of one input, as the manifest records it."""

    input: str
    id: str | None
    #: "ok": every edition asked for; "partial": source and XML kept, an edition
    #: failed (``error`` says which and why); "failed": no record
    status: str
    error: str | None = None
    outputs: dict[str, str] = field(default_factory=dict)
    sha256: dict[str, str] = field(default_factory=dict)
    input_sha256: str | None = None
    title: str | None = None
    #: the catalogue fields of the record (索引号, 发文字号, issuer, dates, …)
    meta: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    #: Set when the input's bytes equal those of another input, the one converted:
    #: that input (as shown).  The rest of the result is a copy of its result, so
    #: both name the same folder and the same checksums.
    duplicate_of: str | None = None
    seconds: float = 0.0
    #: peak resident memory of the process that converted it, in MB
    peak_rss_mb: float = 0.0
    #: whose fault a failed or partial result is (errors.PAGE / ENVIRONMENT / NO_SPACE)
    fault: str | None = None
    #: a conversion that failed over an existing record, which was kept: its
    #: status, error, fault, time, input_sha256 (see batch.py)
    last_attempt: dict[str, Any] | None = None
    #: where the worker left the record folder for the parent to publish (not recorded)
    staging: str | None = None
    #: the SHA-256 of the canonical document without provenance (digest.py): the same
    #: document across byte-different captures
    content_digest: str | None = None
    #: where the page came from: url, from, captured, warc-file, warc-record-id
    #: (canonical.origin_of), for the manifest, the catalogue and the report
    origin: dict[str, str] = field(default_factory=dict)
    #: the pictures and attachments kept in the record: path, role, original name,
    #: mime, bytes, url (resources.Kept.listed)
    resources: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def document_id(data: bytes) -> str:
    """The id of a document: the first 16 hex digits of the sha256 of the input bytes.

    Stable for the same bytes wherever and whenever they are converted, and free of
    any character a file system or archive could object to.  Identical pages
    scraped twice share one id (one record), whatever their file names.
    """
    return hashlib.sha256(data).hexdigest()[:16]


sha256_file = file_sha256


def convert_file(path: Path, shown: str, out_root: Path, settings: Settings = Settings(),
                 staging: Path | None = None, archived=None) -> DocResult:
    """Convert one page; never raises for a bad page.

    ``archived`` (a ``sources.ArchivedPage``): the page is a record of the web archive
    ``path``, read there by offset; its pictures and attachments come from the same
    archive, its origin (URL, capture time, WARC file and record) from the WARC.

    With ``staging`` (what a batch passes) the record folder is left there, whole,
    with its record.json, and ``result.staging`` names it: the batch's parent
    publishes it, so nothing a worker does can reach ``OUT/<id>/`` after the
    parent is gone.  Without, the folder is staged and published here (one page
    converted on its own).
    """
    start = time.perf_counter()
    result = DocResult(input=shown, id=None, status="failed")
    own = staging is None
    try:
        data = read_archived(archived) if archived is not None else read_input(path)
        result.input_sha256 = hashlib.sha256(data).hexdigest()
        result.id = document_id(data)
        if own:
            staging = out_root / STAGING / f"{result.id}.{os.getpid()}.{uuid.uuid4().hex[:8]}"
        _convert(data, path, staging, settings, result, archived)
        if own:
            publish(staging, out_root / result.id)
        else:
            result.staging = str(staging)
    except ConversionError as exc:
        result.error, result.fault = str(exc), PAGE
    except RecursionError:
        result.error, result.fault = "page is nested too deeply to process", PAGE
    except MemoryError:
        result.error, result.fault = f"page {MEMORY_ERROR}", ENVIRONMENT
    except OSError as exc:
        fault = os_fault(exc)
        if fault is None:  # not the machine's: a bug (a file we should not have touched?)
            result.error, result.fault = _internal(exc), PAGE
        else:
            result.error, result.fault = f"cannot write the record: {os_reason(exc)}", fault
    except Exception as exc:  # a bug, not a bad page: still one line, still the batch goes on
        result.error, result.fault = _internal(exc), PAGE
    finally:
        if staging is not None and (own or result.status == "failed"):
            shutil.rmtree(staging, ignore_errors=True)
    if result.status == "failed":
        result.outputs, result.sha256 = {}, {}
    result.warnings = list(dict.fromkeys(result.warnings))  # each once, in order
    result.seconds = round(time.perf_counter() - start, 3)
    result.peak_rss_mb = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return result


def _out_of_memory(exc: BaseException) -> bool:
    """Whether an exception is, or was raised from, a MemoryError."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, MemoryError):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def _internal(exc: BaseException) -> str:
    return f"internal error: {type(exc).__name__}: {' '.join(str(exc).split())}"[:500]


def _convert(data: bytes, path: Path, staging: Path, settings: Settings,
             result: DocResult, archived=None) -> None:
    """Extract, keep the page's files, then stage source + XML (+ record.json) before
    rendering any edition (which read the pictures from the staged record only)."""
    from lxml import etree

    from . import canonical
    from .digest import content_digest
    from .extract import extract
    from .sources.inputs import displayable
    from .sources.resources import ArchiveSource, FolderSource, keep

    converted = datetime.now(timezone.utc)
    if archived is not None:
        origin = canonical.Origin(
            url=archived.uri, source="warc", captured=archived.date,
            warc=canonical.WarcRecord(file=archived.warc_name, record_id=archived.record_id,
                                      target_uri=archived.uri, date=archived.date))
        doc = extract(data, name=result.input, converted=converted, origin=origin,
                      charset=archived.charset)
    else:
        # the name as text: a file name that is not UTF-8 would lose characters in the XML
        doc = extract(data, name=displayable(path.name), converted=converted)
    doc.set("id", result.id)

    shutil.rmtree(staging, ignore_errors=True)  # a task run again (Dask retries) starts afresh
    staging.mkdir(parents=True)
    result.origin = dict(canonical.origin_of(doc),
                         converted=converted.isoformat(timespec="seconds"))
    source = (ArchiveSource(archived.index, archived.date) if archived is not None
              else FolderSource(path.parent, path.name, result.origin.get("url")))
    try:
        kept = keep(doc, staging, source)  # pictures and attachments, into the record
    finally:
        close = getattr(source, "close", None)
        if close:
            close()
    prov = doc.find(canonical.q("provenance"))
    for w in kept.warnings:  # the record itself says what it lacks
        etree.SubElement(prov, canonical.q("warning")).text = w
    # what extraction noticed (recorded in the XML's provenance) is reported with the rest
    noticed = doc.iterfind(f"{canonical.q('provenance')}/{canonical.q('warning')}")
    result.warnings += [w.text for w in noticed if w.text]
    canonical.validate(doc)
    xml_bytes = canonical.serialize(doc)
    meta = canonical.meta_of(doc)
    result.title = meta.get("title")
    result.meta = {k: v for k, v in meta.items() if k in CATALOGUE_FIELDS}
    result.content_digest = content_digest(doc)
    result.resources = [dict(r, path=f"{result.id}/{r['path']}") for r in kept.listed()]

    rec = new_record(result, settings)
    _add_file(staging, rec, "source", data)
    _add_file(staging, rec, "xml", xml_bytes)
    rec["files"].update(kept.files)
    lost: list[str] = []
    for fmt in ("pdf", "docx"):
        if fmt not in settings.formats:
            continue
        rec["rendering"] = fmt  # the parent reads this if the worker is killed now
        rec["warnings"] = list(dict.fromkeys(result.warnings))
        write_record(staging, rec)
        fault = PAGE
        try:
            result.warnings += _render(fmt, doc, xml_bytes, staging, staging, settings)
            rec["files"][fmt] = _entry(staging / FILE_NAMES[fmt])
            continue
        except OSError as exc:
            if os_fault(exc):  # the machine's fault: no record this time, try again later
                raise
            why = _internal(exc)
        except ConversionError as exc:  # the renderer's one-line reason, or characters lost
            why = str(exc)
            if _out_of_memory(exc):  # a renderer that reports a MemoryError in its words
                why, fault = MEMORY_ERROR, ENVIRONMENT
        except MemoryError:
            why, fault = MEMORY_ERROR, ENVIRONMENT
        except RecursionError:
            why = "the document is nested too deeply"
        except Exception as exc:  # a bug in a renderer: this edition is lost, not the record
            why = _internal(exc)
        (staging / FILE_NAMES[fmt]).unlink(missing_ok=True)
        lost.append(f"{fmt.upper()} edition not made: {why}")
        result.fault = ENVIRONMENT if ENVIRONMENT in (fault, result.fault) else PAGE
    rec.pop("rendering", None)
    result.warnings = once_each(doc, result.warnings)
    rec["warnings"] = result.warnings
    if lost:
        result.status = "partial"
        result.error = partial_reason(rec, lost)
    else:
        result.status, result.fault = "ok", None
    rec["status"], rec["reason"], rec["fault"] = result.status, result.error, result.fault
    finish_record(staging, rec, result)


def once_each(doc, warnings: list[str]) -> list[str]:
    """The warnings of a record, each once (pure).

    Both editions report a picture they could not embed, each in its own words;
    the record says it once, in the words of the first (extraction, then the PDF,
    then the Word edition).  A warning names a picture by its ``src`` or by its
    local file, so both are matched.
    """
    from . import canonical

    pictures: list[set[str]] = []
    for image in doc.iter(canonical.q("image")):
        refs = {v for v in (image.get("src"), image.get("local")) if v}
        if refs:
            pictures.append(refs)
    kept: list[str] = []
    about: set[int] = set()
    for w in dict.fromkeys(warnings):
        hit = next((n for n, refs in enumerate(pictures) if any(r in w for r in refs)), None)
        if hit is not None:
            if hit in about:
                continue
            about.add(hit)
        kept.append(w)
    return kept


def _render(fmt: str, doc, xml_bytes: bytes, staging: Path, resource_dir: Path,
            settings: Settings) -> list[str]:
    """Render one edition into the staging folder and check it kept every character."""
    from . import fidelity
    from .errors import RenderError

    target = staging / FILE_NAMES[fmt]
    if fmt == "pdf":
        from .render.pdf import render_pdf
        warnings = render_pdf(doc, xml_bytes, target, resource_dir=resource_dir,
                              validate=settings.validate_pdfa)
        f = fidelity.pdf_fidelity(doc, target)
    else:
        from .render.docx import render_docx
        warnings = render_docx(doc, target, resource_dir=resource_dir)
        f = fidelity.docx_fidelity(doc, target)
    if not f.ok:  # every body character must reach each edition
        raise RenderError(f.summary())
    return list(warnings)


def new_record(result: DocResult, settings: Settings) -> dict[str, Any]:
    """record.json of a record being staged (status partial until every edition is done)."""
    return {"format": RECORD_FORMAT, "id": result.id, "status": "partial",
            "reason": "not finished", "fault": None,
            "input": result.input, "input_sha256": result.input_sha256,
            "formats": list(settings.formats), "settings_key": settings.key(),
            "generator": {"name": GENERATOR, "version": __version__},
            "converted_at": datetime.now(timezone.utc).isoformat(timespec="microseconds"),
            "title": result.title, "meta": result.meta, "warnings": [], "files": {},
            "content_digest": result.content_digest, "origin": result.origin}


def partial_reason(rec: dict[str, Any], lost: list[str]) -> str:
    """The one-line reason of a partial record: what it keeps, what it lacks and why."""
    kept = ", ".join(k.upper() if k != "source" else "source" for k in rec["files"])
    return f"partial record ({kept} kept): " + "; ".join(lost)


def finish_record(staging: Path, rec: dict[str, Any], result: DocResult) -> None:
    """Write the final record.json (flushed with every file) and copy its checksums to
    the result."""
    fsync_folder(staging)  # the data is on disk before anyone can publish it
    sha = write_record(staging, rec, sync=True)
    result.outputs = {k: f"{result.id}/{f['name']}" for k, f in rec["files"].items()}
    result.sha256 = {k: f["sha256"] for k, f in rec["files"].items()}
    result.outputs["record"] = f"{result.id}/{FILE_NAMES['record']}"
    result.sha256["record"] = sha


def _add_file(staging: Path, rec: dict[str, Any], kind: str, data: bytes) -> None:
    (staging / FILE_NAMES[kind]).write_bytes(data)
    rec["files"][kind] = {"name": FILE_NAMES[kind], "bytes": len(data),
                          "sha256": hashlib.sha256(data).hexdigest()}


def _entry(path: Path) -> dict[str, Any]:
    return {"name": path.name, "bytes": path.stat().st_size, "sha256": file_sha256(path)}
