"""Property-based: portal-like pages of random structure, encoding and characters,
damaged the ways pages are (void and unclosed elements, data: URLs, placeholders).

For every generated page: conversion never raises an unhandled exception, the XML
validates, and no body character of the generated article is lost (in the XML,
and in the PDF and Word editions, whose text is checked on every conversion).

The default run is small; `make hypothesis` runs the thorough profile (2 000
examples of extraction, and full conversions with both editions).
"""
from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from pipeline import canonical
from pipeline.convert import Settings, convert_file
from pipeline.extract import extract

settings.register_profile("default", max_examples=40, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=2000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

# Characters an article may hold: common and rare hanzi (Ext A/B), punctuation, digits,
# Latin, full-width forms.  Markup-significant characters are escaped when written.
HANZI = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
RARE = st.sampled_from("堃喆镕珺玥赟昇犇𠮷𠀀㐀䶵")
PUNCT = st.sampled_from("，。、；：？！“”‘’（）《》〔〕—…·%-.:,;()/")
ASCII = st.characters(min_codepoint=0x21, max_codepoint=0x7E)
TEXT_CHAR = st.one_of(HANZI, HANZI, HANZI, RARE, PUNCT, ASCII, st.sampled_from("０１２３ＡＢ"))
SENTENCE = st.text(TEXT_CHAR, min_size=6, max_size=120).filter(lambda s: s.strip())

NUM1 = "一二三四五六七八九十"

# Damage inserted inside and between the article's blocks: void elements libxml2 takes
# for containers, unclosed inline elements, data: URLs of any size, template
# placeholders and <noscript> (none of which is article text, so none is in ``kept``).
_B64 = st.integers(0, 300_000).map(lambda n: "iVBORw0KGgo" + "A" * (n - n % 4))
DAMAGE = st.one_of(
    st.sampled_from(['<embed src="/a.swf">', '<embed src="/b.swf" width="600" height="400">',
                     '<source src="/v.mp4" type="video/mp4">', '<track src="/c.vtt">', "<wbr>",
                     '<keygen name="k">', '<bgsound src="/bg.mid">', '<param name="q" value="1">',
                     '<menuitem label="m">', '<font color="red">', '<span class="x">', "<b>",
                     "{{detail.title}}", "<noscript>请开启浏览器脚本</noscript>",
                     '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">',
                     '<a href="data:text/plain;base64,5paH5a2X">']),
    _B64.map(lambda p: f'<img src="data:image/png;base64,{p}" alt="图">'),
    _B64.map(lambda p: f"<img src='data:image/jpeg;base64,{p}'>"),
    _B64.map(lambda p: f"<img src=data:image/png;base64,{p}>"),
)


def _damaged(draw, text: str) -> str:
    """``text`` (escaped) with damage drawn into it at a random place, or as it is."""
    if not draw(st.booleans()):
        return esc(text)
    k = draw(st.integers(0, len(text)))
    return esc(text[:k]) + draw(DAMAGE) + esc(text[k:])


def esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@st.composite
def articles(draw):
    """(html text, encoding, the article's own strings that must survive)."""
    # an article has at least one real sentence of Chinese: the generic fallback wants
    # 40 hanzi before it calls a container an article (pipeline/portals/profiles.toml)
    lead = draw(st.text(HANZI, min_size=40, max_size=80)) + "。"
    blocks, kept = [f"<p>　　{lead}</p>"], [lead]
    for i in range(draw(st.integers(1, 8))):
        if draw(st.integers(0, 3)) == 0:   # damage between blocks
            blocks.append(draw(DAMAGE))
        kind = draw(st.sampled_from(["p", "p", "p", "heading", "table", "indent", "br", "object"]))
        text = draw(SENTENCE)
        if kind == "heading":
            h = f"{NUM1[i % 10]}、{text[:20]}"
            blocks.append(f'<p style="text-indent:2em"><strong>{esc(h)}</strong></p>')
            kept.append(h)
        elif kind == "table":
            rows = draw(st.lists(st.lists(SENTENCE.map(lambda s: s[:12]), min_size=2, max_size=4),
                                 min_size=1, max_size=3))
            width = max(len(r) for r in rows)
            blocks.append("<table border=1>" + "".join(
                "<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "<td></td>" * (width - len(r)) + "</tr>"
                for r in rows) + "</table>")
            kept += [c for r in rows for c in r]
        elif kind == "indent":
            blocks.append(f"<p>&nbsp;&nbsp;&nbsp;&nbsp;{esc(text)}</p>")
            kept.append(text)
        elif kind == "br":
            other = draw(SENTENCE)
            blocks.append(f"<div>　　{esc(text)}<br>　　{esc(other)}</div>")
            kept += [text, other]
        elif kind == "object":   # what a browser shows of a plugin it cannot run: kept
            blocks.append(f'<object data="/m.swf" type="application/x-shockwave-flash">'
                          f'<param name="wmode" value="transparent"><p>　　{esc(text)}</p></object>')
            kept.append(text)
        else:
            blocks.append(f"<p>　　{_damaged(draw, text)}</p>")
            kept.append(text)
    title = draw(SENTENCE.map(lambda s: s[:30]))
    # a first line equal to the title is the title repeated, rightly dropped: not this test
    assume(all(canonical.squash(s) != canonical.squash(title) for s in kept))
    index_no = draw(st.from_regex(r"\A[0-9]{9}/20[0-9]{2}-[0-9]{5}\Z"))
    container = draw(st.sampled_from(['<div id="zoom">', '<div class="TRS_Editor">',
                                      '<div class="article-content">', '<div id="UCAP-CONTENT">']))
    encoding = draw(st.sampled_from(["utf-8", "gb18030", "gbk", "gb2312", None]))
    meta = (f'<table class="xxgk"><tr><td>索引号：</td><td>{index_no}</td><td>发布日期：</td>'
            f'<td>2024-0{draw(st.integers(1, 9))}-1{draw(st.integers(0, 9))}</td></tr></table>')
    declared = f'<meta charset="{encoding}">' if encoding else ""
    html = (f"<html><head>{declared}<title>{esc(title)}_政务公开_某市人民政府</title></head><body>"
            f'<div class="crumbs">当前位置：首页 &gt; 政务公开</div>{meta}<h1>{esc(title)}</h1>'
            f'{container}{"".join(blocks)}</div>'
            f'<div class="footer">版权所有：某市人民政府 网站标识码1234567890 京ICP备12345678号</div></body></html>')
    return html, encoding or "utf-8", kept


def _encode(html: str, encoding: str) -> bytes | None:
    codec = "gb18030" if encoding in ("gbk", "gb2312") else encoding
    try:
        data = html.encode(codec)
    except UnicodeEncodeError:
        return None
    if encoding in ("gbk", "gb2312"):  # as on real portals: declared gb2312, really gb18030-ish
        try:
            html.encode("gbk")
        except UnicodeEncodeError:
            return None
    return data


@given(articles())
def test_generated_pages_extract_without_loss(article):
    html, encoding, kept = article
    data = _encode(html, encoding)
    if data is None:
        return
    doc = extract(data, name="generated.html")
    canonical.validate(doc)
    body = canonical.body_text(doc)
    for s in kept:
        assert canonical.squash(canonical.xml_safe(s)) in body, s


@pytest.mark.slow
@settings(max_examples=int(os.environ.get("GOVDOC_RENDER_EXAMPLES", "15")))
@given(articles())
def test_generated_pages_convert_with_fidelity(tmp_path_factory, article):
    html, encoding, kept = article
    data = _encode(html, encoding)
    if data is None:
        return
    folder = tmp_path_factory.mktemp("gen")
    page = folder / "page.html"
    page.write_bytes(data)
    result = convert_file(page, str(page), folder / "out", Settings())
    assert result.status == "ok", result.error  # a lost character fails the conversion
    doc = canonical.parse((folder / "out" / result.outputs["xml"]).read_bytes())
    body = canonical.body_text(doc)
    for s in kept:
        assert canonical.squash(canonical.xml_safe(s)) in body, s
