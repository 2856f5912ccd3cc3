"""Whatever bytes arrive, extract() either returns a valid document or raises a
ConversionError with a one-line reason; it never crashes or hangs."""
from hypothesis import HealthCheck, given, settings, strategies as st

from pipeline.canonical import validation_errors
from pipeline.errors import ConversionError
from pipeline.extract import extract

TAGS = ["p", "div", "span", "table", "tr", "td", "th", "b", "strong", "br", "img", "a", "ul", "li",
        "dl", "dt", "dd", "h1", "font", "center", "script", "style", "meta", "!--",
        "embed", "source", "track", "wbr", "keygen", "image", "object", "param", "applet", "map",
        "noscript", "button", "template", "svg"]
TEXT = st.text(alphabet="一二三四五六七八九十、（）().:：。附件发布日期2024年月日索引号来源分享到 \u3000\xa0\x01<>&\"'abc\n",
               max_size=40)


@st.composite
def pages(draw):
    parts = ['<html><head><meta charset="utf-8"><title>', draw(TEXT), "</title></head><body>"]
    for _ in range(draw(st.integers(0, 40))):
        tag = draw(st.sampled_from(TAGS))
        if tag == "!--":
            parts.append("<!--" + draw(TEXT) + "-->")
            continue
        attrs = draw(st.sampled_from(['', ' id="zoom"', ' class="TRS_Editor"', ' style="display:none"',
                                      ' align="right"', ' colspan="3"', ' rowspan="0"', ' src="./a.jpg"',
                                      ' href="x.pdf"', ' style="text-indent:2em;font-weight:bold"',
                                      ' src="data:image/png;base64,iVBORw0KGgoAAAA"', " data='data:,x'",
                                      ' ms-if="a" class="{{x}}"', ' hidden', " title='unclosed"]))
        parts.append(f"<{tag}{attrs}>" + draw(TEXT))
        if draw(st.booleans()):
            parts.append(f"</{tag}>")
    parts.append("</body></html>")
    return "".join(parts).encode(draw(st.sampled_from(["utf-8", "gb18030"])), "replace")


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pages())
def test_never_crashes(data):
    try:
        doc = extract(data, name="fuzz.html")
    except ConversionError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert validation_errors(doc) == []


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes(data):
    try:
        extract(data, name="fuzz.html")
    except ConversionError:
        pass
