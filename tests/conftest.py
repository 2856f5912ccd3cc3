"""Shared fixtures: where the corpus is, and converting pages once per session."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.shared import CORPUS, SHARED, TOOLS  # noqa: F401  (one way to ../shared)

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"


def corpus_pages() -> list[Path]:
    return sorted(p for p in CORPUS.glob("*.html")) if CORPUS.is_dir() else []


needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not beside the project")


def checkout_env() -> dict[str, str]:
    """The environment for a govdoc subprocess that runs this checkout's code.

    One venv may serve several checkouts (git worktrees), and its editable install
    points at whichever was installed last; PYTHONPATH puts this one first.
    """
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def govdoc(*args: str, check: bool = False, **kw) -> subprocess.CompletedProcess:
    """Run the installed command line, as a user would (on this checkout's code)."""
    exe = Path(sys.executable).with_name("govdoc")
    kw.setdefault("env", checkout_env())
    return subprocess.run([str(exe), *args], capture_output=True, text=True, check=check, **kw)


@pytest.fixture(scope="session")
def seed_batch(tmp_path_factory) -> Path:
    """The seed page (corpus a01) converted once, all three editions."""
    out = tmp_path_factory.mktemp("seed")
    src = CORPUS / "a01_zj_lipu_fazhi_report.html"
    if not src.exists():
        src = SAMPLES / "a01_zj_lipu_fazhi_report.html"
    r = govdoc("convert", str(src), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    return out
