"""A batch at scale, end to end: 200 pages in, a bag out, checked by bagit and by govdoc.

The 8 corpus pages copied under many names (some in subfolders), plus four broken
pages.  Identical pages are converted once, so the run costs about 12 conversions
and the bookkeeping of the copies.
"""
from __future__ import annotations

import csv
import io
import json
import random
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from lxml import etree

from pipeline.canonical import NS
from pipeline.convert import sha256_file
from tests.conftest import corpus_pages, govdoc, needs_corpus

pytestmark = [pytest.mark.slow, needs_corpus]

N_INPUTS = 200
NO_ARTICLE = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>首页</title></head>"
              "<body><nav><a href='/'>首页</a> <a href='/zwgk/'>政务公开</a> "
              "<a href='/hdjl/'>互动交流</a></nav><footer>网站标识码 3300000000</footer>"
              "</body></html>").encode("utf-8")


def _truncated(page: bytes, at: int = 300) -> bytes:
    """The page cut at about ``at`` bytes, inside a tag."""
    cut = page.index(b"<", at) + 6
    data = page[:cut]
    assert data.rfind(b"<") > data.rfind(b">"), "the cut must fall inside a tag"
    return data


def _make_inputs(src: Path) -> tuple[dict[str, bytes], dict[str, str]]:
    """Write the 200 inputs; returns name -> bytes of every input and name -> reason of the broken."""
    pages = corpus_pages()
    broken = {
        "broken/empty.html": (b"", "empty file"),
        "broken/garbage.html": (random.Random(9).randbytes(4096), "not an HTML page"),
        "broken/truncated.html": (_truncated(pages[0].read_bytes()), "no article text"),
        "broken/no-article.html": (NO_ARTICLE, "no article text"),
    }
    inputs = {name: data for name, (data, _) in broken.items()}
    suffixes = (".html", ".htm", ".shtml")
    n = 0
    while len(inputs) < N_INPUTS:
        page = pages[n % len(pages)]
        folder = ("", "site-a/", "site-b/2024/", "z/")[n % 4]
        inputs[f"{folder}{n:03d}-{page.stem[4:]}{suffixes[n % 3]}"] = page.read_bytes()
        n += 1
    for name, data in inputs.items():
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        (src / name).write_bytes(data)
    return inputs, {name: reason for name, (_, reason) in broken.items()}


def _flip_one_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def test_200_pages_convert_package_and_verify(tmp_path):
    src, out, bag = tmp_path / "in", tmp_path / "out", tmp_path / "bag"
    inputs, broken = _make_inputs(src)
    assert len(inputs) == N_INPUTS
    shown = {str(src / name): name for name in inputs}
    each_once = Counter(list(shown))

    r = govdoc("convert", str(src), "-o", str(out), "--jobs", "2", "-q", "--json")
    assert r.returncode == 1, r.stderr  # the broken pages failed, the rest went on
    summary = json.loads(r.stdout)
    distinct = len({data for name, data in inputs.items() if name != "broken/empty.html"})
    assert summary["inputs"] == N_INPUTS and summary["failed"] == len(broken)
    # each distinct page converted once (the empty page is unreadable, so never grouped)
    assert summary["converted"] == distinct + 1
    assert summary["duplicates"] == N_INPUTS - summary["converted"]

    # every input listed exactly once in the manifest and the catalogue
    docs = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["documents"]
    assert Counter(d["input"] for d in docs) == each_once
    cat = json.loads((out / "catalogue.json").read_text(encoding="utf-8"))
    assert Counter(row["source-input"] for row in cat["rows"]) == each_once
    table = list(csv.reader(io.StringIO((out / "catalogue.csv").read_bytes().decode("utf-8-sig"))))
    col = table[0].index("来源文件 source-input")
    assert Counter(t[col] for t in table[1:]) == each_once

    # every failure: the broken pages, each with a short one-line reason, named on stderr
    failed = {shown[d["input"]]: d["error"] for d in docs if d["status"] != "ok"}
    assert set(failed) == set(broken)
    for name, error in failed.items():
        assert "\n" not in error and 0 < len(error) <= 120, (name, error)
        assert broken[name] in error, (name, error)
        assert f"govdoc: {src / name}: {error}" in r.stderr.splitlines()

    # duplicates: one conversion per page, the first by path; the rest point at it
    by_digest = defaultdict(list)
    for d in docs:
        if d["input_sha256"]:
            by_digest[d["input_sha256"]].append(d)
    for group in by_digest.values():
        first, *rest = sorted(group, key=lambda d: d["input"])
        assert first["duplicate_of"] is None
        for d in rest:
            assert d["duplicate_of"] == first["input"]
            for k in ("id", "status", "error", "outputs", "sha256", "title", "meta"):
                assert d[k] == first[k], (d["input"], k)
        for kind, rel in first["outputs"].items():
            assert sha256_file(out / rel) == first["sha256"][kind], rel
        if first["status"] == "ok":
            xml = etree.parse(str(out / first["outputs"]["xml"]))
            assert xml.find(f"{{{NS}}}provenance/{{{NS}}}input").get("name") == \
                Path(first["input"]).name
    records = {d["id"] for d in docs if d["status"] == "ok"}
    assert len(records) == len(corpus_pages())
    assert {p.name for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")} == records

    # a re-run skips everything
    again = json.loads(govdoc("convert", str(src), "-o", str(out), "--jobs", "2", "-q",
                              "--json").stdout)
    assert again["converted"] == again["duplicates"] == 0 and again["skipped"] == N_INPUTS

    # the bag: every page in its catalogue, valid for bagit's own full validation and for govdoc
    r = govdoc("package", str(out), "-o", str(bag), "--json")
    assert r.returncode == 0, r.stderr
    packed = json.loads(r.stdout)
    assert (packed["documents"], packed["ok"], packed["failed"]) == \
        (N_INPUTS, N_INPUTS - len(broken), len(broken))
    assert {p.name for p in (bag / "data").iterdir() if p.is_dir()} == records
    bag_rows = json.loads((bag / "data" / "catalogue.json").read_text(encoding="utf-8"))["rows"]
    assert Counter(row["source-input"] for row in bag_rows) == each_once
    v = subprocess.run([sys.executable, "-m", "bagit", "--validate", str(bag)],
                       capture_output=True, text=True)
    assert v.returncode == 0, v.stderr
    r = govdoc("verify", str(bag))
    assert r.returncode == 0 and "all intact" in r.stdout, r.stdout

    # one flipped byte in one payload file: found and named
    target = sorted((bag / "data").glob("*/document.pdf"))[0]
    _flip_one_byte(target)
    r = govdoc("verify", str(bag))
    assert r.returncode == 1
    rel = target.relative_to(bag).as_posix()
    assert r.stdout.splitlines()[0].startswith(f"CHANGED {rel}") and "1 changed" in r.stdout
    v = subprocess.run([sys.executable, "-m", "bagit", "--validate", str(bag)],
                       capture_output=True, text=True)
    assert v.returncode != 0
