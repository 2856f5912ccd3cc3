"""Real portal pages as other people's crawlers saved them (../shared/corpus-real, used
by path, never copied), converted through the CLI and scored with the shared scorer,
and `govdoc inspect` on each of them."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest
from click.testing import CliRunner

from pipeline import canonical
from pipeline.cli import main
from pipeline.extract.inspect import format_report, inspect_page

from .support.extraction import CORPUS, PAGES, SHARED, gold_pairs, scorer

REAL = SHARED / "corpus-real"
SCORER = SHARED / "tools" / "score_extraction.py"
needs_real = pytest.mark.skipif(not REAL.is_dir() or scorer() is None,
                                reason="../shared/corpus-real or the shared scorer is absent")
_TOTAL = re.compile(r"TOTAL pages=(\d+) missing=(\d+) meta=([\d.]+) textP=([\d.]+) textR=([\d.]+) "
                    r"F1=([\d.]+) leak=(\d+) heads=([\d.]+) cells=([\d.]+) sign=([\d.]+)")


def convert_and_score(folder, out, may_fail: tuple[str, ...] = ()) -> dict:
    """`govdoc convert FOLDER -o OUT --formats xml`, then the shared scorer's totals.
    Only the pages named in ``may_fail`` (pages without gold, refused by design) may fail."""
    res = CliRunner().invoke(main, ["convert", str(folder), "-o", str(out), "--formats", "xml", "--jobs", "1",
                                    "--quiet"])
    failed = re.findall(r"govdoc: (\S+?): ", res.output)
    assert sorted(p.rsplit("/", 1)[-1] for p in failed) == sorted(may_fail), res.output
    assert res.exit_code == (1 if may_fail else 0), res.output
    run = subprocess.run([sys.executable, str(SCORER), str(folder), str(out)], capture_output=True, text=True,
                         check=False)
    m = _TOTAL.search(run.stdout)
    assert m, run.stdout + run.stderr
    keys = ("pages", "missing", "meta", "textP", "textR", "f1", "leak", "heads", "cells", "sign")
    totals = {k: (int(v) if k in ("pages", "missing", "leak") else float(v)) for k, v in zip(keys, m.groups())}
    for xml in out.glob("*/*.xml"):
        assert canonical.validation_errors(canonical.parse(xml.read_bytes())) == [], xml
    return totals


@needs_real
def test_real_pages_totals(tmp_path):
    t = convert_and_score(REAL, tmp_path / "out")
    assert t["pages"] == len(gold_pairs(REAL)) and t["missing"] == 0, t
    assert t["meta"] >= 0.98 and t["f1"] >= 0.995 and t["leak"] == 0, t
    assert t["heads"] >= 0.97 and t["sign"] >= 0.95 and t["cells"] >= 0.97, t


@pytest.mark.skipif(not CORPUS.is_dir() or scorer() is None, reason="../shared/corpus absent")
def test_shared_corpus_stays_perfect(tmp_path):
    t = convert_and_score(CORPUS, tmp_path / "out")
    assert t["missing"] == 0 and t["leak"] == 0, t
    assert all(t[k] == 1.0 for k in ("meta", "textP", "textR", "f1", "heads", "cells", "sign")), t


@pytest.mark.skipif(scorer() is None, reason="shared scorer absent")
def test_own_pages_stay_perfect(tmp_path):
    t = convert_and_score(PAGES, tmp_path / "out", may_fail=("b13_antibot_ruishu.html",))
    assert t["missing"] == 0 and t["leak"] == 0, t
    assert all(t[k] == 1.0 for k in ("meta", "heads", "cells", "sign")) and t["f1"] >= 0.995, t


REAL_PAGES = sorted(REAL.glob("*.html")) if REAL.is_dir() else []


@needs_real
@pytest.mark.parametrize("page", REAL_PAGES, ids=[p.stem[:3] for p in REAL_PAGES])
def test_inspect_explains_each_real_page(page):
    r = inspect_page(page.read_bytes(), name=page.name)
    assert r["ok"], r
    # the profile (or the generic fallback) and the evidence it matched on
    assert r["profile"]["id"] and r["profile"]["name"] and r["profile"]["markers"]
    assert r["container"]
    # every field of the record says where it was read and under which label
    for key, entry in r["metadata"].items():
        assert entry["from"], (key, entry)
        if entry["from"] in ("label/value block", "labelled text"):
            assert entry.get("label"), (key, entry)
    text = format_report(r)
    assert f"template   {r['profile']['id']}" in text and f"body from  {r['container']}" in text
    assert "address    " in text
    for key, entry in r["metadata"].items():
        if entry.get("label"):
            assert f"[label: {entry['label']}]" in text


@needs_real
def test_cli_inspect_says_where_the_page_came_from():
    page = REAL / "r12_cmse_trs_news_images_instrumented.html"
    res = CliRunner().invoke(main, ["inspect", str(page)])
    assert res.exit_code == 0
    assert "address    http://www.cmse.gov.cn/xwzx/zhxw/202101/t20210106_47506.html" in res.output
    assert "never fetched" in res.output
