"""The archival PDF edition: canonical XML -> PDF/A-3b laid out per GB/T 9704-2012.

    render_pdf(doc, xml_bytes, out, resource_dir=None) -> warnings

The document goes canonical XML -> XHTML (XSLT, ``xhtml.py``) -> WeasyPrint with
the house stylesheet (``css.py``) -> PDF/A-3b with the canonical XML attached as
``document.xml`` -> repaired and described (``pdfa.py``) -> checked by pikepdf's
PDF/A validator before ``out`` is written.  Only XHTML generated here ever
reaches WeasyPrint, and its only way to read a file is ``SandboxFetcher``.
"""
from __future__ import annotations

import functools
import gc
import hashlib
import logging
import warnings as warnings_module
from datetime import datetime, timezone
from pathlib import Path

from lxml import etree

from ..errors import RenderError
from .css import stylesheet_text
from .fetcher import FontFetcher, SandboxFetcher
from .fonts import face_css, font_files, half_punct_css, last_resort_css, undrawable
from .pdfa import finish
from .xhtml import to_xhtml

XHTML = "http://www.w3.org/1999/xhtml"
ATTACHMENT_NAME = "document.xml"
PDF_VARIANT = "pdf/a-3b"

#: WeasyPrint reports unreadable resources through logging; collect them per render.
_WP_LOGGER = logging.getLogger("weasyprint")


@functools.lru_cache(maxsize=1)
def _weasy():
    """WeasyPrint, its font configuration and the parsed house stylesheet: built once
    per process (font configuration and CSS parsing cost more than a short page)."""
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    font_config = FontConfiguration()
    # the house stylesheet reads nothing but the installed fonts its @font-face rules name
    css = weasyprint.CSS(string=face_css() + "\n" + stylesheet_text(), font_config=font_config,
                         url_fetcher=FontFetcher(font_files()))
    # What lives for the whole process (modules, fonts, the stylesheet) is moved out
    # of the collector's sight, so its collections walk only the documents' objects.
    gc.collect()
    gc.freeze()
    return weasyprint, font_config, css


@functools.lru_cache(maxsize=1)
def _half_punct_sheet():
    """The half-width punctuation face, parsed once per process when first needed."""
    weasyprint, font_config, _ = _weasy()
    return weasyprint.CSS(string=half_punct_css(), font_config=font_config,
                          url_fetcher=SandboxFetcher(None))


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(" ".join(record.getMessage().split())[:300])


def provenance_time(doc: etree._Element) -> datetime:
    """The conversion time recorded in the document: fixed dates make output reproducible."""
    text = doc.findtext("{urn:govdoc:canonical:1}provenance/{urn:govdoc:canonical:1}converted")
    try:
        when = datetime.fromisoformat(text) if text else datetime(2000, 1, 1)
    except ValueError:
        when = datetime(2000, 1, 1)
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def stylesheets_for(page) -> list:
    """The stylesheets a page is laid out with: the house stylesheet (its fonts by
    exact program), and the half-width punctuation face when a line squeezes a mark.
    (bench/ lays out the same XHTML with the same sheets in bare WeasyPrint.)"""
    weasyprint, font_config, css = _weasy()
    sheets = [css]
    if any("sq" in (el.get("class") or "").split() for el in page.root.iter(f"{{{XHTML}}}span")):
        sheets.append(_half_punct_sheet())  # squeezed closing marks (render/lines.py)
    return sheets


def render_pdf(doc: etree._Element, xml_bytes: bytes, out: Path, *,
               resource_dir: Path | None = None, validate: bool = False) -> list[str]:
    """Render ``doc`` to an archival PDF at ``out``; return one-line warnings.

    ``xml_bytes`` (the serialised canonical XML) is embedded as the associated
    file ``document.xml``.  Pictures are read only from ``resource_dir``; a
    picture that is not there becomes a framed placeholder and a warning.
    With ``validate``, pikepdf's PDF/A-3b checker must pass before ``out`` is
    written (see pdfa.finish for why it is not the default).
    Raises RenderError with a one-line reason when no valid PDF/A can be made.
    """
    weasyprint, font_config, css = _weasy()
    page = to_xhtml(doc, resource_dir)
    warnings = list(page.warnings)
    # everything the page will draw: body, title, 文号, placeholder texts
    text = "".join(page.root.find("{http://www.w3.org/1999/xhtml}body").itertext())
    missing = undrawable(text)
    for ch in missing:
        warnings.append(f"character {ch!r} (U+{ord(ch):04X}) has no glyph in any installed font: "
                        "drawn as a box")

    fetcher = SandboxFetcher(resource_dir)
    when = provenance_time(doc)
    attachment = weasyprint.Attachment(
        string=xml_bytes, name=ATTACHMENT_NAME, url_fetcher=fetcher,
        description="Canonical XML of this document (source of this rendering)",
        relationship="Data", created=when, modified=when)
    identifier = hashlib.sha256(xml_bytes).hexdigest()[:32].encode("ascii")
    base_url = resource_dir.resolve().as_uri() + "/" if resource_dir is not None else None

    collect = _Collect()
    _WP_LOGGER.addHandler(collect)
    try:
        sheets = stylesheets_for(page)
        if missing:  # a generated box glyph: PDF/A forbids .notdef, the text keeps the character
            sheets.append(weasyprint.CSS(string=last_resort_css(missing), font_config=font_config,
                                         url_fetcher=fetcher))
        options = dict(stylesheets=sheets, pdf_variant=PDF_VARIANT, pdf_tags=True,
                       attachments=[attachment], pdf_identifier=identifier,
                       uncompressed_pdf=False)

        html = weasyprint.HTML(string=page.tostring().decode("utf-8"), base_url=base_url,
                               url_fetcher=fetcher, media_type="print")
        # one layout: the lines are chosen already (render/lines.py, xhtml_lines.py)
        document = html.render(font_config=font_config, **options)
        raw = document.write_pdf(**{k: v for k, v in options.items() if k != "stylesheets"})
    except Exception as e:  # WeasyPrint raises many types; the batch needs one line
        raise RenderError(f"PDF layout failed: {type(e).__name__}: {e}") from e
    finally:
        _WP_LOGGER.removeHandler(collect)
    # the record's files by their names in the record, not by the staging folder's path
    warnings += [f"renderer: {line.replace(base_url, '') if base_url else line}" for line in collect.lines]
    if fetcher.refused:
        warnings.append(f"{len(fetcher.refused)} resource(s) outside the page folder refused")

    del document
    # pikepdf's PDF/A check records *any* warning raised while it parses content,
    # including a ResourceWarning from an unrelated object the garbage collector
    # finalises then (WeasyPrint leaves its sRGB profile file open): collect before
    # the check, and not during it.
    if validate:
        _collect_garbage()
        gc.disable()
    try:
        finish(raw, out, doc, xml_bytes, when, validate=validate, resource_dir=resource_dir)
    finally:
        if validate:
            gc.enable()
    # No forced collection here: Python's own collector keeps a worker flat (210 MB
    # peak over 216 renders either way) and a full collection per document cost 8 %.
    return warnings


def _collect_garbage() -> None:
    """Collect WeasyPrint's cycles now, quietly (before a PDF/A check, see render_pdf)."""
    with warnings_module.catch_warnings():
        warnings_module.simplefilter("ignore", ResourceWarning)
        gc.collect()


def pdf_text(path: Path) -> str:
    """The PDF's text layer (what a reader can copy or search); see pipeline.fidelity."""
    from ..fidelity import pdf_text as read

    return read(Path(path))
