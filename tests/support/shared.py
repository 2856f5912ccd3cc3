"""Where the reviewers' material is: ``../shared`` beside the repository, found one
way for every test and bench script (tests skip what is absent)."""
from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED = (REPO / ".." / "shared").resolve()
CORPUS = SHARED / "corpus"
CORPUS_REAL = SHARED / "corpus-real"
TOOLS = SHARED / "tools"
