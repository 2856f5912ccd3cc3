"""Shared helpers for the PDF tests: corpus documents, renders cached per session,
and the shared checker (loaded from /work/shared/tools when it is there)."""
from __future__ import annotations

import functools
import importlib.util
import os
import tempfile
from pathlib import Path

import pytest

from pipeline.canonical import serialize
from tests.support.gold_xml import gold_document

# ../shared beside the repository (GOVDOC_SHARED overrides)
SHARED = Path(os.environ.get("GOVDOC_SHARED") or (Path(__file__).resolve().parents[1] / ".." / "shared")).resolve()
CORPUS = SHARED / "corpus"
CHECKER = SHARED / "tools" / "check_pdf.py"


def corpus_golds() -> list[Path]:
    return sorted(CORPUS.glob("*.gold.json")) if CORPUS.is_dir() else []


def gold_id(path: Path) -> str:
    return path.name.split("_", 1)[0]


def load_checker():
    """The shared check_pdf module, or skip when shared/ is absent."""
    if not CHECKER.is_file():
        pytest.skip("shared/tools/check_pdf.py not available")
    spec = importlib.util.spec_from_file_location("check_pdf", CHECKER)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


C = "{urn:govdoc:canonical:1}"


def as_extracted(doc):
    """The gold document with the roles and order extraction gives (gold_xml.py keeps
    neither): 主送机关 (a first paragraph ending in "："), 附件说明 lines, and the
    closing notes such as （此件公开发布）, which the gold lists before the signature
    although the page shows them after it (corpus README)."""
    import re

    body = doc.find(f"{C}body")
    paras = list(body.iter(f"{C}p"))
    if paras and (paras[0].text or "").rstrip().endswith("：") and len(paras[0].text) < 120:
        paras[0].set("role", "addressee")
    in_note = False
    for p in paras:
        t = (p.text or "").strip()
        if t.startswith("附件："):
            in_note = True
        elif in_note and not re.match(r"^\d+[.．]", t):
            in_note = False
        if in_note:
            p.set("role", "attachment-note")
    sig = body.find(f"{C}signature")
    if sig is not None:
        for p in paras:
            t = (p.text or "").strip()
            if re.fullmatch(r"（[^（）]{2,40}）", t) and p is paras[-1]:
                p.set("role", "note")
                p.getparent().remove(p)
                body.append(p)
    return doc


class Rendered:
    """One corpus document rendered once: its XML, PDF path and warnings."""

    def __init__(self, gold: Path, out_dir: Path) -> None:
        from pipeline.render.pdf import render_pdf

        self.gold = gold
        self.doc = as_extracted(gold_document(gold))
        self.xml_bytes = serialize(self.doc)
        self.xml = out_dir / f"{gold_id(gold)}.xml"
        self.xml.write_bytes(self.xml_bytes)
        self.pdf = out_dir / f"{gold_id(gold)}.pdf"
        self.warnings = render_pdf(self.doc, self.xml_bytes, self.pdf, resource_dir=gold.parent)


@functools.lru_cache(maxsize=1)
def _out_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="govdoc-pdf-tests-"))


@functools.lru_cache(maxsize=None)
def rendered(doc_id: str) -> Rendered:
    """Corpus document ``doc_id`` (e.g. "a01") rendered once per test process."""
    golds = [g for g in corpus_golds() if gold_id(g) == doc_id]
    if not golds:
        pytest.skip(f"corpus document {doc_id} not available")
    return Rendered(golds[0], _out_dir())


# ------------------------------------------------------------------ measuring a PDF

PT_PER_MM = 72 / 25.4


def is_cjk(ch: str) -> bool:
    o = ord(ch)
    return 0x3000 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF or 0xFF00 <= o <= 0xFFEF or o >= 0x20000


def page_lines(page) -> list[list[dict]]:
    """Visual lines of a pdfplumber page: characters grouped by baseline, left to right."""
    rows: dict[int, list[dict]] = {}
    for ch in page.chars:
        if ch["text"].strip():
            rows.setdefault(round(ch["bottom"] / 3), []).append(ch)
    lines: list[list[dict]] = []
    for key in sorted(rows):
        if lines and abs(lines[-1][0]["bottom"] - rows[key][0]["bottom"]) < 3:
            lines[-1].extend(rows[key])
        else:
            lines.append(list(rows[key]))
    return [sorted(ln, key=lambda c: c["x0"]) for ln in lines]


