"""A report of tens of thousands of records without converting tens of thousands of pages.

The records are modelled on a real batch's manifest entries, each made a record of
its own (new id, new input name, links to its own folder) and given its model's
real thumbnail: the thumbnail cache is keyed by the PDF's sha256, which the copy
keeps, so ``write_report`` takes the copied pictures as its own.  What the browser
then opens is what a batch of that size would write, pictures included.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from pipeline.archive.report import THUMBS


def _link(src: Path, dest: Path) -> None:
    """A hard link where the file system allows (30 000 copies take a while), else a copy."""
    dest.unlink(missing_ok=True)
    try:
        os.link(src, dest)
    except OSError:
        shutil.copyfile(src, dest)


def generated_records(out: Path, n: int) -> list[dict]:
    """``n`` manifest entries made from ``out/manifest.json``'s, thumbnails copied in ``out``."""
    seeds = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["documents"]
    thumbs = out / THUMBS
    docs = []
    for i in range(n):
        seed = seeds[i % len(seeds)]
        d = json.loads(json.dumps(seed))
        d["input"] = f"generated/{i:06d}_{seed['input'].rsplit('/', 1)[-1]}"
        d["duplicate_of"] = None
        if seed.get("id"):
            new = f"{i:016x}"
            d["id"] = new
            d["outputs"] = {k: f"{new}/{v.split('/', 1)[1]}" for k, v in seed["outputs"].items()}
            picture = thumbs / f"{seed['id']}.png"
            if picture.is_file():
                _link(picture, thumbs / f"{new}.png")
        docs.append(d)
    return docs
