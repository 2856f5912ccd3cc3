"""Finishing WeasyPrint's PDF/A-3b: repairs, archival metadata, validation.

WeasyPrint 70 declares PDF/A but leaves a few things an archive validator
rejects or that are merely untidy; they are repaired here with pikepdf, the
document's own metadata is written into the XMP packet, and (on request, and
always in ``govdoc check``) the result is validated with pikepdf's PDF/A checker
before anything is written to ``out``.
"""
from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import pikepdf
from lxml import etree

from ..canonical import meta_of
from ..errors import RenderError

FLAVOUR = "3b"


def _repair_resources(pdf: pikepdf.Pdf) -> int:
    """Two repairs in one walk over every resource dictionary (pages, form XObjects,
    patterns): remove the empty /Pattern and /Shading dictionaries WeasyPrint writes
    on every page (validators reject a resource dictionary with no entries), and drop
    /Interpolate from pictures (WeasyPrint marks them true; PDF/A 6.2.8 requires
    false).  Walking the resources, not every object of the file, keeps it cheap."""
    dropped = 0
    seen: set[tuple[int, int]] = set()

    def clean(res) -> None:
        nonlocal dropped
        if not isinstance(res, pikepdf.Dictionary):
            return
        for key in ("/Pattern", "/Shading"):
            if key in res and isinstance(res[key], pikepdf.Dictionary) and len(res[key].keys()) == 0:
                del res[key]
                dropped += 1
        for key in ("/XObject", "/Pattern"):
            children = res.get(key)
            if not isinstance(children, pikepdf.Dictionary):
                continue
            for _, child in children.items():
                og = child.objgen if child.is_indirect else None
                if og and og in seen:
                    continue
                if og:
                    seen.add(og)
                if not isinstance(child, (pikepdf.Stream, pikepdf.Dictionary)):
                    continue
                if child.get("/Subtype") == "/Image":
                    for image in (child, child.get("/SMask"), child.get("/Mask")):
                        if isinstance(image, pikepdf.Stream) and "/Interpolate" in image:
                            del image["/Interpolate"]  # the picture and its soft mask
                    continue
                clean(child.get("/Resources"))

    for page in pdf.pages:
        clean(page.obj.get("/Resources"))
    return dropped


def _dedupe_af(pdf: pikepdf.Pdf) -> None:
    """WeasyPrint lists the attached file twice in the catalog's /AF array."""
    af = pdf.Root.get("/AF")
    if not isinstance(af, pikepdf.Array):
        return
    unique, seen = [], set()
    for item in af:
        key = item.objgen if item.is_indirect else repr(item)
        if key not in seen:
            seen.add(key)
            unique.append(item)
    pdf.Root.AF = pikepdf.Array(unique)


def _xmp(pdf: pikepdf.Pdf, doc: etree._Element, when: datetime) -> None:
    """Describe the document in XMP from the canonical meta (Dublin Core only:
    it needs no extension schema under PDF/A)."""
    meta = meta_of(doc)
    creator = meta.get("issuer") or meta.get("publisher") or meta.get("source")
    ids = [f"{label}:{meta[k]}" for k, label in
           (("doc-number", "发文字号"), ("index-number", "索引号"), ("unified-number", "统一编号"))
           if meta.get(k)]
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=True) as xmp:
        if meta.get("title"):
            xmp["dc:title"] = meta["title"]
        if creator:
            xmp["dc:creator"] = [creator]
        if meta.get("publisher"):
            xmp["dc:publisher"] = {meta["publisher"]}
        if ids:
            xmp["dc:identifier"] = "; ".join(ids)
        if meta.get("subject"):
            xmp["dc:subject"] = {meta["subject"]}
        if meta.get("url"):
            xmp["dc:source"] = meta["url"]
        dates = [meta[k] for k in ("written-date", "published-date") if meta.get(k)]
        if dates:
            xmp["dc:date"] = dates
        xmp["dc:language"] = {"zh-CN"}
        xmp["dc:format"] = "application/pdf"
        xmp["xmp:CreatorTool"] = "govdoc (WeasyPrint)"
        stamp = when.isoformat(timespec="seconds")
        xmp["xmp:MetadataDate"] = stamp
        xmp["xmp:ModifyDate"] = stamp
        xmp["xmp:CreateDate"] = stamp


