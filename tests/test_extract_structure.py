"""What the gold scores cannot see: the canonical elements each failure class must
produce (annexes, masthead, article numbers, section kinds, language, origin), on our
own test pages and on small pages written here."""
from __future__ import annotations

import pytest

from pipeline import canonical
from pipeline.canonical import NS, Origin, WarcRecord, origin_of
from pipeline.extract import analyse, extract
from pipeline.extract.html import parse
from pipeline.extract.origin import Statement, choose, statements

from .support.extraction import PAGES

C = {"c": NS}


def doc_of(name: str, **kw):
    page = PAGES / name
    return extract(page.read_bytes(), name=page.name, **kw)


def texts(doc, xpath: str) -> list[str]:
    return ["".join(e.itertext()).strip() for e in doc.xpath(xpath, namespaces=C)]


# ---------------------------------------------------------------- annexes

def test_annexes_follow_the_signature_with_label_number_title_and_own_sections():
    doc = doc_of("e01_annexes_after_signature.html")
    body = doc.find(f"{{{NS}}}body")
    names = [canonical.local(c) for c in body]
    assert names[-4:] == ["signature", "p", "annex", "annex"]       # signature, （此件公开发布）, annexes
    annexes = body.findall(f"{{{NS}}}annex")
    assert [a.get("number") for a in annexes] == ["1", "2"]
    assert texts(doc, "//c:annex/c:label") == ["附件1", "附件2"]
    assert texts(doc, "//c:annex/c:title") == ["2025年度城市更新项目申报表", "城市更新项目申报材料清单"]
    # annex headings restart at level 1; the table sits in the annex's first section
    assert [s.get("level") for s in annexes[0].findall(f"{{{NS}}}section")] == ["1", "1"]
    assert annexes[0].find(f"{{{NS}}}section/{{{NS}}}table") is not None
    assert texts(doc, "//c:signature/c:org") == ["某某市人民政府办公室"]
    # the 附件说明 above the signature stays in the main text
    assert texts(doc, "//c:p[@role='attachment-note']")[0].startswith("附件：1.")


def _page(body: str) -> bytes:
    return (f"<html><head><meta charset='utf-8'><title>关于印发工作方案的通知</title></head>"
            f"<body><div id='zoom'>{body}</div></body></html>").encode()


def test_a_label_with_its_title_on_one_line_starts_an_annex_only_with_content_after_it():
    filler = "为做好有关工作，现将工作方案印发给你们，请结合实际认真贯彻落实，确保各项任务按期完成。"
    sig = "<p align='right'>某某县人民政府办公室</p><p align='right'>2024年6月1日</p>"
    # after the signature: 附件：title, then the annex's own text -> an annex
    doc = extract(_page(f"<p>{filler}</p>{sig}<p>附件：重点任务分工表</p><p>{filler * 2}</p>"), name="x.html")
    assert texts(doc, "//c:annex/c:title") == ["重点任务分工表"]
    assert doc.find(f".//{{{NS}}}annex/{{{NS}}}label").text == "附件"
    # after the signature: 附件：file name only -> a line after the signature, no annex
    doc = extract(_page(f"<p>{filler}</p>{sig}<p>附件：重点任务分工表</p>"), name="x.html")
    assert doc.find(f".//{{{NS}}}annex") is None and doc.find(f".//{{{NS}}}signature") is not None


def test_an_annex_label_without_a_signature_above_needs_the_attachment_note_naming_it():
    filler = "为做好有关工作，现将工作方案印发给你们，请结合实际认真贯彻落实，确保各项任务按期完成。"
    announced = f"<p>{filler}</p><p>附件：重点任务分工表</p><p>附件</p><p>重点任务分工表</p><p>{filler}</p>"
    assert texts(extract(_page(announced), name="x.html"), "//c:annex/c:title") == ["重点任务分工表"]
    unannounced = f"<p>{filler}</p><p>附件</p><p>重点任务分工表</p><p>{filler}</p>"
    assert extract(_page(unannounced), name="x.html").find(f".//{{{NS}}}annex") is None


