"""govdoc verify: one changed byte, one missing or one extra file is found and named."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import bagit
import pytest

from tests.conftest import SAMPLES, govdoc


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> tuple[Path, Path]:
    """An output folder (samples, XML only) and a bag made from it, both pristine."""
    tmp = tmp_path_factory.mktemp("verify")
    out, bag = tmp / "out", tmp / "bag"
    r = govdoc("convert", str(SAMPLES), "-o", str(out), "--formats", "xml", "-q")
    assert r.returncode == 0, r.stderr
    r = govdoc("package", str(out), "-o", str(bag))
    assert r.returncode == 0, r.stderr
    return out, bag


@pytest.fixture
def bag(made, tmp_path) -> Path:
    copy = tmp_path / "bag"
    shutil.copytree(made[1], copy)
    return copy


@pytest.fixture
def out(made, tmp_path) -> Path:
    copy = tmp_path / "out"
    shutil.copytree(made[0], copy)
    return copy


def _flip_one_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x20
    path.write_bytes(bytes(data))


def _a_record_file(root: Path, name: str = "document.xml") -> Path:
    return sorted(root.glob(f"**/{name}"))[0]


def test_intact_bag_and_folder_pass(bag, out):
    for d in (bag, out):
        r = govdoc("verify", str(d))
        assert r.returncode == 0, r.stdout + r.stderr
        assert "all intact" in r.stdout


def test_one_flipped_byte_same_size_is_found(bag):
    target = _a_record_file(bag / "data")
    size = target.stat().st_size
    _flip_one_byte(target)
    assert target.stat().st_size == size
    # what bagit's fast mode misses, and full validation catches
    assert bagit.Bag(str(bag)).is_valid(fast=True)
    assert not bagit.Bag(str(bag)).is_valid(fast=False)
    r = govdoc("verify", str(bag))
    assert r.returncode == 1
    rel = target.relative_to(bag).as_posix()
    assert f"CHANGED {rel}" in r.stdout.splitlines()[0]
    assert "1 changed" in r.stdout


def test_deleted_file_is_missing_and_added_file_is_extra(bag):
    gone = _a_record_file(bag / "data", "source.html")
    gone.unlink()
    (bag / "data" / "notes.txt").write_text("added later")
    r = govdoc("verify", str(bag), "--json")
    assert r.returncode == 1
    v = json.loads(r.stdout)
    assert v["kind"] == "bag" and not v["ok"]
    kinds = {(p["kind"], p["path"]) for p in v["problems"]}
    assert ("MISSING", gone.relative_to(bag).as_posix()) in kinds
    assert ("EXTRA", "data/notes.txt") in kinds
    assert v["missing"] == 1 and v["extra"] == 1 and v["changed"] == 0


def test_changed_bag_info_is_found(bag):
    info = bag / "bag-info.txt"
    info.write_text(info.read_text(encoding="utf-8").replace("Failed-Count: 0", "Failed-Count: 9"),
                    encoding="utf-8")
    r = govdoc("verify", str(bag))
    assert r.returncode == 1 and "CHANGED bag-info.txt" in r.stdout


def test_output_folder_checked_against_its_manifest(out):
    target = _a_record_file(out)
    _flip_one_byte(target)
    gone = _a_record_file(out, "source.html")
    gone.unlink()
    (target.parent / "stray.bin").write_bytes(b"x")
    r = govdoc("verify", str(out))
    assert r.returncode == 1
    lines = r.stdout.splitlines()
    assert f"CHANGED {target.relative_to(out).as_posix()}" in "\n".join(lines)
    assert f"MISSING {gone.relative_to(out).as_posix()}" in lines
    assert f"EXTRA {target.parent.name}/stray.bin" in lines
    assert "output folder" in lines[-1]


def test_neither_bag_nor_output_exits_2(tmp_path):
    r = govdoc("verify", str(tmp_path))
    assert r.returncode == 2 and r.stderr.startswith("govdoc: ")


def test_a_page_scraped_twice_verifies_whichever_conversion_is_on_disk(tmp_path):
    """Two manifest entries, one folder: the file matches one of the recorded checksums."""
    page = SAMPLES / "a02_govcn_state_council_notice.html"
    for name in ("first.html", "second.html"):
        shutil.copy(page, tmp_path / name)
    out = tmp_path / "out"
    r = govdoc("convert", str(tmp_path / "first.html"), str(tmp_path / "second.html"),
               "-o", str(out), "--formats", "xml", "-q")
    assert r.returncode == 0, r.stderr
    r = govdoc("verify", str(out))
    assert r.returncode == 0, r.stdout
    _flip_one_byte(_a_record_file(out))
    r = govdoc("verify", str(out))
    assert r.returncode == 1 and "CHANGED" in r.stdout


def _record_id(bag: Path) -> str:
    return next(p.name for p in sorted((bag / "data").iterdir()) if p.is_dir() and p.name != "metadata")


def test_a_record_removed_with_its_checksums_and_the_tagmanifest_is_found(bag):
    """Removed from data/ and from manifest-sha256.txt, tagmanifest deleted: the bag's own
    data/manifest.json and catalogue still list the record."""
    doc_id = _record_id(bag)
    shutil.rmtree(bag / "data" / doc_id)
    lines = (bag / "manifest-sha256.txt").read_text().splitlines()
    (bag / "manifest-sha256.txt").write_text(
        "".join(ln + "\n" for ln in lines if f"data/{doc_id}/" not in ln))
    (bag / "tagmanifest-sha256.txt").unlink()
    r = govdoc("verify", str(bag), "--json")
    assert r.returncode == 1
    found = {(p["kind"], p["path"]) for p in json.loads(r.stdout)["problems"]}
    assert ("MISSING", "tagmanifest-sha256.txt") in found
    assert ("MISSING", f"data/{doc_id}/document.xml") in found
    assert ("MISSING", f"data/{doc_id}/record.json") in found


def test_a_malformed_bag_info_does_not_stop_the_payload_check(bag):
    with open(bag / "bag-info.txt", "a", encoding="utf-8") as fh:
        fh.write("this line has no colon\n")
    _flip_one_byte(_a_record_file(bag))
    r = govdoc("verify", str(bag))
    assert r.returncode == 1
    assert "CHANGED data/" in r.stdout and "INVALID bag-info.txt" in r.stdout, r.stdout


def test_a_record_added_to_the_payload_but_not_to_the_bags_manifest_json_is_extra(bag):
    import hashlib

    doc_id = _record_id(bag)
    stray = "fedcba9876543210"
    shutil.copytree(bag / "data" / doc_id, bag / "data" / stray)
    with open(bag / "manifest-sha256.txt", "a") as fh:  # made consistent with the copy
        for f in sorted((bag / "data" / stray).iterdir()):
            fh.write(f"{hashlib.sha256(f.read_bytes()).hexdigest()}  data/{stray}/{f.name}\n")
    r = govdoc("verify", str(bag))
    assert r.returncode == 1
    assert f"EXTRA data/{stray}/document.xml  (not a record data/manifest.json lists)" in r.stdout


def test_a_catalogue_that_no_longer_lists_a_document_is_found(bag):
    csv_file = bag / "data" / "catalogue.csv"
    lines = csv_file.read_bytes().split(b"\r\n")
    csv_file.write_bytes(b"\r\n".join(lines[:1] + lines[2:]))
    r = govdoc("verify", str(bag))
    assert r.returncode == 1 and "INVALID data/catalogue.csv" in r.stdout, r.stdout


def test_an_output_folder_with_a_record_the_manifest_does_not_list_is_extra(out):
    doc_id = next(p.name for p in out.iterdir() if p.is_dir() and len(p.name) == 16)
    shutil.copytree(out / doc_id, out / "0123456789abcdef")
    r = govdoc("verify", str(out))
    assert r.returncode == 1 and "EXTRA 0123456789abcdef/record.json" in r.stdout
