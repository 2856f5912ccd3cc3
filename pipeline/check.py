"""Re-verify a finished batch, document by document, as an archive would at ingest.

For each document of ``OUT/manifest.json``: every output is present and matches its
checksum; the XML parses safely and validates; the PDF is approved by pikepdf's
PDF/A checker, embeds every font and carries the canonical XML; the text of the
PDF and of the .docx holds every character of the XML body.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import canonical, fidelity
from .convert import sha256_file
from .errors import ConversionError
from .batch.record import valid_id, valid_output


@dataclass
class DocCheck:
    input: str
    id: str | None
    problems: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def pdf_problems(pdf_path: Path, xml_bytes: bytes | None) -> list[str]:
    """What keeps a PDF from being an archival edition (empty when nothing does)."""
    import pikepdf
    from pikepdf import pdfa

    problems: list[str] = []
    with pikepdf.open(pdf_path) as pdf:
        meta = pdf.open_metadata()
        part = str(meta.get("pdfaid:part", "") or "")
        conf = str(meta.get("pdfaid:conformance", "") or "").lower()
        if not part:
            problems.append("PDF: no PDF/A identification in its XMP metadata")
        if pdf.is_encrypted:
            problems.append("PDF: encrypted")
        for name in sorted(_unembedded_fonts(pdf)):
            problems.append(f"PDF: font {name} not embedded")
        if xml_bytes is not None:
            attached = {n: a.get_file().read_bytes() for n, a in pdf.attachments.items()}
            if not any(data == xml_bytes for data in attached.values()):
                problems.append("PDF: the canonical XML is not attached (or differs from document.xml)")
    if part:
        flavour = f"{part}{conf or 'b'}"
        if flavour not in ("1b", "2b", "3b"):
            flavour = f"{part}b"
        report = pdfa.validate_written(pdf_path, flavour)
        for f in report.violations:
            problems.append(f"PDF/A-{flavour}: {f.rule_id}: {' '.join(str(f.message).split())}"[:300])
    return problems


def _unembedded_fonts(pdf) -> set[str]:
    missing = set()
    for page in pdf.pages:
        fonts = page.obj.get("/Resources", {}).get("/Font") or {}
        for _, font in fonts.items():
            desc = font.get("/FontDescriptor")
            if desc is None and "/DescendantFonts" in font:
                desc = font["/DescendantFonts"][0].get("/FontDescriptor")
            if desc is None or not any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                missing.add(str(font.get("/BaseFont", "?")))
    return missing


def check_document(out_root: Path, entry: dict) -> DocCheck:
    """All checks of one manifest entry.

    A partial record (an edition failed) is checked like any other, and its
    missing edition is a problem.
    """
    if not isinstance(entry, dict):
        return DocCheck("?", None, ["not a manifest entry"])
    result = DocCheck(str(entry.get("input", "?")), entry.get("id"))
    status = entry.get("status")
    if status not in ("ok", "partial"):
        result.problems.append(f"was not converted: {entry.get('error') or 'failed'}")
        return result
    if not valid_id(result.id):
        result.problems.append(f"{result.id!r} is not a record id (manifest.json was edited?)")
        return result
    if status == "partial":
        result.problems.append(entry.get("error") or "partial record")
    outputs: dict[str, str] = entry.get("outputs") or {}
    files = [(k, rel, (entry.get("sha256") or {}).get(k)) for k, rel in outputs.items()]
    record = entry.get("record")
    if isinstance(record, dict):
        files.append(("record", record.get("path"), record.get("sha256")))
    for key, rel, sha in files:
        if not valid_output(result.id, key, rel):
            result.problems.append(f"{rel!r}: not a file of record {result.id}")
            continue
        path = out_root / rel
        if not path.is_file():
            result.problems.append(f"{rel}: missing")
        elif sha256_file(path) != sha:
            result.problems.append(f"{rel}: checksum differs from the manifest")
    result.checked.append("checksums")
    if "xml" not in outputs or not valid_output(result.id, "xml", outputs["xml"]) \
            or not (out_root / outputs["xml"]).is_file():
        result.problems.append("no canonical XML")
        return result
    xml_bytes = (out_root / outputs["xml"]).read_bytes()
    try:
        doc = canonical.parse(xml_bytes)
        canonical.validate(doc)
    except ConversionError as exc:
        result.problems.append(f"XML: {exc}")
        return result
    except Exception as exc:  # unparseable
        result.problems.append(f"XML: not well-formed ({' '.join(str(exc).split())})")
        return result
    result.checked.append("xml")
    body = "".join(canonical.body_of(doc).itertext())
    if "pdf" in outputs and (out_root / outputs["pdf"]).is_file():
        pdf_path = out_root / outputs["pdf"]
        try:
            result.problems += pdf_problems(pdf_path, xml_bytes)
            f = fidelity.compare(body, fidelity.pdf_text(pdf_path))
        except Exception as exc:
            result.problems.append(f"PDF: cannot be read ({' '.join(str(exc).split())})"[:300])
        else:
            if not f.ok:
                result.problems.append(f"PDF text: {f.summary()}")
        result.checked += ["pdf/a", "fonts", "pdf text"]
    if "docx" in outputs and (out_root / outputs["docx"]).is_file():
        try:
            f = fidelity.compare(body, fidelity.docx_text(out_root / outputs["docx"]))
        except Exception as exc:
            result.problems.append(f"DOCX: cannot be read ({' '.join(str(exc).split())})"[:300])
        else:
            if not f.ok:
                result.problems.append(f"DOCX text: {f.summary()}")
        result.checked.append("docx text")
    return result


def check_batch(out_root: Path, manifest: dict) -> list[DocCheck]:
    return [check_document(out_root, e) for e in manifest.get("documents", [])]


def describe(r: DocCheck) -> str:
    """How a document is named on a result line: its input, and its id when it has one."""
    return f"{r.input} ({r.id})" if r.id else r.input