# ---------------------------------------------------------------- regulations

def test_regulation_masthead_is_its_own_block_not_the_signature():
    doc = doc_of("e05_regulation_masthead_chapters.html")
    m = doc.find(f"{{{NS}}}body/{{{NS}}}masthead")
    assert m is not None and doc.find(f".//{{{NS}}}signature") is None
    assert m.findtext(f"{{{NS}}}org") == "某某省人民政府令" and m.findtext(f"{{{NS}}}number") == "第268号"
    signer = m.find(f"{{{NS}}}signer")
    assert signer.get("office") == "省长" and signer.text == "张某某"
    assert m.find(f"{{{NS}}}date").get("when") == "2024-12-30"
    assert texts(doc, "//c:body/c:p[@role='subtitle']") == ["某某省河道采砂管理办法"]


def test_regulation_units_are_sections_with_kinds_and_articles_keep_their_number_apart():
    doc = doc_of("e05_regulation_masthead_chapters.html")
    kinds = [(s.get("level"), s.get("kind")) for s in doc.iter(f"{{{NS}}}section")]
    assert kinds == [("1", "chapter"), ("1", "chapter"), ("2", "section"), ("2", "section"), ("1", "chapter")]
    arts = doc.xpath("//c:p[@role='article']", namespaces=C)
    assert [a.findtext(f"{{{NS}}}num") for a in arts] == ["第一条", "第二条", "第三条", "第四条", "第五条", "第六条"]
    assert all(a[0].tag == f"{{{NS}}}num" and not (a.text or "").strip() for a in arts)
    assert arts[0][0].tail.startswith("为了加强河道采砂管理")
    # （一）… items of an article are paragraphs, not headings
    assert "（一）采砂申请书；" in texts(doc, "//c:p")


def test_title_note_under_a_title():
    body = ("<p align='center'><b>某某市城市绿化条例</b></p>"
            "<p align='center'>（2019年6月28日某某市第十五届人民代表大会常务委员会第二十次会议通过）</p>"
            "<p>第一条　为了促进城市绿化事业的发展，改善生态环境，制定本条例。</p>"
            "<p>第二条　本条例适用于本市城市规划区内的城市绿化工作。</p>")
    doc = extract(_page(body), name="x.html")
    assert texts(doc, "//c:p[@role='subtitle']") == ["某某市城市绿化条例"]
    assert texts(doc, "//c:p[@role='title-note']")[0].startswith("（2019年6月28日")
    assert len(doc.xpath("//c:p[@role='article']", namespaces=C)) == 2


# ---------------------------------------------------------------- containers

def test_a_url_matched_profile_narrows_to_the_article_block():
    a = analyse((PAGES / "e02_trs_url_layout_block.html").read_bytes(), name="e02.html")
    assert a.profile == "trs-url" and a.container.startswith("div.article-text")
    assert any(m.startswith("narrowed to div.article-text") for m in a.markers)


def test_generic_fallback_prefers_the_block_named_for_content():
    a = analyse((PAGES / "e04_generic_row_info_list.html").read_bytes(), name="e04.html")
    assert a.profile == "generic" and a.container == "div#content.news-cont"


# ---------------------------------------------------------------- English editions

def test_english_edition_is_marked_english_with_english_labels_and_dates():
    doc = doc_of("e06_english_policy_labels.html")
    assert doc.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    meta = doc.find(f"{{{NS}}}meta")
    assert meta.find(f"{{{NS}}}index-number").get("label") == "Index No."
    assert meta.findtext(f"{{{NS}}}doc-number") == "Mou Fu [2024] No. 9"
    assert doc.find(f".//{{{NS}}}signature/{{{NS}}}date").get("when") == "2024-03-15"
    assert doc_of("b01_trs_ueditor_bureau.html").get("{http://www.w3.org/XML/1998/namespace}lang") == "zh-CN"


# ---------------------------------------------------------------- origin

