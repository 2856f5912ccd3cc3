"""Canonical XML built straight from a corpus gold file.

Renderer tests use it so that they exercise the PDF and Word editions on the
documents a perfect extraction would give, independently of the extractor.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path

from lxml import etree

from pipeline import GENERATOR, __version__
from pipeline.canonical import (DATE_FIELDS, E, MetaValue, Provenance, build_document, sub,
                                validate)

HEADING_LEVELS = (1, 2, 3, 4)


def gold_document(gold_path: Path) -> etree._Element:
    gold = json.loads(Path(gold_path).read_text(encoding="utf-8"))
    meta = {k: MetaValue(v, shown=v if k in DATE_FIELDS else None)
            for k, v in gold.get("meta", {}).items()}
    meta.setdefault("title", MetaValue(Path(gold_path).stem))
    body = E("body")
    stack: list[tuple[int, etree._Element]] = [(0, body)]
    for b in gold["blocks"]:
        if b["type"] == "heading":
            while stack[-1][0] >= b["level"]:
                stack.pop()
            sec = sub(stack[-1][1], "section", level=b["level"])
            sub(sec, "heading", b["text"])
            stack.append((b["level"], sec))
            continue
        parent = stack[-1][1]
        if b["type"] == "p":
            sub(parent, "p", b["text"])
        elif b["type"] == "table":
            t = sub(parent, "table")
            for row in b["rows"]:
                r = sub(t, "row")
                for cell in row:
                    sub(r, "cell", cell)
        elif b["type"] == "image":
            f = sub(parent, "figure")
            sub(f, "image", src=b["src"], alt=b.get("alt", ""))
        elif b["type"] == "attachment":
            sub(parent, "attachment", b["text"], href=b["href"])
    sig = gold.get("signature")
    if sig:
        s = sub(body, "signature")
        sub(s, "org", sig["org"])
        if sig.get("date"):
            y, m, d = (int(x) for x in sig["date"].split("-"))
            sub(s, "date", f"{y}年{m}月{d}日", when=sig["date"])
    data = Path(gold_path).read_bytes()
    prov = Provenance(
        input_name=Path(gold_path).name, sha256=hashlib.sha256(data).hexdigest(), size=len(data),
        encoding="utf-8", encoding_method="declared", declared_encoding="utf-8",
        profile="gold", container=None, generator=GENERATOR, generator_version=__version__,
        converted=datetime(2024, 1, 1, tzinfo=timezone.utc))
    doc = build_document(meta, (), prov, body)
    validate(doc)
    return doc
