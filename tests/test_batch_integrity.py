"""Records true after any interruption (issue 12): kills, signals, failing retries.

Every test here runs the real command on real pages and then checks the output
folder the way an archivist would: every file of every record matches the
manifest, ``govdoc verify`` passes, and no process of the batch is left running.
"""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.convert import sha256_file
from tests.conftest import SAMPLES, checkout_env, govdoc
from tests.test_batch import _manifest, _pages, _stray_files

EXE = str(Path(sys.executable).with_name("govdoc"))


def group_alive(pgid: int) -> list[str]:
    """Processes of process group ``pgid`` still running (zombies are not running)."""
    alive = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) "
        state, pgrp = fields[0], int(fields[2])
        if pgrp == pgid and state != "Z":
            try:
                cmd = Path(entry.path, "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                cmd = "?"
            alive.append(f"{entry.name} {state} {cmd[:120]}")
    return alive


def wait_group_gone(pgid: int, deadline_s: float = 30.0) -> list[str]:
    """Wait until the group has no running process (a deadline for cleanup, not a speed test)."""
    end = time.monotonic() + deadline_s
    while True:
        alive = group_alive(pgid)
        if not alive or time.monotonic() > end:
            return alive
        time.sleep(0.1)


def start(args: list[str], stderr) -> subprocess.Popen:
    """``govdoc ARGS`` in a process group of its own (its pgid is its pid)."""
    return subprocess.Popen([EXE, *args], stdout=subprocess.DEVNULL, stderr=stderr,
                            start_new_session=True, env=checkout_env())


def assert_records_true(out: Path) -> dict:
    """Every file of every record matches the manifest; verify passes; nothing stray."""
    manifest = _manifest(out)
    for d in manifest["documents"]:
        if d["status"] == "failed":
            continue
        files = dict(d["outputs"])
        files["record"] = d["record"]["path"]
        sha = dict(d["sha256"], record=d["record"]["sha256"])
        for kind, rel in files.items():
            assert sha256_file(out / rel) == sha[kind], f"{d['input']}: {rel}"
        rec = json.loads((out / d["id"] / "record.json").read_bytes())
        assert {k: f["sha256"] for k, f in rec["files"].items()} == d["sha256"], d["input"]
    r = govdoc("verify", str(out))
    assert r.returncode == 0, r.stdout + r.stderr
    assert _stray_files(out) == [] and not (out / ".staging").exists()
    return manifest


def kill_trials(tmp_path: Path, *, trials: int, copies: int, formats: str, seed: int) -> None:
    src = _pages(tmp_path, copies=copies)
    out = tmp_path / "out"
    first = govdoc("convert", str(src), "-o", str(out), "--jobs", "2", "-q", "--json",
                   "--formats", formats)
    assert first.returncode == 0, first.stderr
    # how long a --force run takes, process start included, timed on this machine now:
    # the kills land inside it (a first run is slower, so its own figure overshoots)
    began = time.monotonic()
    timed = govdoc("convert", str(src), "-o", str(out), "--jobs", "2", "-q", "--force",
                   "--formats", formats)
    assert timed.returncode == 0, timed.stderr
    span = time.monotonic() - began
    rng = random.Random(seed)
    interrupted = 0
    for trial in range(trials):
        whole_group = trial % 2 == 0
        log = tmp_path / f"trial-{trial}.err"
        with open(log, "wb") as err:
            proc = start(["convert", str(src), "-o", str(out), "--jobs", "2", "-q", "--force",
                          "--formats", formats], err)
            time.sleep(rng.uniform(0.1, 0.8 * span))
            if proc.poll() is None:
                interrupted += 1
            try:
                if whole_group:
                    os.killpg(proc.pid, signal.SIGKILL)  # the batch and its workers
                else:
                    os.kill(proc.pid, signal.SIGKILL)  # the parent alone
            except ProcessLookupError:
                pass
            proc.wait()
        survivors = wait_group_gone(proc.pid)
        assert survivors == [], f"trial {trial} (seed {seed}): outlived the batch: {survivors}"
        assert b"Traceback" not in log.read_bytes(), log.read_text()

        again = govdoc("convert", str(src), "-o", str(out), "--jobs", "2", "-q", "--json",
                       "--formats", formats)
        assert again.returncode == 0, f"trial {trial} (seed {seed}): {again.stderr}"
        assert json.loads(again.stdout)["ok"] == len(list(src.glob("*.html")))
        assert_records_true(out)
    assert interrupted >= trials // 2, f"only {interrupted} of {trials} kills hit a running batch"


def test_kill_9_during_force_reconversion_a_few_trials(tmp_path):
    """The short version CI runs: kills of the whole group and of the parent alone."""
    kill_trials(tmp_path, trials=4, copies=1, formats="xml,pdf", seed=int(time.time()))


@pytest.mark.slow
def test_kill_9_during_force_reconversion_24_trials(tmp_path):
    kill_trials(tmp_path, trials=24, copies=2, formats="xml,pdf,docx", seed=int(time.time()))


def _converted_some(out: Path, at_least: int, proc: subprocess.Popen) -> bool:
    """Wait until the batch has published ``at_least`` record folders (or ended)."""
    while proc.poll() is None:
        if len([p for p in out.glob("*") if p.is_dir() and len(p.name) == 16]) >= at_least:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("how", ["SIGTERM to the parent", "SIGINT to the group",
                                 "SIGHUP to the parent"])
def test_sigterm_is_handled_like_ctrl_c(tmp_path, how):
    src = _pages(tmp_path, copies=2)
    out = tmp_path / "out"
    log = tmp_path / "err"
    with open(log, "wb") as err:
        proc = start(["convert", str(src), "-o", str(out), "--jobs", "2", "-q",
                      "--formats", "xml,pdf"], err)
        assert _converted_some(out, 2, proc), "the batch ended before it could be signalled"
        sig = {"SIGTERM": signal.SIGTERM, "SIGINT": signal.SIGINT,
               "SIGHUP": signal.SIGHUP}[how.split()[0]]
        if "group" in how:
            os.killpg(proc.pid, sig)
        else:
            os.kill(proc.pid, sig)
        status = proc.wait()
    text = log.read_text()
    assert status == 128 + sig, text
    lines = [ln for ln in text.splitlines() if ln.strip()]
    assert lines and lines[-1].startswith("govdoc: interrupted") and "Traceback" not in text
    assert wait_group_gone(proc.pid) == []
    # what was finished is listed at once; the same command finishes the batch
    assert _manifest(out)["documents"]
    assert govdoc("verify", str(out)).returncode == 0
    again = govdoc("convert", str(src), "-o", str(out), "--jobs", "2", "-q", "--json",
                   "--formats", "xml,pdf")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["skipped"] >= 2
    assert_records_true(out)


def _one_page(tmp_path: Path, name: str = "page.html", extra: bytes = b"") -> Path:
    """A sample page; ``extra`` goes into its body, before its first paragraph."""
    src = tmp_path / "in"
    src.mkdir(exist_ok=True)
    page = src / name
    data = (SAMPLES / "a01_zj_lipu_fazhi_report.html").read_bytes()
    at = data.index(b'<p style="text-indent')
    page.write_bytes(data[:at] + extra + data[at:])
    return page


def test_a_failing_retry_over_a_good_record_keeps_it_listed(tmp_path):
    page = _one_page(tmp_path)
    out = tmp_path / "out"
    assert govdoc("convert", str(page), "-o", str(out), "-q", "--formats", "xml,pdf").returncode == 0
    good = _manifest(out)["documents"][0]
    assert good["status"] == "ok"

    # the machine's fault: the PDF edition cannot be laid out in 256 MB, the XML can
    r = govdoc("convert", str(page), "-o", str(out), "-q", "--formats", "xml,pdf", "--force",
               "--memory-limit", "256", "--json")
    assert r.returncode == 1, r.stderr
    failure = json.loads(r.stdout)["failures"][0]
    assert "the earlier record is kept" in failure["error"] and failure["retryable"]
    d = _manifest(out)["documents"][0]
    assert d["status"] == "ok" and d["sha256"] == good["sha256"] and d["error"] is None
    assert d["last_attempt"]["status"] in ("failed", "partial") and d["last_attempt"]["retryable"]
    assert_records_true(out)
    # a plain re-run leaves the good record be (it is complete); --force tries again
    again = json.loads(govdoc("convert", str(page), "-o", str(out), "-q", "--formats", "xml,pdf",
                              "--json").stdout)
    assert again["skipped"] == 1 and again["failed"] == 0

    # the page's own fault: the page was emptied after it was converted
    page.write_bytes(b"")
    r = govdoc("convert", str(page), "-o", str(out), "-q", "--formats", "xml,pdf", "--json")
    assert r.returncode == 1
    d = _manifest(out)["documents"][0]
    assert d["status"] == "ok" and d["sha256"] == good["sha256"]
    assert d["last_attempt"]["error"] == "empty file" and not d["last_attempt"]["retryable"]
    assert_records_true(out)
    # the same failure is not tried again by a plain re-run; the record stays
    again = govdoc("convert", str(page), "-o", str(out), "-q", "--formats", "xml,pdf", "--json")
    assert again.returncode == 0 and json.loads(again.stdout)["skipped"] == 1


def test_an_edition_that_fails_leaves_a_partial_record_that_a_rerun_completes(tmp_path):
    page = _one_page(tmp_path)
    out = tmp_path / "out"
    r = govdoc("convert", str(page), "-o", str(out), "--formats", "xml,pdf,docx",
               "--memory-limit", "256", "--json")
    assert r.returncode == 1
    d = _manifest(out)["documents"][0]
    assert d["status"] == "partial", d
    assert "PDF edition not made" in d["error"] and d["retryable"]
    assert "memory" in d["error"] and "--memory-limit" in d["error"], d["error"]
    assert {"source", "xml"} <= set(d["outputs"]) and "pdf" not in d["outputs"]
    assert "Traceback" not in r.stderr and "GLib" not in r.stderr
    assert any(ln.startswith(f"govdoc: {page}: partial record") for ln in r.stderr.splitlines())
    rec = json.loads((out / d["id"] / "record.json").read_bytes())
    assert rec["status"] == "partial" and rec["reason"] == d["error"]
    assert_records_true(out)
    rows = json.loads((out / "catalogue.json").read_text(encoding="utf-8"))["rows"]
    assert rows[0]["status"] == "partial" and rows[0]["error"] == d["error"]
    # a plain re-run (enough memory now) makes the missing editions
    r = govdoc("convert", str(page), "-o", str(out), "--formats", "xml,pdf,docx", "-q", "--json")
    assert r.returncode == 0, r.stderr
    d = _manifest(out)["documents"][0]
    assert d["status"] == "ok" and {"pdf", "docx"} <= set(d["outputs"])
    assert_records_true(out)


def test_a_narrower_formats_keeps_the_editions_a_record_has(tmp_path):
    page = _one_page(tmp_path)
    out = tmp_path / "out"
    assert govdoc("convert", str(page), "-o", str(out), "-q").returncode == 0
    full = _manifest(out)["documents"][0]
    assert {"pdf", "docx"} <= set(full["outputs"])
    r = govdoc("convert", str(page), "-o", str(out), "-q", "--formats", "xml", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["skipped"] == 1
    assert _manifest(out)["documents"][0] == full
    # --force makes the record again, with every edition it had, and says so
    r = govdoc("convert", str(page), "-o", str(out), "-q", "--formats", "xml", "--force")
    assert r.returncode == 0, r.stderr
    assert "already had the DOCX, PDF edition(s)" in r.stderr
    d = _manifest(out)["documents"][0]
    assert set(d["outputs"]) == set(full["outputs"]) and d["sha256"] != full["sha256"]
    assert_records_true(out)


def test_each_warning_appears_once(tmp_path):
    page = _one_page(tmp_path, extra=b'<p><img src="nowhere/missing-chart.png" alt="chart"></p>')
    out = tmp_path / "out"
    r = govdoc("convert", str(page), "-o", str(out), "-q", "--formats", "xml,pdf,docx")
    d = _manifest(out)["documents"][0]
    assert r.returncode == 0 and d["status"] == "ok", r.stderr
    about = [w for w in d["warnings"] if "missing-chart" in w]
    assert len(about) == 1, d["warnings"]
    assert len(d["warnings"]) == len(set(d["warnings"]))


def test_a_worker_killed_while_rendering_leaves_a_partial_record_the_parent_can_publish(
        tmp_path):
    """What a timed-out worker leaves: source, XML and a record.json naming the edition it
    was rendering, plus that edition cut short.  The parent keeps the first, drops the last."""
    from pipeline.batch.run import salvage
    from pipeline.convert import DocResult, Settings, convert_file
    from pipeline.batch.record import read_record, whole, write_record

    page = _one_page(tmp_path)
    staging = tmp_path / "out" / ".staging" / "task"
    done = convert_file(page, str(page), tmp_path / "out", Settings(formats=("xml",)), staging)
    assert done.status == "ok" and done.staging == str(staging)
    rec, _ = read_record(staging, "")
    rec.update(status="partial", formats=["xml", "pdf", "docx"], rendering="pdf")
    write_record(staging, rec)
    (staging / "document.pdf").write_bytes(b"%PDF-1.7\n% cut short by the kill")
    failed = DocResult(input=str(page), id=done.id, status="failed", error="timed out after 9 s",
                       input_sha256=done.input_sha256, fault="environment")

    r = salvage(staging, "timed out after 9 s", failed)
    assert r is not None and r.status == "partial" and r.fault == "environment"
    assert r.error == ("partial record (source, XML kept): PDF edition not made: timed out "
                       "after 9 s; DOCX edition not tried")
    assert sorted(p.name for p in staging.iterdir()) == ["document.xml", "record.json",
                                                         "source.html"]
    rec, sha = read_record(staging, "")
    assert rec["status"] == "partial" and "rendering" not in rec and whole(staging, rec)
    assert r.sha256["record"] == sha
    # a staging folder without the marker (nothing was being rendered) is no partial record
    rec.pop("reason")
    write_record(staging, rec)
    assert salvage(staging, "timed out", failed) is None


def _big_page(kind: str) -> bytes:
    head = ("<html><head><meta charset='utf-8'><title>关于印发大型文件的通知</title></head><body>"
            "<div class='article'><h1>关于印发大型文件的通知</h1>"
            "<p>　　各乡镇人民政府，县政府各部门：现将有关事项通知如下，请认真贯彻执行。</p>")
    if kind == "paragraphs":
        body = "".join(f"<p>　　各乡镇人民政府，县政府各部门，现将有关事项通知如下（{i}）。</p>"
                       for i in range(200_000))
    else:
        body = "<table>" + "".join(
            "<tr>" + "".join(f"<td>{r}行{c}列</td>" for c in range(50)) + "</tr>"
            for r in range(2_000)) + "</table>"
    return (head + body + "<p>　　最后一段。</p></div></body></html>").encode("utf-8")


@pytest.mark.slow
def test_200000_paragraphs_and_a_2000_by_50_table_are_kept_at_least_as_partial_records(
        tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for kind in ("paragraphs", "table"):
        (src / f"{kind}.html").write_bytes(_big_page(kind))
    out = tmp_path / "out"
    # bounds that leave extraction room on a loaded machine (200 000 paragraphs take about a
    # minute to read) and make the editions fail by memory rather than by time
    r = govdoc("convert", str(src), "-o", str(out), "--jobs", "2", "--json",
               "--timeout", "900", "--memory-limit", "2048")
    assert r.returncode in (0, 1) and "Traceback" not in r.stderr, r.stderr
    from pipeline import canonical

    for d in _manifest(out)["documents"]:
        assert d["status"] in ("ok", "partial"), f"{d['input']}: {d['error']}"
        assert {"source", "xml"} <= set(d["outputs"])
        if d["status"] == "partial":
            assert "edition not made" in d["error"] and d["retryable"] is not None
            assert f"govdoc: {d['input']}: partial record" in r.stderr
        doc = canonical.parse((out / d["outputs"]["xml"]).read_bytes())
        assert canonical.validation_errors(doc) == []
        body = canonical.body_text(doc)
        assert "最后一段" in body
        last = "（199999）" if Path(d["input"]).stem == "paragraphs" else "1999行49列"
        assert last in body, d["input"]
    assert_records_true(out)