def test_origin_from_saved_from_over_a_root_canonical():
    doc = doc_of("e08_saved_from_stray_html_end.html")
    assert origin_of(doc) == {"url": "http://www.mouqu.gov.cn/xxgk/tzgg/202405/t20240512_3344.html",
                              "from": "saved-from"}
    # relative pictures resolve against the page's own address
    assert doc.find(f".//{{{NS}}}image").get("src") == "http://www.mouqu.gov.cn/xxgk/images/yanlian.jpg"


def test_origin_of_a_fragment_from_og_url_and_a_given_warc_record_wins():
    assert origin_of(doc_of("e09_fragment_og_url_stray_body_end.html"))["from"] == "og-url"
    given = Origin(url="http://archive.example/page.html", captured="2024-06-04T08:00:00Z",
                   warc=WarcRecord(file="crawl.warc.gz", record_id="<urn:uuid:1234>",
                                   target_uri="http://archive.example/page.html", date="2024-06-04T08:00:00Z"))
    doc = doc_of("e09_fragment_og_url_stray_body_end.html", origin=given)
    assert origin_of(doc) == {"url": "http://archive.example/page.html", "from": "warc",
                              "captured": "2024-06-04T08:00:00Z", "warc-file": "crawl.warc.gz",
                              "warc-record-id": "<urn:uuid:1234>"}
    assert canonical.validation_errors(doc) == []


@pytest.mark.parametrize("head,expected", [
    ('<!--http://a.gov.cn/x/t20240101_1.html-->\n<html><head><link rel="canonical" href="http://a.gov.cn/y.html">',
     ("url-comment", "http://a.gov.cn/x/t20240101_1.html")),
    ('<html><head><link rel="canonical" href="http://a.gov.cn/"><meta name="url" content="http://a.gov.cn/p/1.html">',
     ("meta-url", "http://a.gov.cn/p/1.html")),                    # a root address yields on the same host
    ('<html><head><link rel="canonical" href="http://a.gov.cn/"><meta name="url" content="http://b.gov.cn/p/1.html">',
     ("canonical", "http://a.gov.cn/")),                           # but not to another site's
    ('<html><head><meta name="Url" content="./t20190918_693227.shtml"><base href="http://a.gov.cn/zw/">',
     ("base", "http://a.gov.cn/zw/")),                             # relative statements are not addresses
    ('<html><head><meta property="og:url" content="javascript:alert(1)">', None),
])
def test_origin_statements(head, expected):
    text = head + "</head><body><p>正文</p></body></html>"
    best = choose(statements(text, parse(text).root))
    assert (None if best is None else (best.source, best.url)) == expected


def test_choose_prefers_the_first_statement():
    assert choose([Statement("canonical", "http://a.gov.cn/1.html"), Statement("og-url", "http://a.gov.cn/2.html")]
                  ).source == "canonical"


# ---------------------------------------------------------------- parsing

@pytest.mark.parametrize("markup", [
    "<html><body><div>页头</div></body></html><div id='c'>正文在此</div></body></html>",
    "<html><body><div>页头</div></html><div id='c'>正文在此</div>",
    "<div>页头</div></body><div id='c'>正文在此</div>",
])
def test_content_after_a_stray_end_of_page_stays_in_the_body(markup):
    root = parse(markup).root
    body = root.find("body")
    assert body is not None and "正文在此" in "".join(body.itertext())


def test_a_label_over_file_links_after_the_signature_is_an_attachment_list_not_an_annex():
    filler = "为做好有关工作，现将工作方案印发给你们，请结合实际认真贯彻落实，确保各项任务按期完成。"
    sig = "<p align='right'>某某县人民政府办公室</p><p align='right'>2024年6月1日</p>"
    links = "<p>附件：</p><p><a href='/f/fg.docx'>重点任务分工表.docx</a></p><p><a href='/f/qd.xlsx'>清单.xlsx</a></p>"
    doc = extract(_page(f"<p>{filler}</p>{sig}{links}"), name="x.html")
    assert doc.find(f".//{{{NS}}}annex") is None
    assert doc.find(f".//{{{NS}}}signature") is not None
    assert len(doc.findall(f"{{{NS}}}body/{{{NS}}}attachment")) == 2
