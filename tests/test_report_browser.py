"""index.html of a 30 000-record batch, opened in a real browser (headless Chromium).

The records are generated from a small real batch (real PDFs, real thumbnails, a
failure, a warning; see tests/support/report_scale.py), so what the browser opens
is what such a batch writes.  Load times are measured by bench/run.py, not asserted
here; this test asserts what a reader would get: every page opens, holds its 500
records with the problems first, shows its pictures, and fetches nothing.
"""
from __future__ import annotations

import io
import shutil

import pytest
from lxml import html as lhtml

from pipeline.archive.report import PAGE_SIZE, write_report
from tests.conftest import ROOT, SAMPLES, govdoc
from tests.support.browser import Browser, chromium, load
from tests.support.report_scale import generated_records

pytestmark = pytest.mark.skipif(chromium() is None, reason="chromium is not installed "
                                "(scripts/install-system-deps.sh --with-chromium)")
N = 30_000
GEN = {"name": "govdoc", "version": "test"}


@pytest.fixture(scope="module")
def seeds(tmp_path_factory):
    """A real batch of three pages (one with a warning, one failing), PDFs and thumbnails."""
    src = tmp_path_factory.mktemp("in")
    shutil.copy(SAMPLES / "a02_govcn_state_council_notice.html", src)
    shutil.copy(ROOT / "tests" / "pages" / "b01_trs_ueditor_bureau.html", src)  # missing picture
    (src / "empty.html").write_bytes(b"")
    out = tmp_path_factory.mktemp("seeds")
    r = govdoc("convert", str(src), "-o", str(out), "--formats", "xml,pdf", "-q")
    assert r.returncode == 1 and "empty.html: empty file" in r.stderr, r.stderr
    return out


def _report(seeds, dest, n):
    shutil.copytree(seeds, dest)
    docs = generated_records(dest, n)
    write_report(dest, docs, GEN)
    return dest, docs


@pytest.fixture(scope="module")
def large_report(seeds, tmp_path_factory):
    return _report(seeds, tmp_path_factory.mktemp("large") / "out", N)


def test_a_paged_report_opens_in_chromium_each_page_whole(seeds, tmp_path):
    """The fast one: 1 200 records, three pages, each opened in the browser."""
    out, docs = _report(seeds, tmp_path / "out", 1200)
    pages = [out / "index.html", out / "index-2.html", out / "index-3.html"]
    assert sorted(out.glob("index*.html")) == sorted(pages)
    rows = 0
    with Browser() as browser:
        for p in pages:
            shown = browser.open(p)
            assert shown.requests[0] == p.resolve().as_uri()
            assert all(u.startswith("data:image/png;base64,") for u in shown.requests[1:])
            rows += shown.rows
    assert rows == 1200  # as many rows as the DOMs hold as there are records
    first = lhtml.parse(str(pages[0])).getroot().xpath("//tbody/tr/@class")
    assert first[:400] == ["failed"] * 400 and first[400:] == ["warned"] * 100


@pytest.mark.slow
def test_every_page_of_a_30000_record_report_is_small_and_whole(large_report):
    out, docs = large_report
    pages = sorted(out.glob("index*.html"))
    assert len(pages) == N // PAGE_SIZE
    seen = []
    for p in pages:
        assert p.stat().st_size < 3_000_000, p.name  # ~3.7 KB a record with its picture
        tree = lhtml.parse(str(p)).getroot()
        seen += tree.xpath("//tbody/tr/@id")
    assert len(seen) == N and len(set(seen)) == N  # every record once, on some page
    assert any(lhtml.parse(str(p)).getroot().xpath("//tr[@class='warned']//ul[@class='warnings']"
                                                   "/li[contains(., 'not saved with the page')]")
               for p in pages)


@pytest.mark.slow
def test_the_first_page_opens_in_chromium_problems_first(large_report):
    out, docs = large_report
    first = load(out / "index.html")
    assert first.rows == PAGE_SIZE and "batch report" in first.title
    assert first.requests == [(out / "index.html").resolve().as_uri()]  # nothing else fetched
    tree = lhtml.parse(str(out / "index.html")).getroot()
    assert tree.xpath("//tbody/tr/@class") == ["failed"] * PAGE_SIZE  # 10 000 fill 20 pages
    assert "10000 失败 failed" in tree.xpath("//p[@class='counts']")[0].text_content()
    assert "10000 × empty file" in tree.xpath("//div[@class='reasons']")[0].text_content()


@pytest.mark.slow
def test_a_page_of_records_with_pictures_renders_in_chromium(large_report):
    from PIL import Image

    out, docs = large_report
    last = out / f"index-{N // PAGE_SIZE}.html"
    shown = load(last, screenshot=True)
    assert shown.rows == PAGE_SIZE
    assert all(u.startswith("data:image/png;base64,") for u in shown.requests[1:])
    tree = lhtml.parse(str(last)).getroot()
    assert len(tree.xpath("//tbody/tr/td[@class='thumb']/img")) == PAGE_SIZE
    shot = Image.open(io.BytesIO(shown.screenshot)).convert("L")
    assert shot.size == (1400, 1000)
    # the thumbnails are drawn: grey page pictures, not an empty white screen
    histogram = shot.histogram()
    assert sum(histogram[:250]) > 0.05 * sum(histogram)
