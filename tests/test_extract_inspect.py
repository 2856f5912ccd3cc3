"""inspect_page and `govdoc inspect`: the account of one extraction."""
import json

from click.testing import CliRunner

from pipeline.cli import main
from pipeline.extract.inspect import format_report, inspect_page

from .support.extraction import PAGES


def test_inspect_page_reports_profile_labels_and_trimming():
    page = PAGES / "b09_wuxi_intertid.html"
    r = inspect_page(page.read_bytes(), name=page.name)
    assert r["ok"] and r["profile"]["id"] == "wuxi-intertid"
    assert any("<!--<$[" in m for m in r["profile"]["markers"])
    assert r["metadata"]["published-date"]["label"] == "公开日期"
    assert "written-date" not in r["metadata"]               # 生成日期 is not 成文日期
    assert r["metadata"]["generated-date"]["value"] == "2024-06-28"
    assert any(f["field"] == "doc-number" and f["note"] for f in r["labels_seen"])  # — — placeholder
    assert "body from" in format_report(r)


def test_inspect_page_on_a_non_article():
    r = inspect_page((PAGES / "b13_antibot_ruishu.html").read_bytes(), name="b13.html")
    assert not r["ok"] and r["error_kind"] == "NotAnArticle"


def test_cli_inspect_text_and_json():
    runner = CliRunner()
    page = str(PAGES / "b07_beijing_ol_mainText.html")
    res = runner.invoke(main, ["inspect", page])
    assert res.exit_code == 0 and "beijing" in res.output and "发文字号" in res.output
    res = runner.invoke(main, ["inspect", page, "--json"])
    assert res.exit_code == 0 and json.loads(res.output)["container"].startswith("div#mainText")
    res = runner.invoke(main, ["inspect", str(PAGES / "b13_antibot_ruishu.html")])
    assert res.exit_code == 1 and "anti-bot" in res.output
    assert "Example" in runner.invoke(main, ["inspect", "--help"]).output