def measure_pages(pdf_path: Path) -> list[dict]:
    """Per page: size in mm, body lines (text, x0/x1 in mm, baseline in pt, font size),
    and the page number line, as a reader measures them."""
    import pdfplumber

    pages = []
    with pdfplumber.open(pdf_path) as pdf:
        for page in pdf.pages:
            info = {"w_mm": page.width / PT_PER_MM, "h_mm": page.height / PT_PER_MM,
                    "lines": [], "folio": None}
            for ln in page_lines(page):
                text = "".join(c["text"] for c in ln)
                rec = {"text": text, "x0": ln[0]["x0"] / PT_PER_MM, "x1": ln[-1]["x1"] / PT_PER_MM,
                       "top_mm": min(c["top"] for c in ln) / PT_PER_MM,
                       "baseline": ln[0]["bottom"], "size": round(ln[0]["size"], 1)}
                if ln[0]["top"] > 262 * PT_PER_MM:  # below the 版心: the page number
                    info["folio"] = rec
                else:
                    info["lines"].append(rec)
            pages.append(info)
    return pages


class Extracted(Rendered):
    """A corpus page run through the real extractor, then rendered."""

    def __init__(self, html: Path, out_dir: Path) -> None:
        from datetime import datetime, timezone

        from pipeline.extract import extract
        from pipeline.render.pdf import render_pdf

        self.gold = html
        self.doc = extract(html.read_bytes(), name=html.name,
                           converted=datetime(2024, 1, 1, tzinfo=timezone.utc))
        self.xml_bytes = serialize(self.doc)
        stem = "x-" + gold_id(html)
        self.xml = out_dir / f"{stem}.xml"
        self.xml.write_bytes(self.xml_bytes)
        self.pdf = out_dir / f"{stem}.pdf"
        self.warnings = render_pdf(self.doc, self.xml_bytes, self.pdf, resource_dir=html.parent)


@functools.lru_cache(maxsize=None)
def extracted(doc_id: str) -> Extracted:
    pages = sorted(CORPUS.glob(f"{doc_id}_*.html")) if CORPUS.is_dir() else []
    if not pages:
        pytest.skip(f"corpus page {doc_id} not available")
    try:
        import pipeline.extract  # noqa: F401
        from pipeline.extract import extract  # noqa: F401
    except ImportError:
        pytest.skip("extractor not available on this branch")
    return Extracted(pages[0], _out_dir())


# ------------------------------------------------------------------ fonts as embedded

def embedded_programs(pdf_path: Path) -> dict[str, str]:
    """Font name as pdfplumber reports it -> the PostScript name inside the embedded
    font program (CFF Name INDEX, sfnt name 6, or the Type 1 /FontName): what is
    really drawn, whatever the PDF's /BaseFont says."""
    import io
    import re

    import pikepdf
    from fontTools.cffLib import CFFFontSet
    from fontTools.ttLib import TTFont

    out: dict[str, str] = {}
    with pikepdf.open(pdf_path) as pdf:
        for page in pdf.pages:
            for _, font in (page.obj.Resources.get("/Font") or {}).items():
                name = str(font.get("/BaseFont", "?")).lstrip("/")
                desc = font.DescendantFonts[0].FontDescriptor if "/DescendantFonts" in font \
                    else font.get("/FontDescriptor")
                if desc is None or name in out:
                    continue
                for key in ("/FontFile3", "/FontFile2", "/FontFile"):
                    if key not in desc:
                        continue
                    data = desc[key].read_bytes()
                    if data[:4] in (b"OTTO", b"\x00\x01\x00\x00", b"true"):
                        with TTFont(io.BytesIO(data)) as tt:
                            out[name] = tt["name"].getDebugName(6) or ""
                    elif key == "/FontFile3":
                        cff = CFFFontSet()
                        cff.decompile(io.BytesIO(data), None)
                        out[name] = cff.fontNames[0]
                    else:
                        m = re.search(rb"/FontName\s*/([^\s/]+)", data)
                        out[name] = m.group(1).decode("latin-1") if m else ""
                    break
    return out


def faces_of(pdf_path: Path, page_no: int = 0) -> list[tuple[str, str, float]]:
    """(character, embedded program name, size) of every glyph drawn on a page."""
    import pdfplumber

    programs = embedded_programs(pdf_path)
    with pdfplumber.open(pdf_path) as pdf:
        return [(c["text"], programs.get(c["fontname"], c["fontname"]), round(c["size"], 1))
                for c in pdf.pages[page_no].chars if c["text"].strip()]


