"""The ledger lost, damaged or tampered with; a full disk; folders left by interrupted runs.

Each test damages a real output folder the way a kill, a full disk or a careless
hand would, then runs the command a person would run next, and checks that every
record is still listed and true (``govdoc verify`` passes).
"""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import uuid
from pathlib import Path

import pytest

from pipeline.batch.ledger import LEDGER_NAME
from tests.conftest import SAMPLES, govdoc
from tests.test_batch import _manifest, _pages
from tests.test_batch_integrity import assert_records_true


def _convert(src, out: Path, *args: str) -> subprocess.CompletedProcess:
    paths = [str(p) for p in src] if isinstance(src, list) else [str(src)]
    return govdoc("convert", *paths, "-o", str(out), "-q", "--json", "--formats", "xml", *args)


@pytest.fixture
def batch(tmp_path) -> tuple[Path, Path]:
    """Ten pages (five of the samples, twice, told apart by a comment) converted to XML."""
    src = _pages(tmp_path, copies=2)
    out = tmp_path / "out"
    r = _convert(src, out)
    assert r.returncode == 0, r.stderr
    assert len(_manifest(out)["documents"]) == 10
    return src, out


def _drop_ledger(out: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        (out / f"{LEDGER_NAME}{suffix}").unlink(missing_ok=True)


def test_a_deleted_ledger_is_rebuilt_and_nothing_is_left_out(batch, tmp_path):
    src, out = batch
    _drop_ledger(out)
    half = sorted(src.glob("*.html"))[:5]
    r = _convert(half, out)
    assert r.returncode == 0, r.stderr
    assert "the ledger was missing: rebuilt from manifest.json" in r.stderr
    assert json.loads(r.stdout)["skipped"] == 5
    assert len(_manifest(out)["documents"]) == 10  # not 5
    assert_records_true(out)
    bag = tmp_path / "bag"
    p = govdoc("package", str(out), "-o", str(bag), "--json")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["documents"] == 10
    assert govdoc("verify", str(bag)).returncode == 0


def test_ledger_and_manifest_both_lost_are_rebuilt_from_the_record_folders(batch):
    src, out = batch
    _drop_ledger(out)
    (out / "manifest.json").unlink()
    r = _convert(src, out)
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["converted"] == 0 and summary["ok"] == 10
    assert len(_manifest(out)["documents"]) == 10
    assert_records_true(out)


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_a_damaged_ledger_is_one_line_saying_what_to_do(batch, damage):
    src, out = batch
    ledger = out / LEDGER_NAME
    with sqlite3.connect(ledger) as db:  # everything in the main file, then damage it
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    data = ledger.read_bytes()
    ledger.write_bytes(os.urandom(4096) if damage == "garbage" else data[:len(data) // 2])
    r = _convert(src, out)
    assert r.returncode == 4 and "Traceback" not in r.stderr, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "the ledger is damaged" in lines[0] and "mv " in lines[0], lines
    # doing what it says: the ledger is rebuilt, every record still listed
    ledger.rename(ledger.with_name(ledger.name + ".damaged"))
    for suffix in ("-wal", "-shm"):
        (out / f"{LEDGER_NAME}{suffix}").unlink(missing_ok=True)
    r = _convert(src, out)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["converted"] == 0
    (out / f"{LEDGER_NAME}.damaged").unlink()
    assert_records_true(out)


@pytest.mark.parametrize("column,value", [("id", "../../victim"),
                                          ("outputs", '{"xml": "../../victim/x"}')])
def test_a_ledger_row_edited_to_a_path_is_refused_and_nothing_outside_is_touched(
        batch, tmp_path, column, value):
    src, out = batch
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("precious")
    with sqlite3.connect(out / LEDGER_NAME) as db:
        db.execute(f"UPDATE documents SET {column} = ? WHERE rowid = 1", (value,))
    db.close()
    for args in ((), ("--force",)):
        r = _convert(src, out, *args)
        assert r.returncode == 4 and "Traceback" not in r.stderr, r.stderr
        assert len(r.stderr.strip().splitlines()) == 1 and "not a" in r.stderr, r.stderr
    assert (victim / "keep.txt").read_text() == "precious"


def test_a_record_published_but_not_committed_is_taken_into_the_ledger(batch, tmp_path):
    """The window a kill can hit: the folder renamed into place, the row not written."""
    src, out = batch
    page = sorted(src.glob("*.html"))[0]
    other = tmp_path / "other"
    assert _convert(page, other).returncode == 0  # a newer conversion of the same page
    doc = _manifest(other)["documents"][0]
    shutil.rmtree(out / doc["id"])
    shutil.copytree(other / doc["id"], out / doc["id"])
    r = _convert(src, out)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["converted"] == 0
    assert "were whole: the ledger now lists them" in r.stderr
    mine = next(d for d in _manifest(out)["documents"] if d["input"] == str(page))
    assert mine["sha256"] == doc["sha256"]
    assert_records_true(out)


def test_a_first_record_published_but_not_committed_is_listed(batch, tmp_path):
    src, out = batch
    new = tmp_path / "new"
    new.mkdir()
    page = new / "new.html"
    page.write_bytes((SAMPLES / "a02_govcn_state_council_notice.html").read_bytes() + b"<!-- n -->")
    other = tmp_path / "other"
    assert _convert(page, other).returncode == 0
    doc = _manifest(other)["documents"][0]
    shutil.copytree(other / doc["id"], out / doc["id"])  # no row, no manifest entry
    r = _convert(src, out)  # a run that does not even include the page
    assert r.returncode == 0, r.stderr
    assert any(d["input"] == str(page) for d in _manifest(out)["documents"])
    assert_records_true(out)


def test_the_old_folder_of_a_changed_page_left_by_a_kill_is_removed(batch, tmp_path):
    src, out = batch
    page = sorted(src.glob("*.html"))[0]
    old = next(d for d in _manifest(out)["documents"] if d["input"] == str(page))
    keep = tmp_path / "old-copy"
    shutil.copytree(out / old["id"], keep)
    page.write_bytes(page.read_bytes() + b"<!-- changed -->")
    assert _convert(src, out).returncode == 0
    assert not (out / old["id"]).exists()
    shutil.copytree(keep, out / old["id"])  # as if the removal had been interrupted
    r = _convert(src, out)
    assert r.returncode == 0 and "older record folder(s) of changed pages" in r.stderr
    assert not (out / old["id"]).exists()
    assert_records_true(out)


def test_a_damaged_record_is_converted_again_by_a_plain_rerun(batch):
    src, out = batch
    doc = _manifest(out)["documents"][0]
    xml = out / doc["outputs"]["xml"]
    xml.write_bytes(xml.read_bytes()[:100])  # cut short: its size no longer matches
    assert govdoc("verify", str(out)).returncode == 1
    r = _convert(src, out)
    assert r.returncode == 0 and json.loads(r.stdout)["converted"] == 1, r.stderr
    assert_records_true(out)


def test_a_flipped_byte_of_the_same_size_is_converted_again_by_a_plain_rerun(batch):
    """A record whose file was changed in place (same size) does not match its
    checksums: the re-run must not call it unchanged."""
    src, out = batch
    doc = _manifest(out)["documents"][1]
    xml = out / doc["outputs"]["xml"]
    data = bytearray(xml.read_bytes())
    data[len(data) // 2] ^= 0x01
    xml.write_bytes(bytes(data))
    assert govdoc("verify", str(out)).returncode == 1
    r = _convert(src, out)
    assert r.returncode == 0 and json.loads(r.stdout)["converted"] == 1, r.stderr
    assert_records_true(out)
    assert govdoc("verify", str(out)).returncode == 0


def test_a_record_folder_deleted_by_hand_is_listed_failed_then_converted_again(batch):
    src, out = batch
    doc = _manifest(out)["documents"][0]
    shutil.rmtree(out / doc["id"])
    r = _convert(src, out)
    assert r.returncode == 0, r.stderr
    assert "had no folder any more" in r.stderr
    assert_records_true(out)


# ------------------------------------------------------------------ a full disk

def _mount_tmpfs(where: Path, size: str) -> None:
    where.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {r.stderr.strip()}")


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small file system needs root")
def test_a_full_disk_stops_the_batch_in_one_line_and_a_plain_rerun_completes_it(tmp_path):
    src = _pages(tmp_path, copies=2)
    out = tmp_path / f"small-{uuid.uuid4().hex[:6]}"
    _mount_tmpfs(out, "1200k")
    try:
        r = govdoc("convert", str(src), "-o", str(out), "-q", "--jobs", "2",
                   "--formats", "xml,pdf")
        assert r.returncode == 4, r.stderr
        assert "Traceback" not in r.stderr
        stop = [ln for ln in r.stderr.splitlines() if "no space left on device" in ln.lower()]
        assert len(stop) == 1 and "run the same command again" in stop[0], r.stderr
        assert not [ln for ln in r.stderr.splitlines() if "internal error" in ln]
        # whatever was finished is whole; nothing half-written is visible
        assert not (out / ".staging").exists()
        subprocess.run(["mount", "-o", "remount,size=64m", str(out)], check=True)
        r = govdoc("convert", str(src), "-o", str(out), "-q", "--jobs", "2", "--json",
                   "--formats", "xml,pdf")
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout)["ok"] == 10
        assert_records_true(out)
    finally:
        subprocess.run(["umount", "-l", str(out)], capture_output=True)
