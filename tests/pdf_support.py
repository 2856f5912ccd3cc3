"""Shared helpers for the PDF tests: corpus documents, renders cached per session,
and the shared checker (loaded from /work/shared/tools when it is there)."""
from __future__ import annotations

import functools
import importlib.util
import tempfile
from pathlib import Path

import pytest

from pipeline.canonical import serialize
from tests.support.gold_xml import gold_document

from tests.support.shared import CORPUS, SHARED  # noqa: E402  (one way to ../shared)

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

def source_held(doc, *, full_width: bool = True) -> dict[str, int]:
    """What the source text itself holds that check_pdf --strict reports: ASCII
    punctuation beside Chinese, and white space beside Chinese (counts; without
    ``full_width``, U+3000 is not counted)."""
    import re

    body = doc.find(f"{C}body")
    text = "".join(body.itertext()) if body is not None else ""
    text = re.sub(r"[\n\t]+\s*", "", text)  # the XML's own indentation
    cjk = r"[\u3000-\u9fff\uff00-\uffef]"
    ws = " \u3000\u00a0" if full_width else " \u00a0"
    return {
        "half_width_punctuation": len(re.findall(rf"(?<={cjk})[,;:!?()]|[,;:!?()](?={cjk})", text)),
        "spaces_in_chinese_text": len(re.findall(rf"(?<={cjk})[{ws}]+|[{ws}]+(?={cjk})", text)),
    }


def strict_faults(cp, m: dict, doc, *, pdf: Path | None = None, allow: tuple[str, ...] = ()) -> list[str]:
    """check_pdf's --strict faults that the source text does not explain: its
    half-width punctuation and spaces are the page's own (counts compared), every
    other fault is the renderer's.  With ``pdf``, the gaps that measure one full em
    are full-width spaces, not faults (``full_width_spaces``).  ``allow``: verdict
    phrases explained elsewhere (by a test that shows the page)."""
    held = source_held(doc)
    if pdf is not None:
        held["spaces_in_chinese_text"] = source_held(doc, full_width=False)["spaces_in_chinese_text"] \
            + full_width_spaces(pdf)
    m = dict(m)
    for key in held:
        if m.get(key) and m[key] <= held[key]:
            m[key] = 0
    return [f for f in cp.strict_faults(m) if not any(a in f for a in allow)]


# ------------------------------------------------------------------ where check_pdf misreads a page
#
# Each function measures, independently of check_pdf, what the page holds where the
# checker reports a fault it does not have; the tests assert that evidence before they
# leave the phrase out (docs/pdf-edition.md, "Where check_pdf.py misreads a correct page").

def full_width_spaces(pdf: Path) -> int:
    """Gaps of one em (±15 %) between Chinese characters on a line: full-width spaces
    (the source's U+3000, the space after 第X条, between a 签发人's office and name).
    check_pdf counts every gap over a quarter em beside Chinese as a (half-width)
    space in Chinese text."""
    import pdfplumber

    n = 0
    with pdfplumber.open(str(pdf)) as doc:
        for page in doc.pages:
            rows: dict[int, list] = {}
            for c in page.chars:
                if c["text"].strip():
                    rows.setdefault(round(c["bottom"]), []).append(c)
            for chars in rows.values():
                chars.sort(key=lambda c: c["x0"])
                for a, b in zip(chars, chars[1:]):
                    gap = b["x0"] - a["x1"]
                    if (is_cjk(a["text"]) or is_cjk(b["text"])) and abs(gap - b["size"]) < 0.15 * b["size"]:
                        n += 1
    return n


