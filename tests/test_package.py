"""govdoc package: a real BagIt bag of copies, with a catalogue of every page."""
from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import bagit
import pytest

from pipeline.archive.catalogue import catalogue_csv, catalogue_rows
from pipeline.archive.package import bag_info
from tests.conftest import SAMPLES, govdoc

# -------------------------------------------------------------- pure builders

DOCS = [
    {"input": "in/a.html", "id": "aaaaaaaaaaaaaaaa", "status": "ok", "error": None,
     "outputs": {"source": "aaaaaaaaaaaaaaaa/source.html", "xml": "aaaaaaaaaaaaaaaa/document.xml"},
     "sha256": {}, "input_sha256": "a" * 64, "title": "关于印发《办法》的通知",
     "meta": {"title": "关于印发《办法》的通知", "index-number": "000014349/2024-00012",
              "doc-number": "国发〔2024〕1号", "issuer": "国务院", "publisher": "国务院办公厅",
              "written-date": "2024-01-05", "published-date": "2024-01-08"}},
    {"input": "in/b.html", "id": None, "status": "failed", "error": "empty file",
     "outputs": {}, "sha256": {}, "input_sha256": None, "title": None, "meta": {}},
    {"input": "in/c.html", "id": "cccccccccccccccc", "status": "ok", "error": None,
     "outputs": {"xml": "cccccccccccccccc/document.xml"}, "sha256": {}, "input_sha256": "c" * 64,
     "title": "=HYPERLINK(\"http://evil\")", "meta": {"issuer": "国务院"}},
]


def test_catalogue_rows_one_per_input_failures_included():
    rows = catalogue_rows(DOCS)
    assert [r["no"] for r in rows] == [1, 2, 3]
    assert rows[0]["doc-number"] == "国发〔2024〕1号" and rows[0]["index-number"].startswith("000014349")
    assert rows[0]["outputs"] == ["aaaaaaaaaaaaaaaa/document.xml", "aaaaaaaaaaaaaaaa/source.html"]
    assert rows[1]["status"] == "failed" and rows[1]["error"] == "empty file"
    assert rows[1]["source-input"] == "in/b.html" and rows[1]["outputs"] == []
    assert all(set(r) == set(rows[0]) for r in rows)


def test_catalogue_csv_has_bom_and_opens_as_utf8():
    data = catalogue_csv(catalogue_rows(DOCS))
    assert data.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert table[0][2] == "题名 title" and len(table) == 4
    assert table[1][4] == "国发〔2024〕1号"
    assert table[3][2].startswith("'="), "a formula in a title must not run in Excel"


def test_organization_is_stated_as_unknown_never_guessed_from_the_publishers():
    rows = catalogue_rows(DOCS)
    info = bag_info(rows, {"name": "govdoc", "version": "9.9"}, organization=None,
                    description=None)
    # the pages' publishers are the portals' offices, not who hands the bag over
    assert info["Source-Organization"] == "unknown"
    assert info["Document-Count"] == "3" and info["Failed-Count"] == "1"
    assert info["Generator"] == "govdoc 9.9"
    assert "(canonical XML, original page), 1 failed" in info["External-Description"]
    assert bag_info(rows, {}, organization="某市档案馆", description="x")["Source-Organization"] \
        == "某市档案馆"


# -------------------------------------------------------------- real bags

@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Path:
    """The samples plus one empty page, converted to XML (fast)."""
    tmp = tmp_path_factory.mktemp("pkg")
    (tmp / "in").mkdir()
    for p in SAMPLES.glob("*.html"):
        shutil.copy(p, tmp / "in" / p.name)
    (tmp / "in" / "empty.html").write_bytes(b"")
    out = tmp / "out"
    r = govdoc("convert", str(tmp / "in"), "-o", str(out), "--formats", "xml", "-q")
    assert r.returncode == 1, r.stderr  # the empty page fails
    return out


def _bagit_cli() -> str | None:
    exe = Path(sys.executable).with_name("bagit.py")
    return str(exe) if exe.exists() else shutil.which("bagit.py")


