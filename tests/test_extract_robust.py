"""Inputs that are not articles, hostile sizes, and the body rules that decide
headings, trimming and the signature (each on a small page written for the rule)."""
from __future__ import annotations

import time

import pytest

from pipeline.canonical import NS, validation_errors
from pipeline.errors import InputError, NotAnArticle
from pipeline.extract import analyse, extract

from .support.extraction import PAGES

Q = f"{{{NS}}}"


def article(body: str, head: str = "", before: str = "", after: str = "") -> bytes:
    return (f'<html><head><meta charset="utf-8"><title>测试通知_通知公告_某某市人民政府</title>{head}</head>'
            f'<body><div class="position">当前位置：首页 &gt; 通知公告</div>{before}'
            f'<div id="zoom">{body}</div>{after}'
            '<div class="footer">主办单位：某某市人民政府办公室 网站标识码：1234567890 京ICP备05000000号</div>'
            '</body></html>').encode("utf-8")


LONG = "为进一步做好相关工作，切实保障人民群众合法权益，现就有关事项通知如下，请各单位认真贯彻执行。"


def blocks(doc):
    body = doc.find(Q + "body")
    out = []
    for el in body.iter():
        tag = el.tag.replace(Q, "") if isinstance(el.tag, str) else ""
        if tag in ("p", "heading", "attachment", "table", "signature"):
            lvl = el.getparent().get("level") if tag == "heading" else None
            out.append((tag, lvl, "".join(el.itertext()).strip()))
    return out


