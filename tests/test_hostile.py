"""Hostile and broken input: nothing leaks, nothing hangs, nothing is lost.

One batch converts every page below with the real extractor and renderers.  A
loopback HTTP server started here is the only network peer any page names; a
marker file planted outside the pages' folder is referenced every way a page can
reference a file.  The proofs: the server saw no request, the marker's bytes are
in no output (PDF streams and attachments decompressed, every .docx part), every
page ended ``ok`` or ``failed`` with a one-line reason within the time bound, and
the pages that converted kept their text.
"""
from __future__ import annotations

import json
import os
import secrets
import time
from pathlib import Path

import pytest

from pipeline import canonical
from tests.conftest import govdoc
from tests.support.hostile import Recorder, all_output_bytes, page, reference_attacks

TIMEOUT = 60
EXT_B_TO_G = "\U00020000\U0002A700\U0002B740\U0002B820\U0002CEB0\U00030000"
KEEP = "为进一步做好政府信息公开工作"  # from ARTICLE: every page that converts must keep it


def build_site(root: Path, server: str, marker: Path) -> dict[str, bytes]:
    gbk_text = "关于印发《堃镕喆珺工作方案》的通知".encode("gb18030")
    nest = 100_000
    pages = {
        "file_absolute": page(reference_attacks(marker.as_uri())),
        "file_relative": page(reference_attacks("../secret/marker.txt")
                              + reference_attacks("../../" + marker.parent.parent.name + "/secret/marker.txt")),
        "etc_passwd": page(reference_attacks("file:///etc/passwd")),
        "http_urls": page(reference_attacks(f"{server}/leak.css"),
                          head=f'<base href="{server}/"><meta http-equiv="refresh" content="0;url={server}/r">')
                     + '<img src="relative-through-base.png">',
        "base_file": page('<img src="marker.txt" alt="相对路径图片">',
                          head=f'<base href="{marker.parent.as_uri()}/">'),
        "doctype_entities": ('<?xml version="1.0"?><!DOCTYPE html [<!ENTITY xxe SYSTEM "'
                             + marker.as_uri() + '"><!ENTITY a "啊啊啊啊啊啊啊啊啊啊">'
                             '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">'
                             '<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">]>'
                             + page("<p>&xxe;&e;</p>")),
        "processing_instructions": ('<?xml-stylesheet type="text/xsl" href="' + marker.as_uri() + '"?>'
                                    + page('<?php system("id"); ?><p>　　<?pi 指令?>处理指令之后的正文。</p>')),
        "scripts_everywhere": (page('<script>document.write("<p>脚本写入的假内容</p>")</script>'
                                    '<p>　　正文<script>alert(1)</script>继续。</p>'
                                    '<p onclick="alert(1)">　　事件属性。</p><a href="javascript:alert(1)">链接</a>',
                                    head="<script>var x = '<p>头部脚本</p>';</script>")
                               + "<script>after html</script></body></html><script>x()</script>"),
        "twenty_megabytes": page("<p>　　大页面的正文。</p><!--" + "注" * 3_000_000 + "-->"
                                 + "<script>var junk='" + "x" * 8_000_000 + "';</script>"),
        "deep_nesting": page("<div>" * nest + "<p>　　深层嵌套中的正文。</p>" + "</div>" * nest),
        "control_characters": page("<p>　　控制\x00字符\x01与\x0b换页\x0c和\x1f之后的正文。</p>"),
        "zero_width_bidi": page("<p>　　零宽\u200b字符\u200d与\u202e双向\u202c控制\u2066字符\u2069的正文。</p>"),
        "cjk_extensions": page(f"<p>　　扩展汉字{EXT_B_TO_G}和人名堃喆镕𠮷。</p>"),
        "long_latin": page("<p>　　长串：" + "A" * 2000 + "。</p>"),
        "wide_table": page("<table>" + "".join(
            "<tr>" + "".join(f"<td>第{r}行第{c}列数据</td>" for c in range(30)) + "</tr>"
            for r in range(4)) + "</table>"),
    }
    data = {name: html.encode("utf-8") for name, html in pages.items()}
    data["wrong_charset"] = page("<p>　　声明为UTF-8但实为GBK的正文。</p>").encode("gb18030")
    data["unknown_charset"] = page("<p>　　声明了未知编码的正文。</p>", charset="x-no-such-charset").encode("gb18030")
    data["mixed_encodings"] = (page("<p>　　前半是UTF-8的正文。</p>").encode("utf-8")
                               .replace(b"</div><div class=\"footer\">", b"<p>" + gbk_text + b"</p></div><div class=\"footer\">"))
    data["binary_garbage"] = os.urandom(200_000)
    data["empty"] = b""
    folder = root / "site" / "pages"
    folder.mkdir(parents=True)
    for name, b in data.items():
        (folder / f"{name}.html").write_bytes(b)
    return data


