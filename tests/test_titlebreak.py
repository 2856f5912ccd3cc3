"""Long titles broken between words, in a balanced shape, in bounded work (issue 13, 15).

The title breaker used to try every combination of break points: a 110-character
title took 60 s and a real 118-character joint notice of twelve ministries timed
out, leaving no record at all."""
from __future__ import annotations

import json

import pytest

from pipeline import canonical
from pipeline.render.titlebreak import break_costs, break_title, display_width, words
from tests.conftest import govdoc
from tests.support.hostile import page

#: 118 characters: a joint notice of twelve organs, as such notices are titled
JOINT = ("教育部 国家发展改革委 财政部 人力资源社会保障部 自然资源部 住房城乡建设部 农业农村部 "
         "国家卫生健康委 应急管理部 市场监管总局 国家体育总局 共青团中央关于印发《关于进一步加强中小"
         "学生校外体育活动场所规范管理工作的若干意见》的通知")
ORGANS = JOINT.split("关于")[0].split()
LONG_UNIT = "某某市人民政府办公室关于进一步加强和改进全市政府信息公开工作的实施意见"
WIDTH = 20.7   # ems of 二号 in the GB/T 9704 text block


def test_the_joint_notice_keeps_every_organ_and_phrase_whole():
    assert len(JOINT) == 118 and len(ORGANS) == 12
    lines = break_title(JOINT, WIDTH)
    assert "".join(lines).replace(" ", "") == JOINT.replace(" ", "")
    assert all(display_width(x) <= WIDTH for x in lines)
    text = "\n".join(lines)
    for whole in [*ORGANS, "关于", "印发", "的通知", "若干意见"]:
        assert whole in text, f"{whole} broken across lines: {lines}"


@pytest.mark.parametrize("title", [
    "国务院办公厅关于印发全国深化“放管服”改革优化营商环境电视电话会议重点任务分工方案的通知",
    "中共某某省委办公厅 某某省人民政府办公厅关于印发《某某省推进农业农村现代化“十四五”规划》的通知",
    "某某市人民政府办公室关于进一步加强和改进全市政府信息公开工作切实保障人民群众知情权参与权监督权的实施意见",
])
def test_lines_break_between_words_and_are_balanced(title):
    lines = break_title(title, WIDTH)
    widths = [display_width(x) for x in lines]
    assert len(lines) >= 2 and max(widths) <= WIDTH
    # every break falls between two of the segmenter's words
    bounds, pos = set(), 0
    for w in words(title):
        pos += len(w)
        bounds.add(pos)
    pos = 0
    for line in lines[:-1]:
        pos = title.index(line, pos) + len(line)
        assert pos in bounds or title[pos:pos + 1] == " ", (line, lines)
    # balanced: no line less than two thirds of the widest
    assert min(widths) >= max(widths) * 2 / 3, lines
    for phrase in ("关于", "的通知", "的实施意见", "办公厅", "人民政府"):
        if phrase in title:
            assert phrase in "\n".join(lines), lines


def test_an_upper_line_is_not_shorter_than_the_last_in_two_line_titles():
    lines = break_title("某某县人民政府关于印发某某县二〇二四年度重点民生实事项目实施方案的通知", WIDTH)
    assert len(lines) == 2 and display_width(lines[0]) >= display_width(lines[1]) - 2


def test_a_5000_character_title_is_broken_line_by_line():
    title = (LONG_UNIT * 200)[:4997] + "的通知"
    lines = break_title(title, WIDTH)
    assert "".join(lines) == title
    assert all(display_width(x) <= WIDTH for x in lines)
    assert len(lines) <= len(title) / 15   # lines are near full, not one word each


def test_a_title_without_break_points_still_fits():
    lines = break_title("A" * 500, WIDTH)
    assert "".join(lines) == "A" * 500 and all(display_width(x) <= WIDTH for x in lines)


def test_costs_mark_numbers_and_quotes():
    costs = break_costs("关于2024年度“十四五”规划的通知")
    t = "关于2024年度“十四五”规划的通知"
    assert costs[t.index("24")] >= 1000            # inside a number
    assert costs[t.index("度")] >= 1000             # 年|度
    assert costs[t.index("十四") + 1] > costs[t.index("规划")]   # inside quotes and a word


@pytest.mark.slow
def test_titles_of_118_150_and_5000_characters_convert_in_both_editions(tmp_path):
    """Within the default timeout, with every title character in the XML and the lines
    as break_title gives them in both editions."""
    import pdfplumber
    from docx import Document

    titles = {"t118": JOINT,
              "t150": (JOINT[:-3] + "及其配套实施细则和有关工作安排的补充说明与政策解读材料汇编以及各地贯彻落实情况")[:147] + "的通知",
              "t5000": (LONG_UNIT * 200)[:4997] + "的通知"}
    assert [len(t) for t in titles.values()] == [118, 150, 5000]
    site = tmp_path / "site"
    site.mkdir()
    for name, t in titles.items():
        (site / f"{name}.html").write_text(page("<p>　　请认真贯彻执行。</p>", title=t), encoding="utf-8")
    out = tmp_path / "out"
    r = govdoc("convert", str(site), "-o", str(out), "-q", "--json", "--jobs", "2")
    assert r.returncode == 0, r.stdout + r.stderr
    docs = {d["input"].rsplit("/", 1)[-1][:-5]: d for d in json.loads((out / "manifest.json").read_text())["documents"]}
    for name, t in titles.items():
        d = docs[name]
        assert d["status"] == "ok" and set(d["outputs"]) == {"source", "xml", "pdf", "docx"}, d
        doc = canonical.parse((out / d["outputs"]["xml"]).read_bytes())
        assert canonical.meta_of(doc)["title"] == " ".join(t.split())
        with pdfplumber.open(out / d["outputs"]["pdf"]) as pdf:
            pdf_lines = [ln.replace(" ", "") for p in pdf.pages[:3] for ln in (p.extract_text() or "").splitlines()]
        assert t.replace(" ", "")[:200] in "".join(pdf_lines)
        paras = [p.text for p in Document(out / d["outputs"]["docx"]).paragraphs]
        word_lines = [ln.replace(" ", "") for ln in paras[0].split("\n")]
        assert "".join(word_lines) == t.replace(" ", "")
        if name == "t118":   # both editions break where break_title does: organ names whole
            for organ in ORGANS:
                assert any(organ in ln for ln in pdf_lines), (organ, pdf_lines[:10])
                assert any(organ in ln for ln in word_lines), (organ, word_lines)