def _associate(pdf: pikepdf.Pdf, doc: etree._Element, resource_dir: Path | None,
               when: datetime) -> int:
    """Embed every picture and attachment the record keeps (``@local``) as an associated
    file of the document (PDF/A-3: ``/AF`` with ``/AFRelationship /Supplement`` and its
    MIME type), so the archival PDF carries the 附件 and the original pictures with it.
    Read from the record folder only, each file once; returns how many."""
    from ..canonical import q
    from ..images import file_inside

    if resource_dir is None:
        return 0
    stamp = "D:" + when.strftime("%Y%m%d%H%M%S") + "Z"
    done: set[str] = set()
    for el in doc.iter(q("attachment"), q("image")):
        local = el.get("local")
        if not local or local in done:
            continue
        path, _ = file_inside(Path(resource_dir), local)
        if path is None:
            continue
        done.add(local)
        role = "附件 attachment" if el.tag == q("attachment") else "图片原件 original picture"
        label = " ".join((el.text or el.get("alt") or "").split())
        spec = pikepdf.AttachedFileSpec(
            pdf, path.read_bytes(), filename=el.get("name") or Path(local).name,
            description=f"{role}: {label or el.get('name') or local}",
            mime_type=el.get("mime") or "application/octet-stream",
            creation_date=stamp, mod_date=stamp, relationship=pikepdf.Name.Supplement)
        pdf.attachments[local] = spec
        obj = pdf.attachments[local].obj
        af = pdf.Root.get("/AF")
        if not isinstance(af, pikepdf.Array):
            pdf.Root.AF = af = pikepdf.Array()
        if not any(item.is_indirect and obj.is_indirect and item.objgen == obj.objgen
                   for item in af):  # pikepdf lists a file with a relationship itself
            af.append(obj)
    _dedupe_af(pdf)
    return len(done)


def repaired(raw: bytes, doc: etree._Element, when: datetime,
             resource_dir: Path | None = None) -> pikepdf.Pdf:
    """WeasyPrint's output, repaired and described (not yet written), with the record's
    files associated."""
    pdf = pikepdf.open(io.BytesIO(raw))
    _repair_resources(pdf)
    _dedupe_af(pdf)
    _associate(pdf, doc, resource_dir, when)
    _xmp(pdf, doc, when)
    pdf.Root.Lang = pikepdf.String("zh-CN")
    return pdf


def finish(raw: bytes, out: Path, doc: etree._Element, xml_bytes: bytes, when: datetime, *,
           validate: bool = False, resource_dir: Path | None = None) -> None:
    """Repair, describe and write the PDF/A file to ``out``; with ``validate``, run
    pikepdf's PDF/A-3b checker on the written bytes first and refuse a failing file.

    Validation is off in the conversion path by default: it re-reads every glyph
    program of the embedded CJK subsets (about 0.25 s a document, as long as the
    layout itself, measured in bench/).  ``govdoc check`` and the test suite run the
    same checker on every PDF; ``govdoc convert --validate-pdfa`` runs it here.
    """
    import pikepdf.pdfa

    try:
        pdf = repaired(raw, doc, when, resource_dir)
    except Exception as e:
        raise RenderError(f"PDF could not be finished: {type(e).__name__}: {e}") from e
    with pdf:
        if not validate:
            # the settings pikepdf's PDF/A save would use, without its re-read
            pdf.save(Path(out), **pikepdf.pdfa.resolve_save_kwargs(FLAVOUR, deterministic_id=True))
            return
        try:
            pikepdf.pdfa.save(pdf, Path(out), FLAVOUR, repair=False, deterministic_id=True)
        except pikepdf.pdfa.PdfaError as e:
            first = e.report.findings[0] if e.report.findings else "no finding given"
            raise RenderError(f"PDF/A-{FLAVOUR} validation failed "
                              f"({len(e.report.findings)} finding(s)), first: {first}") from e


def check(path: Path) -> list[str]:
    """pikepdf's PDF/A-3b findings for a written file (empty: it passed)."""
    import pikepdf.pdfa

    report = pikepdf.pdfa.validate_written(Path(path), FLAVOUR)
    return [str(f) for f in report.findings]
