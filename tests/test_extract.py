"""The extractor on the shared corpus and on our own template pages, scored with the
shared scorer against the gold files (per page and in total)."""
from __future__ import annotations

import pytest

from pipeline.canonical import validation_errors
from pipeline.extract import analyse, extract

from .support.extraction import CORPUS, PAGES, gold_pairs, ratios, score, scorer

pytestmark = pytest.mark.skipif(scorer() is None, reason="shared/ (corpus and scorer) not beside the repo")

CORPUS_PAGES = gold_pairs(CORPUS) if CORPUS.exists() else []
OWN_PAGES = gold_pairs(PAGES)


def _ids(pairs):
    return [p.stem for p, _ in pairs]


@pytest.mark.parametrize("page,gold", CORPUS_PAGES + OWN_PAGES, ids=_ids(CORPUS_PAGES + OWN_PAGES))
def test_page_against_gold(page, gold, tmp_path):
    doc = extract(page.read_bytes(), name=page.name)
    assert validation_errors(doc) == []
    r = ratios(score(doc, gold, tmp_path))
    assert r["leak"] == 0, r
    assert r["meta"] >= 0.98, r
    assert r["f1"] >= 0.99, r
    assert r["heads"] >= 0.97, r
    assert r["cells"] >= 0.97, r
    assert r["sign"] >= 0.95, r


@pytest.mark.parametrize("folder", [CORPUS, PAGES], ids=["corpus", "own-pages"])
def test_totals(folder, tmp_path):
    pairs = gold_pairs(folder)
    if not pairs:
        pytest.skip("no pages")
    total: dict[str, int] = {}
    for page, gold in pairs:
        s = score(extract(page.read_bytes(), name=page.name), gold, tmp_path)
        for k, v in s.items():
            if isinstance(v, int):
                total[k] = total.get(k, 0) + v
        total["leak_n"] = total.get("leak_n", 0) + len(s["leak"])
    total["leak"] = [None] * total["leak_n"]
    r = ratios(total)
    assert r["meta"] >= 0.98 and r["f1"] >= 0.99 and r["leak"] == 0, r
    assert r["heads"] >= 0.97 and r["cells"] >= 0.97 and r["sign"] >= 0.95, r


def test_a01_milestone(tmp_path):
    page = CORPUS / "a01_zj_lipu_fazhi_report.html"
    if not page.exists():
        pytest.skip("corpus absent")
    r = ratios(score(extract(page.read_bytes(), name=page.name), page.with_name(page.stem + ".gold.json"), tmp_path))
    assert r["meta"] == 1.0 and r["textR"] == 1.0 and r["leak"] == 0


def test_provenance_records_profile_encoding_and_container():
    page = PAGES / "b11_gbk_declared_gb2312.html"
    a = analyse(page.read_bytes(), name=page.name)
    prov = a.document.find("{urn:govdoc:canonical:1}provenance")
    enc = prov.find("{urn:govdoc:canonical:1}encoding")
    assert enc.text == "gb18030" and enc.get("method") == "declared" and enc.get("declared") == "gb2312"
    tpl = prov.find("{urn:govdoc:canonical:1}template")
    assert tpl.get("profile") and tpl.get("container")
    inp = prov.find("{urn:govdoc:canonical:1}input")
    assert inp.get("bytes") == str(len(page.read_bytes())) and len(inp.get("sha256")) == 64