def glyph_bounds(pdf_path: Path, char: str) -> tuple | None:
    """The outline bounds (font units) of the glyph the PDF draws for ``char``, read
    from the embedded program: tells which design a fallback face gave it."""
    import io

    import pikepdf
    from fontTools import t1Lib
    from fontTools.pens.boundsPen import BoundsPen
    from fontTools.ttLib import TTFont

    with pikepdf.open(pdf_path) as pdf:
        for page in pdf.pages:
            for _, font in (page.obj.Resources.get("/Font") or {}).items():
                tu = font.get("/ToUnicode")
                if tu is None:
                    continue
                cmap = _to_unicode(tu.read_bytes())
                codes = [c for c, u in cmap.items() if u == char]
                if not codes:
                    continue
                desc = font.DescendantFonts[0].FontDescriptor if "/DescendantFonts" in font \
                    else font.FontDescriptor
                if "/FontFile3" in desc:   # WeasyPrint: an OpenType subset, glyph ids kept
                    with TTFont(io.BytesIO(desc.FontFile3.read_bytes())) as tt:
                        order = tt.getGlyphOrder()
                        gs = tt.getGlyphSet()
                        pen = BoundsPen(gs)
                        gs[order[codes[0]]].draw(pen)
                        return pen.bounds
                if "/FontFile" in desc:    # LibreOffice: Type 1, its built-in encoding
                    t1 = t1Lib.T1Font.__new__(t1Lib.T1Font)
                    t1.data, t1.encoding = desc.FontFile.read_bytes(), "ascii"
                    name = t1["Encoding"][codes[0]]
                    pen = BoundsPen(None)
                    t1.getGlyphSet()[name].draw(pen)
                    return pen.bounds
    return None


def _to_unicode(data: bytes) -> dict[int, str]:
    import re

    out: dict[int, str] = {}
    text = data.decode("latin-1")
    for block in re.findall(r"beginbfchar(.*?)endbfchar", text, re.S):
        for src, dst in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            out[int(src, 16)] = bytes.fromhex(dst).decode("utf-16-be", "replace")
    for block in re.findall(r"beginbfrange(.*?)endbfrange", text, re.S):
        for a, b, dst in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            start = int(dst, 16)
            for k, code in enumerate(range(int(a, 16), int(b, 16) + 1)):
                out[code] = chr(start + k)
    return out


def sc_and_jp_bounds(char: str) -> tuple[tuple, tuple]:
    """Bounds of ``char`` in the Simplified Chinese and the Japanese face of the
    installed Noto Serif CJK collection (they differ for a few characters: 堃)."""
    from fontTools.pens.boundsPen import BoundsPen
    from fontTools.ttLib import TTFont

    from pipeline.render.fonts import program_files

    path = program_files().get("NotoSerifCJKsc-Regular")
    if path is None:
        pytest.skip("Noto Serif CJK is not installed")
    out = []
    for ps in ("NotoSerifCJKsc-Regular", "NotoSerifCJKjp-Regular"):
        index = next(i for i in range(8) if _face_name(path, i) == ps)
        with TTFont(str(path), fontNumber=index, lazy=True) as tt:
            gs = tt.getGlyphSet()
            pen = BoundsPen(gs)
            gs[tt.getBestCmap()[ord(char)]].draw(pen)
            out.append(pen.bounds)
    return out[0], out[1]


def _face_name(path: Path, index: int) -> str:
    from fontTools.ttLib import TTFont

    with TTFont(str(path), fontNumber=index, lazy=True) as tt:
        return tt["name"].getDebugName(6)


# ------------------------------------------------------------------ the strict checker

def source_held(doc) -> dict[str, int]:
    """What the source text itself holds that check_pdf --strict reports: ASCII
    punctuation beside Chinese, and white space beside Chinese (counts)."""
    import re

    body = doc.find(f"{C}body")
    text = "".join(body.itertext()) if body is not None else ""
    text = re.sub(r"[\n\t]+\s*", "", text)  # the XML's own indentation
    cjk = r"[\u3000-\u9fff\uff00-\uffef]"
    return {
        "half_width_punctuation": len(re.findall(rf"(?<={cjk})[,;:!?()]|[,;:!?()](?={cjk})", text)),
        "spaces_in_chinese_text": len(re.findall(rf"(?<={cjk})[ \u3000\u00a0]+|[ \u3000\u00a0]+(?={cjk})", text)),
    }


def strict_faults(cp, m: dict, doc, *, allow: tuple[str, ...] = ()) -> list[str]:
    """check_pdf's --strict faults that the source text does not explain: its
    half-width punctuation and spaces are the page's own (counts compared), every
    other fault is the renderer's.  ``allow``: verdict phrases owned elsewhere."""
    held = source_held(doc)
    m = dict(m)
    for key in held:
        if m.get(key) and m[key] <= held[key]:
            m[key] = 0
    return [f for f in cp.strict_faults(m) if not any(a in f for a in allow)]