def test_package_makes_a_valid_bag_of_copies(batch, tmp_path):
    bag = tmp_path / "transfer"
    r = govdoc("package", str(batch), "-o", str(bag), "--json")
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    manifest = json.loads((batch / "manifest.json").read_text(encoding="utf-8"))
    n_in = len(manifest["documents"])
    assert summary["documents"] == n_in and summary["failed"] == 1

    b = bagit.Bag(str(bag))
    assert b.validate(fast=False)
    assert set(b.algorithms) == {"sha256"}
    if _bagit_cli():
        v = subprocess.run([_bagit_cli(), "--validate", str(bag)], capture_output=True, text=True)
        assert v.returncode == 0, v.stderr

    ok = [d for d in manifest["documents"] if d["status"] == "ok"]
    for d in ok:
        for rel in d["outputs"].values():
            copy, orig = bag / "data" / rel, batch / rel
            assert copy.read_bytes() == orig.read_bytes()
            assert os.stat(copy).st_ino != os.stat(orig).st_ino, "a copy, not a hardlink"
    assert (bag / "data" / "manifest.json").read_bytes() == (batch / "manifest.json").read_bytes()

    info = b.info
    assert info["Document-Count"] == str(n_in) and info["Failed-Count"] == "1"
    assert info["Source-Organization"] and info["Bagging-Date"] and info["External-Description"]
    assert info["Generator"].startswith("govdoc ") and "bagit" in info["Bag-Software-Agent"]

    cat = json.loads((bag / "data" / "catalogue.json").read_text(encoding="utf-8"))
    assert [row["source-input"] for row in cat["rows"]] == [d["input"] for d in manifest["documents"]]
    failed = [row for row in cat["rows"] if row["status"] == "failed"]
    assert len(failed) == 1 and failed[0]["source-input"].endswith("empty.html")
    assert failed[0]["error"] == "empty file"
    csv_bytes = (bag / "data" / "catalogue.csv").read_bytes()
    assert csv_bytes.startswith(b"\xef\xbb\xbf")
    assert len(list(csv.reader(io.StringIO(csv_bytes.decode("utf-8-sig"))))) == n_in + 1
    # nothing left beside the bag while it was built
    assert sorted(p.name for p in tmp_path.iterdir()) == ["transfer"]


