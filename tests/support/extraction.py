"""Helpers for the extraction tests: where the shared corpus and scorer are, and a
way to score one extracted document against its gold file."""
from __future__ import annotations

import importlib.util
import json
from functools import lru_cache
from pathlib import Path

from pipeline.canonical import serialize

from tests.support.shared import CORPUS, REPO, SHARED  # noqa: F401

PAGES = REPO / "tests" / "pages"


@lru_cache(maxsize=1)
def scorer():
    """The shared scorer module (../shared/tools/score_extraction.py), or None."""
    path = SHARED / "tools" / "score_extraction.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location("score_extraction", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def gold_pairs(folder: Path) -> list[tuple[Path, Path]]:
    """(page, gold) pairs of a corpus-shaped folder."""
    out = []
    for gold in sorted(folder.glob("*.gold.json")):
        stem = gold.name[: -len(".gold.json")]
        page = next((p for p in folder.glob(stem + ".*") if not p.name.endswith(".gold.json")), None)
        if page is not None:
            out.append((page, gold))
    return out


def score(doc, gold_path: Path, tmp_path: Path) -> dict:
    """Per-page figures of the shared scorer for one extracted document."""
    mod = scorer()
    xml = tmp_path / (gold_path.stem + ".xml")
    xml.write_bytes(serialize(doc))
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    return mod.score_page(gold, mod.read_system(xml))


def ratios(s: dict) -> dict[str, float]:
    def r(a, b):
        return a / b if b else 1.0
    p, rc = r(s["chars_common"], s["chars_sys"]), r(s["chars_common"], s["chars_gold"])
    return {"meta": r(s["meta_ok"], s["meta_total"]), "textP": p, "textR": rc,
            "f1": 2 * p * rc / (p + rc) if p + rc else 0.0, "leak": len(s["leak"]),
            "heads": r(s["heads_ok"], s["heads_total"]), "cells": r(s["cells_ok"], s["cells_total"]),
            "sign": r(s["sig_ok"], s["sig_total"])}