def _rules(page) -> list[tuple[float, float, float]]:
    """A page's horizontal rules as (y, x0, x1), the pieces at one height joined."""
    by_y: dict[int, list[tuple[float, float]]] = {}
    for e in page.horizontal_edges:
        by_y.setdefault(round((e["top"] + e["bottom"]) / 2 * 2), []).append((e["x0"], e["x1"]))
    out = []
    for y, spans in sorted(by_y.items()):
        spans.sort()
        x0, x1 = spans[0]
        for a, b in spans[1:]:
            if a > x1 + 1.5:
                out.append((y / 2, x0, x1))
                x0 = a
            x1 = max(x1, b)
        out.append((y / 2, x0, x1))
    return out


def _table_rows(page) -> list[tuple[float, float, str]]:
    """The first table of a pdfplumber page as (top, bottom, text) per band between
    the rules that cross the whole table."""
    rules = _rules(page)
    if not rules:
        return []
    width = max(x1 for _, _, x1 in rules) - min(x0 for _, x0, _ in rules)
    full = [y for y, x0, x1 in rules if x1 - x0 >= width - 2]
    if not full or full[0] != rules[0][0]:
        return []
    return [(a, b, "".join(c["text"] for c in sorted(page.chars, key=lambda c: (round(c["top"]), c["x0"]))
                           if a < (c["top"] + c["bottom"]) / 2 < b))
            for a, b in zip(full, full[1:])]


def table_opening_lines(pdf: Path, page_no: int) -> float | None:
    """How many body lines (28.95 pt) from the top of the block (37 mm) page
    ``page_no`` needs before its first table may break: its header (the bands
    between whole-width rules that the next page repeats) and its first row.
    check_pdf takes the first two horizontal rules for a table's first rows, so a
    header of several rows (or with rules inside it, 申请人情况 over its sub-columns)
    reads as a short block that would have fitted on the page before.  None: the
    page opens no table."""
    import pdfplumber

    with pdfplumber.open(str(pdf)) as doc:
        rows = _table_rows(doc.pages[page_no - 1])
        after = _table_rows(doc.pages[page_no]) if page_no < len(doc.pages) else []
        rules = _rules(doc.pages[page_no - 1])
    if not rows:
        return None
    head = 0
    while head < min(len(rows), len(after)) - 1 and rows[head][2] == after[head][2]:
        head += 1
    below = rows[head - 1][1] if head else rows[0][0]
    width = max(x1 for _, _, x1 in rules) - min(x0 for _, x0, _ in rules)
    # the first row ends at the next rule under most of the table (a merged cell
    # beside it may run on: its rows break)
    end = min(y for y, x0, x1 in rules if y > below + 1 and x1 - x0 >= width / 2)
    return (end - 37 * PT_PER_MM) / 28.95


def annex_label_follows(pdf: Path, m: dict) -> bool:
    """check_pdf's ragged lines are all a page's last line with an annex opening
    the next page ("附件1" 顶格 on its first line, GB/T 9704 8.1 / 7.3.4's 附件):
    the checker reads any line followed by a flush line on the next slot as a
    paragraph going on, across the page break into the annex label.  (Such a
    line is the 附注 "（此件公开发布）" or the 版记's, the last of its paragraph.)"""
    import re

    from tests.support.docx_corpus import pdf_lines

    pages = pdf_lines(pdf)
    for ex in m.get("ragged_examples") or []:
        page = pages[ex["page"] - 1]
        if not page or not page[-1]["text"].replace(" ", "").endswith(ex["text"].replace(" ", "")) \
                or ex["page"] >= len(pages) or not pages[ex["page"]] \
                or not re.fullmatch(r"附件[0-9０-９]*", pages[ex["page"]][0]["text"].replace(" ", "")):
            return False
    return m.get("ragged_lines", 0) == len(m.get("ragged_examples") or [])


