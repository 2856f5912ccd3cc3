"""What the extractor decided for one page, and why — for ``govdoc inspect``.

A records officer who doubts a record can see which template profile matched (and
the markers that matched it), which element was taken as the body, each metadata
field with the page's own label and where it was read, the values that lost to a
better source, and what was cut from the ends of the body as page chrome.
"""
from __future__ import annotations

from ..canonical import NS, local
from ..errors import ConversionError
from . import analyse
from .metadata import RANK_NAMES

#: what each source of the page's address is, for the report
ORIGIN_WHY = {
    "warc": "the WARC-Target-URI of the web-archive record",
    "saved-from": "the saving tool's comment (a browser's saved from url=…, HTTrack's Mirrored from…, "
                  "SingleFile's url:…)",
    "url-comment": "an address comment (a crawler's, before the doctype, or a Founder page's enpproperty)",
    "canonical": "<link rel=canonical>",
    "og-url": "<meta property=og:url>",
    "meta-url": "<meta name=url>",
    "base": "<base href> (often only a folder or the site's root)",
}


def inspect_page(data: bytes, *, name: str) -> dict:
    """A JSON-ready account of one extraction (``ok`` False with ``error`` when the
    page cannot be extracted)."""
    try:
        a = analyse(data, name=name)
    except ConversionError as exc:
        return {"input": name, "ok": False, "error": str(exc), "error_kind": type(exc).__name__}
    fields = []
    for f in sorted(a.meta.found, key=lambda f: (f.rank, f.order)):
        if not f.field or f.field == "-":
            continue
        fields.append({"field": f.field, "label": f.label or None, "value": f.value or None,
                       "from": RANK_NAMES.get(f.rank, "?"), "used": f.chosen,
                       "note": "placeholder: no value" if not f.value else None})
    meta = {}
    chosen = {f.field: f for f in a.meta.found if f.chosen and f.field}
    mroot = a.document.find(f"{{{NS}}}meta")
    for child in mroot:
        key = local(child)
        if key == "field":
            key = f"field:{child.get('label')}"
        entry = {"value": child.text}
        for attr in ("label", "shown", "time"):
            if child.get(attr):
                entry[attr] = child.get(attr)
        src = chosen.get(local(child)) if key != "title" else None
        entry["from"] = a.meta.title_source if key == "title" else \
            (RANK_NAMES.get(src.rank, "?") if src is not None else "labelled value")
        meta[key] = entry
    body = a.document.find(f"{{{NS}}}body")
    counts: dict[str, int] = {}
    for el in body.iter():
        if isinstance(el.tag, str):
            counts[local(el)] = counts.get(local(el), 0) + 1
    origin = None
    if a.origin is not None and a.origin.url:
        origin = {"url": a.origin.url, "from": a.origin.source, "why": ORIGIN_WHY.get(a.origin.source, ""),
                  "captured": a.origin.captured,
                  "also_stated": [{"url": s.url, "from": s.source} for s in a.statements
                                  if (s.url, s.source) != (a.origin.url, a.origin.source)]}
    layout = a.layout
    parts = {
        "masthead": ({"org": layout.masthead.org, "number": layout.masthead.number,
                      "signers": [f"{o} {n}" for o, n in layout.masthead.signers],
                      "date": layout.masthead.date_text} if layout and layout.masthead else None),
        "annexes": [{"label": x.label, "number": x.number,
                     "title": x.title.text.strip() if x.title is not None else x.title_text}
                    for x in (layout.annexes if layout else [])],
    }
    return {
        "input": name,
        "ok": True,
        "origin": origin,
        "encoding": {"used": a.decoded.encoding, "method": a.decoded.method, "declared": a.decoded.declared},
        "profile": {"id": a.profile, "name": a.profile_name, "markers": a.markers},
        "container": a.container,
        "title_from": a.meta.title_source,
        "metadata": meta,
        "labels_seen": fields,
        "trimmed": {"start": a.trimmed.head, "end": a.trimmed.tail},
        "left_out_inside_body": a.skipped,
        "signature": ({"org": a.closing.orgs, "date": a.closing.date_text, "when": a.closing.date_iso}
                      if a.closing else None),
        "parts": parts,
        "body": {k: counts.get(k, 0) for k in ("section", "p", "table", "figure", "attachment", "signature",
                                               "masthead", "annex")},
        "warnings": a.warnings,
    }


def format_report(report: dict) -> str:
    """The report as plain text for the terminal."""
    if not report.get("ok"):
        return f"{report['input']}: cannot extract: {report['error']}"
    out = [f"page       {report['input']}"]
    enc = report["encoding"]
    out.append(f"encoding   {enc['used']} ({enc['method']}" + (f", page declares {enc['declared']}" if enc["declared"] else "") + ")")
    prof = report["profile"]
    o = report.get("origin")
    if o:
        out.append(f"address    {o['url']}  (from {o['why'] or o['from']}; never fetched)")
        if o.get("captured"):
            out.append(f"           captured {o['captured']}")
        for x in o["also_stated"]:
            out.append(f"           also stated: {x['url']} ({x['from']})")
    else:
        out.append("address    the page does not state its address")
    out.append(f"template   {prof['id']} — {prof['name']}")
    for m in prof["markers"]:
        out.append(f"           {'' if m.startswith('narrowed') else 'matched by '}{m}")
    out.append(f"body from  {report['container']}")
    out.append(f"title from {report['title_from']}")
    out.append("metadata:")
    for key, e in report["metadata"].items():
        extra = "".join(f" [{k}: {e[k]}]" for k in ("label", "shown", "time") if k in e)
        extra += f" (from {e['from']}" + ("" if "label" in e else ", no label") + ")"
        out.append(f"  {key:16} {e['value']}{extra}")
    lost = [f for f in report["labels_seen"] if not f["used"]]
    if lost:
        out.append("also seen (not used):")
        for f in lost:
            out.append(f"  {f['field']:16} {f['value'] or '—'}  ({f['label'] or 'no label'}, {f['from']}"
                       + (f"; {f['note']}" if f["note"] else "") + ")")
    out.append("trimmed from the start of the body:" if report["trimmed"]["start"] else "trimmed from the start: nothing")
    out += [f"  - {t}" for t in report["trimmed"]["start"]]
    out.append("trimmed from the end of the body:" if report["trimmed"]["end"] else "trimmed from the end: nothing")
    out += [f"  - {t}" for t in report["trimmed"]["end"]]
    if report["left_out_inside_body"]:
        out.append("left out from inside the body element:")
        out += [f"  - {t}" for t in report["left_out_inside_body"]]
    m = report["parts"]["masthead"]
    if m:
        out.append(f"masthead   {m['org']} {m['number'] or ''}, {' / '.join(m['signers']) or 'no signer'}, "
                   f"{m['date'] or 'no date'} (a promulgation, not the signature)")
    sig = report["signature"]
    out.append(f"signature  {' / '.join(sig['org'])}, {sig['date']} ({sig['when']})" if sig else "signature  none found")
    for x in report["parts"]["annexes"]:
        out.append(f"annex      {x['label']}" + (f": {x['title']}" if x["title"] else ""))
    out.append("body       " + ", ".join(f"{v} {k}" for k, v in report["body"].items()))
    for w in report["warnings"]:
        out.append(f"warning    {w}")
    return "\n".join(out)
