"""The command line as a records officer meets it: help, errors, exit status."""
from __future__ import annotations

import json
import os

import pytest

from pipeline import __version__
from tests.conftest import SAMPLES, govdoc


def _error_lines(stderr: str, name: str) -> list[str]:
    return [ln for ln in stderr.splitlines() if ln.startswith("govdoc: ") and name in ln]


def test_version():
    r = govdoc("--version")
    assert r.returncode == 0 and __version__ in r.stdout


@pytest.mark.parametrize("cmd", [[], ["convert"]])
def test_help_has_an_example(cmd):
    r = govdoc(*cmd, "--help")
    assert r.returncode == 0
    assert "govdoc convert" in r.stdout and "-o" in r.stdout


def test_every_command_has_help_with_an_example():
    listing = govdoc("--help").stdout
    commands = [ln.split()[0] for ln in listing.split("Commands:")[1].splitlines() if ln.strip()]
    assert "convert" in commands
    for c in commands:
        r = govdoc(c, "--help")
        assert r.returncode == 0, c
        assert "Example" in r.stdout, f"{c} --help shows no example"


@pytest.mark.parametrize("make,reason", [
    (None, "no such file"),
    (b"", "empty file"),
    (b"\x89PNG\r\n\x1a\n" + os.urandom(2000), ""),
    (b"%PDF-1.7\n" + bytes(range(256)) * 8, ""),
], ids=["missing", "empty", "png", "pdf"])
def test_bad_input_fails_with_one_line_naming_the_file(tmp_path, make, reason):
    page = tmp_path / "bad page.html"
    if make is not None:
        page.write_bytes(make)
    out = tmp_path / "out"
    r = govdoc("convert", str(page), "-o", str(out), "--formats", "xml", "-q")
    assert r.returncode == 1
    lines = _error_lines(r.stderr, str(page))
    assert len(lines) >= 1
    line = lines[0]
    assert line.startswith(f"govdoc: {page}: ") and len(line) > len(f"govdoc: {page}: ") + 3
    assert reason in line
    doc = json.loads((out / "manifest.json").read_text())["documents"][0]
    assert doc["status"] == "failed" and doc["input"] == str(page)
    assert "\n" not in doc["error"] and doc["outputs"] == {}
    assert not [p for p in out.iterdir() if p.is_dir()], "a failed page leaves no folder"


def test_bad_page_does_not_stop_the_batch(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "empty.html").write_bytes(b"")
    good = SAMPLES / "a01_zj_lipu_fazhi_report.html"
    r = govdoc("convert", str(tmp_path / "in"), str(good), "-o", str(tmp_path / "out"),
               "--formats", "xml", "-q", "--json")
    assert r.returncode == 1
    summary = json.loads(r.stdout)
    assert summary["ok"] == 1 and summary["failed"] == 1
    assert summary["failures"][0]["input"].endswith("empty.html")


@pytest.mark.parametrize("args", [
    ["convert"],                                   # no input
    ["convert", "x.html"],                         # no -o
    ["convert", "x.html", "-o", "o", "--formats", "odt"],
    ["convert", "x.html", "-o", "o", "--jobs", "0"],
    ["frobnicate"],
])
def test_usage_errors_exit_2(tmp_path, args):
    r = govdoc(*args, cwd=tmp_path)
    assert r.returncode == 2
    assert "Error" in r.stderr


def test_output_that_is_a_file_is_a_usage_error(tmp_path):
    (tmp_path / "out").write_text("x")
    r = govdoc("convert", str(SAMPLES), "-o", str(tmp_path / "out"))
    assert r.returncode == 2 and "is a file" in r.stderr


def test_folder_without_pages_is_a_usage_error(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    r = govdoc("convert", str(tmp_path), "-o", str(tmp_path / "out"))
    assert r.returncode == 2 and "no pages found" in r.stderr


def test_validate_pdfa_checks_without_changing_the_records(tmp_path):
    """--validate-pdfa runs the PDF/A checker in the workers (the same bytes either way:
    tests/test_pdf_parts.py); it is not part of the resume key, so a re-run with it
    skips a page converted without it."""
    src = SAMPLES / "a07_news_info_line_only.html"
    if not src.exists():
        src = next(SAMPLES.glob("*.html"))
    plain, checked = tmp_path / "plain", tmp_path / "checked"
    assert govdoc("convert", str(src), "-o", str(plain), "-q").returncode == 0
    r = govdoc("convert", str(src), "-o", str(checked), "-q", "--validate-pdfa", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["ok"] == 1
    again = govdoc("convert", str(src), "-o", str(plain), "-q", "--validate-pdfa", "--json")
    assert json.loads(again.stdout)["skipped"] == 1


def test_an_output_folder_that_cannot_be_created_is_one_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = govdoc("convert", str(next(SAMPLES.glob("*.html"))), "-o", str(blocker / "out"), "-q")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip().count("\n") == 0 and "cannot create the output folder" in r.stderr


def test_an_output_folder_that_fails_mid_batch_is_one_line(tmp_path):
    out = tmp_path / "out"
    (out / "manifest.json").mkdir(parents=True)  # the manifest cannot be written
    r = govdoc("convert", str(next(SAMPLES.glob("*.html"))), "-o", str(out), "-q",
               "--formats", "xml")
    assert r.returncode == 4 and "Traceback" not in r.stderr  # 4: the batch stopped
    assert "cannot write the output folder" in r.stderr and "manifest.json" in r.stderr
    assert r.stderr.strip().count("\n") == 0, r.stderr


def test_check_names_a_failed_page_without_an_id_and_reads_a_broken_manifest_in_one_line(
        tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "empty.html").write_bytes(b"")
    out = tmp_path / "out"
    assert govdoc("convert", str(src), "-o", str(out), "-q", "--formats", "xml").returncode == 1
    r = govdoc("check", str(out))
    assert r.returncode == 1
    assert f"PROBLEM {src / 'empty.html'}: was not converted: empty file" in r.stdout
    assert "(None)" not in r.stdout
    (out / "manifest.json").write_text("{not json")
    r = govdoc("check", str(out))
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert r.stderr.count("\n") == 1 and "manifest.json: cannot be read" in r.stderr
