"""The profile table is data: it loads, every selector compiles, ids are unique, and
a profile is recognised by its markers / blocks, in file order."""
from lxml import etree

from pipeline.extract import choose_container
from pipeline.extract.profiles import catalogue, evidence
from pipeline.extract.selectors import may_match, select, to_xpath


def test_catalogue_loads_with_unique_ids_and_containers():
    cat = catalogue()
    ids = [p.id for p in cat.profiles]
    assert len(ids) == len(set(ids)) and len(ids) >= 15
    assert all(p.containers for p in cat.profiles)
    assert cat.generic.candidates


def test_selector_subset():
    root = etree.fromstring('<html><body><div id="Zoom" class="a b"><p>x</p></div>'
                            '<UCAPCONTENT>y</UCAPCONTENT></body></html>', etree.HTMLParser())
    assert len(select(root, "#zoom")) == 1          # ids match case-insensitively
    assert len(select(root, "div.b > p")) == 1
    assert len(select(root, "ucapcontent")) == 1
    assert select(root, "div.c") == []
    assert "translate(@id" in to_xpath("#zoom")
    raw = '<div id="Zoom" class="a b">'
    assert may_match("#zoom", raw, raw.lower()) and not may_match(".TRS_Editor", raw, raw.lower())


def _page(body: str) -> tuple[str, etree._Element]:
    raw = f"<html><body>{body}</body></html>"
    return raw, etree.fromstring(raw, etree.HTMLParser())


def test_first_matching_profile_wins_and_reports_markers():
    raw, root = _page('<div id="ivs_content"><!--ZJEG_RSS.content.begin--><p>' + "正文" * 40 +
                      "</p><!--ZJEG_RSS.content.end--></div>")
    prof, markers, container, _ = choose_container(root, raw, None)
    assert prof.id == "shanghai" and container.get("id") == "ivs_content"
    assert any("ivs_content" in m for m in markers)


def test_url_shaped_profile():
    raw, root = _page('<div id="zoom"><p>' + "正文" * 40 + "</p></div>")
    hanweb = next(p for p in catalogue().profiles if p.id == "hanweb-jcms")
    assert evidence(hanweb, raw, None, root) is None
    assert evidence(hanweb, raw, "http://www.zj.gov.cn/art/2024/1/31/art_1229_4217735.html", root)


def test_unknown_page_falls_back_to_the_scored_generic_container():
    raw, root = _page('<div class="nav"><a href="/">首页</a></div><div class="xyz-body"><p>' + "这是正文内容。" * 30 +
                      '</p><p>' + "第二段正文。" * 20 + '</p></div><div class="foot">版权所有 网站标识码 ICP备</div>')
    prof, markers, container, _ = choose_container(root, raw, None)
    assert prof is None and container.get("class") == "xyz-body"
