"""One page in, one document folder out.

``convert_file`` is the unit of work a batch runs (in a worker process, locally or
on a Dask cluster): it reads the page, extracts the canonical XML, validates it,
renders the editions, checks that nothing was lost, and publishes the document
folder atomically.  It never raises for a bad page: the failure is returned as a
result with a one-line reason, so the batch goes on.
"""
from __future__ import annotations

import errno
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
from .errors import ConversionError
from .inputs import MAX_INPUT_BYTES, read_input  # noqa: F401 (the batch reads inputs through here)

#: Output formats, in the order they are produced.  XML is always produced: it is
#: the source of truth the other two are rendered from.
FORMATS = ("xml", "pdf", "docx")
OUTPUT_NAMES = {"source": "source.html", "xml": "document.xml",
                "pdf": "document.pdf", "docx": "document.docx"}
STAGING = ".staging"
#: Metadata fields carried into the manifest, the ledger and the catalogue.
CATALOGUE_FIELDS = ("title", "index-number", "doc-number", "issuer", "publisher",
                    "written-date", "published-date", "source", "subject", "validity")



@dataclass(frozen=True)
class Settings:
    """What a conversion depends on besides the input bytes (part of the resume key)."""

    formats: tuple[str, ...] = FORMATS
    #: run pikepdf's PDF/A checker on each PDF before it is published.  It checks,
    #: it does not change the output, so it is not part of the resume key.
    validate_pdfa: bool = False

    def key(self) -> str:
        """A short stable digest of what shapes the outputs and of the generator version."""
        text = f"{GENERATOR} {__version__} formats={','.join(self.formats)}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass
class DocResult:
    """The outcome of one input, as the manifest records it."""

    input: str
    id: str | None
    status: str  # "ok" | "failed"
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

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def document_id(data: bytes) -> str:
    """The id of a document: the first 16 hex digits of the sha256 of the input bytes.

    Stable for the same bytes wherever and whenever they are converted, and free of
    any character a file system or archive could object to.  Identical pages
    scraped twice share one id (one record), whatever their file names.
    """
    return hashlib.sha256(data).hexdigest()[:16]


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def convert_file(path: Path, shown: str, out_root: Path,
                 settings: Settings = Settings()) -> DocResult:
    """Convert one page into ``out_root/<id>/``; never raises for a bad page."""
    start = time.perf_counter()
    result = DocResult(input=shown, id=None, status="failed")
    try:
        data = read_input(path)
        result.input_sha256 = hashlib.sha256(data).hexdigest()
        result.id = document_id(data)
        _convert(data, path, out_root, settings, result)
        result.status = "ok"
    except ConversionError as exc:
        result.error = str(exc)
    except RecursionError:
        result.error = "page is nested too deeply to process"
    except MemoryError:
        result.error = "page needs more memory than allowed"
    except Exception as exc:  # a bug, not a bad page: still one line, still the batch goes on
        result.error = f"internal error: {type(exc).__name__}: {' '.join(str(exc).split())}"[:500]
    result.seconds = round(time.perf_counter() - start, 3)
    result.peak_rss_mb = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return result


def _convert(data: bytes, path: Path, out_root: Path, settings: Settings,
             result: DocResult) -> None:
    from . import canonical
    from .extract import extract
    from .images import locate_images
    from .inputs import displayable

    # the name as text: a file name that is not UTF-8 would lose characters in the XML
    doc = extract(data, name=displayable(path.name), converted=datetime.now(timezone.utc))
    doc.set("id", result.id)
    locate_images(doc, path.parent, path.name)  # pictures saved beside the page
    # what extraction noticed (recorded in the XML's provenance) is reported with the rest
    noticed = doc.iterfind(f"{canonical.q('provenance')}/{canonical.q('warning')}")
    result.warnings += [w.text for w in noticed if w.text]
    canonical.validate(doc)
    xml_bytes = canonical.serialize(doc)
    meta = canonical.meta_of(doc)
    result.title = meta.get("title")
    result.meta = {k: v for k, v in meta.items() if k in CATALOGUE_FIELDS}
    resource_dir = path.resolve().parent

    staging = out_root / STAGING / f"{result.id}.{os.getpid()}.{uuid.uuid4().hex[:8]}"
    staging.mkdir(parents=True)
    try:
        (staging / OUTPUT_NAMES["source"]).write_bytes(data)
        (staging / OUTPUT_NAMES["xml"]).write_bytes(xml_bytes)
        if "pdf" in settings.formats:
            from .render.pdf import render_pdf
            result.warnings += render_pdf(doc, xml_bytes, staging / OUTPUT_NAMES["pdf"],
                                          resource_dir=resource_dir,
                                          validate=settings.validate_pdfa)
        if "docx" in settings.formats:
            from .render.docx import render_docx
            result.warnings += render_docx(doc, staging / OUTPUT_NAMES["docx"],
                                           resource_dir=resource_dir)
        result.warnings += _check_fidelity(doc, staging, settings)
        for key, name in OUTPUT_NAMES.items():
            f = staging / name
            if f.exists():
                result.outputs[key] = f"{result.id}/{name}"
                result.sha256[key] = sha256_file(f)
        publish(staging, out_root / result.id)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _check_fidelity(doc, staging: Path, settings: Settings) -> list[str]:
    """Every body character must reach each edition; a loss fails the document."""
    from .fidelity import check_outputs
    return check_outputs(doc, staging, settings.formats)


def publish(staging: Path, final: Path) -> None:
    """Move a finished document folder into place so it appears whole or not at all.

    An older folder of the same id is swapped out first and removed after, so a
    reader sees either the old complete folder or the new complete one.
    """
    for f in staging.iterdir():  # the data is on disk before the folder is visible
        with open(f, "rb") as fh:
            os.fsync(fh.fileno())
    # run_batch converts each input digest once, so two publishes of one id should
    # not meet; should they (a task re-run elsewhere), whoever renames last wins,
    # and both folders are complete.
    for _ in range(10):
        try:
            os.replace(staging, final)
            return
        except OSError as exc:
            if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                raise
        old = final.parent / STAGING / f"{final.name}.old.{uuid.uuid4().hex[:8]}"
        try:
            os.replace(final, old)
        except FileNotFoundError:
            continue
        shutil.rmtree(old, ignore_errors=True)
    raise OSError(f"could not publish {final.name}: the folder keeps being replaced")
