"""Inputs that are not articles, hostile sizes, and the body rules that decide
headings, trimming and the signature (each on a small page written for the rule)."""
from __future__ import annotations

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
    a = analyse(data, name="deep.html")
    assert any("256" in w for w in a.warnings)
    assert validation_errors(a.document) == []


def test_twenty_megabyte_page_finishes():
    para = f'<p style="text-indent:2em">{LONG}</p>\n'
    data = article(para * (20_000_000 // len(para.encode())))
    assert len(data) > 19_000_000
    doc = extract(data, name="big.html")   # bounded work; the time is measured in bench/, not here
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


def test_numbered_name_list_is_not_headings():
    doc = extract(article(f"<p>{LONG}</p><p>1.张三</p><p>2.李四</p><p>3.王五</p><p>{LONG}</p>"), name="l.html")
    assert not [b for b in blocks(doc) if b[0] == "heading"]


def test_info_line_inside_the_container_is_read_and_dropped():
    doc = extract(article(f"<p>发布时间：2024-05-06 09:00　来源：市发展改革委　浏览次数：</p><p>{LONG}</p>"), name="i.html")
    m = doc.find(Q + "meta")
    assert m.find(Q + "published-date").text == "2024-05-06" and m.find(Q + "source").text == "市发展改革委"
    assert "浏览次数" not in "".join(doc.find(Q + "body").itertext())


def test_tail_navigation_lines_are_trimmed():
    doc = extract(article(f"<p>{LONG}</p><p>上一篇：关于做好2023年度相关工作的通知的补充说明</p>"
                          "<p>下一篇：某某市召开2024年度全市经济工作会议并部署相关任务</p>"), name="n.html")
    assert "上一篇" not in "".join(doc.find(Q + "body").itertext())


def test_nested_layout_table_is_unwrapped_and_data_table_kept():
    doc = extract(article('<table><tr><td>'
                          f'<p>{LONG}</p><table border="1"><tr><td>项目</td><td>金额</td></tr>'
                          '<tr><td>甲</td><td>10</td></tr></table><p>这是表格后面的一段正文内容，需要保留。</p>'
                          '</td></tr></table>'), name="t.html")
    tables = doc.findall(f".//{Q}table")
    assert len(tables) == 1 and len(tables[0].findall(Q + "row")) == 2
    text = "".join(doc.find(Q + "body").itertext())
    assert LONG in text and "这是表格后面的一段正文内容" in text


def test_attachment_lines_after_the_signature_follow_it():
    doc = extract(article(f"<p>{LONG}</p>"
                          '<p align="right">某某市人民政府办公室</p><p align="right">2024年3月1日</p>'
                          "<p>附件：1.申报表</p><p>2.汇总表</p>"), name="a.html")
    body = doc.find(Q + "body")
    sig = body.find(Q + "signature")
    assert sig is not None and sig.find(Q + "org").text == "某某市人民政府办公室"
    after = [("".join(e.itertext())) for e in sig.itersiblings()]
    assert after == ["附件：1.申报表", "2.汇总表"]


def test_data_table_with_label_like_headers_in_the_body_is_kept():
    doc = extract(article(f"<p>{LONG}</p><table border='1'><tr><td>名称</td><td>时间</td><td>来源</td></tr>"
                          "<tr><td>项目甲</td><td>2024年</td><td>市财政</td></tr></table>"), name="d.html")
    t = doc.find(f".//{Q}table")
    assert t is not None and "项目甲" in "".join(t.itertext())


def test_metadata_table_inside_the_container_leaves_the_body():
    meta = ('<table><tr><td>索引号：</td><td>001/2024-1</td><td>发布机构：</td><td>某某局</td></tr>'
            '<tr><td>成文日期：</td><td>2024-01-02</td><td>文号：</td><td>某发〔2024〕1号</td></tr></table>')
    doc = extract(article(meta + f"<p>{LONG}</p>"), name="m.html")
    assert doc.find(f".//{Q}table") is None
    assert doc.find(f"{Q}meta/{Q}index-number").text == "001/2024-1"


def test_spam_mirror_copies_are_not_articles():
    pinyin = "".join(f"{c}({p})" for c, p in zip("为进一步做好相关工作切实保障人民群众", ["wei", "jin", "yi", "bu", "zuo", "hao", "xiang", "guan", "gong", "zuo", "qie", "shi", "bao", "zhang", "ren", "min", "qun", "zhong"]))
    with pytest.raises(NotAnArticle, match="pinyin"):
        extract(article(f"<p>{pinyin * 3}</p>"), name="p.html")
    trad = "國務院辦公廳關於進一步做好經濟工作的通知，各級機構要認真組織實現發展目標。" * 3
    with pytest.raises(NotAnArticle, match="traditional"):
        extract(article(f"<p>{trad}</p>"), name="t.html")


def test_document_write_value_is_recovered_and_null_is_no_value():
    meta = ("<table><tr><td>文号：</td><td><script>var fileNum='湘政发 〔2009〕30号';"
            "if(fileNum!='null'){document.write(fileNum)}</script></td>"
            "<td>成文日期：</td><td><script>var d='null';if(d!='null'){document.write(d)}</script></td></tr>"
            "<tr><td>索引号：</td><td>43000/2009-01</td><td>发布机构：</td><td>湖南省人民政府</td></tr></table>")
    m = extract(article(f"<p>{LONG}</p>", before=meta), name="w.html").find(Q + "meta")
    assert m.find(Q + "doc-number").text == "湘政发〔2009〕30号" and m.find(Q + "written-date") is None


def test_lead_image_above_the_content_marker_is_kept():
    doc = extract(article('<table><tr><td><img src="./W020240101123.jpg" alt="领导调研"></td></tr></table>'
                          f"<!--ZJEG_RSS.content.begin--><p>{LONG}</p><!--ZJEG_RSS.content.end-->"
                          '<p>扫一扫在手机打开当前页</p><img src="/qr.png" alt="二维码">'), name="h.html")
    imgs = doc.findall(f".//{Q}image")
    assert [i.get("src") for i in imgs] == ["./W020240101123.jpg"]


def test_file_links_above_the_body_are_not_attachments():
    nav = '<div class="side"><a href="/gk/zhinan.pdf">政府信息公开指南.pdf</a></div>'
    after = '<div class="fj">相关附件：<a href="./P0202401.xlsx">分配表.xlsx</a></div>'
    doc = extract(article(f"<p>{LONG}</p>", before=nav, after=after), name="f.html")
    atts = [a.text for a in doc.iter(Q + "attachment")]
    assert atts == ["分配表.xlsx"]


def test_short_content_lines_with_chrome_words_at_the_end_are_kept():
    doc = extract(article(f"<p>{LONG}</p><p>市民可扫一扫下方二维码在线报名。</p>"
                          "<p>主办单位：某某市人民政府办公室 承办单位：某某市大数据中心</p>"), name="k.html")
    text = "".join(doc.find(Q + "body").itertext())
    assert "市民可扫一扫下方二维码在线报名" in text and "承办单位" not in text


def test_embedded_pdf_becomes_an_attachment():
    doc = extract(article(f'<p>{LONG}</p><iframe src="/u/2024/通知全文.pdf" width="100%"></iframe>'), name="e.html")
    atts = [(a.get("href"), a.text) for a in doc.iter(Q + "attachment")]
    assert atts == [("/u/2024/通知全文.pdf", "通知全文.pdf")]


def test_a_notice_opening_with_time_and_place_keeps_them():
    doc = extract(article(f"<p>时间：2024年3月5日（星期二）上午9:00</p><p>地点：市政府第一会议室</p><p>{LONG}</p>"),
                  name="n.html")
    text = "".join(doc.find(Q + "body").itertext())
    assert "时间：2024年3月5日" in text and "地点：市政府第一会议室" in text


def test_many_nested_candidate_containers_stay_bounded():
    p = "<p>" + "这是一个用于测试的较长段落，包含足够多的中文字符，以便成为正文的一部分。" * 3 + "</p>"
    page = ("<html><body>" + "".join(f'<div class="lv{i}">' + p * 40 for i in range(200)) + "</div>" * 200
            + "</body></html>").encode()
    doc = extract(page, name="nested.html")
    assert validation_errors(doc) == []


def test_table_caption_and_thead_are_kept():
    doc = extract(article(f"<p>{LONG}</p><table><caption>表1 资金分配表</caption><thead><tr><td>县区</td><td>金额</td></tr>"
                          "</thead><tbody><tr><td>甲县</td><td>100</td></tr></tbody></table>"), name="c.html")
    t = doc.find(f".//{Q}table")
    assert t.find(Q + "caption").text == "表1 资金分配表"
    assert t.find(Q + "row").get("header") == "true"


def test_two_column_layout_row_is_unwrapped():
    doc = extract(article(f"<table><tr><td><p>{LONG * 8}</p><p>{LONG}</p></td><td>相关链接</td></tr></table>"),
                  name="l.html")
    assert doc.find(f".//{Q}table") is None
    assert LONG in "".join(doc.find(Q + "body").itertext())


def test_image_in_a_table_cell_is_reported():
    a = analyse(article(f'<p>{LONG}</p><table border="1"><tr><td>照片</td><td><img src="./W0201.jpg" alt="现场"></td></tr>'
                        "<tr><td>说明</td><td>施工现场</td></tr></table>"), name="i.html")
    assert any("table cell" in w for w in a.warnings)


def test_caption_line_under_an_image_becomes_its_caption():
    doc = extract(article(f'<p>{LONG}</p><p style="text-align:center"><img src="./W02.jpg" alt="现场"></p>'
                          '<p style="text-align:center">图为施工现场。（区水务局供图）</p>'
                          f"<p>{LONG}</p>"), name="c.html")
    fig = doc.find(f".//{Q}figure")
    assert fig.find(Q + "caption").text == "图为施工现场。（区水务局供图）"


def test_flatten_deep_keeps_text_and_order_and_separates_blocks():
    from pipeline.extract.html import flatten_deep

    text = "<div>" * 5 + "<p>甲</p><span>乙</span><br>丙" + "</div>" * 5 + "<p>丁</p>"
    flat = flatten_deep(text, limit=3)
    assert flat.startswith("<div><div><div>") and flat.count("<div>") == 3 and flat.count("</div>") == 3
    assert [c for c in flat if c in "甲乙丙丁"] == list("甲乙丙丁")
    assert "\n甲\n乙" in flat and "\n丙" in flat  # block tags become line breaks, inline go
    assert flatten_deep(text, limit=10) == text


def test_a_page_nested_past_the_parser_limit_keeps_its_text():
    from pipeline.extract.html import parse

    n = 5000
    html = ("<html><body><div id='zoom'>" + "<div><font>" * n + "<p>　　最深处的正文。</p>"
            + "</font></div>" * n + "<p>　　之后的段落。</p></div></body></html>")
    parsed = parse(html)
    text = "".join(parsed.root.itertext())
    assert "最深处的正文。" in text and text.index("最深处") < text.index("之后的段落")
    assert len(parsed.warnings) == 1 and "text kept" in parsed.warnings[0]


def test_random_bytes_are_refused_as_binary_not_read_as_an_article():
    import random

    import pytest

    from pipeline.errors import InputError
    from pipeline.extract import extract

    rnd = random.Random(3)
    for _ in range(5):
        data = bytes(rnd.randrange(256) for _ in range(100_000))
        with pytest.raises(InputError, match="binary data"):
            extract(data, name="garbage.html")


# --- parse and clean lose no text without a word (issue 13) --------------------------

def _warnings(doc) -> list[str]:
    return [w.text for w in doc.findall(f"{Q}provenance/{Q}warning")]


def _body(doc) -> str:
    return "".join(doc.find(Q + "body").itertext())


def _png_data_uri(payload_bytes: int) -> str:
    import base64

    return "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x07" * payload_bytes).decode()


def test_a_30_megabyte_data_picture_is_stripped_before_parsing_and_the_page_kept():
    """A data: URL over libxml2's 10 MB bound used to truncate the page after it, with a
    false "nesting" warning."""
    uri = _png_data_uri(22 * 1024 * 1024)
    assert len(uri) > 30_000_000
    doc = extract(article(f"<p>{LONG}</p><p><img src=\"{uri}\" alt=\"现场照片\"></p><p>图片之后的正文{LONG}</p>"),
                  name="big-data.html")
    assert "图片之后的正文" in _body(doc)
    images = doc.findall(f".//{Q}image")
    assert [(i.get("src"), i.get("alt")) for i in images] == [("data:image/png;base64,", "现场照片")]
    warnings = _warnings(doc)
    assert any("data: URL (image/png, 22.0 MB)" in w and "placeholder" in w for w in warnings), warnings
    assert not any("256" in w or "nest" in w for w in warnings)


def test_a_small_data_picture_leaves_a_placeholder_and_a_warning():
    doc = extract(article(f"<p>{LONG}</p><p><img src=\"{_png_data_uri(3000)}\"></p>"
                          f"<p><img src=\"{_png_data_uri(10)}\" alt=\"图标\">小图标之后</p>"), name="small-data.html")
    images = doc.findall(f".//{Q}image")
    assert [i.get("src") for i in images] == ["data:image/png;base64,"]   # the 18-byte icon is no picture
    assert sum("data: URL (image/png, 3 KB)" in w for w in _warnings(doc)) == 1
    assert "小图标之后" in _body(doc)


def test_a_text_larger_than_the_parser_buffer_is_read_whole():
    run = "字" * 4_000_000   # 12 MB of UTF-8 in one text node
    doc = extract(article(f"<p>{LONG}</p><p>{run}</p><p>其后的正文{LONG}</p>"), name="long-text.html")
    body = _body(doc)
    assert run in body and "其后的正文" in body
    assert not any("nest" in w for w in _warnings(doc))


@pytest.mark.parametrize("tag", ["embed", "source", "track", "wbr", "keygen", "bgsound"])
def test_an_unclosed_void_element_swallows_nothing(tag):
    doc = extract(article(f"<p>{LONG}</p><p>甲乙<{tag} src=\"x\">丙丁</p><{tag} src=\"y\"><p>其后第一段{LONG}</p>"
                          f"<p>其后第二段{LONG}</p>"), name="void.html")
    body = _body(doc)
    assert "甲乙丙丁" in body and "其后第一段" in body and "其后第二段" in body


def test_object_and_applet_fallback_text_is_kept_and_an_embedded_pdf_linked():
    doc = extract(article(f"<p>{LONG}</p><p>前文<object data=\"/a.swf\"><param name=\"q\" value=\"1\">对象替代文字"
                          "</object>后文</p><applet code=\"A.class\"><param name=\"x\">小程序替代文字</applet>"
                          "<object data=\"/files/notice.pdf\" type=\"application/pdf\">请下载阅读</object>"),
                  name="object.html")
    body = _body(doc)
    assert "前文对象替代文字后文" in body and "小程序替代文字" in body and "请下载阅读" in body
    assert [a.get("href") for a in doc.iter(f"{Q}attachment")] == ["/files/notice.pdf"]


def test_text_cleaning_drops_inside_the_article_is_counted_in_a_warning():
    doc = extract(article(f"<p>{LONG}</p><p>标题：{{{{detail.title}}}}，正文<noscript>请开启脚本</noscript>继续"
                          "<span style=\"display:none\">隐藏文字</span>。</p><button>打印</button>"
                          "<p>@font-face {font-family:宋体; panose-1:2 1 6 0 3 1 1 1 1 1;} "
                          "p.MsoNormal {margin:0cm; font-size:10.5pt;}</p>"),
                  name="dropped.html", )
    body = _body(doc)
    assert "标题：，正文继续。" in body and "{{" not in body and "MsoNormal" not in body
    (w,) = [w for w in _warnings(doc) if w.startswith("cleaning left out")]
    assert "{{…}} template placeholder x1 (16)" in w and "<noscript> x1 (5)" in w
    assert "hidden element x1 (4)" in w and "<button> x1 (2)" in w and "CSS rules shown as text x1" in w


def test_drops_outside_the_article_are_not_reported():
    doc = extract(article(f"<p>{LONG}</p>", after="<noscript>请开启脚本</noscript><button>搜索</button>"),
                  name="chrome.html")
    assert not any(w.startswith("cleaning left out") for w in _warnings(doc))


def test_running_text_that_mentions_css_is_kept():
    line = "会议要求，各单位在网页样式中不得使用 p.MsoNormal {margin:0} 一类的写法，统一采用规范模板。" + LONG
    assert "p.MsoNormal {margin:0}" in _body(extract(article(f"<p>{line}</p>"), name="css-words.html"))


def test_a_line_break_inside_chinese_text_is_no_space():
    doc = extract(article(f"<p>{LONG}</p><p>为进一步\r做好政府\r\n信息公开\r\r\n工作，Hello\nWorld。</p>"), name="cr.html")
    assert "为进一步做好政府信息公开工作，Hello World。" in _body(doc)


def test_a_fragment_without_html_or_body_is_a_page():
    data = (f"<h2>关于开展安全检查的通知</h2><p>{LONG}</p>\r<p>二、{LONG}</p>").encode()
    doc = extract(data, name="fragment.html")
    assert LONG in _body(doc)
    assert doc.find(f".//{Q}title") is not None