def lone_character_avoided(pdf: Path, m: dict) -> bool:
    """check_pdf's lines off the 28-cell grid are all lines the builder spread by one
    cell (推出, pushing a character out to the next line): each reaches the block's
    edge holding exactly one cell less of text than its width, and the next line
    either opens with that character and a closing mark (避头: the mark may not open
    a line, and no mark of the line could be squeezed to make room) or is its
    paragraph's last and holds two characters and its closing marks (孤字 else).
    Pulling the character up makes the fault check_pdf also reports (a closing mark
    at a line start, a 孤字): for such a line the rules cannot all hold."""
    from tests.support.docx_corpus import pdf_lines

    examples = m.get("chars_off_grid_examples") or []
    if not examples or m.get("lines_with_chars_off_grid", 0) != len(examples):
        return False
    import pdfplumber

    cell = 156 / 28
    pages = pdf_lines(pdf)
    with pdfplumber.open(str(pdf)) as doc:
        for ex in examples:
            page = pages[ex["page"] - 1]
            start = ex["text"].replace(" ", "")
            k = next((i for i, ln in enumerate(page) if ln["text"].replace(" ", "").startswith(start)), None)
            if k is None or page[k]["x1"] < 183.5:
                return False
            nxt = page[k + 1] if k + 1 < len(page) else (pages[ex["page"]][0] if ex["page"] < len(pages) else None)
            tail = (nxt or {}).get("text", "").replace(" ", "")
            closing = "，。、；：！？”’）》」』〕】"
            lone = len(tail.rstrip(closing)) == 2 and tail[-1:] in closing  # 孤字 otherwise
            kinsoku = len(tail) > 1 and tail[1] in closing  # 避头: the mark may not open a line
            if not (lone or kinsoku):
                return False
            ln = page[k]
            chars = [c for c in doc.pages[ex["page"] - 1].chars if c["text"].strip()
                     and abs(c["top"] * 25.4 / 72 - ln["top"]) < 1.5]
            natural = sum(c["width"] for c in chars) * 25.4 / 72
            if abs((ln["x1"] - ln["x0"] - natural) / cell - 1) > 0.35:
                return False
    return True


def misreadings(m: dict, pdf: Path) -> tuple[dict, list[str]]:
    """check_pdf's measurement ``m`` of ``pdf`` with what it misreads taken out, and
    one line of evidence for each: a page that ends early because the next page
    opens with a table whose header and first row need more room than was left
    (``table_opening_lines``), lines before an annex's page read as ragged
    (``annex_label_follows``).  Every other figure is left as measured."""
    m = dict(m)
    notes = []
    keep = []
    for s in m.get("pages_short") or []:
        need = table_opening_lines(pdf, s["page"] + 1)
        if need is not None and need > 22 - s["lines"]:
            notes.append(f"page {s['page']} ends on line {s['lines']}: page {s['page'] + 1} opens with a table "
                         f"whose header and first row need {need:.1f} lines (check_pdf measured its first two rules)")
        else:
            keep.append(s)
    m["pages_short"] = keep
    if m.get("ragged_lines") and annex_label_follows(pdf, m):
        notes.append(f"{m['ragged_lines']} line(s) read as ragged are the last of their page before an annex "
                     f"(附件N opens the next page): {[e['text'] for e in m['ragged_examples']]}")
        m["ragged_lines"] = 0
    if m.get("chars_off_grid") and lone_character_avoided(pdf, m):
        notes.append(f"{m['lines_with_chars_off_grid']} line(s) off the grid are spread by one cell, a character "
                     f"pushed out to the next line (避头尾 or 孤字): "
                     f"{[e['text'] for e in m['chars_off_grid_examples']]}")
        m["chars_off_grid"] = m["lines_with_chars_off_grid"] = 0
    return m, notes


def strict_verdict(cp, pdf: Path, xml: Path, doc, *, archival: bool = True) -> tuple[list[str], list[str]]:
    """check_pdf.py --strict (``archival`` false: --layout) on ``pdf``: (what falls
    short that neither the source text nor a measured misreading explains, the
    misreadings with their evidence).  The tests assert the first is empty."""
    m, notes = misreadings(cp.measure(str(pdf), str(xml)), pdf)
    return cp.verdict(m, archival=archival) + strict_faults(cp, m, doc, pdf=pdf), notes