def test_convert_writes_the_catalogue_into_out(batch):
    cat = json.loads((batch / "catalogue.json").read_text(encoding="utf-8"))
    manifest = json.loads((batch / "manifest.json").read_text(encoding="utf-8"))
    assert len(cat["rows"]) == len(manifest["documents"]) and cat["failed"] == 1
    assert (batch / "catalogue.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert {r["title"] for r in cat["rows"] if r["status"] == "ok"} == \
        {d["title"] for d in manifest["documents"] if d["status"] == "ok"}


def test_package_refuses_an_existing_bag(batch, tmp_path):
    (tmp_path / "bag").mkdir()
    r = govdoc("package", str(batch), "-o", str(tmp_path / "bag"))
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0 and "already exists" in r.stderr
    assert list((tmp_path / "bag").iterdir()) == []


def test_package_refuses_a_folder_that_is_not_an_output(tmp_path):
    r = govdoc("package", str(tmp_path), "-o", str(tmp_path / "bag"))
    assert r.returncode == 2 and "not a govdoc output folder" in r.stderr


def test_package_refuses_a_changed_record(batch, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(batch, out)
    doc = next(d for d in json.loads((out / "manifest.json").read_text())["documents"]
               if d["status"] == "ok")
    target = out / doc["outputs"]["xml"]
    data = bytearray(target.read_bytes())
    data[-5] ^= 0x01
    target.write_bytes(bytes(data))
    r = govdoc("package", str(out), "-o", str(tmp_path / "bag"))
    assert r.returncode == 1 and doc["outputs"]["xml"] in r.stderr
    assert not (tmp_path / "bag").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["out"], "no half-built bag left behind"


def test_package_organization_option(batch, tmp_path):
    r = govdoc("package", str(batch), "-o", str(tmp_path / "bag"), "--organization", "金华市档案馆",
               "--identifier", "WS-2024-001")
    assert r.returncode == 0, r.stderr
    info = bagit.Bag(str(tmp_path / "bag")).info
    assert info["Source-Organization"] == "金华市档案馆"
    assert info["External-Identifier"] == "WS-2024-001"


def test_a_page_scraped_twice_is_one_record_and_two_rows(tmp_path):
    page = SAMPLES / "a02_govcn_state_council_notice.html"
    (tmp_path / "in").mkdir()
    for name in ("first.html", "second.html"):
        shutil.copy(page, tmp_path / "in" / name)
    out, bag = tmp_path / "out", tmp_path / "bag"
    r = govdoc("convert", str(tmp_path / "in"), "-o", str(out), "--formats", "xml", "-q")
    assert r.returncode == 0, r.stderr
    r = govdoc("package", str(out), "-o", str(bag))
    assert r.returncode == 0, r.stderr
    # one record folder, beside metadata/ (the Dublin Core)
    folders = [p.name for p in (bag / "data").iterdir() if p.is_dir() and p.name != "metadata"]
    assert len(folders) == 1
    rows = json.loads((bag / "data" / "catalogue.json").read_text(encoding="utf-8"))["rows"]
    assert len(rows) == 2 and rows[0]["id"] == rows[1]["id"]
    assert rows[0]["duplicate-of"] == "" and rows[1]["duplicate-of"] == rows[0]["source-input"]
    table = list(csv.reader(io.StringIO(
        (bag / "data" / "catalogue.csv").read_bytes().decode("utf-8-sig"))))
    col = table[0].index("重份 duplicate-of")
    assert [t[col] for t in table[1:]] == ["", rows[0]["source-input"]]
    assert bagit.Bag(str(bag)).validate(fast=False)


def test_package_from_read_only_media(batch, tmp_path, monkeypatch):
    """OUT on a read-only disc: the lock cannot be taken, nobody can write there, go on."""
    import pipeline.batch.run
    from pipeline.archive.package import make_package

    def read_only(_out):
        raise PermissionError(30, "Read-only file system")

    monkeypatch.setattr(pipeline.batch.run, "_locked", read_only)
    summary = make_package(batch, tmp_path / "bag")
    assert summary.failed == 1 and bagit.Bag(str(tmp_path / "bag")).validate(fast=False)


def test_a_bag_that_cannot_be_written_is_one_line_and_leaves_nothing(batch, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = govdoc("package", str(batch), "-o", str(blocker / "bag"))
    assert r.returncode in (1, 2) and "Traceback" not in r.stderr
    assert r.stderr.strip().count("\n") == 0 and r.stderr.startswith("govdoc: ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_a_killed_package_leaves_a_partial_bag_the_next_run_removes(batch, tmp_path):
    """kill -9 while the bag is being built; the next package run clears what it left."""
    import os
    import signal
    import subprocess
    import time

    from tests.conftest import checkout_env

    exe = str(Path(sys.executable).with_name("govdoc"))
    left = []
    for attempt in range(20):  # until a kill falls while the bag is half-built
        bag = tmp_path / f"bag{attempt}"
        proc = subprocess.Popen([exe, "package", str(batch), "-o", str(bag)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True, env=checkout_env())
        while proc.poll() is None:
            left = [p for p in tmp_path.iterdir() if p.name.startswith(f".{bag.name}.govdoc-")]
            if left:
                os.killpg(proc.pid, signal.SIGKILL)
                break
            time.sleep(0.002)
        proc.wait()
        if left and not bag.exists():
            break
        shutil.rmtree(bag, ignore_errors=True)
    else:
        pytest.skip("every package finished before it could be killed")
    assert left[0].is_dir()  # what a kill leaves: a hidden, half-built bag
    final = tmp_path / "transfer"
    r = govdoc("package", str(batch), "-o", str(final))
    assert r.returncode == 0, r.stderr
    assert f"removed {left[0]}" in r.stderr and "half-built" in r.stderr
    assert not left[0].exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    assert govdoc("verify", str(final)).returncode == 0


def test_package_refuses_an_output_folder_whose_records_and_manifest_disagree(batch, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(batch, out)
    doc = next(d for d in json.loads((out / "manifest.json").read_text())["documents"]
               if d["status"] == "ok")
    # a record folder no manifest entry lists (a convert killed before it wrote the manifest)
    stray = "0123456789abcdef"
    shutil.copytree(out / doc["id"], out / stray)
    r = govdoc("package", str(out), "-o", str(tmp_path / "bag"))
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert r.stderr.count("\n") == 1 and f"record folder {stray} is not listed" in r.stderr
    assert not (tmp_path / "bag").exists()
    shutil.rmtree(out / stray)
    # the manifest older than the ledger
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["documents"] = [d for d in manifest["documents"] if d["status"] != "failed"]
    (out / "manifest.json").write_text(json.dumps(manifest))
    r = govdoc("package", str(out), "-o", str(tmp_path / "bag"))
    assert r.returncode == 1 and "older than the batch ledger" in r.stderr, r.stderr
    # an entry whose id was edited to a path: refused before any folder is made
    manifest["documents"][0]["id"] = "../../escape"
    (out / "manifest.json").write_text(json.dumps(manifest))
    r = govdoc("package", str(out), "-o", str(tmp_path / "bag"))
    assert r.returncode == 1 and "is not valid" in r.stderr, r.stderr
    assert not (tmp_path.parent / "escape").exists() and not (tmp_path / "bag").exists()


def test_package_while_a_batch_writes_is_exit_3(batch, tmp_path):
    import fcntl

    with open(batch / ".govdoc.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        r = govdoc("package", str(batch), "-o", str(tmp_path / "bag"))
    assert r.returncode == 3 and "another govdoc batch" in r.stderr