@pytest.mark.parametrize("data,reason", [
    (b"", "empty"),
    (b"   \n\t ", "white space"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
    (b"PK\x03\x04\x14\x00\x06\x00", "ZIP"),
    (b"\x00\x01\x02\x03" * 2000, "binary"),
    ('{"title": "测试", "body": "正文"}'.encode(), "JSON"),
    ("只有一段纯文本，没有任何标记。".encode(), "markup"),
])
def test_unusable_input_is_an_input_error(data, reason):
    with pytest.raises(InputError) as exc:
        extract(data, name="x.html")
    assert reason.lower() in str(exc.value).lower() and "\n" not in str(exc.value)


@pytest.mark.parametrize("data", [
    (PAGES / "b13_antibot_ruishu.html").read_bytes(),
    '<html><head><title>Just a moment...</title></head><body>Checking your browser</body></html>'.encode(),
    '<html><body><p>该网站已接入电信云堤•网站安全防护服务，您的访问被云堤网站安全防护拦截</p></body></html>'.encode(),
    b'<html><head><title>x</title></head><body><div id="app"></div><script>load()</script></body></html>',
    ('<html><body><div class="nav"><a href="/">首页</a><a>政务公开</a></div><div class="footer">主办单位：'
     '某某市人民政府办公室 网站标识码：1234567890 京ICP备05000000号 版权所有</div></body></html>').encode(),
], ids=["ruishu", "cloudflare", "yundi", "empty-shell", "all-chrome"])
def test_not_an_article(data):
    with pytest.raises(NotAnArticle) as exc:
        extract(data, name="x.html")
    assert "\n" not in str(exc.value)


def test_deep_nesting_is_bounded():
    data = b'<html><body><div id="zoom"><p>' + ("正文" * 40).encode() + b"</p>" + \
        b"<div>" * 100_000 + b"x" + b"</div>" * 100_000 + b"</div></body></html>"
    t0 = time.perf_counter()
    a = analyse(data, name="deep.html")
    assert time.perf_counter() - t0 < 10
    assert any("256" in w for w in a.warnings)
    assert validation_errors(a.document) == []


def test_twenty_megabyte_page_finishes():
    para = f'<p style="text-indent:2em">{LONG}</p>\n'
    data = article(para * (20_000_000 // len(para.encode())))
    assert len(data) > 19_000_000
    t0 = time.perf_counter()
    doc = extract(data, name="big.html")
    assert time.perf_counter() - t0 < 60
    assert len(doc.find(Q + "body")) > 1000


def test_xml_invalid_characters_are_dropped_and_reported():
    a = analyse(article(f"<p>正文\x01内容\x0b{LONG}</p>"), name="ctrl.html")
    assert any("XML cannot hold" in w for w in a.warnings)
    assert "正文内容" in "".join(a.document.find(Q + "body").itertext())
    warnings = a.document.findall(f"{Q}provenance/{Q}warning")
    assert warnings and "XML" in warnings[0].text


def test_share_phrase_mid_body_is_content_but_trailing_share_widget_is_not():
    doc = extract(article(f"<p>{LONG}</p><p>我们把经验分享到各地，效果很好，值得推广。</p><p>{LONG}</p>"
                          "<p>分享到：微信 微博</p><p>【打印本页】【关闭窗口】</p>"), name="s.html")
    text = "".join(doc.find(Q + "body").itertext())
    assert "分享到各地" in text and "分享到：" not in text and "打印本页" not in text


def test_headings_from_numbering_and_run_in_paragraphs():
    doc = extract(article(
        f"<p>{LONG}</p><p>一、总体要求</p><p>（一）指导思想。以人民为中心，推动高质量发展，这是一段正文。</p>"
        "<p>（二）工作目标</p><p>1.完善机制</p><p>（1）建立台账</p><p>（2）定期通报，每月一次。</p>"
        f"<p>二、保障措施</p><p>{LONG}</p>"), name="h.html")
    got = [b for b in blocks(doc) if b[0] in ("heading", "p")]
    assert ("heading", "1", "一、总体要求") in got
    assert ("p", None, "（一）指导思想。以人民为中心，推动高质量发展，这是一段正文。") in got
    assert ("heading", "2", "（二）工作目标") in got
    assert ("heading", "3", "1.完善机制") in got
    assert ("heading", "4", "（1）建立台账") in got
    assert ("p", None, "（2）定期通报，每月一次。") in got
    assert ("heading", "1", "二、保障措施") in got


def test_attachment_list_continuation_is_not_a_heading():
    doc = extract(article(f"<p>{LONG}</p><p>附件：1.项目申报表</p><p>　　　　　2.项目汇总表</p>"
                          '<p align="right">某某市人民政府</p><p align="right">2024年3月1日</p>'), name="a.html")
    assert not [b for b in blocks(doc) if b[0] == "heading"]
    sig = doc.find(f"{Q}body/{Q}signature")
    assert sig.find(Q + "org").text == "某某市人民政府" and sig.find(Q + "date").get("when") == "2024-03-01"


def test_signature_with_two_issuers_and_chinese_date_then_note():
    doc = extract(article(f"<p>{LONG}</p>"
                          '<p style="text-align:right">某某市财政局　　</p><p style="text-align:right">某某市税务局</p>'
                          '<p style="text-align:right">二〇二四年十二月三十一日</p><p>（此件公开发布）</p>'), name="s.html")
    body = doc.find(Q + "body")
    sig = body.find(Q + "signature")
    assert [o.text for o in sig.findall(Q + "org")] == ["某某市财政局", "某某市税务局"]
    assert sig.find(Q + "date").get("when") == "2024-12-31"
    last = body[-1]
    assert last.tag == Q + "p" and last.get("role") == "note" and last.text == "（此件公开发布）"


def test_indent_is_an_attribute_not_text():
    doc = extract(article(f"<p>　　{LONG}</p><p>&nbsp;&nbsp;&nbsp;&nbsp;{LONG}</p>"
                          f'<p style="text-indent:2em">{LONG}</p>'), name="i.html")
    ps = doc.find(Q + "body").findall(Q + "p")
    assert [p.get("indent") for p in ps] == ["2", "2", "2"]
    assert all(not p.text.startswith(("\u3000", "\xa0", " ")) for p in ps)


def test_repeated_title_and_doc_number_are_removed_from_the_body_top():
    meta = ('<table><tr><td>标题：</td><td>测试通知</td><td>发文字号：</td><td>某政发〔2024〕1号</td></tr>'
            '<tr><td>发布日期：</td><td>2024-01-02</td><td>成文日期：</td><td>2023-12-29</td></tr></table>')
    doc = extract(article(f'<p align="center"><b>测试通知</b></p><p align="center">某政发〔2024〕1号</p><p>{LONG}</p>',
                          before=meta), name="t.html")
    b = blocks(doc)
    assert b[0] == ("p", None, LONG)
    m = doc.find(Q + "meta")
    assert m.find(Q + "doc-number").text == "某政发〔2024〕1号"
    assert m.find(Q + "written-date").text == "2023-12-29" and m.find(Q + "published-date").text == "2024-01-02"


def test_generated_date_is_never_the_written_date():
    meta = ('<table><tr><td class="t">生成日期</td><td><!--<$[SCRQ]>-->2024-06-28<!--<$[SCRQ]>--></td>'
            '<td class="t">发布日期</td><td><!--<$[FBRQ]>-->2024-06-30<!--<$[FBRQ]>--></td></tr></table>')
    doc = extract(article(f"<p>{LONG}</p>", before=meta), name="g.html")
    m = doc.find(Q + "meta")
    assert m.find(Q + "written-date") is None
    assert m.find(Q + "generated-date").text == "2024-06-28"
    assert m.find(Q + "published-date").get("label") == "发布日期"


def test_placeholders_are_absent():
    meta = ('<table><tr><td>文号：</td><td>— —</td><td>主题词：</td><td>无</td></tr>'
            '<tr><td>有效性：</td><td>/</td><td>索引号：</td><td>null</td></tr></table>')
    doc = extract(article(f"<p>{LONG}</p>", before=meta), name="p.html")
    m = doc.find(Q + "meta")
    for name in ("doc-number", "keywords", "validity", "index-number"):
        assert m.find(Q + name) is None


def test_title_suffix_is_stripped_from_the_title_element():
    doc = extract(article(f"<p>{LONG}</p>",
                          head='<meta name="SiteName" content="某某市人民政府"><meta name="ColumnName" content="通知公告">'),
                  name="t.html")
    assert doc.find(f"{Q}meta/{Q}title").text == "测试通知"
