"""decode(): BOM, declarations, gb2312/gbk read as gb18030, detection, mojibake."""
from __future__ import annotations

import pytest

from pipeline import canonical
from pipeline.decode import decode, declared_charset, looks_mojibake
from pipeline.errors import InputError
from pipeline.extract import extract

GBK_ONLY = "王珺、李堃、朱镕"   # none of these is in GB2312


def page(body: str, charset: str | None) -> str:
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">' if charset else ""
    return f"<html><head>{meta}<title>测试</title></head><body><p>{body}</p></body></html>"


def test_bom_wins():
    d = decode("\ufeff".encode("utf-8") + page("正文", "gb2312").encode("utf-8"))
    assert d.method == "bom" and d.encoding == "utf-8" and "正文" in d.text and not d.text.startswith("\ufeff")


def test_declared_gb2312_with_gbk_only_characters_is_read_as_gb18030():
    data = page("表彰" + GBK_ONLY + "等同志", "gb2312").encode("gbk")
    d = decode(data)
    assert d.method == "declared" and d.declared == "gb2312" and d.encoding == "gb18030"
    assert GBK_ONLY in d.text and "等同志</p>" in d.text   # nothing cut after the first GBK-only char


def test_meta_charset_short_form():
    assert declared_charset(b'<meta charset="GBK">') == "gbk"
    assert declared_charset(b"<?xml version='1.0' encoding='gb2312'?><html>") == "gb2312"


def test_no_declaration_gbk_is_detected():
    d = decode(page("我县召开森林防灭火工作会议，部署重点任务。" + GBK_ONLY, None).encode("gbk"))
    assert d.method == "detected" and d.encoding == "gb18030" and GBK_ONLY in d.text


def test_no_declaration_utf8_is_detected():
    d = decode(page("会议部署重点任务", None).encode("utf-8"))
    assert d.method == "detected" and d.encoding == "utf-8" and "会议部署重点任务" in d.text


def test_wrong_declaration_utf8_over_gbk_bytes():
    d = decode(page("关于做好春季森林防火工作的通知，请认真贯彻执行。", "utf-8").encode("gbk"))
    assert d.method == "detected" and d.declared == "utf-8" and "森林防火" in d.text


def test_wrong_declaration_gb2312_over_utf8_bytes_is_not_mojibake():
    d = decode(page("关于做好春季森林防火工作的通知，请认真贯彻执行。", "gb2312").encode("utf-8"))
    assert d.encoding == "utf-8" and d.method == "detected" and "森林防火" in d.text


def test_latin1_declaration_over_utf8_bytes():
    d = decode(page("国务院关于加强城市地下管线安全运行管理的通知", "iso-8859-1").encode("utf-8"))
    assert d.encoding == "utf-8" and "地下管线" in d.text


def test_mojibake_heuristic():
    assert looks_mojibake("国务院关于加强城市".encode("utf-8").decode("cp1252", "replace") * 3)
    assert not looks_mojibake("国务院关于加强城市地下管线安全运行管理的通知")


def test_undecodable_bytes_fall_back_without_crashing():
    d = decode(b"<html><body><p>" + b"\xff\xfe\xfd\x80\x81" * 50 + b"</p></body></html>")
    assert d.method in ("fallback", "detected") and d.text


def test_undeclared_big5_is_detected_as_big5():
    text = "國務院辦公廳關於進一步優化支付服務提升支付便利性的意見，各級政府要認真貫徹執行。"
    d = decode(f"<html><head><title>通知</title></head><body><p>{text}</p></body></html>".encode("big5"))
    assert d.method == "detected" and d.encoding.startswith("big5") and text in d.text


