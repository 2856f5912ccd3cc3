"""What reaches a person's terminal: plain progress when piped, warnings in the summary,
hostile names shown escaped, valid UTF-8 from ``--json`` whatever the file names."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from pipeline.convert import DocResult
from pipeline.batch.progress import WARNINGS_SHOWN, Progress
from pipeline.terminal import printable, utf8_safe
from tests.conftest import SAMPLES, checkout_env, govdoc

NOTICE = SAMPLES / "a02_govcn_state_council_notice.html"
HOSTILE = "bad\x1b[31mred\x1b]0;pwned\x07\nforged line\u202elmth.html"


def _with_bad_bytes() -> bytes:
    """The notice with two bytes that are not UTF-8 in its body: a replaced-characters warning."""
    data = NOTICE.read_bytes()
    at = data.index("各省、自治区".encode())
    return data[:at] + b"\xff\xfe" + data[at:]


def test_printable_escapes_what_a_terminal_would_obey():
    assert printable("关于 通知\u3000（2024）.html") == "关于 通知\u3000（2024）.html"
    assert printable(HOSTILE) == ("bad\\x1b[31mred\\x1b]0;pwned\\x07\\nforged line"
                                  "\\u202elmth.html")
    assert printable("a\tb\rc\x9b2J\x7f\u2028\ufeff") == "a\\tb\\rc\\x9b2J\\x7f\\u2028\\ufeff"
    assert printable(os.fsdecode(b"x\xb9\xd8.html")) == "x\\xb9\\xd8.html"
    assert printable(None) == ""
    assert utf8_safe(os.fsdecode(b"\xb9.html")).encode("utf-8") == b"\\udcb9.html"


class _Recorder(io.StringIO):
    """A pipe's stand-in that notes what had been written at each flush."""

    def __init__(self) -> None:
        super().__init__()
        self.flushed: list[str] = []

    def isatty(self) -> bool:
        return False

    def flush(self) -> None:
        self.flushed.append(self.getvalue())


def _ok(name: str, warnings=(), id_=None) -> DocResult:
    return DocResult(input=name, id=id_ or name[-16:].rjust(16, "0"), status="ok",
                     warnings=list(warnings))


def test_plain_progress_lines_are_flushed_as_pages_finish():
    stream = _Recorder()
    with Progress(total=3, enabled=True, stream=stream) as p:
        p.update(_ok("in/a.html"), False)
        # flushed at once: the pipe's reader has the line before the next page is done
        assert stream.flushed[-1].splitlines()[-1].startswith("govdoc: 1/3 pages (0 failed)")
        p.update(DocResult(input="in/b.html", id=None, status="failed", error="empty file"), False)
        p.update(_ok("in/c.html"), False)
    lines = stream.getvalue().splitlines()
    assert [l.split(",")[0] for l in lines] == [
        "govdoc: 1/3 pages (0 failed)", "govdoc: in/b.html: empty file",
        "govdoc: 2/3 pages (1 failed)", "govdoc: 3/3 pages (1 failed)"]
    assert "\x1b" not in stream.getvalue()  # no bar, no colours, on a pipe
    # each line was on its way when it was written, not at the end
    assert len(stream.flushed) >= len(lines)


def test_plain_progress_in_twentieths_of_a_large_batch():
    stream = _Recorder()
    with Progress(total=1000, enabled=True, stream=stream) as p:
        for i in range(1000):
            p.update(_ok(f"in/{i:04d}.html"), True)
    lines = stream.getvalue().splitlines()
    assert len(lines) >= 20 and lines[-1].startswith("govdoc: 1000/1000 pages (0 failed)")


def test_quiet_shows_failures_but_no_progress():
    stream = _Recorder()
    with Progress(total=2, enabled=False, stream=stream) as p:
        p.update(_ok("in/a.html"), False)
        p.update(DocResult(input="in/b.html", id=None, status="failed", error="empty"), False)
    assert stream.getvalue() == "govdoc: in/b.html: empty\n"