@pytest.fixture(scope="module")
def hostile_batch(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    token = "MARKER-" + secrets.token_hex(16)
    secret = root / "site" / "secret"
    secret.mkdir(parents=True)
    marker = secret / "marker.txt"
    marker.write_text(token)
    with Recorder() as server:
        build_site(root, server.base, marker)
        out = root / "out"
        start = time.monotonic()
        r = govdoc("convert", str(root / "site" / "pages"), "-o", str(out), "--jobs", "2",
                   "--timeout", str(TIMEOUT), "-q", "--json")
        elapsed = time.monotonic() - start
        time.sleep(0.2)
        requests = list(server.requests)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    docs = {Path(d["input"]).stem: d for d in manifest["documents"]}
    return {"run": r, "out": out, "docs": docs, "token": token.encode(), "requests": requests,
            "elapsed": elapsed}


def test_every_page_ends_ok_or_failed_with_one_line(hostile_batch):
    docs = hostile_batch["docs"]
    assert len(docs) == 20
    assert hostile_batch["run"].returncode == 1  # the binary and empty pages fail
    for name, d in docs.items():
        assert d["status"] in ("ok", "failed"), name
        if d["status"] == "failed":
            assert d["error"] and "\n" not in d["error"] and len(d["error"]) < 300, name
            assert "internal error" not in d["error"], f"{name}: {d['error']}"
    assert docs["binary_garbage"]["status"] == "failed"
    assert docs["empty"]["status"] == "failed"


def test_within_the_time_bound(hostile_batch):
    # two workers, each page bounded by TIMEOUT: the batch can never take longer than this
    assert hostile_batch["elapsed"] < TIMEOUT * len(hostile_batch["docs"]) / 2 + 60
    for name, d in hostile_batch["docs"].items():
        assert "timed out" not in (d["error"] or ""), f"{name} hung"


def test_no_network_request_was_made(hostile_batch):
    assert hostile_batch["requests"] == []


def test_marker_file_outside_the_folder_reached_no_output(hostile_batch):
    out, token = hostile_batch["out"], hostile_batch["token"]
    checked = 0
    for name, d in hostile_batch["docs"].items():
        if d["status"] != "ok":
            continue
        blob = all_output_bytes(out / d["id"])
        assert token not in blob, f"{name}: the marker leaked into an output"
        assert b"root:x:0:0" not in blob, f"{name}: /etc/passwd leaked into an output"
        assert b"FETCHED-FROM-THE-NETWORK" not in blob, name
        checked += 1
    assert checked >= 15


@pytest.mark.parametrize("name", [
    "file_absolute", "file_relative", "etc_passwd", "http_urls", "base_file", "doctype_entities",
    "processing_instructions", "scripts_everywhere", "twenty_megabytes", "deep_nesting",
    "control_characters", "zero_width_bidi", "cjk_extensions", "long_latin", "wide_table",
    "wrong_charset", "unknown_charset", "mixed_encodings"])
def test_article_text_survives(hostile_batch, name):
    d = hostile_batch["docs"][name]
    assert d["status"] == "ok", f"{name}: {d['error']}"
    doc = canonical.parse((hostile_batch["out"] / d["outputs"]["xml"]).read_bytes())
    assert canonical.validation_errors(doc) == []
    body = canonical.body_text(doc)
    assert KEEP in body, name
    assert "脚本写入的假内容" not in body and "头部脚本" not in body and "alert" not in body
    assert "主办单位" not in body  # the footer is chrome
    assert set(d["outputs"]) == {"source", "xml", "pdf", "docx"}


def test_specific_damage_is_repaired_not_spread(hostile_batch):
    out, docs = hostile_batch["out"], hostile_batch["docs"]

    def body(name):
        return canonical.body_text(canonical.parse((out / docs[name]["outputs"]["xml"]).read_bytes()))

    assert "控制字符与换页和之后的正文" in body("control_characters")
    assert "零宽" in body("zero_width_bidi") and "的正文" in body("zero_width_bidi")
    for ch in EXT_B_TO_G + "堃喆镕𠮷":
        assert ch in body("cjk_extensions"), f"U+{ord(ch):X} lost"
    assert "A" * 2000 in body("long_latin")
    assert "第3行第29列数据" in body("wide_table")
    assert "声明为UTF-8但实为GBK的正文" in body("wrong_charset")
    assert "声明了未知编码的正文" in body("unknown_charset")
    mixed = body("mixed_encodings")
    assert "前半是UTF-8的正文" in mixed and "关于印发《堃镕喆珺工作方案》的通知" in mixed and "\ufffd" not in mixed
    assert "处理指令之后的正文" in body("processing_instructions")
    # past libxml2's nesting bound the innermost wrappers are taken out, the text kept
    assert "深层嵌套中的正文" in body("deep_nesting")
    assert any("nests elements deeper" in w for w in docs["deep_nesting"]["warnings"])
    assert "大页面的正文" in body("twenty_megabytes")
    # the entity expansions never happened
    assert "啊啊啊" not in body("doctype_entities")
