"""The generic fallback on its own: every gold page (ours, the shared corpus and the
shared real pages) with its template's container names and CMS markers renamed away
and its <meta> tags removed must still score at the bars (the profiles are a speed-up
and a provenance record, not a crutch)."""
from __future__ import annotations

import json
import re

import pytest

from pipeline.extract import analyse

from .support.extraction import CORPUS, PAGES, SHARED, gold_pairs, ratios, score, scorer

pytestmark = pytest.mark.skipif(scorer() is None, reason="shared/ (corpus and scorer) not beside the repo")

REAL = SHARED / "corpus-real"
PAIRS = (gold_pairs(CORPUS) if CORPUS.exists() else []) + gold_pairs(PAGES) \
    + (gold_pairs(REAL) if REAL.exists() else [])
CONTAINERS = ("zoom|Zoom|zoomcon|UCAP-CONTENT|TRS_Editor|Custom_UnionStyle|detailCont|content|fontzoom|"
              "article-content|pages_content|zw|xl-content|news-txt|cont|art_text|art_con|classify|mainText|"
              "ivs_content|j-show-body|news_cont_d_wrap|wzcon|TRS_PreAppend|wenz|"
              "view TRS_UEDITOR trs_paper_default trs_web|view TRS_UEDITOR trs_paper_default trs_word")
_RENAME = re.compile(rf'(id|class)="({CONTAINERS})"')


def disguise(text: str) -> str:
    text = re.sub(r'<meta name="(?!ContentStart|ContentEnd)[^>]*>', "", text)
    text = _RENAME.sub(r'\1="x\2y"', text)
    for marker in ("ZJEG_RSS", "policyLibraryOverview", "<$[", "UCAPCONTENT"):
        text = text.replace(marker, "q" + marker.strip("<$[") + "q")
    return text


@pytest.mark.parametrize("page,gold", PAIRS, ids=[p.stem for p, _ in PAIRS])
def test_generic_fallback_alone(page, gold, tmp_path):
    raw = page.read_bytes()
    declared = json.loads(gold.read_text(encoding="utf-8")).get("encoding", "utf-8").lower()
    enc = "gb18030" if declared.startswith("gb") else "utf-8"
    data = disguise(raw.decode(enc)).encode(enc)
    a = analyse(data, name=page.name)
    r = ratios(score(a.document, gold, tmp_path))
    assert r["leak"] == 0 and r["f1"] >= 0.99 and r["meta"] >= 0.85, (a.profile, r)
    assert r["heads"] >= 0.97 and r["cells"] >= 0.97 and r["sign"] >= 0.95, (a.profile, r)