def test_summary_counts_warnings_shows_the_first_few_each_once():
    stream = _Recorder()
    results = [_ok(f"in/{i:02d}.html", [f"warning {i}", f"warning {i}"], id_=f"{i:016x}")
               for i in range(WARNINGS_SHOWN + 3)]
    results.append(_ok("in/copy.html", ["warning 0"], id_=f"{0:016x}"))  # same record as in/00
    Progress(total=len(results), enabled=False, stream=stream).warnings_summary(results, Path("out"))
    lines = stream.getvalue().splitlines()
    assert lines[0] == (f"Warnings: {WARNINGS_SHOWN + 3} on {WARNINGS_SHOWN + 3} pages; every one "
                        "is listed in out/index.html and out/catalogue.csv:")
    assert lines[1:1 + WARNINGS_SHOWN] == [f"  in/{i:02d}.html: warning {i}" for i in range(WARNINGS_SHOWN)]
    assert lines[-1] == "  ... and 3 more"


def test_convert_piped_shows_progress_warnings_and_escaped_names(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "bad-bytes.html").write_bytes(_with_bad_bytes())
    (src / "again.html").write_bytes(_with_bad_bytes())  # the same page twice: one record
    (src / "plain.html").write_bytes(NOTICE.read_bytes())
    (src / HOSTILE).write_bytes(b"")  # an empty page whose name is an attack on the terminal
    out = tmp_path / "out"
    r = govdoc("convert", str(src), "-o", str(out), "--formats", "xml", "--json")
    assert r.returncode == 1, r.stderr  # the empty page failed
    err = r.stderr
    for bad in ("\x1b", "\x07", "\u202e"):
        assert bad not in err and bad not in (out / "index.html").read_text(encoding="utf-8")
    shown = printable(f"{src}/{HOSTILE}")
    assert f"govdoc: {shown}: empty file" in err.splitlines()
    assert f"  {shown}: empty file" in err.splitlines()
    # plain progress lines, one a page in a batch this small, then the summary
    progress = [l.split(",")[0] for l in err.splitlines() if " pages (" in l]
    assert progress[-1] == "govdoc: 4/4 pages (1 failed)" and len(progress) == 4
    warning = "2 byte sequence(s) could not be decoded as utf-8 and were replaced with U+FFFD"
    assert "Warnings: 1 on 1 page; every one is listed in " in err
    assert sum(l.endswith(f": {warning}") for l in err.splitlines()) == 1
    # the machine-readable summary keeps the real name (JSON escapes it)
    summary = json.loads(r.stdout)
    assert summary["failures"][0]["input"] == f"{src}/{HOSTILE}"
    # the same warning once in index.html and in the catalogue's row of each page
    page = (out / "index.html").read_text(encoding="utf-8")
    assert page.count(warning) == 2  # bad-bytes.html and again.html (its duplicate)
    cat = json.loads((out / "catalogue.json").read_text(encoding="utf-8"))
    assert {r["source-input"].rsplit("/", 1)[1]: r["warnings"] for r in cat["rows"]
            if r["status"] == "ok"} == {"again.html": [warning], "bad-bytes.html": [warning],
                                         "plain.html": []}

    # govdoc check: the failed page named escaped, without a "(None)" for its missing id
    c = govdoc("check", str(out))
    assert c.returncode == 1
    assert "(None)" not in c.stdout and "\x1b" not in c.stdout
    assert f"PROBLEM {shown}: was not converted: empty file" in c.stdout.splitlines()


def test_inspect_json_on_a_gbk_named_file_is_utf8(tmp_path):
    raw = os.fsencode(tmp_path) + b"/" + "关于通知.html".encode("gbk")
    with open(raw, "wb") as fh:
        fh.write(NOTICE.read_bytes())
    exe = Path(sys.executable).with_name("govdoc")
    r = subprocess.run([os.fsencode(exe), b"inspect", b"--json", raw], capture_output=True,
                       env=checkout_env())
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout.decode("utf-8"))  # strict: raises on invalid UTF-8
    assert report["input"] == "关于通知.html"
    t = subprocess.run([os.fsencode(exe), b"inspect", raw], capture_output=True, env=checkout_env())
    assert t.returncode == 0 and "关于通知.html" in t.stdout.decode("utf-8")