def test_utf8_template_around_a_gbk_article_keeps_both_parts():
    """A UTF-8 template with a GBK article pasted in: no single charset reads it."""
    head = page("栏目：通知公告", "utf-8").split("</body>")[0].encode("utf-8")
    article = f"<p>关于印发《{GBK_ONLY}工作方案》的通知</p>\n<p>第二段正文。</p>".encode("gb18030")
    d = decode(head + article + "<div>主办单位：某某县人民政府</div></body></html>".encode("utf-8"))
    assert d.method == "mixed" and d.encoding == "utf-8+gb18030" and d.replaced == 0
    assert "栏目：通知公告" in d.text and f"关于印发《{GBK_ONLY}工作方案》的通知" in d.text
    assert "第二段正文。" in d.text and "主办单位：某某县人民政府" in d.text


def test_damaged_bytes_in_a_mixed_page_lose_only_themselves():
    utf8_part = "<p>前半是UTF-8的栏目和导航文字。</p>\n".encode("utf-8") * 10
    gbk_part = f"<p>{GBK_ONLY}的通知正文。</p>\n".encode("gb18030") * 10
    d = decode(utf8_part + gbk_part + b"<p>\xff\xff</p>")
    assert d.method == "mixed" and d.replaced == 2
    assert "前半是UTF-8的栏目" in d.text and f"{GBK_ONLY}的通知正文。" in d.text


def test_binary_garbage_is_not_read_as_a_mixed_page():
    import random
    rnd = random.Random(7)
    for _ in range(20):
        d = decode(bytes(rnd.randrange(256) for _ in range(20_000)))
        assert d.method == "fallback"


# --- UTF-16/32 without a byte-order mark; NUL bytes -------------------------------

ARTICLE = ('<html><head><meta charset="{cs}"><title>关于印发通知的通知</title></head><body>'
           '<div class="nav">首页</div><div id="zoom"><p>　　为进一步做好政府信息公开工作，'
           '现将有关事项通知如下。珺堃𠮷</p></div></body></html>')
TEXT = "为进一步做好政府信息公开工作，现将有关事项通知如下。珺堃𠮷"


def warnings_of(doc) -> list[str]:
    return [w.text for w in doc.iter(canonical.q("warning"))]


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_wide_unicode_without_bom_declared(codec):
    data = ARTICLE.format(cs=codec[:6]).encode(codec)
    d = decode(data)
    assert (d.encoding, d.method) == (codec, "declared") and TEXT in d.text
    doc = extract(data, name="p.html")
    assert TEXT in canonical.body_text(doc)
    assert any("without a byte-order mark" in w for w in warnings_of(doc))


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_wide_unicode_without_bom_or_declaration_is_detected(codec):
    d = decode(ARTICLE.replace('<meta charset="{cs}">', "").encode(codec))
    assert (d.encoding, d.method) == (codec, "detected") and TEXT in d.text


def test_a_utf16_declaration_over_utf8_bytes_is_not_believed():
    d = decode(ARTICLE.format(cs="utf-16").encode("utf-8"))
    assert d.encoding == "utf-8" and TEXT in d.text


@pytest.mark.parametrize("data", [
    ARTICLE.format(cs="utf-8").encode().replace("现将".encode(), "现\0\0\0将".encode())
    .replace(b"<title>", b"<ti\0\0tle>\0\0\0\0\0"),          # 10 NULs, one inside a tag name
    b"\0" * 4096 + ARTICLE.format(cs="utf-8").encode(),          # a 4 KB NUL prefix
    b"\0" * 4096 + ARTICLE.format(cs="gbk").encode("gb18030"),   # GBK after a NUL run
], ids=["ten-nuls", "nul-prefix", "nul-prefix-gbk"])
def test_nul_bytes_are_removed_with_a_warning_not_a_refusal(data):
    n = data.count(0)
    d = decode(data)
    assert d.nuls == n and "\0" not in d.text and TEXT in d.text
    doc = extract(data, name="p.html")
    assert TEXT in canonical.body_text(doc)
    assert canonical.meta_of(doc)["title"] == "关于印发通知的通知"
    assert any(f"removed {n} NUL byte(s)" in w for w in warnings_of(doc))


def test_a_file_of_nul_bytes_is_refused_in_words():
    with pytest.raises(InputError, match="only NUL bytes"):
        extract(b"\0" * 100_000, name="p.html")
