"""Batches: re-runs skip finished work, changed pages are redone, kills leave nothing half-written."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from lxml import etree

from pipeline.batch.run import plan_batch
from pipeline.canonical import NS
from pipeline.convert import DocResult, sha256_file
from pipeline.batch.ledger import LEDGER_NAME, Ledger
from tests.conftest import SAMPLES, checkout_env, govdoc


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
                   ".govdoc.lock", "catalogue.csv", "catalogue.json", "index.html", ".thumbs",
                   ".govdoc-workers.log"}
    stray = []
    for p in out.iterdir():
        if p.is_dir() and p.name != ".thumbs":
            names = {f.name for f in p.iterdir()}
            if not names <= {"source.html", "document.xml", "document.pdf", "document.docx",
                             "record.json"} \
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
    # b given first: still a, the first by path, is the one converted
    r = govdoc("convert", str(tmp_path / "b.html"), str(tmp_path / "a.html"), "-o", str(out),
               "--formats", "xml", "-q", "--json")
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["converted"] == 1 and summary["duplicates"] == 1
    a, b = _manifest(out)["documents"]
    assert a["input"] == str(tmp_path / "a.html") and a["duplicate_of"] is None
    assert b["duplicate_of"] == a["input"]
    assert {k: v for k, v in b.items() if k not in ("input", "duplicate_of")} == \
        {k: v for k, v in a.items() if k not in ("input", "duplicate_of")}
    xml = etree.parse(str(out / a["outputs"]["xml"]))
    assert xml.find(f"{{{NS}}}provenance/{{{NS}}}input").get("name") == "a.html"
    for key, rel in b["outputs"].items():
        assert sha256_file(out / rel) == b["sha256"][key]


def _docs_by_name(out: Path) -> dict[str, dict]:
    return {Path(d["input"]).relative_to(out.parent / "in").as_posix(): d
            for d in _manifest(out)["documents"]}


def test_identical_pages_rerun_change_and_force(tmp_path):
    """Each digest is converted once, per run and across runs; a changed page is redone."""
    src, out = tmp_path / "in", tmp_path / "out"
    (src / "sub").mkdir(parents=True)
    page = (SAMPLES / "a01_zj_lipu_fazhi_report.html").read_bytes()
    for name in ("a.html", "b.html", "sub/c.html"):
        (src / name).write_bytes(page)
    (src / "d.html").write_bytes((SAMPLES / "a02_govcn_state_council_notice.html").read_bytes())

    def run(*args: str, inputs: Path = src) -> dict:
        r = govdoc("convert", str(inputs), "-o", str(out), "--formats", "xml", "-q", "--json",
                   *args)
        assert r.returncode == 0, r.stderr
        s = json.loads(r.stdout)
        return {k: s[k] for k in ("converted", "duplicates", "skipped")}

    assert run() == {"converted": 2, "duplicates": 2, "skipped": 0}
    first = _manifest(out)["documents"]
    assert run() == {"converted": 0, "duplicates": 0, "skipped": 4}
    assert _manifest(out)["documents"] == first

    # a changed duplicate is redone, alone; the others keep their record (the change is
    # to the document: a change outside it only, a comment, would be the same document)
    edited = page.replace("澧浦镇高度重视".encode(), "澧浦镇十分重视".encode(), 1)
    assert edited != page
    (src / "b.html").write_bytes(edited)
    assert run() == {"converted": 1, "duplicates": 0, "skipped": 3}
    docs = _docs_by_name(out)
    assert docs["b.html"]["duplicate_of"] is None and docs["b.html"]["id"] != docs["a.html"]["id"]
    assert docs["sub/c.html"]["duplicate_of"] == docs["a.html"]["input"]

    # the converted one changes: its copy is converted in its own name
    (src / "a.html").write_bytes(page.replace("澧浦镇高度重视".encode(), "澧浦镇非常重视".encode(), 1))
    assert run() == {"converted": 2, "duplicates": 0, "skipped": 2}
    docs = _docs_by_name(out)
    assert docs["sub/c.html"]["duplicate_of"] is None
    assert docs["sub/c.html"]["id"] == first[0]["id"] and (out / first[0]["id"]).is_dir()

    # a page seen in an earlier run is not converted again under a new name
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "e.html").write_bytes(page)
    assert run(inputs=tmp_path / "more") == {"converted": 0, "duplicates": 1, "skipped": 0}
    e = next(d for d in _manifest(out)["documents"] if d["input"].endswith("e.html"))
    assert e["duplicate_of"] == docs["sub/c.html"]["input"]
    assert e["sha256"] == docs["sub/c.html"]["sha256"]

    # --force converts each digest once again; rows of other runs follow the new conversion
    assert run("--force") == {"converted": 4, "duplicates": 0, "skipped": 0}
    docs = {d["input"]: d for d in _manifest(out)["documents"]}
    e = docs[str(tmp_path / "more" / "e.html")]
    assert e["sha256"] == docs[e["duplicate_of"]]["sha256"]
    r = govdoc("verify", str(out))
    assert r.returncode == 0, r.stdout
    assert _stray_files(out) == []


def test_identical_failing_pages_share_the_failure(tmp_path):
    shell = b"<html><head><title>x</title></head><body><nav><a href='/'>\xe9\xa6\x96\xe9\xa1\xb5</a></nav></body></html>"
    for name in ("a.html", "b.html"):
        (tmp_path / name).write_bytes(shell)
    out = tmp_path / "out"
    r = govdoc("convert", str(tmp_path / "a.html"), str(tmp_path / "b.html"), "-o", str(out),
               "--formats", "xml", "-q", "--json")
    assert r.returncode == 1
    assert json.loads(r.stdout)["converted"] == 1
    a, b = _manifest(out)["documents"]
    assert a["status"] == b["status"] == "failed" and a["error"] == b["error"]
    assert b["duplicate_of"] == a["input"] and a["duplicate_of"] is None
    assert len([ln for ln in r.stderr.splitlines() if ln.startswith("govdoc: ")]) == 2


def _row(name: str, digest: str | None, *, status: str = "ok", dup: str | None = None,
         xml_sha: str = "x1") -> DocResult:
    ok = status == "ok"
    files = {"xml": "document.xml", "pdf": "document.pdf", "docx": "document.docx"}
    return DocResult(input=name, id=digest[:16] if digest else None, status=status,
                     error=None if ok else "no article text found", input_sha256=digest,
                     outputs={k: f"{digest[:16]}/{n}" for k, n in files.items()} if ok else {},
                     sha256={"xml": xml_sha, "pdf": "p", "docx": "w"} if ok else {},
                     duplicate_of=dup, fault=None if ok else "page")


def test_plan_converts_each_digest_once_first_by_path():
    plan = plan_batch(["in/b.html", "in/a.html", "in/c.html", "in/e1.html", "in/e2.html"],
                      ["d" * 64, "d" * 64, "c" * 64, None, None], {}, "k")
    assert plan.convert == [1, 2, 3, 4]  # a for d; unreadable pages each on their own
    assert plan.followers == {1: [0], 2: []}
    assert not plan.skip and not plan.copy


def test_plan_shares_a_finished_conversion_and_skips_its_copies():
    d = "d" * 64
    ledger = {"old/x.html": (_row("old/x.html", d), "k"),
              "in/a.html": (_row("in/a.html", d, dup="old/x.html"), "k")}
    plan = plan_batch(["in/a.html", "in/b.html"], [d, d], ledger, "k")
    assert plan.skip == [0] and [(i, r.input) for i, r in plan.copy] == [(1, "old/x.html")]
    assert plan.convert == []
    # the output files are gone, the settings changed, or --force: convert again, once
    # (the row outside this run follows the new conversion when it is published)
    for kw in ({"present": lambda r: False}, {"force": True}):
        plan = plan_batch(["in/a.html", "in/b.html"], [d, d], ledger, "k", **kw)
        assert plan.convert == [0] and plan.followers == {0: [1]}
    assert plan_batch(["in/a.html"], [d], ledger, "other").convert == [0]


def test_plan_failed_conversion_is_shared_unless_retried():
    d = "d" * 64
    ledger = {"in/a.html": (_row("in/a.html", d, status="failed"), "k")}
    plan = plan_batch(["in/a.html", "in/b.html"], [d, d], ledger, "k")
    assert plan.skip == [0] and [i for i, _ in plan.copy] == [1]
    assert plan_batch(["in/a.html", "in/b.html"], [d, d], ledger, "k",
                      retry_failed=True).convert == [0]


def test_plan_changed_page_leaves_its_copies_to_be_converted():
    d, e = "d" * 64, "e" * 64
    ledger = {"in/a.html": (_row("in/a.html", d), "k"),
              "in/b.html": (_row("in/b.html", d, dup="in/a.html"), "k")}
    plan = plan_batch(["in/a.html", "in/b.html"], [e, d], ledger, "k")
    assert plan.convert == [0, 1] and plan.followers == {0: [], 1: []}


def test_plan_two_conversions_of_one_page_are_settled_by_converting_once():
    """A ledger written before duplicates were shared: two rows, two XML checksums."""
    d = "d" * 64
    ledger = {"in/a.html": (_row("in/a.html", d, xml_sha="x1"), "k"),
              "in/b.html": (_row("in/b.html", d, xml_sha="x2"), "k")}
    plan = plan_batch(["in/a.html", "in/b.html"], [d, d], ledger, "k")
    assert plan.convert == [0] and plan.followers == {0: [1]}


def test_ledger_of_an_older_version_gains_the_duplicate_column(tmp_path):
    with sqlite3.connect(tmp_path / LEDGER_NAME) as db:
        db.execute("CREATE TABLE documents (input TEXT PRIMARY KEY, input_sha256 TEXT, "
                   "settings_key TEXT NOT NULL, id TEXT, status TEXT NOT NULL, error TEXT, "
                   "outputs TEXT NOT NULL, sha256 TEXT NOT NULL, title TEXT, meta TEXT NOT NULL, "
                   "warnings TEXT NOT NULL, seconds REAL, finished_at TEXT NOT NULL)")
        db.execute("INSERT INTO documents VALUES ('in/a.html', 'dd', 'k', 'dddddddddddddddd', "
                   "'ok', NULL, '{}', '{}', 't', '{}', '[]', 1.0, '2024-01-01')")
    db.close()
    with Ledger(tmp_path) as ledger:
        assert ledger.lookup("in/a.html").duplicate_of is None
        ledger.record(_row("in/b.html", "d" * 64, dup="in/a.html"), "k")
        assert ledger.keyed()["in/b.html"] == (ledger.lookup("in/b.html"), "k")
        assert ledger.lookup("in/b.html").duplicate_of == "in/a.html"


def test_second_batch_on_same_folder_is_refused_while_one_runs(tmp_path):
    import fcntl

    out = tmp_path / "out"
    out.mkdir()
    with open(out / ".govdoc.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        r = govdoc("convert", str(SAMPLES), "-o", str(out), "--formats", "xml", "-q")
    assert r.returncode == 3 and "another govdoc batch" in r.stderr  # 3: not "pages failed"
    assert r.stderr.strip().count("\n") == 0, r.stderr


@pytest.mark.slow
def test_kill_9_halfway_then_rerun_completes(tmp_path):
    src = _pages(tmp_path, copies=8)
    n = len(list(src.glob("*.html")))
    out = tmp_path / "out"
    exe = Path(sys.executable).with_name("govdoc")
    proc = subprocess.Popen([str(exe), "convert", str(src), "-o", str(out), "--jobs", "2", "-q"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True, env=checkout_env())
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
