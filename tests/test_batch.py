"""Batches: re-runs skip finished work, changed pages are redone, kills leave nothing half-written."""
from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.convert import sha256_file
from pipeline.ledger import LEDGER_NAME
from tests.conftest import SAMPLES, govdoc


def _manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def _pages(tmp_path: Path, copies: int = 1) -> Path:
    """The sample pages, each copied under other names with a distinguishing comment."""
    src = tmp_path / "in"
    src.mkdir()
    for page in sorted(SAMPLES.glob("*.html")):
        for i in range(copies):
            data = page.read_bytes() + (f"<!-- copy {i} -->".encode() if i else b"")
            (src / f"{page.stem}-{i}.html").write_bytes(data)
    return src


def _stray_files(out: Path) -> list[Path]:
    """Anything in OUT that is not a finished record or a batch file."""
    allowed_top = {"manifest.json", LEDGER_NAME, f"{LEDGER_NAME}-wal", f"{LEDGER_NAME}-shm",
                   ".govdoc.lock", "catalogue.csv", "catalogue.json", "index.html", ".thumbs"}
    stray = []
    for p in out.iterdir():
        if p.is_dir() and p.name != ".thumbs":
            names = {f.name for f in p.iterdir()}
            if not names <= {"source.html", "document.xml", "document.pdf", "document.docx"} \
                    or "document.xml" not in names:
                stray.append(p)
        elif p.name not in allowed_top:
            stray.append(p)
    return stray


def test_rerun_skips_unchanged_and_redoes_changed(tmp_path):
    src = _pages(tmp_path)
    out = tmp_path / "out"
    r1 = govdoc("convert", str(src), "-o", str(out), "--formats", "xml", "-q", "--json")
    assert r1.returncode == 0, r1.stderr
    first = _manifest(out)
    assert json.loads(r1.stdout)["converted"] == len(first["documents"])

    r2 = govdoc("convert", str(src), "-o", str(out), "--formats", "xml", "-q", "--json")
    s2 = json.loads(r2.stdout)
    assert s2["converted"] == 0 and s2["skipped"] == len(first["documents"])
    assert _manifest(out)["documents"] == first["documents"]

    # change one page: it alone is redone, its old folder goes, the new one comes
    changed = sorted(src.glob("*.html"))[0]
    old_id = next(d["id"] for d in first["documents"] if d["input"] == str(changed))
    changed.write_bytes(changed.read_bytes() + b"<!-- edited -->")
    s3 = json.loads(govdoc("convert", str(src), "-o", str(out), "--formats", "xml", "-q",
                           "--json").stdout)
    assert s3["converted"] == 1
    new = next(d for d in _manifest(out)["documents"] if d["input"] == str(changed))
    assert new["id"] != old_id and not (out / old_id).exists() and (out / new["id"]).is_dir()
    assert sha256_file(out / new["outputs"]["source"]) == new["input_sha256"]

    # --force redoes everything; other settings redo everything too
    s4 = json.loads(govdoc("convert", str(src), "-o", str(out), "--formats", "xml", "-q", "--json",
                           "--force").stdout)
    assert s4["converted"] == len(first["documents"])
    assert _stray_files(out) == []


def test_source_is_byte_identical_and_checksums_match(tmp_path):
    src = _pages(tmp_path)
    out = tmp_path / "out"
    assert govdoc("convert", str(src), "-o", str(out), "--formats", "xml", "-q").returncode == 0
    for d in _manifest(out)["documents"]:
        assert (out / d["outputs"]["source"]).read_bytes() == Path(d["input"]).read_bytes()
        for key, rel in d["outputs"].items():
            assert sha256_file(out / rel) == d["sha256"][key]
        assert d["id"] == d["input_sha256"][:16]


def test_identical_pages_share_one_record(tmp_path):
    (tmp_path / "a.html").write_bytes((SAMPLES / "a01_zj_lipu_fazhi_report.html").read_bytes())
    (tmp_path / "b.html").write_bytes((SAMPLES / "a01_zj_lipu_fazhi_report.html").read_bytes())
    out = tmp_path / "out"
    assert govdoc("convert", str(tmp_path / "a.html"), str(tmp_path / "b.html"), "-o", str(out),
                  "--formats", "xml", "-q").returncode == 0
    docs = _manifest(out)["documents"]
    assert len(docs) == 2 and docs[0]["id"] == docs[1]["id"]


def test_second_batch_on_same_folder_is_refused_while_one_runs(tmp_path):
    import fcntl

    out = tmp_path / "out"
    out.mkdir()
    with open(out / ".govdoc.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        r = govdoc("convert", str(SAMPLES), "-o", str(out), "--formats", "xml", "-q")
    assert r.returncode == 1 and "another govdoc batch" in r.stderr


@pytest.mark.slow
def test_kill_9_halfway_then_rerun_completes(tmp_path):
    src = _pages(tmp_path, copies=8)
    n = len(list(src.glob("*.html")))
    out = tmp_path / "out"
    exe = Path(sys.executable).with_name("govdoc")
    proc = subprocess.Popen([str(exe), "convert", str(src), "-o", str(out), "--jobs", "2", "-q"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    ledger = out / LEDGER_NAME
    deadline = time.monotonic() + 300
    done = 0
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
        try:
            with sqlite3.connect(ledger, timeout=1) as db:
                done = db.execute("SELECT count(*) FROM documents").fetchone()[0]
        except sqlite3.Error:
            continue
        if done >= n // 3:
            break
    assert proc.poll() is None, "the batch finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)  # the whole batch: parent and workers
    proc.wait()
    assert 0 < done < n

    r = govdoc("convert", str(src), "-o", str(out), "--jobs", "2", "-q", "--json")
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["ok"] == n and summary["skipped"] >= done
    assert _stray_files(out) == [] and not (out / ".staging").exists()
    for d in _manifest(out)["documents"]:
        for key, rel in d["outputs"].items():
            assert sha256_file(out / rel) == d["sha256"][key], rel
