"""Helpers for the Word-edition tests: corpus documents, reading parts back, measuring
a LibreOffice rendering line by line."""
from __future__ import annotations

import collections
import importlib.util
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from pipeline.render.docx import render_docx

from tests.support.shared import CORPUS, SHARED, TOOLS  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
PT_PER_MM = 72 / 25.4


def gold_files() -> list[Path]:
    return sorted(CORPUS.glob("*.gold.json")) if CORPUS.is_dir() else []


def name_of(gold: Path) -> str:
    return gold.name.split(".")[0]


def shared_tool(name: str):
    """Import ../shared/tools/<name>.py (the reviewers' checkers), or None."""
    path = TOOLS / f"{name}.py"
    if not path.is_file():
        return None
    spec = importlib.util.spec_from_file_location(f"shared_{name}", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def render(doc, folder: Path, name: str, **kw) -> tuple[Path, list[str]]:
    out = folder / f"{name}.docx"
    return out, render_docx(doc, out, **kw)


@dataclass
class RenderedGold:
    """One corpus page's gold document, its canonical XML file and Word edition."""

    doc: etree._Element
    xml: Path
    docx: Path
    warnings: list[str]


def render_corpus(folder: Path) -> dict[str, RenderedGold]:
    """Every corpus page's gold document rendered once into ``folder``, by name."""
    from pipeline.canonical import serialize
    from tests.support.gold_xml import gold_document

    out = {}
    for gold in gold_files():
        doc = gold_document(gold)
        name = name_of(gold)
        xml = folder / f"{name}.xml"
        xml.write_bytes(serialize(doc))
        docx, warnings = render(doc, folder, name)
        out[name] = RenderedGold(doc, xml, docx, warnings)
    return out


def part(docx: Path, name: str) -> etree._Element:
    with zipfile.ZipFile(docx) as z:
        return etree.fromstring(z.read(name))


def part_names(docx: Path) -> list[str]:
    with zipfile.ZipFile(docx) as z:
        return z.namelist()


def is_cjk(ch: str) -> bool:
    o = ord(ch)
    return 0x3000 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF or 0xFF00 <= o <= 0xFFEF


def pdf_lines(pdf: Path) -> list[list[dict]]:
    """Per page, the visual lines (text, x0/x1/top in mm), page number lines excluded."""
    import pdfplumber

    pages = []
    with pdfplumber.open(str(pdf)) as doc:
        for page in doc.pages:
            rows = collections.defaultdict(list)
            for ch in page.chars:
                if ch["text"].strip():
                    rows[round(ch["bottom"] / 2)].append(ch)
            merged: list[list] = []
            for key in sorted(rows):
                if merged and abs(merged[-1][0] - key) <= 1:
                    merged[-1][1].extend(rows[key])
                else:
                    merged.append([key, list(rows[key])])
            lines = []
            for _, chars in merged:
                chars.sort(key=lambda c: c["x0"])
                text = "".join(c["text"] for c in chars)
                top = min(c["top"] for c in chars) / PT_PER_MM
                if top > page.height / PT_PER_MM * 0.85 and text.strip("—–-0123456789 ") == "":
                    continue  # the folio
                lines.append({"text": text, "x0": chars[0]["x0"] / PT_PER_MM,
                              "x1": chars[-1]["x1"] / PT_PER_MM, "top": top})
            pages.append(lines)
    return pages


def cells(text: str) -> float:
    """Width of a line in grid cells: full-width characters 1, the rest 1/2."""
    return sum(1.0 if ord(c) >= 0x2E80 else 0.5 for c in text)
